"""The SDK's one HTTP layer over ``http.client``.

* One keep-alive connection per thread and server (``threading.local``), reopened when it has
  been idle longer than the server keeps idle connections, so objects may be shared by threads.
* Bodies stream: a request body may be a file object (sent in 1 MiB blocks) or an iterator of
  bytes, and a response may be read incrementally (``stream=True``).
* Retries with exponential backoff on connection errors and 5xx answers, for idempotent calls
  only (the caller says which calls are: GET/PUT/DELETE by default, POST never unless told). A
  file body is rewound to where it started before a retry; a body that cannot be rewound is not
  retried.
* Error answers become exceptions from ``strata.errors`` carrying the server's JSON message.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import select
import ssl
import threading
import time
import urllib.parse
from typing import Any, BinaryIO, Dict, Iterable, Iterator, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

from .config import Config
from .errors import ServerError, StrataError, TransportError, error_for_status

BLOCK = 1 << 20  # socket write/read block for streamed bodies
IDLE_REOPEN_S = 50.0  # the server closes connections idle for 75 s; never reuse one that old
MAX_BACKOFF_S = 5.0

Body = Union[None, bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]]

_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


def quote(segment: str) -> str:
    """Percent-encodes one path segment (``/`` included)."""
    return urllib.parse.quote(segment, safe="")


class Response:
    """An answer whose body has not been read yet (``stream=True``) or has been (``.data``).

    A streamed response owns its connection until the body is read to the end or ``close()``
    is called; use it in ``with`` so an early exit does not leak the connection.
    """

    def __init__(self, client: "HttpClient", key: Tuple[str, str, int], conn: http.client.HTTPConnection,
                 resp: http.client.HTTPResponse, data: Optional[bytes] = None) -> None:
        self._client = client
        self._key = key
        self._conn: Optional[http.client.HTTPConnection] = conn
        self._resp = resp
        self.status: int = resp.status
        self.headers = resp.headers
        self.data = data
        if data is not None:
            self._release()

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """One response header (case-insensitive)."""
        return self.headers.get(name, default)

    def json(self) -> Any:
        """The body parsed as JSON (reads it first when streamed)."""
        if self.data is None:
            self.data = self.read()
        return json.loads(self.data.decode("utf-8")) if self.data else None

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes of the body (all of it when n < 0); b'' at the end."""
        if self.data is not None:
            d, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
            return d
        b = self._resp.read() if n < 0 else self._resp.read(n)
        if n < 0 or not b:
            self._release()
        return b

    def readinto(self, buf: Union[bytearray, memoryview]) -> int:
        """Fills buf from the body; 0 at the end."""
        n = self._resp.readinto(buf)
        if n == 0:
            self._release()
        return n

    def iter_content(self, block: int = BLOCK) -> Iterator[bytes]:
        """The body in blocks of at most ``block`` bytes."""
        while True:
            b = self.read(block)
            if not b:
                return
            yield b

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._resp.isclosed() and not self._resp.will_close:
            self._client._put_back(self._key, conn)
        else:
            conn.close()

    def close(self) -> None:
        """Ends the exchange; a body not read to the end closes the connection."""
        if self._conn is not None:
            if not self._resp.isclosed():
                self._conn.close()
                self._conn = None
            self._release()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class HttpClient:
    """Calls one Strata server with one token. Safe to share between threads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        parts = urlsplit(config.url)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._base_path = parts.path.rstrip("/")
        self._local = threading.local()

    # -- connections ---------------------------------------------------------------------------
    def _key(self) -> Tuple[str, str, int]:
        return (self._scheme, self._host, self._port)

    def _take(self, key: Tuple[str, str, int]) -> Tuple[http.client.HTTPConnection, bool]:
        pool: Dict[Tuple[str, str, int], Tuple[http.client.HTTPConnection, float]] = getattr(self._local, "pool", None) or {}
        self._local.pool = pool
        entry = pool.pop(key, None)
        if entry is not None:
            conn, last = entry
            if time.monotonic() - last < IDLE_REOPEN_S and not _dropped(conn):
                return conn, True
            conn.close()
        if self._scheme == "https":
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.config.timeout,
                                               context=ssl.create_default_context(), blocksize=BLOCK)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.config.timeout,
                                              blocksize=BLOCK)
        return conn, False

    def _put_back(self, key: Tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        old = pool.pop(key, None)
        if old is not None:
            old[0].close()
        pool[key] = (conn, time.monotonic())

    def close(self) -> None:
        """Closes this thread's idle connection."""
        pool = getattr(self._local, "pool", None) or {}
        for conn, _ in pool.values():
            conn.close()
        pool.clear()

    # -- requests ------------------------------------------------------------------------------
    def url_for(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        """The absolute URL of an API path."""
        return f"{self.config.url}{path}" + (("?" + _encode_query(query)) if query else "")

    def request(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None,
                body: Body = None, json_body: Any = None, headers: Optional[Mapping[str, str]] = None,
                content_length: Optional[int] = None, idempotent: Optional[bool] = None,
                stream: bool = False, auth: bool = True) -> Response:
        """Sends one request and returns the answer when its status is below 400.

        Args:
            method: GET, PUT, POST, DELETE, HEAD.
            path: the API path, already percent-encoded (``/api/v1/...``).
            query: query parameters (None values are left out).
            body: bytes, a binary file object (streamed from its current position) or an
                iterable of bytes (streamed; never retried).
            json_body: an object sent as JSON instead of ``body``.
            headers: extra request headers.
            content_length: the length of a file or iterable body (else taken from the file).
            idempotent: whether a failed attempt may be repeated (default: not POST).
            stream: return before reading the body (see Response).
            auth: send the bearer token.

        Raises:
            StrataError subclasses: an error answer (with the server's message) or no answer.
        """
        if idempotent is None:
            idempotent = method != "POST"
        hdrs: Dict[str, str] = {"User-Agent": "strata-python/0.1", "Accept": "application/json, */*"}
        if auth and self.config.token:
            hdrs["Authorization"] = f"Bearer {self.config.token}"
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        rewind_to: Optional[int] = None
        if isinstance(body, (bytes, bytearray, memoryview)):
            hdrs["Content-Length"] = str(len(body))
        elif body is not None and hasattr(body, "read"):
            rewind_to = _tell(body)
            if content_length is None:
                content_length = _remaining(body)
            if content_length is None:
                raise StrataError("a file body needs a known length (pass content_length)")
            hdrs["Content-Length"] = str(content_length)
            if rewind_to is None:
                idempotent = False
        elif body is not None:
            if content_length is None:
                raise StrataError("an iterable body needs content_length")
            hdrs["Content-Length"] = str(content_length)
            idempotent = False
        elif method in ("PUT", "POST"):
            hdrs["Content-Length"] = "0"
        if headers:
            hdrs.update(headers)
        target = self._base_path + path + (("?" + _encode_query(query)) if query else "")

        attempt = 0
        while True:
            if attempt and rewind_to is not None:
                body.seek(rewind_to)  # type: ignore[union-attr]
            key = self._key()
            conn, _reused = self._take(key)
            try:
                conn.request(method, target, body=body, headers=hdrs)
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                if idempotent and attempt < self.config.retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                raise TransportError(f"{method} {self.config.url}{path}: {type(e).__name__}: {e}") from e
            if resp.status < 400 and stream:
                return Response(self, key, conn, resp)
            try:
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                if idempotent and attempt < self.config.retries:
                    attempt += 1
                    self._sleep(attempt)
                    continue
                raise TransportError(f"{method} {self.config.url}{path}: reading the answer: {e}") from e
            answer = Response(self, key, conn, resp, data)
            if resp.status < 400:
                return answer
            err = _error_from(resp.status, resp.reason, resp.headers.get("Content-Type", ""), data)
            if isinstance(err, ServerError) and resp.status in _RETRYABLE_STATUS and idempotent \
                    and attempt < self.config.retries:
                attempt += 1
                self._sleep(attempt)
                continue
            raise err

    def _sleep(self, attempt: int) -> None:
        if attempt <= 0:
            return
        delay = min(self.config.backoff * (2 ** (attempt - 1)), MAX_BACKOFF_S)
        time.sleep(delay * (0.75 + random.random() * 0.5))

    # -- conveniences ----------------------------------------------------------------------------
    def get_json(self, path: str, query: Optional[Mapping[str, Any]] = None) -> Any:
        """GET and parse the JSON answer (retried)."""
        return self.request("GET", path, query=query).json()

    def post_json(self, path: str, obj: Any, *, idempotent: bool = False,
                  query: Optional[Mapping[str, Any]] = None) -> Any:
        """POST a JSON body and parse the JSON answer (retried only when ``idempotent``)."""
        return self.request("POST", path, json_body=obj, idempotent=idempotent, query=query).json()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """Whether the server closed an idle keep-alive connection (it is readable: EOF or junk).
    Checked before reuse so a restarted server does not fail a call that may not be retried."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        r, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(r)


def _encode_query(query: Mapping[str, Any]) -> str:
    items = []
    for k, v in query.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        items.append((k, str(v)))
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote)


def _tell(f: Any) -> Optional[int]:
    try:
        if hasattr(f, "seekable") and not f.seekable():
            return None
        return f.tell()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None


def _remaining(f: Any) -> Optional[int]:
    pos = _tell(f)
    if pos is None:
        return None
    try:
        return os.fstat(f.fileno()).st_size - pos
    except (OSError, AttributeError, io.UnsupportedOperation):
        pass
    try:
        end = f.seek(0, io.SEEK_END)
        f.seek(pos)
        return end - pos
    except (OSError, io.UnsupportedOperation):
        return None


def _error_from(status: int, reason: str, content_type: str, data: bytes) -> StrataError:
    message, code = "", None
    try:
        obj = json.loads(data.decode("utf-8"))
        err = obj.get("error") if isinstance(obj, dict) else None
        if isinstance(err, dict):
            message = str(err.get("message") or "")
            code = err.get("code")
        elif isinstance(err, str):
            message = err
    except (ValueError, UnicodeDecodeError):
        if data and "xml" not in content_type:
            message = data.decode("utf-8", "replace").strip()[:1000]
    return error_for_status(status, message or f"{status} {reason}", code)


def client_for(url: Optional[str] = None, token: Optional[str] = None, timeout: Optional[float] = None,
               retries: Optional[int] = None) -> HttpClient:
    """An HttpClient for the effective settings (see ``strata.config.resolve``)."""
    from .config import resolve
    return HttpClient(resolve(url, token, timeout=timeout, retries=retries))
