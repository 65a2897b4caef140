"""The REST API (docs/api.md) at the HTTP level: status codes, JSON errors, ranges, uploads."""

import hashlib
import os

import requests

FS = "/api/v1/fs/default"


def assert_error(r, status, code=None):
    assert r.status_code == status, f"want {status}, got {r.status_code}: {r.text}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert isinstance(body.get("error"), dict), body
    assert body["error"].get("message"), body
    if code:
        assert body["error"]["code"] == code, body


def put_file(server, path, data: bytes):
    """Uploads `data` to `path` through the chunk protocol; returns the commit response."""
    chunks = [data[i:i + (4 << 20)] for i in range(0, len(data), 4 << 20)]
    ids = [hashlib.sha256(c).hexdigest() for c in chunks]
    r = server.post(f"{FS}/uploads", json={"chunks": ids})
    assert r.status_code in (200, 201), r.text
    up = r.json()
    for cid, c in zip(ids, chunks):
        if cid in up["missing"]:
            r = server.put(f"{FS}/chunks/{cid}", params={"upload_id": up["upload_id"]}, data=c,
                           headers={"Content-Type": "application/octet-stream"})
            assert r.status_code == 201, r.text
    files = [{"path": path, "size": len(data), "mode": 0o644,
              "chunks": [{"index": i, "id": cid, "length": len(c)}
                         for i, (cid, c) in enumerate(zip(ids, chunks))]}]
    r = server.post(f"{FS}/uploads/{up['upload_id']}/commit", json={"files": files, "parents": True})
    assert r.status_code == 200, r.text
    return r.json()


def test_health_and_metrics_need_no_token(server):
    r = requests.get(server.url + "/healthz", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = requests.get(server.url + "/metrics", timeout=10)
    assert r.status_code == 200
    assert "strata_http_requests_total" in r.text
    assert "strata_upload_bytes_total" in r.text


def test_malformed_json_is_400(server):
    before = server.tree("/")
    for body in [b"{not json", b"", b"[]", b'{"path": 12}', b'{"path": "/ok", "parents": "yes"}',
                 b'\xff\xfe{"path":"/x"}']:
        r = server.post(f"{FS}/mkdir", data=body, headers={"Content-Type": "application/json"})
        assert_error(r, 400)
    assert_error(server.post(f"{FS}/move", data=b'{"from": "/a"'), 400)
    assert_error(server.post(f"{FS}/uploads", data=b'{"chunks": ["nothex"]}'), 400)
    assert_error(server.post("/api/v1/tokens", data=b"nope"), 400)
    assert server.tree("/") == before


def test_unknown_route_is_404_json(server):
    assert_error(server.get("/api/v1/nope"), 404)
    assert_error(server.get("/api/v2/fs"), 404)
    assert_error(server.get("/definitely/not/here"), 404)
    assert_error(server.get("/api/v1/fs/no-such-fs/list", params={"path": "/"}), 404)


def test_ranges(server):
    data = os.urandom(5 * 1024 * 1024 + 17)  # two chunks
    put_file(server, "/r.bin", data)
    url = f"{FS}/content"
    r = server.get(url, params={"path": "/r.bin"})
    assert r.status_code == 200 and r.content == data
    assert r.headers["Content-Length"] == str(len(data))
    assert r.headers.get("Accept-Ranges") == "bytes"
    etag = r.headers.get("ETag")
    assert etag and etag.startswith('"'), r.headers

    for header, lo, hi in [("bytes=0-9", 0, 9), ("bytes=4194300-4194310", 4194300, 4194310),
                           (f"bytes={len(data) - 5}-", len(data) - 5, len(data) - 1),
                           ("bytes=-7", len(data) - 7, len(data) - 1),
                           (f"bytes=10-{len(data) + 100}", 10, len(data) - 1)]:
        r = server.get(url, params={"path": "/r.bin"}, headers={"Range": header})
        assert r.status_code == 206, f"{header}: {r.status_code} {r.text[:200]}"
        assert r.content == data[lo:hi + 1], header
        assert r.headers["Content-Range"] == f"bytes {lo}-{hi}/{len(data)}", header

    for header in [f"bytes={len(data)}-", f"bytes={len(data) + 10}-{len(data) + 20}"]:
        assert_error(server.get(url, params={"path": "/r.bin"}, headers={"Range": header}), 416)
    for header in ["bytes=abc", "bytes=9-3", "items=0-1", "bytes=--1", "bytes=1-2-3"]:
        r = server.get(url, params={"path": "/r.bin"}, headers={"Range": header})
        assert r.status_code in (400, 416), f"{header}: {r.status_code}"
        assert_error(r, r.status_code)
    assert_error(server.get(url, params={"path": "/"}), 409, "is_directory")
    assert_error(server.get(url, params={"path": "/missing"}), 404, "not_found")


def test_bad_paths_are_400(server):
    for p in ["", "relative", "/a//b", "/a/./b", "/a/../b", "/..", "/a\x00b"]:
        r = server.get(f"{FS}/stat", params={"path": p})
        assert r.status_code == 400, f"stat {p!r}: {r.status_code} {r.text}"
    assert_error(server.get(f"{FS}/stat", params={"path": "/" + "a" * 256}), 400, "name_too_long")
    assert_error(server.get(f"{FS}/stat", params={"path": "/" + "/".join(["a" * 200] * 21)}), 400,
                 "name_too_long")
    assert_error(server.post(f"{FS}/mkdir", json={"path": "/a/../../b"}), 400)
    assert_error(server.delete(f"{FS}/files", params={"path": "/", "recursive": "true"}), 400)
    assert server.tree("/") == {}


def test_chunk_upload_rules(server):
    good = os.urandom(1000)
    gid = hashlib.sha256(good).hexdigest()
    up = server.post(f"{FS}/uploads", json={"chunks": [gid]}).json()
    assert up["missing"] == [gid]
    # A body that does not hash to the id: 400, nothing stored.
    bad = server.put(f"{FS}/chunks/{gid}", params={"upload_id": up["upload_id"]}, data=good + b"x")
    assert_error(bad, 400)
    assert server.post(f"{FS}/uploads", json={"chunks": [gid]}).json()["missing"] == [gid]
    # Committing a file whose chunk is missing: 400 naming it, nothing visible.
    r = server.post(f"{FS}/uploads/{up['upload_id']}/commit", json={
        "files": [{"path": "/f", "size": 1000, "chunks": [{"index": 0, "id": gid, "length": 1000}]}]})
    assert_error(r, 400)
    assert gid in r.json()["error"]["message"]
    assert server.stat("/f") is None
    # Chunk map that does not add up: 400.
    assert server.put(f"{FS}/chunks/{gid}", params={"upload_id": up["upload_id"]}, data=good).status_code == 201
    for chunks, size in [([{"index": 0, "id": gid, "length": 1000}], 999),
                         ([{"index": 1, "id": gid, "length": 1000}], 1000)]:
        r = server.post(f"{FS}/uploads/{up['upload_id']}/commit",
                        json={"files": [{"path": "/f", "size": size, "chunks": chunks}]})
        assert_error(r, 400)
    assert server.stat("/f") is None
    # Replacing a directory with a file: 409 is_directory.
    assert server.post(f"{FS}/mkdir", json={"path": "/dir"}).status_code == 201
    r = server.post(f"{FS}/uploads/{up['upload_id']}/commit", json={
        "files": [{"path": "/dir", "size": 1000, "chunks": [{"index": 0, "id": gid, "length": 1000}]}]})
    assert_error(r, 409, "is_directory")
    # The good commit works, and the chunk is readable by id.
    r = server.post(f"{FS}/uploads/{up['upload_id']}/commit", json={
        "files": [{"path": "/f", "size": 1000, "chunks": [{"index": 0, "id": gid, "length": 1000}]}]})
    assert r.status_code == 200, r.text
    assert server.get(f"{FS}/chunks/{gid}").content == good
    assert server.get(f"{FS}/content", params={"path": "/f"}).content == good


def test_rest_mkdir_move_delete(server):
    assert server.post(f"{FS}/mkdir", json={"path": "/a"}).status_code == 201
    assert_error(server.post(f"{FS}/mkdir", json={"path": "/a"}), 409, "already_exists")
    assert server.post(f"{FS}/mkdir", json={"path": "/a", "parents": True}).status_code in (200, 201)
    put_file(server, "/a/f", b"hello")
    assert_error(server.delete(f"{FS}/files", params={"path": "/a"}), 409, "not_empty")
    assert_error(server.post(f"{FS}/move", json={"from": "/a", "to": "/a/sub"}), 400)
    r = server.post(f"{FS}/move", json={"from": "/a/f", "to": "/g"})
    assert r.status_code == 200 and r.json()["size"] == 5
    usage = server.get(f"{FS}/usage").json()
    assert usage["bytes"] == 5 and usage["files"] == 1 and usage["directories"] >= 1, usage
    assert server.delete(f"{FS}/files", params={"path": "/a"}).status_code == 200
    assert server.tree("/") == {"/g": ("file", 5, server.stat("/g")["version"])}


def test_failed_multi_file_commit_changes_nothing(server):
    """A commit naming several files is one request: if one file fails, none becomes visible."""
    data = os.urandom(3000)
    cid = hashlib.sha256(data).hexdigest()
    up = server.post(f"{FS}/uploads", json={"chunks": [cid]}).json()
    assert server.put(f"{FS}/chunks/{cid}", params={"upload_id": up["upload_id"]}, data=data).status_code == 201
    assert server.post(f"{FS}/mkdir", json={"path": "/dir"}).status_code == 201
    before = server.tree("/")
    one = {"size": 3000, "chunks": [{"index": 0, "id": cid, "length": 3000}]}
    r = server.post(f"{FS}/uploads/{up['upload_id']}/commit",
                    json={"files": [{"path": "/ok.bin", **one}, {"path": "/dir", **one}], "parents": True})
    assert_error(r, 409, "is_directory")
    assert server.tree("/") == before, "a failed commit made some of its files visible"


def files_write_body(files):
    """The files:write body: per file [u32 BE header length][header JSON][bytes]."""
    import json
    import struct
    out = b""
    for path, data, extra in files:
        h = {"path": path, "size": len(data), "mtime_ns": 1_700_000_000_000_000_000, "mode": 0o644}
        if data:
            h["id"] = hashlib.sha256(data).hexdigest()
        h.update(extra)
        text = json.dumps(h).encode()
        out += struct.pack(">I", len(text)) + text + (b"" if h.get("data") is False else data)
    return out


def test_files_write_batch(server):
    """Many small files in one request; each file's result; a bad file changes nothing of it."""
    assert server.post(f"{FS}/mkdir", json={"path": "/batch/dir", "parents": True}).status_code == 201
    put_file(server, "/batch/keep.txt", b"old contents")
    files = [("/batch/a/%03d.txt" % i, os.urandom(100 + i), {}) for i in range(50)]
    files.append(("/batch/keep.txt", b"tampered", {"id": hashlib.sha256(b"other").hexdigest()}))
    files.append(("/batch/dir", b"onto a directory", {}))
    files.append(("/batch/empty", b"", {}))
    r = server.post(f"{FS}/files:write", data=files_write_body(files),
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["committed"] == 51 and body["failed"] == 2, body
    results = body["files"]
    assert [x["path"] for x in results] == [f[0] for f in files]
    assert results[50]["error"]["code"] == "invalid_argument", results[50]
    assert "does not match" in results[50]["error"]["message"]
    assert results[51]["error"]["code"] == "is_directory", results[51]
    for (path, data, _), res in zip(files[:50], results[:50]):
        assert "error" not in res, res
        assert res["size"] == len(data)
        got = server.get(f"{FS}/content", params={"path": path})
        assert got.status_code == 200 and got.content == data, path
    assert server.get(f"{FS}/content", params={"path": "/batch/keep.txt"}).content == b"old contents"
    assert server.stat("/batch/dir")["type"] == "dir"
    assert server.stat("/batch/empty")["size"] == 0

    # A malformed body (cut inside a file) is a 400 and changes nothing at all.
    before = server.tree("/")
    cut = files_write_body([("/batch/new1", b"x" * 10, {}), ("/batch/new2", b"y" * 10, {})])[:-3]
    assert_error(server.post(f"{FS}/files:write", data=cut), 400, "invalid_argument")
    assert server.tree("/") == before

    # Only the id ("data": false): a stored chunk is referenced, an unknown one is "missing".
    known = files[0][1]
    r = server.post(f"{FS}/files:write", data=files_write_body([
        ("/batch/copy.txt", known, {"data": False}), ("/batch/ghost", b"never stored", {"data": False})]))
    assert r.status_code == 200, r.text
    res = r.json()["files"]
    assert "error" not in res[0] and res[1]["missing"] is True and res[1]["error"]["code"] == "not_found"
    assert server.get(f"{FS}/content", params={"path": "/batch/copy.txt"}).content == known
    assert server.stat("/batch/ghost") is None


def test_recursive_list(server):
    for path in ["/r/a/1", "/r/a/2", "/r/b", "/r/c/d/e"]:
        put_file(server, path, path.encode())
    want = ["a", "a/1", "a/2", "b", "c", "c/d", "c/d/e"]
    r = server.get(f"{FS}/list", params={"path": "/r", "recursive": "true"})
    assert r.status_code == 200, r.text
    assert [e["path"] for e in r.json()["entries"]] == want
    assert r.json()["next_cursor"] == ""
    got, cursor = [], ""
    while True:
        page = server.get(f"{FS}/list", params={"path": "/r", "recursive": "true", "limit": 2, "cursor": cursor}).json()
        got += [e["path"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert got == want
    assert_error(server.get(f"{FS}/list", params={"path": "/r/b", "recursive": "true"}), 409, "not_directory")
