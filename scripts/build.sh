#!/usr/bin/env bash
# Configures and builds sucai into build/ (or $1).  Usage: scripts/build.sh [DIR] [meson options]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
