#!/usr/bin/env bash
# ingest.sh [CORPUS.jsonl] — ingest speed of `sucai ingest` on one core
# (taskset -c 0), the measurement of issue 2 ("at least 20 MB/s of text on
# one core for txt and JSONL").  MB = 10^6 bytes of UTF-8 text.
#   JSONL: CORPUS (default bench/out/sample.jsonl, ~14 MB; pass
#          bench/out/corpus.jsonl for the whole corpus); text = title + text
#   txt:   2000 raw files made by ../shared/tools/make_raw.py --no-office
#          from the reports/laws/news documents of the sample (paywall
#          markers, footers, D for 党, GB18030/BOM/CRLF) in bench/out/raw;
#          text = the manifest's clean text, input = the files' bytes
# Each is ingested into a fresh library, REPS times; prints seconds and MB/s.
# Env: SUCAI (binary; default build-bench/sucai, built as run.sh does), REPS (runs of
# each input, default 5: this machine's timings vary by +-25 %; the median run is
# reported with the range of all runs), CPU (the core to pin to, default 0: run
# with CPU=1 when someone else measures on core 0).
set -euo pipefail
reps=${REPS:-5}
cpu=${CPU:-0}
root=$(cd "$(dirname "$0")/.." && pwd); cd "$root"
bench/prepare.sh >/dev/null 2>&1 || bench/prepare.sh
corpus=$(realpath "${1:-bench/out/sample.jsonl}")
sucai=${SUCAI:-}
if [ -z "$sucai" ]; then
  [ -d build-bench ] || meson setup build-bench --buildtype=release -Db_ndebug=true -Dwerror=false >/dev/null
  ninja -C build-bench sucai >/dev/null
  sucai=$root/build-bench/sucai
fi
out=$root/bench/out/ingest; mkdir -p "$out"
raw=$root/bench/out/raw
if [ ! -s "$root/bench/out/raw.MANIFEST.jsonl" ]; then
  rm -rf "$raw"
  grep -v -e '"id": "poetry-' -e '"id": "debian-' bench/out/sample.jsonl >"$out/raw-src.jsonl"
  /usr/bin/python3 "$root/../shared/tools/make_raw.py" "$out/raw-src.jsonl" "$raw" --count 2000 --no-office >&2
  mv "$raw/MANIFEST.jsonl" "$root/bench/out/raw.MANIFEST.jsonl"   # not an input file
fi
measure() {  # measure NAME TEXT_BYTES INPUT_BYTES PATH: REPS fresh ingests, the median run reported
  local lib=$out/lib-$1 times=() r t0 t1
  for r in $(seq "$reps"); do
    rm -rf "$lib"
    t0=$(date +%s.%N)
    taskset -c "$cpu" "$sucai" --library "$lib" ingest --json "$4" >"$out/$1.out" 2>"$out/$1.err" \
      || echo "ingest.sh: $1: sucai ingest exit $? (see $out/$1.err)" >&2
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
  done
  /usr/bin/python3 - "$1" "$2" "$3" "$out/$1.out" "${times[@]}" <<'PY'
import json, statistics, sys
name, text, inp, log = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
times = sorted(float(t) for t in sys.argv[5:])
st = {}
for ln in open(log, encoding='utf-8', errors='replace'):
    try: s = json.loads(ln).get('status')
    except ValueError: continue
    st[s] = st.get(s, 0) + 1
dt = statistics.median(times)
rng = '%.1f–%.1f' % (text / 1e6 / times[-1], text / 1e6 / times[0])
print('| %s | %.1f | %.1f | %.2f | %.1f | %s | %.1f | %s |' % (name, text / 1e6, inp / 1e6, dt, text / 1e6 / dt, rng,
      inp / 1e6 / dt, ', '.join('%s %d' % kv for kv in sorted(st.items()))))
PY
}
jtext=$(/usr/bin/python3 -c '
import json,sys
print(sum(len((d.get("title") or "").encode())+len((d.get("text") or "").encode()) for d in map(json.loads, open(sys.argv[1], encoding="utf-8"))))' "$corpus")
ttext=$(/usr/bin/python3 -c '
import json,sys
print(sum(len(json.loads(l)["clean"].encode()) for l in open(sys.argv[1], encoding="utf-8")))' "$root/bench/out/raw.MANIFEST.jsonl")
echo "sucai ingest on one core (taskset -c $cpu), $(nproc) cores, $(date -u +%F), median of $reps runs"
echo
echo "| input | text MB | input MB | seconds | MB/s text | range | MB/s input | statuses |"
echo "|---|---:|---:|---:|---:|---|---:|---|"
measure jsonl "$jtext" "$(stat -c %s "$corpus")" "$corpus"
measure txt "$ttext" "$(cat "$raw"/* | wc -c)" "$raw"
