#!/usr/bin/env bash
# The main job: install what is missing, build, ingest the example materials
# into an embedded library, and run sucai on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
scripts/build.sh build
lib=${SUCAI_LIBRARY:-./library}
./build/sucai --library "$lib" ingest examples/ || true
./build/sucai --library "$lib" stats
echo
echo "Try: ./build/sucai --library $lib list"
echo "     ./build/sucai --library $lib show ID"
