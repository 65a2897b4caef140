#!/usr/bin/env bash
# Installs every Debian 12 package needed to build, test and benchmark Strata.
#
# Idempotent and quiet: when every package is already installed it does nothing (no network);
# otherwise it runs `apt-get update` once and installs what is missing. Works as root, or
# through sudo for a normal user. Set STRATA_APT_FORCE=1 to run apt-get even when nothing
# seems to be missing (e.g. to pick up upgrades).
set -euo pipefail

PACKAGES=(
  # toolchain
  cmake ninja-build g++ ccache pkg-config git
  # libraries the build links against
  librocksdb-dev libboost-dev libboost-system-dev libfuse3-dev libcurl4-openssl-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev libzstd-dev libpq-dev libexpat1-dev
  # unit tests and micro-benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # end-to-end tests (Debian's python3, not a pyenv one), the FUSE runtime, Redis clients for RESP
  python3 python3-pytest python3-requests fuse3 redis-tools python3-redis
  # S3 clients for the object-storage end-to-end tests
  python3-boto3 s3cmd rclone
  # benchmarks and the tools tests call
  rsync fio procps curl coreutils nginx-light
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 && "${STRATA_APT_FORCE:-0}" != "1" ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps: not root and no sudo; install these packages: ${missing[*]}" >&2
  exit 1
fi

to_install=("${missing[@]}")
[[ ${#to_install[@]} -eq 0 ]] && to_install=("${PACKAGES[@]}")
echo "install-deps: installing ${to_install[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${to_install[@]}" >/dev/null
echo "install-deps: done"
