#!/usr/bin/env bash
# Runs every test: unit tests (cmocka) in a -Werror build and again under
# AddressSanitizer + UndefinedBehaviorSanitizer, then the integration tests
# that drive the `sucai` binary, then short fuzzing runs.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
passed=0; failed=0
step() {  # step NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed+1)); echo "--- ok: $name"
  else failed=$((failed+1)); echo "--- FAILED: $name"; fi
}
step "build (-Werror)" scripts/build.sh build-test
step "unit tests" meson test -C build-test --print-errorlogs
step "build (ASan+UBSan)" scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
step "unit tests (ASan+UBSan)" meson test -C build-asan --print-errorlogs
# Integration tests run the binary built with the sanitizers.
for t in tests/integration/test_*.py tests/integration/test_*.sh; do
  [ -e "$t" ] || continue
  case "$t" in *.py) run=(/usr/bin/python3 "$t") ;; *) run=(bash "$t") ;; esac
  step "$(basename "$t") (ASan+UBSan)" env SUCAI="$PWD/build-asan/sucai" "${run[@]}"
done
# Browser tests of the web page: playwright-core (npm, pinned in its
# package-lock.json) driving Debian's chromium against the ASan build.
step "browser tests (ASan+UBSan)" bash -c 'npm ci --prefix tests/browser --no-audit --no-fund --silent &&
  SUCAI="$PWD/build-asan/sucai" node tests/browser/run.js'
if [ -x scripts/fuzz.sh ]; then step "fuzz (short)" scripts/fuzz.sh 20; fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
