"""Retries: idempotent calls survive connection errors, 5xx and a server restart; calls that
are not idempotent fail at once instead of risking a double effect; downloads resume."""

import threading
import time

import pytest

from sdk_helpers import sha256_file, unique, write_random
from faults import FaultProxy
from strata.errors import ServerError, TransportError
from strata.fs import FileSystem
from strata.kv import KV
from strata.objectstore import ObjectStore
from strata.queue import Queue


def test_idempotent_calls_retry_on_503_and_dropped_connections(server):
    kv = KV.create_kv(unique("rkv"))
    kv.put("k", "v")
    with FaultProxy(server.port, ["503", "drop", "503"]) as p:
        via = KV(kv.name, url=p.url, token=server.admin_token)
        assert via.get("k") == b"v"
        assert p.actions()[:4] == ["503", "drop", "503", "pass"]


def test_5xx_error_after_retries_carries_the_message(server):
    with FaultProxy(server.port, ["503"] * 10) as p:
        kv = KV("x", url=p.url, token=server.admin_token, retries=2)
        with pytest.raises(ServerError) as e:
            kv.get("k")
        assert e.value.status == 503 and "injected 503" in str(e.value)
        assert p.actions()[:3] == ["503", "503", "503"]


def test_non_idempotent_calls_are_not_retried(server):
    q = Queue(unique("rq"), create_if_not_exists=True)
    with FaultProxy(server.port, ["503", "drop"]) as p:
        via = Queue(q.name, url=p.url, token=server.admin_token)
        with pytest.raises(ServerError):
            via.send("once")
        with pytest.raises(TransportError):
            via.send("once")
        assert p.actions() == ["503", "drop"]
        via.send("once")
    assert q.length() == 1  # exactly one message: nothing was sent twice


def test_download_resumes_after_a_cut_connection(server, tmp_path):
    fs = FileSystem()
    src = write_random(tmp_path / "r.bin", 9 * 1024 * 1024)
    path = "/" + unique("resume") + ".bin"
    fs.upload(src, path)
    b = ObjectStore("private")
    key = unique("resume")
    b.put(key, src)
    with FaultProxy(server.port, ["pass", "cut"]) as p:   # stat passes, the content is cut
        out = tmp_path / "out.bin"
        FileSystem(url=p.url, token=server.admin_token).download(path, out)
        assert sha256_file(out) == sha256_file(src)
        assert p.actions()[:3] == ["pass", "cut", "pass"]
    with FaultProxy(server.port, ["cut"]) as p:
        with ObjectStore("private", url=p.url, token=server.admin_token).get(key) as f:
            assert f.read() == src.read_bytes()
        assert p.actions()[:2] == ["cut", "pass"]
    fs.rm(path)
    b.delete(key)


def test_upload_retries_chunk_puts(server, tmp_path):
    src = write_random(tmp_path / "u.bin", 6 * 1024 * 1024)
    path = "/" + unique("up") + ".bin"
    # begin passes, the first chunk PUT is dropped, then 503, then everything passes.
    with FaultProxy(server.port, ["pass", "pass", "drop", "503"]) as p:
        FileSystem(url=p.url, token=server.admin_token, parallel=1).upload(src, path)
    out = tmp_path / "o.bin"
    FileSystem().download(path, out)
    assert sha256_file(out) == sha256_file(src)


def test_server_restart_mid_way(own_server, tmp_path):
    """Idempotent calls ride through a restart (same port); a send fails fast instead."""
    kv = KV.create_kv("restart")
    kv.put("k", "before")
    fs = FileSystem()
    src = write_random(tmp_path / "s.bin", 5 * 1024 * 1024)
    fs.upload(src, "/s.bin")
    port = own_server.port
    own_server.stop()

    restarted = threading.Event()

    def restart():
        time.sleep(1.0)
        own_server.start(port=port)
        restarted.set()

    t = threading.Thread(target=restart)
    t.start()
    try:
        assert kv.get("k") == b"before"        # pooled connection is dead; retried until back
        assert restarted.is_set()
    finally:
        t.join()
    kv.put("k", "after")                       # reconnects transparently
    assert kv.get("k") == b"after"
    out = tmp_path / "back.bin"
    fs.download("/s.bin", out)
    assert sha256_file(out) == sha256_file(src)

    q = Queue("restart-q", create_if_not_exists=True)
    own_server.stop()
    with pytest.raises(ConnectionError):
        q.send("not retried")
    own_server.start(port=port)
    assert q.length() == 0


def test_object_put_from_a_file_is_rewound_and_retried(server, tmp_path):
    src = write_random(tmp_path / "p.bin", 3 * 1024 * 1024)
    key = unique("putretry")
    with FaultProxy(server.port, ["503", "drop"]) as p:
        with open(src, "rb") as fh:
            info = ObjectStore("private", url=p.url, token=server.admin_token).put(key, fh)
        assert p.actions()[:3] == ["503", "drop", "pass"]
    assert info.size == src.stat().st_size
    b = ObjectStore("private")
    assert b.get_bytes(key) == src.read_bytes()
    b.delete(key)


def test_pooled_connection_closed_by_a_restart_is_not_a_failure(own_server):
    """A send (never retried) after a restart must not fail on the dead keep-alive connection."""
    q = Queue("pooled", create_if_not_exists=True)
    assert q.length() == 0          # leaves a pooled connection to the old process
    port = own_server.port
    own_server.stop()
    own_server.start(port=port)
    q.send("after restart")
    assert q.length() == 1
