#!/usr/bin/env python3
"""`sucai serve` under hostile input: malformed HTTP, oversized bodies and
uploads, path traversal in every parameter, SQL metacharacters, invalid
UTF-8, huge query strings, thousands of idle connections, wrong methods and
content types, CSRF without the token.  Every answer must be a clear error
(JSON {"error":{code,message}} where the request reached our API, never a
500), and the server must keep serving everyone else and stop cleanly.
Also checks gzip, /metrics and /healthz.

Run by scripts/test.sh with SUCAI=path/to/sucai."""
import gzip
import json
import os
import resource
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sucai_server import Session, multipart, check, run_test  # noqa: E402



def raw(srv, data, timeout=5):
    """Sends raw bytes, returns what comes back (b"" when closed)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and len(out) > 4096:
                break
        return out
    finally:
        s.close()


def post_big(srv, path, body, ctype, extra=b""):
    """POSTs a body the server may refuse before reading it: sends what it
    can, then reads the answer.  Returns the status (0 if none)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    try:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
                  % (path.encode(), ctype.encode(), len(body), extra))
        try:
            s.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        try:
            while b"\r\n" not in out:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return int(out.split(b" ")[1]) if out.startswith(b"HTTP/1.") else 0
    finally:
        s.close()


def alive(srv, what):
    r = srv.request("GET", "/healthz", timeout=10)
    check(r.status == 200 and r.json() == {"status": "ok"}, "server still serves after " + what)


def api_error(r, what, statuses):
    check(r.status in statuses, "%s: status %d, want %s" % (what, r.status, statuses))
    try:
        j = r.json()
        check(isinstance(j.get("error"), dict) and j["error"].get("code") and j["error"].get("message"),
              "%s: error body is not {error:{code,message}}: %r" % (what, r.body[:200]))
    except ValueError:
        check(False, "%s: error body is not JSON: %r" % (what, r.body[:200]))
    body = r.body.decode("utf-8", "replace")
    for bad in ("root:", "/tmp/", "library.db", "SELECT", "sqlite", "INSERT"):
        check(bad not in body, "%s: the answer shows %r" % (what, bad))


def run(srv):
    folder = os.path.join(srv.tmp, "in")
    os.makedirs(folder)
    with open(os.path.join(folder, "a.txt"), "w", encoding="utf-8") as f:
        f.write("关于优化营商环境的实施方案\n一、总体要求\n推进证照分离改革。\n" * 1 + "正文。" * 400 + "\n")
    srv.cli("ingest", folder)
    srv.cli("user", "add", "root", "--tier", "admin", "--password", "admin-pass-1")
    srv.start()
    doc_id = json.loads(srv.cli("list", "--json").stdout.splitlines()[0])["id"]

    # ---- malformed HTTP ------------------------------------------------------
    for what, data in [
        ("garbage request line", b"GARBAGE\r\n\r\n"),
        ("HTTP/9.9", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
        ("header without colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
        ("NUL in the request line", b"GET /\x00/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("bad Content-Length", b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
        ("two Content-Lengths", b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello"),
        ("bad chunked body", b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nxx\r\n"),
        ("binary noise", bytes(range(256)) * 8),
    ]:
        out = raw(srv, data)
        check(not out or out.startswith(b"HTTP/1."), "%s: answer is not HTTP: %r" % (what, out[:60]))
        check(b" 500 " not in out[:20], "%s: 500" % what)
        alive(srv, what)

    # ---- oversized bodies -------------------------------------------------------
    st = post_big(srv, "/api/login", b"{" + b" " * (200 * 1024) + b"}", "application/json")
    check(st == 413, "200 KiB login body: %d" % st)
    out = raw(srv, b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 10000000000\r\n\r\n{")
    check(b" 413 " in out[:20], "10 GB Content-Length is refused at once: %r" % out[:40])
    chunks = b"".join(b"4000\r\n" + b"x" * 0x4000 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"
    out = raw(srv, b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    check(b" 413 " in out[:20], "64 KiB chunked body is refused: %r" % out[:40])
    r = srv.request("GET", "/api/me", body=b"x" * 100, headers={"Content-Length": "100"})
    check(r.status == 413, "a GET with a body is refused (%d)" % r.status)
    alive(srv, "oversized bodies")

    admin = Session(srv, "root", "admin-pass-1")
    body, ctype = multipart([("big.txt", b"x" * (2 << 20))])
    st = post_big(srv, "/api/admin/ingest", body, ctype,
                  ("Cookie: sucai_session=%s\r\nX-CSRF-Token: %s\r\n" % (admin.cookie, admin.csrf)).encode())
    check(st == 413, "2 MiB upload over a 1 MiB cap: %d" % st)
    # the same without Content-Length (chunked): drained, then refused
    c = __import__("http.client").client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.putrequest("POST", "/api/admin/ingest")
    for k, v in (("Content-Type", ctype), ("Transfer-Encoding", "chunked"),
                 ("Cookie", "sucai_session=" + admin.cookie), ("X-CSRF-Token", admin.csrf)):
        c.putheader(k, v)
    c.endheaders()
    for i in range(0, len(body), 65536):
        part = body[i:i + 65536]
        c.send(b"%x\r\n%s\r\n" % (len(part), part))
    c.send(b"0\r\n\r\n")
    cr = c.getresponse()
    check(cr.status == 413, "2 MiB chunked upload over a 1 MiB cap: %d" % cr.status)
    c.close()
    r = admin.post("/api/admin/ingest", b"not multipart", headers={"Content-Type": "text/plain"})
    check(r.status in (400, 415), "upload that is not multipart: %d" % r.status)
    names = ["../../../../tmp/evil.txt", "..\\..\\evil.txt", "/etc/passwd", ".bashrc", "a\x01b.txt",
             "名字 with spaces;rm -rf.txt", "x" * 600 + ".txt"]
    body, ctype = multipart([(n, ("标题%d\n正文内容%d。\n" % (i, i)).encode()) for i, n in enumerate(names)])
    r = admin.post("/api/admin/ingest", body, headers={"Content-Type": ctype})
    check(r.status == 200, "upload with hostile file names: %d %r" % (r.status, r.body[:200]))
    if r.status == 200:
        res = r.json()["results"]
        files = [x["file"] for x in res]
        check(len(res) == len(names), "one result per uploaded file: %s" % res)
        for x in res:
            if x["file"].endswith(".txt"):
                check(x["status"] == "added", "hostile name %r ingests: %s" % (x["file"], x))
            else:
                check(x["status"] == "error" and "unknown file type" in (x["error"] or ""),
                      "a name without a known extension is refused with a reason: %s" % x)
        check(all("/" not in f and "\\" not in f and not f.startswith(".") for f in files), "file names are sanitized: %s" % files)
        check(not os.path.exists("/tmp/evil.txt"), "no file escaped the upload folder")
    visitor = Session(srv)
    r = visitor.post("/api/admin/ingest", b"x", headers={"Content-Type": "multipart/form-data; boundary=x"})
    api_error(r, "upload as a visitor", (401,))
    alive(srv, "uploads")

    # ---- traversal, SQL, invalid UTF-8, huge strings ------------------------------
    q = urllib.parse.quote
    hostile = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "/etc/passwd", "....//....//etc/passwd",
               "' OR '1'='1", "1; DROP TABLE docs; --", "\" OR \"\"=\"", "%' --", "*", "\\", "%00",
               "${jndi:ldap://x}", "<script>alert(1)</script>", "D" * 2000]
    for h in hostile:
        for path in ["/api/search?q=" + q(h), "/api/search?q=x&type=" + q(h), "/api/search?q=x&sort=" + q(h),
                     "/api/search?q=x&page=" + q(h), "/api/search?q=x&year=" + q(h), "/api/suggest?q=" + q(h),
                     "/api/docs/" + q(h, safe=""), "/api/docs/%s/download?format=%s" % (doc_id, q(h)),
                     "/api/new?since=" + q(h), "/" + q(h, safe="")]:
            r = visitor.get(path)
            check(r.status != 500 and r.status < 600, "%s: status %d" % (path[:80], r.status))
            if r.status >= 400:
                api_error(r, path[:80], (400, 401, 403, 404, 414))
    r = visitor.get("/api/search?q=" + q("' OR 1=1 --"))
    check(r.status == 200 and r.json()["total"] == 0, "SQL in a query is just text (no hits)")
    for path in ["/api/search?q=%FF%FE", "/api/suggest?q=%C0%AF", "/api/search?q=%ED%A0%80",
                 "/api/search?q=x&type=%FF", "/api/docs/%FF%FE", "/api/new?since=%FF"]:
        r = visitor.get(path)
        api_error(r, "invalid UTF-8 " + path, (400, 404))
    for n in (5000, 100000):
        out = raw(srv, b"GET /api/search?q=" + b"A" * n + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        check(out[:12] in (b"HTTP/1.1 200", b"HTTP/1.1 400", b"HTTP/1.1 414", b"HTTP/1.1 431", b"HTTP/1.1 413"),
              "%d-byte query string: %r" % (n, out[:40]))
    out = raw(srv, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(2000)) + b"\r\n")
    check(not out or out[:12] in (b"HTTP/1.1 431", b"HTTP/1.1 413", b"HTTP/1.1 400"), "2000 headers: %r" % out[:40])
    r = visitor.post("/api/login", {"name": "root' --", "password": "x"})
    api_error(r, "SQL in a login name", (400, 401))
    alive(srv, "traversal, SQL, UTF-8, huge strings")

    # ---- methods, content types, CSRF, tokens -------------------------------------
    for m in ("PUT", "PATCH", "TRACE", "OPTIONS", "CONNECT"):
        r = srv.request(m, "/api/search?q=x") if m != "CONNECT" else None
        if r:
            check(r.status == 405, "%s gives 405 (%d)" % (m, r.status))
    r = visitor.post("/api/search?q=x", {"q": "x"})
    check(r.status == 405, "POST to a GET route gives 405 (%d)" % r.status)
    r = srv.request("POST", "/api/login", body=b"name=root&password=admin-pass-1",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    api_error(r, "form-encoded login (a cross-site form)", (415,))
    for body in (b"", b"null", b"[]", b"{\"name\":", b"\xff\xfe", b"{\"name\":\"root\",\"password\":12}"):
        r = srv.request("POST", "/api/login", body=body, headers={"Content-Type": "application/json"})
        api_error(r, "bad login body %r" % body[:20], (400,))
    csrf = admin.csrf
    admin.csrf = None
    r = admin.post("/api/admin/users", {"name": "mallory", "password": "mallory-pw", "tier": "admin"})
    api_error(r, "cookie POST without X-CSRF-Token", (403,))
    admin.csrf = "0" * 64
    r = admin.delete("/api/admin/docs/" + doc_id)
    api_error(r, "cookie DELETE with a wrong X-CSRF-Token", (403,))
    admin.csrf = csrf
    r = admin.post("/api/admin/users", {"name": "mallory", "password": "mallory-pw", "tier": "member"})
    check(r.status == 201, "with the CSRF token the admin creates an account (%d)" % r.status)
    r = srv.request("GET", "/api/me", headers={"Authorization": "Bearer " + "f" * 64})
    check(r.status == 200 and r.json()["tier"] == "visitor", "an unknown bearer token is a visitor")
    r = srv.request("GET", "/api/me", headers={"Cookie": "sucai_session=' OR 1=1 --"})
    check(r.status == 200 and r.json()["tier"] == "visitor", "a junk session cookie is a visitor")
    r = srv.request("GET", "/api/docs/%s/download?format=txt" % doc_id, headers={"Authorization": "Basic cm9vdDp4"})
    api_error(r, "download with Basic auth", (401,))

    # ---- gzip, metrics --------------------------------------------------------------
    plain = srv.request("GET", "/app.js")
    c = __import__("http.client").client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    c.request("GET", "/app.js", headers={"Accept-Encoding": "gzip"})
    zr = c.getresponse()
    zbody = zr.read()
    c.close()
    check(zr.getheader("Content-Encoding") == "gzip" and gzip.decompress(zbody) == plain.body and len(zbody) < len(plain.body),
          "large responses are gzipped when asked")
    check(plain.header("Content-Encoding") is None, "no gzip when not asked")
    m = srv.request("GET", "/metrics").body.decode()
    check('sucai_requests_total{route="search",status="200"}' in m and "sucai_request_duration_seconds_bucket" in m
          and "sucai_documents " in m, "/metrics has requests, latencies and documents")

    # ---- thousands of idle connections ------------------------------------------------
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    n = min(2000, want - 100)
    idle = []
    try:
        for i in range(n):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", srv.port))
            if i % 2:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # half a request, never finished
            idle.append(s)
        t0 = time.time()
        alive(srv, "%d idle connections" % n)
        r = visitor.get("/api/search?q=" + q("营商环境"))
        check(r.status == 200 and r.json()["total"] == 1, "search works beside %d idle connections" % n)
        check(time.time() - t0 < 5, "answers come quickly beside %d idle connections" % n)
    finally:
        for s in idle:
            s.close()
    alive(srv, "closing the idle connections")
    rc = srv.stop()
    check(rc == 0, "SIGTERM: clean exit (%d)" % rc)


if __name__ == "__main__":
    run_test(run, "ok: hostile input answered with clear errors; the server kept serving",
             args=["--set", "max_upload_mb=1", "--set", "max_body_kb=16", "--threads", "2"])
