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
