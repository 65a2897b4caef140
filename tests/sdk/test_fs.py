"""strata.fs against a real server: upload/download (files and trees), ls/stat/mkdir/rm/mv."""

from pathlib import Path

import pytest

from sdk_helpers import sha256_file, tree_digest, unique, write_random
from strata.errors import ConflictError
from strata.fs import CHUNK_SIZE, FileInfo, FileSystem


@pytest.fixture
def fs(server):
    return FileSystem("default")


@pytest.fixture
def base(fs):
    d = "/" + unique("t")
    fs.mkdir(d)
    yield d
    fs.rm(d, recursive=True)


def make_tree(root: Path) -> Path:
    write_random(root / "a.bin", 3 * CHUNK_SIZE + 123)   # several chunks, short last one
    write_random(root / "sub" / "b.bin", 10)
    write_random(root / "sub" / "deep" / "c.bin", CHUNK_SIZE)  # exactly one chunk
    (root / "sub" / "empty.txt").write_bytes(b"")
    (root / "emptydir").mkdir(parents=True)
    for i in range(40):                                    # many small files: batched chunks
        write_random(root / "many" / f"f{i:02d}", 1000 + i)
    return root


def test_upload_download_tree_roundtrip(fs, base, tmp_path):
    src = make_tree(tmp_path / "ckpt")
    written = fs.upload(src, base + "/ckpt", recursive=True)
    assert len(written) == 44 and all(isinstance(w, FileInfo) for w in written)
    assert {e.name for e in fs.ls(base + "/ckpt")} == {"a.bin", "sub", "emptydir", "many"}
    assert fs.stat(base + "/ckpt/emptydir").is_dir
    a = fs.stat(base + "/ckpt/a.bin")
    assert a.is_file and a.size == 3 * CHUNK_SIZE + 123
    assert a.mtime_ns == (src / "a.bin").stat().st_mtime_ns
    out = tmp_path / "restore"
    files = fs.download(base + "/ckpt", out, recursive=True)
    assert len(files) == 44
    assert tree_digest(out) == tree_digest(src)
    assert not [p for p in out.rglob("*.part")]


def test_upload_file_into_dir_and_download_into_dir(fs, base, tmp_path):
    f = write_random(tmp_path / "one.bin", 5000)
    [info] = fs.upload(f, base + "/")                # trailing slash: into the directory
    assert info.path == base + "/one.bin"
    fs.mkdir(base + "/d")
    fs.upload(f, base + "/d")                        # existing directory: into it
    assert fs.exists(base + "/d/one.bin")
    fs.upload(f, base + "/renamed.bin")
    assert fs.stat(base + "/renamed.bin").size == 5000
    (tmp_path / "dl").mkdir()
    [p] = fs.download(base + "/renamed.bin", tmp_path / "dl")
    assert p == tmp_path / "dl" / "renamed.bin" and sha256_file(p) == sha256_file(f)
    assert fs.read_bytes(base + "/renamed.bin") == f.read_bytes()
    [listed] = fs.ls(base + "/renamed.bin")           # listing a file lists that file
    assert listed.path == base + "/renamed.bin" and listed.size == 5000
    fs.mkdir(base + "/d/x")
    fs.upload(f, base + "/d/x/x")                    # a directory holding a same-named file
    assert [e.path for e in fs.ls(base + "/d/x")] == [base + "/d/x/x"]


def test_reupload_sends_only_changed_chunks(fs, base, tmp_path, monkeypatch):
    f = write_random(tmp_path / "big.bin", 4 * CHUNK_SIZE)
    fs.upload(f, base + "/big.bin")
    with open(f, "r+b") as fh:                       # change one chunk
        fh.seek(CHUNK_SIZE + 10)
        fh.write(b"changed")
    sent = []
    orig = FileSystem._send_chunks

    def spy(self, upload_id, todo):
        sent.extend(c.id for _, c in todo)
        return orig(self, upload_id, todo)

    monkeypatch.setattr(FileSystem, "_send_chunks", spy)
    fs.upload(f, base + "/big.bin")
    assert len(sent) == 1
    out = tmp_path / "back.bin"
    fs.download(base + "/big.bin", out)
    assert sha256_file(out) == sha256_file(f)


def test_ls_stat_mkdir_mv_rm_usage(fs, base):
    fs.mkdir(base + "/a/b/c", parents=True)
    fs.mkdir(base + "/a/b/c", parents=True)          # parents: an existing directory is fine
    with pytest.raises(ConflictError):
        fs.mkdir(base + "/a")
    with pytest.raises(FileNotFoundError):
        fs.mkdir(base + "/x/y")
    assert [e.name for e in fs.ls(base + "/a")] == ["b"]
    moved = fs.mv(base + "/a/b", base + "/b2")
    assert moved.path == base + "/b2" and moved.is_dir
    assert fs.exists(base + "/b2/c") and not fs.exists(base + "/a/b")
    fs.mkdir(base + "/a/b")
    with pytest.raises(ConflictError):
        fs.mv(base + "/b2", base + "/a/b", replace=False)
    with pytest.raises(ConflictError):
        fs.rm(base + "/b2")                          # not empty
    fs.rm(base + "/b2", recursive=True)
    assert not fs.exists(base + "/b2")
    u = fs.usage(base)
    assert u["directories"] >= 2 and set(u) >= {"bytes", "files", "directories", "symlinks"}
    assert "bytes" in fs.usage()
    assert "default" in FileSystem.list_filesystems()


def test_listing_pages(fs, base, tmp_path):
    for i in range(30):
        fs.mkdir(f"{base}/d{i:02d}")
    names = [e.name for e in fs.iter_dir(base, page_size=7)]
    assert names == [f"d{i:02d}" for i in range(30)]
    assert len(list(fs.walk(base))) == 30


def test_missing_paths_are_file_not_found_and_key_error(fs, base, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        fs.stat(base + "/nope")
    assert isinstance(e.value, KeyError) and e.value.status == 404 and "nope" in e.value.message
    with pytest.raises(FileNotFoundError):
        fs.download(base + "/nope", tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        fs.rm(base + "/nope")
    with pytest.raises(FileNotFoundError):
        fs.ls(base + "/nope")
    with pytest.raises(FileNotFoundError):
        fs.upload(tmp_path / "no-such-local", base + "/x")
    with pytest.raises(KeyError):
        FileSystem("no-such-fs").stat("/")


def test_bad_input(fs, base, tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(ValueError):
        fs.upload(tmp_path / "d", base + "/d", recursive=False)
    fs.mkdir(base + "/dir")
    with pytest.raises(ValueError):
        fs.download(base + "/dir", tmp_path / "out")
    with pytest.raises(ValueError):
        fs.stat("relative/path")
    with pytest.raises(ValueError):
        fs.stat("/a//b")                              # the server's 400, as ValueError
    fs.mkdir(base + "/dir/inner")
    with pytest.raises(ValueError, match="into itself"):
        fs.mv(base + "/dir", base + "/dir/inner/x")  # the server's 400 with its message
    write_random(tmp_path / "tree" / "inner", 10)  # a file where the server has a directory
    with pytest.raises(ConflictError):
        fs.upload(tmp_path / "tree", base + "/dir")
    assert fs.stat(base + "/dir/inner").is_dir


def test_empty_file_alone_and_empty_tree(fs, base, tmp_path):
    e = tmp_path / "empty.bin"
    e.write_bytes(b"")
    [info] = fs.upload(e, base + "/empty.bin")
    assert info.size == 0 and fs.stat(base + "/empty.bin").is_file
    [p] = fs.download(base + "/empty.bin", tmp_path / "e2.bin")
    assert p.read_bytes() == b""
    (tmp_path / "only" / "dirs" / "here").mkdir(parents=True)
    assert fs.upload(tmp_path / "only", base + "/only") == []
    assert fs.stat(base + "/only/dirs/here").is_dir
