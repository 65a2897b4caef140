#!/usr/bin/python3
"""File-system transfer benchmark: Strata CLI vs an rsync daemon vs cp, side by side in one run.

All three move the same data on this machine over loopback (127.0.0.1 only):
  strata  `strata storage upload|download` against a `strata server` started here
  rsync   `rsync -a` to/from an `rsync --daemon` started here (module on a temp dir)
  cp      `cp` to/from a local directory: the limit of what the disk and page cache allow

Workloads (each: first upload, download, re-upload after changing 1% of the data):
  big     one file of BENCH_BIG_MB MiB (default 4096); 1% = one contiguous region in the middle
  small   BENCH_SMALL_COUNT files (default 20000) of BENCH_SMALL_KB KiB (default 16) in 100
          directories; 1% = that many files rewritten

Also reports the server's peak RSS (VmHWM) while the big file streams in and out, against the
256 MiB budget.

Environment: STRATA_BIN (default ./build/app/strata), BENCH_DIR (default a new dir under /tmp;
needs about 6x BENCH_BIG_MB of free disk), BENCH_KEEP=1 keeps it, BENCH_VERIFY=0 skips the
content checks, BENCH_ONLY=big|small runs one workload, BENCH_JSON=FILE also writes results.
BENCH_DURABLE_PEERS=0 drops the reference row that times the big upload's peers with an fsync
(rsync --fsync, cp + sync): Strata answers an upload only once it is on disk, the plain peers
leave it in the page cache.
Not run by the test command (scripts/test.sh).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20
RSS_BUDGET_MIB = 256


def env_int(name, default):
    return int(os.environ.get(name, default))


BIG_MB = env_int("BENCH_BIG_MB", 4096)
SMALL_COUNT = env_int("BENCH_SMALL_COUNT", 20000)
SMALL_KB = env_int("BENCH_SMALL_KB", 16)
VERIFY = os.environ.get("BENCH_VERIFY", "1") != "0"
ONLY = os.environ.get("BENCH_ONLY", "")
DURABLE_PEERS = os.environ.get("BENCH_DURABLE_PEERS", "1") != "0"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, cwd=None):
    """Runs cmd; returns elapsed seconds. Any failure aborts the benchmark with its output."""
    t0 = time.monotonic()
    r = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(f"bench: `{' '.join(map(str, cmd))}` failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return dt


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random(path: Path, size: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MiB)
            f.write(os.urandom(n))
            left -= n


def same_tree(a: Path, b: Path):
    r = subprocess.run(["diff", "-rq", str(a), str(b)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"bench: {a} and {b} differ:\n{r.stdout[:2000]}{r.stderr[:2000]}")


def same_file(a: Path, b: Path):
    if subprocess.run(["cmp", "-s", str(a), str(b)]).returncode != 0:
        raise SystemExit(f"bench: {a} and {b} differ")


# -- the peers ------------------------------------------------------------------------------
class StrataServer:
    def __init__(self, binary: Path, work: Path):
        self.binary = binary
        self.data = work / "strata-data"
        self.log_path = work / "strata-server.log"
        self.proc = None

    def start(self):
        self.data.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(
                [str(self.binary), "server", "--data", str(self.data), "--listen", "127.0.0.1:0"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", self.log_path.read_text(errors="replace"))
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: strata server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        self.token = (self.data / "admin-token").read_text().strip()
        self.env = {**os.environ, "STRATA_URL": self.url, "STRATA_TOKEN": self.token}

    def cli(self, *args):
        return run([self.binary, "storage", *args], env=self.env)

    def hwm_mib(self):
        """Peak resident set size (VmHWM) since start or the last reset_hwm(), in MiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def reset_hwm(self):
        """Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); False if not allowed."""
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class RsyncDaemon:
    """`rsync --daemon --no-detach` on 127.0.0.1 with one writable module `bench`."""

    def __init__(self, work: Path):
        self.work = work
        self.module_dir = work / "rsync-module"
        self.proc = None

    def start(self):
        self.module_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = self.work / "rsyncd.conf"
        user = "root" if os.geteuid() == 0 else str(os.getuid())
        group = "root" if os.geteuid() == 0 else str(os.getgid())
        conf.write_text(
            f"address = 127.0.0.1\nport = {self.port}\nuse chroot = no\n"
            f"pid file = {self.work}/rsyncd.pid\nlog file = {self.work}/rsyncd.log\n"
            f"uid = {user}\ngid = {group}\n"
            f"[bench]\n  path = {self.module_dir}\n  read only = false\n  list = yes\n")
        self.proc = subprocess.Popen(["rsync", "--daemon", "--no-detach", f"--config={conf}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench: rsync daemon did not start (see {self.work}/rsyncd.log)")
                time.sleep(0.05)
        self.url = f"rsync://127.0.0.1:{self.port}/bench"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# -- workloads ------------------------------------------------------------------------------
def bump_mtime(path: Path, st):
    """Moves mtime 2 s past the old one, so size+mtime checks (rsync's) see the change even when
    it happens within the same second as the previous copy."""
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def change_big(path: Path):
    """Overwrites 1% of the file, one region in the middle (the kind of edit a fine-tune makes)."""
    st = path.stat()
    size = st.st_size
    n = max(1, size // 100)
    with open(path, "r+b") as f:
        f.seek(size // 2 - n // 2)
        left = n
        while left:
            k = min(left, 4 * MiB)
            f.write(os.urandom(k))
            left -= k
    bump_mtime(path, st)


def change_small(root: Path, count: int):
    files = sorted(p for p in root.rglob("*") if p.is_file())
    step = max(1, len(files) // max(1, count))
    changed = 0
    for p in files[::step][:count]:
        st = p.stat()
        p.write_bytes(os.urandom(st.st_size))
        bump_mtime(p, st)
        changed += 1
    return changed


def bench_big(work, strata, rsyncd, results, rss):
    src = work / "src-big"
    big = src / "big.bin"
    log(f"big: writing {BIG_MB} MiB of random data")
    write_random(big, BIG_MB * MiB)
    cp_dir = work / "cp-big"
    cp_dir.mkdir()
    back = {k: work / f"back-big-{k}" for k in ("strata", "rsync", "cp")}
    for d in back.values():
        d.mkdir()

    log("big: upload")
    hwm_reset = strata.reset_hwm()
    t_s = strata.cli("upload", big, "/bench/big.bin")
    rss["big upload"] = strata.hwm_mib()
    t_r = run(["rsync", "-a", big, f"{rsyncd.url}/big.bin"])
    t_c = run(["cp", "-a", big, cp_dir / "big.bin"])
    results.append(("big", f"upload {BIG_MB} MiB", t_s, t_r, t_c, BIG_MB))
    if DURABLE_PEERS:
        # The same upload with the peers made to keep Strata's promise (the file on disk, not
        # only in the page cache, when the command returns): rsync --fsync on the daemon's
        # side, cp followed by an fsync of the copy. A reference row; the goal is the row above.
        (rsyncd.module_dir / "big.bin").unlink()
        (cp_dir / "big.bin").unlink()
        t_r = run(["rsync", "-a", "--fsync", big, f"{rsyncd.url}/big.bin"])
        t_c = run(["sh", "-c", 'cp -a "$1" "$2" && sync "$2"', "cp", big, cp_dir / "big.bin"])
        results.append(("big", "  same, peers fsync", t_s, t_r, t_c, BIG_MB))

    log("big: download")
    if hwm_reset:
        strata.reset_hwm()
    t_s = strata.cli("download", "/bench/big.bin", back["strata"] / "big.bin")
    rss["big download"] = strata.hwm_mib()
    t_r = run(["rsync", "-a", f"{rsyncd.url}/big.bin", back["rsync"] / "big.bin"])
    t_c = run(["cp", "-a", cp_dir / "big.bin", back["cp"] / "big.bin"])
    results.append(("big", "download", t_s, t_r, t_c, BIG_MB))
    if VERIFY:
        for d in back.values():
            same_file(big, d / "big.bin")
    for d in back.values():
        shutil.rmtree(d)

    log("big: re-upload after changing 1%")
    change_big(big)
    t_s = strata.cli("upload", big, "/bench/big.bin")
    t_r = run(["rsync", "-a", big, f"{rsyncd.url}/big.bin"])
    t_c = run(["cp", "-a", big, cp_dir / "big.bin"])
    results.append(("big", "re-upload, 1% changed", t_s, t_r, t_c, BIG_MB / 100))
    if VERIFY:
        check = work / "check-big.bin"
        strata.cli("download", "/bench/big.bin", check)
        same_file(big, check)
        same_file(big, rsyncd.module_dir / "big.bin")
        check.unlink()
    for p in (src, cp_dir):
        shutil.rmtree(p)
    (rsyncd.module_dir / "big.bin").unlink()
    if not hwm_reset:
        rss["note"] = "VmHWM could not be reset: values include everything since server start"


def bench_small(work, strata, rsyncd, results):
    src = work / "src-small"
    log(f"small: writing {SMALL_COUNT} files of {SMALL_KB} KiB")
    per_dir = max(1, (SMALL_COUNT + 99) // 100)
    for i in range(SMALL_COUNT):
        p = src / f"d{i // per_dir:03d}" / f"f{i:06d}.bin"
        if i % per_dir == 0:
            p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "wb") as f:
            f.write(os.urandom(SMALL_KB * 1024))
    mb = SMALL_COUNT * SMALL_KB / 1024
    cp_dir = work / "cp-small"
    back = {k: work / f"back-small-{k}" for k in ("strata", "rsync", "cp")}
    label = f"{SMALL_COUNT} x {SMALL_KB} KiB"

    log("small: upload")
    t_s = strata.cli("upload", "-r", src, "/bench/small")
    t_r = run(["rsync", "-a", f"{src}/", f"{rsyncd.url}/small/"])
    t_c = run(["cp", "-a", src, cp_dir])
    results.append(("small", f"upload {label}", t_s, t_r, t_c, mb))

    log("small: download")
    t_s = strata.cli("download", "-r", "/bench/small", back["strata"])
    t_r = run(["rsync", "-a", f"{rsyncd.url}/small/", f"{back['rsync']}/"])
    t_c = run(["cp", "-a", cp_dir, back["cp"]])
    results.append(("small", "download", t_s, t_r, t_c, mb))
    if VERIFY:
        for d in back.values():
            same_tree(src, d)
    for d in back.values():
        shutil.rmtree(d)

    log("small: re-upload after changing 1% of the files")
    changed = change_small(src, max(1, SMALL_COUNT // 100))
    t_s = strata.cli("upload", "-r", src, "/bench/small")
    t_r = run(["rsync", "-a", f"{src}/", f"{rsyncd.url}/small/"])
    # cp's fair equivalent of "send what changed": --update copies only newer files.
    t_c = run(["cp", "-a", "--update", f"{src}/.", cp_dir])
    results.append(("small", f"re-upload, {changed} changed", t_s, t_r, t_c, mb * changed / SMALL_COUNT))
    if VERIFY:
        check = work / "check-small"
        strata.cli("download", "-r", "/bench/small", check)
        same_tree(src, check)
        same_tree(src, rsyncd.module_dir / "small")
        same_tree(src, cp_dir)
        shutil.rmtree(check)
    for p in (src, cp_dir, rsyncd.module_dir / "small"):
        shutil.rmtree(p)


def ratio(a, b):
    return f"{a / b:6.2f}x" if b > 0 else "   n/a"


def print_table(results, rss):
    print()
    print(f"Strata fs transfer benchmark (loopback, {os.cpu_count()} cores); ratios > 1 mean Strata is faster")
    head = (f"{'workload':<8} {'phase':<28} {'strata s':>9} {'MiB/s':>8} {'rsync s':>9} {'cp s':>9} "
            f"{'rsync/strata':>13} {'cp/strata':>10}")
    print(head)
    print("-" * len(head))
    for wl, phase, t_s, t_r, t_c, mb in results:
        print(f"{wl:<8} {phase:<28} {t_s:9.2f} {mb / t_s if t_s else 0:8.1f} {t_r:9.2f} {t_c:9.2f} "
              f"{ratio(t_r, t_s):>13} {ratio(t_c, t_s):>10}")
    if rss:
        print()
        for k, v in rss.items():
            if k == "note":
                print(f"note: {v}")
                continue
            verdict = "within" if v <= RSS_BUDGET_MIB else "OVER"
            print(f"server peak RSS (VmHWM) during {k}: {v:7.1f} MiB ({verdict} the {RSS_BUDGET_MIB} MiB budget)")


def main():
    binary = Path(os.environ.get("STRATA_BIN", ROOT / "build" / "app" / "strata"))
    if not binary.is_file():
        raise SystemExit(f"bench: no strata binary at {binary}: run scripts/build.sh or set STRATA_BIN")
    if shutil.which("rsync") is None:
        raise SystemExit("bench: rsync is not installed (scripts/install-deps.sh)")
    base = os.environ.get("BENCH_DIR")
    work = Path(base) if base else Path(tempfile.mkdtemp(prefix="strata-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    need = 6 * BIG_MB * MiB if ONLY != "small" else 4 * SMALL_COUNT * SMALL_KB * 1024
    free = shutil.disk_usage(work).free
    if free < need:
        raise SystemExit(f"bench: {work} has {free // MiB} MiB free, needs about {need // MiB} MiB")
    strata, rsyncd = StrataServer(binary, work), RsyncDaemon(work)
    results, rss = [], {}
    try:
        strata.start()
        rsyncd.start()
        log(f"strata at {strata.url}, rsync daemon at {rsyncd.url}, work dir {work}")
        if ONLY in ("", "big"):
            bench_big(work, strata, rsyncd, results, rss)
        if ONLY in ("", "small"):
            reset = strata.reset_hwm()
            bench_small(work, strata, rsyncd, results)
            rss["small workload" if reset else "whole run"] = strata.hwm_mib()
    finally:
        strata.stop()
        rsyncd.stop()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
    print_table(results, rss)
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps({
            "results": [dict(zip(["workload", "phase", "strata_s", "rsync_s", "cp_s", "mib"], r)) for r in results],
            "peak_rss_mib": rss, "budget_mib": RSS_BUDGET_MIB}, indent=2))


if __name__ == "__main__":
    main()
