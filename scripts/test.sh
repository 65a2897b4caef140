#!/usr/bin/env bash
# Installs, builds, then runs every test: the GoogleTest unit tests through CTest and the
# end-to-end tests (pytest, against the real binary). Benchmarks are not run here (see bench/).
#   BUILD_DIR  build directory (default: ./build)
#   PYTEST_ARGS extra pytest arguments (e.g. "-k tokens -x")
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
export BUILD_DIR

"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"

# Both suites always run, so one failing run shows every failure; the exit code is non-zero if
# either failed.
echo "== unit tests (ctest)"
unit_rc=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 600 || unit_rc=$?

echo "== end-to-end tests (pytest)"
# Debian's interpreter on purpose: a pyenv python3 may come first on PATH without pytest.
export STRATA_BIN=${STRATA_BIN:-$BUILD_DIR/app/strata}
cd "$ROOT"
e2e_rc=0
# shellcheck disable=SC2086
/usr/bin/python3 -m pytest tests/e2e -ra -p no:cacheprovider ${PYTEST_ARGS:-} || e2e_rc=$?

echo "== Python SDK tests (pytest)"
# The SDK from the source tree (users install it with `pip install ./sdk/python`).
sdk_rc=0
# shellcheck disable=SC2086
PYTHONPATH="$ROOT/sdk/python" /usr/bin/python3 -m pytest tests/sdk -ra -p no:cacheprovider ${PYTEST_ARGS:-} || sdk_rc=$?

if [[ $unit_rc -ne 0 || $e2e_rc -ne 0 || $sdk_rc -ne 0 ]]; then
  echo "test: FAILED (ctest exit $unit_rc, pytest exit $e2e_rc, sdk pytest exit $sdk_rc)" >&2
  exit 1
fi
echo "test: all passed"
