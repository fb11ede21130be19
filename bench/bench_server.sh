#!/usr/bin/env bash
# bench_server.sh — load test of `sucai serve` with wrk on loopback: a search
# mix (bench_server_queries.lua) for DURATION seconds while, half-way, an
# admin uploads NEW_FILES raw files (made by ../shared/tools/make_raw.py)
# through POST /api/admin/ingest.  Prints wrk's figures, the upload's
# results and the server's memory (VmRSS) every 10 s.
#
#   bench/bench_server.sh [CORPUS...]      (default: all of ../shared/corpus)
#   env: DURATION=60 CONNECTIONS=64 THREADS=(cores) NEW_FILES=1000 LIB=(temp)
#        SUCAI=build/sucai  KEEP_LIB=1 reuses LIB if it exists
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sucai=${SUCAI:-$root/build/sucai}
shared=$(cd "$root/.." && pwd)/shared
command -v wrk >/dev/null || { echo "bench_server: wrk is missing (scripts/setup.sh bench)" >&2; exit 1; }
[ -d "$shared/corpus" ] || { echo "bench_server: no $shared/corpus; skipped"; exit 0; }
duration=${DURATION:-60}; conns=${CONNECTIONS:-64}; newfiles=${NEW_FILES:-1000}
threads=${THREADS:-$(nproc)}
work=$(mktemp -d /tmp/sucai-bench-XXXXXX)
lib=${LIB:-$work/lib}
trap '[ -n "${pid:-}" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
corpora=("$@")
[ ${#corpora[@]} -eq 0 ] && corpora=("$shared"/corpus/*.jsonl.zst)
if [ -z "${KEEP_LIB:-}" ] || [ ! -f "$lib/library.db" ]; then
  echo "== ingest ${corpora[*]##*/}"
  /usr/bin/time -f "ingest: %e s, max RSS %M KiB" "$sucai" --library "$lib" ingest "${corpora[@]}" | tail -1
fi
"$sucai" --library "$lib" stats | head -3
pw=bench-$RANDOM-$RANDOM
"$sucai" --library "$lib" user add benchadmin --tier admin --password "$pw" >/dev/null 2>&1 ||
  "$sucai" --library "$lib" user set benchadmin --tier admin --password "$pw" >/dev/null

# new files for the upload: the newest news items, as raw files
mkdir -p "$work/new"
zstd -dc "$shared/corpus/news.jsonl.zst" | tail -n "$newfiles" | \
  python3 -c 'import sys,json
for l in sys.stdin:
    d=json.loads(l); d.pop("id",None); d["title"]=d["title"]+"（新）"; print(json.dumps(d,ensure_ascii=False))' > "$work/new.jsonl"
python3 "$shared/tools/make_raw.py" "$work/new.jsonl" "$work/new" --count "$newfiles" --no-office >/dev/null

"$sucai" --library "$lib" serve --listen 127.0.0.1:0 --threads "$threads" > "$work/out" 2> "$work/access.log" &
pid=$!
for _ in $(seq 100); do grep -q http:// "$work/out" 2>/dev/null && break; sleep 0.2; done
port=$(sed -n 's/.*:\([0-9]\+\)\/$/\1/p' "$work/out")
base=http://127.0.0.1:$port
tok=$(curl -s -X POST "$base/api/login" -H 'Content-Type: application/json' \
      -d "{\"name\":\"benchadmin\",\"password\":\"$pw\",\"token\":true}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
echo "== warm-up"
wrk -t2 -c"$conns" -d5s -s bench/bench_server_queries.lua "$base/" >/dev/null
( for _ in $(seq $((duration / 10))); do sleep 10; echo "rss: $(grep VmRSS /proc/$pid/status | awk '{print $2}') KiB"; done ) &
rss_pid=$!
( sleep $((duration / 2))
  args=(); for f in "$work"/new/*; do [ -f "$f" ] && [ "${f##*/}" != MANIFEST.jsonl ] && args+=(-F "files=@$f"); done
  t0=$(date +%s%N)
  curl -s -H "Authorization: Bearer $tok" "${args[@]}" "$base/api/admin/ingest" | python3 -c 'import json,sys;print("upload:", json.load(sys.stdin)["counts"])'
  echo "upload of $(( ${#args[@]} / 2 )) files took $(( ($(date +%s%N) - t0) / 1000000 )) ms" ) &
up_pid=$!
echo "== search mix, $conns connections, ${duration}s, upload of $newfiles files half-way"
wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/bench_server_queries.lua "$base/"
wait $rss_pid $up_pid || true
echo "errors (status >= 500) in the access log: $(grep -c '" 5[0-9][0-9] ' "$work/access.log" || true)"
