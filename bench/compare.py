#!/usr/bin/env python3
"""compare.py RUNDIR — the benchmark table from one bench/run.sh run.

Reads RUNDIR/queries.txt (N queries), RUNDIR/sucai/{build.tsv, batch.out,
batch.R.out} and RUNDIR/peers/NAME/{build.tsv, query.out, query.R.out,
index/}.  Query files that hold the set twice (warm-up) are measured on the
second pass only.  The R files are further rounds of the same runs (run.sh
RUNS), each engine once a round: a query's time is its median over the
rounds, so that no engine's figure rests on one process meeting this VM in
a slow or a fast mood (one process's median moves by up to 40 % from one
run to the next, and runs alternate between moods).
Prints a Markdown table: build seconds, index size on disk (du, MB = 10^6
bytes), median / p99 / mean ms per query, and each engine's median latency
and build time as a multiple of sucai's; "hits≠rg" counts the queries whose
total differs from ripgrep's (the raw byte-substring scan; sucai normalises
case, full-width and traditional characters, so it differs by design where a
query or document holds them — its exactness is checked against the
normalised scan, see exact.log).  Per-query hits go to RUNDIR/hits.txt with
'*' where a count differs from ripgrep's.
"""
import json
import os
import subprocess
import sys

PEERS = ['sqlite-fts5-trigram', 'groonga-bigram', 'xapian-cjk-ngram', 'lucene-cjk', 'ripgrep']
LABEL = {'sucai': 'sucai', 'sqlite-fts5-trigram': 'SQLite FTS5 trigram (+LIKE 1-2 chars)',
         'groonga-bigram': 'Groonga TokenBigram', 'xapian-cjk-ngram': 'Xapian CJK n-gram',
         'lucene-cjk': 'Lucene CJK bigram+unigram', 'ripgrep': 'ripgrep (scan)'}


def du(path):
    if not os.path.exists(path):
        return None
    r = subprocess.run(['du', '-sB1', path], stdout=subprocess.PIPE, check=False)
    return int(r.stdout.split()[0]) if r.returncode == 0 else None


def pct(xs, p):
    """Nearest-rank percentile."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def median(xs):
    if not xs:
        return None
    s, n = sorted(xs), len(xs)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def read_build(path):
    try:
        with open(path) as f:
            return [float(x) for x in f.read().split()]
    except (OSError, ValueError):
        return None


def rounds(d, first):
    """The files of every round of runs in d: first, then first's name
    with .2, .3, ... before its extension."""
    base, ext = os.path.splitext(first)
    names = [first] + sorted((f for f in os.listdir(d) if f.startswith(base + '.') and f.endswith(ext)
                              and f[len(base) + 1:-len(ext)].isdigit()),
                             key=lambda f: int(f[len(base) + 1:-len(ext)])) if os.path.isdir(d) else []
    return [os.path.join(d, f) for f in names if os.path.exists(os.path.join(d, f))]


def over_rounds(runs, n):
    """[{qno: (hits, ms)} per round] -> {qno: (hits of the first round, median ms)}."""
    runs = [r for r in runs if r]
    if not runs:
        return None
    out = {}
    for q in runs[0]:
        ms = [r[q][1] for r in runs if q in r and r[q][1] is not None]
        out[q] = (runs[0][q][0], median(ms))
    return out


def peer_results(d, n):
    """-> {qno: (hits, ms)} for the measured pass, median over the rounds."""
    runs = []
    for path in rounds(d, 'query.out'):
        res = {}
        with open(path, encoding='utf-8') as f:
            for line in f:
                p = line.rstrip('\n').split('\t')
                if len(p) >= 3 and p[0].isdigit():
                    res[int(p[0])] = (int(p[1]), float(p[2]))
        if res and max(res) >= 2 * n:
            res = {q - n: v for q, v in res.items() if q > n}
        runs.append(res)
    return over_rounds(runs, n)


def sucai_results(d, n):
    runs = []
    for path in rounds(d, 'batch.out'):
        with open(path, encoding='utf-8') as f:
            lines = [ln for ln in f if ln.strip()]
        if len(lines) >= 2 * n:
            lines = lines[n:2 * n]
        res = {}
        for i, ln in enumerate(lines[:n], 1):
            try:
                o = json.loads(ln)
                res[i] = (int(o['total']), float(o['took_ms']))
            except (ValueError, KeyError, TypeError):
                res[i] = (None, None)
        runs.append(res)
    return over_rounds(runs, n)


def fmt(x, nd=1):
    return '—' if x is None else ('%.*f' % (nd, x))


def main():
    run = sys.argv[1]
    with open(os.path.join(run, 'queries.txt'), encoding='utf-8') as f:
        queries = [ln.rstrip('\n') for ln in f if ln.strip()]
    n = len(queries)
    engines = {}
    sd = os.path.join(run, 'sucai')
    b = read_build(os.path.join(sd, 'build.tsv'))
    engines['sucai'] = {'build': b[0] if b else None,
                        'size': du(os.path.join(sd, 'library', 'index')),
                        'db': du(os.path.join(sd, 'library', 'library.db')),
                        'texts': du(os.path.join(sd, 'library', 'texts')),
                        'res': sucai_results(sd, n)}
    for p in PEERS:
        d = os.path.join(run, 'peers', p)
        if not os.path.isdir(d):
            continue
        b = read_build(os.path.join(d, 'build.tsv'))
        engines[p] = {'build': b[0] if b else None, 'size': du(os.path.join(d, 'index')),
                      'res': peer_results(d, n)}
    rg = (engines.get('ripgrep') or {}).get('res') or {}

    def stats(e):
        res = e['res'] or {}
        ms = [v[1] for v in res.values() if v[1] is not None]
        return median(ms), pct(ms, 99), (sum(ms) / len(ms) if ms else None), len(ms)

    s_med, _, _, _ = stats(engines['sucai'])
    nr = {name: len(rounds(os.path.join(run, 'sucai') if name == 'sucai' else os.path.join(run, 'peers', name),
                           'batch.out' if name == 'sucai' else 'query.out')) for name in engines}
    s_build = engines['sucai']['build']
    print('| engine | build s | index MB | median ms | p99 ms | mean ms | queries | '
          'median × sucai | build × sucai | hits ≠ rg |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for name, e in engines.items():
        med, p99, mean, cnt = stats(e)
        res = e['res'] or {}
        diff = sum(1 for q, v in res.items() if q in rg and v[0] != rg[q][0]) if rg else None
        ratio = med / s_med if med is not None and s_med else None
        bratio = e['build'] / s_build if e['build'] and s_build else None
        size = e['size'] / 1e6 if e['size'] is not None else None
        print('| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s |' % (
            LABEL.get(name, name), fmt(e['build']), fmt(size, 0), fmt(med, 2), fmt(p99, 2),
            fmt(mean, 2), cnt, fmt(ratio, 1), fmt(bratio, 1),
            '—' if diff is None or name == 'ripgrep' else diff))
    print('\nquery times: per query, the median over each engine\'s rounds of runs (%s)'
          % ', '.join('%s %d' % (name, k) for name, k in nr.items()))
    try:
        with open(os.path.join(sd, 'build_parts')) as f:
            print('\nsucai build = %s' % f.read().strip())
    except OSError:
        pass
    db, texts = engines['sucai'].get('db'), engines['sucai'].get('texts')
    print('\nsucai store (not counted as index): library.db (metadata) %s MB + texts %s MB'
          % (fmt(db / 1e6 if db else None, 0), fmt(texts / 1e6 if texts else None, 0)))
    try:
        with open(os.path.join(sd, 'batch_rss_kb')) as f:
            rss = int(f.read().split()[-1])
        print('sucai search --batch peak RSS (mmap\'d index pages included): %.0f MB' % (rss * 1024 / 1e6))
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(os.path.join(sd, 'batch_rss_parts_kb')) as f:
            vm, anon, fil = (int(v) for v in f.read().split())
        print('  peaks in /proc/PID/status (every 50 ms): VmRSS %.0f MB; its heap (RssAnon) %.0f MB;'
              ' its mapped pages of the index and the store (RssFile, the page cache) %.0f MB'
              % (vm * 1024 / 1e6, anon * 1024 / 1e6, fil * 1024 / 1e6))
    except (OSError, ValueError):
        pass
    ex = os.path.join(run, 'exact.log')
    if os.path.exists(ex):
        with open(ex, encoding='utf-8') as f:
            tail = [ln.strip() for ln in f if ln.startswith('test_exactness:')]
        print('exactness (sucai --ids vs brute-force scan of the normalised text): %s'
              % (' / '.join(tail) or 'no result'))
    names = list(engines)
    with open(os.path.join(run, 'hits.txt'), 'w', encoding='utf-8') as f:
        f.write('q\t' + '\t'.join(names) + '\tquery\n')
        for q in range(1, n + 1):
            cells = []
            for nm in names:
                v = (engines[nm]['res'] or {}).get(q)
                h = '—' if v is None or v[0] is None else str(v[0])
                if rg and q in rg and v is not None and v[0] != rg[q][0] and nm != 'ripgrep':
                    h += '*'
                cells.append(h)
            f.write('%d\t%s\t%s\n' % (q, '\t'.join(cells), queries[q - 1]))


if __name__ == '__main__':
    main()
