#!/usr/bin/env bash
# prepare.sh — builds the benchmark corpora from ../shared/corpus/*.jsonl.zst
# into bench/out/ (gitignored), one JSON object a line with id, title, text
# (the peers' format, ../shared/peers/README.md):
#   bench/out/corpus.jsonl   all five corpora (~94 M characters, ~474k docs)
#   bench/out/parts/NAME.jsonl the same, one file per corpus (sucai's reader
#                            takes at most 256 MiB per file; all five files
#                            go to one `sucai ingest` command)
#   bench/out/core.jsonl     reports + laws + news (~59 M characters, 79k docs):
#                            the prose corpora, for engines or runs that
#                            cannot take the 389k short poems
#   bench/out/sample.jsonl   a small deterministic slice for CI and quick runs:
#                            all reports, every 10th law, every 40th news item,
#                            every 200th poem, every 20th debian doc
# Usage: bench/prepare.sh [--force]      (skips work when the outputs exist)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SUCAI_SHARED:-$root/../shared}
out=$root/bench/out
mkdir -p "$out"
if [ ! -d "$shared/corpus" ]; then echo "prepare.sh: $shared/corpus not found" >&2; exit 1; fi
mkdir -p "$out/parts"
if [ "${1:-}" != --force ] && [ -s "$out/corpus.jsonl" ] && [ -s "$out/sample.jsonl" ] && [ -s "$out/parts/debian.jsonl" ] && [ -s "$out/core.jsonl" ]; then
  echo "prepare.sh: $out/corpus.jsonl and sample.jsonl exist (use --force to rebuild)" >&2; exit 0
fi
/usr/bin/python3 - "$shared/corpus" "$out" <<'PY'
import json, subprocess, sys, os
src, out = sys.argv[1], sys.argv[2]
every = {'reports': 1, 'laws': 10, 'news': 40, 'poetry': 200, 'debian': 20}
nall = nsample = chars = 0
with open(os.path.join(out, 'corpus.jsonl.tmp'), 'w', encoding='utf-8') as fa, \
     open(os.path.join(out, 'sample.jsonl.tmp'), 'w', encoding='utf-8') as fs:
    for name in ['reports', 'laws', 'news', 'poetry', 'debian']:
        fp = open(os.path.join(out, 'parts', name + '.jsonl'), 'w', encoding='utf-8')
        p = subprocess.Popen(['zstd', '-dcq', os.path.join(src, name + '.jsonl.zst')],
                             stdout=subprocess.PIPE)
        for i, line in enumerate(p.stdout):
            if not line.strip():
                continue
            d = json.loads(line)
            rec = json.dumps({'id': d['id'], 'title': d.get('title') or '',
                              'text': d.get('text') or ''}, ensure_ascii=False) + '\n'
            fa.write(rec); fp.write(rec); nall += 1; chars += len(d.get('title') or '') + len(d.get('text') or '')
            if i % every[name] == 0:
                fs.write(rec); nsample += 1
        fp.close()
        if p.wait() != 0:
            sys.exit('zstd failed on %s' % name)
os.replace(os.path.join(out, 'corpus.jsonl.tmp'), os.path.join(out, 'corpus.jsonl'))
os.replace(os.path.join(out, 'sample.jsonl.tmp'), os.path.join(out, 'sample.jsonl'))
print('prepare.sh: corpus.jsonl %d docs, %d chars; sample.jsonl %d docs' % (nall, chars, nsample),
      file=sys.stderr)
PY
cat "$out"/parts/{reports,laws,news}.jsonl >"$out/core.jsonl"
ls -l "$out"/corpus.jsonl "$out"/core.jsonl "$out"/sample.jsonl >&2
