"""Durable message queues (``/api/v1/queues``).

>>> from strata.queue import Queue
>>> q = Queue("jobs", create_if_not_exists=True)
>>> q.send("resize 1.png")
>>> q.receive()                    # receive-and-delete: the body, or queue.Empty
'resize 1.png'
>>> q.receive(block=False)         # None instead of raising when the queue is empty
>>> m = q.receive(visibility_timeout=60, wait=20)   # at-least-once: a Message to ack
>>> m.body; m.ack()

``receive()`` without ``visibility_timeout`` deletes the message as it hands it over (at most
once). With ``visibility_timeout`` the message is hidden for that many seconds and comes back
unless ``Message.ack()`` is called in time (at least once).
"""

from __future__ import annotations

import base64
import math
import queue as _stdqueue
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from ._http import HttpClient, client_for, quote
from .errors import InvalidArgumentError

Empty = _stdqueue.Empty  # ``from strata.queue import Empty`` is the stdlib ``queue.Empty``

MAX_MESSAGE_BYTES = 256 * 1024
MAX_WAIT_PER_CALL_S = 20
_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,128}")

Body = Union[str, bytes, bytearray, memoryview]


def _encode(body: Body) -> Dict[str, str]:
    if isinstance(body, str):
        n = len(body.encode("utf-8"))
        out = {"body": body}
    else:
        raw = bytes(body)
        n = len(raw)
        out = {"body_base64": base64.b64encode(raw).decode("ascii")}
    if n > MAX_MESSAGE_BYTES:
        raise InvalidArgumentError(f"message is {n} bytes; the limit is {MAX_MESSAGE_BYTES}")
    return out


def _decode(m: Dict[str, Any]) -> Body:
    if "body_base64" in m and m["body_base64"] is not None:
        return base64.b64decode(m["body_base64"])
    return m.get("body", "")


@dataclass
class Message:
    """A received message (from ``Queue.receive(visibility_timeout=...)``).

    Attributes:
        body: ``str``, or ``bytes`` when it was sent as bytes that are not valid UTF-8.
        id: the message id.
        receipt: the handle that acks it; valid until its visibility timeout ends.
        receive_count: how many times it has been received.
        sent_unix_ms: when it was sent.
    """

    body: Body
    id: str
    receipt: str
    receive_count: int = 1
    sent_unix_ms: int = 0
    _queue: Optional["Queue"] = field(default=None, repr=False, compare=False)

    def ack(self) -> None:
        """Deletes the message for good.

        Raises:
            KeyError (NotFoundError): the receipt is stale (its timeout ended and it was
                received again) or unknown.
        """
        assert self._queue is not None
        self._queue.ack(self.receipt)

    def change_visibility(self, seconds: int) -> None:
        """Hides the message for ``seconds`` more from now (0 makes it visible again)."""
        assert self._queue is not None
        self._queue._http.post_json(f"{self._queue._base}/visibility",
                                    {"receipt": self.receipt, "visibility_timeout_seconds": int(seconds)})


class Queue:
    """One queue. Thread-safe (each thread uses its own connection).

    Args:
        name: the queue (``[A-Za-z0-9._-]{1,128}``).
        create_if_not_exists: create it now (idempotent; existing settings are kept).
        visibility_timeout: the default for ``receive(visibility_timeout=...)`` when created here.
        url, token, timeout, retries: per-object overrides of ``strata.config``.
    """

    def __init__(self, name: str, create_if_not_exists: bool = False, *, visibility_timeout: int = 30,
                 max_receives: int = 0, dead_letter_queue: str = "", url: Optional[str] = None,
                 token: Optional[str] = None, timeout: Optional[float] = None,
                 retries: Optional[int] = None) -> None:
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise InvalidArgumentError(f'bad queue name "{name}": use 1-128 of [A-Za-z0-9._-]')
        self.name = name
        self._http: HttpClient = client_for(url, token, timeout, retries)
        self._base = f"/api/v1/queues/{quote(name)}"
        if create_if_not_exists:
            # Creation is idempotent on the server, so it may be retried.
            self._http.post_json("/api/v1/queues", {"name": name, "visibility_timeout_seconds": visibility_timeout,
                                                     "max_receives": max_receives,
                                                     "dead_letter_queue": dead_letter_queue}, idempotent=True)

    def __repr__(self) -> str:
        return f"Queue({self.name!r}, url={self._http.config.url!r})"

    # -- queues --------------------------------------------------------------------------------
    @classmethod
    def list_queue(cls, **overrides: Any) -> List[str]:
        """The names of every queue of the workspace."""
        return [q["name"] for q in client_for(**overrides).get_json("/api/v1/queues").get("queues", [])]

    @classmethod
    def list_queue_details(cls, **overrides: Any) -> List[Dict[str, Any]]:
        """Every queue with its settings (``visibility_timeout_seconds``, ``max_receives``, ...)."""
        return list(client_for(**overrides).get_json("/api/v1/queues").get("queues", []))

    @classmethod
    def delete_queue(cls, name: str, **overrides: Any) -> None:
        """Deletes the queue and its messages.

        Raises:
            KeyError (NotFoundError): no such queue.
        """
        client_for(**overrides).request("DELETE", f"/api/v1/queues/{quote(name)}")

    # -- messages ------------------------------------------------------------------------------
    def send(self, body: Body) -> str:
        """Sends one message (``str``, or ``bytes`` sent as base64); returns its id once durable.

        Not retried (a retry could send it twice).

        Raises:
            ValueError: over 256 KiB (nothing is sent).
            KeyError (NotFoundError): no such queue.
        """
        return self._http.post_json(f"{self._base}/messages", _encode(body))["ids"][0]

    def send_batch(self, bodies: List[Body]) -> List[str]:
        """Sends up to 100 messages in one durable step; returns their ids in order."""
        if not 1 <= len(bodies) <= 100:
            raise InvalidArgumentError(f"a batch holds 1...100 messages, not {len(bodies)}")
        msgs = [_encode(b) for b in bodies]
        return list(self._http.post_json(f"{self._base}/messages", {"messages": msgs})["ids"])

    def receive(self, visibility_timeout: Optional[int] = None, wait: float = 0, block: bool = True
                ) -> Union[Body, Message, None]:
        """Takes the next message.

        Without ``visibility_timeout``: receive-and-delete; returns the body.
        With it: the message is hidden for that many seconds and returned as a ``Message``
        to ``ack()``.

        Args:
            visibility_timeout: seconds to hide the message (at-least-once delivery).
            wait: seconds to long-poll for a message when the queue is empty (any length:
                polls of at most 20 s are repeated).
            block: when nothing arrives: True raises ``queue.Empty``, False returns None.

        Raises:
            queue.Empty: nothing arrived within ``wait`` seconds (when ``block``).
            KeyError (NotFoundError): no such queue.
        """
        msgs = self._receive(1, visibility_timeout, wait)
        if msgs:
            return msgs[0]
        if block:
            raise Empty(f"queue {self.name} is empty")
        return None

    def receive_batch(self, max_messages: int = 10, visibility_timeout: int = 30,
                      wait: float = 0) -> List[Message]:
        """Up to ``max_messages`` (1...100) messages, each to ``ack()``; [] when none arrived."""
        if not 1 <= max_messages <= 100:
            raise InvalidArgumentError(f"max_messages must be 1...100, not {max_messages}")
        return self._receive(max_messages, visibility_timeout, wait)  # type: ignore[return-value]

    def _receive(self, max_messages: int, visibility_timeout: Optional[int], wait: float) -> List[Any]:
        deadline = time.monotonic() + max(0.0, float(wait))
        while True:
            left = deadline - time.monotonic()
            poll = min(MAX_WAIT_PER_CALL_S, math.ceil(left)) if left > 0.01 else 0
            if visibility_timeout is None:
                got = self._http.post_json(f"{self._base}/pop", {"wait_seconds": poll}).get("message")
                if got is not None:
                    return [_decode(got)]
            else:
                got = self._http.post_json(f"{self._base}/receive",
                                           {"max": max_messages, "visibility_timeout_seconds": int(visibility_timeout),
                                            "wait_seconds": poll}).get("messages", [])
                if got:
                    return [Message(body=_decode(m), id=m.get("id", ""), receipt=m["receipt"],
                                    receive_count=int(m.get("receive_count", 1)),
                                    sent_unix_ms=int(m.get("sent_unix_ms", 0)), _queue=self) for m in got]
            if deadline - time.monotonic() <= 0.01:
                return []

    def ack(self, receipt: str) -> None:
        """Deletes a received message by its receipt (see ``Message.ack``)."""
        self._http.request("DELETE", f"{self._base}/messages/{quote(receipt)}", idempotent=False)

    def ack_batch(self, receipts: List[str]) -> Dict[str, Any]:
        """Acks up to 100 receipts in one step: ``{"acked": N, "failed": [{"receipt","error"}]}``."""
        return self._http.post_json(f"{self._base}/ack", {"receipts": list(receipts)})

    def length(self) -> int:
        """How many messages are waiting (visible now); see ``stats()`` for in-flight ones."""
        return int(self.stats()["visible"])

    def stats(self) -> Dict[str, int]:
        """``{"visible": N, "in_flight": N, "total": N}``."""
        return self._http.get_json(f"{self._base}/length")

    def __len__(self) -> int:
        return self.length()
