#!/usr/bin/env python3
"""The paywall never leaks: documents whose paid parts (after ##paidbegin##)
carry unique marker strings (random ASCII tokens, random Chinese phrases,
also inside a paid heading) are served by `sucai serve`; every endpoint is
walked as a visitor, as a free account and as an expired member, with many
queries (the markers themselves, their halves, words around the cut), and
the test fails if any marker, or any 6-character stretch of paid text that
does not also occur in free text, appears in any response body or header.
A member must see the markers (so that the test can fail).

Run by scripts/test.sh with SUCAI=path/to/sucai."""
import json
import os
import random
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sucai_server import Session, check, run_test  # noqa: E402

rng = random.Random(20261124)


def ascii_marker():
    return "ZQX" + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXY23456789") for _ in range(9))


def cjk_marker(n=8):
    # rare ideographs from the CJK block; a random run of them occurs in no free text
    return "".join(chr(rng.randrange(0x5000, 0x9000)) for _ in range(n))


FREE_WORDS = ["清廉机关建设", "营商环境", "证照分离", "工作总结", "全面从严治党", "总体情况"]
VOCAB = ["乡村振兴", "基层治理", "安全生产", "生态环境", "民生保障", "项目建设", "招商引资", "干部队伍",
         "作风建设", "数字政府", "科技创新", "教育培训", "医疗卫生", "文化旅游", "应急管理", "财政收支",
         "城市更新", "农业农村", "就业创业", "社会保障", "审批改革", "信访工作", "统计监测", "市场监管"]


def sentences(n):
    """Distinct filler so that no two test documents look alike."""
    out = []
    for _ in range(n):
        a, b, c = rng.sample(VOCAB, 3)
        out.append("围绕%s推进%s，统筹%s，取得第%d项阶段成果。" % (a, b, c, rng.randrange(1, 999)))
    return "".join(out)


def make_docs(folder):
    """Writes the test documents; returns [(file, title, free_text, paid_text, markers)]."""
    docs = []
    for i in range(6):
        a1, a2, c1, c2, h = ascii_marker(), ascii_marker(), cjk_marker(), cjk_marker(6), ascii_marker()
        title = "关于%s的第%d号测试材料" % (FREE_WORDS[i % len(FREE_WORDS)], i + 1)
        free = ("%s\n一、总体情况\n今年以来，我们围绕%s开展了大量工作，%s\n"
                "二、主要做法\n一是加强领导，分别开"
                % (title, FREE_WORDS[(i + 1) % len(FREE_WORDS)], sentences(4)))
        paid = ("展专题学习%s，推进%s。\n三、付费小标题%s%s\n"
                "（一）重点任务%s\n%s付费段落写明%s的具体做法和数据。\n"
                % (c1, a1, h, c2, a2, sentences(4), FREE_WORDS[i % len(FREE_WORDS)]))
        if i == 0:  # a paid part that starts right after the title
            free = title + "\n"
            paid = "三、付费小标题%s\n付费全文%s在此。\n" % (h, a1 + c1 + a2 + c2)
        text = free + "##paidbegin##" + paid + "##paidend##\n本文由会员提供，更多材料请联系客服。\n"
        name = "doc%02d.txt" % i
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
        docs.append({"file": name, "title": title, "free": free, "paid": paid,
                     "markers": [a1, a2, c1, c2, h]})
    # the marker inside the title line: the title's tail is paid too
    a1, c1 = ascii_marker(), cjk_marker()
    free = "第七号测试材料关于"
    paid = "标题后半%s%s\n%s\n正文%s。\n" % (a1, c1, sentences(3), ascii_marker())
    with open(os.path.join(folder, "doc06.txt"), "w", encoding="utf-8") as f:
        f.write(free + "##paidbegin##" + paid + "##paidend##\n")
    docs.append({"file": "doc06.txt", "title": free, "free": free, "paid": paid,
                 "markers": [a1, c1, paid.split("正文")[1][:12]]})
    return docs


def ngrams(s, n):
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def run(srv):
    folder = os.path.join(srv.tmp, "in")
    os.makedirs(folder)
    docs = make_docs(folder)
    p = srv.cli("ingest", "--json", folder)
    ids = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if r.get("status") == "added":
            ids[os.path.basename(r["file"])] = r["id"]
    check(len(ids) == len(docs), "ingest added %d of %d documents: %s" % (len(ids), len(docs), p.stdout))
    for d in docs:
        d["id"] = ids.get(d["file"], "missing")
    srv.cli("user", "add", "free1", "--tier", "free", "--password", "freepass1")
    srv.cli("user", "add", "old1", "--tier", "member", "--password", "oldpass12", "--expires", "2001-01-01")
    srv.cli("user", "add", "mem1", "--tier", "member", "--password", "mempass12", "--expires", "2099-12-31")
    srv.start()

    markers = [m for d in docs for m in d["markers"]]
    free_all = "\n".join(d["free"] for d in docs)
    free_grams = ngrams(free_all, 6)
    paid_grams = set()
    for d in docs:
        for line in d["paid"].split("\n"):
            paid_grams |= {g for g in ngrams(line, 6) if g not in free_grams}
    paid_grams = {g for g in paid_grams if not g.isspace()}

    def leaks(text):
        found = [m for m in markers if m in text]
        if not found:
            for i in range(len(text) - 5):
                g = text[i:i + 6]
                if g in paid_grams:
                    found.append(g)
                    break
        return found

    def inspect(who, path, r):
        blobs = [r.body.decode("utf-8", "replace")]
        blobs += ["%s: %s" % (k, v) for k, v in r.headers]
        ctype = r.header("Content-Type") or ""
        if ctype.startswith("application/json"):
            try:
                j = r.json()
                strings = []

                def walk(x):
                    if isinstance(x, str):
                        strings.append(x)
                    elif isinstance(x, dict):
                        for k, v in x.items():
                            strings.append(k)
                            walk(v)
                    elif isinstance(x, list):
                        for v in x:
                            walk(v)
                walk(j)
                blobs += strings
            except ValueError:
                check(False, "%s %s: JSON response does not parse" % (who, path))
        for b in blobs:
            f = leaks(b)
            if f:
                check(False, "%s: %s leaks paid text %r (status %d)" % (who, path, f[0], r.status))
                return

    # ---- the member sees the paid part (the test can fail) -------------------
    mem = Session(srv, "mem1", "mempass12")
    for d in docs:
        r = mem.get("/api/docs/" + urllib.parse.quote(d["id"]))
        check(r.status == 200, "member: doc %s status %d" % (d["id"], r.status))
        if r.status == 200:
            j = r.json()
            check(all(m in j["text"] for m in d["markers"]),
                  "member: doc %s text lacks the paid markers" % d["id"])
            check(j["locked"] is False, "member: doc %s is locked" % d["id"])
    m0 = docs[2]["markers"][0]
    r = mem.get("/api/search?q=" + m0)
    check(r.status == 200 and r.json()["total"] >= 1 and any(m0 in (h["snippet"] or "") for h in r.json()["hits"]),
          "member: a search for a paid marker shows no snippet with it: %s" % r.body[:300])
    r = mem.get("/api/docs/%s/download?format=txt" % docs[1]["id"])
    check(r.status == 200 and docs[1]["markers"][0].encode() in r.body,
          "member: txt download lacks the paid part (status %d)" % r.status)

    # ---- queries -------------------------------------------------------------
    queries = set(FREE_WORDS)
    for m in markers:
        queries |= {m, m[:len(m) // 2], m[len(m) // 2:], m[1:-1], m[:2], m[-2:], m.lower()}
    for d in docs:
        queries |= {d["title"], d["title"][2:8], "付费", "付费小标题", "分别开展", "开展", "展专题",
                    "重点任务", "具体做法", "会员", "客服", "##paidbegin##", "paidbegin"}
    queries = sorted(queries)

    def walk_as(who, sess):
        def get(path):
            r = sess.get(path)
            inspect(who, path, r)
            return r
        for path in ["/", "/app.js", "/app.css", "/healthz", "/metrics", "/api/me", "/api/facets",
                     "/api/new", "/api/new?since=2000-01-01", "/api/new?since=2000-01-01&limit=500",
                     "/api/admin/users", "/api/suggest?q="]:
            get(path)
        for q in queries:
            qq = urllib.parse.quote(q)
            get("/api/search?q=" + qq)
            get("/api/search?q=%s&sort=date&page=1" % qq)
            get("/api/search?q=%s&page=2&per_page=50" % qq)
            get("/api/suggest?q=" + qq)
            get("/api/docs/" + qq)
            get("/api/docs/%s/download?format=txt" % qq)
            get("/api/new?since=" + qq)
            get("/api/search?q=x&type=" + qq)
            get("/" + qq)
        for d in docs:
            i = urllib.parse.quote(d["id"])
            r = get("/api/docs/" + i)
            check(r.status == 200, "%s: doc %s status %d" % (who, d["id"], r.status))
            if r.status == 200:
                j = r.json()
                check(j["locked"] is True and j["locked_chars"] > 0,
                      "%s: doc %s not marked locked: %s / %s" % (who, d["id"], j.get("locked"), j.get("locked_chars")))
                check(j["text"].startswith(d["title"]), "%s: doc %s free text missing" % (who, d["id"]))
                locked_heads = [h for h in j["outline"] if h.get("locked")]
                check(all("text" not in h for h in locked_heads), "%s: a locked heading carries text" % who)
            for fmt in ("txt", "docx", "pdf", "../../etc/passwd"):
                r = get("/api/docs/%s/download?format=%s" % (i, urllib.parse.quote(fmt)))
                check(r.status in (400, 401, 403), "%s: download %s as %s gave %d" % (who, d["id"], fmt, r.status))
            get("/api/docs/%s/outline" % i)
            get("/api/docs/%s%s" % (i, urllib.parse.quote(d["markers"][0])))
            r = sess.delete("/api/admin/docs/" + i)
            inspect(who, "DELETE /api/admin/docs", r)
            check(r.status in (401, 403), "%s: delete gave %d" % (who, r.status))
        for body in [{"name": markers[0], "password": markers[1]}, {"name": "mem1", "password": markers[2]},
                     {"name": "x", "password": "y", "extra": markers[3]}, "not json " + markers[4]]:
            r = sess.post("/api/register", body if isinstance(body, dict) else body.encode(),
                          headers={"Content-Type": "application/json"})
            inspect(who, "POST /api/register", r)
        r = sess.post("/api/admin/users", {"name": "evil", "password": "evilevil", "tier": "admin"})
        inspect(who, "POST /api/admin/users", r)
        check(r.status in (401, 403), "%s: creating an admin gave %d" % (who, r.status))

    # the server caches answers per commit: a member asks everything first, so
    # that a visitor would be served a member's answer if the cache's key
    # ignored what the caller may read
    for q in queries:
        qq = urllib.parse.quote(q)
        for path in ("/api/search?q=" + qq, "/api/search?q=%s&sort=date&page=1" % qq,
                     "/api/search?q=%s&page=2&per_page=50" % qq, "/api/suggest?q=" + qq):
            mem.get(path)

    vis = Session(srv)
    r = vis.get("/api/search?q=" + urllib.parse.quote(FREE_WORDS[1]))
    check(r.status == 200 and r.json()["total"] >= 1, "visitor: a search for free text finds nothing")
    r = vis.get("/api/search?q=" + m0)
    check(r.status == 200 and r.json()["total"] >= 1,
          "visitor: a search for a paid marker does not find its document (paid text is searchable, not readable)")
    walk_as("visitor", vis)
    walk_as("free account", Session(srv, "free1", "freepass1"))
    walk_as("expired member", Session(srv, "old1", "oldpass12"))
    # failed logins with marker names come last: they lock the address
    for m in markers[:3]:
        r = Session(srv).post("/api/login", {"name": m, "password": m})
        inspect("visitor", "POST /api/login", r)
    rc = srv.stop()
    check(rc == 0, "server exited with %d on SIGTERM" % rc)


if __name__ == "__main__":
    run_test(run, "ok: no paid byte reached a visitor, a free account or an expired member")
