"""Where the SDK finds its server and token.

Precedence, highest first (the same as the ``strata`` CLI, plus per-object arguments):

1. arguments given to a client object (``ObjectStore("private", url=..., token=...)``);
2. the ``STRATA_URL`` and ``STRATA_TOKEN`` environment variables;
3. the login saved by ``strata login``: ``$XDG_CONFIG_HOME/strata/config.json``, else
   ``~/.config/strata/config.json`` (a JSON object ``{"url": ..., "token": ...}``);
4. the default URL ``http://127.0.0.1:7070`` (no default token).

The settings are read when a client object is made, not at import time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from .errors import InvalidArgumentError

DEFAULT_URL = "http://127.0.0.1:7070"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_RETRIES = 5


@dataclass(frozen=True)
class Config:
    """Resolved client settings.

    Attributes:
        url: ``http://HOST[:PORT]`` (or https), without a trailing slash.
        token: the bearer token (``strata_<id>_<secret>``); may be empty, then the server
            answers 401 (AuthError) to every call.
        timeout: seconds one socket read or write may block.
        retries: how many times an idempotent call is retried after a connection error or a
            5xx answer (with exponential backoff); 0 disables retries.
        backoff: the first backoff delay in seconds (doubled each retry, capped at 5 s).
    """

    url: str = DEFAULT_URL
    token: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT_S
    retries: int = DEFAULT_RETRIES
    backoff: float = 0.2


def config_path(env: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    """The CLI's saved-login file (it may not exist); None when neither XDG_CONFIG_HOME nor HOME is set."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "strata" / "config.json"
    home = env.get("HOME")
    if home:
        return Path(home) / ".config" / "strata" / "config.json"
    return None


def read_saved_login(path: Optional[Path]) -> dict:
    """``{"url": ..., "token": ...}`` from the saved-login file; {} when there is none.

    Raises:
        InvalidArgumentError: the file exists but is not a JSON object.
    """
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise InvalidArgumentError(f"cannot read {path}: {e.strerror}") from e
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InvalidArgumentError(f"config file {path} is not a JSON object") from e
    if not isinstance(data, dict):
        raise InvalidArgumentError(f"config file {path} is not a JSON object")
    return {k: v for k, v in data.items() if k in ("url", "token") and isinstance(v, str)}


def normalize_url(url: str) -> str:
    """Checks a server URL (http:// or https:// and a host) and drops trailing slashes.

    Raises:
        InvalidArgumentError: anything else.
    """
    u = url.rstrip("/")
    scheme_len = 7 if u.startswith("http://") else 8 if u.startswith("https://") else 0
    if scheme_len == 0 or len(u) <= scheme_len or any(c in u for c in " \t\r\n"):
        raise InvalidArgumentError(f'bad server URL "{url}": expected http://HOST[:PORT]')
    return u


def resolve(url: Optional[str] = None, token: Optional[str] = None, *, timeout: Optional[float] = None,
            retries: Optional[int] = None, env: Optional[Mapping[str, str]] = None) -> Config:
    """The effective settings for a client object (see the module docstring for precedence).

    Args:
        url: overrides every other source of the server URL.
        token: overrides every other source of the token.
        timeout: socket timeout in seconds (default 120).
        retries: retries of idempotent calls (default 5).
        env: the environment to read (default ``os.environ``; for tests).
    """
    env = os.environ if env is None else env
    saved: dict = {}
    if url is None or token is None:
        saved = read_saved_login(config_path(env))
    eff_url = url or env.get("STRATA_URL") or saved.get("url") or DEFAULT_URL
    eff_token = token if token is not None else (env.get("STRATA_TOKEN") or saved.get("token") or "")
    return Config(url=normalize_url(eff_url), token=eff_token.strip(),
                  timeout=DEFAULT_TIMEOUT_S if timeout is None else float(timeout),
                  retries=DEFAULT_RETRIES if retries is None else int(retries))
