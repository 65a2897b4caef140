#!/usr/bin/env bash
# From a fresh Debian 12 machine to a running Strata server in one command:
# installs the packages, builds, and runs `strata server` in the foreground (Ctrl-C stops it).
#   STRATA_DATA    data directory (default: ~/.local/share/strata)
#   STRATA_LISTEN  REST address (default: 127.0.0.1:7070)
#   STRATA_S3      S3 endpoint address (default: 127.0.0.1:9000; empty = off)
#   STRATA_RESP    Redis-protocol address (default: 127.0.0.1:6379; empty = off)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh" --target strata

DATA=${STRATA_DATA:-$HOME/.local/share/strata}
LISTEN=${STRATA_LISTEN:-127.0.0.1:7070}
S3=${STRATA_S3-127.0.0.1:9000}
RESP=${STRATA_RESP-127.0.0.1:6379}
extra=()
[[ -n "$S3" ]] && extra+=(--s3-listen "$S3")
[[ -n "$RESP" ]] && extra+=(--resp-listen "$RESP")
mkdir -p "$DATA"
BIN=${BUILD_DIR:-$ROOT/build}/app/strata
echo "quickstart: starting server; in another shell:"
echo "  export STRATA_URL=http://$LISTEN STRATA_TOKEN=\$(cat $DATA/admin-token)"
echo "  $BIN storage ls /"
exec "$BIN" server --data "$DATA" --listen "$LISTEN" "${extra[@]}"
