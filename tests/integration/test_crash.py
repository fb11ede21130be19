#!/usr/bin/env python3
"""Crash safety of the index: kill -9 a real `sucai ingest` at random moments.

Each round writes a JSONL batch whose documents carry marker strings we
control, starts `sucai ingest`, kills it with SIGKILL after a random delay
(or lets it finish), then opens the library for writing (which replays the
store's changes into the index) and checks:
  - `sucai index check` passes;
  - for every marker, `search --count` and `search --ids` equal the stored
    documents that contain it (read independently from library.db and the
    texts file by bench/exact.py, and a plain substring test);
  - every batch whose ingest exited 0 is wholly stored and searchable.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bench'))
import exact  # noqa: E402

SUCAI = os.environ.get("SUCAI") or os.path.join(os.path.dirname(__file__), "../../build/sucai")
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "15"))
MARKERS = ["清廉机关", "营商环境", "证照分离", "markerx", "丙丁戊", "廉"]
FILLER = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈"

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(lib, *args, stdin=None):
    return subprocess.run([SUCAI, "--library", lib, *args], capture_output=True, text=True, input=stdin)


def make_batch(path, rnd, n, rng):
    ids = []
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            parts = []
            for _ in range(rng.randint(3, 12)):
                parts.append("".join(rng.choice(FILLER) for _ in range(rng.randint(5, 30))))
                if rng.random() < 0.3:
                    parts.append(rng.choice(MARKERS))
            parts.append("roundtag%02d号" % rnd)
            text = "。".join(parts) + "。编号%d-%d-%d" % (rnd, i, rng.randint(0, 10**9))
            doc_id = "c%02d-%05d" % (rnd, i)
            ids.append(doc_id)
            f.write(json.dumps({"id": doc_id, "title": "文档%d-%d" % (rnd, i), "text": text,
                                "source": "crash-test", "date": "2024-01-01"}, ensure_ascii=False) + "\n")
    return ids


def stored_docs(lib):
    return {did: (free + paid).lower() for did, _title, free, paid in exact.stored_texts(lib)}


def search_ids(lib, term):
    r = run(lib, "search", "--ids", term)
    if r.returncode != 0:
        fail("search --ids %s: exit %d: %s" % (term, r.returncode, r.stderr.strip()))
        return set()
    return set(x for x in r.stdout.split("\n") if x)


def main():
    if not os.path.exists(SUCAI):
        print("sucai binary not found at", SUCAI)
        return 1
    rng = random.Random(int(os.environ.get("CRASH_SEED", "1234")))
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, "lib")
        completed = {}
        per_doc = 0.001
        for rnd in range(ROUNDS):
            batch = os.path.join(tmp, "b%02d.jsonl" % rnd)
            ids = make_batch(batch, rnd, rng.randint(200, 1500), rng)
            t0 = time.monotonic()
            p = subprocess.Popen([SUCAI, "--library", lib, "ingest", batch],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # round 0 runs to the end and tells how long a document takes;
            # later rounds are killed at a random moment of their ingest
            delay = 600 if rnd == 0 else rng.uniform(0.5, 1.6) * per_doc * len(ids)
            try:
                rc = p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = None
            if rnd == 0:
                per_doc = (time.monotonic() - t0) / len(ids)
            if rc == 0:
                completed[rnd] = ids
            elif rc is not None:
                fail("round %d: ingest exited %d: %s" % (rnd, rc, p.stderr.read().decode(errors="replace")[-300:]))
            p.stderr.close()
            # a writer open replays what the store holds beyond the index
            r = run(lib, "delete", "no-such-document")
            if "no document" not in r.stderr:
                fail("round %d: opening the library for writing: %s" % (rnd, r.stderr.strip()))
            r = run(lib, "index", "check")
            if r.returncode != 0:
                fail("round %d: index check: %s" % (rnd, (r.stdout + r.stderr).strip()))
            docs = stored_docs(lib)
            for term in MARKERS:
                want = {i for i, t in docs.items() if term in t}
                r = run(lib, "search", "--count", term)
                got = int(r.stdout.strip() or -1) if r.returncode == 0 else -1
                if got != len(want):
                    fail("round %d: count %s: index %d, store %d" % (rnd, term, got, len(want)))
                if rnd % 5 == 4 or rnd == ROUNDS - 1:
                    have = search_ids(lib, term)
                    if have != want:
                        fail("round %d: ids %s differ: %d only in index, %d only in store" %
                             (rnd, term, len(have - want), len(want - have)))
            for done, ids in completed.items():
                missing = [i for i in ids if i not in docs]
                if missing:
                    fail("round %d: batch %d reported success but %d docs are not stored" % (rnd, done, len(missing)))
                r = run(lib, "search", "--count", "roundtag%02d号" % done)
                if r.stdout.strip() != str(len(ids)):
                    fail("round %d: batch %d: search finds %s of %d" % (rnd, done, r.stdout.strip(), len(ids)))
            print("round %d: %s, %d docs stored" % (rnd, "completed" if rc == 0 else "killed", len(docs)))
            if failures:
                break
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("crash test ok: %d rounds" % ROUNDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
