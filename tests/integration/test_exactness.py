#!/usr/bin/env python3
"""test_exactness.py — `sucai search --ids` must equal a brute-force scan.

Issue 3, "Done when / Exactness": for random queries (substrings of length
1..12 of random documents, ANDs, ORs, NOTs) and the writers' queries
(bench/queries_writer.txt), the ids that `sucai search --batch --ids
--as member` returns equal the ids of the documents whose normalised title or
text contains the query's phrases, found by a plain scan in Python
(bench/exact.py, written from the spec, not from the C code).

Default (CI): builds a sample of ../shared/corpus (all reports, 300 laws,
2000 news items, 2000 poems, 300 debian docs) in a temporary folder, ingests
it as JSONL, and checks 300 random queries + the writers' queries.
The benchmark runs it on the whole corpus against an existing library:
    test_exactness.py --library LIB [--corpus C.jsonl] [--queries Q.txt] [--n N]
The truth is computed over the documents as stored (library.db, the schema
documented in src/store.h: title, free_text + paid_text), so that cleaning
(which may restore masked words) cannot be mistaken for a search error; the
number of stored documents whose text differs from the JSONL is printed.

Exits 1 on any mismatch, printing the query and the differing ids.  Skips
(exit 0, with a notice) only when ../shared/corpus does not exist.
Env: SUCAI = the binary (default build/sucai).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), 'shared')
sys.path.insert(0, os.path.join(ROOT, 'bench'))
import exact  # noqa: E402

SAMPLE = [('reports', 88, 1), ('laws', 300, 11), ('news', 2000, 37),
          ('poetry', 2000, 191), ('debian', 300, 21)]


def die(msg):
    print('test_exactness: FAIL: ' + msg)
    sys.exit(1)


def check_normaliser(norm):
    """Hand-written truths from the spec, so a broken OpenCC table or
    translate table fails loudly instead of making the scan agree with a
    wrong engine."""
    cases = [('國家', ['国家']), ('ＧＤＰ增長', ['gdp增长']), ('Ａ　ｂ', ['a b']),
             ('廉政\n建设', ['廉政', '建设']), ('a \t\u00a0 b', ['a b']),
             ('Été', ['été']), ('發展與改革', ['发展与改革']), ('x\r\ny', ['x', 'y'])]
    for src, want in cases:
        got = norm.lines(src)
        if got != want:
            die('normaliser: %r -> %r, want %r' % (src, got, want))
    if norm.phrase('臺灣') != '台湾':
        die('normaliser: 臺灣 -> %r' % norm.phrase('臺灣'))


def build_sample(path):
    n = 0
    with open(path, 'w', encoding='utf-8') as out:
        for name, want, every in SAMPLE:
            p = subprocess.Popen(['zstd', '-dcq', os.path.join(SHARED, 'corpus', name + '.jsonl.zst')],
                                 stdout=subprocess.PIPE)
            got = 0
            for i, line in enumerate(p.stdout):
                if got >= want:
                    break
                if i % every or not line.strip():
                    continue
                d = json.loads(line)
                out.write(json.dumps({'id': d['id'], 'title': d.get('title') or '',
                                      'text': d.get('text') or ''}, ensure_ascii=False) + '\n')
                got += 1
            p.stdout.close()
            p.wait()
            n += got
    return n


def ingest(sucai, lib, corpus):
    t0 = time.time()
    r = subprocess.run([sucai, '--library', lib, 'ingest', '--json', corpus],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600)
    status = {}
    for line in r.stdout.decode('utf-8', 'replace').splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        status[o.get('status')] = status.get(o.get('status'), 0) + 1
    print('ingest: exit %d, %.1f s, statuses %s' % (r.returncode, time.time() - t0, status))
    if r.returncode != 0:
        die('ingest failed (exit %d): %s' % (r.returncode, r.stderr.decode('utf-8', 'replace')[-2000:]))


def run_batch(sucai, lib, queries):
    data = ''.join(q + '\n' for q in queries).encode('utf-8')
    t0 = time.time()
    r = subprocess.run([sucai, '--library', lib, 'search', '--batch', '--ids', '--as', 'member',
                        '--limit', '10'], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=7200)
    if r.returncode != 0:
        die('search --batch exit %d: %s' % (r.returncode, r.stderr.decode('utf-8', 'replace')[-2000:]))
    lines = [ln for ln in r.stdout.decode('utf-8').split('\n') if ln.strip()]
    if len(lines) != len(queries):
        die('search --batch printed %d lines for %d queries' % (len(lines), len(queries)))
    print('search --batch: %d queries in %.1f s' % (len(queries), time.time() - t0))
    return [json.loads(ln) for ln in lines]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--library', help='existing library (skips sampling and ingest)')
    ap.add_argument('--corpus', help='JSONL the queries are drawn from')
    ap.add_argument('--queries', help='extra query file, one a line')
    ap.add_argument('--n', type=int, default=300, help='random queries (default 300)')
    ap.add_argument('--seed', type=int, default=3)
    ap.add_argument('--text-only', action='store_true',
                    help='diagnosis only: leave titles out of the truth (the spec searches title and text)')
    a = ap.parse_args()

    if not os.path.isdir(os.path.join(SHARED, 'corpus')):
        print('test_exactness: SKIP: %s not found' % os.path.join(SHARED, 'corpus'))
        return 0
    sucai = os.environ.get('SUCAI') or os.path.join(ROOT, 'build', 'sucai')
    if not os.access(sucai, os.X_OK):
        die('no sucai binary at %s (set SUCAI)' % sucai)

    t0 = time.time()
    norm = exact.Normaliser()
    check_normaliser(norm)
    tmp = tempfile.TemporaryDirectory(prefix='sucai-exact-')
    lib, corpus = a.library, a.corpus
    if not lib:
        corpus = os.path.join(tmp.name, 'sample.jsonl')
        print('sample: %d docs (%.1f s)' % (build_sample(corpus), time.time() - t0))
        lib = os.path.join(tmp.name, 'lib')
        ingest(sucai, lib, corpus)
    if not corpus:
        die('--library needs --corpus (the JSONL it was built from)')

    src = list(exact.read_jsonl(corpus))
    stored = list(exact.truth_from_library(lib))
    if not stored:
        die('library %s holds no documents' % lib)
    raw = {i: (t, x) for i, t, x in src}
    squash = lambda s: ''.join(s.split())                      # noqa: E731
    changed = sum(1 for i, (t, x) in stored if i in raw and squash(x) not in
                  (squash(raw[i][1]), squash(raw[i][0] + raw[i][1])))
    if a.text_only:
        stored = [(i, [x]) for i, (t, x) in stored]
    print('stored: %d docs of %d in the JSONL; %d stored texts differ from title+text '
          '(ignoring whitespace)' % (len(stored), len(src), changed))
    truth = exact.Truth(norm, stored)
    del stored
    print('truth: %d chars normalised (%.1f s)' % (len(truth.big), time.time() - t0))

    queries = exact.gen_queries(src, a.n, a.seed, peer_safe=False)
    queries += exact.writer_queries(os.path.join(ROOT, 'bench', 'queries_writer.txt'), peer_safe=False)
    # the normalisation rules, each probed directly (truths from the spec)
    queries += ['國務院', 'ＧＤＰ', 'gdp|Gdp', '"linux  KERNEL"', '臺灣|台湾', '發展 -发展',
                '"，"', '年', 'a', '1', '"of the"']
    if a.queries:
        with open(a.queries, encoding='utf-8') as f:
            queries += [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]
    del src, raw

    answers = run_batch(sucai, lib, queries)
    bad = 0
    for q, ans in zip(queries, answers):
        want = truth.search(q)
        if 'ids' not in ans:
            die('no "ids" in the answer to %r: %s' % (q, json.dumps(ans, ensure_ascii=False)[:300]))
        got = set(ans['ids'])
        problems = []
        if got != want:
            missing, extra = sorted(want - got), sorted(got - want)
            problems.append('missing %d %s extra %d %s' % (len(missing), missing[:5], len(extra), extra[:5]))
        if ans.get('total') != len(want):
            problems.append('total %s, want %d' % (ans.get('total'), len(want)))
        if len(ans['ids']) != len(got):
            problems.append('ids repeat')
        if problems:
            bad += 1
            print('MISMATCH %r: %s' % (q, '; '.join(problems)))
    print('test_exactness: %d queries, %d mismatches, %.1f s' % (len(queries), bad, time.time() - t0))
    if bad:
        die('%d of %d queries differ from the brute-force scan' % (bad, len(queries)))
    print('test_exactness: ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
