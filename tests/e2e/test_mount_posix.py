"""POSIX behaviour of a real Strata FUSE mount: every operation and its errno, compared with
what a local file system answers."""

import errno
import fcntl
import mmap
import os
import stat

import pytest

from mount_helpers import cluster  # noqa: F401  (fixture)


def expect_errno(code, fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    assert e.value.errno == code, f"{fn.__name__}{args}: {e.value}"


@pytest.fixture
def mnt(cluster):  # noqa: F811
    return cluster.mount("m1").mountpoint


def test_create_write_read_and_errors(mnt):
    p = mnt / "a.txt"
    p.write_bytes(b"hello world")
    assert p.read_bytes() == b"hello world"
    assert os.stat(p).st_size == 11
    # O_EXCL on an existing name
    expect_errno(errno.EEXIST, os.open, p, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    expect_errno(errno.ENOENT, os.open, mnt / "missing", os.O_RDONLY)
    expect_errno(errno.ENOENT, os.open, mnt / "nodir" / "x", os.O_CREAT | os.O_WRONLY)
    expect_errno(errno.ENOTDIR, os.open, p / "x", os.O_CREAT | os.O_WRONLY)
    expect_errno(errno.EISDIR, os.open, mnt, os.O_WRONLY)
    expect_errno(errno.ENAMETOOLONG, os.open, mnt / ("x" * 256), os.O_CREAT | os.O_WRONLY)


def test_overwrite_truncate_append(mnt):
    p = mnt / "f"
    with open(p, "wb") as f:
        f.write(b"0123456789")
    with open(p, "r+b") as f:
        f.seek(3)
        f.write(b"XY")
    assert p.read_bytes() == b"012XY56789"
    os.truncate(p, 4)
    assert p.read_bytes() == b"012X"
    with open(p, "ab") as f:
        f.write(b"++")
    assert p.read_bytes() == b"012X++"
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"!")  # O_APPEND ignores the seek
    os.close(fd)
    assert p.read_bytes() == b"012X++!"
    with open(p, "r+b") as f:
        f.truncate(2)
        f.seek(5)
        f.write(b"z")  # extends with a hole
    assert p.read_bytes() == b"01\0\0\0z"
    with open(p, "wb") as f:  # O_TRUNC
        f.write(b"new")
    assert p.read_bytes() == b"new"


def test_sparse_and_large_offsets(mnt):
    p = mnt / "sparse"
    off = 5 * 1024 ** 3 + 123  # past 4 GiB
    with open(p, "wb") as f:
        f.write(b"head")
        f.seek(off)
        f.write(b"tail")
    st = os.stat(p)
    assert st.st_size == off + 4
    with open(p, "rb") as f:
        assert f.read(4) == b"head"
        f.seek(9 * 1024 * 1024)
        assert f.read(4096) == b"\0" * 4096  # a hole reads as zeros
        f.seek(off - 2)
        assert f.read() == b"\0\0tail"


def test_multi_chunk_file_roundtrip(mnt):
    data = os.urandom(9 * 1024 * 1024 + 7)  # three chunks, the last one short
    p = mnt / "big.bin"
    p.write_bytes(data)
    assert p.read_bytes() == data
    with open(p, "r+b") as f:  # patch across a chunk boundary
        f.seek(4 * 1024 * 1024 - 3)
        f.write(b"ABCDEF")
    expect = bytearray(data)
    expect[4 * 1024 * 1024 - 3:4 * 1024 * 1024 + 3] = b"ABCDEF"
    assert p.read_bytes() == bytes(expect)


def test_mkdir_rmdir_readdir(mnt):
    d = mnt / "dir"
    os.mkdir(d, 0o750)
    assert stat.S_ISDIR(os.stat(d).st_mode)
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o750
    expect_errno(errno.EEXIST, os.mkdir, d)
    names = {f"f{i:04d}" for i in range(2500)}  # more than one readdir page
    for n in names:
        os.close(os.open(d / n, os.O_CREAT | os.O_WRONLY))
    assert set(os.listdir(d)) == names
    expect_errno(errno.ENOTEMPTY, os.rmdir, d)
    expect_errno(errno.ENOTDIR, os.rmdir, d / "f0000")
    for n in names:
        os.unlink(d / n)
    os.rmdir(d)
    expect_errno(errno.ENOENT, os.rmdir, d)
    expect_errno(errno.ENOENT, os.stat, d)


def test_unlink_errors(mnt):
    os.mkdir(mnt / "d")
    expect_errno(errno.EISDIR, os.unlink, mnt / "d")
    expect_errno(errno.ENOENT, os.unlink, mnt / "nope")


def test_rename_semantics(mnt):
    (mnt / "a").write_bytes(b"A")
    (mnt / "b").write_bytes(b"B")
    os.rename(mnt / "a", mnt / "b")  # atomically over an existing file
    assert (mnt / "b").read_bytes() == b"A"
    assert not (mnt / "a").exists()
    os.mkdir(mnt / "d1")
    os.mkdir(mnt / "d2")
    (mnt / "d2" / "x").write_bytes(b"x")
    expect_errno(errno.ENOTEMPTY, os.rename, mnt / "d1", mnt / "d2")
    expect_errno(errno.EISDIR, os.rename, mnt / "b", mnt / "d1")
    expect_errno(errno.ENOTDIR, os.rename, mnt / "d1", mnt / "b")
    expect_errno(errno.EINVAL, os.rename, mnt / "d1", mnt / "d1" / "sub")
    os.rename(mnt / "b", mnt / "d2" / "moved")  # across directories
    assert (mnt / "d2" / "moved").read_bytes() == b"A"


def _renameat2(src, dst, flags):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD = -100
    rc = libc.renameat2(AT_FDCWD, str(src).encode(), AT_FDCWD, str(dst).encode(), flags)
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def test_rename_noreplace_and_exchange(mnt):
    RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
    (mnt / "x").write_bytes(b"X")
    (mnt / "y").write_bytes(b"Y")
    expect_errno(errno.EEXIST, _renameat2, mnt / "x", mnt / "y", RENAME_NOREPLACE)
    _renameat2(mnt / "x", mnt / "y", RENAME_EXCHANGE)
    assert (mnt / "x").read_bytes() == b"Y" and (mnt / "y").read_bytes() == b"X"
    _renameat2(mnt / "x", mnt / "z", RENAME_NOREPLACE)
    assert (mnt / "z").read_bytes() == b"Y"
    expect_errno(errno.ENOENT, _renameat2, mnt / "x", mnt / "y", RENAME_EXCHANGE)


def test_symlink_readlink_link(mnt):
    (mnt / "target").write_bytes(b"T")
    os.symlink("target", mnt / "sl")
    assert os.readlink(mnt / "sl") == "target"
    assert (mnt / "sl").read_bytes() == b"T"
    assert stat.S_ISLNK(os.lstat(mnt / "sl").st_mode)
    expect_errno(errno.EEXIST, os.symlink, "x", mnt / "sl")
    expect_errno(errno.EINVAL, os.readlink, mnt / "target")
    os.link(mnt / "target", mnt / "hard")
    assert os.stat(mnt / "target").st_nlink == 2
    assert os.stat(mnt / "hard").st_ino == os.stat(mnt / "target").st_ino
    os.unlink(mnt / "target")
    assert (mnt / "hard").read_bytes() == b"T"
    assert os.stat(mnt / "hard").st_nlink == 1
    expect_errno(errno.EEXIST, os.link, mnt / "hard", mnt / "sl")


def test_chmod_chown_utimens_access(mnt):
    p = mnt / "f"
    p.write_bytes(b"1")
    os.chmod(p, 0o600)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    os.chown(p, 1234, 5678)
    st = os.stat(p)
    assert (st.st_uid, st.st_gid) == (1234, 5678)
    os.utime(p, ns=(1_000_000_000_123, 2_000_000_000_456))
    st = os.stat(p)
    assert st.st_mtime_ns == 2_000_000_000_456
    assert st.st_atime_ns == 1_000_000_000_123
    assert os.access(p, os.R_OK)
    assert not os.access(mnt / "nope", os.F_OK)
    # Non-root users are refused by the mode bits (the kernel checks, default_permissions).
    pid = os.fork()
    if pid == 0:
        os.setuid(4321)
        try:
            open(p, "rb")
            os._exit(1)
        except PermissionError:
            os._exit(0)
        except Exception:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


def test_xattrs(mnt):
    p = mnt / "f"
    p.write_bytes(b"1")
    os.setxattr(p, "user.k", b"v\0binary")
    assert os.getxattr(p, "user.k") == b"v\0binary"
    assert "user.k" in os.listxattr(p)
    expect_errno(errno.EEXIST, os.setxattr, p, "user.k", b"x", os.XATTR_CREATE)
    expect_errno(errno.ENODATA, os.setxattr, p, "user.n", b"x", os.XATTR_REPLACE)
    expect_errno(errno.ENODATA, os.getxattr, p, "user.none")
    os.removexattr(p, "user.k")
    expect_errno(errno.ENODATA, os.getxattr, p, "user.k")


def test_statfs_and_fsync(mnt):
    st = os.statvfs(mnt)
    assert st.f_bsize > 0 and st.f_blocks > 0 and st.f_namemax == 255
    fd = os.open(mnt / "s", os.O_CREAT | os.O_WRONLY)
    os.write(fd, b"abc")
    os.fsync(fd)
    os.close(fd)
    assert (mnt / "s").read_bytes() == b"abc"


def test_mmap_shared_writable(mnt):
    p = mnt / "m"
    p.write_bytes(b"\0" * 8192)
    with open(p, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 8192)
        mm[0:5] = b"hello"
        mm[8000:8003] = b"end"
        mm.flush()
        mm.close()
    data = p.read_bytes()
    assert data[:5] == b"hello" and data[8000:8003] == b"end"


def test_fcntl_locks_local(mnt):
    p = mnt / "lk"
    p.write_bytes(b"x" * 100)
    fd = os.open(p, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
    # F_GETLK from another process sees the holder
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        fd2 = os.open(p, os.O_RDWR)
        try:
            fcntl.lockf(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
            os.write(w, b"granted")
        except OSError as e:
            os.write(w, b"EAGAIN" if e.errno in (errno.EAGAIN, errno.EACCES) else b"other")
        try:
            fcntl.lockf(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)  # another range is free
            os.write(w, b"+range")
        except OSError:
            os.write(w, b"-range")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 100) == b"EAGAIN+range"
    os.close(fd)  # closing drops the process's fcntl locks
    fd = os.open(p, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)


def test_create_route_reports_created_exactly(cluster):  # noqa: F811
    """POST …/create: "created" is true only when that call made the file. The mount skips the
    O_TRUNC of a file it just created, so a create that opened a file another client made at
    the same moment must say false (docs/api-mount.md)."""
    mnt = cluster.mount("m1").mountpoint
    (mnt / "d").mkdir()
    (mnt / "d" / "old").write_bytes(b"contents")
    srv = cluster.server
    d_ino = os.stat(mnt / "d").st_ino
    base = f"/api/v1/fs/default/inodes/{d_ino}"
    r = srv.post(base + "/create", json={"name": "new", "exclusive": False})
    assert r.status_code == 201, r.text
    assert r.json()["created"] is True and r.json()["size"] == 0
    assert r.json()["parent"]["ino"] == d_ino
    again = srv.post(base + "/create", json={"name": "new", "exclusive": False})
    assert again.status_code == 201, again.text
    assert again.json()["created"] is False and again.json()["ino"] == r.json()["ino"]
    old = srv.post(base + "/create", json={"name": "old", "exclusive": False})
    assert old.status_code == 201 and old.json()["created"] is False and old.json()["size"] == 8
    assert srv.post(base + "/create", json={"name": "old"}).status_code == 409  # exclusive by default
    os.symlink("old", mnt / "d" / "link")
    assert srv.post(base + "/create", json={"name": "link", "exclusive": False}).status_code == 409
    assert srv.post(base + "/create", json={"name": "sub", "exclusive": False}).json()["created"] is True
    (mnt / "d" / "dir").mkdir()
    r = srv.post(base + "/create", json={"name": "dir", "exclusive": False})
    assert r.status_code >= 400 and r.json()["error"]["code"] == "is_directory", r.text
    assert (mnt / "d" / "old").read_bytes() == b"contents"
