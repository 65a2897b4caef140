#!/usr/bin/env bash
# Builds strata and runs bench/s3_bench.py (Strata's S3 endpoint vs nginx). Pass BENCH_* in env.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/build.sh" --target strata
STRATA_BIN=${STRATA_BIN:-$BUILD_DIR/app/strata} exec /usr/bin/python3 "$ROOT/bench/s3_bench.py" "$@"
