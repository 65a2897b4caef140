"""strata.objectstore against a real server: put/get/url/delete/list, errors, buckets."""

import io
import os
import urllib.error
import urllib.request

import pytest

from sdk_helpers import sha256_file, unique, write_random
from strata.errors import ConflictError, NotFoundError
from strata.objectstore import MAX_KEY_BYTES, ObjectInfo, ObjectStore


@pytest.fixture
def bucket(server):
    name = unique("b")
    b = ObjectStore.create_bucket(name)
    yield b
    for o in b.list():
        b.delete(o.key)
    ObjectStore.delete_bucket(name)


def test_put_path_fileobj_bytes_and_get_tempfile(bucket, tmp_path):
    src = write_random(tmp_path / "a.bin", 3 * 1024 * 1024 + 7)
    info = bucket.put("weights/a.bin", str(src))
    assert isinstance(info, ObjectInfo) and info.size == src.stat().st_size and info.etag
    with bucket.get("weights/a.bin") as f:
        assert f.tell() == 0
        assert f.read() == src.read_bytes()
        name = f.name
        assert os.path.exists(name)
    assert not os.path.exists(name)  # the temporary file is gone once closed
    with open(src, "rb") as fh:
        bucket.put("weights/b.bin", fh, content_type="application/x-weights")
    assert bucket.get_bytes("weights/b.bin") == src.read_bytes()
    assert bucket.head("weights/b.bin").content_type == "application/x-weights"
    bucket.put("small.txt", b"hello")
    assert bucket.get_bytes("small.txt") == b"hello"
    bucket.put("stream.bin", io.BufferedReader(io.BytesIO(b"x" * 100000)))
    assert bucket.head("stream.bin").size == 100000


def test_put_unsized_stream_is_spooled(bucket):
    r, w = os.pipe()
    os.write(w, b"piped bytes" * 1000)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        bucket.put("pipe.bin", pipe)
    assert bucket.get_bytes("pipe.bin") == b"piped bytes" * 1000


def test_list_prefix_delimiter_and_pages(bucket):
    for i in range(12):
        bucket.put(f"weights/{i:02d}.bin", b"w")
    bucket.put("other/x", b"o")
    keys = [o.key for o in bucket.list(prefix="weights/")]
    assert keys == [f"weights/{i:02d}.bin" for i in range(12)]
    assert [o.key for o in bucket.iter(prefix="weights/", page_size=5)] == keys
    assert len(bucket.list()) == 13
    assert bucket.prefixes() == ["other/", "weights/"]


def test_delete_and_missing_key(bucket):
    bucket.put("k", b"v")
    assert bucket.exists("k")
    assert bucket.delete("k") is True
    assert bucket.delete("k") is False
    assert not bucket.exists("k")
    with pytest.raises(KeyError) as e:
        bucket.get("k")
    assert isinstance(e.value, NotFoundError) and e.value.code == "no_such_key" and e.value.message
    with pytest.raises(KeyError):
        bucket.get("k", return_url=True)


def test_missing_bucket_is_key_error(server):
    b = ObjectStore(unique("nobucket"))
    with pytest.raises(KeyError) as e:
        b.put("k", b"v")
    assert e.value.code != "no_such_key"
    with pytest.raises(KeyError):
        b.list()


def test_presigned_url_for_private_object(server, tmp_path):
    b = ObjectStore("private")
    key = unique("secret") + "/model.bin"
    b.put(key, b"top secret")
    url = b.get(key, return_url=True)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=900" in url
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.read() == b"top secret"
    short = b.url(key, expires=60)
    assert "X-Amz-Expires=60" in short
    with pytest.raises(urllib.error.HTTPError) as e:  # the plain URL needs a signature
        urllib.request.urlopen(url.split("?")[0], timeout=30)
    assert e.value.code == 403
    b.delete(key)


def test_public_bucket_url_is_plain(server):
    b = ObjectStore("public")
    key = unique("pub") + ".txt"
    b.put(key, b"for everyone")
    url = b.get(key, return_url=True)
    assert "X-Amz-Signature" not in url
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.read() == b"for everyone"
    b.delete(key)


def test_limits_checked_before_sending():
    b = ObjectStore("private", url="http://127.0.0.1:1", token="t", retries=0)
    with pytest.raises(ValueError):
        b.put("k" * (MAX_KEY_BYTES + 1), b"v")
    with pytest.raises(ValueError):
        b.get("k" * (MAX_KEY_BYTES + 1))
    with pytest.raises(ValueError):
        b.url("k", expires=0)
    with pytest.raises(ValueError):
        b.url("k", expires=8 * 24 * 3600)
    with pytest.raises(ValueError):
        b.put("", b"v")
    with pytest.raises(ValueError):
        b.put("a\0b", b"v")


def test_buckets_create_list_delete(server):
    name = unique("bk")
    ObjectStore.create_bucket(name, public=True)
    assert {b["name"]: b["public"] for b in ObjectStore.list_buckets()}[name] is True
    with pytest.raises(ConflictError):
        ObjectStore.create_bucket(name)
    ObjectStore(name).put("x", b"1")
    with pytest.raises(ConflictError):
        ObjectStore.delete_bucket(name)  # not empty
    ObjectStore(name).delete("x")
    ObjectStore.delete_bucket(name)
    with pytest.raises(KeyError):
        ObjectStore.delete_bucket(name)


def test_download_to_path(bucket, tmp_path):
    src = write_random(tmp_path / "src.bin", 5 * 1024 * 1024)
    bucket.put("d.bin", src)
    out = tmp_path / "out.bin"
    assert bucket.download("d.bin", out) == src.stat().st_size
    assert sha256_file(out) == sha256_file(src)
