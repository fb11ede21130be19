#!/usr/bin/env python3
"""test_export.py — `sucai export` end to end, checked by real readers.

1. A library is built from hand-written .txt documents (headings 一、（一）
   1. （1）, a long hostile title).  Each is exported as .docx and converted
   by LibreOffice (headless) to PDF; then
     - pdfinfo: A4 (595 x 842 pt) and the page count expected for the length
       (see expected_pages: 22 lines of 28 characters a page);
     - pdftotext -layout: the title and every paragraph, in order; full body
       pages hold 22 lines, full body lines 28 characters;
     - pdftotext -bbox: "— N —" on every page, odd pages at the right, even
       pages at the left;
     - pdftoppm: page 1 rendered to PNG (kept when SUCAI_KEEP=1, to look at).
2. .txt export (BOM + CRLF, and --lf), default file names, `-o -`, and the
   --zip batch (unique names, readable archive).
3. Every document of ../shared/samples/raw that ingests is exported to .docx
   and .txt; each .docx must be a valid zip of well-formed XML whose text is
   the document's text.  (With the stub readers only UTF-8 .txt ingest; once
   the real readers land this covers all 200 files.)

Env: SUCAI = path to the sucai binary (default build/sucai).
"""
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from xml.dom import minidom

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUCAI = os.path.abspath(os.environ.get("SUCAI") or os.path.join(ROOT, "build", "sucai"))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
KEEP = os.environ.get("SUCAI_KEEP") == "1"

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


def run(args, cwd=None, binary=False, timeout=300):
    p = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout)
    if binary:
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def sucai(lib, *args, cwd=None, binary=False):
    return run([SUCAI, "--library", lib, *args], cwd=cwd, binary=binary)


# ---- hand-written documents ----------------------------------------------

PARAS = [
    "为深入贯彻落实上级部署要求，进一步提升机关工作效能，结合本单位实际，现就有关事项通知如下，请各部门认真抓好落实。",
    "一、总体要求",
    "坚持以人民为中心的发展思想，围绕中心、服务大局，着力解决群众反映强烈的突出问题，推动各项工作取得实实在在的成效。",
    "（一）明确工作目标",
    "到年底前，基本建立权责清晰、运转高效、监督有力的工作机制，服务质量和办事效率明显提升，群众满意度稳步提高。",
    "1.强化组织领导",
    "各部门主要负责同志要亲自研究部署，分管负责同志具体抓，层层压实责任，确保每项任务都有人管、有人抓、有人落实。",
    "（1）建立工作台账",
    "对照任务清单逐项建立台账，明确责任人和完成时限，实行销号管理，每月底前报送进展情况，做到件件有着落、事事有回音。",
]

DOCS = [
    # (file name, title, paragraphs)
    ("a.txt", "关于进一步提升机关工作效能的通知", PARAS),
    # a long document: the same hand-written paragraphs under three parts
    ("b.txt", "2024年机关效能建设工作方案",
     [p.replace("一、", n) for n in ("一、", "二、", "三、", "四、") for p in PARAS]),
    # a long, hostile title: XML and file-system characters
    ("c.txt", "关于<测试>&“特殊字符”/../在标题中正确显示与安全导出的有关问题的通知",
     PARAS[:3]),
]


def width(s):
    """Line width in full-width characters: ASCII counts a half."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in s)


def expected_pages(title, paras):
    """Pages by the GB/T 9704 grid: 22 lines a page, 28 characters a line.
    The title is set on lines of at most 20 characters at a 35 pt line
    height, which the 28.95 pt line grid rounds up to whole grid lines;
    one blank line follows; each paragraph takes ceil((chars + 2 indent)
    / 28) lines.  Line-breaking rules (no ，。 at a line start) can push a
    character to the next line, so callers allow a tolerance."""
    title_lines = math.ceil(width(title) / 20)
    lines = math.ceil(title_lines * 35 / 28.95) + 1
    for p in paras:
        lines += max(1, math.ceil((width(p) + 2) / 28))
    return math.ceil(lines / 22), lines


def nows(s):
    return re.sub(r"\s+", "", s)


PAGE_NO = re.compile(r"^\s*—\s*(\d+)\s*—\s*$")


def check_pdf(pdf, title, paras, name):
    rc, out, err = run(["pdfinfo", pdf])
    if not check(rc == 0, f"{name}: pdfinfo failed: {err}"):
        return
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", out)
    check(m and round(float(m.group(1))) == 595 and round(float(m.group(2))) == 842,
          f"{name}: not A4: {m.group(0) if m else out}")
    pages = int(re.search(r"Pages:\s+(\d+)", out).group(1))
    want, lines = expected_pages(title, paras)
    # tolerance: one page either way for documents of 3+ pages (line-breaking
    # rules can add a line to many paragraphs), exact for shorter ones
    tol = 1 if want >= 3 else 0
    print(f"{name}: {pages} pages, expected {want} for {lines} grid lines")
    check(abs(pages - want) <= tol,
          f"{name}: {pages} pages, expected {want} (±{tol}) for {lines} grid lines")

    rc, layout, err = run(["pdftotext", "-layout", pdf, "-"])
    check(rc == 0, f"{name}: pdftotext failed: {err}")
    page_texts = layout.split("\f")
    body = []
    for i, pt in enumerate(page_texts[:pages]):
        lines_here = [ln for ln in pt.split("\n") if ln.strip()]
        nums = [PAGE_NO.match(ln) for ln in lines_here]
        check(any(n and int(n.group(1)) == i + 1 for n in nums),
              f"{name}: page {i + 1} has no page number '— {i + 1} —'")
        text_lines = [ln for ln, n in zip(lines_here, nums) if not n]
        # a full body page (not the first, not the last) holds 22 lines
        if 0 < i < pages - 1:
            check(len(text_lines) == 22, f"{name}: page {i + 1} holds {len(text_lines)} lines, not 22")
        body.extend(text_lines)
    # lines of Chinese text hold at most 28 characters, and full ones 28
    # (a paragraph's first line holds 26 after the indent; a line can hold
    # 27 when a closing mark may not start the next one)
    lengths = {}
    for ln in body:
        t = nows(ln)
        if t and all(ord(c) > 0x2000 for c in t):
            lengths[len(t)] = lengths.get(len(t), 0) + 1
    if lengths:
        check(max(lengths) == 28 and lengths[28] >= 2,
              f"{name}: body lines should hold 28 characters at most and when full: {lengths}")
    flat = nows("".join(body))
    pos = 0
    for what in [title] + paras:
        at = flat.find(nows(what), pos)
        if not check(at >= 0, f"{name}: '{what[:20]}…' missing or out of order in the PDF"):
            continue
        pos = at + len(nows(what))

    # page numbers at the outside edge, from word boxes
    rc, bbox, err = run(["pdftotext", "-bbox", pdf, "-"])
    for i, m in enumerate(re.finditer(r"<page width=\"([\d.]+)\"[^>]*>(.*?)</page>", bbox, re.S)):
        pw = float(m.group(1))
        words = re.findall(r"<word xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">([^<]*)</word>",
                           m.group(2))
        num = [w for w in words if w[4] == str(i + 1) or w[4] == f"—{i + 1}—"]
        if not check(num, f"{name}: no page number word on page {i + 1}"):
            continue
        w = max(num, key=lambda w: float(w[1]))   # the lowest one
        x = (float(w[0]) + float(w[2])) / 2
        if (i + 1) % 2:
            check(x > pw * 0.75, f"{name}: odd page {i + 1} number not at the right (x={x:.0f})")
        else:
            check(x < pw * 0.25, f"{name}: even page {i + 1} number not at the left (x={x:.0f})")


def docx_text(data, name):
    """The text of the document's w:t runs, and checks every part parses."""
    try:
        z = zipfile.ZipFile(__import__("io").BytesIO(data))
    except zipfile.BadZipFile as e:
        check(False, f"{name}: not a zip: {e}")
        return None
    check(z.testzip() is None, f"{name}: CRC error in the zip")
    names = set(z.namelist())
    for part in ("[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml",
                 "word/settings.xml", "word/footer1.xml", "word/footer2.xml", "docProps/core.xml",
                 "docProps/app.xml", "word/_rels/document.xml.rels", "word/fontTable.xml"):
        if not check(part in names, f"{name}: {part} missing"):
            return None
    for part in names:
        try:
            minidom.parseString(z.read(part))
        except Exception as e:   # noqa: BLE001 - any parse error is a failure
            check(False, f"{name}: {part} is not well-formed XML: {e}")
            return None
    d = minidom.parseString(z.read("word/document.xml"))
    return "".join(t.firstChild.data if t.firstChild else "" for t in d.getElementsByTagName("w:t"))


def ingest(lib, paths):
    rc, out, err = sucai(lib, "ingest", "--json", *paths)
    ids = {}
    for ln in out.splitlines():
        r = json.loads(ln)
        if r["status"] == "added":
            ids[r["file"]] = r["id"]
    return ids


def main():
    if not os.path.exists(SUCAI):
        print(f"no sucai binary at {SUCAI}")
        return 1
    for tool in ("soffice", "pdfinfo", "pdftotext", "pdftoppm"):
        if not shutil.which(tool):
            print(f"{tool} is missing: run scripts/setup.sh test")
            return 1
    tmp = tempfile.mkdtemp(prefix="sucai-export-")
    lib = os.path.join(tmp, "lib")
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    for fname, title, paras in DOCS:
        with open(os.path.join(src, fname), "w", encoding="utf-8") as f:
            f.write(title + "\n" + "\n".join(paras) + "\n")
    ids = ingest(lib, [os.path.join(src, d[0]) for d in DOCS])
    check(len(ids) == len(DOCS), f"ingest added {len(ids)} of {len(DOCS)} documents")

    # ---- docx through LibreOffice -----------------------------------------
    out = os.path.join(tmp, "out")
    os.makedirs(out)
    docx = []
    for fname, title, paras in DOCS:
        id_ = ids.get(os.path.join(src, fname))
        if not id_:
            continue
        path = os.path.join(out, fname.replace(".txt", ".docx"))
        rc, so, se = sucai(lib, "export", id_, "--format", "docx", "-o", path)
        if check(rc == 0 and os.path.getsize(path) > 0, f"export {fname}: rc {rc}: {se}"):
            docx.append((path, title, paras))
            text = docx_text(open(path, "rb").read(), fname)
            check(text is not None and nows(text) == nows(title + "".join(paras)),
                  f"{fname}: docx text differs from the document")
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    rc, so, se = run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
                      "--convert-to", "pdf", "--outdir", out] + [d[0] for d in docx], timeout=600)
    check(rc == 0, f"LibreOffice failed: {se}")
    shutil.rmtree(profile, ignore_errors=True)
    for path, title, paras in docx:
        pdf = path[:-5] + ".pdf"
        name = os.path.basename(path)
        if check(os.path.exists(pdf), f"{name}: LibreOffice wrote no PDF ({se.strip()})"):
            check_pdf(pdf, title, paras, name)
    if docx:
        pdf = docx[0][0][:-5] + ".pdf"
        rc, so, se = run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", pdf,
                          os.path.join(out, "page")])
        pngs = sorted(glob.glob(os.path.join(out, "page*.png")))
        check(rc == 0 and pngs and os.path.getsize(pngs[0]) > 1000, "pdftoppm rendered no page")
        print("page images:", *pngs)

    # ---- txt, names, stdout, zip ------------------------------------------
    fname, title, paras = DOCS[0]
    id_ = ids.get(os.path.join(src, fname))
    if id_:
        rc, data, se = sucai(lib, "export", id_, "--format", "txt", "-o", "-", binary=True)
        want = "\ufeff" + title + "\r\n\r\n" + "".join(p + "\r\n" for p in paras)
        check(rc == 0 and data == want.encode("utf-8"), "txt: not BOM + title, blank line, paragraphs, CRLF")
        rc, data, se = sucai(lib, "export", id_, "--format", "txt", "--lf", "-o", "-", binary=True)
        want = title + "\n\n" + "".join(p + "\n" for p in paras)
        check(rc == 0 and data == want.encode("utf-8"), "txt --lf: not plain UTF-8 with LF")
        rc, data, se = sucai(lib, "export", id_, "-o", "-", binary=True)
        check(rc == 0 and data[:4] == b"PK\x03\x04", "docx to stdout is not a zip")
        cwd = os.path.join(tmp, "cwd")
        os.makedirs(cwd)
        rc1, o1, _ = sucai(lib, "export", id_, cwd=cwd)
        rc2, o2, _ = sucai(lib, "export", id_, cwd=cwd)
        check(rc1 == 0 and o1.strip() == title + ".docx", f"default name: got {o1.strip()!r}")
        check(rc2 == 0 and o2.strip() == title + " (2).docx", f"second default name: got {o2.strip()!r}")
        check(sorted(os.listdir(cwd)) == sorted([title + ".docx", title + " (2).docx"]),
              f"default names on disk: {os.listdir(cwd)}")
    hostile = ids.get(os.path.join(src, "c.txt"))
    if hostile:
        cwd = os.path.join(tmp, "cwd2")
        os.makedirs(cwd)
        rc, o, se = sucai(lib, "export", hostile, cwd=cwd)
        files = os.listdir(cwd)
        check(rc == 0 and len(files) == 1 and "/" not in o.strip() and not o.startswith("."),
              f"hostile title: {rc} {o!r} {files} {se}")
        if files:
            n = files[0]
            check(all(c not in n for c in '/\\:*?"<>|') and len(n.encode()) <= 180 and n.endswith(".docx"),
                  f"hostile title gave an unsafe file name {n!r}")
    all_ids = [ids[k] for k in sorted(ids)]
    if all_ids:
        zpath = os.path.join(tmp, "batch.zip")
        rc, o, se = sucai(lib, "export", "--zip", zpath, *all_ids, all_ids[0])
        if check(rc == 0 and os.path.exists(zpath), f"export --zip: rc {rc}: {se}"):
            z = zipfile.ZipFile(zpath)
            names = z.namelist()
            check(z.testzip() is None, "batch zip: CRC error")
            check(len(names) == len(all_ids) + 1 and len(set(n.lower() for n in names)) == len(names),
                  f"batch zip names not unique: {names}")
            check(any(n.endswith(" (2).docx") for n in names), f"batch zip: no ' (2)' name: {names}")
            for n in names:
                docx_text(z.read(n), "batch:" + n)
        rc, o, se = sucai(lib, "export", "--zip", os.path.join(tmp, "x.zip"), "no-such-id")
        check(rc == 1, f"export --zip with an unknown id: rc {rc}, want 1")

    # ---- every sample ----------------------------------------------------
    raw = os.path.join(SHARED, "samples", "raw")
    if not os.path.isdir(raw):
        print(f"notice: {raw} does not exist; skipping the samples")
    else:
        slib = os.path.join(tmp, "samples")
        rc, out_, err = sucai(slib, "ingest", "--json", raw)
        docs, dups = [], []
        for ln in out_.splitlines():
            r = json.loads(ln)
            if r["status"] == "added":
                docs.append((r["file"], slib, r["id"]))
            elif r["status"] == "duplicate":
                dups.append(r["file"])
        # The stub describer gives every document the same simhash, so most
        # files come out as "duplicates": give each of those a library of
        # its own so that every file that can be read is exported.
        for i, f in enumerate(sorted(dups)):
            one = os.path.join(tmp, f"dup{i}")
            for path, id_ in ingest(one, [f]).items():
                docs.append((path, one, id_))
        print(f"samples: {len(docs)} documents ingested (the stub readers take UTF-8 .txt only)")
        check(len(docs) > 0, "no sample ingested")
        n_ok = 0
        lo_docs = []
        for f, slib, id_ in sorted(docs):
            rc, shown, se = sucai(slib, "show", "--json", id_)
            if not check(rc == 0, f"{f}: show failed: {se}"):
                continue
            d = json.loads(shown)
            full = d["free_text"] + (d["paid_text"] or "")
            lines = [re.sub(r"[\x00-\x08\x0b-\x1f]", "", ln) for ln in full.split("\n")]
            rc, data, se = sucai(slib, "export", id_, "-o", "-", binary=True)
            if not check(rc == 0, f"{f}: docx export failed: {se}"):
                continue
            text = docx_text(data, f)
            if text is None:
                continue
            docx_data = data
            ok = check(nows(text) == nows("".join(lines)), f"{f}: docx text differs from the document")
            rc, data, se = sucai(slib, "export", id_, "--format", "txt", "-o", "-", binary=True)
            ok &= check(rc == 0 and data.startswith(b"\xef\xbb\xbf") and
                        nows(data.decode("utf-8")[1:]) == nows("".join(lines)),
                        f"{f}: txt export wrong: {se}")
            n_ok += ok
            if len(lo_docs) < 8:      # a few go through LibreOffice too
                path = os.path.join(tmp, f"sample{len(lo_docs)}.docx")
                with open(path, "wb") as fh:
                    fh.write(docx_data)
                # (the stub reader keeps a BOM, which may stand alone on line 1)
                first = next((ln for ln in lines if nows(ln.replace("\ufeff", ""))), "")
                lo_docs.append((path, first.replace("\ufeff", ""), f))
        print(f"samples: {n_ok} of {len(docs)} exported as docx and txt")
        if lo_docs:
            profile = tempfile.mkdtemp(prefix="lo-profile-")
            rc, so, se = run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
                              "--convert-to", "pdf", "--outdir", tmp] + [d[0] for d in lo_docs],
                             timeout=600)
            shutil.rmtree(profile, ignore_errors=True)
            for path, title, f in lo_docs:
                pdf = path[:-5] + ".pdf"
                if not check(os.path.exists(pdf), f"{f}: LibreOffice wrote no PDF"):
                    continue
                rc, info, _ = run(["pdfinfo", pdf])
                check("(A4)" in info, f"{f}: PDF is not A4")
                rc, txt, _ = run(["pdftotext", pdf, "-"])
                check(nows(title) in nows(txt), f"{f}: title missing from the PDF")
            print(f"samples: {len(lo_docs)} converted by LibreOffice")

    if KEEP:
        print("kept", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
