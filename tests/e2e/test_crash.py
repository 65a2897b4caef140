"""Fault tests: kill -9 the server in the middle of a large upload and right after one.

What must hold: nothing half-written is visible (the file is absent, or complete with the right
SHA-256), nothing committed is lost, `strata server fsck` finds no problem, and the offline
collector (`strata server gc --grace-seconds 0`) leaves exactly the referenced chunks on disk.
"""

import hashlib
import os
import subprocess
import time

import pytest

from conftest import Cli, chunk_files, run_offline, sha256_file, tree_digest, write_random

MiB = 1 << 20
BIG_MB = int(os.environ.get("STRATA_E2E_CRASH_MB", "1024"))


def referenced_chunks(server):
    """Chunk ids named by the chunk map of every file of every file system (REST)."""
    ids = set()
    for fs in server.filesystems():
        for path, (kind, _, _) in server.tree("/", fs=fs).items():
            if kind == "file":
                ids.update(c["id"] for c in server.chunkmap(path, fs=fs)["chunks"])
    return ids


def fsck_ok(strata_bin, data):
    r = run_offline(strata_bin, "fsck", "--data", data)
    assert r.returncode == 0, f"fsck exit {r.returncode}:\n{r.stdout}\n{r.stderr}"
    assert "fsck: ok" in r.stdout + r.stderr, f"fsck printed no 'fsck: ok':\n{r.stdout}\n{r.stderr}"


def stored_chunks(strata_bin, data):
    """Ids of every stored chunk, chunk files and small chunks kept in the metadata database
    alike (`strata server chunks`; the server must be stopped)."""
    r = run_offline(strata_bin, "chunks", "--data", data)
    assert r.returncode == 0, f"chunks exit {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


def gc_then_check_disk(strata_bin, server):
    """Server must be stopped. Runs gc, restarts, and compares disk with the chunk maps."""
    r = run_offline(strata_bin, "gc", "--data", server.data, "--grace-seconds", "0")
    assert r.returncode == 0, f"gc exit {r.returncode}:\n{r.stdout}\n{r.stderr}"
    fsck_ok(strata_bin, server.data)
    stored = stored_chunks(strata_bin, server.data)
    server.start()
    want = referenced_chunks(server)
    on_disk, others = chunk_files(server.data)
    assert set(on_disk) <= stored, "a chunk file is missing from `strata server chunks`"
    on_disk = {i: on_disk.get(i, "(small chunk in DATA/meta)") for i in stored}
    unreferenced = set(on_disk) - want
    missing = want - set(on_disk)
    assert not missing, f"{len(missing)} referenced chunks are not on disk, e.g. {sorted(missing)[:3]}"
    assert not unreferenced, (f"gc --grace-seconds 0 left {len(unreferenced)} unreferenced chunk files, "
                              f"e.g. {[str(on_disk[i]) for i in sorted(unreferenced)[:3]]}")
    assert not others, f"stray non-chunk files under chunks/: {[str(p) for p in others[:5]]}"


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.bin"
    write_random(path, BIG_MB * MiB)
    yield path
    path.unlink(missing_ok=True)


def test_kill9_mid_upload(strata_bin, make_server, tmp_path, big_file):
    server = make_server("crash")
    cli = Cli(strata_bin, server, tmp_path / "home")
    want_sha = sha256_file(big_file)

    upload = subprocess.Popen([str(strata_bin), "storage", "upload", str(big_file), "/ckpt/big.bin"],
                              env=cli.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
    try:
        # Wait until some chunks have landed, then crash the server.
        deadline = time.monotonic() + 120
        while len(chunk_files(server.data)[0]) < 8:
            if upload.poll() is not None:
                out, err = upload.communicate()
                pytest.fail(f"upload ended before the crash point (rc {upload.returncode}): {err.strip()} "
                            f"(if it succeeded, use a bigger STRATA_E2E_CRASH_MB)", pytrace=False)
            assert time.monotonic() < deadline, "no chunk reached DATA/chunks within 120 s"
            time.sleep(0.01)
        landed = len(chunk_files(server.data)[0])
        server.kill9()
        out, err = upload.communicate(timeout=120)
    finally:
        if upload.poll() is None:
            upload.kill()
            upload.wait()
    assert upload.returncode == 1, f"CLI upload to a dead server: want exit 1, got {upload.returncode}: {err}"
    assert len(err.strip().splitlines()) == 1, f"want one line on stderr, got {err!r}"
    assert landed < BIG_MB // 4, "crash came too late to be mid-upload"

    # The crash left no half-written file: absent, or whole and right.
    server.start()
    attr = server.stat("/ckpt/big.bin")
    if attr is not None:
        assert attr["size"] == BIG_MB * MiB, f"half-written file visible after crash: {attr}"
        got = tmp_path / "got.bin"
        cli.storage_ok("download", "/ckpt/big.bin", got)
        assert sha256_file(got) == want_sha
        got.unlink()
    server.stop()
    fsck_ok(strata_bin, server.data)
    gc_then_check_disk(strata_bin, server)

    # The same upload now completes, and reads back intact.
    cli.storage_ok("upload", big_file, "/ckpt/big.bin")
    got = tmp_path / "got.bin"
    cli.storage_ok("download", "/ckpt/big.bin", got)
    assert sha256_file(got) == want_sha
    got.unlink()
    server.stop()
    fsck_ok(strata_bin, server.data)


def test_kill9_after_upload_keeps_file(strata_bin, make_server, tmp_path):
    server = make_server("durable")
    cli = Cli(strata_bin, server, tmp_path / "home")
    src = tmp_path / "src"
    write_random(src / "weights.bin", 64 * MiB + 5)
    write_random(src / "sub" / "small.bin", 1000)
    (src / "sub" / "empty").write_bytes(b"")
    cli.storage_ok("upload", "-r", src, "/m")
    cli.storage_ok("mkdir", "-p", "/m/later/dir")
    cli.storage_ok("mv", "/m/sub/small.bin", "/m/later/small.bin")

    server.kill9()  # right after the CLI got its answers
    server.start()

    assert server.stat("/m/later/dir")["type"] == "dir"
    assert server.stat("/m/sub/small.bin") is None
    got = tmp_path / "got"
    cli.storage_ok("download", "-r", "/m", got)
    assert sha256_file(got / "weights.bin") == sha256_file(src / "weights.bin")
    assert sha256_file(got / "later" / "small.bin") == sha256_file(src / "sub" / "small.bin")
    assert (got / "sub" / "empty").stat().st_size == 0
    server.stop()
    fsck_ok(strata_bin, server.data)
    gc_then_check_disk(strata_bin, server)
    # Nothing referenced was collected: still readable after gc.
    got2 = tmp_path / "got2.bin"
    cli.storage_ok("download", "/m/weights.bin", got2)
    assert sha256_file(got2) == sha256_file(src / "weights.bin")


def test_kill9_right_after_chunk_puts_keeps_the_chunks(strata_bin, make_server):
    """A chunk PUT is answered before the chunk is fdatasynced and renamed into place (a
    background thread does that; docs/storage.md "Deferred puts"): killed right after the
    answers, the server must still have every chunk when it comes back, and commit them."""
    server = make_server("chunks")
    fs = "/api/v1/fs/default"
    chunks = [os.urandom(4 * MiB) for _ in range(24)]
    ids = [hashlib.sha256(c).hexdigest() for c in chunks]
    up = server.post(f"{fs}/uploads", json={"chunks": ids}).json()
    assert sorted(up["missing"]) == sorted(ids)
    for cid, c in zip(ids, chunks):
        r = server.put(f"{fs}/chunks/{cid}", params={"upload_id": up["upload_id"]}, data=c,
                       headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201, r.text
    server.kill9()  # the last chunks are most likely still temp files
    server.start()

    again = server.post(f"{fs}/uploads", json={"chunks": ids, "upload_id": up["upload_id"]}).json()
    assert again["missing"] == [], f"{len(again['missing'])} acknowledged chunks lost by kill -9"
    size = 24 * 4 * MiB
    files = [{"path": "/k/all.bin", "size": size, "mode": 0o644,
              "chunks": [{"index": i, "id": cid, "length": 4 * MiB} for i, cid in enumerate(ids)]}]
    r = server.post(f"{fs}/uploads/{up['upload_id']}/commit", json={"files": files, "parents": True})
    assert r.status_code == 200, r.text
    got = server.get(f"{fs}/content", params={"path": "/k/all.bin"})
    assert got.status_code == 200, got.text
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(b"".join(chunks)).digest()
    server.stop()
    fsck_ok(strata_bin, server.data)
    _, others = chunk_files(server.data)
    assert not others, f"temp files left after restart: {[str(p) for p in others[:5]]}"


def test_sigterm_stops_cleanly_and_keeps_data(strata_bin, make_server, tmp_path):
    server = make_server("term")
    cli = Cli(strata_bin, server, tmp_path / "home")
    f = tmp_path / "f.bin"
    write_random(f, 9 * MiB)
    cli.storage_ok("upload", f, "/f.bin")
    t0 = time.monotonic()
    rc = server.stop()
    assert rc == 0, f"server exit code after SIGTERM: {rc}\n{server.log()[-2000:]}"
    assert time.monotonic() - t0 < 10
    fsck_ok(strata_bin, server.data)
    server.start()
    got = tmp_path / "got.bin"
    cli.storage_ok("download", "/f.bin", got)
    assert sha256_file(got) == sha256_file(f)


def test_concurrent_uploads_share_chunks(strata_bin, make_server, tmp_path):
    """Two CLIs upload trees with the same big file at once: both land intact, chunks stored once."""
    server = make_server("conc")
    cli = Cli(strata_bin, server, tmp_path / "home")
    shared = tmp_path / "shared.bin"
    write_random(shared, 24 * MiB)
    procs = []
    for i in range(2):
        d = tmp_path / f"t{i}"
        d.mkdir()
        os.link(shared, d / "weights.bin")
        write_random(d / "own.bin", 100_000)
        procs.append(subprocess.Popen([str(strata_bin), "storage", "upload", "-r", str(d), f"/t{i}"],
                                      env=cli.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, stdin=subprocess.DEVNULL))
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    for i in range(2):
        got = tmp_path / f"got{i}"
        cli.storage_ok("download", "-r", f"/t{i}", got)
        assert sha256_file(got / "weights.bin") == sha256_file(shared)
        assert sha256_file(got / "own.bin") == sha256_file(tmp_path / f"t{i}" / "own.bin")
    on_disk, _ = chunk_files(server.data)
    assert len(on_disk) == 6 + 2, f"want 6 shared + 2 own chunks on disk, found {len(on_disk)}"
    server.stop()
    fsck_ok(strata_bin, server.data)


def test_kill9_mid_small_file_batches(strata_bin, make_server, tmp_path):
    """kill -9 while files:write batches are landing: every file is absent or complete, the
    namespace is consistent, and the same upload then completes (resume)."""
    server = make_server("crash-small")
    cli = Cli(strata_bin, server, tmp_path / "home")
    src = tmp_path / "small"
    for i in range(3000):
        write_random(src / f"d{i % 30:02d}" / f"f{i:05d}.bin", 8192 + i)
    upload = subprocess.Popen([str(strata_bin), "storage", "upload", "-r", "-j", "2", str(src), "/s"],
                              env=cli.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while server.metrics().get("strata_files_committed_total", 0.0) < 200:
            if upload.poll() is not None:
                pytest.fail("upload ended before the crash point", pytrace=False)
            assert time.monotonic() < deadline, "no batch committed within 120 s"
            time.sleep(0.005)
        server.kill9()
        upload.communicate(timeout=120)
    finally:
        if upload.poll() is None:
            upload.kill()
            upload.wait()
    assert upload.returncode == 1

    server.start()
    tree = server.tree("/s")
    files = {p: a for p, a in tree.items() if a[0] == "file"}
    assert len(files) < 3000, "crash came after the whole upload"
    for path, (_, size, _) in files.items():
        rel = path[len("/s/"):]
        assert size == (src / rel).stat().st_size, f"half-written {path}: size {size}"
    for path in list(files)[:50]:  # and their bytes are the right ones
        r = server.get("/api/v1/fs/default/content", params={"path": path})
        assert r.status_code == 200 and r.content == (src / path[len("/s/"):]).read_bytes(), path
    server.stop()
    fsck_ok(strata_bin, server.data)
    gc_then_check_disk(strata_bin, server)

    cli.storage_ok("upload", "-r", src, "/s")
    got = tmp_path / "got"
    cli.storage_ok("download", "-r", "/s", got)
    assert tree_digest(got) == tree_digest(src)
    server.stop()
    fsck_ok(strata_bin, server.data)
