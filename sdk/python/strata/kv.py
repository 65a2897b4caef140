"""Key-value store: namespaces of keys mapping to byte values (``/api/v1/kv``).

>>> from strata.kv import KV
>>> KV.create_kv("sessions")
>>> kv = KV.get_kv("sessions")
>>> kv.put("user:1", "alice", ttl=3600)
>>> kv.get("user:1")            # bytes
b'alice'
>>> kv.get_text("user:1")
'alice'
>>> kv.delete("user:1")
True

Keys are ``str`` (UTF-8) or ``bytes`` of at most 32 KiB, values ``str`` (stored as UTF-8) or
``bytes`` of at most 256 KiB; larger ones raise ``ValueError`` before anything is sent. A
missing key raises ``KeyError`` (``strata.errors.NotFoundError``); a missing namespace raises
it too, with code ``not_found`` instead of ``no_such_key``.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Union

from ._http import HttpClient, client_for, quote
from .errors import InvalidArgumentError, NotFoundError

MAX_KEY_BYTES = 32 * 1024
MAX_VALUE_BYTES = 256 * 1024
MAX_TTL_S = 2 ** 31
_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")

Key = Union[str, bytes]
Value = Union[str, bytes, bytearray, memoryview]


def _key_bytes(key: Key) -> bytes:
    b = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not b:
        raise InvalidArgumentError("a key may not be empty")
    if len(b) > MAX_KEY_BYTES:
        raise InvalidArgumentError(f"key is {len(b)} bytes; the limit is {MAX_KEY_BYTES}")
    return b


def _value_bytes(value: Value) -> bytes:
    b = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if len(b) > MAX_VALUE_BYTES:
        raise InvalidArgumentError(f"value is {len(b)} bytes; the limit is {MAX_VALUE_BYTES}")
    return b


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise InvalidArgumentError(f'bad namespace name "{name}": use 1-128 of [A-Za-z0-9._-]')
    return name


class KV:
    """One KV namespace. Thread-safe (each thread uses its own connection).

    Args:
        name: the namespace (``[A-Za-z0-9._-]{1,128}``); it is not checked to exist here.
        url, token, timeout, retries: per-object overrides of ``strata.config``.
    """

    def __init__(self, name: str, *, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None,
                 _client: Optional[HttpClient] = None) -> None:
        self.name = _check_name(name)
        self._http = _client or client_for(url, token, timeout, retries)
        self._base = f"/api/v1/kv/{quote(name)}"

    def __repr__(self) -> str:
        return f"KV({self.name!r}, url={self._http.config.url!r})"

    # -- namespaces --------------------------------------------------------------------------
    @classmethod
    def create_kv(cls, name: str, *, exist_ok: bool = False, **overrides: object) -> "KV":
        """Creates the namespace and returns it.

        Raises:
            ConflictError: it exists (unless ``exist_ok``).
            ValueError: a bad name (checked before sending).
        """
        from .errors import ConflictError
        kv = cls(name, **overrides)  # type: ignore[arg-type]
        try:
            kv._http.post_json("/api/v1/kv", {"name": name})
        except ConflictError:
            if not exist_ok:
                raise
        return kv

    @classmethod
    def get_kv(cls, name: str, **overrides: object) -> "KV":
        """The existing namespace ``name``.

        Raises:
            KeyError (NotFoundError): no such namespace.
        """
        kv = cls(name, **overrides)  # type: ignore[arg-type]
        if name not in cls.list_kv(_client=kv._http):
            raise NotFoundError(f"no such KV namespace: {name}", 404, "not_found")
        return kv

    @classmethod
    def list_kv(cls, *, _client: Optional[HttpClient] = None, **overrides: object) -> List[str]:
        """The names of every namespace of the workspace."""
        http = _client or client_for(**overrides)  # type: ignore[arg-type]
        return [n["name"] for n in http.get_json("/api/v1/kv").get("namespaces", [])]

    @classmethod
    def delete_kv(cls, name: str, **overrides: object) -> None:
        """Deletes the namespace and every key in it.

        Raises:
            KeyError (NotFoundError): no such namespace.
        """
        http = client_for(**overrides)  # type: ignore[arg-type]
        http.request("DELETE", f"/api/v1/kv/{quote(_check_name(name))}")

    # -- keys ----------------------------------------------------------------------------------
    def _key_path(self, key: Key) -> str:
        return f"{self._base}/keys/{quote(_key_bytes(key))}"  # type: ignore[arg-type]

    def put(self, key: Key, value: Value, ttl: Optional[int] = None) -> None:
        """Sets ``key`` to ``value``, expiring after ``ttl`` seconds when given (1 ... 2^31).

        Raises:
            ValueError: key over 32 KiB, value over 256 KiB, bad ttl (nothing is sent).
            KeyError (NotFoundError): no such namespace.
        """
        path = self._key_path(key)
        body = _value_bytes(value)
        if ttl is not None and not (1 <= int(ttl) <= MAX_TTL_S):
            raise InvalidArgumentError(f"ttl must be 1...{MAX_TTL_S} seconds, not {ttl}")
        self._http.request("PUT", path, body=body, query={"ttl": int(ttl) if ttl is not None else None},
                           headers={"Content-Type": "application/octet-stream"})

    def get(self, key: Key) -> bytes:
        """The value of ``key``.

        Raises:
            KeyError (NotFoundError): no such key (code ``no_such_key``) or namespace.
            ValueError: key over 32 KiB (nothing is sent).
        """
        return self._http.request("GET", self._key_path(key)).data or b""

    def get_text(self, key: Key, encoding: str = "utf-8") -> str:
        """The value of ``key`` decoded as text."""
        return self.get(key).decode(encoding)

    def get_or(self, key: Key, default: Optional[bytes] = None) -> Optional[bytes]:
        """The value of ``key``, or ``default`` when the key does not exist."""
        try:
            return self.get(key)
        except NotFoundError as e:
            if e.code == "no_such_key":
                return default
            raise

    def expires_at_ms(self, key: Key) -> Optional[int]:
        """When ``key`` expires (Unix ms), or None when it has no TTL."""
        h = self._http.request("GET", self._key_path(key)).header("X-Strata-Expires-At-Ms")
        return int(h) if h else None

    def delete(self, key: Key) -> bool:
        """Deletes ``key``; returns whether it existed."""
        return bool(self._http.request("DELETE", self._key_path(key)).json().get("deleted"))

    def keys(self, prefix: str = "", page_size: int = 1000) -> Iterator[str]:
        """Every key starting with ``prefix``, in byte order (paged lazily)."""
        cursor = ""
        while True:
            page = self._http.get_json(f"{self._base}/keys",
                                       {"prefix": prefix or None, "cursor": cursor or None, "limit": page_size})
            yield from page.get("keys", [])
            cursor = page.get("next_cursor", "")
            if not cursor:
                return

    def __getitem__(self, key: Key) -> bytes:
        return self.get(key)

    def __setitem__(self, key: Key, value: Value) -> None:
        self.put(key, value)

    def __delitem__(self, key: Key) -> None:
        if not self.delete(key):
            raise NotFoundError(f"no such key: {key!r}", 404, "no_such_key")

    def __contains__(self, key: object) -> bool:
        return self.get_or(key) is not None  # type: ignore[arg-type]
