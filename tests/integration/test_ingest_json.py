#!/usr/bin/env python3
"""`sucai ingest --json` output, byte for byte: one compact JSON object a line
(file, status, id, [duplicate_of], [title], error, in that order) with the
escapes jansson writes (\\b \\f \\n \\r \\t, other controls as \\u00XX in
capitals, U+2028 and DEL as they are), a string that is not valid UTF-8 left
out as jansson leaves it out, and every line out before the summary on
stderr.  The lines are written by hand for speed (cli/cmd_docs.c); this pins
them to what the jansson path wrote.

Env: SUCAI = path to the sucai binary.
"""
import json, os, shutil, subprocess, sys, tempfile

SUCAI = os.environ.get("SUCAI") or sys.exit("set SUCAI to the sucai binary")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def main():
    tmp = tempfile.mkdtemp(prefix="sucai-json-")
    try:
        src = os.path.join(tmp, "in")
        os.mkdir(src)
        rows = [{"id": "j-0", "title": '标题\u0001控制\b\f"引号"\\反斜杠/斜杠\u007f', "text": "正文内容，第0篇。\n第二段落。"},
                {"id": "j-1", "title": "行\u2028分隔", "text": "正文内容，第1篇。\n第二段落。"},
                {"title": "无编号", "text": "正文内容，第1篇。\n第二段落。"}]
        with open(os.path.join(src, "a.jsonl"), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        with open(os.path.join(src, "b.txt").encode(), "wb") as f:
            f.write("一个文件的标题\n文件正文内容在这里。\n".encode())
        with open(os.path.join(src, "c.txt").encode(), "wb") as f:
            f.write("一个文件的标题\n文件正文内容在这里。\n".encode())
        with open(os.path.join(src, "bad").encode() + b"\xff.txt", "wb") as f:
            f.write("另一个文件\n别的正文。\n".encode())
        with open(os.path.join(src, 'q"b\\s\x01.txt').encode(), "wb") as f:
            f.write("第三个文件\n还有正文。\n".encode())
        lib = os.path.join(tmp, "lib")
        p = subprocess.run([SUCAI, "--library", lib, "ingest", "--json", "in"], cwd=tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout
        lines = out.split(b"\n")
        check(lines[-1] == b"" and lines[-2].startswith(b"6 added, 1 duplicate"), "summary last: %r" % out[-200:])
        want = [
            '{"file":"in/a.jsonl:1","status":"added","id":"j-0",'
            '"title":"标题\\u0001控制\\b\\f\\"引号\\"\\\\反斜杠/斜杠\x7f","error":null}',
            '{"file":"in/a.jsonl:2","status":"added","id":"j-1","title":"行\u2028分隔","error":null}',
        ]
        for i, w in enumerate(want):
            check(lines[i] == w.encode(), "line %d: %r != %r" % (i + 1, lines[i], w.encode()))
        objs = [json.loads(ln) for ln in lines[:-2]]
        check(len(objs) == 7, "7 result lines, got %d" % len(objs))
        for o in objs:
            keys = [k for k in o if k != "file"]
            check(keys[:2] == ["status", "id"] and keys[-1] == "error", "key order: %r" % list(o))
        dup = [o for o in objs if o.get("status") == "duplicate"]
        check(len(dup) == 1 and dup[0]["file"] == "in/c.txt" and dup[0]["duplicate_of"] == dup[0]["id"] and
              list(dup[0]) == ["file", "status", "id", "duplicate_of", "title", "error"], "duplicate: %r" % dup)
        bad = [o for o in objs if o.get("title") == "另一个文件"]
        check(len(bad) == 1 and "file" not in bad[0], "invalid UTF-8 file name left out: %r" % bad)
        q = [o for o in objs if o.get("title") == "第三个文件"]
        check(len(q) == 1 and q[0].get("file") == 'in/q"b\\s\x01.txt', "escaped file name: %r" % q)
        check(b'"file":"in/q\\"b\\\\s\\u0001.txt"' in out, "file name escapes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
