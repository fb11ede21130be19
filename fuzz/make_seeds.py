#!/usr/bin/env python3
"""Writes a small seed corpus for one fuzz target into OUTDIR, at run time, so
that no binary seed files live in the repository.

Usage: make_seeds.py TARGET OUTDIR      (TARGET: a key of SEEDS below)
Real samples are added from ../shared/samples/raw when that folder exists.
"""
import gzip, io, os, shutil, subprocess, sys, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "..", "shared", "samples", "raw")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
TEXT = "2023年清廉机关建设工作总结\n一、聚焦政治建设\n全面从严治D，分别开##paidbegin##展学习。\n##paidend##\n"
JSONL = ('{"title":"甲","text":"第一段\\n第二段","id":17,"date":"2023-01-02"}\n'
         '{"title":"乙","text":"正文","id":"x-1","source":"s","url":"u"}\n'
         '{"title":"丙"}\n')


def docx(body):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document %s><w:body>%s'
                   '</w:body></w:document>' % (W, body))
    return b.getvalue()


def read_seeds():
    s = {
        "utf8.txt": TEXT.encode("utf-8"),
        "bom.txt": b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        "crlf.txt": TEXT.replace("\n", "\r\n").encode("utf-8"),
        "utf16le.txt": b"\xff\xfe" + TEXT.encode("utf-16le"),
        "utf16be.txt": b"\xfe\xff" + TEXT.encode("utf-16be"),
        "gb18030.txt": (TEXT + "ß😀").encode("gb18030"),
        "a.jsonl": JSONL.encode("utf-8"),
        "a.jsonl.gz": gzip.compress(JSONL.encode("utf-8")),
        "a.docx": docx('<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>标题</w:t></w:r></w:p>'
                       '<w:p><w:r><w:t xml:space="preserve">一、 </w:t><w:tab/><w:t>正文</w:t><w:br/></w:r></w:p>'
                       '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>'
                       '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                       '<mc:Choice><w:p><w:r><w:t>选</w:t></w:r></w:p></mc:Choice><mc:Fallback><w:p/></mc:Fallback>'
                       '</mc:AlternateContent>'),
    }
    if shutil.which("zstd"):
        p = subprocess.run(["zstd", "-q", "-c"], input=JSONL.encode("utf-8"), capture_output=True)
        if p.returncode == 0:
            s["a.jsonl.zst"] = p.stdout
    if os.path.isdir(SAMPLES):
        # the smallest real .doc and .docx: the fuzzer mutates from real containers
        for ext in (".doc", ".docx"):
            files = sorted((os.path.getsize(os.path.join(SAMPLES, f)), f) for f in os.listdir(SAMPLES) if f.endswith(ext))
            if files:
                s["sample" + ext] = open(os.path.join(SAMPLES, files[0][1]), "rb").read()
    else:
        print("NOTICE: ../shared/samples/raw not found; no real .doc seed")
    return s


def http_seeds():
    """Header values, query parameters, file names and login bodies as the
    server's parsing meets them (src/http_parse.c)."""
    return {
        "cookie": b"a=1; sucai_session=" + b"0123456789abcdef" * 4 + b"; b=\"q\"",
        "bearer": b"Bearer " + b"f" * 64,
        "login": b'{"name":"\xe5\xbc\xa0\xe4\xb8\x89","password":"pw","token":true}',
        "path": b"/api/docs/8233f60cc1fe/download",
        "date": b"2024-02-29",
        "listen": b"[::1]:8080",
        "gzip": b"br;q=1.0, gzip;q=0.8, *;q=0",
        "filename": "C:\\材料\\..\\工作总结 2023（定稿）.docx".encode(),
        "query": b"%E6%B8%85%E5%BB%89+%22a%20b%22%2Dx",
    }


def seg_seeds():
    """Recipes for fuzz_seg.c (its take() order): random ones, and one of 599
    documents with a pair and a character in every document (blocks, skip
    tables), alone and followed by patches that damage the written file."""
    import random
    rnd = random.Random(1)
    s = {"rand-%d" % n: bytes(rnd.getrandbits(8) for _ in range(n)) for n in (16, 200, 3000, 20000)}
    docs = b"".join(bytes([rnd.getrandbits(8) & 0xfe]) + bytes(rnd.getrandbits(8) for _ in range(19)) for _ in range(599))
    terms = bytes([2, 2]) + bytes([0x11, 0x62, 0x22, 0x62]) + bytes(2 + 4 * 599)    # n_terms, a pair: every doc, position 0
    terms += bytes([0, 0x37, 0x62]) + bytes(2 + 2 * 599)                           # a character: every doc
    s["dense"] = (599).to_bytes(2, "little") + docs + terms
    s["dense-damaged"] = s["dense"] + bytes(rnd.getrandbits(8) for _ in range(50))
    return s


def texts_seeds():
    """Inputs for fuzz_texts.c: 4 bytes offset and 8 bytes number (big
    endian), then a texts file (store_texts.c's format): a header and two
    records, whole, cut short, and with a byte changed."""
    import struct
    import zlib

    def record(num, title, free, paid):
        t, f, p, dt, ty = title.encode(), free.encode(), paid.encode(), b"2023-05-01", "讲话".encode()
        head = struct.pack("<QIIIIHHi", num, len(free), len(t), len(f), len(p), len(dt), len(ty), 2023)
        return head + struct.pack("<I", zlib.crc32(head)) + t + b"\0" + dt + b"\0" + ty + b"\0" + f + p

    texts = b"SCTEXTS1" + struct.pack("<II", 1, 0)
    first = record(7, "标题", "标题\n免费部分", "付费部分" * 50)
    texts += first + record(8, "第二篇", "第二篇\n", "")
    steer = struct.pack(">IQ", 16, 7)
    second = struct.pack(">IQ", 16 + len(first), 8)
    return {"whole": steer + texts, "second": second + texts, "cut": steer + texts[:60],
            "flipped": steer + texts[:40] + bytes([texts[40] ^ 1]) + texts[41:]}


SEEDS = {"fuzz_read": read_seeds, "fuzz_http": http_seeds, "fuzz_seg": seg_seeds, "fuzz_texts": texts_seeds}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, out = sys.argv[1], sys.argv[2]
    if target not in SEEDS:
        print("make_seeds.py: no seeds for %s (starting from an empty corpus)" % target)
        return
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS[target]().items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
