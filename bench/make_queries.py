#!/usr/bin/env python3
"""make_queries.py CORPUS.jsonl OUT.txt [--n N] [--seed S] [--writer FILE] [--quoted]

Writes the benchmark's deterministic query set: N (default 300) random
queries from CORPUS (random substrings of length 1..12 of random documents,
ANDs, ORs and NOTs of them; see exact.gen_queries) followed by the writer's
queries (bench/queries_writer.txt).  By default the set is "peer-safe": no
phrase holds whitespace or an operator character, so every peer's query.sh
reads it the same way; --quoted also allows quoted phrases with spaces
(sucai's own syntax, for the exactness test)."""
import argparse, os, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import exact

ap = argparse.ArgumentParser()
ap.add_argument('corpus'); ap.add_argument('out')
ap.add_argument('--n', type=int, default=300)
ap.add_argument('--seed', type=int, default=20261124)
ap.add_argument('--writer', default=os.path.join(here, 'queries_writer.txt'))
ap.add_argument('--quoted', action='store_true')
a = ap.parse_args()
docs = list(exact.read_jsonl(a.corpus))
qs = exact.gen_queries(docs, a.n, a.seed, peer_safe=not a.quoted)
if a.writer:
    qs += exact.writer_queries(a.writer, peer_safe=not a.quoted)
for q in qs:
    exact.parse_query(q)          # every line must be a valid query
with open(a.out, 'w', encoding='utf-8') as f:
    f.write(''.join(q + '\n' for q in qs))
print('make_queries.py: %d queries -> %s' % (len(qs), a.out), file=sys.stderr)
