"""The Redis protocol listener, driven by the real clients users have: redis-cli and redis-py
(Debian's redis-tools and python3-redis). Every command Strata serves, its error cases,
pipelining, RESP3, access rules, and kill -9 durability."""

import shutil
import socket
import subprocess
import time

import pytest

redis = pytest.importorskip("redis")


@pytest.fixture
def rs(make_server):
    """A server with the RESP listener and a namespace `cache`; yields (server, redis-py client)."""
    server = make_server("resp", extra_args=["--resp-listen", "127.0.0.1:0"])
    assert server.resp_port, "server printed no RESP listening line"
    assert server.post("/api/v1/kv", json={"name": "cache"}).status_code == 201
    client = redis.Redis(host="127.0.0.1", port=server.resp_port, username="cache",
                         password=server.admin_token, socket_timeout=30)
    yield server, client
    client.close()


def redis_cli(server, *args, user="cache", token=None, stdin=None):
    exe = shutil.which("redis-cli")
    if exe is None:
        pytest.fail("redis-cli missing: install Debian's redis-tools", pytrace=False)
    cmd = [exe, "-h", "127.0.0.1", "-p", str(server.resp_port), "--no-auth-warning"]
    if user is not None:
        cmd += ["--user", user, "--pass", token or server.admin_token]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60, input=stdin)


def raw(server, payload: bytes, read_until=b"\r\n", timeout=10) -> bytes:
    with socket.create_connection(("127.0.0.1", server.resp_port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(read_until) and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_redis_cli_starts_and_talks(rs):
    server, _ = rs
    assert redis_cli(server, "PING").stdout.strip() == "PONG"
    assert redis_cli(server, "SET", "greeting", "hello").stdout.strip() == "OK"
    assert redis_cli(server, "GET", "greeting").stdout.strip() == "hello"
    # Interactive-style session over stdin (what a user typing into redis-cli sends).
    out = redis_cli(server, stdin="SET a 1\nINCR a\nGET a\n").stdout.split()
    assert out == ["OK", "2", "2"]


def test_key_set_over_resp_is_read_over_rest_and_back(rs):
    server, r = rs
    r.set("shared", b"\x00binary\xff")
    got = server.get("/api/v1/kv/cache/keys/shared")
    assert got.status_code == 200 and got.content == b"\x00binary\xff"
    server.put("/api/v1/kv/cache/keys/from-rest", data=b"rest")
    assert r.get("from-rest") == b"rest"


def test_string_commands(rs):
    _, r = rs
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("nx-new", "1", nx=True) is True
    assert r.set("absent", "1", xx=True) is None
    assert r.set("k", "x", xx=True) is True
    assert r.set("k", "y", get=True) == b"x"
    assert r.setnx("k", "z") is False
    assert r.setnx("k2", "z") is True
    assert r.mset({"m1": "a", "m2": "b"}) is True
    assert r.mget("m1", "missing", "m2") == [b"a", None, b"b"]
    assert r.exists("m1", "m2", "missing") == 2
    assert r.getdel("m1") == b"a"
    assert r.get("m1") is None
    assert r.delete("m2", "missing") == 1
    assert r.unlink("k2") == 1
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decr("n") == 41
    assert r.decrby("n", 40) == 1
    assert r.append("s", "ab") == 2
    assert r.append("s", "cd") == 4
    assert r.strlen("s") == 4
    assert r.strlen("nothing") == 0
    assert r.type("s") == b"string"
    assert r.type("nothing") == b"none"
    assert r.echo("hi") == b"hi"
    assert r.ping() is True


def test_expiry_commands(rs):
    _, r = rs
    r.set("e", "v", ex=100)
    assert 95 <= r.ttl("e") <= 100
    assert r.pttl("e") > 90_000
    r.set("e", "w", keepttl=True)
    assert r.ttl("e") > 0
    assert r.persist("e") is True
    assert r.ttl("e") == -1
    assert r.ttl("missing") == -2
    assert r.expire("e", 100) is True
    assert r.pexpire("e", 50) is True
    time.sleep(0.2)
    assert r.get("e") is None
    r.set("p", "v", px=80)
    time.sleep(0.2)
    assert r.exists("p") == 0
    r.set("x", "v", exat=int(time.time()) + 100)
    assert r.ttl("x") > 90
    assert r.expire("missing", 10) is False


def test_scan_keys_dbsize(rs):
    _, r = rs
    for i in range(120):
        r.set(f"user:{i}", i)
    for i in range(5):
        r.set(f"job:{i}", i)
    assert sorted(r.scan_iter(match="user:*", count=17)) == sorted(f"user:{i}".encode() for i in range(120))
    assert len(list(r.scan_iter(count=7))) == 125
    assert sorted(r.keys("job:*")) == [f"job:{i}".encode() for i in range(5)]
    assert r.keys("user:1?") == sorted(f"user:{i}".encode() for i in range(10, 20))
    assert r.dbsize() == 125


def test_pipelining(rs):
    _, r = rs
    pipe = r.pipeline(transaction=False)
    for _ in range(1000):
        pipe.incr("counter")
    pipe.get("counter")
    results = pipe.execute()
    assert results[-1] == b"1000"
    assert results[:3] == [1, 2, 3]
    # A pipeline sent in one write over a raw socket: every reply comes back in order.
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$2\r\np%d\r\n$1\r\nv\r\n" % (i % 10) for i in range(100))
    out = raw(rs[0], b"*3\r\n$4\r\nAUTH\r\n$5\r\ncache\r\n$%d\r\n%s\r\n" % (len(rs[0].admin_token), rs[0].admin_token.encode())
              + payload + b"*1\r\n$4\r\nPING\r\n", read_until=b"+PONG\r\n")
    assert out.count(b"+OK\r\n") == 101 and out.endswith(b"+PONG\r\n")


def test_connection_commands(rs):
    server, r = rs
    assert r.client_setname("worker-1") is True
    assert r.client_getname() == "worker-1"
    assert isinstance(r.client_id(), int)
    assert "redis_version" in r.info()
    assert r.execute_command("SELECT", 0) in (True, b"OK")
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", 1)
    assert r.command_count() > 20
    assert "get" in r.command()
    assert redis_cli(server, "QUIT").returncode == 0


def test_errors_as_redis_gives_them(rs):
    server, r = rs
    with pytest.raises(redis.ResponseError, match="unknown command 'FLUSHALL'"):
        r.execute_command("FLUSHALL")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get' command"):
        r.execute_command("GET")
    r.set("word", "abc")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.incr("word")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SET", "a", "b", "BOGUS")
    with pytest.raises(redis.ResponseError, match="invalid expire time"):
        r.execute_command("SET", "a", "b", "EX", "0")
    r.set("max", str(2**63 - 1))
    with pytest.raises(redis.ResponseError, match="overflow"):
        r.incr("max")
    # Oversized keys and values: an error reply, and the connection keeps working.
    with pytest.raises(redis.ResponseError, match="limit"):
        r.set("k" * (32 * 1024 + 1), "v")
    with pytest.raises(redis.ResponseError, match="limit"):
        r.set("big", "v" * (256 * 1024 + 1))
    assert r.get("big") is None
    assert r.ping() is True


def test_auth_rules(rs):
    server, _ = rs
    # No AUTH: refused.
    out = raw(server, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
    assert out.startswith(b"-NOAUTH")
    bad = redis.Redis(host="127.0.0.1", port=server.resp_port, username="cache", password="strata_0000000000000000_x")
    with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS|[Ii]nvalid"):
        bad.ping()
    nons = redis.Redis(host="127.0.0.1", port=server.resp_port, username="no-such-ns", password=server.admin_token)
    with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS|[Ii]nvalid"):
        nons.ping()
    # A read-only token reads and cannot write.
    tok = server.post("/api/v1/tokens", json={"name": "ro", "read_only": True}).json()["token"]
    ro = redis.Redis(host="127.0.0.1", port=server.resp_port, username="cache", password=tok)
    assert ro.get("anything") is None
    with pytest.raises(redis.ResponseError, match="NOPERM|read-only"):
        ro.set("x", "y")
    # A revoked token is refused on the next AUTH.
    made = server.post("/api/v1/tokens", json={"name": "tmp"}).json()
    server.delete(f"/api/v1/tokens/{made['id']}")
    gone = redis.Redis(host="127.0.0.1", port=server.resp_port, username="cache", password=made["token"])
    with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS|[Ii]nvalid"):
        gone.ping()


def test_resp3_hello(rs):
    server, _ = rs
    tok = server.admin_token.encode()
    hello = b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$5\r\ncache\r\n$%d\r\n%s\r\n" % (len(tok), tok)
    out = raw(server, hello + b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n", read_until=b"_\r\n")
    assert out.startswith(b"%7\r\n"), out[:40]
    assert b"proto" in out and out.endswith(b"_\r\n")
    assert raw(server, b"HELLO 4\r\n").startswith(b"-NOPROTO")


def test_acknowledged_sets_survive_kill9(rs):
    server, r = rs
    for i in range(500):
        r.set(f"durable:{i}", i)
    r.close()
    server.kill9()
    server.start()
    r2 = redis.Redis(host="127.0.0.1", port=server.resp_port, username="cache", password=server.admin_token)
    assert r2.get("durable:0") == b"0"
    assert r2.get("durable:499") == b"499"
    assert r2.dbsize() == 500
