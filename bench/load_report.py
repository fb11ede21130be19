#!/usr/bin/env python3
"""load_report.py — the data side of bench/load.sh (stdlib only).

Subcommands:
  queries PARTS_DIR OUT [--n N] [--seed S] [--writer FILE]
      Writes OUT: one request path a line, already URL-encoded, for
      bench/load_mix.lua to replay in a shuffled round robin.  The mix
      imitates writers at the search box (see LOAD.md for the shares):
        /api/search?q=Q[&page=2|3][&sort=date]
        /api/suggest?q=P          (title prefixes as typed, key by key)
      Q is a 1-12 character substring of a corpus text (no punctuation or
      spaces), or two/three of them with AND (space), OR (|), NOT (-),
      a quoted phrase, or a hand-written writer query (--writer).  Texts are
      drawn by corpus with the weights in PART_WEIGHT (writers search reports,
      laws and news far more than poems).
  newdocs PARTS_DIR OUT.jsonl [--n N] [--seed S]
      Writes N documents that are not in the corpus ({"title", "text"}):
      each stitches 3-6 news paragraphs and a law or report paragraph under a
      news title with a dated suffix, so no clean text equals a stored one
      and `make_raw.py` turns them into genuinely new raw files.
  report RUNDIR
      Reads what load.sh left in RUNDIR (wrk.json from load_mix.lua's done(),
      rss.tsv, ingest/*.json, metrics_before/after.txt, times.env) and prints
      the summary; also writes RUNDIR/summary.json.  Exit 1 when a target is
      missed (searches/s, p99, errors, ingest failures, RSS growth).
"""
import argparse, glob, json, os, random, re, sys, urllib.parse

PART_WEIGHT = {'reports': 0.30, 'laws': 0.25, 'news': 0.35, 'poetry': 0.05, 'debian': 0.05}
# Target of issue 4's Load bullet.
TARGET_SEARCHES_S = 5000
TARGET_P99_MS = 20.0
# "Flat": the last third's mean RSS (without the store's mapped pages, see
# report) at most this much above the first third's.
RSS_GROWTH_LIMIT = 0.10

WORD = re.compile(r'[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]+')


def load_parts(parts_dir):
    parts = {}
    for name in PART_WEIGHT:
        path = os.path.join(parts_dir, name + '.jsonl')
        if not os.path.exists(path):
            continue
        with open(path, encoding='utf-8') as f:
            parts[name] = [line for line in f if line.strip()]
    if not parts:
        sys.exit('load_report.py: no corpus parts in %s (run bench/prepare.sh)' % parts_dir)
    return parts


def pick_doc(rng, parts):
    names = list(parts)
    name = rng.choices(names, weights=[PART_WEIGHT[n] for n in names])[0]
    return name, json.loads(rng.choice(parts[name]))


def substring(rng, parts, length):
    """A run of `length` word characters from a random text (shorter runs retried)."""
    for _ in range(200):
        _, d = pick_doc(rng, parts)
        text = d.get('text') or ''
        if len(text) < 20:
            continue
        start = rng.randrange(0, max(1, len(text) - 40))
        runs = [m.group(0) for m in WORD.finditer(text, start, min(len(text), start + 400))]
        runs = [r for r in runs if len(r) >= length]
        if runs:
            r = rng.choice(runs)
            i = rng.randrange(0, len(r) - length + 1)
            return r[i:i + length]
    return '中国'


def length(rng):
    # writers type words: 2 and 4 characters most, sometimes one character or a clause
    return rng.choices([1, 2, 3, 4, 5, 6, 7, 8, 10, 12],
                       weights=[5, 25, 15, 25, 8, 6, 5, 4, 4, 3])[0]


def search_path(q, rng):
    args = [('q', q)]
    page = rng.choices([1, 2, 3], weights=[75, 17, 8])[0]
    if page > 1:
        args.append(('page', str(page)))
    if rng.random() < 0.2:
        args.append(('sort', 'date'))
    return '/api/search?' + urllib.parse.urlencode(args, quote_via=urllib.parse.quote)


def cmd_queries(a):
    rng = random.Random(a.seed)
    parts = load_parts(a.parts)
    writer = []
    if a.writer and os.path.exists(a.writer):
        with open(a.writer, encoding='utf-8') as f:
            writer = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    kinds = ['one', 'and', 'or', 'not', 'phrase', 'writer', 'suggest']
    weights = [48, 12, 6, 5, 4, 10, 6]
    out, counts = [], {k: 0 for k in kinds}
    while len(out) < a.n:
        k = rng.choices(kinds, weights=weights)[0]
        if k == 'writer' and not writer:
            continue
        counts[k] += 1
        if k == 'suggest':
            _, d = pick_doc(rng, parts)
            title = ''.join(WORD.findall(d.get('title') or '')) or substring(rng, parts, 4)
            # the box asks on every key: the first 1..4 characters of a title
            for n in range(1, min(4, len(title)) + 1):
                out.append('/api/suggest?q=' + urllib.parse.quote(title[:n]))
            continue
        if k == 'one':
            q = substring(rng, parts, length(rng))
        elif k == 'and':
            q = ' '.join(substring(rng, parts, rng.choice([2, 2, 3, 4])) for _ in range(rng.choice([2, 2, 3])))
        elif k == 'or':
            q = '|'.join(substring(rng, parts, rng.choice([2, 3, 4])) for _ in range(2))
        elif k == 'not':
            q = substring(rng, parts, rng.choice([2, 4])) + ' -' + substring(rng, parts, rng.choice([1, 2]))
        elif k == 'phrase':
            q = '"' + substring(rng, parts, rng.choice([6, 8, 10, 12])) + '"'
        else:
            q = rng.choice(writer)
        out.append(search_path(q, rng))
    out = out[:a.n]
    with open(a.out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')
    n_search = sum(1 for p in out if p.startswith('/api/search'))
    print('load_report.py: %d requests (%d searches, %d suggests) -> %s; query kinds %s'
          % (len(out), n_search, len(out) - n_search, a.out, counts), file=sys.stderr)


def cmd_newdocs(a):
    rng = random.Random(a.seed)
    parts = load_parts(a.parts)
    news = parts.get('news') or next(iter(parts.values()))
    extra = (parts.get('laws') or []) + (parts.get('reports') or [])
    with open(a.out, 'w', encoding='utf-8') as f:
        for i in range(a.n):
            head = json.loads(rng.choice(news))
            paras = []
            for _ in range(rng.randint(3, 6)):
                d = json.loads(rng.choice(news))
                paras += [p for p in (d.get('text') or '').split('\n') if p.strip()][:4]
            if extra:
                d = json.loads(rng.choice(extra))
                ps = [p for p in (d.get('text') or '').split('\n') if len(p.strip()) > 20]
                if ps:
                    j = rng.randrange(len(ps))
                    paras += ps[j:j + 3]
            title = (head.get('title') or '新材料').strip()[:40]
            title += '（2026年第%d期学习材料）' % (i + 1)
            f.write(json.dumps({'id': 'load-new-%04d' % i, 'title': title,
                                'text': '\n'.join(paras)}, ensure_ascii=False) + '\n')
    print('load_report.py: %d new documents -> %s' % (a.n, a.out), file=sys.stderr)


def read_env(path):
    env = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if '=' in line:
                    k, v = line.strip().split('=', 1)
                    env[k] = v
    return env


def metrics(path):
    """route -> {status: count} and the document count from a /metrics dump."""
    routes, docs = {}, None
    if not os.path.exists(path):
        return routes, docs
    with open(path) as f:
        for line in f:
            m = re.match(r'sucai_requests_total\{route="([^"]+)",status="([^"]+)"\} (\d+)', line)
            if m:
                routes.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
            m = re.match(r'sucai_cache_(hits|misses)_total\{cache="([^"]+)"\} (\d+)', line)
            if m:
                routes.setdefault('cache_' + m.group(2), {})[m.group(1)] = int(m.group(3))
            m = re.match(r'sucai_documents (\d+)', line)
            if m:
                docs = int(m.group(1))
    return routes, docs


def delta(after, before, route):
    a, b = after.get(route, {}), before.get(route, {})
    return {s: a.get(s, 0) - b.get(s, 0) for s in set(a) | set(b) if a.get(s, 0) - b.get(s, 0)}


def cmd_report(a):
    d = a.rundir
    env = read_env(os.path.join(d, 'times.env'))
    with open(os.path.join(d, 'wrk.json')) as f:
        w = json.load(f)
    secs = w['duration_us'] / 1e6
    rps = w['requests'] / secs if secs else 0
    errors = w['errors']
    n_err = sum(errors.values())

    mb, docs0 = metrics(os.path.join(d, 'metrics_before.txt'))
    ma, docs1 = metrics(os.path.join(d, 'metrics_after.txt'))
    search = delta(ma, mb, 'search')
    suggest = delta(ma, mb, 'suggest')
    n_search = sum(search.values())
    n_suggest = sum(suggest.values())
    cache = {k: delta(ma, mb, 'cache_' + k) for k in ('search', 'suggest')}
    search_non2xx = sum(v for s, v in search.items() if not s.startswith('2'))
    suggest_non2xx = sum(v for s, v in suggest.items() if not s.startswith('2'))

    # (seconds, kB): VmRSS without the store's mapped pages, and its
    # anonymous part (heap).  The readers map library.db (src/store.c), so
    # VmRSS also counts every document page a search has shown so far: the
    # kernel's page cache, bounded by the file and given back under
    # pressure, not memory the server holds.  The index's mapped pages stay
    # counted, as before the store was mapped.
    rss, anon, store = [], [], []
    with open(os.path.join(d, 'rss.tsv')) as f:
        for line in f:
            v = line.split()
            db = int(v[4]) if len(v) >= 5 else 0
            if len(v) >= 2:
                rss.append((float(v[0]), int(v[1]) - db))
            if len(v) >= 3:
                anon.append((float(v[0]), int(v[2])))
            store.append(db)
    third = max(1, len(rss) // 3)
    first = sum(k for _, k in rss[:third]) / third if rss else 0
    last = sum(k for _, k in rss[-third:]) / third if rss else 0
    growth = (last - first) / first if first else 0

    athird = max(1, len(anon) // 3)
    afirst = sum(k for _, k in anon[:athird]) / athird if anon else 0
    alast = sum(k for _, k in anon[-athird:]) / athird if anon else 0
    ticks = int(env.get('CPU_TICKS_WRK_END', 0)) - int(env.get('CPU_TICKS_BEFORE', 0))
    cpu_s = ticks / float(env.get('CLK_TCK', 100))

    batches = sorted(glob.glob(os.path.join(d, 'ingest', 'batch_*.json')))
    counts = {'added': 0, 'duplicate': 0, 'updated': 0, 'failed': 0}
    bad_batches, batch_secs = 0, []
    for b in batches:
        try:
            with open(b) as f:
                j = json.load(f)
            for k in counts:
                counts[k] += j['counts'][k]
        except (ValueError, KeyError):
            bad_batches += 1
    for line in open(os.path.join(d, 'ingest', 'times.tsv')) if os.path.exists(os.path.join(d, 'ingest', 'times.tsv')) else []:
        parts = line.split()
        if len(parts) >= 3:
            batch_secs.append(float(parts[2]))
    n_files = int(env.get('INGEST_FILES', '0'))
    ingest_wall = float(env.get('INGEST_END', 0)) - float(env.get('INGEST_START', 0)) if env.get('INGEST_END') else None

    s = {
        'duration_s': round(secs, 1),
        'connections': int(env.get('CONNS', 0)), 'wrk_threads': int(env.get('WRK_THREADS', 0)),
        'server_threads': int(env.get('SERVER_THREADS', 0)),
        'requests': w['requests'], 'requests_per_s': round(rps),
        'searches': n_search, 'searches_per_s': round(n_search / secs) if secs else 0,
        'suggests': n_suggest, 'suggests_per_s': round(n_suggest / secs) if secs else 0,
        'cache': cache,
        'latency_ms': {k: round(v / 1000, 2) for k, v in w['latency_us'].items()},
        'wrk_errors': errors, 'server_non2xx': {'search': search_non2xx, 'suggest': suggest_non2xx},
        'rss_kb': {'start': rss[0][1] if rss else 0, 'max': max(k for _, k in rss) if rss else 0,
                   'end': rss[-1][1] if rss else 0, 'first_third_mean': round(first),
                   'last_third_mean': round(last), 'growth': round(growth, 4), 'samples': len(rss),
                   'anon_start': anon[0][1] if anon else 0, 'anon_max': max((k for _, k in anon), default=0),
                   'anon_end': anon[-1][1] if anon else 0, 'anon_first_third_mean': round(afirst),
                   'anon_last_third_mean': round(alast),
                   'store_mapped_max': max(store, default=0), 'store_mapped_end': store[-1] if store else 0},
        'server_cpu_s': round(cpu_s, 1),
        'server_cpu_ms_per_request': round(1000 * cpu_s / w['requests'], 3) if w['requests'] else None,
        'loadavg_before': env.get('LOADAVG_BEFORE'), 'loadavg_after': env.get('LOADAVG_AFTER'),
        'ingest': {'files': n_files, 'batches': len(batches), 'bad_batches': bad_batches,
                   'wall_s': round(ingest_wall, 1) if ingest_wall is not None else None,
                   'busy_s': round(sum(batch_secs), 1),
                   'batch_s_max': round(max(batch_secs), 2) if batch_secs else None,
                   'counts': counts, 'documents_before': docs0, 'documents_after': docs1},
    }
    fails = []
    if s['searches_per_s'] < TARGET_SEARCHES_S:
        fails.append('searches/s %d < %d' % (s['searches_per_s'], TARGET_SEARCHES_S))
    if s['latency_ms']['p99'] >= TARGET_P99_MS:
        fails.append('p99 %.2f ms >= %.0f ms' % (s['latency_ms']['p99'], TARGET_P99_MS))
    if n_err or search_non2xx or suggest_non2xx:
        fails.append('errors: wrk %s, server non-2xx %s' % (errors, s['server_non2xx']))
    if n_files and (counts['added'] != n_files or bad_batches):
        fails.append('ingest: %d of %d files added, %d bad batches' % (counts['added'], n_files, bad_batches))
    if growth > RSS_GROWTH_LIMIT:
        fails.append('RSS grew %.1f%% (first third %d kB, last third %d kB)' % (100 * growth, first, last))
    s['target_met'] = not fails
    s['misses'] = fails
    with open(os.path.join(d, 'summary.json'), 'w') as f:
        json.dump(s, f, indent=1)

    L = s['latency_ms']
    print('== sucai load: %s s, %d connections (wrk %d threads), server --threads %s'
          % (s['duration_s'], s['connections'], s['wrk_threads'], s['server_threads'] or '(default: 4 a core)'))
    print('requests/s   %d total: %d searches/s + %d suggests/s (%d requests)'
          % (s['requests_per_s'], s['searches_per_s'], s['suggests_per_s'], s['requests']))
    hit = []
    for k in ('search', 'suggest'):
        c = cache.get(k, {})
        n = c.get('hits', 0) + c.get('misses', 0)
        hit.append('%s %.1f%% of %d' % (k, 100.0 * c.get('hits', 0) / n, n) if n else '%s off' % k)
    print('answer cache hits: %s (computed answers: %d searches, %d suggests)'
          % ('; '.join(hit), cache.get('search', {}).get('misses', 0), cache.get('suggest', {}).get('misses', 0)))
    print('latency ms   p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f'
          % (L['p50'], L['p90'], L['p99'], L['p999'], L['max']))
    print('errors       wrk %s; server non-2xx search %d suggest %d'
          % (' '.join('%s=%d' % kv for kv in sorted(errors.items())), search_non2xx, suggest_non2xx))
    r = s['rss_kb']
    print('RSS MiB (VmRSS - mapped store) start %.1f  max %.1f  end %.1f  (thirds %.1f -> %.1f, %+.1f%%, %d samples)'
          % (r['start'] / 1024, r['max'] / 1024, r['end'] / 1024, first / 1024, last / 1024,
             100 * growth, r['samples']))
    print('RSS anon MiB start %.1f  max %.1f  end %.1f  (thirds %.1f -> %.1f): the heap; the rest is the mapped index'
          % (r['anon_start'] / 1024, r['anon_max'] / 1024, r['anon_end'] / 1024, afirst / 1024, alast / 1024))
    print('store mapped MiB max %.1f  end %.1f: pages of library.db the readers touched (page cache), '
          'not in the RSS figures above' % (r['store_mapped_max'] / 1024, r['store_mapped_end'] / 1024))
    cms = s['server_cpu_ms_per_request']
    print('server CPU   %.1f s during wrk = %.2f CPU-ms per request (ingest included) -> at most %d requests/s '
          'on 2 idle cores; load average before %s, after %s'
          % (cpu_s, cms or 0, int(2000 / cms) if cms else 0, s['loadavg_before'], s['loadavg_after']))
    g = s['ingest']
    if n_files:
        print('ingest       %d files in %d batches: wall %s s (server busy %.1f s, slowest batch %s s); '
              'added %d duplicate %d updated %d failed %d; documents %s -> %s'
              % (n_files, g['batches'], g['wall_s'], g['busy_s'], g['batch_s_max'], counts['added'],
                 counts['duplicate'], counts['updated'], counts['failed'], docs0, docs1))
    else:
        print('ingest       none (--no-ingest)')
    print('target       %s' % ('MET' if not fails else 'MISSED: ' + '; '.join(fails)))
    return 0 if not fails else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    q = sub.add_parser('queries')
    q.add_argument('parts'); q.add_argument('out')
    q.add_argument('--n', type=int, default=20000); q.add_argument('--seed', type=int, default=1)
    q.add_argument('--writer')
    n = sub.add_parser('newdocs')
    n.add_argument('parts'); n.add_argument('out')
    n.add_argument('--n', type=int, default=1000); n.add_argument('--seed', type=int, default=7)
    r = sub.add_parser('report')
    r.add_argument('rundir')
    a = ap.parse_args()
    return {'queries': cmd_queries, 'newdocs': cmd_newdocs, 'report': cmd_report}[a.cmd](a) or 0


if __name__ == '__main__':
    sys.exit(main())
