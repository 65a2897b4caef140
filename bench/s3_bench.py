#!/usr/bin/python3
"""Strata's S3 endpoint vs nginx (WebDAV PUT + static GET), side by side in one run.

    STRATA_BIN=build/app/strata /usr/bin/python3 bench/s3_bench.py

For each object size (BENCH_SIZES_MIB, default "1,256") and client count (BENCH_CLIENTS,
default "1,16"): every client thread PUTs its objects, then GETs them back; throughput is the
bytes moved over the wall-clock time of the phase, in MiB/s. 1 MiB objects: BENCH_SMALL_OPS (64)
per client; larger ones: 1 per client.

Both sides get the same client, one keep-alive connection per client, the same payloads:
bodies are generated on the fly (never whole in client memory) from 1 MiB windows of a random
block, different for every object (so Strata's chunk deduplication does not help it).
BENCH_CLIENT picks the client: "c" (default) is bench/http_load.c, compiled with `cc` into the
temp dir (one thread per client, bodies sent straight from memory, GET bodies discarded);
"python" is Python threads with http.client and 1 MiB socket blocks, which caps both servers
at the same rate once they are fast (the GIL) and so hides differences between them. Strata requests are SigV4 presigned URLs made by
boto3 (`generate_presigned_url`, UNSIGNED-PAYLOAD), so the server does all of its S3 work
(signature check, MD5 + SHA-256 of every byte, chunk store, metadata commit) while the client
does not hash the body (botocore always SHA-256-hashes the payload over plain HTTP, which would
make the client the bottleneck). nginx: Debian's package, a temp config on 127.0.0.1 with
`dav_methods PUT`, `client_max_body_size 0`, serving a temp dir.

Prints MiB/s for both, the Strata/nginx ratio, and the Strata server's peak RSS (VmHWM).
Needs Debian packages nginx (or nginx-light), python3-boto3, and a C compiler for the default
client. Not run by the tests.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
SIZES_MIB = [int(x) for x in os.environ.get("BENCH_SIZES_MIB", "1,256").split(",")]
CLIENTS = [int(x) for x in os.environ.get("BENCH_CLIENTS", "1,16").split(",")]
SMALL_OPS = int(os.environ.get("BENCH_SMALL_OPS", "64"))
CLIENT = os.environ.get("BENCH_CLIENT", "c")
BLOCK = 1 << 20
MIB = 1 << 20

# One random block; object bytes are windows of it at an offset unique to the object, so no
# two objects share a 4 MiB chunk (and each 1 MiB block differs within an object).
BASE = os.urandom(8 * MIB)


class Body:
    """A file-like body of `size` bytes derived from (BASE, seed), read in blocks."""

    def __init__(self, size, seed):
        self.size, self.pos = size, 0
        self.seed = seed * 7919 + 1

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos, BLOCK)
        if n <= 0:
            return b""
        block_no = self.pos // BLOCK
        start = (self.seed * 4099 + block_no * 131) % (len(BASE) - BLOCK)
        within = self.pos % BLOCK
        n = min(n, BLOCK - within)
        self.pos += n
        return BASE[start + within:start + within + n]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on {port}")


# ---------------------------------------------------------------- servers
def start_strata(binary, work):
    data = work / "strata"
    data.mkdir()
    log_path = work / "strata.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(binary), "server", "--data", str(data), "--listen", "127.0.0.1:0",
                             "--s3-listen", "127.0.0.1:0"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        rest = re.search(r"(?<!s3 )listening on http://127\.0\.0\.1:(\d+)", text)
        s3 = re.search(r"s3 listening on http://127\.0\.0\.1:(\d+)", text)
        token_file = data / "admin-token"
        if rest and s3 and token_file.exists() and token_file.read_text().strip():
            url, token = f"http://127.0.0.1:{rest.group(1)}", token_file.read_text().strip()
            env = {**os.environ, "STRATA_URL": url, "STRATA_TOKEN": token, "HOME": str(work)}
            out = subprocess.run([str(binary), "token", "create", "--s3", "--name", "bench"], env=env,
                                 capture_output=True, text=True, check=True).stdout
            ak = re.search(r"(?i)access[ _-]?key[ _-]?id\s*[:=]\s*(\S+)", out).group(1)
            sk = re.search(r"(?i)secret(?:[ _-]?access)?[ _-]?key\s*[:=]\s*(\S+)", out).group(1)
            return proc, int(s3.group(1)), ak, sk
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("strata did not start:\n" + log_path.read_text(errors="replace"))


def start_nginx(work):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        sys.exit("nginx is not installed (apt-get install nginx-light)")
    root = work / "www"
    (root / "bench").mkdir(parents=True)
    port = free_port()
    conf = work / "nginx.conf"
    # Started as root, nginx workers would switch to an unprivileged user that cannot write
    # into the private temp dir; keep them as the invoking user.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {work}/nginx-body;
    client_body_buffer_size 1m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            root {root};
            dav_methods PUT;
            create_full_put_path on;
            client_max_body_size 0;
        }}
    }}
}}
""")
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(work)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(work / "nginx.out", "wb"))
    wait_port(port, proc, "nginx")
    return proc, port


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- transfers
def do_put(conn, path, size, seed):
    conn.putrequest("PUT", path, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(size))
    conn.putheader("Content-Type", "application/octet-stream")
    conn.endheaders()
    body = Body(size, seed)
    while True:
        piece = body.read(BLOCK)
        if not piece:
            break
        conn.send(piece)
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 201, 204):
        raise RuntimeError(f"PUT {path[:80]}: {r.status} {data[:300]!r}")


def do_get(conn, path, size, buf):
    conn.request("GET", path)
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError(f"GET {path[:80]}: {r.status} {r.read()[:300]!r}")
    got = 0
    view = memoryview(buf)
    while True:
        n = r.readinto(view)
        if not n:
            break
        got += n
    if got != size:
        raise RuntimeError(f"GET {path[:80]}: {got} of {size} bytes")


def build_c_client(work):
    exe = work / "http_load"
    subprocess.run(["cc", "-O2", "-pthread", "-o", str(exe), str(ROOT / "bench" / "http_load.c")],
                   check=True)
    return exe


def run_phase_c(exe, port, jobs, op, size):
    """The same as run_phase with bench/http_load.c as the client."""
    lines = "".join(f"{k} {seed} {path}\n" for k, job in enumerate(jobs) for path, seed in job)
    r = subprocess.run([str(exe), str(port), op, str(size)], input=lines, capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{op} failed: {r.stderr.strip()[:500]}")
    elapsed, total = r.stdout.split()
    return int(total) / MIB / float(elapsed)


def run_phase(port, jobs, op, size):
    """jobs[k] = list of (path, seed) for client k. Returns MiB/s."""
    if C_CLIENT is not None:
        return run_phase_c(C_CLIENT, port, jobs, op, size)
    errors = []
    barrier = threading.Barrier(len(jobs) + 1)

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=BLOCK)
        buf = bytearray(BLOCK)
        barrier.wait()
        try:
            for path, seed in jobs[k]:
                if op == "PUT":
                    do_put(conn, path, size, seed)
                else:
                    do_get(conn, path, size, buf)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    total = sum(len(j) for j in jobs) * size
    return total / MIB / elapsed


def presigned_paths(s3, method, bucket, keys, expires=3600):
    out = []
    for key in keys:
        url = s3.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
        parts = urlsplit(url)
        out.append(parts.path + "?" + parts.query)
    return out


C_CLIENT = None


def main():
    global C_CLIENT
    binary = Path(os.environ.get("STRATA_BIN", ROOT / "build" / "app" / "strata"))
    if not binary.exists():
        sys.exit(f"no strata binary at {binary} (set STRATA_BIN)")
    work = Path(tempfile.mkdtemp(prefix="s3-bench-"))
    strata = nginx = None
    try:
        strata, s3_port, ak, sk = start_strata(binary, work)
        nginx, nginx_port = start_nginx(work)
        if CLIENT == "c":
            C_CLIENT = build_c_client(work)
        elif CLIENT != "python":
            sys.exit("BENCH_CLIENT must be c or python")
        print(f"client: {CLIENT}; load average before: {os.getloadavg()[0]:.2f}", flush=True)
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_port}", region_name="us-east-1",
                          aws_access_key_id=ak, aws_secret_access_key=sk,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        rows = []
        run = 0
        for size_mib in SIZES_MIB:
            size = size_mib * MIB
            ops = SMALL_OPS if size_mib <= 1 else 1
            for n in CLIENTS:
                run += 1
                names = [[f"r{run}/c{k}/o{i}" for i in range(ops)] for k in range(n)]
                seeds = [[run * 1_000_000 + k * 1000 + i for i in range(ops)] for k in range(n)]
                res = {}
                for side in ("strata", "nginx"):
                    port = s3_port if side == "strata" else nginx_port
                    if side == "strata":
                        put_paths = [presigned_paths(s3, "put_object", "private", ks) for ks in names]
                        get_paths = [presigned_paths(s3, "get_object", "private", ks) for ks in names]
                    else:
                        put_paths = [[f"/bench/{k}" for k in ks] for ks in names]
                        get_paths = put_paths
                    put = run_phase(port, [list(zip(p, s)) for p, s in zip(put_paths, seeds)], "PUT", size)
                    get = run_phase(port, [list(zip(p, s)) for p, s in zip(get_paths, seeds)], "GET", size)
                    res[side] = (put, get)
                rows.append((size_mib, n, ops, res))
                s, g = res["strata"], res["nginx"]
                print(f"{size_mib:>4} MiB x{n:>2} clients x{ops:>3} ops | PUT strata {s[0]:8.1f} nginx {g[0]:8.1f} "
                      f"ratio {s[0] / g[0]:5.2f} | GET strata {s[1]:8.1f} nginx {g[1]:8.1f} ratio {s[1] / g[1]:5.2f}",
                      flush=True)
        hwm = vm_hwm_mib(strata.pid)
        print()
        print("| object | clients | PUT Strata MiB/s | PUT nginx MiB/s | PUT ratio | GET Strata MiB/s | GET nginx MiB/s | GET ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for size_mib, n, ops, res in rows:
            s, g = res["strata"], res["nginx"]
            print(f"| {size_mib} MiB | {n} | {s[0]:.1f} | {g[0]:.1f} | {s[0] / g[0]:.2f} | {s[1]:.1f} | {g[1]:.1f} | {s[1] / g[1]:.2f} |")
        print(f"\nStrata server peak RSS (VmHWM): {hwm:.0f} MiB; client {CLIENT}; "
              f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        for p in (strata, nginx):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
