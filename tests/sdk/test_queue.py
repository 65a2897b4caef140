"""strata.queue against a real server: send/receive/ack, queue.Empty, block=False, waits."""

import queue
import threading
import time

import pytest

from sdk_helpers import unique
from strata.queue import MAX_MESSAGE_BYTES, Empty, Message, Queue


@pytest.fixture
def q(server):
    name = unique("q")
    qq = Queue(name, create_if_not_exists=True)
    yield qq
    try:
        Queue.delete_queue(name)
    except KeyError:
        pass


def test_create_list_delete(server):
    name = unique("jobs")
    q = Queue(name, create_if_not_exists=True)
    Queue(name, create_if_not_exists=True)  # idempotent
    assert name in Queue.list_queue()
    details = {d["name"]: d for d in Queue.list_queue_details()}
    assert details[name]["visibility_timeout_seconds"] == 30
    Queue.delete_queue(name)
    assert name not in Queue.list_queue()
    with pytest.raises(KeyError):
        Queue.delete_queue(name)
    with pytest.raises(KeyError):
        q.send("x")


def test_send_receive_is_fifo_and_deletes(q):
    q.send("one")
    q.send("two")
    q.send(b"\xff\xfe binary")
    assert q.length() == 3 and len(q) == 3
    assert q.receive() == "one"
    assert q.receive() == "two"
    assert q.receive() == b"\xff\xfe binary"
    assert q.length() == 0 and q.stats()["total"] == 0


def test_empty_queue_raises_queue_empty_or_returns_none(q):
    assert Empty is queue.Empty
    with pytest.raises(queue.Empty):
        q.receive()
    assert q.receive(block=False) is None
    with pytest.raises(queue.Empty):
        q.receive(visibility_timeout=5)
    assert q.receive(visibility_timeout=5, block=False) is None


def test_receive_with_visibility_timeout_and_ack(q):
    q.send("task")
    m = q.receive(visibility_timeout=30)
    assert isinstance(m, Message) and m.body == "task" and m.receipt and m.receive_count == 1
    assert q.stats() == {"visible": 0, "in_flight": 1, "total": 1}
    assert q.receive(block=False) is None  # hidden while in flight
    m.ack()
    assert q.stats()["total"] == 0
    with pytest.raises(KeyError):
        m.ack()  # stale receipt


def test_unacked_message_comes_back(q):
    q.send("retry me")
    m = q.receive(visibility_timeout=1)
    assert m.body == "retry me"
    again = q.receive(visibility_timeout=30, wait=5)
    assert again.body == "retry me" and again.receive_count == 2
    with pytest.raises(KeyError):
        m.ack()  # the old receipt is stale now
    again.ack()


def test_change_visibility_makes_it_visible_now(q):
    q.send("x")
    m = q.receive(visibility_timeout=60)
    m.change_visibility(0)
    assert q.receive() == "x"


def test_long_poll_wait_returns_when_a_message_arrives(q):
    threading.Timer(1.0, lambda: q.send("late")).start()
    t0 = time.monotonic()
    assert q.receive(wait=10) == "late"
    assert time.monotonic() - t0 < 8
    t0 = time.monotonic()
    with pytest.raises(queue.Empty):
        q.receive(wait=1)
    assert time.monotonic() - t0 >= 0.9


def test_batches(q):
    ids = q.send_batch([f"m{i}" for i in range(10)])
    assert len(ids) == 10
    msgs = q.receive_batch(max_messages=10, visibility_timeout=30)
    assert [m.body for m in msgs] == [f"m{i}" for i in range(10)]
    res = q.ack_batch([m.receipt for m in msgs] + ["bogus"])
    assert res["acked"] == 10 and len(res["failed"]) == 1


def test_message_limit_checked_before_sending():
    q = Queue("limits", url="http://127.0.0.1:1", token="t", retries=0)
    with pytest.raises(ValueError):
        q.send("x" * (MAX_MESSAGE_BYTES + 1))
    with pytest.raises(ValueError):
        q.send(b"x" * (MAX_MESSAGE_BYTES + 1))
    with pytest.raises(ValueError):
        q.send_batch([])
    with pytest.raises(ValueError):
        Queue("bad name!", url="http://127.0.0.1:1", token="t")


def test_missing_queue_is_key_error(server):
    q = Queue(unique("absent"))
    with pytest.raises(KeyError) as e:
        q.receive()
    assert e.value.message
