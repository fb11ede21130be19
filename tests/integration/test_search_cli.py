#!/usr/bin/env python3
"""`sucai search` through the CLI on the sample materials.

Ingests ../shared/samples (the seed document and samples/raw), then checks:
  - `--ids` equals a scan of the stored texts (read from library.db and the
    texts file by bench/exact.py's reader of the documented formats; normalised here independently: full-width -> ASCII, lower
    case, whitespace runs -> one space, phrases never cross a line break)
    for hand-written queries and random substrings of stored documents;
  - `index optimize` merges the segments into one and changes no answer;
  - `--count` prints that number; `--json` and `--batch` print the
    documented objects; a bad query is exit 2 (or an {"error"} line in
    batch mode); the text output marks matches with 【】;
  - a visitor's JSON never contains text that only the paid part holds.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
SUCAI = os.environ.get("SUCAI") or os.path.join(ROOT, "build/sucai")
SHARED = os.path.abspath(os.path.join(ROOT, "../shared"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import exact  # noqa: E402
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


sys.path.insert(0, os.path.join(ROOT, "bench"))
import exact  # noqa: E402  (the spec's normalisation, written apart from the C code)

_NORM = None


def norm(s):
    """Full-width -> ASCII, lower case, traditional -> simplified (OpenCC,
    char by char), whitespace runs -> one space; line breaks stay."""
    global _NORM
    if _NORM is None:
        _NORM = exact.Normaliser()
    return "\n".join(_NORM.lines(s))


def run(lib, *args, stdin=None):
    return subprocess.run([SUCAI, "--library", lib, *args], capture_output=True, text=True, input=stdin)


def main():
    if not os.path.isdir(os.path.join(SHARED, "samples")):
        print("notice: %s not found, skipping" % SHARED)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, "lib")
        r = run(lib, "ingest", os.path.join(SHARED, "samples/000_f34c468b8c96c242.txt"), os.path.join(SHARED, "samples/raw"))
        rows = [(i, f, p) for i, _title, f, p in exact.stored_texts(lib)]
        if len(rows) < 10:
            fail("only %d documents stored: %s" % (len(rows), r.stderr[-300:]))
            return 1
        texts = {i: norm(f + p) for i, f, p in rows}
        # ASCII letters are folded by the engine with utf8proc too; keep to
        # queries whose characters this simple normaliser folds the same way
        def scan(q):
            qn = norm(q)
            return {i for i, t in texts.items() if any(qn in line for line in t.split("\n"))}
        rng = random.Random(11)
        queries = ["廉政建设", "建设", "廉", "工作", "2023年", "GDP", "的", "同志们", "习近平新时代中国特色社会主义思想",
                   "一、", "（一）", "第一条", "gov"]
        keys = list(texts)
        while len(queries) < 80:
            t = texts[rng.choice(keys)]
            n = rng.randint(1, 12)
            if len(t) <= n:
                continue
            s = rng.randrange(len(t) - n)
            q = t[s:s + n]
            if any(c in q for c in '"\n| \t') or q.startswith("-") or ":" in q or not all(ord(c) < 0x2E80 or 0x4E00 <= ord(c) <= 0x9FFF or 0xFF00 <= ord(c) <= 0xFFEF or 0x3000 <= ord(c) <= 0x303F for c in q):
                continue
            queries.append(q)
        r = run(lib, "search", "--batch", "--ids", stdin="\n".join(queries) + "\n")
        lines = r.stdout.strip().split("\n")
        if r.returncode != 0 or len(lines) != len(queries):
            fail("batch: exit %d, %d lines for %d queries" % (r.returncode, len(lines), len(queries)))
            return 1
        for q, line in zip(queries, lines):
            o = json.loads(line)
            for k in ("total", "took_ms", "hits", "ids"):
                if k not in o:
                    fail("batch %r: no %s" % (q, k))
            want = scan(q)
            if set(o["ids"]) != want or o["total"] != len(want) or len(o["ids"]) != len(want):
                fail("%r: index %d ids (total %d), scan %d" % (q, len(o["ids"]), o["total"], len(want)))
        # count, json, text
        want = scan("建设")
        r = run(lib, "search", "--count", "建设")
        if r.stdout.strip() != str(len(want)):
            fail("--count 建设: %r, want %d" % (r.stdout, len(want)))
        r = run(lib, "search", "--json", "--limit", "3", "建设")
        o = json.loads(r.stdout)
        if o["total"] != len(want) or len(o["hits"]) != min(3, len(want)):
            fail("--json: total %d hits %d" % (o["total"], len(o["hits"])))
        for h in o["hits"]:
            for k in ("id", "title", "type", "year", "score", "snippet", "highlights", "in_paid_part"):
                if k not in h:
                    fail("--json hit has no %s" % k)
            for s, l in h["highlights"]:
                if norm(h["snippet"][s:s + l]) != "建设":
                    fail("highlight %r is not the match" % h["snippet"][s:s + l])
        r = run(lib, "search", "建设")
        if "【建设】" not in r.stdout:
            fail("text output does not mark matches: %r" % r.stdout[:300])
        for bad in ['"廉政', "-", "a||b", ""]:
            r = run(lib, "search", bad)
            if r.returncode != 2 or not r.stderr.strip():
                fail("bad query %r: exit %d, %r" % (bad, r.returncode, r.stderr))
        r = run(lib, "search", "--batch", stdin='"廉政\n廉政\n')
        ls = r.stdout.strip().split("\n")
        if len(ls) != 2 or "error" not in json.loads(ls[0]) or "total" not in json.loads(ls[1]):
            fail("batch with a bad query: %r" % r.stdout)
        # paywall: a visitor never sees paid-only text
        paid_only = []
        for i, f, p in rows:
            for m in re.findall(r"[\u4e00-\u9fff]{6}", p)[:40]:
                if not any(m in norm(ff + "") for _, ff, _ in rows) and m not in f:
                    paid_only.append(m)
                    break
        checked = 0
        for m in paid_only[:15]:
            r = run(lib, "search", "--json", "--as", "visitor", "--limit", "50", m)
            o = json.loads(r.stdout)
            if o["total"] < 1:
                fail("paid-only %r not found at all" % m)
            if m in r.stdout:
                fail("visitor JSON shows paid text %r" % m)
            if not all(h["in_paid_part"] for h in o["hits"]):
                fail("visitor hit for paid-only %r not flagged in_paid_part" % m)
            r = run(lib, "search", "--json", "--as", "member", m)
            if m not in r.stdout:
                fail("member JSON lacks the paid match %r" % m)
            checked += 1
        if any(p for _, _, p in rows) and not checked:
            fail("documents have paid parts but no paid-only phrase was found to check")
        # index optimize: a second batch makes a second segment; merging all
        # into one changes no answer
        r = run(lib, "ingest", os.path.join(ROOT, "examples"))
        segs = lambda: sorted(f for f in os.listdir(os.path.join(lib, "index")) if f.endswith(".sxs"))
        before = run(lib, "search", "--batch", "--ids", stdin="\n".join(queries) + "\n").stdout
        if len(segs()) < 2:
            fail("expected several segments before optimize, found %s" % segs())
        r = run(lib, "index", "optimize")
        if r.returncode != 0 or "index optimized" not in r.stdout:
            fail("index optimize: exit %d %r %r" % (r.returncode, r.stdout, r.stderr))
        if len(segs()) != 1:
            fail("after optimize: segments %s" % segs())
        r = run(lib, "index", "check")
        if r.returncode != 0:
            fail("index check after optimize: %r" % r.stderr)
        after = run(lib, "search", "--batch", "--ids", stdin="\n".join(queries) + "\n").stdout
        strip = lambda out: [dict((k, v) for k, v in json.loads(l).items() if k != "took_ms") for l in out.strip().split("\n")]
        if strip(before) != strip(after):
            fail("answers changed by index optimize")
        print("checked %d queries, %d paid-only phrases" % (len(queries), checked))
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("search CLI ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
