"""1 GiB through the file system and the object store, up and down, in a separate client
process whose peak RSS must stay bounded (nothing is ever held whole in memory)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sdk_helpers import sha256_file, unique, write_random

SIZE = 1 << 30
MAX_RSS_MIB = 128  # the SDK itself needs ~35 MiB; a whole 1 GiB file would be far over
HERE = Path(__file__).resolve().parent

pytestmark = [pytest.mark.large,
              pytest.mark.skipif(os.environ.get("STRATA_SDK_SKIP_LARGE") == "1",
                                 reason="STRATA_SDK_SKIP_LARGE=1")]


def run_client(server, *args) -> dict:
    r = subprocess.run([sys.executable, str(HERE / "large_client.py"), *map(str, args)], env=server.env(),
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stderr}"
    out = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"{args[0]}: client peak RSS {out['maxrss_mib']:.0f} MiB")
    assert out["maxrss_mib"] < MAX_RSS_MIB, f"{args[0]}: peak RSS {out['maxrss_mib']:.0f} MiB"
    return out


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = write_random(tmp_path_factory.mktemp("large") / "big.bin", SIZE)
    yield path, sha256_file(path)
    path.unlink()


def test_fs_1gib_up_and_down_bounded_memory(server, big_file, tmp_path):
    src, digest = big_file
    remote = "/" + unique("large") + ".bin"
    run_client(server, "fs-up", src, remote)
    from strata.fs import FileSystem
    fs = FileSystem()
    assert fs.stat(remote).size == SIZE
    out = tmp_path / "down.bin"
    run_client(server, "fs-down", remote, out)
    assert out.stat().st_size == SIZE and sha256_file(out) == digest
    out.unlink()
    fs.rm(remote)


def test_objectstore_1gib_put_and_get_bounded_memory(server, big_file):
    src, digest = big_file
    key = unique("large") + ".bin"
    run_client(server, "obj-put", "private", key, src)
    from strata.objectstore import ObjectStore
    b = ObjectStore("private")
    assert b.head(key).size == SIZE
    got = run_client(server, "obj-get", "private", key)
    assert got["sha256"] == digest
    b.delete(key)
