#!/usr/bin/env bash
# Strata mount vs the local disk the server stores on vs `rclone mount` (local backend,
# --vfs-cache-mode full), side by side in one run, with the workloads of issue 3. Prints each
# result and the ratios Strata/local and Strata/rclone. Not part of the test command.
#
#   bench/mount_bench.sh [--size 4G] [--files 20000] [--dir-entries 100000] [--work /var/tmp/strata-bench]
#
# Needs root, /dev/fuse, fio, rclone (apt-get install fio rclone) and the strata binary
# ($STRATA_BIN, default build/app/strata) built with the mount.
set -euo pipefail

SIZE=4G
FILES=20000
DIR_ENTRIES=100000
WORK=/var/tmp/strata-bench
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --files) FILES=$2; shift 2 ;;
    --dir-entries) DIR_ENTRIES=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=${STRATA_BIN:-$ROOT/build/app/strata}
for tool in fio rclone fusermount3; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install fio rclone fuse3)" >&2; exit 2; }
done

rm -rf "$WORK"; mkdir -p "$WORK"/{data,local,rclone-src,rclone-mnt,rclone-cache,strata-mnt,strata-cache}
SERVER_PID=""; RCLONE_PID=""
cleanup() {
  fusermount3 -u -z "$WORK/strata-mnt" 2>/dev/null || true
  fusermount3 -u -z "$WORK/rclone-mnt" 2>/dev/null || true
  [[ -n "$RCLONE_PID" ]] && kill "$RCLONE_PID" 2>/dev/null || true
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

"$STRATA" server --data "$WORK/data" --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.log" | grep -o '[0-9]*$')
export STRATA_URL=http://127.0.0.1:$PORT STRATA_TOKEN=$(cat "$WORK/data/admin-token")
"$STRATA" mount --cache-dir "$WORK/strata-cache" --log-file "$WORK/mount.log" "$WORK/strata-mnt"
rclone mount --vfs-cache-mode full --cache-dir "$WORK/rclone-cache" "$WORK/rclone-src" "$WORK/rclone-mnt" \
  --daemon-wait 0 >"$WORK/rclone.log" 2>&1 &
RCLONE_PID=$!
for _ in $(seq 100); do mountpoint -q "$WORK/rclone-mnt" && break; sleep 0.1; done

declare -A RESULT
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# fio_mbps TARGET_DIR NAME RW BS [extra...] -> MiB/s
fio_mbps() {
  local dir=$1 name=$2 rw=$3 bs=$4; shift 4
  fio --name="$name" --directory="$dir" --filename=bench.bin --rw="$rw" --bs="$bs" --size="$SIZE" \
      --ioengine=psync --end_fsync=1 --output-format=json "$@" 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print(round((j["read"]["bw"]+j["write"]["bw"])/1024,1))'
}
iops_randread() {
  fio --name=rr --directory="$1" --filename=bench.bin --rw=randread --bs=4k --size="$SIZE" --ioengine=psync \
      --runtime=20 --time_based --numjobs=4 --group_reporting --output-format=json 2>/dev/null |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["jobs"][0]["read"]["iops"]))'
}
seconds() { local t0=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N)-$t0,2))"; }
small_create() { python3 - "$1" "$FILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2]); os.makedirs(f"{d}/small", exist_ok=True); data = os.urandom(16384)
for i in range(n):
    with open(f"{d}/small/f{i:06d}", "wb") as f: f.write(data)
PY
}
small_stat() { python3 -c "import os,sys; d=sys.argv[1]+'/small'; [os.stat(d+'/'+n) for n in os.listdir(d)]" "$1"; }
big_dir() { python3 - "$1" "$DIR_ENTRIES" <<'PY'
import os, sys
d, n = sys.argv[1] + "/bigdir", int(sys.argv[2]); os.makedirs(d, exist_ok=True)
for i in range(n): os.close(os.open(f"{d}/e{i:07d}", os.O_CREAT | os.O_WRONLY, 0o644))
PY
}
parallel_read() { python3 - "$1" <<'PY'
import os, sys
from concurrent.futures import ThreadPoolExecutor
d = sys.argv[1] + "/small"; names = sorted(os.listdir(d))[:2000]
def rd(n):
    with open(f"{d}/{n}", "rb") as f: return len(f.read())
with ThreadPoolExecutor(32) as ex: print(sum(ex.map(rd, names)))
PY
}

TARGETS=(local:"$WORK/local" strata:"$WORK/strata-mnt" rclone:"$WORK/rclone-mnt")
for t in "${TARGETS[@]}"; do
  name=${t%%:*}; dir=${t#*:}
  echo "== $name ($dir)" >&2
  RESULT[$name.seqwrite]=$(fio_mbps "$dir" sw write 1M)
  drop_caches; RESULT[$name.seqread_cold]=$(fio_mbps "$dir" sr read 1M)
  RESULT[$name.seqread_hot]=$(fio_mbps "$dir" sr read 1M)
  RESULT[$name.randread_iops]=$(iops_randread "$dir")
  rm -f "$dir/bench.bin"
  RESULT[$name.create_s]=$(seconds small_create "$dir")
  RESULT[$name.stat_s]=$(seconds small_stat "$dir")
  drop_caches; RESULT[$name.par_read_s]=$(seconds parallel_read "$dir")
  big_dir "$dir"
  RESULT[$name.ls_l_s]=$(seconds ls -l "$dir/bigdir")
done
MOUNT_PID=$(pgrep -f "mount --cache-dir $WORK/strata-cache" | head -1 || true)
[[ -n "$MOUNT_PID" ]] && echo "strata mount RSS: $(($(awk '/VmHWM/{print $2}' /proc/$MOUNT_PID/status)/1024)) MiB (peak)"

printf '%-16s %12s %12s %12s %12s %12s\n' workload local strata rclone strata/local strata/rclone
for w in seqwrite seqread_cold seqread_hot randread_iops create_s stat_s par_read_s ls_l_s; do
  l=${RESULT[local.$w]} s=${RESULT[strata.$w]} r=${RESULT[rclone.$w]}
  python3 - "$w" "$l" "$s" "$r" <<'PY'
import sys
w, l, s, r = sys.argv[1], *map(float, sys.argv[2:])
# Times: lower is better, so the ratio is other/strata (>1 means strata is faster).
if w.endswith("_s"):
    print(f"{w:16s} {l:12.2f} {s:12.2f} {r:12.2f} {l/s if s else 0:12.2f} {r/s if s else 0:12.2f}")
else:
    print(f"{w:16s} {l:12.1f} {s:12.1f} {r:12.1f} {s/l if l else 0:12.2f} {s/r if r else 0:12.2f}")
PY
done
echo "goals: seqread_hot strata/local >= 0.8; seqwrite strata/local >= 0.5; create_s and stat_s strata/rclone >= 2"
