#!/usr/bin/env bash
# Installs what sucai needs from Debian's packages; idempotent and quiet when
# everything is already there.  Usage: scripts/setup.sh [build|test|bench]...
# (default: build).  Runs apt-get as root (or through sudo).
set -euo pipefail

build=(build-essential pkg-config meson ninja-build
       libsqlite3-dev libzip-dev libxml2-dev libutf8proc-dev libopencc-dev
       libzstd-dev zlib1g-dev libjansson-dev libsodium-dev libssl-dev
       libgsf-1-dev libmicrohttpd-dev libcmocka-dev libdeflate-dev)
test=(clang llvm python3 zstd sqlite3 curl libreoffice-writer-nogui poppler-utils
      chromium fonts-noto-cjk opencc)
bench=(wrk ripgrep opencc groonga-bin libxapian30 libxapian-dev xapian-tools python3-xapian
       liblucene8-java openjdk-17-jdk-headless)

want=()
groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build)
for g in "${groups[@]}"; do
  case "$g" in
    build) want+=("${build[@]}") ;;
    test) want+=("${build[@]}" "${test[@]}") ;;
    bench) want+=("${build[@]}" "${bench[@]}") ;;
    *) echo "setup.sh: unknown group '$g' (build, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
