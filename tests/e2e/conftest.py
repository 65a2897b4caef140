"""Fixtures for the end-to-end tests: a real `strata server` on loopback, driven by the real CLI
and by plain HTTP (requests). Nothing here builds anything: the binary comes from $STRATA_BIN or
./build/app/strata (scripts/test.sh builds it first).

Every server started here is killed at teardown, even when a test fails, so no process outlives
the run.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
RESP_LISTEN_RE = re.compile(r"resp listening on redis://127\.0\.0\.1:(\d+)")
RESP_LISTEN_RE = re.compile(r"resp listening on redis://127\.0\.0\.1:(\d+)")
START_TIMEOUT_S = 30
CLI_TIMEOUT_S = 300


def strata_binary() -> Path:
    env = os.environ.get("STRATA_BIN")
    path = Path(env) if env else ROOT / "build" / "app" / "strata"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"strata binary not found at {path}: build it (scripts/build.sh) or set STRATA_BIN",
                    pytrace=False)
    return path


class Server:
    """One `strata server` process on 127.0.0.1 with its own data directory.

    start() waits for the "listening on" line; kill9() simulates a crash; stop() is the
    teardown path (SIGTERM, then SIGKILL after a few seconds). The data directory survives
    stop()/kill9(), so a test can restart the server on the same data.
    """

    def __init__(self, binary: Path, data: Path, logdir: Path, extra_args=()):
        self.binary = binary
        self.data = data
        self.logdir = logdir
        self.extra_args = list(extra_args)  # e.g. ["--resp-listen", "127.0.0.1:0"]
        self.proc = None
        self.port = None
        self.resp_port = None  # set when the server prints its RESP listening line
        self.starts = 0
        self.log_path = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        assert self.proc is None, "server already running"
        self.data.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        self.log_path = self.logdir / f"server-{self.starts}.log"
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.binary), "server", "--data", str(self.data), "--listen", "127.0.0.1:0",
             *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            m = LISTEN_RE.search(text)
            resp = RESP_LISTEN_RE.search(text)
            wants_resp = "--resp-listen" in self.extra_args
            if m and (resp or not wants_resp):
                self.port = int(m.group(1))
                self.resp_port = int(resp.group(1)) if resp else None
                break
            rc = self.proc.poll()
            if rc is not None:
                self.proc = None
                pytest.fail(f"server exited at start (rc {rc}):\n{text}", pytrace=False)
            time.sleep(0.05)
        else:
            self.stop()
            pytest.fail(f"server printed no 'listening on' line in {START_TIMEOUT_S}s:\n"
                        f"{self.log_path.read_text(errors='replace')}", pytrace=False)
        token_file = self.data / "admin-token"
        deadline = time.monotonic() + 5
        while not token_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert token_file.exists(), f"no admin token at {token_file}"
        mode = token_file.stat().st_mode & 0o777
        assert mode == 0o600, f"admin-token mode is {oct(mode)}, want 0o600"
        self.admin_token = token_file.read_text().strip()
        assert self.admin_token, "admin-token file is empty"
        # The server says it listens; wait until it answers.
        deadline = time.monotonic() + 10
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("GET /healthz never answered 200", pytrace=False)
            time.sleep(0.05)
        return self

    def kill9(self):
        """Crash: SIGKILL, no chance to flush or clean up."""
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self):
        """Orderly stop (SIGTERM), escalating to SIGKILL. Returns the exit code (None if not running)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return -9

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    # -- HTTP helpers ----------------------------------------------------------------------
    def headers(self, token=None):
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def get(self, path, token=None, **kw):
        kw.setdefault("timeout", 60)
        return requests.get(self.url + path, headers={**self.headers(token), **kw.pop("headers", {})}, **kw)

    def post(self, path, token=None, **kw):
        kw.setdefault("timeout", 60)
        return requests.post(self.url + path, headers={**self.headers(token), **kw.pop("headers", {})}, **kw)

    def put(self, path, token=None, **kw):
        kw.setdefault("timeout", 60)
        return requests.put(self.url + path, headers={**self.headers(token), **kw.pop("headers", {})}, **kw)

    def delete(self, path, token=None, **kw):
        kw.setdefault("timeout", 60)
        return requests.delete(self.url + path, headers={**self.headers(token), **kw.pop("headers", {})}, **kw)

    def stat(self, path, fs="default"):
        """Attributes of `path`, or None when it does not exist."""
        r = self.get(f"/api/v1/fs/{fs}/stat", params={"path": path})
        if r.status_code == 404:
            return None
        assert r.status_code == 200, f"stat {path}: {r.status_code} {r.text}"
        return r.json()

    def list_all(self, path, fs="default"):
        """Every entry of directory `path` (all pages)."""
        entries, cursor = [], ""
        while True:
            r = self.get(f"/api/v1/fs/{fs}/list", params={"path": path, "cursor": cursor, "limit": 1000})
            assert r.status_code == 200, f"list {path}: {r.status_code} {r.text}"
            body = r.json()
            entries += body["entries"]
            cursor = body.get("next_cursor", "")
            if not cursor:
                return entries

    def tree(self, path="/", fs="default"):
        """{path: (type, size)} for everything under `path` (recursive), for 'nothing changed' checks."""
        out = {}

        def walk(p):
            for e in self.list_all(p, fs):
                child = (p.rstrip("/") + "/" + e["name"])
                out[child] = (e["type"], e.get("size") if e["type"] == "file" else None,
                              e.get("version") if e["type"] == "file" else None)
                if e["type"] == "dir":
                    walk(child)

        walk(path)
        return out

    def chunkmap(self, path, fs="default"):
        r = self.get(f"/api/v1/fs/{fs}/chunkmap", params={"path": path})
        assert r.status_code == 200, f"chunkmap {path}: {r.status_code} {r.text}"
        return r.json()

    def filesystems(self):
        r = self.get("/api/v1/fs")
        assert r.status_code == 200, r.text
        return [f["name"] for f in r.json()["filesystems"]]

    def metrics(self):
        """{metric name: sum over all its label sets} from GET /metrics (no token)."""
        r = requests.get(self.url + "/metrics", timeout=30)
        assert r.status_code == 200, r.text
        return parse_metrics(r.text)


def parse_metrics(text):
    sums = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)", line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        sums[m.group(1)] = sums.get(m.group(1), 0.0) + value
    return sums


class Cli:
    """Runs the `strata` CLI against one server, with its own HOME (so `login` writes nowhere else)."""

    def __init__(self, binary: Path, server: Server, home: Path):
        self.binary = binary
        self.server = server
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def env(self, token=None, with_env=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
        env["HOME"] = str(self.home)
        env["XDG_CONFIG_HOME"] = str(self.home / ".config")
        if with_env:
            env["STRATA_URL"] = self.server.url
            env["STRATA_TOKEN"] = token or self.server.admin_token
        return env

    def run(self, *args, token=None, with_env=True, timeout=CLI_TIMEOUT_S, cwd=None):
        return subprocess.run([str(self.binary), *map(str, args)], env=self.env(token, with_env),
                              capture_output=True, text=True, timeout=timeout, cwd=cwd,
                              stdin=subprocess.DEVNULL)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, (f"`strata {' '.join(map(str, args))}` exited {r.returncode}\n"
                                   f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def storage(self, *args, **kw):
        return self.run("storage", *args, **kw)

    def storage_ok(self, *args, **kw):
        return self.ok("storage", *args, **kw)

    def json(self, *args, **kw):
        """Runs `strata storage ARGS --json` and parses stdout."""
        r = self.storage_ok(*args, "--json", **kw)
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"`strata storage {' '.join(map(str, args))} --json` printed no JSON "
                                 f"({e}):\n{r.stdout!r}")

    def fails(self, *args, **kw):
        """Runs a command that must fail: exit 1 and exactly one non-empty line on stderr."""
        r = self.run(*args, **kw)
        cmd = "strata " + " ".join(str(a)[:80] for a in args)
        assert r.returncode == 1, f"`{cmd}`: want exit 1, got {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
        lines = r.stderr.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].strip(), f"`{cmd}`: want one line on stderr, got {r.stderr!r}"
        return r


# -- file helpers ---------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def tree_digest(root: Path):
    """{relative path: sha256} of every regular file under root, plus {relative dir: 'dir'}."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        for d in dirnames:
            out[str(rel / d)] = "dir"
        for f in filenames:
            out[str(rel / f)] = sha256_file(Path(dirpath) / f)
    return out


def write_random(path: Path, size: int, seed=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 << 20)
            f.write(os.urandom(n))
            left -= n


def chunk_files(data: Path):
    """{chunk id: path} for every file under DATA/chunks named like a chunk id, and the list of
    every other regular file there (temporaries left behind would be a leak)."""
    ids, others = {}, []
    base = data / "chunks"
    if not base.exists():
        return ids, others
    for dirpath, _, filenames in os.walk(base):
        for f in filenames:
            p = Path(dirpath) / f
            if p.parent == base and f == ".lock":
                continue  # the store's lock file (one per data directory), not data
            if re.fullmatch(r"[0-9a-f]{64}", f):
                ids[f] = p
            else:
                others.append(p)
    return ids, others


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def strata_bin():
    return strata_binary()


@pytest.fixture
def make_server(strata_bin, tmp_path):
    """Factory: make_server(name='srv', extra_args=[...]) -> a started Server with data in
    tmp_path/name; extra_args go to `strata server` (e.g. ["--resp-listen", "127.0.0.1:0"])."""
    servers = []

    def make(name="srv", start=True, extra_args=()):
        s = Server(strata_bin, tmp_path / name / "data", tmp_path / name, extra_args)
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        servers.append(s)
        return s.start() if start else s

    yield make
    for s in servers:
        s.stop()
    # Large data dirs are not worth keeping around in pytest's retained temp dirs.
    for s in servers:
        shutil.rmtree(s.data, ignore_errors=True)


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def cli(strata_bin, server, tmp_path):
    return Cli(strata_bin, server, tmp_path / "home")


def run_offline(strata_bin, *args, timeout=600):
    """`strata server fsck|gc ...` (server stopped)."""
    return subprocess.run([str(strata_bin), "server", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
