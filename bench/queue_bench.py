#!/usr/bin/python3
"""Strata's queue REST API vs Redis Streams, side by side in one run.

    STRATA_BIN=build/app/strata /usr/bin/python3 bench/queue_bench.py

Each side moves BENCH_MESSAGES (200,000) messages of BENCH_BODY bytes (1 KiB) through one queue
with BENCH_PRODUCERS (4) producers and BENCH_CONSUMERS (4) consumers: producers send in
batches of BENCH_BATCH (100), consumers receive up to BENCH_BATCH at a time and ack them in one
call. Strata: POST /messages (batch), POST /receive (long poll), POST /ack (batch). Redis
(appendonly yes, appendfsync everysec, as durable as Strata's default): BENCH_BATCH pipelined
XADDs, XREADGROUP ... COUNT BENCH_BATCH BLOCK, one XACK with every id received. The rate is
messages fully sent, received and acked per second, wall clock from the first send to the last
ack.

Not identical work: an acked Strata message is deleted, while XACK leaves the entry in the
stream (Redis would need XDEL too); Redis keeps everything in memory.

The load comes from bench/queue_bench_client.cc (threads of one C++ process, built here with
g++), so the client is not what is measured; BENCH_CLIENT=python uses the older Python
processes instead (requests / redis-py, far slower clients on both sides). Needs Debian's
redis-server, g++, python3-redis, python3-requests. Everything listens on 127.0.0.1 only.
"""

import multiprocessing as mp
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "200000"))
BODY_BYTES = int(os.environ.get("BENCH_BODY", "1024"))
PRODUCERS = int(os.environ.get("BENCH_PRODUCERS", "4"))
CONSUMERS = int(os.environ.get("BENCH_CONSUMERS", "4"))
BATCH = int(os.environ.get("BENCH_BATCH", "100"))
CLIENT = os.environ.get("BENCH_CLIENT", "cpp")
ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT", "600"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(i):
    # Printable, so JSON carries it as is (no base64); distinct per message.
    head = f"{i:012d}:"
    return head + "x" * (BODY_BYTES - len(head))


def split(total, parts, k):
    return total // parts + (1 if k < total % parts else 0)


# ---------------------------------------------------------------- Strata
def strata_producer(url, token, k, start_evt):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    n = split(MESSAGES, PRODUCERS, k)
    start_evt.wait()
    sent = 0
    while sent < n:
        m = min(BATCH, n - sent)
        r = s.post(f"{url}/api/v1/queues/bench/messages",
                   json={"messages": [{"body": body(k * MESSAGES + sent + j)} for j in range(m)]})
        r.raise_for_status()
        sent += m


def strata_consumer(url, token, done, start_evt):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    start_evt.wait()
    while True:
        with done.get_lock():
            if done.value >= MESSAGES:
                return
        r = s.post(f"{url}/api/v1/queues/bench/receive",
                   json={"max": BATCH, "wait_seconds": 1, "visibility_timeout_seconds": 300})
        r.raise_for_status()
        msgs = r.json()["messages"]
        if not msgs:
            continue
        a = s.post(f"{url}/api/v1/queues/bench/ack", json={"receipts": [m["receipt"] for m in msgs]})
        a.raise_for_status()
        acked = a.json()["acked"]
        with done.get_lock():
            done.value += acked


def start_strata(binary, work):
    data = work / "strata"
    data.mkdir()
    log = open(work / "strata.log", "wb")
    proc = subprocess.Popen([str(binary), "server", "--data", str(data), "--listen", "127.0.0.1:0"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", (work / "strata.log").read_text(errors="replace"))
        token_file = data / "admin-token"
        if m and token_file.exists() and token_file.read_text().strip():
            return proc, f"http://127.0.0.1:{m.group(1)}", token_file.read_text().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("strata did not start:\n" + (work / "strata.log").read_text(errors="replace"))


def bench_strata(url, token, client):
    r = requests.post(f"{url}/api/v1/queues", json={"name": "bench", "visibility_timeout_seconds": 300},
                      headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    if client:
        return run_client(client, "strata", int(url.rsplit(":", 1)[1]), token)
    return run_side(strata_producer, strata_consumer, (url, token))


# ---------------------------------------------------------------- Redis Streams
def redis_producer(port, k, start_evt):
    r = redis.Redis(host="127.0.0.1", port=port)
    n = split(MESSAGES, PRODUCERS, k)
    start_evt.wait()
    sent = 0
    while sent < n:
        m = min(BATCH, n - sent)
        p = r.pipeline(transaction=False)
        for j in range(m):
            p.xadd("bench", {"body": body(k * MESSAGES + sent + j)})
        p.execute()
        sent += m


def redis_consumer(port, done, start_evt):
    r = redis.Redis(host="127.0.0.1", port=port)
    name = f"c{os.getpid()}"
    start_evt.wait()
    while True:
        with done.get_lock():
            if done.value >= MESSAGES:
                return
        got = r.xreadgroup("g", name, {"bench": ">"}, count=BATCH, block=1000)
        if not got:
            continue
        ids = [mid for _, entries in got for mid, _ in entries]
        if not ids:
            continue
        acked = r.xack("bench", "g", *ids)
        with done.get_lock():
            done.value += acked


def bench_redis(port, client):
    r = redis.Redis(host="127.0.0.1", port=port)
    r.xgroup_create("bench", "g", id="$", mkstream=True)
    if client:
        return run_client(client, "redis", port, "-")
    return run_side(redis_producer, redis_consumer, (port,))


# ---------------------------------------------------------------- common
def build_client(work):
    exe = work / "queue_bench_client"
    src = ROOT / "bench" / "queue_bench_client.cc"
    subprocess.run(["g++", "-std=c++17", "-O2", "-pthread", "-o", str(exe), str(src)], check=True)
    return exe


def run_client(client, side, port, token):
    out = subprocess.run([str(client), side, str(port), token, str(MESSAGES), str(BODY_BYTES),
                          str(PRODUCERS), str(CONSUMERS), str(BATCH)],
                         capture_output=True, text=True, timeout=TIMEOUT_S)
    if out.returncode != 0:
        sys.exit(f"{side} run failed: {out.stderr.strip()}")
    elapsed, acked = out.stdout.split()
    if int(acked) < MESSAGES:
        sys.exit(f"{side} run failed: {acked}/{MESSAGES} acked")
    return MESSAGES / float(elapsed), float(elapsed)


def run_side(producer, consumer, args):
    done = mp.Value("q", 0)
    start_evt = mp.Event()
    procs = [mp.Process(target=producer, args=(*args, k, start_evt)) for k in range(PRODUCERS)]
    procs += [mp.Process(target=consumer, args=(*args, done, start_evt)) for _ in range(CONSUMERS)]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every process connect and wait at the start line
    t0 = time.monotonic()
    start_evt.set()
    deadline = t0 + TIMEOUT_S
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    elapsed = time.monotonic() - t0
    failed = [p for p in procs if p.exitcode != 0]
    for p in procs:
        if p.is_alive():
            p.kill()
    if failed or done.value < MESSAGES:
        sys.exit(f"run failed: {len(failed)} processes failed, {done.value}/{MESSAGES} acked")
    return MESSAGES / elapsed, elapsed


def main():
    binary = Path(os.environ.get("STRATA_BIN", ROOT / "build" / "app" / "strata"))
    if not binary.exists():
        sys.exit(f"no strata binary at {binary} (set STRATA_BIN)")
    if shutil.which("redis-server") is None:
        sys.exit("missing redis-server: apt-get install redis-server")
    work = Path(tempfile.mkdtemp(prefix="strata-queue-bench."))
    procs = []
    try:
        client = build_client(work) if CLIENT == "cpp" else None
        strata, url, token = start_strata(binary, work)
        procs.append(strata)
        port = free_port()
        (work / "redis").mkdir()
        rs = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir",
                               str(work / "redis"), "--appendonly", "yes", "--appendfsync", "everysec",
                               "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(rs)
        for _ in range(100):
            try:
                redis.Redis(host="127.0.0.1", port=port).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)

        print(f"{MESSAGES} messages of {BODY_BYTES} B, {PRODUCERS} producers, {CONSUMERS} consumers, "
              f"batches of {BATCH}, {CLIENT} client; load average {os.getloadavg()[0]:.2f}")
        s_rate, s_time = bench_strata(url, token, client)
        r_rate, r_time = bench_redis(port, client)
        print(f"{'system':<16} {'msgs/s':>10} {'seconds':>9}")
        print(f"{'strata queue':<16} {s_rate:>10.0f} {s_time:>9.2f}")
        print(f"{'redis streams':<16} {r_rate:>10.0f} {r_time:>9.2f}")
        print(f"ratio strata/redis: {s_rate / r_rate:.2f}x")
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
