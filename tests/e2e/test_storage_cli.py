"""`strata storage ...` end to end: the CLI against a real server, the way a user drives it."""

import json
import os
from pathlib import Path

from conftest import sha256_file, tree_digest, write_random

MiB = 1 << 20
CHUNK = 4 * MiB


def make_checkpoints(root: Path):
    """A fake training run: a big multi-chunk file, an empty one, small text, nested shards."""
    files = {
        "model.safetensors": 9 * MiB + 12345,       # 3 chunks, the last one short
        "empty.bin": 0,
        "nested/optimizer/shard-00000.bin": 300 * 1024,
        "nested/optimizer/shard-00001.bin": 1,
        "nested/rng_state.pt": 4 * MiB,              # exactly one full chunk
    }
    for rel, size in files.items():
        write_random(root / rel, size)
    (root / "config.json").write_text(json.dumps({"hidden": 4096, "layers": 32}) + "\n")
    (root / "nested" / "empty-dir").mkdir(parents=True)
    return files


def test_upload_ls_download_roundtrip(cli, server, tmp_path):
    src = tmp_path / "ckpt"
    make_checkpoints(src)

    r = cli.storage_ok("upload", "-r", "-p", src, "/runs/run1")
    assert r.stderr.count("\n") <= 1000, "progress output should not flood stderr"

    # Every file is there with its size, visible to the REST API as well.
    for rel in ["model.safetensors", "empty.bin", "config.json", "nested/optimizer/shard-00000.bin",
                "nested/optimizer/shard-00001.bin", "nested/rng_state.pt"]:
        attr = server.stat("/runs/run1/" + rel)
        assert attr is not None, f"/runs/run1/{rel} missing after upload -r"
        assert attr["type"] == "file"
        assert attr["size"] == (src / rel).stat().st_size, rel
    assert server.stat("/runs/run1/nested")["type"] == "dir"
    cm = server.chunkmap("/runs/run1/model.safetensors")
    assert [c["length"] for c in cm["chunks"]] == [CHUNK, CHUNK, MiB + 12345]
    assert cm["chunks"][0]["id"] == __import__("hashlib").sha256(
        (src / "model.safetensors").read_bytes()[:CHUNK]).hexdigest()

    # ls: names; ls -l: sizes; --json: machine-readable entries.
    out = cli.storage_ok("ls", "/runs/run1").stdout
    for name in ["model.safetensors", "empty.bin", "config.json", "nested"]:
        assert name in out, f"ls /runs/run1 misses {name}:\n{out}"
    out = cli.storage_ok("ls", "-l", "/runs/run1").stdout
    line = next((l for l in out.splitlines() if "model.safetensors" in l), None)
    assert line and str(9 * MiB + 12345) in line, f"ls -l shows no exact size for model.safetensors:\n{out}"
    listing = cli.json("ls", "/runs/run1")
    entries = listing["entries"] if isinstance(listing, dict) else listing
    by_name = {e["name"]: e for e in entries}
    assert set(by_name) == {"model.safetensors", "empty.bin", "config.json", "nested"}, by_name.keys()
    assert by_name["model.safetensors"]["size"] == 9 * MiB + 12345
    assert by_name["empty.bin"]["size"] == 0
    assert by_name["nested"]["type"] == "dir"

    # download -r back and compare bit for bit.
    dst = tmp_path / "back"
    cli.storage_ok("download", "-r", "/runs/run1", dst)
    want, got = tree_digest(src), tree_digest(dst)
    assert got == want

    # A single file downloads to a file path.
    one = tmp_path / "one.bin"
    cli.storage_ok("download", "/runs/run1/nested/rng_state.pt", one)
    assert sha256_file(one) == sha256_file(src / "nested/rng_state.pt")


def upload_bytes(server):
    return server.metrics().get("strata_upload_bytes_total", 0.0)


def test_reupload_unchanged_sends_nothing(cli, server, tmp_path):
    src = tmp_path / "ckpt"
    make_checkpoints(src)
    before = upload_bytes(server)
    cli.storage_ok("upload", "-r", src, "/runs/run1")
    first = upload_bytes(server) - before
    total = sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    assert first >= total, f"first upload: strata_upload_bytes_total grew by {first}, want >= {total}"

    versions = {p: a for p, a in server.tree("/runs/run1").items()}
    before = upload_bytes(server)
    summary = cli.json("upload", "-r", src, "/runs/run1")
    sent = upload_bytes(server) - before
    assert sent == 0, f"re-upload of an unchanged tree sent {sent} bytes (want 0); CLI said: {summary}"
    assert summary["wire_bytes"] == 0 and summary["files_transferred"] == 0, summary
    assert summary["files_skipped"] == summary["files_total"] == 6, summary
    assert server.tree("/runs/run1") == versions, "re-upload of an unchanged tree changed files"

    # Same bytes, new mtimes: the CLI cannot skip by size+mtime, so it hashes; the server already
    # holds every chunk, so still nothing travels.
    for p in src.rglob("*"):
        if p.is_file():
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    before = upload_bytes(server)
    summary = cli.json("upload", "-r", src, "/runs/run1")
    sent = upload_bytes(server) - before
    assert sent == 0 and summary["wire_bytes"] == 0, f"touched-only re-upload sent {sent} bytes: {summary}"
    dst = tmp_path / "back"
    cli.storage_ok("download", "-r", "/runs/run1", dst)
    assert tree_digest(dst) == tree_digest(src)


def test_change_one_of_100_files_sends_one_chunk(cli, server, tmp_path):
    src = tmp_path / "data"
    for i in range(99):
        write_random(src / f"part-{i:03d}.bin", 16 * 1024)
    write_random(src / "big.bin", 3 * CHUNK)  # file 100: three full chunks
    cli.storage_ok("upload", "-r", src, "/ds")
    assert len(server.list_all("/ds")) == 100

    # Change one small file: only its one chunk travels.
    p = src / "part-042.bin"
    data = bytearray(p.read_bytes())
    data[100] ^= 0xFF
    p.write_bytes(bytes(data))
    before = upload_bytes(server)
    summary = cli.json("upload", "-r", src, "/ds")
    sent = upload_bytes(server) - before
    assert 16 * 1024 <= sent <= 16 * 1024 + 4096, f"changed one 16 KiB file: sent {sent} bytes"
    assert summary["files_transferred"] == 1 and summary["files_skipped"] == 99, summary
    assert summary["wire_bytes"] == 16 * 1024, summary
    assert server.chunkmap("/ds/part-042.bin")["chunks"][0]["id"] == sha256_file(p)

    # Change one byte in the middle chunk of the big file: only that 4 MiB chunk travels.
    with open(src / "big.bin", "r+b") as f:
        f.seek(CHUNK + 777)
        b = f.read(1)
        f.seek(CHUNK + 777)
        f.write(bytes([b[0] ^ 0xFF]))
    before = upload_bytes(server)
    cli.storage_ok("upload", "-r", src, "/ds")
    sent = upload_bytes(server) - before
    assert CHUNK <= sent <= CHUNK + 4096, f"changed one chunk of a 3-chunk file: sent {sent} bytes"

    dst = tmp_path / "back"
    cli.storage_ok("download", "-r", "/ds", dst)
    assert tree_digest(dst) == tree_digest(src)

    # Download into that copy after one chunk changed remotely: only that chunk is fetched.
    with open(src / "big.bin", "r+b") as f:
        f.seek(2 * CHUNK + 5)
        f.write(b"changed!")
    cli.storage_ok("upload", src / "big.bin", "/ds/big.bin")
    before = server.metrics().get("strata_download_bytes_total", 0.0)
    cli.storage_ok("download", "-r", "/ds", dst)
    fetched = server.metrics().get("strata_download_bytes_total", 0.0) - before
    assert fetched == CHUNK, f"download after a one-chunk change fetched {fetched} bytes, want {CHUNK}"
    assert tree_digest(dst) == tree_digest(src)


def test_mkdir_mv_rm(cli, server, tmp_path):
    cli.storage_ok("mkdir", "-p", "/a/b/c")
    assert server.stat("/a/b/c")["type"] == "dir"
    cli.storage_ok("mkdir", "-p", "/a/b/c")  # -p: existing directory is fine
    cli.fails("storage", "mkdir", "/a/b/c")  # without -p: already exists
    cli.fails("storage", "mkdir", "/x/y")    # without -p: parent missing
    assert server.stat("/x") is None

    f = tmp_path / "w.bin"
    write_random(f, 1000)
    cli.storage_ok("upload", f, "/a/b/c/w.bin")
    cli.storage_ok("mv", "/a/b/c/w.bin", "/a/w2.bin")
    assert server.stat("/a/b/c/w.bin") is None
    assert server.stat("/a/w2.bin")["size"] == 1000
    cli.storage_ok("mv", "/a/b", "/moved")
    assert server.stat("/a/b") is None and server.stat("/moved/c")["type"] == "dir"
    cli.fails("storage", "mv", "/nope", "/nope2")

    # rm of a non-empty directory without -r: exit 1, one line, nothing changed.
    cli.storage_ok("upload", f, "/moved/c/x.bin")
    before = server.tree("/")
    cli.fails("storage", "rm", "/moved")
    assert server.tree("/") == before
    cli.storage_ok("rm", "/a/w2.bin")
    assert server.stat("/a/w2.bin") is None
    cli.storage_ok("rm", "/a")  # empty directory: no -r needed
    cli.storage_ok("rm", "-r", "/moved")
    assert server.stat("/moved") is None
    cli.fails("storage", "rm", "/moved")
    assert server.tree("/") == {}


def test_du(cli, server, tmp_path):
    src = tmp_path / "d"
    write_random(src / "a.bin", 5000)
    write_random(src / "sub/b.bin", 7000)
    (src / "sub/c.txt").write_text("")
    cli.storage_ok("upload", "-r", src, "/d")
    out = cli.storage_ok("du", "/d").stdout
    assert out.strip(), "du printed nothing"
    usage = cli.json("du", "/d")
    assert usage["bytes"] == 12000 and usage["files"] == 3, usage
    whole = cli.json("du")
    assert whole["bytes"] == 12000 and whole["files"] == 3, whole


def test_bad_input_changes_nothing(cli, server, tmp_path):
    f = tmp_path / "f.bin"
    write_random(f, 1234)
    cli.storage_ok("mkdir", "-p", "/keep/dir")
    cli.storage_ok("mkdir", "-p", "/keep/taken/f.bin/inner")
    cli.storage_ok("upload", f, "/keep/file.bin")
    before = server.tree("/")
    srcdir = tmp_path / "srcdir"
    write_random(srcdir / "inner.bin", 10)
    long_name = "n" * 256
    long_path = "/" + "/".join(["p" * 200] * 21)  # 4221 bytes
    cases = [
        ("mkdir", "/keep/../escape"),
        ("mkdir", "-p", "/keep/./x/../../y"),
        ("upload", f, "/keep/../../etc/f.bin"),
        ("ls", "/keep/../.."),
        ("mkdir", "/" + long_name),
        ("upload", f, "/keep/" + long_name),
        ("mkdir", "-p", long_path),
        ("upload", f, long_path),
        ("--fs", "no-such-fs", "ls", "/"),
        ("upload", f, "/keep/taken/"),        # /keep/taken/f.bin is a directory: never replaced
        ("upload", "-r", srcdir, "/keep/file.bin"),  # a directory onto a file
        ("upload", tmp_path / "does-not-exist", "/keep/x.bin"),
        ("mv", "/keep", "/keep/dir/inside"),  # a directory into itself
        ("download", "/keep/nope.bin", tmp_path / "nope.bin"),
    ]
    for args in cases:
        cli.fails("storage", *args)
    assert server.tree("/") == before
    assert not (tmp_path / "nope.bin").exists()


def test_upload_file_into_existing_directory(cli, server, tmp_path):
    """`upload FILE DIR` puts FILE inside DIR when DIR exists (like cp), and FILE onto a path
    ending in '/' does the same."""
    f = tmp_path / "w.bin"
    write_random(f, 3000)
    cli.storage_ok("mkdir", "/dir")
    cli.storage_ok("upload", f, "/dir")
    assert server.stat("/dir")["type"] == "dir"
    assert server.stat("/dir/w.bin")["size"] == 3000
    cli.storage_ok("upload", f, "/dir2/")
    assert server.stat("/dir2/w.bin")["size"] == 3000


def test_other_filesystem_and_login(cli, server, tmp_path):
    assert "default" in server.filesystems()
    out = cli.storage_ok("ls-fs").stdout
    assert "default" in out
    r = server.post("/api/v1/fs", json={"name": "scratch"})
    assert r.status_code == 201, r.text
    f = tmp_path / "s.bin"
    write_random(f, 4321)
    cli.storage_ok("--fs", "scratch", "upload", f, "/s.bin")
    assert server.stat("/s.bin", fs="scratch")["size"] == 4321
    assert server.stat("/s.bin") is None, "upload with --fs scratch landed in default"

    # login stores URL and token; later commands need no environment.
    cli.ok("login", "--url", server.url, "--token", server.admin_token, with_env=False)
    out = cli.storage_ok("--fs", "scratch", "ls", "/", with_env=False).stdout
    assert "s.bin" in out
    # A wrong token is refused at login.
    cli.fails("login", "--url", server.url, "--token", "strata_0000000000000000_" + "A" * 43,
              with_env=False)


def test_no_server_is_one_line_error(cli, server):
    port = server.port
    server.stop()
    r = cli.fails("storage", "ls", "/")
    assert str(port) in r.stderr or "connect" in r.stderr.lower(), r.stderr


def route_requests(server, route):
    """strata_http_requests_total of one route (all statuses)."""
    import re
    import requests
    text = requests.get(server.url + "/metrics", timeout=30).text
    total = 0.0
    for line in text.splitlines():
        m = re.match(r'^strata_http_requests_total\{route="([^"]+)",[^}]*\}\s+(\S+)', line)
        if m and m.group(1) == route:
            total += float(m.group(2))
    return total


def test_small_files_travel_in_batches(cli, server, tmp_path):
    """600 small files in 20 directories: a few files:write requests, no per-file or per-directory
    requests; a re-upload lists the remote tree in one request and sends only the changed files."""
    src = tmp_path / "small"
    for i in range(600):
        write_random(src / f"d{i % 20:02d}" / f"f{i:04d}.bin", 4096 + i)
    (src / "d00" / "empty").write_bytes(b"")
    summary = cli.json("upload", "-r", src, "/many")
    assert summary["files_transferred"] == 601, summary
    writes = route_requests(server, "fs.files_write")
    assert 1 <= writes <= 20, f"601 small files took {writes} files:write requests"
    assert route_requests(server, "fs.upload_begin") == 0
    assert route_requests(server, "fs.chunk_batch") == 0
    dst = tmp_path / "back"
    cli.storage_ok("download", "-r", "/many", dst)
    assert tree_digest(dst) == tree_digest(src)

    # Change 6 files (same size, new bytes) and touch 6 others (same bytes, new mtime).
    for i in range(0, 600, 100):
        p = src / f"d{i % 20:02d}" / f"f{i:04d}.bin"
        st = p.stat()
        p.write_bytes(os.urandom(st.st_size))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
        q = src / f"d{(i + 1) % 20:02d}" / f"f{i + 1:04d}.bin"
        st = q.stat()
        os.utime(q, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    lists_before = route_requests(server, "fs.list")
    before = upload_bytes(server)
    summary = cli.json("upload", "-r", src, "/many")
    sent = upload_bytes(server) - before
    changed = sum(4096 + i for i in range(0, 600, 100))
    assert summary["files_transferred"] == 12 and summary["files_skipped"] == 589, summary
    assert sent == changed, f"sent {sent} bytes for {changed} bytes of changed files (touched files send none)"
    assert summary["wire_bytes"] == changed, summary
    assert route_requests(server, "fs.list") - lists_before == 1, "the quick check should list the tree once"
    check = tmp_path / "check"
    cli.storage_ok("download", "-r", "/many", check)
    assert tree_digest(check) == tree_digest(src)
    # mtimes travel: a second re-upload skips everything.
    summary = cli.json("upload", "-r", src, "/many")
    assert summary["files_transferred"] == 0 and summary["files_skipped"] == 601, summary


def test_small_file_refused_by_server_is_one_clear_error(cli, server, tmp_path):
    """A file the server refuses stops the upload with that file's error; nothing of it changes."""
    src = tmp_path / "src"
    write_random(src / "ok.bin", 1000)
    write_random(src / ("n" * 200) / ("m" * 200) / "deep.bin", 10)  # fine locally
    cli.storage_ok("upload", "-r", src, "/t")
    # A remote path component over the 4096-byte path limit is refused per file by the server.
    long_root = "/" + "/".join(["x" * 250] * 16)
    r = cli.storage("upload", "-r", src, long_root)
    assert r.returncode == 1, r
    assert r.stderr.strip().count("\n") == 0, f"want one readable line, got:\n{r.stderr}"
    assert "deep.bin" in r.stderr and "over the limit" in r.stderr, r.stderr
    # Nothing of the refused file exists; the file that was fine is there (committed files stay).
    names = {e["name"] for e in server.list_all(long_root)}
    assert names == {"ok.bin"}, names
    assert server.stat(long_root + "/ok.bin")["size"] == 1000
