#!/usr/bin/env bash
# Strata vs rsync daemon vs cp, side by side (see fs_transfer.py for the knobs).
#   BENCH_BIG_MB=4096 BENCH_SMALL_COUNT=20000 bench/fs_transfer.sh
set -euo pipefail
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/fs_transfer.py" "$@"
