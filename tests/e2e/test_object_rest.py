"""The object-storage REST API (/api/v1/object, docs/api-object.md) and `strata object ...`:
buckets, streamed objects with ranges, listings, temporary URLs served by the S3 endpoint
(presigned for private buckets, plain for public ones), and the errors of bad input."""

import hashlib
import os
import re
import subprocess
import time
from urllib.parse import quote

import pytest
import requests

from conftest import Cli
from s3_env import s3_port

TOKEN_RE = re.compile(r"strata_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
API = "/api/v1/object"


@pytest.fixture
def osrv(make_server):
    s = make_server(extra_args=["--s3-listen", "127.0.0.1:0"])
    s.s3_port = s3_port(s)
    return s


@pytest.fixture
def ocli(osrv, strata_bin, tmp_path):
    return Cli(strata_bin, osrv, tmp_path / "home")


def opath(bucket, key):
    return f"{API}/{quote(bucket, safe='')}/objects/{quote(key, safe='')}"


def err(r, status, code):
    assert r.status_code == status, f"want {status}, got {r.status_code}: {r.text}"
    assert r.json()["error"]["code"] == code, r.text


def url_of(srv, bucket, key, **body):
    r = srv.post(f"{API}/{bucket}/url", json={"key": key, **body})
    assert r.status_code == 200, r.text
    return r.json()


def run_with_stdin(cli, data, *args):
    return subprocess.run([str(cli.binary), *map(str, args)], env=cli.env(), input=data,
                          capture_output=True, timeout=120)


# -- REST -----------------------------------------------------------------------------------
def test_buckets_create_list_delete(osrv):
    names = {b["name"]: b["public"] for b in osrv.get(API).json()["buckets"]}
    assert names == {"public": True, "private": False}
    r = osrv.post(API, json={"name": "media", "public": True})
    assert r.status_code == 201, r.text
    assert osrv.post(API, json={"name": "scratch"}).status_code == 201
    names = {b["name"]: b["public"] for b in osrv.get(API).json()["buckets"]}
    assert names["media"] is True and names["scratch"] is False
    err(osrv.post(API, json={"name": "media"}), 409, "already_exists")
    err(osrv.post(API, json={"name": "Bad_Name!"}), 400, "invalid_argument")
    err(osrv.post(API, json={"public": True}), 400, "invalid_argument")
    assert osrv.put(opath("scratch", "x"), data=b"1").status_code == 200
    err(osrv.delete(f"{API}/scratch"), 409, "not_empty")
    assert osrv.delete(opath("scratch", "x")).json() == {"deleted": True}
    assert osrv.delete(f"{API}/scratch").status_code == 200
    err(osrv.delete(f"{API}/scratch"), 404, "not_found")
    assert "scratch" not in {b["name"] for b in osrv.get(API).json()["buckets"]}


def test_put_get_head_range_delete(osrv):
    body = os.urandom(3 * 1024 * 1024 + 17)
    key = "dir/sub dir/ünï+code?.bin"
    r = osrv.put(opath("private", key), data=body, headers={"Content-Type": "image/x-test"})
    assert r.status_code == 200, r.text
    assert r.json() == {"key": key, "size": len(body), "etag": hashlib.md5(body).hexdigest()}
    g = osrv.get(opath("private", key))
    assert g.status_code == 200 and g.content == body
    assert g.headers["Content-Type"] == "image/x-test"
    assert g.headers["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'
    h = requests.head(osrv.url + opath("private", key), headers=osrv.headers(), timeout=30)
    assert h.status_code == 200 and int(h.headers["Content-Length"]) == len(body) and not h.content
    rg = osrv.get(opath("private", key), headers={"Range": "bytes=100-199"})
    assert rg.status_code == 206 and rg.content == body[100:200]
    assert rg.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert osrv.get(opath("private", key), headers={"Range": "bytes=-5"}).content == body[-5:]
    assert osrv.get(opath("private", key), headers={"Range": f"bytes={len(body)}-"}).status_code == 416
    # Replacing is atomic and whole; an empty object is fine.
    assert osrv.put(opath("private", key), data=b"").json()["size"] == 0
    assert osrv.get(opath("private", key)).content == b""
    assert osrv.get(opath("private", key)).headers["Content-Type"] == "application/octet-stream"
    assert osrv.delete(opath("private", key)).json() == {"deleted": True}
    assert osrv.delete(opath("private", key)).json() == {"deleted": False}
    err(osrv.get(opath("private", key)), 404, "no_such_key")


def test_list_prefix_delimiter_cursor(osrv):
    keys = [f"logs/2026/{i:03d}.txt" for i in range(7)] + ["logs/top.txt", "other.txt"]
    for k in keys:
        assert osrv.put(opath("private", k), data=k.encode()).status_code == 200
    r = osrv.get(f"{API}/private").json()
    assert [o["key"] for o in r["objects"]] == sorted(keys) and r["next_cursor"] == ""
    assert r["objects"][0]["size"] == len(r["objects"][0]["key"])
    r = osrv.get(f"{API}/private", params={"prefix": "logs/", "delimiter": "/"}).json()
    assert [o["key"] for o in r["objects"]] == ["logs/top.txt"] and r["common_prefixes"] == ["logs/2026/"]
    seen, cursor = [], ""
    while True:
        r = osrv.get(f"{API}/private", params={"prefix": "logs/2026/", "limit": 3, "cursor": cursor}).json()
        assert len(r["objects"]) <= 3
        seen += [o["key"] for o in r["objects"]]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert seen == keys[:7]
    for bad in ("0", "1001", "x", "-1"):
        err(osrv.get(f"{API}/private", params={"limit": bad}), 400, "invalid_argument")
    err(osrv.get(f"{API}/nosuchbucket"), 404, "not_found")


def test_bad_input(osrv):
    long_key = "k" * 1025
    r = osrv.put(opath("private", long_key), data=b"x")
    assert r.status_code == 400, r.text
    assert osrv.put(opath("private", "k" * 1024), data=b"x").status_code == 200
    err(osrv.put(opath("nosuchbucket", "a"), data=b"x"), 404, "not_found")
    err(osrv.get(opath("nosuchbucket", "a")), 404, "not_found")
    err(osrv.get(opath("private", "missing")), 404, "no_such_key")
    err(osrv.post(f"{API}/nosuchbucket/url", json={"key": "a"}), 404, "not_found")
    err(osrv.post(f"{API}/private/url", json={"key": "missing"}), 404, "no_such_key")
    osrv.put(opath("private", "a"), data=b"x")
    for bad in (0, -5, 604801, "ten", 1.5):
        err(osrv.post(f"{API}/private/url", json={"key": "a", "expires_seconds": bad}), 400, "invalid_argument")
    err(osrv.post(f"{API}/private/url", json={"expires_seconds": 5}), 400, "invalid_argument")
    err(osrv.post(f"{API}/private/url", data=b"not json"), 400, "invalid_argument")
    assert requests.get(osrv.url + API, timeout=30).status_code == 401
    assert requests.put(osrv.url + opath("private", "a"), data=b"y", timeout=30).status_code == 401
    assert osrv.get(opath("private", "a")).content == b"x"


def test_read_only_token(osrv, ocli):
    osrv.put(opath("private", "a"), data=b"abc")
    token = TOKEN_RE.search(ocli.ok("token", "create", "--read-only", "--name", "ro").stdout).group(0)
    assert osrv.get(opath("private", "a"), token=token).content == b"abc"
    assert osrv.get(API, token=token).status_code == 200
    err(osrv.put(opath("private", "a"), token=token, data=b"zzz"), 403, "read_only")
    err(osrv.delete(opath("private", "a"), token=token), 403, "read_only")
    err(osrv.post(API, token=token, json={"name": "nope"}), 403, "read_only")
    err(osrv.delete(f"{API}/public", token=token), 403, "read_only")
    # Reading through a URL is still reading.
    u = osrv.post(f"{API}/private/url", token=token, json={"key": "a"}).json()["url"]
    assert requests.get(u, timeout=30).content == b"abc"
    assert osrv.get(opath("private", "a")).content == b"abc"


def test_presigned_url_private(osrv):
    body = os.urandom(100_000)
    key = "reports/q 1+2.bin"
    osrv.put(opath("private", key), data=body)
    out = url_of(osrv, "private", key)
    assert out["public"] is False
    assert abs(out["expires_unix"] - (time.time() + 900)) < 60
    u = out["url"]
    assert u.startswith(f"http://127.0.0.1:{osrv.s3_port}/private/") and "X-Amz-Signature=" in u
    assert "X-Amz-Expires=900" in u
    r = requests.get(u, timeout=30)
    assert r.status_code == 200 and r.content == body
    c = subprocess.run(["curl", "-sS", "-f", "-o", "-", u], capture_output=True, timeout=60)
    assert c.returncode == 0 and c.stdout == body
    # Only GET/HEAD of that one object: a tampered signature, key or expiry is refused, and
    # without the signature the private object is not readable at all.
    sig = u.rsplit("=", 1)[1]
    bad_sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    assert requests.get(u[: -len(sig)] + bad_sig, timeout=30).status_code == 403
    assert requests.get(u.replace("q%201%2B2.bin", "other"), timeout=30).status_code == 403
    assert requests.get(u.replace("X-Amz-Expires=900", "X-Amz-Expires=9000"), timeout=30).status_code == 403
    assert requests.get(u.split("?")[0], timeout=30).status_code == 403
    assert requests.put(u, data=b"overwrite", timeout=30).status_code == 403
    assert osrv.get(opath("private", key)).content == body
    # The signing credential is made once per workspace and reused.
    u2 = url_of(osrv, "private", key, expires_seconds=60)["url"]
    cred = re.search(r"X-Amz-Credential=([^%&]+)", u).group(1)
    assert cred == re.search(r"X-Amz-Credential=([^%&]+)", u2).group(1)
    assert requests.get(u2, timeout=30).content == body


def test_presigned_url_expires(osrv):
    osrv.put(opath("private", "short"), data=b"brief")
    u = url_of(osrv, "private", "short", expires_seconds=1)["url"]
    assert "X-Amz-Expires=1&" in u
    time.sleep(2.2)
    r = requests.get(u, timeout=30)
    assert r.status_code == 403 and b"expired" in r.content


def test_public_bucket_url(osrv, ocli):
    ocli.ok("object", "mb", "--public", "site")
    osrv.put(opath("site", "index.html"), data=b"<h1>hi</h1>", headers={"Content-Type": "text/html"})
    out = url_of(osrv, "site", "index.html", expires_seconds=5)
    assert out == {"url": f"http://127.0.0.1:{osrv.s3_port}/site/index.html", "public": True, "expires_unix": None}
    r = requests.get(out["url"], timeout=30)
    assert r.status_code == 200 and r.content == b"<h1>hi</h1>" and r.headers["Content-Type"] == "text/html"
    # ... and a private object has no anonymous plain URL.
    osrv.put(opath("private", "index.html"), data=b"secret")
    assert requests.get(f"http://127.0.0.1:{osrv.s3_port}/private/index.html", timeout=30).status_code == 403


def test_url_without_s3_endpoint(make_server):
    srv = make_server("nos3")
    srv.put(opath("private", "a"), data=b"x")
    r = srv.post(f"{API}/private/url", json={"key": "a"})
    err(r, 409, "s3_not_enabled")
    assert "--s3-listen" in r.json()["error"]["message"]


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_large_object_streams_with_bounded_rss(osrv, tmp_path):
    size = 256 * 1024 * 1024
    src = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(src, "wb") as f:
        for i in range(size >> 20):
            piece = block[:-8] + i.to_bytes(8, "little")  # distinct chunks: nothing deduplicates
            f.write(piece)
            digest.update(piece)
    with open(src, "rb") as f:
        r = osrv.put(opath("private", "big.bin"), data=f, timeout=600)
    assert r.status_code == 200, r.text
    assert r.json()["size"] == size
    got = hashlib.sha256()
    n = 0
    with osrv.get(opath("private", "big.bin"), stream=True, timeout=600) as g:
        assert g.status_code == 200 and int(g.headers["Content-Length"]) == size
        for piece in g.iter_content(1 << 20):
            got.update(piece)
            n += len(piece)
    assert n == size and got.hexdigest() == digest.hexdigest()
    hwm = vm_hwm_kib(osrv.pid)
    assert hwm < 256 * 1024, f"server peak RSS {hwm} KiB for a 256 MiB object: not streamed"


# -- CLI ------------------------------------------------------------------------------------
def test_cli_put_get_cat_ls_rm(osrv, ocli, tmp_path):
    src = tmp_path / "in.bin"
    data = os.urandom(5 * 1024 * 1024 + 3)
    src.write_bytes(data)
    ocli.ok("object", "put", "private", "data/in.bin", src)
    assert osrv.get(opath("private", "data/in.bin")).content == data
    r = run_with_stdin(ocli, b"from stdin\n", "object", "put", "--content-type", "text/plain",
                       "private", "data/stdin.txt")
    assert r.returncode == 0, r.stderr
    assert osrv.get(opath("private", "data/stdin.txt")).headers["Content-Type"] == "text/plain"
    dst = tmp_path / "out.bin"
    ocli.ok("object", "get", "private", "data/in.bin", dst)
    assert dst.read_bytes() == data and not (tmp_path / "out.bin.strata-part").exists()
    g = subprocess.run([str(ocli.binary), "object", "get", "private", "data/in.bin"], env=ocli.env(),
                       capture_output=True, timeout=120)
    assert g.returncode == 0 and g.stdout == data
    c = subprocess.run([str(ocli.binary), "object", "cat", "private", "data/stdin.txt"], env=ocli.env(),
                       capture_output=True, timeout=120)
    assert c.returncode == 0 and c.stdout == b"from stdin\n"
    assert ocli.ok("object", "ls", "private").stdout.split("\n")[:-1] == ["data/in.bin", "data/stdin.txt"]
    assert ocli.ok("object", "ls", "private", "data/s").stdout == "data/stdin.txt\n"
    assert "private" in ocli.ok("object", "ls").stdout.split()
    ocli.ok("object", "rm", "private", "data/in.bin")
    assert ocli.ok("object", "ls", "private").stdout == "data/stdin.txt\n"
    ocli.ok("object", "mb", "tmpbucket")
    ocli.ok("object", "rb", "tmpbucket")


def test_cli_url(osrv, ocli):
    osrv.put(opath("private", "u.txt"), data=b"via url")
    u = ocli.ok("object", "url", "--expires", "120", "private", "u.txt").stdout.strip()
    assert "X-Amz-Expires=120" in u
    assert requests.get(u, timeout=30).content == b"via url"
    u = ocli.ok("object", "url", "private", "u.txt").stdout.strip()
    assert "X-Amz-Expires=900" in u and requests.get(u, timeout=30).content == b"via url"


def test_cli_errors(osrv, ocli, tmp_path):
    ocli.fails("object", "get", "private", "missing", tmp_path / "never")
    assert not (tmp_path / "never").exists() and not (tmp_path / "never.strata-part").exists()
    ocli.fails("object", "cat", "nosuchbucket", "k")
    ocli.fails("object", "put", "private", "k", tmp_path / "no-such-file")
    ocli.fails("object", "put", "nosuchbucket", "k", __file__)
    ocli.fails("object", "ls", "nosuchbucket")
    ocli.fails("object", "url", "private", "missing")
    ocli.fails("object", "url", "--expires", "0", "private", "missing")
    r = ocli.fails("object", "put", "private", "k" * 1025, __file__)
    assert "1024" in r.stderr
