"""The shared file system (``/api/v1/fs``): upload, download and manage files.

>>> from strata.fs import FileSystem
>>> fs = FileSystem("default")
>>> fs.upload("ckpt/", "/models/ckpt", recursive=True)   # a directory tree
>>> fs.upload("a.bin", "/models/a.bin")                    # one file
>>> [e.name for e in fs.ls("/models")]
['a.bin', 'ckpt']
>>> fs.download("/models/ckpt", "restore/", recursive=True)

Uploads use the chunk protocol of ``docs/api.md``: each file is cut into 4 MiB chunks named by
their SHA-256; the server says which it lacks and only those are sent, so re-uploading an
unchanged or partly changed file sends little. Nothing is ever held whole in memory: a file is
read twice (hash, then send the missing chunks), at most a few chunks at a time. Each file
appears on the server atomically at commit. Downloads stream to a temporary file beside the
destination, resume with ``Range`` after a dropped connection, and are renamed into place.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import stat as _stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from ._http import HttpClient, client_for, quote
from .errors import (FileNotFoundError_, InvalidArgumentError, NotFoundError, StrataError,
                     TransportError)

CHUNK_SIZE = 4 * 1024 * 1024
SMALL_CHUNK = 1024 * 1024  # chunks below this travel in batches (POST /chunks)
BATCH_BODY_BYTES = 16 * 1024 * 1024
MAX_IDS_PER_BEGIN = 4096  # keeps the begin body well under the server's 1 MiB JSON limit
MAX_FILES_PER_COMMIT = 256
MAX_CHUNKS_PER_COMMIT = 16384
COPY_BLOCK = 1024 * 1024

LocalPath = Union[str, "os.PathLike[str]"]


@dataclass
class FileInfo:
    """Attributes of a file, directory or symlink (the server's ``fs::Attr``).

    Attributes:
        name: the last path component ('' for ``/``).
        path: the absolute remote path.
        type: ``"file"``, ``"dir"`` or ``"symlink"``.
        size, mode, mtime_ns, ctime_ns, atime_ns, ino, nlink, uid, gid, version: as on the server.
        target: a symlink's target, else None.
    """

    name: str
    path: str
    type: str
    size: int = 0
    mode: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    atime_ns: int = 0
    ino: int = 0
    nlink: int = 0
    uid: int = 0
    gid: int = 0
    version: int = 0
    target: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_dir(self) -> bool:
        """True for a directory."""
        return self.type == "dir"

    @property
    def is_file(self) -> bool:
        """True for a regular file."""
        return self.type == "file"

    @classmethod
    def from_json(cls, path: str, a: Dict[str, Any]) -> "FileInfo":
        """From an attributes object of the REST API."""
        return cls(name=a.get("name", path.rstrip("/").rsplit("/", 1)[-1]), path=path, type=a.get("type", ""),
                   size=int(a.get("size", 0)), mode=int(a.get("mode", 0)), mtime_ns=int(a.get("mtime_ns", 0)),
                   ctime_ns=int(a.get("ctime_ns", 0)), atime_ns=int(a.get("atime_ns", 0)),
                   ino=int(a.get("ino", 0)), nlink=int(a.get("nlink", 0)), uid=int(a.get("uid", 0)),
                   gid=int(a.get("gid", 0)), version=int(a.get("version", 0)), target=a.get("target"), raw=a)


@dataclass
class _Chunk:
    index: int
    id: str
    offset: int
    length: int


@dataclass
class _LocalFile:
    local: Path
    remote: str
    size: int = 0
    mode: int = 0o644
    mtime_ns: int = 0
    chunks: List[_Chunk] = field(default_factory=list)


def _join(base: str, name: str) -> str:
    return (base.rstrip("/") or "") + "/" + name


def _norm_remote(path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidArgumentError(f'remote paths are absolute ("/a/b"), not "{path}"')
    return path if path == "/" else path.rstrip("/")


class FileSystem:
    """One file system of the workspace. Thread-safe (each thread uses its own connection).

    Args:
        name: the file system (``default`` exists from the start).
        parallel: chunk transfers in flight at once during an upload (each holds one chunk).
        url, token, timeout, retries: per-object overrides of ``strata.config``.
    """

    def __init__(self, name: str = "default", *, parallel: int = 4, url: Optional[str] = None,
                 token: Optional[str] = None, timeout: Optional[float] = None,
                 retries: Optional[int] = None) -> None:
        self.name = name
        self.parallel = max(1, int(parallel))
        self._http: HttpClient = client_for(url, token, timeout, retries)
        self._base = f"/api/v1/fs/{quote(name)}"

    def __repr__(self) -> str:
        return f"FileSystem({self.name!r}, url={self._http.config.url!r})"

    def _call(self, method: str, route: str, **kw: Any) -> Any:
        """A request whose 404 becomes FileNotFoundError (also a KeyError)."""
        try:
            return self._http.request(method, self._base + route, **kw)
        except NotFoundError as e:
            raise FileNotFoundError_(e.message, e.status, e.code) from None

    # -- metadata ----------------------------------------------------------------------------
    @classmethod
    def list_filesystems(cls, **overrides: Any) -> List[str]:
        """The names of the workspace's file systems."""
        return [f["name"] for f in client_for(**overrides).get_json("/api/v1/fs").get("filesystems", [])]

    def stat(self, path: str) -> FileInfo:
        """Attributes of ``path``.

        Raises:
            FileNotFoundError (also KeyError): it does not exist.
        """
        path = _norm_remote(path)
        return FileInfo.from_json(path, self._call("GET", "/stat", query={"path": path}).json())

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        try:
            self.stat(path)
            return True
        except FileNotFoundError:
            return False

    def ls(self, path: str = "/") -> List[FileInfo]:
        """The entries of directory ``path`` in bytewise name order (a file lists itself)."""
        return list(self.iter_dir(path))

    def iter_dir(self, path: str = "/", page_size: int = 1000) -> Iterator[FileInfo]:
        """The entries of directory ``path``, fetched page by page."""
        path = _norm_remote(path)
        cursor = ""
        while True:
            page = self._call("GET", "/list", query={"path": path, "cursor": cursor or None,
                                                     "limit": page_size}).json()
            entries = page.get("entries", [])
            if (not cursor and len(entries) == 1 and entries[0].get("type") != "dir" and path != "/"
                    and entries[0].get("name") == path.rsplit("/", 1)[-1] and not self.stat(path).is_dir):
                # Listing a file returns that file (not a directory holding a same-named entry).
                yield FileInfo.from_json(path, entries[0])
                return
            for e in entries:
                yield FileInfo.from_json(_join(path, e["name"]), e)
            cursor = page.get("next_cursor", "")
            if not cursor:
                return

    def walk(self, path: str = "/") -> Iterator[FileInfo]:
        """Every entry below directory ``path``, depth first (directories before their contents)."""
        for e in self.iter_dir(path):
            yield e
            if e.is_dir:
                yield from self.walk(e.path)

    def mkdir(self, path: str, parents: bool = False, mode: int = 0o755) -> FileInfo:
        """Creates directory ``path`` (with missing parents when ``parents``; then an existing
        directory is fine).

        Raises:
            ConflictError: ``path`` exists (without ``parents``) or is a file.
            FileNotFoundError: a parent is missing (without ``parents``).
        """
        path = _norm_remote(path)
        return FileInfo.from_json(path, self._call("POST", "/mkdir", json_body={"path": path, "parents": parents,
                                                                                 "mode": mode},
                                                   idempotent=parents).json())

    def rm(self, path: str, recursive: bool = False) -> None:
        """Deletes a file, symlink or directory (a non-empty one only when ``recursive``).

        Raises:
            FileNotFoundError: ``path`` does not exist.
            ConflictError: a non-empty directory without ``recursive``.
        """
        path = _norm_remote(path)
        self._call("DELETE", "/files", query={"path": path, "recursive": recursive}, idempotent=False)

    def mv(self, src: str, dst: str, replace: bool = True) -> FileInfo:
        """Renames ``src`` to ``dst`` atomically (POSIX rules; ``replace=False`` refuses to
        replace an existing ``dst`` with ConflictError)."""
        src, dst = _norm_remote(src), _norm_remote(dst)
        return FileInfo.from_json(dst, self._call("POST", "/move", json_body={"from": src, "to": dst,
                                                                              "no_replace": not replace}).json())

    def usage(self, path: Optional[str] = None) -> Dict[str, int]:
        """``{"bytes", "files", "directories", "symlinks"}`` of the file system or of a subtree."""
        return self._call("GET", "/usage", query={"path": _norm_remote(path) if path else None}).json()

    def read_bytes(self, path: str) -> bytes:
        """A (small) file's whole content in memory; use ``download`` for large ones."""
        return self._call("GET", "/content", query={"path": _norm_remote(path)}).data or b""

    # -- upload --------------------------------------------------------------------------------
    def upload(self, local: LocalPath, remote: str, recursive: bool = True) -> List[FileInfo]:
        """Uploads a local file or directory tree; returns the attributes of the files written.

        A file goes to ``remote`` (or into it when ``remote`` is an existing directory or ends
        with ``/``). A directory's contents go below ``remote`` (created as needed), empty
        directories included; symlinks are followed.

        Raises:
            FileNotFoundError: ``local`` does not exist.
            ValueError: ``local`` is a directory and ``recursive`` is False.
            ConflictError: a file would replace a remote directory.
        """
        src = Path(local)
        if not src.exists():
            raise FileNotFoundError(f"no such local file or directory: {src}")
        dest = _norm_remote(remote) if remote != "/" else "/"
        if src.is_dir():
            if not recursive:
                raise InvalidArgumentError(f"{src} is a directory: pass recursive=True")
            files, dirs = self._scan(src, dest)
            for d in dirs:
                self.mkdir(d, parents=True)
            return self._upload_files(files)
        if remote.endswith("/") or self._is_dir(dest):
            dest = _join(dest, src.name)
        return self._upload_files([_LocalFile(src, dest)])

    def _is_dir(self, path: str) -> bool:
        try:
            return self.stat(path).is_dir
        except FileNotFoundError:
            return False

    @staticmethod
    def _scan(root: Path, dest: str) -> Tuple[List[_LocalFile], List[str]]:
        files: List[_LocalFile] = []
        dirs: List[str] = [dest] if dest != "/" else []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            rel = Path(dirpath).relative_to(root)
            base = dest if str(rel) == "." else _join(dest, rel.as_posix())
            dirnames.sort()
            for d in dirnames:
                dirs.append(_join(base, d))
            for f in sorted(filenames):
                p = Path(dirpath) / f
                if p.is_file():
                    files.append(_LocalFile(p, _join(base, f)))
        # Only leaves need a mkdir (commit creates parents), but the list is small either way.
        return files, dirs

    def _upload_files(self, files: List[_LocalFile]) -> List[FileInfo]:
        out: List[FileInfo] = []
        batch: List[_LocalFile] = []
        nchunks = 0
        for f in files:
            st = f.local.stat()
            f.size, f.mode, f.mtime_ns = st.st_size, _stat.S_IMODE(st.st_mode), st.st_mtime_ns
            n = (f.size + CHUNK_SIZE - 1) // CHUNK_SIZE
            if batch and (len(batch) >= MAX_FILES_PER_COMMIT or nchunks + n > MAX_CHUNKS_PER_COMMIT):
                out += self._upload_batch(batch)
                batch, nchunks = [], 0
            batch.append(f)
            nchunks += n
        if batch:
            out += self._upload_batch(batch)
        return out

    def _upload_batch(self, files: List[_LocalFile]) -> List[FileInfo]:
        """Hash, send missing chunks and commit one group of files under one upload id."""
        upload_id = ""
        pending: List[Tuple[_LocalFile, _Chunk]] = []

        def flush() -> None:
            nonlocal upload_id, pending
            if not pending and upload_id:
                return
            ids = list(dict.fromkeys(c.id for _, c in pending))
            body: Dict[str, Any] = {"chunks": ids}
            if upload_id:
                body["upload_id"] = upload_id
            # Beginning is safe to repeat: a second upload id's pins just expire.
            ans = self._call("POST", "/uploads", json_body=body, idempotent=True).json()
            upload_id = ans["upload_id"]
            missing = set(ans.get("missing", []))
            todo: Dict[str, Tuple[_LocalFile, _Chunk]] = {}
            for f, c in pending:
                if c.id in missing and c.id not in todo:
                    todo[c.id] = (f, c)
            self._send_chunks(upload_id, list(todo.values()))
            pending = []

        try:
            for f in files:
                for c in self._hash_file(f):
                    pending.append((f, c))
                    if len(pending) >= MAX_IDS_PER_BEGIN:
                        flush()
            flush()
            commit = {"files": [{"path": f.remote, "size": f.size, "mtime_ns": f.mtime_ns, "mode": f.mode,
                                 "chunks": [{"index": c.index, "id": c.id, "length": c.length} for c in f.chunks]}
                                for f in files], "parents": True}
            # Committing the same chunk maps twice leaves the same files: safe to retry.
            ans = self._call("POST", f"/uploads/{quote(upload_id)}/commit", json_body=commit, idempotent=True).json()
        finally:
            if upload_id:
                try:
                    self._http.request("DELETE", f"{self._base}/uploads/{quote(upload_id)}")
                except StrataError:
                    pass  # the pins expire on their own
        return [FileInfo.from_json(f.remote, a) for f, a in zip(files, ans.get("files", []))]

    @staticmethod
    def _hash_file(f: _LocalFile) -> Iterator[_Chunk]:
        """The file's chunks (SHA-256 of each 4 MiB piece), read once, one chunk in memory."""
        f.chunks = []
        with open(f.local, "rb") as fh:
            buf = bytearray(CHUNK_SIZE)
            view = memoryview(buf)
            offset = 0
            index = 0
            while offset < f.size:
                want = min(CHUNK_SIZE, f.size - offset)
                got = 0
                while got < want:
                    n = fh.readinto(view[got:want])
                    if not n:
                        raise StrataError(f"{f.local} shrank while being uploaded")
                    got += n
                c = _Chunk(index, hashlib.sha256(view[:got]).hexdigest(), offset, got)
                f.chunks.append(c)
                yield c
                offset += got
                index += 1

    def _send_chunks(self, upload_id: str, todo: List[Tuple[_LocalFile, _Chunk]]) -> None:
        if not todo:
            return
        small = [t for t in todo if t[1].length < SMALL_CHUNK]
        large = [t for t in todo if t[1].length >= SMALL_CHUNK]
        jobs: List[List[Tuple[_LocalFile, _Chunk]]] = [[t] for t in large]
        group: List[Tuple[_LocalFile, _Chunk]] = []
        size = 0
        for t in small:
            if group and size + t[1].length + 36 > BATCH_BODY_BYTES:
                jobs.append(group)
                group, size = [], 0
            group.append(t)
            size += t[1].length + 36
        if group:
            jobs.append(group)

        def run(job: List[Tuple[_LocalFile, _Chunk]]) -> None:
            if len(job) == 1 and job[0][1].length >= SMALL_CHUNK:
                f, c = job[0]
                data = _read_chunk(f, c)
                self._call("PUT", f"/chunks/{c.id}", query={"upload_id": upload_id}, body=data,
                           headers={"Content-Type": "application/octet-stream"})
                return
            parts = []
            for f, c in job:
                parts += [bytes.fromhex(c.id), c.length.to_bytes(4, "big"), _read_chunk(f, c)]
            body = b"".join(parts)
            # Storing verified chunks again is harmless: retried like a PUT.
            self._call("POST", "/chunks", query={"upload_id": upload_id}, body=body, idempotent=True,
                       headers={"Content-Type": "application/octet-stream"})

        if self.parallel == 1 or len(jobs) == 1:
            for j in jobs:
                run(j)
            return
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            # map() keeps at most `parallel` jobs running; results re-raise the first error.
            for _ in pool.map(run, jobs):
                pass

    # -- download ------------------------------------------------------------------------------
    def download(self, remote: str, local: LocalPath, recursive: bool = False) -> List[Path]:
        """Downloads a remote file, or a directory tree when ``recursive``; returns the local
        files written.

        A file goes to ``local`` (or into it when ``local`` is an existing directory or ends
        with ``/``); a directory's contents go below ``local``. Each file is streamed to a
        temporary file beside its destination and renamed into place when complete.

        Raises:
            FileNotFoundError (also KeyError): ``remote`` does not exist.
            ValueError: ``remote`` is a directory and ``recursive`` is False.
        """
        remote = _norm_remote(remote)
        info = self.stat(remote)
        dest = Path(local)
        if info.is_dir:
            if not recursive:
                raise InvalidArgumentError(f"{remote} is a directory: pass recursive=True")
            dest.mkdir(parents=True, exist_ok=True)
            written: List[Path] = []
            for e in self.walk(remote):
                rel = e.path[len(remote):].lstrip("/") if remote != "/" else e.path.lstrip("/")
                target = dest / rel
                if e.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                elif e.is_file:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self._download_file(e, target)
                    written.append(target)
            return written
        if str(local).endswith("/") or dest.is_dir():
            dest = dest / info.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._download_file(info, dest)
        return [dest]

    def _download_file(self, info: FileInfo, dest: Path) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=str(dest.parent))
        try:
            with os.fdopen(fd, "wb") as out:
                self.copy_to(info.path, out)
            os.chmod(tmp, (info.mode & 0o7777) or 0o644)
            if info.mtime_ns:
                os.utime(tmp, ns=(info.mtime_ns, info.mtime_ns))
            os.replace(tmp, dest)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def copy_to(self, remote: str, out: Any) -> int:
        """Streams a remote file's bytes into a binary file object; returns the byte count.

        A dropped connection is resumed with ``Range`` from the bytes already written (up to
        the configured retries); if the file changed meanwhile, the copy starts over.
        """
        remote = _norm_remote(remote)
        start = out.tell() if hasattr(out, "tell") else 0
        written = 0
        etag: Optional[str] = None
        failures = 0
        total: Optional[int] = None
        while True:
            headers = {"Range": f"bytes={written}-"} if written else {}
            # The request itself is retried by the HTTP layer; this loop resumes a body cut short.
            r = self._call("GET", "/content", query={"path": remote}, headers=headers, stream=True)
            try:
                with r:
                    tag = r.header("ETag")
                    if written and (r.status != 206 or tag != etag):
                        # Changed since the first bytes (or the range was ignored): start over.
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
                    raise TransportError(f"download of {remote} failed after {failures} attempts: {e}") from e
                self._http._sleep(failures)


def _read_chunk(f: _LocalFile, c: _Chunk) -> bytes:
    with open(f.local, "rb") as fh:
        data = os.pread(fh.fileno(), c.length, c.offset)
    if len(data) != c.length:
        raise StrataError(f"{f.local} changed while being uploaded (short read at {c.offset})")
    return data
