"""Helpers for the integration tests that drive `sucai serve`: a temp
library, accounts made with the CLI, the server on a free loopback port, and
an HTTP client that never goes through a proxy (http.client, not urllib).

Not a test itself (scripts/test.sh runs only test_*.py)."""
import gzip
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SUCAI = os.environ.get("SUCAI", "build/sucai")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes, gunzipped

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Server:
    """A library in a temp folder and a server on it."""

    def __init__(self, env=None, args=()):
        self.tmp = tempfile.mkdtemp(prefix="sucai-srv-")
        self.lib = os.path.join(self.tmp, "lib")
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.args = list(args)
        self.proc = None
        self.port = None
        self.failures = []

    def cli(self, *args, stdin=None, check=True):
        p = subprocess.run([SUCAI, "--library", self.lib, *args], input=stdin,
                           capture_output=True, text=True, timeout=600, env=self.env)
        if check and p.returncode not in (0, 1):
            raise RuntimeError("sucai %s failed: %s" % (" ".join(args), p.stderr))
        return p

    def start(self):
        self.log = open(os.path.join(self.tmp, "server.log"), "w+", errors="replace")
        self.proc = subprocess.Popen(
            [SUCAI, "--library", self.lib, "serve", "--listen", "127.0.0.1:0", *self.args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=self.env)
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.log.seek(0)
            raise RuntimeError("server did not start: %r %s" % (line, self.log.read()[-2000:]))
        self.port = int(line.rsplit(":", 1)[1].strip().strip("/"))
        return self

    def stop(self):
        """SIGTERM, wait; returns the exit code and checks the log for
        sanitizer reports."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        self.log.seek(0)
        text = self.log.read()
        if "runtime error" in text or "Sanitizer" in text:
            self.failures.append("sanitizer report in the server log:\n" + text[-4000:])
        elif rc != 0:
            # the caller checks the code; the log says why (a panic, an abort)
            print("server exited with %d; the end of its log:\n%s" % (rc, text[-2000:]))
        self.proc = None
        return rc

    def cleanup(self):
        if self.proc and self.proc.poll() is not None:
            self.log.seek(0)
            self.failures.append("the server died (%s):\n%s" % (self.proc.returncode, self.log.read()[-4000:]))
            self.proc = None
        self.stop()
        if os.environ.get("SUCAI_TEST_KEEP"):
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = r.getheaders()
        c.close()
        resp = Response(r.status, hdrs, data)
        if resp.header("Content-Encoding") == "gzip":
            resp.body = gzip.decompress(data)
        return resp


class Session:
    """A client with a cookie jar of one cookie and the CSRF token."""

    def __init__(self, server, name=None, password=None):
        self.s = server
        self.cookie = None
        self.csrf = None
        if name:
            r = self.post("/api/login", {"name": name, "password": password})
            if r.status != 200:
                raise RuntimeError("login %s failed: %s %s" % (name, r.status, r.body[:200]))

    def _headers(self, extra=None):
        h = dict(extra or {})
        if self.cookie:
            h["Cookie"] = "sucai_session=" + self.cookie
        if self.csrf:
            h["X-CSRF-Token"] = self.csrf
        return h

    def _keep(self, r):
        sc = r.header("Set-Cookie")
        if sc and sc.startswith("sucai_session="):
            v = sc.split(";", 1)[0].split("=", 1)[1]
            self.cookie = v or None
        if r.header("Content-Type", ) and r.header("Content-Type").startswith("application/json"):
            try:
                j = r.json()
                if isinstance(j, dict) and j.get("csrf"):
                    self.csrf = j["csrf"]
            except ValueError:
                pass
        return r

    def get(self, path, headers=None):
        return self._keep(self.s.request("GET", path, headers=self._headers(headers)))

    def post(self, path, body=None, headers=None):
        return self._keep(self.s.request("POST", path, body=body, headers=self._headers(headers)))

    def delete(self, path, headers=None):
        return self._keep(self.s.request("DELETE", path, headers=self._headers(headers)))


def multipart(files):
    """files: [(filename, bytes)] -> (body, content_type)"""
    boundary = "----sucaitest%d" % int(time.time() * 1000)
    out = []
    for name, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name)).encode())
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


# ---- the harness the server tests share -------------------------------------

failures = []


def check(cond, what):
    """Records (and prints) a failure when cond is false."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run_test(run, ok_message, args=None):
    """Starts a server with args, calls run(srv), stops it; exits 1 when
    anything failed (the test's checks, or the server's own: a crash, a
    sanitizer report), else prints ok_message."""
    srv = Server(args=args) if args else Server()
    try:
        run(srv)
    finally:
        srv.cleanup()
    for f in srv.failures:
        print("FAIL:", f)
    failures.extend(srv.failures)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print(ok_message)
