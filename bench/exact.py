"""exact.py — the brute-force truth for sucai's search, written from the
specification in issue 3 and independently of the C code (stdlib only).

Used by tests/integration/test_exactness.py (CI sample) and bench/run.sh
(the whole corpus).  Contents:

  Normaliser  -- the search normalisation, as issue 3 states it:
    1. full-width -> half-width: U+FF01..U+FF5E -> U+0021..U+007E, U+3000 -> ' '
    2. case fold: str.lower() applied to ASCII and Latin letters only
       (U+0041..005A, U+00C0..00DE, U+0100..024F, U+1E00..1EFF), and only
       where the lower-case form is one character.  Greek, Cyrillic and
       other scripts are left as they are (a documented choice: the spec
       says "case folded" and writers search Chinese and Latin).
    3. traditional -> simplified character by character, with OpenCC's
       t2s data (TSCharacters).  Debian ships only the binary .ocd2, so the
       table is built once per run by sending every Han code point, one per
       line, through the `opencc` CLI (package opencc) or, failing that,
       libopencc through ctypes.  One char a line means no phrase rules.
    4. lines: '\n' (also '\r\n' and a lone '\r') ends a line; a phrase never
       matches across a line end.  Within a line every run of whitespace
       (Unicode White_Space: \t \v \f, space, U+0085, U+00A0, U+1680,
       U+2000..200A, U+2028, U+2029, U+202F, U+205F, U+3000) is one space.
  parse_query -- the query language: clauses separated by whitespace are
    ANDed, `a|b` is OR, a leading `-` is NOT, "..." quotes a phrase
    (quoted and bare phrases combine the same way).  No field syntax.
  Truth       -- holds the normalised documents and answers a query with the
    exact set of ids whose title or text contains the phrases.
  gen_queries -- a seeded, deterministic query set (random substrings of
    length 1..12 of random documents, and ANDs / ORs / NOTs of them).
"""
import bisect
import ctypes
import ctypes.util
import json
import os
import random
import re
import shutil
import subprocess

HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF), (0x2F800, 0x2FA1F),
              (0x30000, 0x3134F)]
LATIN_RANGES = [(0x41, 0x5A), (0xC0, 0xDE), (0x100, 0x24F), (0x1E00, 0x1EFF)]
WHITESPACE = ('\t\x0b\x0c \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005'
              '\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
WS_RUN = re.compile('[' + re.escape(WHITESPACE) + ']+')


def _han_chars():
    return [chr(c) for lo, hi in HAN_RANGES for c in range(lo, hi + 1)]


def _t2s_cli(chars):
    exe = shutil.which('opencc')
    if not exe:
        return None
    src = '\n'.join(chars) + '\n'
    r = subprocess.run([exe, '-c', 't2s.json'], input=src.encode('utf-8'),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        return None
    return r.stdout.decode('utf-8').split('\n')[:len(chars)]


def _t2s_ctypes(chars):
    name = ctypes.util.find_library('opencc')
    for cand in ([name] if name else []) + ['libopencc.so.1.1', 'libopencc.so']:
        try:
            lib = ctypes.CDLL(cand)
            break
        except OSError:
            continue
    else:
        return None
    lib.opencc_open.restype = ctypes.c_void_p
    lib.opencc_open.argtypes = [ctypes.c_char_p]
    lib.opencc_convert_utf8.restype = ctypes.c_void_p
    lib.opencc_convert_utf8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.opencc_convert_utf8_free.argtypes = [ctypes.c_void_p]
    lib.opencc_close.argtypes = [ctypes.c_void_p]
    od = lib.opencc_open(b't2s.json')
    if not od or od == ctypes.c_void_p(-1).value:
        return None
    data = ('\n'.join(chars) + '\n').encode('utf-8')
    p = lib.opencc_convert_utf8(od, data, len(data))
    out = ctypes.string_at(p).decode('utf-8')
    lib.opencc_convert_utf8_free(p)
    lib.opencc_close(od)
    return out.split('\n')[:len(chars)]


def build_table():
    """The translate table for steps 1-3 of the normaliser."""
    t = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
    t[0x3000] = 0x20
    for lo, hi in LATIN_RANGES:
        for c in range(lo, hi + 1):
            low = chr(c).lower()
            if len(low) == 1 and low != chr(c):
                t[c] = ord(low)
    # full-width capitals go straight to lower case (steps 1 then 2)
    for c in range(0xFF21, 0xFF3B):
        t[c] = ord(chr(c - 0xFEE0).lower())
    chars = _han_chars()
    conv = _t2s_cli(chars) or _t2s_ctypes(chars)
    if conv is None or len(conv) != len(chars):
        raise RuntimeError('exact.py: cannot run OpenCC (install package opencc)')
    n = 0
    for a, b in zip(chars, conv):
        if len(b) == 1 and b != a:
            t[ord(a)] = ord(b)
            n += 1
    if n < 2000:
        raise RuntimeError('exact.py: OpenCC t2s table suspiciously small (%d)' % n)
    return t


class Normaliser:
    def __init__(self):
        self.table = build_table()

    def lines(self, s):
        """Normalised lines of one field."""
        s = s.replace('\r\n', '\n').replace('\r', '\n').translate(self.table)
        return [WS_RUN.sub(' ', ln) for ln in s.split('\n')]

    def phrase(self, p):
        return WS_RUN.sub(' ', p.translate(self.table))


class QueryError(ValueError):
    pass


def parse_query(q):
    """-> list of (negated, [phrase, ...]).  Raises QueryError."""
    clauses, i, n = [], 0, len(q)
    while True:
        while i < n and q[i] in WHITESPACE + '\n\r':
            i += 1
        if i >= n:
            break
        neg = False
        if q[i] == '-':
            neg, i = True, i + 1
        alts, cur, quoted, had = [], [], False, False
        while i < n:
            ch = q[i]
            if quoted:
                if ch == '"':
                    quoted = False
                else:
                    cur.append(ch)
            elif ch == '"':
                quoted, had = True, True
            elif ch in WHITESPACE or ch in '\n\r':
                break
            elif ch == '|':
                if cur or had:
                    alts.append(''.join(cur))
                cur, had = [], False
            else:
                cur.append(ch)
            i += 1
        if quoted:
            raise QueryError('unbalanced quote in %r' % q)
        if cur or had:
            alts.append(''.join(cur))
        alts = [a for a in alts if a.strip()]
        if not alts:
            raise QueryError('empty clause in %r' % q)
        clauses.append((neg, alts))
    if not any(not neg for neg, _ in clauses):
        raise QueryError('no positive clause in %r' % q)
    return clauses


class Truth:
    """All documents, normalised, in one string: every line of every field
    is followed by '\n', so a phrase (which never holds '\n') found at
    offset k belongs to the document whose start offset is the last <= k."""

    def __init__(self, norm, docs):
        """docs: iterable of (id, [field, ...])."""
        self.norm = norm
        self.ids, starts, parts, pos = [], [], [], 0
        for did, fields in docs:
            self.ids.append(did)
            starts.append(pos)
            for f in fields:
                for ln in norm.lines(f):
                    parts.append(ln)
                    parts.append('\n')
                    pos += len(ln) + 1
        self.starts = starts
        self.big = ''.join(parts)
        self.cache = {}

    def docs_with(self, phrase):
        p = self.norm.phrase(phrase)
        if p in self.cache:
            return self.cache[p]
        found, big, starts, k = set(), self.big, self.starts, 0
        nd = len(starts)
        while True:
            k = big.find(p, k)
            if k < 0:
                break
            d = bisect.bisect_right(starts, k) - 1
            found.add(d)
            if d + 1 >= nd:
                break
            k = starts[d + 1]
        self.cache[p] = found
        return found

    def search(self, q):
        """-> set of ids matching query q."""
        pos, neg = None, set()
        for negated, alts in parse_query(q):
            s = set()
            for a in alts:
                s |= self.docs_with(a)
            if negated:
                neg |= s
            else:
                pos = s if pos is None else (pos & s)
        return {self.ids[d] for d in pos - neg}


def stored_texts(lib_dir):
    """(id, title, free part, paid part) of every stored document, read
    from the store's documented formats (src/store.h, src/store_texts.c):
    the text a member searches (it starts with the title line) is the free
    part plus the paid part of the record at docs.text_at in the texts
    file, or, in rows of libraries made before that file, free_text +
    paid_text."""
    import sqlite3
    import struct
    import zlib
    con = sqlite3.connect('file:%s?mode=ro' % os.path.join(lib_dir, 'library.db'), uri=True)
    texts = None
    try:
        for num, did, title, at, free, paid in con.execute(
                'SELECT num, id, title, text_at, free_text, paid_text FROM docs ORDER BY num'):
            if at is None:
                yield did, title or '', free or '', paid or ''
                continue
            if texts is None:
                texts = open(os.path.join(lib_dir, 'texts'), 'rb')
                if texts.read(8) != b'SCTEXTS1':
                    raise ValueError('texts: bad header')
            texts.seek(at)
            head = texts.read(36)
            rnum, _fc, tl, fl, pl, dl, yl, _year, crc = struct.unpack('<QIIIIHHiI', head)
            if rnum != num or crc != zlib.crc32(head[:32]):
                raise ValueError('texts: record at %d is not document %d' % (at, num))
            body = texts.read(tl + dl + yl + 3 + fl + pl)[tl + dl + yl + 3:]
            yield did, title or '', body[:fl].decode('utf-8'), body[fl:].decode('utf-8')
    finally:
        con.close()
        if texts:
            texts.close()


def truth_from_library(lib_dir):
    """(id, [title, clean text]) of every stored document (stored_texts)."""
    for did, title, free, paid in stored_texts(lib_dir):
        yield did, [title, free + paid]


def read_jsonl(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield str(d['id']), d.get('title') or '', d.get('text') or ''


# ---- the query set -------------------------------------------------------

OPS = set(' \t"|:()')


def _ok(s, peer_safe):
    if not s or '\n' in s or '\r' in s or '"' in s:
        return False
    if s != s.strip() or s[0] in "-#":
        return False
    if any(ch in WHITESPACE for ch in s):
        if peer_safe:
            return False
    if peer_safe and any(ch in OPS for ch in s):
        return False
    if ':' in s:            # never look like a field (title:, year:, ...)
        return False
    return True


def quote(s):
    return '"%s"' % s if any(ch in OPS or ch in WHITESPACE for ch in s) else s


class Sampler:
    """Random substrings of random documents.  A document is chosen with
    probability proportional to its length (a random character of the
    corpus), so the five corpora are represented by their size."""

    def __init__(self, docs, seed):
        self.rng = random.Random(seed)
        self.docs = docs                   # list of (id, title, text)
        self.cum, tot = [], 0
        for _, t, x in docs:
            tot += len(t) + len(x) + 1
            self.cum.append(tot)
        self.total = tot

    def doc(self):
        k = self.rng.randrange(self.total)
        return self.docs[bisect.bisect_right(self.cum, k)]

    def substring(self, length, peer_safe, doc=None, tries=200):
        for _ in range(tries):
            d = doc or self.doc()
            field = d[1] if self.rng.random() < 0.05 else d[2]
            if len(field) < length:
                continue
            k = self.rng.randrange(len(field) - length + 1)
            s = field[k:k + length]
            if _ok(s, peer_safe):
                return s
        return None


def _around_space(sm):
    """A quoted phrase of 3..12 chars that holds whitespace (the space-run
    rule), or None."""
    for _ in range(50):
        d = sm.doc()
        ks = [k for k in range(len(d[2])) if d[2][k] in WHITESPACE][:200]
        if not ks:
            continue
        k = sm.rng.choice(ks)
        a, b = max(0, k - sm.rng.randint(1, 6)), k + sm.rng.randint(2, 6)
        s = d[2][a:b]
        if _ok(s, False) and len(s.strip()) == len(s):
            return quote(s)
    return None


def gen_queries(docs, n, seed=20261124, peer_safe=True):
    """n queries: (not peer_safe: 5% quoted phrases around whitespace)
    60% single phrases (length 1..12, uniform), 15% ANDs of
    two phrases from one document, 13% ORs of 2-3 phrases from different
    documents, 12% NOTs (a phrase, minus a phrase of the same or another
    document).  Deterministic for a given corpus, n and seed."""
    sm = Sampler(docs, seed)
    rng = sm.rng
    out, seen = [], set()
    while len(out) < n:
        r = rng.random()
        if not peer_safe and r < 0.05:
            q = _around_space(sm)
        elif r < 0.60:
            s = sm.substring(rng.randint(1, 12), peer_safe)
            q = s and quote(s)
        elif r < 0.75:
            d = sm.doc()
            a = sm.substring(rng.randint(2, 6), peer_safe, d)
            b = sm.substring(rng.randint(1, 6), peer_safe, d)
            q = a and b and '%s %s' % (quote(a), quote(b))
        elif r < 0.88:
            alts = [sm.substring(rng.randint(2, 8), peer_safe) for _ in range(rng.randint(2, 3))]
            q = all(alts) and '|'.join(quote(a) for a in alts)
        else:
            d = sm.doc()
            a = sm.substring(rng.randint(1, 4), peer_safe, d)
            b = sm.substring(rng.randint(1, 3), peer_safe, d if rng.random() < 0.5 else None)
            q = a and b and a != b and '%s -%s' % (quote(a), quote(b))
        if q and q not in seen:
            seen.add(q)
            out.append(q)
    return out


def writer_queries(path, peer_safe=True):
    """The hand-written queries (bench/queries_writer.txt).  For the peers
    (peer_safe) a quoted phrase without spaces loses its quotes and a line
    that needs quotes is dropped."""
    out = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if peer_safe:
                line2 = re.sub(r'"([^"\s|:]*)"', r'\1', line)
                if '"' in line2:
                    continue
                line = line2
            out.append(line)
    return out
