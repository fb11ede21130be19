#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/meson.build) with clang + ASan + UBSan
# into build-fuzz/ and runs each one for SECONDS (default 20), starting from
# a seed corpus that fuzz/make_seeds.py writes at run time.  Fails when a
# target finds a crash, a leak or undefined behaviour; the input that did it
# is left in build-fuzz/crashes/.   Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (scripts/setup.sh test)" >&2; exit 1; }
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
targets=$(sed -n "s/^ *'\(fuzz_[a-z0-9_]*\)' *:.*/\1/p" fuzz/meson.build)
ninja -C build-fuzz $(for t in $targets; do echo "fuzz/$t"; done) >/dev/null
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in $targets; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  python3 fuzz/make_seeds.py "$t" "$corpus"
  echo "fuzz: $t for ${secs}s"
  if ! build-fuzz/fuzz/$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
       -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$t- "$corpus" >build-fuzz/$t.log 2>&1; then
    echo "fuzz: $t FAILED (see build-fuzz/$t.log; input in build-fuzz/crashes/)" >&2
    tail -40 build-fuzz/$t.log >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss" build-fuzz/$t.log | tr '\n' ' '; echo
  fi
done
exit $status
