"""Fixtures for the SDK tests: a real `strata server` on loopback (HTTP, S3 and nothing else),
and the SDK pointed at it through STRATA_URL / STRATA_TOKEN.

The binary is $STRATA_BIN or ./build/app/strata (scripts/test.sh builds it first). The SDK is
imported from sdk/python (added to sys.path here, so `pip install ./sdk/python` is not needed to
run the tests; installed copies are shadowed). Every server started here is stopped at teardown.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "python"
if str(SDK) not in sys.path:
    sys.path.insert(0, str(SDK))

LISTEN_RE = re.compile(r"server listening on http://127\.0\.0\.1:(\d+)")
S3_LISTEN_RE = re.compile(r"s3 listening on http://127\.0\.0\.1:(\d+)")
START_TIMEOUT_S = 30


def strata_binary() -> Path:
    env = os.environ.get("STRATA_BIN")
    path = Path(env) if env else ROOT / "build" / "app" / "strata"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"strata binary not found at {path}: build it (scripts/build.sh) or set STRATA_BIN",
                    pytrace=False)
    return path


class Server:
    """One `strata server` with its own data directory. start() may be called again after
    stop()/kill9() and reuses the data (a restarted server keeps its admin token)."""

    def __init__(self, binary: Path, root: Path) -> None:
        self.binary = binary
        self.root = root
        self.data = root / "data"
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.s3_port: Optional[int] = None
        self.starts = 0
        self.admin_token = ""

    def start(self, port: Optional[int] = None) -> "Server":
        """Starts the server (on `port` when given, e.g. the same port after a restart)."""
        assert self.proc is None
        self.root.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log_path = self.root / f"server-{self.starts}.log"
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(self.binary), "server", "--data", str(self.data), "--listen", f"127.0.0.1:{port or 0}",
                 "--s3-listen", "127.0.0.1:0"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            text = log_path.read_text(errors="replace")
            m, s3 = LISTEN_RE.search(text), S3_LISTEN_RE.search(text)
            if m and s3:
                self.port, self.s3_port = int(m.group(1)), int(s3.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"server did not start:\n{text}", pytrace=False)
            time.sleep(0.05)
        token_file = self.data / "admin-token"
        while not token_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.admin_token = token_file.read_text().strip()
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("GET /healthz never answered 200", pytrace=False)
            time.sleep(0.05)
        return self

    def kill9(self) -> None:
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, token: Optional[str] = None) -> dict:
        """An environment for a subprocess using the SDK against this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
        env.update(STRATA_URL=self.url, STRATA_TOKEN=token or self.admin_token,
                   PYTHONPATH=str(SDK) + os.pathsep + env.get("PYTHONPATH", ""))
        return env

    def create_token(self, name: str, read_only: bool = False) -> str:
        """A new (non-admin) token, through the SDK's HTTP layer."""
        from strata._http import HttpClient
        from strata.config import Config
        http = HttpClient(Config(url=self.url, token=self.admin_token))
        return http.post_json("/api/v1/tokens", {"name": name, "read_only": read_only, "admin": False})["token"]


@pytest.fixture(scope="session")
def strata_bin() -> Path:
    return strata_binary()


@pytest.fixture(scope="session")
def shared_server(strata_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that do not restart it."""
    s = Server(strata_bin, tmp_path_factory.mktemp("sdk-server")).start()
    yield s
    s.stop()
    shutil.rmtree(s.data, ignore_errors=True)


@pytest.fixture
def server(shared_server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    """The shared server, with STRATA_URL/STRATA_TOKEN pointing at it and no saved login."""
    monkeypatch.setenv("STRATA_URL", shared_server.url)
    monkeypatch.setenv("STRATA_TOKEN", shared_server.admin_token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return shared_server


@pytest.fixture
def own_server(strata_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server of this test alone (to stop and restart), with the SDK's environment set."""
    s = Server(strata_bin, tmp_path / "own").start()
    monkeypatch.setenv("STRATA_URL", s.url)
    monkeypatch.setenv("STRATA_TOKEN", s.admin_token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    yield s
    s.stop()
    shutil.rmtree(s.data, ignore_errors=True)
