"""Key-value store over REST and the CLI (docs/api-kv-queue.md): namespaces, keys, limits, TTL,
access rules, and durability across kill -9."""

import time

import pytest

KEY_LIMIT = 32 * 1024
VALUE_LIMIT = 256 * 1024


@pytest.fixture
def ns(server):
    r = server.post("/api/v1/kv", json={"name": "sessions"})
    assert r.status_code == 201, r.text
    return "sessions"


def kv_url(ns, key):
    from urllib.parse import quote
    return f"/api/v1/kv/{ns}/keys/{quote(key, safe='')}"


def test_namespaces_create_list_delete(server, cli):
    cli.ok("kv", "ns", "create", "cache")
    r = server.post("/api/v1/kv", json={"name": "cache"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_exists"
    assert "cache" in cli.ok("kv", "ns", "ls").stdout.split()
    bad = server.post("/api/v1/kv", json={"name": "no spaces"})
    assert bad.status_code == 400 and "namespace" in bad.json()["error"]["message"]
    cli.ok("kv", "put", "cache", "k", "v")
    cli.ok("kv", "ns", "rm", "cache")
    assert "cache" not in cli.ok("kv", "ns", "ls").stdout.split()
    r = server.get(kv_url("cache", "k"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    cli.fails("kv", "ns", "rm", "cache")


def test_put_get_delete_and_missing_key_is_distinct(server, cli, ns):
    cli.ok("kv", "put", ns, "user:1", "alice")
    assert cli.ok("kv", "get", ns, "user:1").stdout == "alice"
    r = server.get(kv_url(ns, "user:1"))
    assert r.status_code == 200 and r.content == b"alice"
    # Binary values and keys with slashes round-trip byte for byte.
    blob = bytes(range(256)) * 10
    assert server.put(kv_url(ns, "a/b c"), data=blob).status_code == 200
    assert server.get(kv_url(ns, "a/b c")).content == blob
    missing = server.get(kv_url(ns, "nope"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_such_key"
    wrong_ns = server.get(kv_url("nonexistent", "user:1"))
    assert wrong_ns.status_code == 404 and wrong_ns.json()["error"]["code"] == "not_found"
    cli.fails("kv", "get", ns, "nope")
    assert server.delete(kv_url(ns, "user:1")).json() == {"deleted": True}
    assert server.delete(kv_url(ns, "user:1")).json() == {"deleted": False}


def test_list_keys_by_prefix_with_cursor(server, cli, ns):
    for i in range(30):
        assert server.put(kv_url(ns, f"job:{i:03d}"), data=b"x").status_code == 200
    server.put(kv_url(ns, "other"), data=b"x")
    seen, cursor = [], ""
    while True:
        r = server.get(f"/api/v1/kv/{ns}/keys", params={"prefix": "job:", "cursor": cursor, "limit": 7})
        assert r.status_code == 200, r.text
        seen += r.json()["keys"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [f"job:{i:03d}" for i in range(30)]
    out = cli.ok("kv", "ls", ns, "--prefix", "job:00").stdout.split()
    assert out == [f"job:{i:03d}" for i in range(10)]
    assert server.get(f"/api/v1/kv/{ns}/keys", params={"limit": 0}).status_code == 400


def test_limits_are_enforced_and_change_nothing(server, ns):
    big_key = "k" * (KEY_LIMIT + 1)
    r = server.put(kv_url(ns, big_key), data=b"v")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large", r.text
    r = server.put(kv_url(ns, "big"), data=b"v" * (VALUE_LIMIT + 1))
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert server.get(kv_url(ns, "big")).status_code == 404
    # Exactly at the limits is accepted.
    assert server.put(kv_url(ns, "k" * KEY_LIMIT), data=b"v" * VALUE_LIMIT).status_code == 200
    assert len(server.get(kv_url(ns, "k" * KEY_LIMIT)).content) == VALUE_LIMIT
    assert server.put(kv_url(ns, "t"), params={"ttl": "abc"}, data=b"v").status_code == 400
    assert server.put(kv_url(ns, "t"), params={"ttl": "0"}, data=b"v").status_code == 400
    assert server.get(kv_url(ns, "t")).status_code == 404


def test_ttl_expires_keys(server, ns):
    assert server.put(kv_url(ns, "short"), params={"ttl": 1}, data=b"v").status_code == 200
    r = server.get(kv_url(ns, "short"))
    assert r.status_code == 200 and int(r.headers["X-Strata-Expires-At-Ms"]) > time.time() * 1000
    time.sleep(1.3)
    assert server.get(kv_url(ns, "short")).status_code == 404


def test_read_only_token_reads_but_cannot_write(server, cli, ns):
    token = cli.ok("token", "create", "--name", "ro", "--read-only").stdout.strip()
    server.put(kv_url(ns, "k"), data=b"v")
    assert server.get(kv_url(ns, "k"), token=token).status_code == 200
    r = server.put(kv_url(ns, "k"), token=token, data=b"w")
    assert r.status_code == 403
    assert server.get(kv_url(ns, "k")).content == b"v"
    assert server.get(kv_url(ns, "k"), token="strata_0000000000000000_nope").status_code == 401


def test_acknowledged_writes_survive_kill9(server, ns):
    for i in range(200):
        assert server.put(kv_url(ns, f"k{i}"), data=f"v{i}".encode()).status_code == 200
    server.kill9()
    server.start()
    for i in range(200):
        r = server.get(kv_url(ns, f"k{i}"))
        assert r.status_code == 200 and r.content == f"v{i}".encode()
