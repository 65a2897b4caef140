"""Run in a subprocess by test_large.py: one SDK transfer, then its peak RSS as JSON on stdout.

usage: large_client.py fs-up LOCAL REMOTE | fs-down REMOTE LOCAL | obj-put BUCKET KEY LOCAL |
       obj-get BUCKET KEY            (prints the SHA-256 of what it read)
The server and token come from STRATA_URL / STRATA_TOKEN, as in any user's workload.
"""

import hashlib
import json
import resource
import sys


def main() -> None:
    op, args = sys.argv[1], sys.argv[2:]
    out = {}
    if op == "fs-up":
        from strata.fs import FileSystem
        FileSystem().upload(args[0], args[1])
    elif op == "fs-down":
        from strata.fs import FileSystem
        FileSystem().download(args[0], args[1])
    elif op == "obj-put":
        from strata.objectstore import ObjectStore
        ObjectStore(args[0]).put(args[1], args[2])
    elif op == "obj-get":
        from strata.objectstore import ObjectStore
        h = hashlib.sha256()
        with ObjectStore(args[0]).get(args[1]) as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
        out["sha256"] = h.hexdigest()
    else:
        raise SystemExit(f"unknown op {op}")
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
