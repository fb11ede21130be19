#!/usr/bin/env python3
"""Bad input through `sucai ingest`: corrupt, truncated, empty, binary, huge
(100 MB), hostile (zip bomb, deeply nested XML) and invalid-encoding files, and
an unknown file type in a folder.  Each must give exit code 1, a JSON line
with status "error" whose message names the file and the problem, no
sanitizer report on stderr, and leave the library unchanged.  Then a batch of
good and bad files: the good ones are added, the bad ones fail, exit code 1.

Env: SUCAI = path to the sucai binary (built with ASan+UBSan by scripts/test.sh).
"""
import io, json, os, random, shutil, subprocess, sys, tempfile, zipfile

SUCAI = os.environ.get("SUCAI") or sys.exit("set SUCAI to the sucai binary")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(ROOT, "..", "shared", "samples", "raw")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
failures = []


def run(lib, *args):
    p = subprocess.run([SUCAI, "--library", lib] + list(args), capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def no_sanitizer(err, what):
    bad = [m for m in ("Sanitizer", "runtime error:", "LeakSanitizer", "Segmentation") if m in err]
    check(not bad, "%s: sanitizer/crash output on stderr: %s" % (what, err[:500]))


def doc_count(lib):
    rc, out, err = run(lib, "stats", "--json")
    check(rc == 0, "stats failed: %s" % err)
    return json.loads(out)["documents"] if rc == 0 else -1


def docx_bytes(document_xml, level=6):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>")
        z.writestr("word/document.xml", document_xml)
    return b.getvalue()


def simple_docx(text):
    paras = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % line for line in text.split("\n"))
    return docx_bytes('<?xml version="1.0"?><w:document %s><w:body>%s</w:body></w:document>' % (W, paras))


def zip_bomb(path):
    """word/document.xml of 200 MB of zeros, deflated to a few hundred KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                f.write(chunk)


def make_bad_files(d):
    """Returns [(file name, problem word)]; writes the files into d."""
    rng = random.Random(7)
    cases = []

    def put(name, data, word):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        cases.append((name, word))

    put("corrupt.docx", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000)), "zip")
    real = None
    if os.path.isdir(SAMPLES):
        docs = sorted(f for f in os.listdir(SAMPLES) if f.endswith(".docx"))
        if docs:
            real = open(os.path.join(SAMPLES, docs[0]), "rb").read()
    if real is None:
        print("NOTICE: ../shared/samples/raw not found; truncating a generated docx instead")
        real = simple_docx("标题\n" + "正文内容。" * 2000)
    put("truncated.docx", real[: len(real) // 2], "zip")
    put("empty.txt", b"", "empty")
    put("binary.txt", bytes(rng.randrange(256) for _ in range(4096)) + b"\0" * 16, "binary")
    # neither UTF-8 nor GB18030 (0x80 and 0xFF are never valid GB18030 bytes)
    put("invalid.txt", "开头".encode("utf-8") + b"\x80\x80\x80\xff" * 64, "not in UTF-8")
    deep = "<w:p><w:r><w:t>" + "<w:x>" * 10000 + "</w:x>" * 10000 + "</w:t></w:r></w:p>"
    put("deep.docx", docx_bytes('<?xml version="1.0"?><w:document %s><w:body>%s</w:body></w:document>' % (W, deep)),
        "nested deeper")
    zip_bomb(os.path.join(d, "bomb.docx"))
    cases.append(("bomb.docx", "zip bomb"))
    # 100 MB of valid UTF-8 text lines: over the 64 MiB text limit
    with open(os.path.join(d, "huge.txt"), "wb") as f:
        line = ("这是一行正常的中文文本，用来测试很大的文件。" * 4 + "\n").encode("utf-8")
        block = line * ((1 << 20) // len(line) + 1)
        while f.tell() < 100 * 1000 * 1000:
            f.write(block)
    cases.append(("huge.txt", "too large"))
    return cases


def main():
    tmp = tempfile.mkdtemp(prefix="sucai-bad-")
    try:
        lib = os.path.join(tmp, "library")
        bad = os.path.join(tmp, "bad")
        good = os.path.join(tmp, "good")
        os.makedirs(bad)
        os.makedirs(good)
        with open(os.path.join(good, "g1.txt"), "w", encoding="utf-8") as f:
            f.write("2023年机关党建工作总结\n一、主要做法\n全年开展学习活动十二次。\n")
        rc, out, err = run(lib, "ingest", "--json", os.path.join(good, "g1.txt"))
        check(rc == 0, "good file did not ingest: rc=%d %s %s" % (rc, out, err))
        before = doc_count(lib)
        check(before == 1, "library should hold 1 document, holds %s" % before)

        cases = make_bad_files(bad)
        for name, word in cases:
            path = os.path.join(bad, name)
            rc, out, err = run(lib, "ingest", "--json", path)
            what = name
            check(rc == 1, "%s: exit code %d, want 1" % (what, rc))
            no_sanitizer(err, what)
            lines = [json.loads(l) for l in out.splitlines() if l.strip()]
            check(len(lines) == 1, "%s: want one JSON line, got %r" % (what, out[:300]))
            if lines:
                r = lines[0]
                msg = r.get("error") or ""
                check(r.get("status") == "error", "%s: status %r" % (what, r.get("status")))
                check(name in msg, "%s: error does not name the file: %r" % (what, msg))
                check(word.lower() in msg.lower(), "%s: error lacks %r: %r" % (what, word, msg))
                print("ok  %-15s %s" % (name, msg[len(bad) + 1:] if msg.startswith(bad) else msg))
            check(doc_count(lib) == before, "%s: library changed" % what)

        # an unknown file type inside a folder is reported and skipped
        folder = os.path.join(tmp, "folder")
        os.makedirs(folder)
        with open(os.path.join(folder, "picture.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + bytes(100))
        rc, out, err = run(lib, "ingest", "--json", folder)
        no_sanitizer(err, "folder")
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        check(rc == 1 and len(lines) == 1 and lines[0]["status"] == "error"
              and "picture.png" in (lines[0]["error"] or "") and "unknown file type" in lines[0]["error"],
              "folder with a .png: rc=%d %r" % (rc, out[:300]))
        check(doc_count(lib) == before, "folder with a .png: library changed")

        # a mixed batch: good ones added, bad ones fail, exit code 1
        with open(os.path.join(good, "g2.docx"), "wb") as f:
            f.write(simple_docx("2024年乡村振兴实施方案\n一、总体要求\n坚持农业农村优先发展。\n"
                                "二、主要任务\n（一）稳定粮食生产，全年粮食播种面积保持在一百万亩以上。\n"
                                "（二）发展特色产业，培育农产品品牌三个，带动农户增收。\n"
                                "三、保障措施\n加强组织领导，落实工作责任，强化督导考核。"))
        with open(os.path.join(good, "g3.txt"), "wb") as f:
            f.write("关于做好防汛工作的通知\r\n各单位：\r\n请做好准备。\r\n".encode("gb18030"))
        batch = [os.path.join(good, "g2.docx"), os.path.join(bad, "empty.txt"), os.path.join(good, "g3.txt"),
                 os.path.join(bad, "deep.docx"), os.path.join(bad, "binary.txt")]
        rc, out, err = run(lib, "ingest", "--json", *batch)
        no_sanitizer(err, "batch")
        check(rc == 1, "batch: exit code %d, want 1" % rc)
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        status = {os.path.basename(l["file"]): l["status"] for l in lines}
        check(status.get("g2.docx") == "added" and status.get("g3.txt") == "added",
              "batch: good files not added: %r" % status)
        check(all(status.get(n) == "error" for n in ("empty.txt", "deep.docx", "binary.txt")),
              "batch: bad files not errors: %r" % status)
        check(doc_count(lib) == before + 2, "batch: want %d documents, have %d" % (before + 2, doc_count(lib)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("all bad-input checks passed")


if __name__ == "__main__":
    main()
