"""Helpers shared by the SDK tests (names, random files, digests)."""

import hashlib
import os
import time
from pathlib import Path


def unique(prefix: str) -> str:
    """A name no other test uses (tests share one server)."""
    return f"{prefix}-{os.getpid()}-{time.monotonic_ns() % 10**12}"


def write_random(path: Path, size: int) -> Path:
    """`size` random bytes (unique 4 MiB blocks, so nothing deduplicates)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 << 20)
            f.write(os.urandom(n))
            left -= n
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def tree_digest(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        for d in dirnames:
            out[str(rel / d)] = "dir"
        for f in filenames:
            out[str(rel / f)] = sha256_file(Path(dirpath) / f)
    return out
