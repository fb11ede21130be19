#!/usr/bin/env bash
# peers.sh CORPUS.jsonl QUERIES.txt WORKDIR [PEER...] — indexes CORPUS and runs
# QUERIES with each peer of ../shared/peers (default: the five of issue 3).
# Per peer, WORKDIR/PEER/ gets:
#   build.tsv   build_s <TAB> index_bytes     (wall time of index.sh; du -sb)
#   index.log   index.sh's stderr
#   query.out   query.sh's output (qno TAB hits TAB ms TAB query ...)
# Queries run with TOPK=10 and SNIPPET=1 (where the peer supports it).  All
# peers but the scan baseline get the query file twice in one process (the
# first pass is JVM/cache warm-up; compare.py reads the second pass only).
# A peer whose build.tsv and query.out exist is skipped unless FORCE=1.
# RUN=r (r >= 2) only queries again, into query.r.out (run.sh interleaves
# such runs of every engine, and compare.py takes each query's median over
# them).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers_dir=${SUCAI_PEERS:-$root/../shared/peers}
corpus=$(realpath "$1"); qf=$(realpath "$2"); mkdir -p "$3"; work=$(realpath "$3"); shift 3
peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=(sqlite-fts5-trigram groonga-bigram xapian-cjk-ngram lucene-cjk ripgrep)
chmod 755 "$work"
run=${RUN:-1}
for p in "${peers[@]}"; do
  d=$work/$p
  if [ "$run" -gt 1 ]; then
    [ -s "$d/build.tsv" ] && [ -s "$d/queries.txt" ] || { echo "peers.sh: $p: not indexed, no run $run"; continue; }
    if [ "${FORCE:-0}" != 1 ] && grep -q '^# total' "$d/query.$run.out" 2>/dev/null; then continue; fi
    TOPK=10 SNIPPET=1 "$peers_dir/$p/query.sh" "$d/index" "$d/queries.txt" >"$d/query.$run.out" 2>"$d/query.$run.err" \
      || echo "peers.sh: $p: query run $run FAILED (see $d/query.$run.err)"
    continue
  fi
  if [ "${FORCE:-0}" != 1 ] && [ -s "$d/build.tsv" ] && grep -q '^# total' "$d/query.out" 2>/dev/null; then
    echo "peers.sh: $p already measured ($d)"; continue
  fi
  rm -rf "$d"; mkdir -p "$d"; chmod 755 "$d"
  echo "peers.sh: $p: indexing $(date -u +%T)"
  t0=$(date +%s.%N)
  if ! "$peers_dir/$p/index.sh" "$corpus" "$d/index" >"$d/index.log" 2>&1; then
    echo "peers.sh: $p: index FAILED (see $d/index.log)"; continue
  fi
  t1=$(date +%s.%N)
  printf '%s\t%s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')" \
    "$(du -sb "$d/index" | cut -f1)" >"$d/build.tsv"
  if [ "$p" = ripgrep ] || [ "$p" = grep ]; then cp "$qf" "$d/queries.txt"
  else cat "$qf" "$qf" >"$d/queries.txt"; fi
  echo "peers.sh: $p: querying $(date -u +%T)"
  if ! TOPK=10 SNIPPET=1 "$peers_dir/$p/query.sh" "$d/index" "$d/queries.txt" >"$d/query.out" 2>"$d/query.err"; then
    echo "peers.sh: $p: query FAILED (see $d/query.err)"; continue
  fi
  echo "peers.sh: $p: done $(date -u +%T): $(cat "$d/build.tsv") $(tail -1 "$d/query.out")"
done
