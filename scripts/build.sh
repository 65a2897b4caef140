#!/usr/bin/env bash
# Configures and builds Strata with CMake + Ninja (RelWithDebInfo, ccache when present).
#   BUILD_DIR   build directory (default: ./build at the repository root)
#   BUILD_TYPE  CMake build type (default: RelWithDebInfo)
#   JOBS        parallel jobs (default: nproc)
# Extra arguments are passed to `cmake --build` (e.g. `--target strata`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout and no build-directory hash, so a fresh clone elsewhere
  # (as CI makes) still hits the cache.
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
fi

cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" "$@"
echo "build: $BUILD_DIR/app/strata"
