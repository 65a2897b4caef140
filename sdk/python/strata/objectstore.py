"""Object storage buckets (``/api/v1/object``), the same objects the S3 endpoint serves.

>>> from strata.objectstore import ObjectStore
>>> bucket = ObjectStore("private")                   # "public" and "private" always exist
>>> bucket.put("weights/a.bin", "local/a.bin")        # a path, a binary file object or bytes
>>> with bucket.get("weights/a.bin") as f:            # a rewound temporary file
...     header = f.read(16)
>>> bucket.get("weights/a.bin", return_url=True)      # presigned for 900 s (plain URL if public)
'http://127.0.0.1:9000/private/weights/a.bin?X-Amz-Algorithm=...'
>>> [o.key for o in bucket.list(prefix="weights/")]
['weights/a.bin']
>>> bucket.delete("weights/a.bin")
True

Bodies stream both ways: ``put`` sends a file in 1 MiB blocks and ``get`` writes the answer to a
temporary file (on disk, in ``tempfile.gettempdir()``), so objects of any size use a bounded
amount of memory. Temporary URLs are served by the S3 endpoint; a server started without
``--s3-listen`` answers ConflictError (code ``s3_not_enabled``).
"""

from __future__ import annotations

import http.client
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Dict, Iterator, List, Optional, Union

from ._http import HttpClient, _remaining, client_for, quote
from .errors import InvalidArgumentError, NotFoundError, TransportError

MAX_KEY_BYTES = 1024
DEFAULT_URL_EXPIRY_S = 900
MAX_URL_EXPIRY_S = 7 * 24 * 3600
COPY_BLOCK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]


@dataclass
class ObjectInfo:
    """One object of a listing or a ``head``.

    Attributes:
        key: the object key.
        size: its length in bytes.
        etag: as S3 computes it (MD5 hex, or ``md5-of-md5s-N`` for multipart), without quotes.
        modified_unix: last modification, Unix seconds.
        content_type: its Content-Type ('' when none was given).
    """

    key: str
    size: int
    etag: str = ""
    modified_unix: int = 0
    content_type: str = ""


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidArgumentError("an object key is a non-empty string")
    n = len(key.encode("utf-8"))
    if n > MAX_KEY_BYTES:
        raise InvalidArgumentError(f"object key is {n} bytes; the limit is {MAX_KEY_BYTES}")
    if "\0" in key:
        raise InvalidArgumentError("an object key may not contain NUL")
    return key


class ObjectStore:
    """One bucket. Thread-safe (each thread uses its own connection).

    Args:
        bucket: the bucket name (``public`` and ``private`` exist from the start).
        url, token, timeout, retries: per-object overrides of ``strata.config``.
    """

    def __init__(self, bucket: str, *, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None) -> None:
        if not isinstance(bucket, str) or not bucket:
            raise InvalidArgumentError("a bucket name is a non-empty string")
        self.bucket = bucket
        self._http: HttpClient = client_for(url, token, timeout, retries)
        self._base = f"/api/v1/object/{quote(bucket)}"

    def __repr__(self) -> str:
        return f"ObjectStore({self.bucket!r}, url={self._http.config.url!r})"

    def _obj(self, key: str) -> str:
        return f"{self._base}/objects/{quote(_check_key(key))}"

    # -- buckets -----------------------------------------------------------------------------
    @classmethod
    def list_buckets(cls, **overrides: Any) -> List[Dict[str, Any]]:
        """Every bucket of the workspace: ``[{"name", "public", "created_unix"}]``."""
        return list(client_for(**overrides).get_json("/api/v1/object").get("buckets", []))

    @classmethod
    def create_bucket(cls, name: str, public: bool = False, **overrides: Any) -> "ObjectStore":
        """Creates a bucket (readable anonymously when ``public``) and returns it.

        Raises:
            ConflictError: it exists.
            ValueError (InvalidArgumentError): a name S3 would refuse.
        """
        store = cls(name, **overrides)
        store._http.post_json("/api/v1/object", {"name": name, "public": bool(public)})
        return store

    @classmethod
    def delete_bucket(cls, name: str, **overrides: Any) -> None:
        """Deletes an empty bucket.

        Raises:
            KeyError (NotFoundError): no such bucket.
            ConflictError: it still holds objects.
        """
        client_for(**overrides).request("DELETE", f"/api/v1/object/{quote(name)}", idempotent=False)

    # -- objects -------------------------------------------------------------------------------
    def put(self, key: str, source: Source, content_type: Optional[str] = None) -> ObjectInfo:
        """Stores ``source`` under ``key``, replacing any object there, and returns it.

        ``source`` is a local path, a binary file object (sent from its current position to its
        end) or bytes. Files are streamed; a file object that cannot seek or tell its size is
        first spooled to a temporary file. Retried after connection errors and 5xx when the
        body can be rewound (putting the same bytes twice is harmless).

        Raises:
            ValueError: a key over 1024 bytes (nothing is sent).
            KeyError (NotFoundError): no such bucket.
            TooLargeError (a ValueError): over 5 GiB.
        """
        path = self._obj(key)
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if isinstance(source, (bytes, bytearray, memoryview)):
            ans = self._http.request("PUT", path, body=bytes(source), headers=headers)
        elif isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as f:
                ans = self._http.request("PUT", path, body=f, headers=headers)
        elif hasattr(source, "read"):
            ans = self._put_fileobj(path, source, headers)
        else:
            raise InvalidArgumentError(f"cannot upload a {type(source).__name__}: give a path, a file or bytes")
        j = ans.json()
        return ObjectInfo(key=j.get("key", key), size=int(j.get("size", 0)), etag=j.get("etag", ""),
                          content_type=headers["Content-Type"])

    def _put_fileobj(self, path: str, source: Any, headers: Dict[str, str]) -> Any:
        if _remaining(source) is not None:
            return self._http.request("PUT", path, body=source, headers=headers)
        # No size known (a pipe, a socket): spool to a temporary file first, bounded memory.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            while True:
                b = source.read(COPY_BLOCK)
                if not b:
                    break
                spool.write(b)
            length = spool.tell()
            spool.seek(0)
            return self._http.request("PUT", path, body=spool, headers=headers, content_length=length)

    def get(self, key: str, return_url: bool = False, expires: int = DEFAULT_URL_EXPIRY_S
            ) -> Union[IO[bytes], str]:
        """The object's bytes in a rewound temporary file, or with ``return_url`` its URL.

        The temporary file (``tempfile.NamedTemporaryFile``) is deleted when closed; use it
        in ``with``. The URL is presigned for ``expires`` seconds (1 s ... 7 days, default
        900) for a private object, or the plain URL of a public one.

        Raises:
            KeyError (NotFoundError): no such key (code ``no_such_key``) or bucket.
            ValueError: a key over 1024 bytes, a bad ``expires`` (nothing is sent).
        """
        if return_url:
            return self.url(key, expires)
        tmp = tempfile.NamedTemporaryFile(mode="w+b", prefix="strata-object-")
        try:
            self.download_to(key, tmp)
            tmp.seek(0)
            return tmp
        except BaseException:
            tmp.close()
            raise

    def url(self, key: str, expires: int = DEFAULT_URL_EXPIRY_S) -> str:
        """A URL anyone can GET the object with: presigned for ``expires`` seconds when private."""
        _check_key(key)
        if not 1 <= int(expires) <= MAX_URL_EXPIRY_S:
            raise InvalidArgumentError(f"expires must be 1...{MAX_URL_EXPIRY_S} seconds, not {expires}")
        return self._http.post_json(f"{self._base}/url", {"key": key, "expires_seconds": int(expires)},
                                    idempotent=True)["url"]

    def get_bytes(self, key: str) -> bytes:
        """A (small) object's bytes in memory; use ``get`` or ``download`` for large ones."""
        return self._http.request("GET", self._obj(key)).data or b""

    def download(self, key: str, path: Union[str, "os.PathLike[str]"]) -> int:
        """Streams the object to a local file (written beside it, renamed into place); returns its size."""
        dest = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=str(dest.parent))
        try:
            with os.fdopen(fd, "wb") as out:
                n = self.download_to(key, out)
            os.replace(tmp, dest)
            return n
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def download_to(self, key: str, out: BinaryIO) -> int:
        """Streams the object into a binary file object; resumes with Range after a dropped
        connection (starting over if the object changed). Returns the byte count."""
        path = self._obj(key)
        start = out.tell()
        written, etag, total, failures = 0, None, None, 0
        while True:
            headers = {"Range": f"bytes={written}-"} if written else {}
            r = self._http.request("GET", path, headers=headers, stream=True)
            try:
                with r:
                    tag = r.header("ETag")
                    if written and (r.status != 206 or tag != etag):
                        out.seek(start)
                        out.truncate()
                        written, etag, total = 0, None, None
                        continue
                    etag = tag
                    if r.status == 200:
                        total = int(r.header("Content-Length") or -1)
                    for block in r.iter_content(COPY_BLOCK):
                        out.write(block)
                        written += len(block)
                if total is not None and total >= 0 and written != total:
                    raise http.client.IncompleteRead(b"", total - written)
                return written
            except (ConnectionError, TimeoutError, http.client.HTTPException) as e:
                failures += 1
                if failures > self._http.config.retries:
                    raise TransportError(f"download of {self.bucket}/{key} failed after {failures} attempts: {e}") from e
                self._http._sleep(failures)

    def head(self, key: str) -> ObjectInfo:
        """The object's size, ETag and Content-Type without its bytes.

        Raises:
            KeyError (NotFoundError): no such key or bucket.
        """
        r = self._http.request("HEAD", self._obj(key))
        return ObjectInfo(key=key, size=int(r.header("Content-Length") or 0),
                          etag=(r.header("ETag") or "").strip('"'), content_type=r.header("Content-Type") or "")

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""
        try:
            self.head(key)
            return True
        except NotFoundError:
            return False

    def delete(self, key: str) -> bool:
        """Deletes ``key``; returns whether it existed (a missing key is not an error, as in S3)."""
        return bool(self._http.request("DELETE", self._obj(key)).json().get("deleted"))

    def list(self, prefix: str = "", delimiter: Optional[str] = None) -> List[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order (all pages)."""
        return list(self.iter(prefix, delimiter))

    def iter(self, prefix: str = "", delimiter: Optional[str] = None, page_size: int = 1000) -> Iterator[ObjectInfo]:
        """The objects under ``prefix``, fetched page by page. With a ``delimiter``, keys
        rolled up into common prefixes are skipped (see ``prefixes``)."""
        for page in self._pages(prefix, delimiter, page_size):
            for o in page.get("objects", []):
                yield ObjectInfo(key=o["key"], size=int(o.get("size", 0)), etag=o.get("etag", ""),
                                 modified_unix=int(o.get("modified_unix", 0)), content_type=o.get("content_type", ""))

    def prefixes(self, prefix: str = "", delimiter: str = "/") -> List[str]:
        """The common prefixes ("folders") directly below ``prefix``."""
        out: List[str] = []
        for page in self._pages(prefix, delimiter, 1000):
            out += page.get("common_prefixes", [])
        return out

    def _pages(self, prefix: str, delimiter: Optional[str], page_size: int) -> Iterator[Dict[str, Any]]:
        cursor = ""
        while True:
            page = self._http.get_json(self._base, {"prefix": prefix or None, "delimiter": delimiter or None,
                                                    "cursor": cursor or None, "limit": page_size})
            yield page
            cursor = page.get("next_cursor", "")
            if not cursor:
                return
