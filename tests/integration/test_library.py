#!/usr/bin/env python3
"""The library folder through the CLI: ingest statuses and exit codes, ids kept
from JSONL, updates, duplicates, show/list/stats/delete, and that bad files
neither stop a batch nor change the library.

Run by scripts/test.sh with SUCAI=path/to/sucai."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

SUCAI = os.environ.get("SUCAI", "build/sucai")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(lib, *args, stdin=None):
    p = subprocess.run([SUCAI, "--library", lib, *args], input=stdin,
                       capture_output=True, text=True, timeout=300)
    if "runtime error" in p.stderr or "Sanitizer" in p.stderr:
        failures.append("sanitizer report for %s: %s" % (args, p.stderr[-2000:]))
    return p


def show(lib, doc_id):
    p = run(lib, "show", "--json", doc_id)
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, "show --json %s printed no JSON: %s" % (doc_id, p.stderr.strip()))
        return {"title": None, "free_text": "", "paid_text": "", "source": None, "date": None}


def lines_json(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def write(path, text, enc="utf-8"):
    with open(path, "wb") as f:
        f.write(text.encode(enc))


def main():
    tmp = tempfile.mkdtemp(prefix="sucai-lib-")
    try:
        lib = os.path.join(tmp, "lib")
        src = os.path.join(tmp, "in")
        os.makedirs(os.path.join(src, "sub"))
        write(os.path.join(src, "a.txt"), "关于加强机关作风建设的实施方案\n一、总体要求\n坚持问题导向，狠抓落实。\n")
        write(os.path.join(src, "sub", "b.txt"), "第一季度工作总结\n本季度完成各项任务。\n")
        write(os.path.join(src, "sub", "notes.png"), "\x89PNG not a material")

        # a folder: two documents added, the unknown file reported and skipped
        p = run(lib, "ingest", "--json", src)
        res = lines_json(p.stdout)
        by_status = {}
        for r in res:
            by_status.setdefault(r["status"], []).append(r)
        check(len(by_status.get("added", [])) == 2, "two documents added: %s" % res)
        errs = by_status.get("error", [])
        check(len(errs) == 1 and "notes.png" in errs[0]["file"] and "unknown" in errs[0]["error"],
              "unknown file reported: %s" % errs)
        check(p.returncode == 1, "exit code 1 when a file failed (got %d)" % p.returncode)
        ids = {os.path.basename(r["file"]): r["id"] for r in by_status.get("added", [])}

        # the same files again: duplicates of the stored ids, exit 0 for the txt alone
        p = run(lib, "ingest", "--json", os.path.join(src, "a.txt"))
        r = lines_json(p.stdout)[0]
        check(r["status"] == "duplicate" and r["id"] == ids.get("a.txt"), "re-ingest is a duplicate: %s" % r)
        check(p.returncode == 0, "exit code 0 when nothing failed")

        # show --json: free + paid is the clean text, title first
        d = show(lib, ids.get("a.txt", "?"))
        check(d["title"] == "关于加强机关作风建设的实施方案", "title: %r" % d.get("title"))
        check((d["free_text"] + (d["paid_text"] or "")).startswith(d["title"] + "\n"), "clean text starts with the title line")
        check("坚持问题导向，狠抓落实。" in d["free_text"] + (d["paid_text"] or ""), "body kept")

        # JSONL: ids kept, same id + new text = updated, same id + same text = duplicate
        jl = os.path.join(tmp, "bulk.jsonl")
        rows = [{"id": "law-001", "title": "某市物业管理条例", "text": "第一条 为了规范物业管理活动，制定本条例。", "date": "2021-03-01", "source": "市人大"},
                {"id": 42, "title": "某县新闻", "text": "今天召开全县经济工作会议。"}]
        write(jl, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
        p = run(lib, "ingest", "--json", jl)
        res = lines_json(p.stdout)
        check(sorted(r["id"] for r in res) == ["42", "law-001"], "JSONL ids kept: %s" % res)
        check(all(r["status"] == "added" for r in res), "JSONL rows added: %s" % res)
        rows[0]["text"] = "第一条 为了规范物业管理活动，维护业主合法权益，制定本条例。"
        write(jl, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
        res = lines_json(run(lib, "ingest", "--json", jl).stdout)
        st = {r["id"]: r["status"] for r in res}
        check(st == {"law-001": "updated", "42": "duplicate"}, "update and duplicate by id: %s" % st)
        d = show(lib, "law-001")
        check("维护业主合法权益" in d["free_text"] + (d["paid_text"] or ""), "updated text stored")
        check(d["source"] == "市人大" and d["date"] == "2021-03-01", "JSONL metadata kept: %s %s" % (d["source"], d["date"]))

        # a bad JSONL line is reported with its line number; the good ones still go in
        write(jl, json.dumps({"id": "ok-1", "title": "好的", "text": "正文"}, ensure_ascii=False) + "\n{broken\n")
        p = run(lib, "ingest", "--json", jl)
        res = lines_json(p.stdout)
        check(any(r["status"] == "added" and r["id"] == "ok-1" for r in res), "good line added: %s" % res)
        check(any(r["status"] == "error" and "2" in (r["file"] + r["error"]) for r in res), "bad line named: %s" % res)
        check(p.returncode == 1, "exit 1 with a bad line")

        # list and stats agree with what went in
        listed = lines_json(run(lib, "list", "--json", "--limit", "100").stdout)
        check(len(listed) == 5, "list shows 5 documents (got %d)" % len(listed))
        stats = json.loads(run(lib, "stats", "--json").stdout)
        check(stats["documents"] == 5, "stats counts 5 documents: %s" % stats)

        # bad files alone: the library is unchanged
        write(os.path.join(tmp, "empty.txt"), "")
        p = run(lib, "ingest", "--json", os.path.join(tmp, "empty.txt"), os.path.join(tmp, "missing.txt"))
        res = lines_json(p.stdout)
        check(len(res) == 2 and all(r["status"] == "error" and r["error"] for r in res), "bad files reported: %s" % res)
        check(all(os.path.basename(r["file"]) in r["error"] for r in res), "errors name the file: %s" % res)
        check(json.loads(run(lib, "stats", "--json").stdout)["documents"] == 5, "library unchanged by bad files")

        # delete
        check(run(lib, "delete", "42").returncode == 0, "delete works")
        check(run(lib, "show", "42").returncode == 1, "deleted document is gone")
        check(run(lib, "delete", "42").returncode == 1, "deleting twice says not found")

        # an index written by an older sucai (format 1) is refused with the
        # way out, and that way out works: rebuild reads the store only
        before = json.loads(run(lib, "stats", "--json").stdout)["documents"]
        segs = [f for f in os.listdir(os.path.join(lib, "index")) if f.endswith(".sxs")]
        check(segs, "the library has segments")
        for f in segs:
            path = os.path.join(lib, "index", f)
            with open(path, "r+b") as fh:
                h = bytearray(fh.read(128))
                h[8:12] = (1).to_bytes(4, "little")
                h[124:128] = zlib.crc32(bytes(h[:124])).to_bytes(4, "little")
                fh.seek(0)
                fh.write(h)
        p = run(lib, "search", "--count", "工作")
        check(p.returncode != 0 and "older sucai" in p.stderr and "sucai index rebuild" in p.stderr,
              "old index format refused with the way out: %s" % p.stderr.strip())
        p = run(lib, "index", "rebuild")
        check(p.returncode == 0, "index rebuild over an old format: %s" % p.stderr.strip())
        check(run(lib, "index", "check").returncode == 0, "index check after the rebuild")
        p = run(lib, "search", "--ids", "工作总结")
        check(p.returncode == 0 and ids.get("b.txt") in p.stdout.split(), "search after the rebuild finds b.txt: %r" % p.stdout)
        p = run(lib, "search", "--ids", "物业管理")
        check(p.stdout.split() == ["law-001"], "an id with leading zeros survives the rebuild: %r" % p.stdout)
        check(json.loads(run(lib, "stats", "--json").stdout)["documents"] == before, "every document still there")
        check(run(lib, "search", "--count", "工作").stdout.strip() != "0", "the index holds them")

        # the texts file cut short: `index check` names it and the document
        # whose record is gone; put back, the check passes again
        texts = os.path.join(lib, "texts")
        with open(texts, "rb") as fh:
            whole = fh.read()
        with open(texts, "r+b") as fh:
            fh.truncate(len(whole) - 3)
        p = run(lib, "index", "check")
        check(p.returncode == 1 and texts in p.stderr and "cut short" in p.stderr,
              "index check finds the cut texts file: %s" % p.stderr.strip())
        with open(texts, "wb") as fh:
            fh.write(whole)
        check(run(lib, "index", "check").returncode == 0, "index check with the texts file whole again")

        # a second writer is refused while one holds the library
        import fcntl
        with open(os.path.join(lib, "lock"), "r+") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            p = run(lib, "ingest", os.path.join(src, "a.txt"))
            check(p.returncode == 2 and "another process" in p.stderr, "writer lock respected: %s" % p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (1 if not failures else 0, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
