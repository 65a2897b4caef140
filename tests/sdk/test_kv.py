"""strata.kv against a real server: every method, limits checked before sending, KeyError."""

import time

import pytest

from sdk_helpers import unique
from strata.errors import ConflictError, NotFoundError
from strata.kv import KV, MAX_KEY_BYTES, MAX_VALUE_BYTES


@pytest.fixture
def kv(server):
    name = unique("kv")
    k = KV.create_kv(name)
    yield k
    try:
        KV.delete_kv(name)
    except KeyError:
        pass


def test_namespaces_create_get_list_delete(server):
    name = unique("ns")
    kv = KV.create_kv(name)
    assert kv.name == name and name in KV.list_kv()
    assert KV.get_kv(name).name == name
    with pytest.raises(ConflictError):
        KV.create_kv(name)
    assert KV.create_kv(name, exist_ok=True).name == name
    KV.delete_kv(name)
    assert name not in KV.list_kv()
    with pytest.raises(KeyError):
        KV.get_kv(name)
    with pytest.raises(KeyError):
        KV.delete_kv(name)


def test_put_get_delete_roundtrip(kv):
    kv.put("user:1", "alice")
    assert kv.get("user:1") == b"alice"
    assert kv.get_text("user:1") == "alice"
    kv.put("bin", bytes(range(256)))
    assert kv.get("bin") == bytes(range(256))
    kv.put("user:1", "bob")  # replace
    assert kv["user:1"] == b"bob"
    kv["a/b c?d%"] = b"odd key"
    assert kv.get("a/b c?d%") == b"odd key"
    assert "a/b c?d%" in kv and "nope" not in kv
    assert kv.delete("user:1") is True
    assert kv.delete("user:1") is False
    with pytest.raises(KeyError):
        kv.get("user:1")
    with pytest.raises(KeyError):
        del kv["user:1"]
    assert kv.get_or("user:1", b"dflt") == b"dflt"
    kv.put("empty", b"")
    assert kv.get("empty") == b""


def test_missing_key_is_key_error_with_server_message(kv):
    with pytest.raises(KeyError) as e:
        kv.get("never-set")
    assert isinstance(e.value, NotFoundError)
    assert e.value.code == "no_such_key" and e.value.status == 404 and e.value.message


def test_missing_namespace_is_key_error_with_its_own_code(server):
    kv = KV(unique("absent"))
    with pytest.raises(KeyError) as e:
        kv.get("k")
    assert e.value.code == "not_found"
    with pytest.raises(KeyError):
        kv.put("k", "v")
    with pytest.raises(KeyError):
        kv.get_or("k")  # a missing namespace is not a missing key


def test_keys_listing_with_prefix_and_pages(kv):
    for i in range(25):
        kv.put(f"p:{i:03d}", str(i))
    kv.put("q:1", "x")
    assert list(kv.keys(prefix="p:", page_size=7)) == [f"p:{i:03d}" for i in range(25)]
    assert sorted(kv.keys()) == sorted([f"p:{i:03d}" for i in range(25)] + ["q:1"])


def test_ttl_expires(kv):
    kv.put("short", "v", ttl=1)
    assert kv.expires_at_ms("short") is not None
    kv.put("forever", "v")
    assert kv.expires_at_ms("forever") is None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            kv.get("short")
        except KeyError:
            return
        time.sleep(0.2)
    pytest.fail("key with ttl=1 never expired")


def test_limits_checked_before_sending(monkeypatch):
    # Nothing listens at this URL: a ValueError (not a ConnectionError) proves nothing was sent.
    kv = KV("limits", url="http://127.0.0.1:1", token="t", retries=0)
    with pytest.raises(ValueError, match="key"):
        kv.put("k" * (MAX_KEY_BYTES + 1), "v")
    with pytest.raises(ValueError, match="key"):
        kv.get("k" * (MAX_KEY_BYTES + 1))
    with pytest.raises(ValueError, match="value"):
        kv.put("k", b"v" * (MAX_VALUE_BYTES + 1))
    with pytest.raises(ValueError):
        kv.put("k", "v", ttl=0)
    with pytest.raises(ValueError):
        KV("bad name!", url="http://127.0.0.1:1", token="t")
    with pytest.raises(ConnectionError):
        kv.get("k")


def test_limits_at_the_edge_are_accepted(kv):
    big_key = "k" * MAX_KEY_BYTES
    kv.put(big_key, b"v" * MAX_VALUE_BYTES)
    assert len(kv.get(big_key)) == MAX_VALUE_BYTES


def test_one_object_shared_by_threads(kv):
    import threading
    errors = []

    def work(t):
        try:
            for i in range(30):
                kv.put(f"t{t}:{i}", f"{t}-{i}")
                assert kv.get(f"t{t}:{i}") == f"{t}-{i}".encode()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(list(kv.keys(prefix="t"))) == 240
