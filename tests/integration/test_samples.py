#!/usr/bin/env python3
"""Ingests ../shared/samples/raw (every file) and the seed into a fresh library and
checks each document against the MANIFEST written by tools/make_raw.py:

  * the clean text (free_text + paid_text) equals the manifest's `clean` after
    collapsing whitespace runs, for at least 97% of the files (failures are printed);
  * the free part is exactly `free_chars` code points long, for EVERY file (a .docx/.doc
    whose file holds single spaces where the source had runs of them, because make_raw
    converts through HTML, is measured against the manifest's free part with those runs
    collapsed, and is reported);
  * no clean text holds a paywall marker, a footer line, a chrome line or a contact
    detail that the manifest's clean text does not hold;
  * masks: 党 counts and the count of D beside a Han character equal the manifest's;
  * footers a file carried show up in its removed lines;
  * the seed: title, six headings, free part ends with 分别开, paid part starts with
    展《学习, no 哒哒 in the text, type 工作总结, year 2023, issuer 阳泉市郊区.

Environment: SUCAI = the binary (required).  SUCAI_SAMPLES_ONLY=utf8 restricts the
run to the plain UTF-8 .txt files (for development before every reader exists); the
full test needs every file.
"""
import importlib.util, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
RAW = os.path.join(SHARED, "samples", "raw")
SEED = os.path.join(SHARED, "samples", "000_f34c468b8c96c242.txt")
SUCAI = os.environ.get("SUCAI") or os.path.join(ROOT, "build", "sucai")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


def run(lib, *args):
    p = subprocess.run([SUCAI, "--library", lib] + list(args), capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def first_diff(a, b):
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return "at %d: ours %r / manifest %r" % (i, a[max(0, i - 20):i + 30], b[max(0, i - 20):i + 30])


HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
D_BESIDE_HAN = re.compile(r"(?<![A-Za-z0-9])D(?![A-Za-z0-9])(?=%s)|(?<=%s)(?<![A-Za-z0-9])D(?![A-Za-z0-9])" % (HAN, HAN))
CONTACT = re.compile(r"公众号|客服|QQ群|微信|扫码|www\.|https?://|[\w.+-]+@[\w-]+\.[\w.]+|版权归原作者|如有侵权|欢迎加入.{0,20}会员")
CHROME = ["【字号", "[复制链接]", "[打印本页]", "当前位置：首页", "发布时间："]


def main():
    if not os.path.isdir(RAW):
        print("notice: %s not found, skipping the samples test" % RAW)
        return 0
    spec = importlib.util.spec_from_file_location("make_raw", os.path.join(SHARED, "tools", "make_raw.py"))
    make_raw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_raw)
    footer_lines = sorted({l for f in make_raw.FOOTERS for l in f})

    manifest = [json.loads(l) for l in open(os.path.join(RAW, "MANIFEST.jsonl"), encoding="utf-8")]
    if os.environ.get("SUCAI_SAMPLES_ONLY") == "utf8":
        manifest = [m for m in manifest if m["encoding"] == "utf-8"]
        print("notice: SUCAI_SAMPLES_ONLY=utf8: checking %d UTF-8 .txt files only" % len(manifest))
    with tempfile.TemporaryDirectory(prefix="sucai-samples-") as tmp:
        lib = os.path.join(tmp, "lib")
        paths = [os.path.join(RAW, m["file"]) for m in manifest] + [SEED]
        rc, out, err = run(lib, "ingest", "--json", *paths)
        ids = {}
        for line in out.splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("status") == "error":
                fail("ingest %s: %s" % (r.get("file"), r.get("error")))
            elif r.get("id"):
                ids[os.path.basename(r["file"].split(":")[0])] = r["id"]
        if rc != 0:
            fail("ingest exited %d: %s" % (rc, err.strip()[:500]))

        equal = 0
        for m in manifest:
            name = m["file"]
            if name not in ids:
                fail("%s: not ingested" % name)
                continue
            rc, out, err = run(lib, "show", "--json", ids[name])
            if rc != 0:
                fail("%s: show failed: %s" % (name, err.strip()))
                continue
            d = json.loads(out)
            text = d["free_text"] + d["paid_text"]
            truth = m["clean"]
            if collapse(text) == collapse(truth):
                equal += 1
            else:
                print("DIFF %s (%s, %s): %s" % (name, m["format"], m["encoding"], first_diff(collapse(text), collapse(truth))))
            lossy_free = len(re.sub(r"[ \t]{2,}", " ", truth[:m["free_chars"]]))
            if len(d["free_text"]) != m["free_chars"] and m["format"] in ("docx", "doc") and len(d["free_text"]) == lossy_free:
                # the office file itself holds one space where the source had a run of them
                # (make_raw goes through HTML, which collapses spaces); nothing to recover
                print("notice: %s: free part %d = manifest %d less the space runs the %s file does not hold" % (
                    name, len(d["free_text"]), m["free_chars"], m["format"]))
            elif len(d["free_text"]) != m["free_chars"]:
                fail("%s: free part has %d characters, manifest says %d (ours ends %r, truth ends %r)" % (
                    name, len(d["free_text"]), m["free_chars"], d["free_text"][-15:], truth[:m["free_chars"]][-15:]))
            if "##paid" in text.lower():
                fail("%s: paywall marker left in the text" % name)
            for fl in footer_lines:
                if fl in text:
                    fail("%s: footer line left in the text: %s" % (name, fl[:30]))
            for c in CHROME:
                if text.count(c) > truth.count(c):
                    fail("%s: chrome %r left in the text" % (name, c))
            ours_contacts, true_contacts = CONTACT.findall(text), CONTACT.findall(truth)
            if len(ours_contacts) > len(true_contacts):
                fail("%s: contact details left in the text: %s" % (name, ours_contacts[:3]))
            if text.count("党") != truth.count("党"):
                fail("%s: %d 党 in the text, manifest has %d" % (name, text.count("党"), truth.count("党")))
            if len(D_BESIDE_HAN.findall(text)) != len(D_BESIDE_HAN.findall(truth)):
                fail("%s: D beside Han: ours %d, manifest %d" % (name, len(D_BESIDE_HAN.findall(text)),
                                                               len(D_BESIDE_HAN.findall(truth))))
            if m["footer"] is not None:
                first = make_raw.FOOTERS[m["footer"]][0]
                if first not in d.get("removed", "") and first.replace("党", "D") not in d.get("removed", ""):
                    fail("%s: footer not among the removed lines" % name)
            if d.get("title") != m["title"]:
                fail("%s: title %r, manifest %r" % (name, d.get("title"), m["title"]))

        share = equal / len(manifest) if manifest else 1.0
        print("clean text equal after whitespace collapse: %d of %d (%.1f%%)" % (equal, len(manifest), 100 * share))
        if share < 0.97:
            fail("only %.1f%% of the clean texts equal the manifest (need 97%%)" % (100 * share))

        # the seed
        seed_id = ids.get(os.path.basename(SEED))
        if not seed_id:
            fail("seed not ingested")
        else:
            d = json.loads(run(lib, "show", "--json", seed_id)[1])
            checks = [
                (d["title"] == "2023年清廉机关建设工作总结", "title %r" % d["title"]),
                (len(d["outline"]) == 6, "%d outline headings, want 6" % len(d["outline"])),
                (d["free_text"].endswith("分别开"), "free part ends %r" % d["free_text"][-10:]),
                (d["paid_text"].startswith("展《学习"), "paid part starts %r" % d["paid_text"][:10]),
                ("哒哒" not in d["free_text"] + d["paid_text"], "哒哒 in the text"),
                ("哒哒" in d.get("removed", ""), "the footer is not among the removed lines"),
                (d.get("type") == "工作总结", "type %r" % d.get("type")),
                (d.get("year") == 2023, "year %r" % d.get("year")),
                (d.get("issuer") == "阳泉市郊区", "issuer %r" % d.get("issuer")),
                ("全面从严治党" in d["free_text"] and "D" not in d["free_text"] + d["paid_text"], "masks not restored"),
            ]
            for ok, msg in checks:
                if not ok:
                    fail("seed: " + msg)

    if failures:
        print("%d failures" % len(failures))
        return 1
    print("ok: %d files" % len(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
