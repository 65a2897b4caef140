#!/usr/bin/env bash
# From a fresh Debian 12 machine to a running Strata server in one command:
# installs the packages, builds, and runs `strata server` in the foreground (Ctrl-C stops it).
#   STRATA_DATA    data directory (default: ~/.local/share/strata)
#   STRATA_LISTEN  address (default: 127.0.0.1:7070)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh" --target strata

DATA=${STRATA_DATA:-$HOME/.local/share/strata}
LISTEN=${STRATA_LISTEN:-127.0.0.1:7070}
mkdir -p "$DATA"
BIN=${BUILD_DIR:-$ROOT/build}/app/strata
echo "quickstart: starting server; in another shell:"
echo "  export STRATA_URL=http://$LISTEN STRATA_TOKEN=\$(cat $DATA/admin-token)"
echo "  $BIN storage ls /"
exec "$BIN" server --data "$DATA" --listen "$LISTEN"
