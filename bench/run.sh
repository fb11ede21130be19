#!/usr/bin/env bash
# run.sh — the benchmark of issue 3, in one command:
#     bench/run.sh            the whole corpus (../shared/corpus, ~94 M chars)
#     bench/run.sh --core     reports + laws + news (bench/out/core.jsonl, ~59 M chars)
#     bench/run.sh --sample   the small slice (bench/out/sample.jsonl), minutes
# Steps (outputs in bench/out/<run>/, gitignored):
#   1. bench/prepare.sh (corpus JSONL), bench/make_queries.py (query set:
#      300 seeded random queries + bench/queries_writer.txt)
#   2. sucai, release build (build-bench/, or $SUCAI): `sucai ingest --json`
#      of the JSONL, then `sucai index optimize`, timed together ->
#      sucai/build.tsv (parts -> sucai/build_parts); index = du of
#      library/index, the store (library.db, its WAL, texts) reported separately
#   3. sucai search --batch over the query file twice in one process
#      (second pass measured; took_ms per query, count + top 10 + snippets;
#      peak RSS of that process -> sucai/batch_rss_kb, and the peaks of
#      its VmRSS, RssAnon and RssFile -> sucai/batch_rss_parts_kb)
#   4. the peers (bench/peers.sh: SQLite FTS5 trigram, Groonga, Xapian,
#      Lucene, ripgrep), each indexed and queried with TOPK=10 SNIPPET=1;
#      a peer already measured on the same corpus and queries is kept
#      (FORCE=1 redoes it)
#   5. exactness on the same library: tests/integration/test_exactness.py
#      --library (300 random queries incl. quoted phrases + writers' + the
#      benchmark's queries, against a brute-force scan) -> exact.log
#   6. bench/compare.py prints the table (also written to table.md)
#   4b. RUNS (default 3) rounds of query runs in all: after the first,
#      each round runs sucai's batch (sucai/batch.R.out) and every peer's
#      queries (peers.sh RUN=R) once more, one engine after the other, so
#      that every engine meets the machine in each of its moods; a query's
#      time is its median over the rounds (compare.py)
# Env: SUCAI (binary), PEERS="a b" (subset), RUNS, SKIP_PEERS=1, SKIP_EXACT=1,
# REUSE_SUCAI=1 (keep an earlier run's sucai library and ingest time).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd); cd "$root"
mode=full; [ "${1:-}" = --sample ] && mode=sample; [ "${1:-}" = --core ] && mode=core
bench/prepare.sh || exit 1
if [ $mode = full ]; then corpus=bench/out/corpus.jsonl; out=bench/out/full
  inputs=(reports laws news poetry debian); inputs=("${inputs[@]/#/$root/bench/out/parts/}")
  inputs=("${inputs[@]/%/.jsonl}")      # the same docs in files under 256 MiB
elif [ $mode = core ]; then corpus=bench/out/core.jsonl; out=bench/out/core
  inputs=("$root"/bench/out/parts/{reports,laws,news}.jsonl)
else corpus=bench/out/sample.jsonl; out=bench/out/sample; inputs=("$root/$corpus"); fi
mkdir -p "$out"; out=$(realpath "$out"); corpus=$(realpath "$corpus")
qf=$out/queries.txt
/usr/bin/python3 bench/make_queries.py "$corpus" "$qf" || exit 1
nq=$(grep -c . "$qf")

# --- sucai ---------------------------------------------------------------
sucai=${SUCAI:-}
if [ -z "$sucai" ]; then
  [ -d build-bench ] || meson setup build-bench --buildtype=release -Db_ndebug=true -Dwerror=false >/dev/null || exit 1
  ninja -C build-bench sucai >/dev/null || { echo "run.sh: build failed" >&2; exit 1; }
  sucai=$root/build-bench/sucai
fi
sd=$out/sucai; lib=$sd/library
if [ "${REUSE_SUCAI:-0}" = 1 ] && [ -s "$sd/build.tsv" ] && [ -d "$lib/index" ]; then
  echo "run.sh: REUSE_SUCAI=1: keeping $lib and its ingest time"
else
  rm -rf "$sd"; mkdir -p "$sd"
  echo "run.sh: sucai ingest $(date -u +%T)"
  t0=$(date +%s.%N)
  "$sucai" --library "$lib" ingest --json "${inputs[@]}" >"$sd/ingest.out" 2>"$sd/ingest.err"
  rc=$?; t1=$(date +%s.%N)
  [ $rc -ne 0 ] && echo "run.sh: sucai ingest exit $rc (see $sd/ingest.err)" >&2
  # one segment, as the peers end their builds (FTS5 'optimize', Lucene
  # forceMerge(1)); the build time counts both steps
  "$sucai" --library "$lib" index optimize >"$sd/optimize.out" 2>&1 \
    || echo "run.sh: sucai index optimize failed (see $sd/optimize.out)" >&2
  t2=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN{printf "ingest %.2f s + optimize %.2f s\n", b-a, c-b}' >"$sd/build_parts"
  printf '%s\t%s\t%s\n' "$(awk -v a="$t0" -v b="$t2" 'BEGIN{printf "%.2f", b-a}')" \
    "$(du -sB1 "$lib/index" | cut -f1)" "$(cat "$lib"/library.db* "$lib"/texts 2>/dev/null | wc -c)" >"$sd/build.tsv"
fi
echo "run.sh: sucai search --batch $(date -u +%T)"
cat "$qf" "$qf" >"$sd/queries2.txt"
rm -f "$sd"/batch.[0-9]*.out
t0=$(date +%s.%N)
/usr/bin/time -f %M -o "$sd/batch_rss_kb" \
  "$sucai" --library "$lib" search --batch --as member --limit 10 <"$sd/queries2.txt" >"$sd/batch.out" 2>"$sd/batch.err" &
timer=$!
# the peak of each part of the resident set: the heap (RssAnon) is the
# process's own; file pages (RssFile: the index and the store, mapped) are
# the kernel's page cache, shared and given back under pressure
while kill -0 $timer 2>/dev/null; do
  pid=$(pgrep -n -P $timer 2>/dev/null) && awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s ", $2} END {print ""}' \
    "/proc/$pid/status" 2>/dev/null
  sleep 0.05
done | awk 'NF == 3 {for (i = 1; i <= 3; i++) if ($i > m[i]) m[i] = $i}
            END {printf "%d\t%d\t%d\n", m[1], m[2], m[3]}' >"$sd/batch_rss_parts_kb"
wait $timer || echo "run.sh: sucai search --batch failed (see $sd/batch.err)" >&2
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b-a}' >"$sd/batch_wall_s"

# --- peers ---------------------------------------------------------------
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  # a peer's earlier result is only reused for the same corpus and queries
  key=$(stat -c %s "$corpus"; md5sum <"$qf")
  if [ "$(cat "$out/peers/key" 2>/dev/null)" != "$key" ]; then rm -rf "$out/peers"; fi
  mkdir -p "$out/peers"; printf '%s' "$key" >"$out/peers/key"
  bench/peers.sh "$corpus" "$qf" "$out/peers" ${PEERS:-}
fi

# --- more rounds of query runs, every engine once a round ----------------
for r in $(seq 2 "${RUNS:-3}"); do
  echo "run.sh: round $r of query runs $(date -u +%T)"
  "$sucai" --library "$lib" search --batch --as member --limit 10 <"$sd/queries2.txt" >"$sd/batch.$r.out" 2>>"$sd/batch.err" \
    || echo "run.sh: sucai search --batch (round $r) failed (see $sd/batch.err)" >&2
  [ "${SKIP_PEERS:-0}" != 1 ] && RUN=$r bench/peers.sh "$corpus" "$qf" "$out/peers" ${PEERS:-}
done

# --- exactness -----------------------------------------------------------
rm -f "$out/exact.log"             # an earlier run's verdict is not this library's
if [ "${SKIP_EXACT:-0}" != 1 ]; then
  echo "run.sh: exactness $(date -u +%T)"
  SUCAI=$sucai /usr/bin/python3 tests/integration/test_exactness.py --library "$lib" \
    --corpus "$corpus" --queries "$qf" >"$out/exact.log" 2>&1
  tail -1 "$out/exact.log"
fi

/usr/bin/python3 bench/compare.py "$out" | tee "$out/table.md"
echo "($nq queries; per-query hits: $out/hits.txt)"
