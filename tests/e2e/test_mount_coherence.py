"""Two mounts of one file system (two 'nodes', separate caches): close-to-open, cross-mount
locks, the two user patterns of the issue (the flock counter, write-temp-then-rename), and
lock release when a mount dies."""

import errno
import fcntl
import multiprocessing
import os
import re
import time

import pytest
import requests

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


# --- names a mount answers "absent" itself (mount/known_dirs.h, docs/api-mount.md) ---

def _lookup_requests(server):
    """How many lookups the server has answered (all mounts): strata_http_requests_total of
    route mount.lookup, any status."""
    text = requests.get(server.url + "/metrics", timeout=30).text
    pattern = r'^strata_http_requests_total\{[^}]*route="mount\.lookup"[^}]*\}\s+(\S+)'
    return sum(float(v) for v in re.findall(pattern, text, re.M))


def _filling(mountpoint, name="d"):
    """A directory this mount made and has created a file in: its new names are known here."""
    d = mountpoint / name
    os.mkdir(d)
    (d / "mine").write_bytes(b"mine")
    return d


# A negative timeout far longer than any test step: whether a lookup was answered locally
# must not depend on how loaded the machine is.
LONG_NEGATIVE = ("--negative-timeout", "60")


def test_new_names_in_a_filling_directory_cost_no_lookup(cluster):  # noqa: F811
    a = cluster.mount("a", args=LONG_NEGATIVE).mountpoint
    d = _filling(a)
    before = _lookup_requests(cluster.server)
    for i in range(50):
        (d / f"f{i:03d}").write_bytes(b"x" * 100)
    assert _lookup_requests(cluster.server) == before
    assert sorted(os.listdir(d)) == sorted(["mine"] + [f"f{i:03d}" for i in range(50)])
    # A directory this mount only made, or made with subdirectories (mkdir -p), is not
    # answered locally: other nodes often fill a directory one node made.
    os.makedirs(a / "tree" / "sub")
    before = _lookup_requests(cluster.server)
    assert not (a / "tree" / "nothing").exists()
    assert not (a / "tree" / "sub" / "nothing").exists()
    assert _lookup_requests(cluster.server) == before + 2


def test_name_made_by_other_mount_seen_within_negative_timeout(cluster):  # noqa: F811
    a = cluster.mount("a").mountpoint  # default --negative-timeout 1
    b = cluster.mount("b").mountpoint
    d = _filling(a)
    last_own_change = time.monotonic()
    (b / "d" / "theirs").write_bytes(b"from b")
    assert "theirs" in os.listdir(d)  # a listing always asks the server
    while not (d / "theirs").exists():
        assert time.monotonic() - last_own_change < 1.0 + 2.0, "not seen within the negative timeout"
        time.sleep(0.01)
    assert (d / "theirs").read_bytes() == b"from b"


def test_exclusive_create_of_name_other_mount_just_made(cluster):  # noqa: F811
    a = cluster.mount("a", args=LONG_NEGATIVE).mountpoint
    b = cluster.mount("b").mountpoint
    d = _filling(a)
    (b / "d" / "x").write_bytes(b"from b")
    before = _lookup_requests(cluster.server)
    with pytest.raises(FileExistsError):
        os.open(d / "x", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    assert _lookup_requests(cluster.server) == before  # the lookup said "absent": CREATE decided
    assert (b / "d" / "x").read_bytes() == b"from b"
    # EEXIST ended what a knew of d: it now sees x at once.
    assert (d / "x").read_bytes() == b"from b"


@pytest.mark.parametrize("trunc", [True, False], ids=["O_TRUNC", "no_O_TRUNC"])
def test_create_opens_file_other_mount_just_made(cluster, trunc):  # noqa: F811
    a = cluster.mount("a", args=LONG_NEGATIVE).mountpoint
    b = cluster.mount("b").mountpoint
    d = _filling(a)
    (b / "d" / "x").write_bytes(b"from b")
    before = _lookup_requests(cluster.server)
    flags = os.O_CREAT | os.O_WRONLY | (os.O_TRUNC if trunc else 0)
    fd = os.open(d / "x", flags, 0o600)
    try:
        assert os.fstat(fd).st_size == (0 if trunc else 6)
        os.write(fd, b"A")
    finally:
        os.close(fd)
    assert _lookup_requests(cluster.server) == before  # the lookup said "absent": CREATE decided
    want = b"A" if trunc else b"Arom b"  # the existing file, opened (and cut only with O_TRUNC)
    assert (b / "d" / "x").read_bytes() == want
    assert (d / "x").read_bytes() == want
    assert (d / "x").stat().st_mode & 0o777 == 0o644  # b's file, not a new one
    assert sorted(os.listdir(d)) == ["mine", "x"]
