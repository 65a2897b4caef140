"""Two mounts of one file system (two 'nodes', separate caches): close-to-open, cross-mount
locks, the two user patterns of the issue (the flock counter, write-temp-then-rename), and
lock release when a mount dies."""

import errno
import fcntl
import multiprocessing
import os
import time

import pytest

from mount_helpers import cluster  # noqa: F401  (fixture)


def test_close_to_open(cluster):  # noqa: F811
    a = cluster.mount("a").mountpoint
    b = cluster.mount("b").mountpoint
    (a / "f").write_bytes(b"v1")
    assert (b / "f").read_bytes() == b"v1"
    (a / "f").write_bytes(b"version-two")
    assert (b / "f").read_bytes() == b"version-two"
    os.mkdir(a / "d")
    (b / "d" / "x").write_bytes(b"from b")
    assert (a / "d" / "x").read_bytes() == b"from b"


def _counter_worker(path, n, q):
    try:
        for _ in range(n):
            _increment_locked(path)
        q.put(None)
    except Exception as e:  # reported to the test
        q.put(repr(e))


def test_flock_counter_two_mounts(cluster):  # noqa: F811
    a = cluster.mount("a").mountpoint
    b = cluster.mount("b").mountpoint
    (a / "counter").write_text("0")
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_counter_worker, args=(m / "counter", 500, q))
             for m in (a, a, b, b)]
    for p in procs:
        p.start()
    errors = [q.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert errors == [None] * 4
    assert (a / "counter").read_text() == "2000"
    assert (b / "counter").read_text() == "2000"


def _increment_locked(path):
    """One increment of the counter pattern; returns the text it read."""
    with open(path, "r+") as f:
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.001)
        text = f.read()
        f.seek(0)
        f.write(str(int(text or "0") + 1))
        f.truncate()
        fcntl.flock(f, fcntl.LOCK_UN)
    return text


def _increment_unlocked(path):
    with open(path, "r+") as f:
        text = f.read()
        f.seek(0)
        f.write(str(int(text or "0") + 1))
        f.truncate()
    return text


@pytest.mark.parametrize("locked", [True, False], ids=["flock", "close_to_open"])
def test_counter_alternating_mounts_across_length_changes(cluster, locked):  # noqa: F811
    """Increments alternate between the mounts, each right after the other mount's, while the
    counter's length grows (9 -> 10, 99 -> 100, ...). Each mount's kernel still holds the size
    it learned from its own write and truncate (valid for the attribute timeout) when the other
    mount grows the file: a lock grant, and an open after the other's close, must not let a
    read be cut at that old size ("1" of "10") or see the old bytes."""
    a = cluster.mount("a").mountpoint
    b = cluster.mount("b").mountpoint
    step = _increment_locked if locked else _increment_unlocked
    bad = []
    for start in (5, 95, 995, 9995):
        (a / "counter").write_text(str(start))
        for i in range(10):
            m = a if i % 2 == 0 else b
            text = step(m / "counter")
            if text != str(start + i):
                bad.append((start + i, text, m.name))
                (m / "counter").write_text(str(start + i + 1))  # go on from the right value
    assert bad == []


def _rename_writer(d, rounds, q):
    try:
        for i in range(rounds):
            body = (f"{i:08d}" * 1000 + "\n").encode() * (1 + i % 3)  # sizes vary
            tmp = d / f".model.tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                f.write(body)
            os.rename(tmp, d / "model.bin")
        q.put(None)
    except Exception as e:
        q.put(repr(e))


def test_write_temp_then_rename_never_partial(cluster):  # noqa: F811
    a = cluster.mount("a").mountpoint
    b = cluster.mount("b").mountpoint
    first = (f"{0:08d}" * 1000 + "\n").encode()
    (a / "model.bin").write_bytes(first)
    q = multiprocessing.Queue()
    w = multiprocessing.Process(target=_rename_writer, args=(a, 150, q))
    w.start()
    seen = 0
    bad = []
    while w.is_alive() or seen == 0:
        try:
            data = (b / "model.bin").read_bytes()
        except FileNotFoundError:
            bad.append("ENOENT")  # the name must always exist
            continue
        seen += 1
        line = data[:8001]
        ok = len(data) % 8001 == 0 and data == line * (len(data) // 8001) and \
            line == line[:8] * 1000 + b"\n"
        if not ok:
            bad.append(f"partial/mixed file of {len(data)} bytes")
    w.join()
    assert q.get(timeout=10) is None
    assert seen > 0
    assert bad == []


def test_locks_across_mounts_and_getlk(cluster):  # noqa: F811
    a = cluster.mount("a").mountpoint
    b = cluster.mount("b").mountpoint
    (a / "f").write_bytes(b"x" * 100)
    fa = open(a / "f", "r+b")
    fcntl.flock(fa, fcntl.LOCK_SH)
    fb = open(b / "f", "r+b")
    fcntl.flock(fb, fcntl.LOCK_SH | fcntl.LOCK_NB)  # shared + shared
    with pytest.raises(BlockingIOError) as e:
        fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert e.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
    fcntl.flock(fa, fcntl.LOCK_UN)
    fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)  # now alone: upgrade
    fcntl.flock(fb, fcntl.LOCK_UN)
    # fcntl byte ranges across mounts, and F_GETLK naming the holder's range
    fcntl.lockf(fa, fcntl.LOCK_EX, 10, 20)
    import struct
    query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    got = fcntl.fcntl(fb, fcntl.F_GETLK, query)
    l_type, _, l_start, l_len, _ = struct.unpack("hhqqi", got)
    assert l_type == fcntl.F_WRLCK and l_start == 20 and l_len == 10
    with pytest.raises(OSError):
        fcntl.lockf(fb, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 25)
    fcntl.lockf(fb, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
    fa.close()
    fb.close()


def test_lock_of_dead_mount_released_after_lease(cluster):  # noqa: F811
    a = cluster.mount("a")
    b = cluster.mount("b").mountpoint
    (a.mountpoint / "f").write_bytes(b"x")
    # A child holds an exclusive flock through mount a; then mount a is killed.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        f = open(a.mountpoint / "f", "r+b")
        fcntl.flock(f, fcntl.LOCK_EX)
        os.write(w, b"1")
        time.sleep(60)
        os._exit(0)
    assert os.read(r, 1) == b"1"
    fb = open(b / "f", "r+b")
    with pytest.raises(BlockingIOError):
        fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
    a.kill9()
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 15  # lease is 3 s in the tests
    while True:
        try:
            fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "lock of the dead mount was never released"
            time.sleep(0.2)
    fb.close()
