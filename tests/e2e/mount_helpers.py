"""Helpers for the mount end-to-end tests: a real `strata server` (conftest.Server) and real
FUSE mounts of it. Every mount started here is unmounted (fusermount3 -u -z) and its process
killed at teardown, even when a test fails.

The binary is $STRATA_BIN (or ./build/app/strata); it must include the mount commands and the
server's inode routes.
"""

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Server, strata_binary

MOUNT_TIMEOUT_S = 30


def pid_file(mountpoint: Path) -> Path:
    normal = os.path.normpath(os.path.abspath(str(mountpoint)))
    return Path("/run/strata") / f"mount-{hashlib.sha256(normal.encode()).hexdigest()[:16]}.pid"


def is_mounted(mountpoint: Path) -> bool:
    target = os.path.normpath(os.path.abspath(str(mountpoint)))
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == target for line in f)


class Mount:
    """One `strata mount` of the test server at `mountpoint` with its own cache directory."""

    def __init__(self, binary: Path, server: Server, mountpoint: Path, cache: Path, log: Path, args=()):
        self.binary, self.server = binary, server
        self.mountpoint, self.cache, self.log = mountpoint, cache, log
        self.args = list(args)
        self.pid = None

    def env(self):
        env = dict(os.environ)
        env["STRATA_URL"] = self.server.url
        env["STRATA_TOKEN"] = self.server.admin_token
        return env

    def start(self):
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        cmd = [str(self.binary), "mount", "--cache-dir", str(self.cache), "--log-file", str(self.log),
               "--lease", "3", *self.args, str(self.mountpoint)]
        r = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S)
        if r.returncode != 0:
            pytest.fail(f"strata mount failed ({r.returncode}): {r.stderr}", pytrace=False)
        assert is_mounted(self.mountpoint), "strata mount returned but nothing is mounted"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self.pid = int(pid_file(self.mountpoint).read_text().strip())
                break
            except (FileNotFoundError, ValueError):
                time.sleep(0.02)
        return self

    def alive(self):
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def umount(self):
        """Clean unmount through `strata umount` (waits for the final flush)."""
        r = subprocess.run([str(self.binary), "umount", str(self.mountpoint)], capture_output=True, text=True,
                           timeout=90)
        assert r.returncode == 0, r.stderr
        assert not is_mounted(self.mountpoint)
        self.pid = None

    def kill9(self):
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.pid = None
        subprocess.run(["fusermount3", "-u", "-z", str(self.mountpoint)], capture_output=True)

    def cleanup(self):
        if is_mounted(self.mountpoint):
            subprocess.run(["fusermount3", "-u", "-z", str(self.mountpoint)], capture_output=True)
        if self.pid is not None:
            deadline = time.monotonic() + 5
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None


class MountSet:
    """Factory fixture object: one server, any number of mounts (each a 'node')."""

    def __init__(self, tmp_path: Path):
        self.binary = Path(os.environ.get("STRATA_BIN", "")) if os.environ.get("STRATA_BIN") else strata_binary()
        self.tmp = tmp_path
        self.server = Server(self.binary, tmp_path / "data", tmp_path)
        self.mounts = []

    def mount(self, name="m1", args=()):
        m = Mount(self.binary, self.server, self.tmp / name, self.tmp / f"cache-{name}",
                  self.tmp / f"{name}.log", args)
        self.mounts.append(m)
        return m.start()

    def close(self):
        for m in self.mounts:
            m.cleanup()
        self.server.stop()


@pytest.fixture
def cluster(tmp_path):
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        pytest.skip("mount tests need root and /dev/fuse")
    c = MountSet(tmp_path)
    c.server.start()
    try:
        yield c
    finally:
        c.close()
