#!/usr/bin/env bash
# load.sh — the load benchmark of issue 4 ("Done when", Load): wrk drives
# `sucai serve` on loopback with a writer-like query mix (load_mix.lua,
# paths from `load_report.py queries`) on the full corpus (~94 M characters,
# bench/prepare.sh), while an admin uploads 1,000 new raw files through
# POST /api/admin/ingest in batches; the server's VmRSS is sampled every
# RSS_EVERY seconds.  Prints the summary (load_report.py report) and exits 1
# when a target is missed: >= 5,000 searches/s, p99 < 20 ms, zero errors,
# every file added, RSS flat.  See bench/LOAD.md for figures and findings.
#
# Usage: bench/load.sh [--quick] [--duration SECS] [--conns N] [--wrk-threads N]
#                      [--server-threads N] [--port P] [--batch N] [--files N]
#                      [--burst] [--no-ingest] [--rebuild] [--perf]
#   --quick           20 s instead of 600 s (and 200 files)
#   --burst           upload the batches back to back from the start instead of
#                     spreading them over the first 90% of the run
#   --rebuild         rebuild the base library from the corpus (else reused)
#   --perf            `perf record --call-graph dwarf` the server during the run (perf.data in
#                     the run folder)
#   --base DIR        copy this library instead of the corpus' (smoke tests)
# Environment: SUCAI (binary; default: build-bench/, a release build made
# here), SUCAI_SHARED (default ../shared), RSS_EVERY (default 2).
# rss.tsv: seconds, VmRSS, RssAnon, RssFile, and the Rss of the mapped
# library.db (kB).
# Work files live in bench/out/load/ (gitignored): base/ is the library of the
# corpus (built once, minutes), run/ is this run's copy of it, the server log,
# wrk's figures, rss.tsv and the per-batch ingest answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SUCAI_SHARED:-$root/../shared}
out=$root/bench/out/load
duration=600 conns=8 wrk_threads=1 server_threads=0 port=0 batch=50 files=1000
burst=0 ingest=1 rebuild=0 perf=0 quick=0 base_opt=
cmdline="bench/load.sh $*"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; duration=20 ;;
    --duration) duration=$2; shift ;;
    --conns) conns=$2; shift ;;
    --wrk-threads) wrk_threads=$2; shift ;;
    --server-threads) server_threads=$2; shift ;;
    --port) port=$2; shift ;;
    --batch) batch=$2; shift ;;
    --files) files=$2; shift ;;
    --burst) burst=1 ;;
    --no-ingest) ingest=0 ;;
    --rebuild) rebuild=1 ;;
    --perf) perf=1 ;;
    --base) base_opt=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ $quick = 1 ] && [ "$files" = 1000 ] && files=200
say() { echo "load.sh: $(date -u +%T) $*" >&2; }
command -v wrk >/dev/null || { echo "load.sh: wrk not installed (scripts/setup.sh bench)" >&2; exit 1; }
[ -d "$shared/corpus" ] || { echo "load.sh: $shared/corpus not found" >&2; exit 1; }

# ---- binary, corpus, base library -------------------------------------------
cd "$root"
if [ -z "${SUCAI:-}" ]; then
  [ -d build-bench ] || meson setup build-bench --buildtype=release -Db_ndebug=true -Dwerror=false -Dc_args=-g >/dev/null
  ninja -C build-bench sucai >/dev/null
  SUCAI=$root/build-bench/sucai
fi
bench/prepare.sh
mkdir -p "$out"
base=${base_opt:-$out/base}
if [ -z "$base_opt" ] && { [ $rebuild = 1 ] || [ ! -e "$base/.load-ok" ]; }; then
  say "building the base library from the corpus (minutes)"
  rm -rf "$base" "$base.tmp"
  t0=$(date +%s)
  # exit 1 is a partial ingest: the corpus holds a few empty poems, refused
  rc=0
  "$SUCAI" --library "$base.tmp" ingest --json bench/out/parts/*.jsonl >"$out/base_ingest.json" 2>"$out/base_ingest.err" || rc=$?
  tail -1 "$out/base_ingest.err" >&2
  [ $rc -le 1 ] || { echo "load.sh: ingest of the corpus failed (exit $rc, see $out/base_ingest.err)" >&2; exit 1; }
  mv "$base.tmp" "$base"
  echo "$(( $(date +%s) - t0 ))" >"$base/.load-ok"
  say "base library built in $(cat "$base/.load-ok") s"
fi

# the index format may have moved on since the base was built
if ! "$SUCAI" --library "$base" index check >/dev/null 2>&1; then
  say "the base library's index does not check with this binary: sucai index rebuild (minutes)"
  "$SUCAI" --library "$base" index rebuild >&2
fi

# ---- the queries and the new files -------------------------------------------
[ -s "$out/paths.txt" ] || python3 bench/load_report.py queries bench/out/parts "$out/paths.txt" \
    --n 20000 --writer bench/queries_writer.txt
raw=$out/raw
if [ $ingest = 1 ] && [ "$(find "$raw" -maxdepth 1 -type f ! -name MANIFEST.jsonl 2>/dev/null | wc -l)" -lt "$files" ]; then
  rm -rf "$raw"
  python3 bench/load_report.py newdocs bench/out/parts "$out/newdocs.jsonl" --n 1000
  python3 "$shared/tools/make_raw.py" "$out/newdocs.jsonl" "$raw" --count 1000 --no-office >/dev/null
fi

# ---- this run: a fresh copy of the base library, an admin, the server --------
run=$out/run
rm -rf "$run"
mkdir -p "$run/ingest"
say "copying the base library"
cp -a "$base" "$run/lib"
pw=load-bench-$$-$RANDOM
"$SUCAI" --library "$run/lib" user add loadadmin --tier admin --password "$pw" >/dev/null
"$SUCAI" --library "$run/lib" user add loadmember --tier member --password "$pw" >/dev/null
[ "$port" = 0 ] && port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${server_pid:-}" ] && { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$SUCAI" --library "$run/lib" serve --listen "127.0.0.1:$port" --threads "$server_threads" \
    >"$run/server.out" 2>"$run/server.log" &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$run/server.log" >&2; echo "load.sh: the server died" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null || { echo "load.sh: the server does not answer on $url" >&2; exit 1; }
say "server pid $server_pid on $url"

login() {  # name -> bearer token
  curl -fsS -H 'Content-Type: application/json' \
    -d "{\"name\": \"$1\", \"password\": \"$pw\", \"token\": true}" "$url/api/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
# a benchmark of empty answers would prove nothing: the corpus must be found
hits=$(curl -fsS "$url/api/search?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$hits" -gt 0 ] || { echo "load.sh: a search for 乡村振兴 finds nothing: the library is empty or unreadable" >&2; exit 1; }
say "乡村振兴 finds $hits documents"
admin_token=$(login loadadmin)
member_token=$(login loadmember)

# warm the caches the way a server that has run a while has them
LOAD_PATHS=$out/paths.txt LOAD_OUT=$run/warm.json LOAD_TOKEN=$member_token LOAD_TOKEN_SHARE=0.3 \
  wrk -t1 -c8 -d3s -s bench/load_mix.lua "$url" >/dev/null
curl -fsS "$url/metrics" >"$run/metrics_before.txt"

# ---- RSS sampler --------------------------------------------------------------
(
  t0=$(date +%s.%N)
  while kill -0 "$server_pid" 2>/dev/null; do
    kb=$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf " %s", $2}' "/proc/$server_pid/status" 2>/dev/null) || break
    # the store's pages mapped by its readers (src/store.c: READER_MMAP)
    kb+=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {m = $0 ~ /\/library\.db$/} m && /^Rss:/ {s += $2}
               END {printf " %d", s}' "/proc/$server_pid/smaps" 2>/dev/null)
    [ -n "$kb" ] && echo "$(echo "$(date +%s.%N) - $t0" | bc)$kb"
    sleep "${RSS_EVERY:-2}"
  done
) >"$run/rss.tsv" &
pids+=($!)

# ---- uploader -----------------------------------------------------------------
# Batches of $batch files, each one POST; spread over the first 90% of the
# run (a librarian's day compressed) unless --burst.  Each answer is kept as
# ingest/batch_NNN.json, its status and time in ingest/times.tsv.
mapfile -t all < <(find "$raw" -maxdepth 1 -type f ! -name MANIFEST.jsonl 2>/dev/null | sort | head -n "$files")
nb=$(( (${#all[@]} + batch - 1) / batch ))
{
  echo "CONNS=$conns"; echo "WRK_THREADS=$wrk_threads"; echo "SERVER_THREADS=$server_threads"
  echo "INGEST_FILES=$([ $ingest = 1 ] && echo ${#all[@]} || echo 0)"
} >"$run/times.env"
uploader() {
  local t0 i from args code
  t0=$(date +%s.%N)
  echo "INGEST_START=$t0" >>"$run/times.env"
  for ((i = 0; i < nb; i++)); do
    if [ $burst = 0 ]; then
      local due; due=$(echo "$t0 + $i * $duration * 0.9 / $nb" | bc -l)
      local wait; wait=$(echo "$due - $(date +%s.%N)" | bc -l)
      [ "$(echo "$wait > 0" | bc)" = 1 ] && sleep "$wait"
    fi
    from=$((i * batch))
    args=()
    for f in "${all[@]:from:batch}"; do args+=(-F "files=@$f"); done
    code=$(curl -sS -o "$run/ingest/$(printf 'batch_%03d.json' "$i")" -w '%{http_code} %{time_total}' \
      -H "Authorization: Bearer $admin_token" "${args[@]}" "$url/api/admin/ingest" || echo "000 0")
    echo "$i $code" >>"$run/ingest/times.tsv"
  done
  echo "INGEST_END=$(date +%s.%N)" >>"$run/times.env"
}
if [ $ingest = 1 ]; then
  uploader &
  upl_pid=$!
  pids+=($upl_pid)
fi

if [ $perf = 1 ]; then
  perf record --call-graph dwarf,16384 -F 199 -o "$run/perf.data" -p "$server_pid" -- sleep "$duration" >/dev/null 2>&1 &
  pids+=($!)
fi

# ---- wrk ----------------------------------------------------------------------
# the server's CPU time (utime + stime, clock ticks) around the run: CPU per
# request does not depend on what else the shared machine is doing
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
echo "CPU_TICKS_BEFORE=$(cpu)" >>"$run/times.env"
echo "CLK_TCK=$(getconf CLK_TCK)" >>"$run/times.env"
echo "LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)" >>"$run/times.env"
say "wrk -t$wrk_threads -c$conns -d${duration}s ($nb ingest batches of $batch files: $([ $ingest = 1 ] && { [ $burst = 1 ] && echo burst || echo spread; } || echo off))"
LOAD_PATHS=$out/paths.txt LOAD_OUT=$run/wrk.json LOAD_TOKEN=$member_token LOAD_TOKEN_SHARE=0.3 \
  wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --timeout 5s -s bench/load_mix.lua "$url" >"$run/wrk.out"
echo "CPU_TICKS_WRK_END=$(cpu)" >>"$run/times.env"
echo "LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)" >>"$run/times.env"
if [ $ingest = 1 ]; then
  kill -0 "$upl_pid" 2>/dev/null && say "waiting for the ingest to finish"
  wait "$upl_pid" || true
fi
curl -fsS "$url/metrics" >"$run/metrics_after.txt"
sleep "${RSS_EVERY:-2}"

# the command, for LOAD.md
echo "$cmdline  # $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD)" >"$run/command.txt"
set +e
python3 bench/load_report.py report "$run"
rc=$?
say "run folder: $run"
exit $rc
