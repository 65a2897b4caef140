"""Crash safety, cache bound, read-only and --subdir mounts."""

import errno
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from mount_helpers import cluster  # noqa: F401  (fixture)


def test_kill9_mount_mid_write_keeps_previous_version(cluster):  # noqa: F811
    m = cluster.mount("a")
    old = os.urandom(6 * 1024 * 1024)
    (m.mountpoint / "ckpt").write_bytes(old)
    # A writer rewrites the file in place and never closes it; the mount dies meanwhile.
    script = f"""
import os, time
f = open({str(m.mountpoint / 'ckpt')!r}, 'r+b')
f.write(os.urandom(5 * 1024 * 1024))
f.flush()
print('written', flush=True)
time.sleep(60)
"""
    w = subprocess.Popen(["python3", "-c", script], stdout=subprocess.PIPE, text=True)
    assert w.stdout.readline().strip() == "written"
    m.kill9()
    w.kill()
    w.wait()
    m2 = cluster.mount("b")
    assert (m2.mountpoint / "ckpt").read_bytes() == old


def test_fsynced_data_survives_server_kill9(cluster):  # noqa: F811
    m = cluster.mount("a")
    data = os.urandom(5 * 1024 * 1024 + 11)
    fd = os.open(m.mountpoint / "durable", os.O_CREAT | os.O_WRONLY)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    (m.mountpoint / "closed").write_bytes(b"closed bytes")
    m.umount()
    cluster.server.kill9()
    cluster.server.start()
    m2 = cluster.mount("b")
    assert (m2.mountpoint / "durable").read_bytes() == data
    assert (m2.mountpoint / "closed").read_bytes() == b"closed bytes"


def route_counts(server):
    """{route: requests served} from the server's /metrics."""
    text = requests.get(server.url + "/metrics", timeout=30).text
    out = {}
    for m in re.finditer(r'^strata_http_requests_total\{route="([^"]+)",[^}]*\}\s+(\S+)$', text, re.M):
        out[m.group(1)] = out.get(m.group(1), 0) + float(m.group(2))
    return out


def test_closed_file_survives_kill9_of_server_and_mount(cluster):  # noqa: F811
    """close() is durable against kill -9 of the server and of the mount at once (no umount,
    no fsync): small files (chunks inline in the commit), a big one (uploaded chunks), a new
    directory and an overwrite."""
    m = cluster.mount("a")
    small = os.urandom(16 * 1024)
    big = os.urandom(5 * 1024 * 1024 + 7)
    (m.mountpoint / "small").write_bytes(small)
    (m.mountpoint / "big").write_bytes(big)
    os.mkdir(m.mountpoint / "dir")
    (m.mountpoint / "dir" / "f").write_bytes(b"nested")
    (m.mountpoint / "over").write_bytes(b"first version")
    (m.mountpoint / "over").write_bytes(b"second")
    (m.mountpoint / "empty").touch()
    cluster.server.kill9()
    m.kill9()
    cluster.server.start()
    m2 = cluster.mount("b")
    assert (m2.mountpoint / "small").read_bytes() == small
    assert (m2.mountpoint / "big").read_bytes() == big
    assert (m2.mountpoint / "dir" / "f").read_bytes() == b"nested"
    assert (m2.mountpoint / "over").read_bytes() == b"second"
    assert (m2.mountpoint / "empty").stat().st_size == 0


def test_small_file_close_is_one_request(cluster):  # noqa: F811
    """A small file's create + write + close: one create and one commit carrying the bytes, no
    upload round trips; an empty new file commits nothing; fsync asks for a sync."""
    m = cluster.mount("a")
    (m.mountpoint / "warm").write_bytes(b"x")  # first request of each kind out of the way
    before = cluster.server.metrics()
    routes_before = route_counts(cluster.server)
    for i in range(20):
        (m.mountpoint / f"s{i}").write_bytes(os.urandom(16 * 1024))
    for i in range(10):
        os.close(os.open(m.mountpoint / f"e{i}", os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644))
    after = cluster.server.metrics()
    routes = {k: v - routes_before.get(k, 0) for k, v in route_counts(cluster.server).items()}

    def delta(name):
        return after.get(name, 0) - before.get(name, 0)

    assert delta("strata_mount_commits_total") == 20
    assert delta("strata_mount_inline_chunks_total") == 20
    assert routes.get("mount.create", 0) == 30
    assert routes.get("mount.commit", 0) == 20
    assert routes.get("fs.upload_begin", 0) == 0 and routes.get("fs.chunk_put", 0) == 0
    # The kernel's GETATTR of the directory after each create is answered by the mount.
    assert routes.get("mount.getattr", 0) <= 2
    for i in range(20):
        assert len((m.mountpoint / f"s{i}").read_bytes()) == 16 * 1024
    syncs = after.get("strata_mount_syncs_total", 0)
    fd = os.open(m.mountpoint / "s0", os.O_RDONLY)
    os.fsync(fd)  # nothing to commit: a server-side sync all the same
    os.close(fd)
    assert cluster.server.metrics().get("strata_mount_syncs_total", 0) == syncs + 1


def test_cache_size_bound_and_survives_remount(cluster):  # noqa: F811
    writer = cluster.mount("w").mountpoint
    for i in range(6):
        (writer / f"f{i}").write_bytes(os.urandom(4 * 1024 * 1024))
    r = cluster.mount("r", args=["--cache-size", "10M"])
    for i in range(6):
        (r.mountpoint / f"f{i}").read_bytes()

    def cached_bytes():
        total = 0
        for root, _, files in os.walk(r.cache / "chunks"):
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        return total

    assert 0 < cached_bytes() <= 10 * 1024 * 1024
    before = cached_bytes()
    r.umount()
    assert cached_bytes() == before  # the cache outlives the mount
    r.start()
    assert (r.mountpoint / "f5").read_bytes() == (writer / "f5").read_bytes()


def test_read_only_mount_refuses_writes(cluster):  # noqa: F811
    w = cluster.mount("w").mountpoint
    (w / "f").write_bytes(b"data")
    ro = cluster.mount("ro", args=["--read-only"]).mountpoint
    assert (ro / "f").read_bytes() == b"data"
    for fn, args in [(os.open, (ro / "new", os.O_CREAT | os.O_WRONLY)), (os.open, (ro / "f", os.O_WRONLY)),
                     (os.mkdir, (ro / "d",)), (os.unlink, (ro / "f",)), (os.rename, (ro / "f", ro / "g")),
                     (os.chmod, (ro / "f", 0o600)), (os.truncate, (ro / "f", 0))]:
        with pytest.raises(OSError) as e:
            fn(*args)
        assert e.value.errno == errno.EROFS, f"{fn.__name__}: {e.value}"
    assert (w / "f").read_bytes() == b"data"


def test_subdir_mount_is_confined(cluster):  # noqa: F811
    w = cluster.mount("w").mountpoint
    os.makedirs(w / "team" / "models")
    (w / "team" / "models" / "m.bin").write_bytes(b"model")
    (w / "secret").write_bytes(b"secret")
    s = cluster.mount("s", args=["--subdir", "/team"]).mountpoint
    assert sorted(os.listdir(s)) == ["models"]
    assert (s / "models" / "m.bin").read_bytes() == b"model"
    assert not (s / "secret").exists()
    assert os.path.realpath(s / "..") == str(s.parent)  # ".." leaves the mount, not the subtree
    (s / "new").write_bytes(b"n")
    assert (w / "team" / "new").read_bytes() == b"n"


def test_sigterm_flushes_open_files(cluster):  # noqa: F811
    m = cluster.mount("a")
    fd = os.open(m.mountpoint / "open", os.O_CREAT | os.O_WRONLY)
    os.write(fd, b"written but not closed")
    os.kill(m.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while m.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not m.alive()
    try:
        os.close(fd)
    except OSError:
        pass
    m.pid = None
    m.cleanup()
    m2 = cluster.mount("b")
    assert (m2.mountpoint / "open").read_bytes() == b"written but not closed"


def test_cache_warm(cluster):  # noqa: F811
    w = cluster.mount("w").mountpoint
    os.makedirs(w / "model")
    for i in range(3):
        (w / "model" / f"shard{i}").write_bytes(os.urandom(5 * 1024 * 1024))
    r = cluster.mount("r")
    out = subprocess.run([str(cluster.binary), "cache", "warm", str(r.mountpoint / "model")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "3/3 files" in out.stderr
    chunks = sum(len(f) for _, _, f in os.walk(r.cache / "chunks"))
    assert chunks >= 6  # every chunk of the three files is local now
