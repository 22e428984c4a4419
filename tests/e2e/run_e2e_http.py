#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end test of the HTTP side: `bcastdec http` / `bcastdec xml` against
messages built independently of the library.

MSK responses carrying random LTKMs (tests/e2e/mikeygen.py: random SMK per
subscriber, random SEKs), raw HTTP exchanges and their Digest values
(tests/e2e/httpgen.py, hashlib only; curl as a second, outside client) are
generated for this run; the CLI must give back every SEK/PEK and TEK exactly,
verify exactly the Digest responses and rspauths that are right, and report
each planted rule violation with its finding id and nothing else at warning
level or above.  The seed is printed at the start and on failure; --seed N
reproduces a run (each case draws from its own generator seeded by (seed,
case name), so --only reproduces one case alone too).

    /usr/bin/python3 tests/e2e/run_e2e_http.py --cli build/bin/bcastdec \\
        --workdir /tmp/e2e-http [--seed N] [--only SUBSTRING] [--verbose]

Exit status 0 when every case passed, 1 otherwise, 2 on a usage error.
Needs Debian's /usr/bin/python3 with python3-cryptography (for mikeygen).
"""

import argparse
import base64
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import httpgen as hg  # noqa: E402  (the independent HTTP/XML/Digest oracle)
import mikeygen as g  # noqa: E402  (the independent MIKEY oracle)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
CURL = "/usr/bin/curl"
SEVERITIES = {"note": 0, "warning": 1, "error": 2}
USED_FINDING_IDS = set()
VERIFICATION_OUTCOMES = ("not_checked", "verified", "failed", "no_srk", "malformed",
                         "unsupported")


# --------------------------------------------------------------------------
# Infrastructure
# --------------------------------------------------------------------------

class Result:
    def __init__(self, argv, rc, out, err, objs):
        self.argv, self.rc, self.out, self.err, self.objs = argv, rc, out, err, objs


class Case:
    def __init__(self, suite, name, index):
        self.suite, self.name, self.index = suite, name, index
        self.rng = random.Random("%d/%s" % (suite.seed, name))
        self.failures, self.runs, self.secrets = [], [], {}
        self.nfiles = 0
        self.skipped = None

    # ---- checks ------------------------------------------------------------
    def fail(self, what):
        self.failures.append(what)

    def eq(self, what, got, want):
        if got != want:
            self.fail("%s: got %s, want %s" % (what, _short(got), _short(want)))
            return False
        return True

    def true(self, what, cond):
        if not cond:
            self.fail(what)
        return bool(cond)

    # ---- random values -----------------------------------------------------
    def key(self, name, n=16):
        k = self.rng.randbytes(n)
        self.secrets[name] = k
        return k

    def identity(self, form):
        return g.make_btid(self.rng) if form == "btid" else g.make_nai(self.rng)

    # ---- files -------------------------------------------------------------
    def path(self, suffix):
        self.nfiles += 1
        return os.path.join(self.suite.workdir, "case%03d-%d%s" % (self.index, self.nfiles, suffix))

    def write(self, data, suffix):
        p = self.path(suffix)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def keyfile(self, lines):
        text = "# bcastdec e2e-http key file, case %r, seed %d\n" % (self.name, self.suite.seed)
        return self.write((text + "".join(ln + "\n" for ln in lines)).encode(), ".keys")

    # ---- running the CLI ---------------------------------------------------
    def run(self, cmd, files, keys=None, extra=(), n_objs=None):
        """cmd: "http" or "xml"; files: paths.  Parses --json output."""
        argv = [self.suite.cli, cmd]
        if keys is not None:
            argv += ["--keys", keys]
        argv += list(extra) + ["--json"] + list(files)
        try:
            p = subprocess.run(argv, capture_output=True, timeout=30)
        except (subprocess.TimeoutExpired, OSError) as e:
            self.fail("cannot run the CLI (%s): %s" % (e, _cmdline(argv)))
            r = Result(argv, None, "", "", [])
            self.runs.append(r)
            return r
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        objs = []
        for i, line in enumerate(out.splitlines()):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except ValueError as e:
                self.fail("stdout line %d is not JSON (%s): %s" % (i + 1, e, line[:200]))
                continue
            if not isinstance(o, dict):
                self.fail("stdout line %d is not a JSON object" % (i + 1))
                continue
            objs.append(o)
        r = Result(argv, p.returncode, out, err, objs)
        self.runs.append(r)
        if p.returncode is not None and p.returncode < 0:
            self.fail("the CLI died of signal %d" % -p.returncode)
        if "AddressSanitizer" in err or "runtime error:" in err:
            self.fail("sanitizer report on stderr")
        if n_objs is not None:
            self.eq("number of JSON objects", len(objs), n_objs)
        for i, o in enumerate(objs):
            check_shape(self, cmd, o, i)
        # SMKs and SRKs never appear anywhere (SEKs/TEKs are output by design).
        for name, k in self.secrets.items():
            if not (name.startswith("SMK") or name.startswith("SRK")):
                continue
            for form in (k.hex(), k.hex().upper(), base64.b64encode(k).decode("ascii")):
                if form in out or form in err:
                    self.fail("%s appears in the output" % name)
                    break
        return r


def _short(v, n=400):
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


def _cmdline(argv, n=400):
    s = " ".join(a if len(a) <= 80 else a[:76] + "..." for a in argv)
    return s if len(s) <= n else s[:n] + " ..."


# --------------------------------------------------------------------------
# Checks on the CLI's objects
# --------------------------------------------------------------------------

def xml_of(cmd, o):
    return o.get("xml") if cmd == "xml" else (o.get("body") or {}).get("xml")


def findings_of(cmd, o):
    """Every finding of one printed object.  http: the object's own list (which
    must hold every nested list); xml: the body's and its LTKMs'."""
    if cmd == "http":
        return list(o.get("findings", []))
    x = o.get("xml") or {}
    out = list(x.get("findings", []))
    for lt in x.get("ltkms", []):
        out += (lt.get("mikey") or {}).get("findings", [])
    return out


def _fkey(f):
    return (f.get("id"), f.get("severity"), f.get("message"), f.get("offset"))


def check_shape(c, cmd, o, i):
    w = "%s object %d" % (cmd, i)
    c.eq(w + " index", o.get("index"), i)
    fs = findings_of(cmd, o)
    for f in fs:
        for k in ("id", "severity", "message"):
            c.true("%s: finding without %r: %s" % (w, k, _short(f)), k in f)
        cat = c.suite.catalogue
        if f.get("id") is not None:
            if c.true("%s: finding id %r not in `bcastdec findings`" % (w, f["id"]),
                      f["id"] in cat):
                c.eq("%s: severity of %s" % (w, f["id"]), f.get("severity"), cat[f["id"]])
    if cmd != "http":
        return
    # The flat list holds every nested one (Digest, XML, LTKMs, MIKEY body).
    flat = [_fkey(f) for f in fs]
    nested = []
    x = xml_of(cmd, o)
    if x:
        nested += x.get("findings", [])
        for lt in x.get("ltkms", []):
            nested += (lt.get("mikey") or {}).get("findings", [])
    m = (o.get("body") or {}).get("mikey")
    if m:
        nested += m.get("findings", [])
    for f in nested:
        if _fkey(f) not in flat:
            c.fail("%s: nested finding %s missing from \"findings\"" % (w, _short(f)))
    for k in ("authorization", "authentication_info", "www_authenticate"):
        d = o.get(k)
        if isinstance(d, dict) and "verification" in d:
            c.true("%s: %s.verification.outcome %r" % (w, k, d["verification"].get("outcome")),
                   d["verification"].get("outcome") in VERIFICATION_OUTCOMES)


def expect_findings(c, r, cmd, want, allow=()):
    """want: {object index: [finding ids]} -- exactly these findings of
    severity warning or error (as a multiset) per object, every other object
    none; wanted notes must be present, other notes are allowed.  allow: ids
    tolerated anywhere (used only where the same fact is reported at two
    levels; each use is explained at the case)."""
    USED_FINDING_IDS.update(i for ids in want.values() for i in ids)
    cat = c.suite.catalogue
    for idx, o in enumerate(r.objs):
        ids = [f.get("id") for f in findings_of(cmd, o)]
        w = want.get(idx, [])
        got_hi = sorted(i for i in ids if SEVERITIES.get(cat.get(i), 2) >= 1 and i not in allow)
        want_hi = sorted(i for i in w if SEVERITIES.get(cat.get(i), 2) >= 1)
        c.eq("object %d findings (warning and above)" % idx, got_hi, want_hi)
        for i in w:
            if SEVERITIES.get(cat.get(i), 2) == 0:
                c.true("object %d: note %s missing (has %s)" % (idx, i, ids), i in ids)
    for idx in want:
        c.true("object %d expected but only %d printed" % (idx, len(r.objs)), idx < len(r.objs))


def sek_entry(b):
    i = b.info
    return {"role": "SEK", "kdid": i["kdid"].hex(), "sekpek_id": i["sekpek_id"].hex(),
            "key": i["sek"].hex()}


def check_ltkms(c, x, built, what, found_by="idr", label=None, responses=None, ids="match",
                versions=None):
    """Every LTKM of the body decoded and decrypted to exactly its SEK/PEK."""
    if not c.true("%s: no xml object" % what, isinstance(x, dict)):
        return
    lts = x.get("ltkms", [])
    if not c.eq("%s: number of LTKMs" % what, len(lts), len(built)):
        return
    for n, (lt, b) in enumerate(zip(lts, built)):
        w = "%s LTKM %d" % (what, n)
        m = lt.get("mikey") or {}
        c.eq(w + " kind/mac/outcome/status", (m.get("kind"), m.get("mac"), m.get("outcome"),
                                              m.get("status")),
             ("ltkm", "verified", "decrypted", "ok"))
        c.eq(w + " keys", m.get("keys"), [sek_entry(b)])
        c.eq(w + " key_ids", m.get("key_ids"),
             {"kdid": b.info["kdid"].hex(), "sekpek_id": b.info["sekpek_id"].hex()})
        c.eq(w + " counter", m.get("counter"), b.info["counter"])
        ku = m.get("key_used") or {}
        c.eq(w + " key_used.found_by", ku.get("found_by"), found_by)
        if label is not None:
            c.eq(w + " key_used.label", ku.get("label"), label)
        c.eq(w + " ids", lt.get("ids"), ids if isinstance(ids, str) else ids[n])
        c.eq(w + " response", lt.get("response"), n if responses is None else responses[n])
        c.eq(w + " version", lt.get("version"), 0 if versions is None else versions[n])
        c.eq(w + " replay", m.get("replay"), False)


def verification(o, k):
    return ((o or {}).get(k) or {}).get("verification") or {}


# --------------------------------------------------------------------------
# Scenario builders (all values random per case)
# --------------------------------------------------------------------------

class Subscriber:
    def __init__(self, c, form="btid", tag=""):
        self.form = form
        self.id = c.identity(form)
        self.smk = c.key("SMK" + tag, c.rng.choice([16, 32]))
        self.srk = c.key("SRK" + tag, c.rng.choice([16, 32]))
        self.counter = c.rng.randint(1, 1 << 20)

    def next_counter(self, c):
        self.counter += c.rng.randint(1, 1000)
        return self.counter

    def lines(self, smk=True, srk=True):
        out = []
        if smk:
            out.append("SMK %s %s" % (self.id, self.smk.hex()))
        if srk:
            out.append("SRK %s %s" % (self.id, self.srk.hex()))
        return out

    def pw(self, form="base64"):
        return hg.password_forms(self.srk)[form]


def new_ltkm(c, sub, kdid=None, sekpek=None, idr=None, prf=None, kv=None, tag=""):
    """An LTKM for |sub| with a fresh random SEK (counters increase in build order)."""
    kdid = kdid if kdid is not None else c.rng.randbytes(3)
    sekpek = sekpek if sekpek is not None else c.rng.randbytes(4)
    kv = kv if kv is not None else c.rng.choice([g.KV_NULL, g.KV_SPI, g.KV_INTERVAL])
    vf = vt = None
    if kv == g.KV_INTERVAL:
        a, z = sorted(c.rng.sample(range(0x10000), 2))
        vf, vt = a.to_bytes(2, "big"), z.to_bytes(2, "big")
    sek = c.key("SEK%s-%d" % (tag, c.nfiles), 16)
    return g.build_ltkm(sub.smk, idr if idr is not None else sub.id, sek, kdid, sekpek,
                        c.rng.getrandbits(32), sub.next_counter(c), c.rng.randbytes(16),
                        prf_func=prf if prf is not None else c.rng.choice([0, 1]), kv=kv,
                        vf=vf, vt=vt)


def ltkm_set(c, sub, n):
    return [new_ltkm(c, sub) for _ in range(n)]


def plain_body(built):
    """A correct MSK response: one 200 OK Response with one LTKM per LTKM."""
    return hg.msk_response([hg.response_element(b.info["kdid"], b.info["sekpek_id"],
                                                ltkms=[hg.ltkm_element(b.msg)]) for b in built])


def msk_req_body(built):
    return hg.msk_request([(b.info["kdid"], b.info["sekpek_id"]) for b in built])


def ltkm_flow(c, sub, body, built, **kw):
    """The LTKM Request flow for |sub| ending in a 200 with |body|."""
    kw.setdefault("algorithm", c.rng.choice(hg.ALGORITHMS))
    kw.setdefault("qop", c.rng.choice(["auth", "auth-int"]))
    return hg.Flow(c.rng, sub.id, kw.pop("password", sub.pw()), msk_req_body(built), body, **kw)


def both(c, body, built, sub, want_xml, want_http_final=None, rc_xml=1, rc_http=None,
         allow=(), **flow_kw):
    """Runs the body through `bcastdec xml` and through the full LTKM Request
    flow in `bcastdec http`; the same findings on the body and on the 200 OK.
    Returns (xml result, http result)."""
    kf = c.keyfile(sub.lines())
    p = c.write(body, ".xml")
    rx = c.run("xml", [p], keys=kf, n_objs=1)
    c.eq("xml exit status", rx.rc, rc_xml)
    expect_findings(c, rx, "xml", {0: want_xml}, allow)
    flow = ltkm_flow(c, sub, body, built or [], **flow_kw)
    msgs = flow.messages()
    ph = c.write(b"".join(msgs), ".http")
    rh = c.run("http", [ph], keys=kf, n_objs=len(msgs))
    c.eq("http exit status", rh.rc, rc_xml if rc_http is None else rc_http)
    last = len(msgs) - 1
    expect_findings(c, rh, "http", {last: want_xml if want_http_final is None
                                    else want_http_final}, allow)
    if len(rh.objs) == len(msgs):
        c.eq("http: Authorization verified",
             verification(rh.objs[last - 1], "authorization").get("outcome"), "verified")
    return rx, rh


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

CASES = []


def case(name, *args):
    def deco(fn):
        CASES.append((name, fn, args))
        return fn
    return deco


def add(name, fn, *args):
    CASES.append((name, fn, args))


# 1. Every SEK/PEK of random LTKMs --------------------------------------------

def sek_xml(c, form, n):
    sub = Subscriber(c, form)
    built = ltkm_set(c, sub, n)
    # another subscriber's SMK and a wrong "*" SMK: the IDr must win
    other = Subscriber(c, "nai" if form == "btid" else "btid", tag="-other")
    kf = c.keyfile(other.lines() + ["SMK * %s" % c.key("SMK-wild", 16).hex()] + sub.lines())
    # the NAI run names the media type (--media-type), the B-TID runs let the root decide
    extra = ["--media-type", hg.MT_MSK_RESPONSE] if form == "nai" else []
    r = c.run("xml", [c.write(plain_body(built), ".xml")], keys=kf, extra=extra, n_objs=1)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "xml", {})
    if r.objs:
        x = r.objs[0].get("xml")
        c.eq("kind, kind_by", ((x or {}).get("kind"), (x or {}).get("kind_by")),
             ("msk_response", "media_type" if extra else "root"))
        check_ltkms(c, x, built, "xml", label="SMK " + sub.id)


add("xml: 1 random LTKM, B-TID subscriber, SEK decrypted", sek_xml, "btid", 1)
add("xml: 7 random LTKMs, B-TID subscriber, every SEK decrypted", sek_xml, "btid", 7)
add("xml: 4 random LTKMs, NAI subscriber, every SEK decrypted", sek_xml, "nai", 4)


@case("http: LTKM Request flow, N LTKMs inline, then an STKM body opens with the learned SEK")
def sek_http_stkm(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, c.rng.randint(2, 6))
    flow = ltkm_flow(c, sub, plain_body(built), built)
    msgs = flow.messages()
    pick = c.rng.randrange(len(built))
    lt = built[pick]
    tek, salt = c.key("TEK"), c.key("salt", 14)
    st = g.build_stkm(lt.info["sek"], tek, salt, lt.info["kdid"], lt.info["sekpek_id"],
                      c.rng.randbytes(2), c.rng.getrandbits(32), c.rng.randint(1, 1 << 30),
                      prf_func=lt.info["prf"])
    msgs.append(hg.response(200, [("Content-Type", hg.MT_STKM)], st.msg))
    # no SEK in the key file: only the LTKM can have delivered it
    kf = c.keyfile(sub.lines())
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=kf, n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) != len(msgs):
        return
    c.eq("kinds", [(o.get("kind"), o.get("status_code")) for o in r.objs],
         [("http_request", None), ("http_response", 401), ("http_request", None),
          ("http_response", 200), ("http_response", 200)])
    c.eq("Authorization", verification(r.objs[2], "authorization").get("outcome"), "verified")
    c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"), "verified")
    check_ltkms(c, xml_of("http", r.objs[3]), built, "http", label="SMK " + sub.id)
    m = (r.objs[4].get("body") or {}).get("mikey") or {}
    ids = {"kdid": st.info["kdid"].hex(), "sekpek_id": st.info["sekpek_id"].hex(),
           "tek_id": st.info["tek_id"].hex()}
    c.eq("STKM kind/mac/outcome", (m.get("kind"), m.get("mac"), m.get("outcome")),
         ("stkm", "verified", "decrypted"))
    c.eq("STKM keys", m.get("keys"), [dict(role="TEK", key=tek.hex(), **ids),
                                      dict(role="salt", key=salt.hex(), **ids)])
    ku = m.get("key_used") or {}
    c.eq("STKM key_used", (ku.get("role"), ku.get("found_by"), ku.get("from")),
         ("SEK", "keyid", "message 3"))


@case("http: three subscribers (B-TID, NAI, B-TID) in one run, each with own SMK/SRK")
def sek_http_many(c):
    subs = [Subscriber(c, f, tag=str(n)) for n, f in enumerate(["btid", "nai", "btid"])]
    lines, msgs, per = [], [], []
    for s in subs:
        built = ltkm_set(c, s, c.rng.randint(1, 4))
        fl = ltkm_flow(c, s, plain_body(built), built)
        m = fl.messages()
        per.append((s, built, len(msgs) + len(m) - 1, fl))
        msgs += m
        lines += s.lines()
    c.rng.shuffle(lines)
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(lines),
              n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) != len(msgs):
        return
    for n, (s, built, last, fl) in enumerate(per):
        w = "subscriber %d (%s)" % (n, s.form)
        a = r.objs[last - 1].get("authorization") or {}
        c.eq(w + " username/kind", (a.get("username"), a.get("user_kind")),
             (s.id, "b-tid" if s.form == "btid" else "nai"))
        c.eq(w + " Authorization", (verification(r.objs[last - 1], "authorization").get("outcome"),
                                    verification(r.objs[last - 1], "authorization").get("srk")),
             ("verified", "SRK " + s.id))
        c.eq(w + " rspauth", verification(r.objs[last], "authentication_info").get("outcome"),
             "verified")
        check_ltkms(c, xml_of("http", r.objs[last]), built, w, label="SMK " + s.id)


@case("http: each message in its own file (the exchange spans files)")
def sek_http_files(c):
    sub = Subscriber(c, "nai")
    built = ltkm_set(c, sub, 3)
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    files = [c.write(m, ".http") for m in msgs]
    r = c.run("http", files, keys=c.keyfile(sub.lines()), n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) == len(msgs):
        c.eq("sources", [o.get("source") for o in r.objs], files)
        c.eq("rspauth across files",
             verification(r.objs[3], "authentication_info").get("outcome"), "verified")
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http", label="SMK " + sub.id)


@case("http: SMK known only under the Digest username (LTKM IDr is another identity)")
def sek_http_digest_user(c):
    sub = Subscriber(c, "btid")
    impi = "%d@ims.mnc001.mcc001.3gppnetwork.org" % c.rng.randint(10 ** 14, 10 ** 15 - 1)
    built = [new_ltkm(c, sub, idr=impi) for _ in range(2)]
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()),
              n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) == len(msgs):
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http", found_by="digest_username",
                    label="SMK " + sub.id)


@case("http: the whole LTKM Request flow replayed -> replay.counter on every LTKM")
def sek_http_replay(c):
    sub = Subscriber(c, c.rng.choice(["btid", "nai"]))
    built = ltkm_set(c, sub, c.rng.randint(1, 4))
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http"), c.write(b"".join(msgs), ".http")],
              keys=c.keyfile(sub.lines()), n_objs=8)
    c.eq("exit status", r.rc, 1)
    expect_findings(c, r, "http", {7: ["replay.counter"] * len(built)})
    if len(r.objs) == 8:
        check_ltkms(c, xml_of("http", r.objs[3]), built, "first")
        lts = (xml_of("http", r.objs[7]) or {}).get("ltkms", [])
        c.eq("replayed LTKMs flagged", [(lt.get("mikey") or {}).get("replay") for lt in lts],
             [True] * len(built))


@case("http: SMK missing -> kemac.no_key per LTKM; another SMK -> kemac.mac_failed")
def sek_http_no_smk(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 2)
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    f = c.write(b"".join(msgs), ".http")
    r = c.run("http", [f], keys=c.keyfile(sub.lines(smk=False)), n_objs=4)
    c.eq("no SMK: exit status", r.rc, 0)
    expect_findings(c, r, "http", {3: ["kemac.no_key"] * 2})
    wrong = "SMK %s %s" % (sub.id, c.key("SMK-wrong", 16).hex())
    r = c.run("http", [f], keys=c.keyfile(sub.lines(smk=False) + [wrong]), n_objs=4)
    c.eq("wrong SMK: exit status", r.rc, 1)
    expect_findings(c, r, "http", {3: ["kemac.mac_failed"] * 2})
    for o in r.objs[3:4]:
        for lt in (xml_of("http", o) or {}).get("ltkms", []):
            m = lt.get("mikey") or {}
            c.eq("wrong SMK: mac/outcome/keys", (m.get("mac"), m.get("keys")), ("failed", []))


@case("xml: LTKM base64 broken into lines (whitespace is legal in xs:base64Binary)")
def sek_xml_wrapped(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 3)
    body = hg.msk_response([hg.response_element(b.info["kdid"], b.info["sekpek_id"],
                                                ltkms=[hg.ltkm_element(b.msg, wrap=w)])
                            for b, w in zip(built, (76, 64, 4))])
    r = c.run("xml", [c.write(body, ".xml")], keys=c.keyfile(sub.lines()), n_objs=1)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "xml", {})
    if r.objs:
        check_ltkms(c, r.objs[0].get("xml"), built, "xml")


@case("xml: mixed 200 OK and error Responses, LTKMs only in the 200 OK ones")
def sek_xml_mixed(c):
    sub = Subscriber(c, "nai")
    built = ltkm_set(c, sub, 3)
    rs, idx = [], []
    for b in built:
        if c.rng.random() < 0.7:
            rs.append(hg.response_element(c.rng.randbytes(3), c.rng.randbytes(4),
                                          code=c.rng.choice(["404 Not Found", "403 Forbidden"])))
        idx.append(len(rs))
        rs.append(hg.response_element(b.info["kdid"], b.info["sekpek_id"],
                                      ltkms=[hg.ltkm_element(b.msg)]))
    r = c.run("xml", [c.write(hg.msk_response(rs), ".xml")], keys=c.keyfile(sub.lines()),
              n_objs=1)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "xml", {})
    if r.objs:
        check_ltkms(c, r.objs[0].get("xml"), built, "xml", responses=idx)


# 2. Digest: every algorithm and qop, password forms ----------------------------

def digest_ok(c, alg, qop, form, pwform):
    sub = Subscriber(c, form)
    built = ltkm_set(c, sub, c.rng.randint(1, 2))
    flow = ltkm_flow(c, sub, plain_body(built), built, algorithm=alg, qop=qop,
                     password=sub.pw(pwform),
                     challenge_qop=(qop,) if c.rng.random() < 0.5 else ("auth", "auth-int"))
    msgs = flow.messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()),
              n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    notes = [] if pwform == "base64" else ["digest.password_form"]
    expect_findings(c, r, "http", {2: notes, 3: notes})
    if len(r.objs) != len(msgs):
        return
    a = r.objs[2].get("authorization") or {}
    c.eq("Authorization algorithm/qop/user_kind", (a.get("algorithm"), a.get("qop"),
                                                   a.get("user_kind")),
         (alg, qop or "none", "b-tid" if form == "btid" else "nai"))
    v = verification(r.objs[2], "authorization")
    c.eq("Authorization verification", (v.get("outcome"), v.get("password_form"), v.get("srk"),
                                        v.get("srk_found_by")),
         ("verified", pwform, "SRK " + sub.id, "identity"))
    v = verification(r.objs[3], "authentication_info")
    c.eq("rspauth verification", (v.get("outcome"), v.get("password_form")),
         ("verified", pwform))
    check_ltkms(c, xml_of("http", r.objs[3]), built, "http")


for _n, _alg in enumerate(hg.ALGORITHMS):
    for _m, _qop in enumerate(("auth", "auth-int")):
        for _pw in ("base64", "hex"):
            _form = ("btid", "nai")[(_n + _m + (_pw == "hex")) % 2]
            add("digest %s qop=%s %s password=%s(SRK): verified, rspauth verified"
                % (_alg, _qop, _form, _pw), digest_ok, _alg, _qop, _form, _pw)
add("digest MD5-sess qop=auth-int btid password=raw SRK bytes: verified", digest_ok,
    "MD5-sess", "auth-int", "btid", "raw")
add("digest SHA-256 qop=auth nai password=raw SRK bytes: verified", digest_ok,
    "SHA-256", "auth", "nai", "raw")
add("digest MD5 without qop (RFC 2069 form): verified", digest_ok, "MD5", None, "btid", "base64")
add("digest SHA-256 without qop (RFC 2069 form): verified", digest_ok, "SHA-256", None, "nai",
    "base64")


@case("digest: wrong password -> failed, the retry is answered 401 again")
def digest_wrong_pw(c):
    sub = Subscriber(c, c.rng.choice(["btid", "nai"]))
    built = ltkm_set(c, sub, 1)
    wrong = c.key("SRK-wrong", len(sub.srk))
    flow = ltkm_flow(c, sub, plain_body(built), built,
                     password=hg.password_forms(wrong)[c.rng.choice(["base64", "hex"])])
    msgs = flow.messages()[:3] + [hg.response(401, [("WWW-Authenticate", flow.chal.header())])]
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()),
              n_objs=4)
    c.eq("exit status", r.rc, 1)
    expect_findings(c, r, "http", {2: ["digest.failed"], 3: ["http.auth_rejected"]})
    if len(r.objs) == 4:
        v = verification(r.objs[2], "authorization")
        c.eq("outcome", v.get("outcome"), "failed")
        c.true("srk_tried >= 1", (v.get("srk_tried") or 0) >= 1)
        c.true("no password_form on failure", "password_form" not in v)


@case("digest: key file holds another SRK than the exchange used -> failed, rspauth failed")
def digest_wrong_srk_file(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 2)
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    kf = c.keyfile(["SMK %s %s" % (sub.id, sub.smk.hex()),
                    "SRK %s %s" % (sub.id, c.key("SRK-other", 32).hex())])
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=kf, n_objs=4)
    c.eq("exit status", r.rc, 1)
    expect_findings(c, r, "http", {2: ["digest.failed"], 3: ["digest.rspauth_failed"]})
    if len(r.objs) == 4:
        c.eq("Authorization", verification(r.objs[2], "authorization").get("outcome"), "failed")
        c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"), "failed")
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http")


@case("digest: SRK missing from the key file -> no_srk (note only), LTKMs still open")
def digest_no_srk(c):
    sub = Subscriber(c, c.rng.choice(["btid", "nai"]))
    other = Subscriber(c, "btid", tag="-other")
    built = ltkm_set(c, sub, 2)
    msgs = ltkm_flow(c, sub, plain_body(built), built).messages()
    kf = c.keyfile(sub.lines(srk=False) + other.lines())
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=kf, n_objs=4)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {2: ["digest.no_srk"], 3: ["digest.no_srk"]})
    if len(r.objs) == 4:
        c.eq("Authorization", verification(r.objs[2], "authorization").get("outcome"), "no_srk")
        c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"), "no_srk")
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http")


@case("digest: rspauth computed with another password -> rspauth_failed only")
def digest_bad_rspauth(c):
    sub = Subscriber(c, "nai")
    built = ltkm_set(c, sub, 1)
    bad = hg.password_forms(c.key("SRK-server", 16))["base64"]
    msgs = ltkm_flow(c, sub, plain_body(built), built, rspauth_password=bad).messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 1)
    expect_findings(c, r, "http", {3: ["digest.rspauth_failed"]})
    if len(r.objs) == 4:
        c.eq("Authorization", verification(r.objs[2], "authorization").get("outcome"), "verified")
        c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"), "failed")


@case("digest: auth-int request body altered after signing -> failed")
def digest_body_altered(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 2)
    msgs = ltkm_flow(c, sub, plain_body(built), built, qop="auth-int").messages()
    # the retry asks for the other MSK than the one it signed for
    other = hg.msk_request([(c.rng.randbytes(3), c.rng.randbytes(4))])
    req = msgs[2].split(b"\r\n\r\n", 1)[0]
    req = req.replace(b"Content-Length: %d" % len(msk_req_body(built)),
                      b"Content-Length: %d" % len(other))
    msgs[2] = req + b"\r\n\r\n" + other
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 1)
    # the server's rspauth was made for the real exchange, but rspauth does not
    # cover the request body, so only the request fails
    expect_findings(c, r, "http", {2: ["digest.failed"]})


def http_variant(c, want, form="btid", srk_line=None, found_by="identity", **flow_kw):
    """A correct LTKM Request flow written in a legal variant of HTTP/Digest:
    everything verifies and decrypts; want: {object index: [notes]}."""
    sub = Subscriber(c, form)
    built = ltkm_set(c, sub, 2)
    msgs = ltkm_flow(c, sub, plain_body(built), built, **flow_kw).messages()
    lines = sub.lines(srk=srk_line is None) + ([srk_line] if srk_line else [])
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(lines),
              n_objs=len(msgs))
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", want)
    if len(r.objs) == len(msgs):
        v = verification(r.objs[-2], "authorization")
        c.eq("Authorization", (v.get("outcome"), v.get("srk_found_by")), ("verified", found_by))
        c.eq("rspauth", verification(r.objs[-1], "authentication_info").get("outcome"),
             "verified")
        check_ltkms(c, xml_of("http", r.objs[-1]), built, "http")
    return r


@case("http variant: Content-Type in other case and with a charset parameter")
def var_ctype(c):
    http_variant(c, {}, final_type="Application/MBMS-MSK-Response+XML; charset=UTF-8")


@case("http variant: 200 OK body in chunked transfer coding (rspauth over the entity)")
def var_chunked(c):
    http_variant(c, {}, qop="auth-int",
                 chunked=[c.rng.randint(1, 300) for _ in range(c.rng.randint(1, 5))])


@case("http variant: bare LF line ends -> note http.bare_lf only")
def var_bare_lf(c):
    http_variant(c, {i: ["http.bare_lf"] for i in range(4)}, eol="\n")


@case("http variant: Authorization parameter names in upper case")
def var_upper(c):
    http_variant(c, {}, form="nai", upper_names=True)


@case("http variant: RFC 7616 userhash -> note digest.userhash, SRK found by hashing")
def var_userhash(c):
    http_variant(c, {2: ["digest.userhash"]}, found_by="userhash", userhash=True,
                 algorithm=c.rng.choice(hg.ALGORITHMS))


@case("http variant: SRK only as '*' in the key file -> verified (wildcard)")
def var_srk_wildcard(c):
    http_variant(c, {}, form="nai", srk_line="SRK * %s" % c.key("SRK-wild", 32).hex(),
                 found_by="wildcard", password=hg.password_forms(c.secrets["SRK-wild"])["base64"])


def _multi_challenge(c, headers_of, want):
    """401 with two challenges; the client answers the second (MD5) one."""
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 1)
    realm = "3GPP-bootstrapping@bsm.operator.example"
    c1 = hg.Challenge(realm, hg.b64(c.rng.randbytes(24)), "SHA-256", ("auth-int",), opaque="01")
    c2 = hg.Challenge(realm, hg.b64(c.rng.randbytes(24)), "MD5", ("auth-int",), opaque="02")
    req = msk_req_body(built)
    body = plain_body(built)
    cr = hg.Credentials(c2, sub.id, sub.pw(), "POST", "/bsm", req, "auth-int",
                        cnonce=hg.b64(c.rng.randbytes(9)))
    ct = [("Content-Type", hg.MT_MSK_REQUEST)]
    msgs = [hg.request("POST", "/bsm", ct, req),
            hg.response(401, headers_of(c1, c2)),
            hg.request("POST", "/bsm", [("Authorization", cr.header())] + ct, req),
            hg.response(200, [("Authentication-Info", cr.authentication_info(body)),
                              ("Content-Type", hg.MT_MSK_RESPONSE)], body)]
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", want)
    if len(r.objs) == 4:
        c.eq("Authorization", verification(r.objs[2], "authorization").get("outcome"),
             "verified")
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http")


@case("http variant: 401 with two Digest challenges (SHA-256, MD5), retry answers MD5")
def var_two_digest(c):
    # RFC 7616 3.7: one challenge per algorithm, each with its own nonce; the
    # client may answer any of them.
    _multi_challenge(c, lambda a, b: [("WWW-Authenticate", a.header()),
                                      ("WWW-Authenticate", b.header())], {})


@case("http variant: 401 with Basic and Digest in two WWW-Authenticate fields")
def var_basic_then_digest(c):
    # RFC 9110 11.6.1: several WWW-Authenticate fields = one comma-joined list
    _multi_challenge(c, lambda a, b: [("WWW-Authenticate", 'Basic realm="bsm"'),
                                      ("WWW-Authenticate", b.header())], {})


@case("http: LTKM and then STKM as application/vnd.oma.bcast.ltkm / .stkm bodies")
def var_mikey_bodies(c):
    sub = Subscriber(c, c.rng.choice(["btid", "nai"]))
    lt = new_ltkm(c, sub)
    tek, salt = c.key("TEK"), c.key("salt", 14)
    st = g.build_stkm(lt.info["sek"], tek, salt, lt.info["kdid"], lt.info["sekpek_id"],
                      c.rng.randbytes(2), c.rng.getrandbits(32), c.rng.randint(1, 1 << 30))
    msgs = [hg.response(200, [("Content-Type", hg.MT_LTKM)], lt.msg),
            hg.response(200, [("Content-Type", hg.MT_STKM)], st.msg)]
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=2)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) == 2:
        m0 = (r.objs[0].get("body") or {}).get("mikey") or {}
        m1 = (r.objs[1].get("body") or {}).get("mikey") or {}
        c.eq("LTKM", (m0.get("outcome"), m0.get("keys")), ("decrypted", [sek_entry(lt)]))
        ids = {"kdid": st.info["kdid"].hex(), "sekpek_id": st.info["sekpek_id"].hex(),
               "tek_id": st.info["tek_id"].hex()}
        c.eq("STKM", (m1.get("outcome"), m1.get("keys")),
             ("decrypted", [dict(role="TEK", key=tek.hex(), **ids),
                            dict(role="salt", key=salt.hex(), **ids)]))


# 3. The outside client: curl ---------------------------------------------------

@case("external: the curl recordings of tests/data/digest verify")
def curl_recorded(c):
    d = os.path.join(DATA, "digest")
    names = sorted(n for n in os.listdir(d) if n.startswith("curl_") and n.endswith(".http"))
    if not c.true("no curl recordings in tests/data/digest", names):
        return
    files = []
    for n in names:
        raw = open(os.path.join(d, n), "rb").read()
        msgs = []
        for part in raw.split(b"### ")[1:]:
            part = part.split(b"\r\n", 1)[1]
            head, rest = part.split(b"\r\n\r\n", 1)
            cl = 0
            for ln in head.split(b"\r\n"):
                if ln.lower().startswith(b"content-length:"):
                    cl = int(ln.split(b":", 1)[1])
            msgs.append(head + b"\r\n\r\n" + rest[:cl])
        c.eq(n + ": 4 messages", len(msgs), 4)
        files.append(c.write(b"".join(msgs), ".http"))
    r = c.run("http", files, keys=os.path.join(d, "srk.keys"), n_objs=4 * len(files))
    c.eq("exit status", r.rc, 0)
    # the recordings' request body names its ids in hex, not base64
    for i, o in enumerate(r.objs):
        if i % 4 == 2:
            c.eq("%s Authorization" % o.get("source"),
                 verification(o, "authorization").get("outcome"), "verified")
        if i % 4 == 3:
            c.eq("%s rspauth" % o.get("source"),
                 verification(o, "authentication_info").get("outcome"), "verified")


class _BSM(threading.Thread):
    """A throwaway BSM on 127.0.0.1 for curl: records every raw request and
    answers 401 + challenge, then (Digest verified with hashlib) 200 +
    Authentication-Info + the MSK response."""

    def __init__(self, c, sub, alg, body):
        super().__init__(daemon=True)
        self.c, self.sub, self.alg, self.body = c, sub, alg, body
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.realm = "bsm.bcast.example.org"
        self.nonce = base64.b64encode(c.rng.randbytes(24)).decode()
        self.wire = []
        self.error = None

    def _read(self, conn, buf):
        while b"\r\n\r\n" not in buf:
            d = conn.recv(65536)
            if not d:
                return None, buf
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        cl = 0
        for ln in head.split(b"\r\n")[1:]:
            k, _, v = ln.partition(b":")
            if k.strip().lower() == b"content-length":
                cl = int(v)
        while len(rest) < cl:
            d = conn.recv(65536)
            if not d:
                break
            rest += d
        return head + b"\r\n\r\n" + rest[:cl], rest[cl:]

    def run(self):
        try:
            conns = 0
            while conns < 2 and len(self.wire) < 4:
                conn, _ = self.sock.accept()
                conns += 1
                conn.settimeout(10)
                buf = b""
                with conn:
                    while len(self.wire) < 4:
                        msg, buf = self._read(conn, buf)
                        if msg is None:
                            break
                        self.wire.append(msg)
                        out = self._answer(msg)
                        self.wire.append(out)
                        conn.sendall(out)
        except Exception as e:  # noqa: BLE001 -- reported by the case
            self.error = e
        finally:
            self.sock.close()

    def _answer(self, msg):
        head, body = msg.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, uri = lines[0].split(" ")[:2]
        auth = None
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "authorization":
                auth = v.strip()
        if auth is None:
            ch = hg.Challenge(self.realm, self.nonce, self.alg, ("auth",), opaque="0badcafe")
            return hg.response(401, [("WWW-Authenticate", ch.header())])
        a = hg.parse_params(auth.split(" ", 1)[1])
        pw = self.sub.pw()
        want = hg.response_digest(a.get("algorithm", "MD5"), a["username"], a["realm"], pw,
                                  method, a["uri"], a["nonce"], a["nc"], a["cnonce"], a["qop"],
                                  body)
        if want != a.get("response"):
            self.error = "curl's response does not verify with hashlib"
            return hg.response(403)
        rsp = hg.rspauth_digest(a.get("algorithm", "MD5"), a["username"], a["realm"], pw,
                                a["uri"], a["nonce"], a["nc"], a["cnonce"], a["qop"], self.body)
        info = 'rspauth="%s", qop=%s, nc=%s, cnonce="%s"' % (rsp, a["qop"], a["nc"], a["cnonce"])
        return hg.response(200, [("Authentication-Info", info),
                                 ("Content-Type", hg.MT_MSK_RESPONSE)], self.body)


def curl_live(c, alg):
    if not os.access(CURL, os.X_OK):
        c.skipped = "no %s" % CURL
        return
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 2)
    body = plain_body(built)
    srv = _BSM(c, sub, alg, body)
    srv.start()
    reqf = c.write(msk_req_body(built), ".xml")
    p = subprocess.run([CURL, "-s", "-o", os.devnull, "--max-time", "10", "--digest",
                        "-u", "%s:%s" % (sub.id, sub.pw().decode()),
                        "-H", "Content-Type: " + hg.MT_MSK_REQUEST, "--data-binary", "@" + reqf,
                        "http://127.0.0.1:%d/bsm/keymanagement?requesttype=msk-request" % srv.port],
                       capture_output=True, timeout=20)
    srv.join(15)
    if p.returncode != 0 and len(srv.wire) < 4 and b"algorithm" in p.stderr:
        c.skipped = "curl does not do %s" % alg
        return
    c.eq("curl exit status", p.returncode, 0)
    c.eq("server error", srv.error, None)
    if not c.eq("messages recorded", len(srv.wire), 4):
        return
    r = c.run("http", [c.write(b"".join(srv.wire), ".http")], keys=c.keyfile(sub.lines()),
              n_objs=4)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {})
    if len(r.objs) == 4:
        a = r.objs[2].get("authorization") or {}
        c.eq("algorithm", a.get("algorithm"), alg)
        c.eq("Authorization (curl)", verification(r.objs[2], "authorization").get("outcome"),
             "verified")
        c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"),
             "verified")
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http")


for _alg in hg.ALGORITHMS:
    add("external: live curl --digest %s exchange, random SRK, LTKMs inline" % _alg,
        curl_live, _alg)


# 4. MSK response rules 1-8, one violation per case -------------------------------

def rule_case(c, make, want, rc=None, http_want=None, rc_http=None, allow=(), form=None,
              **flow_kw):
    """make(c, sub) -> (body, built LTKMs that must still decrypt, ltkm check kwargs).
    rc None: 1 when a wanted finding is an error, else 0."""
    if rc is None:
        rc = 1 if any(c.suite.catalogue.get(i) == "error" for i in want) else 0
    sub = Subscriber(c, form or c.rng.choice(["btid", "nai"]))
    body, built, kw = make(c, sub)
    rx, rh = both(c, body, built, sub, want, http_want, rc, rc_http, allow, **flow_kw)
    if built is not None and rx.objs:
        check_ltkms(c, rx.objs[0].get("xml"), built, "xml", **kw)


def _resp(b, **kw):
    return hg.response_element(b.info["kdid"], b.info["sekpek_id"], **kw)


def mk_missing(c, sub):
    built = ltkm_set(c, sub, 3)
    gap = c.rng.randrange(4)
    rs = [_resp(b, ltkms=[hg.ltkm_element(b.msg)]) for b in built]
    rs.insert(gap, hg.response_element(c.rng.randbytes(3), c.rng.randbytes(4)))
    return hg.msk_response(rs), built, {"responses": [i + (i >= gap) for i in range(3)]}


def mk_multiple(c, sub):
    a = new_ltkm(c, sub)
    # a re-issued LTKM for the same SEK/PEK ids (and a later counter)
    b2 = new_ltkm(c, sub, kdid=a.info["kdid"], sekpek=a.info["sekpek_id"])
    other = new_ltkm(c, sub)
    rs = [_resp(a, ltkms=[hg.ltkm_element(a.msg), hg.ltkm_element(b2.msg)]),
          _resp(other, ltkms=[hg.ltkm_element(other.msg)])]
    return hg.msk_response(rs), [a, b2, other], {"responses": [0, 0, 1]}


def mk_error_response(code):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        rs = [_resp(built[0], ltkms=[hg.ltkm_element(built[0].msg)]),
              _resp(built[1], code=code, ltkms=[hg.ltkm_element(built[1].msg)])]
        return hg.msk_response(rs), built, {}
    return mk


def mk_position(where):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        bad = c.rng.randrange(2)
        rs = [_resp(b, ltkms=[hg.ltkm_element(b.msg)], ltkm_at=where if n == bad else "end")
              for n, b in enumerate(built)]
        return hg.msk_response(rs), built, {}
    return mk


def mk_outside_response(c, sub):
    built = ltkm_set(c, sub, 2)
    rs = [_resp(b, ltkms=[hg.ltkm_element(b.msg)]) for b in built]
    # a third LTKM (a re-issue of the second SEK/PEK) beside the Responses, in none
    b3 = new_ltkm(c, sub, kdid=built[1].info["kdid"], sekpek=built[1].info["sekpek_id"])
    return hg.msk_response(rs, extra="\n   " + hg.ltkm_element(b3.msg)), built + [b3], \
        {"responses": [0, 1, None], "ids": ["match", "match", "not_checked"]}


def mk_id_mismatch(which):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        b = built[1]
        kd, sp = b.info["kdid"], b.info["sekpek_id"]
        if which == "kdid":
            kd = bytes([kd[0] ^ 0x01]) + kd[1:]
        elif which == "mskid":
            sp = sp[:3] + bytes([sp[3] ^ 0x80])
        el = hg.ltkm_element(b.msg)
        if which == "no MSK":
            r1 = hg.response_element(None, None, ltkms=[el])
        else:
            r1 = hg.response_element(kd, sp, ltkms=[el])
        rs = [_resp(built[0], ltkms=[hg.ltkm_element(built[0].msg)]), r1]
        return hg.msk_response(rs), built, \
            {"ids": ["match", "no_xml_ids" if which == "no MSK" else "mismatch"]}
    return mk


def mk_version(v):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        n = c.rng.randrange(2)
        rs = [_resp(b, ltkms=[hg.ltkm_element(b.msg, version=v if i == n else None)])
              for i, b in enumerate(built)]
        vers = None
        if v.strip().isdigit() and int(v) < 256:
            vers = [int(v) if i == n else 0 for i in range(2)]
        return hg.msk_response(rs), built, ({"versions": vers} if vers else {})
    return mk


def mk_namespace(ns):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        rs = [_resp(b, ltkms=[hg.ltkm_element(b.msg)]) for b in built]
        return hg.msk_response(rs, bcast_ns=ns), built, {}
    return mk


def mk_ltkm_ns(prefix_ns):
    def mk(c, sub):
        built = ltkm_set(c, sub, 2)
        n = c.rng.randrange(2)
        rs = []
        for i, b in enumerate(built):
            if i == n:
                el = hg.ltkm_element(b.msg, prefix="", attrs=prefix_ns)
            else:
                el = hg.ltkm_element(b.msg)
            rs.append(_resp(b, ltkms=[el]))
        return hg.msk_response(rs), built, {}
    return mk


def mk_not_mikey(kind):
    def mk(c, sub):
        built = ltkm_set(c, sub, 3)
        # the STKM comes last, after the LTKM that delivers its SEK
        n = 2 if kind == "an STKM" else c.rng.randrange(3)
        good = [b for i, b in enumerate(built) if i != n]
        bad = built[n]
        if kind == "garbage text":
            el = hg.ltkm_element(text="this is *not* base64 %s" % c.rng.randbytes(4).hex())
        elif kind == "empty":
            el = hg.ltkm_element(text="")
        elif kind == "child element":
            el = hg.ltkm_element(text="<bcast:Part>%s</bcast:Part>" % hg.b64(bad.msg))
        elif kind == "two MIKEY messages":
            el = hg.ltkm_element([bad.msg, new_ltkm(c, sub, kdid=bad.info["kdid"],
                                                    sekpek=bad.info["sekpek_id"]).msg])
        elif kind == "an STKM":
            st = g.build_stkm(good[0].info["sek"], c.key("TEK"), c.key("salt", 14),
                              good[0].info["kdid"], good[0].info["sekpek_id"], b"\x00\x01",
                              c.rng.getrandbits(32), c.rng.randint(1, 1000))
            el = hg.ltkm_element(st.msg)
            # the Response names the STKM's ids, so rule 5 holds
        else:
            raise ValueError(kind)
        rs = []
        for i, b in enumerate(built):
            if i == n and kind == "an STKM":
                rs.append(hg.response_element(good[0].info["kdid"], good[0].info["sekpek_id"],
                                              ltkms=[el]))
            elif i == n:
                rs.append(_resp(b, ltkms=[el]))
            else:
                rs.append(_resp(b, ltkms=[hg.ltkm_element(b.msg)]))
        # the good LTKMs come before the STKM, so its SEK is known
        return hg.msk_response(rs), None, {}
    return mk


def rule_not_mikey(c, kind, rc):
    sub = Subscriber(c, "btid")
    body, _, _ = mk_not_mikey(kind)(c, sub)
    # The planted LTKM is the only one with a problem; the others still decrypt.
    # Two MIKEY messages back to back: the MIKEY decoder of that LTKM reports
    # the bytes after its last payload itself (mikey.malformed), the same fact.
    allow = ("mikey.malformed",) if kind == "two MIKEY messages" else ()
    rx, rh = both(c, body, None, sub, ["msk.ltkm_not_mikey"], rc_xml=rc, allow=allow)
    if rx.objs:
        x = rx.objs[0].get("xml") or {}
        ok = [lt for lt in x.get("ltkms", []) if (lt.get("mikey") or {}).get("kind") == "ltkm"
              and (lt.get("mikey") or {}).get("outcome") == "decrypted"]
        c.true("the good LTKMs still decrypt (%d)" % len(ok), len(ok) >= 2)


RULES = [
    ("rule 2: LTKM missing from one 200 OK Response", mk_missing, "msk.ltkm_missing"),
    ("rule 2: two LTKMs in one Response", mk_multiple, "msk.ltkm_multiple"),
    ("rule 3: LTKM in a 404 Response", mk_error_response("404 Not Found"),
     "msk.ltkm_in_error_response"),
    ("rule 3: LTKM in a Response without ResponseCode", mk_error_response(None),
     "msk.ltkm_in_error_response"),
    ("rule 4: LTKM before MSK", mk_position("start"), "msk.ltkm_position"),
    ("rule 4: LTKM between MSK and ResponseCode", mk_position("middle"), "msk.ltkm_position"),
    ("rule 4: LTKM outside any Response", mk_outside_response, "msk.ltkm_position"),
    ("rule 5: keyDomainID differs from the LTKM's Key ID", mk_id_mismatch("kdid"),
     "msk.ltkm_id_mismatch"),
    ("rule 5: MSKID differs from the LTKM's Key ID", mk_id_mismatch("mskid"),
     "msk.ltkm_id_mismatch"),
    ("rule 5: Response without MSK ids to compare", mk_id_mismatch("no MSK"),
     "msk.ltkm_id_mismatch"),
    ("rule 6: version=\"256\"", mk_version("256"), "msk.ltkm_version_invalid"),
    ("rule 6: version=\"-1\"", mk_version("-1"), "msk.ltkm_version_invalid"),
    ("rule 6: version=\"one\"", mk_version("one"), "msk.ltkm_version_invalid"),
    ("rule 8: xmlns:bcast with a leading space (the seed's defect)",
     mk_namespace(" " + hg.NS_BCAST), "xml.namespace_inexact"),
    ("rule 8: xmlns:bcast in other letter case", mk_namespace(hg.NS_BCAST.upper()),
     "xml.namespace_inexact"),
    ("rule 1: LTKM in the 3GPP namespace", mk_ltkm_ns(""), "msk.ltkm_namespace"),
    ("rule 1: LTKM in no namespace", mk_ltkm_ns(' xmlns=""'), "msk.ltkm_namespace"),
]

for _name, _mk, _id in RULES:
    add(_name + " -> " + _id, rule_case, _mk, [_id])

for _kind, _rc in (("garbage text", 1), ("empty", 1), ("child element", 1),
                   ("two MIKEY messages", 2), ("an STKM", 1)):
    add("rule 1: LTKM element holding %s -> msk.ltkm_not_mikey" % _kind, rule_not_mikey,
        _kind, _rc)


@case("rule 6: version=\"1\" -> note msk.ltkm_version_unknown only, exit 0")
def rule_version_unknown(c):
    rule_case(c, mk_version("1"), ["msk.ltkm_version_unknown"], rc=0)


@case("rule 2: 200 OK Responses without any LTKM -> note msk.ltkm_not_included only")
def rule_not_included(c):
    sub = Subscriber(c, "nai")
    body = hg.msk_response([hg.response_element(c.rng.randbytes(3), c.rng.randbytes(4))
                            for _ in range(2)])
    both(c, body, [], sub, ["msk.ltkm_not_included"], rc_xml=0)


def rule7(c, what):
    sub = Subscriber(c, c.rng.choice(["btid", "nai"]))
    built = ltkm_set(c, sub, 2)
    body = plain_body(built)
    kw = {}
    want = {"no Authentication-Info": "msk.no_authentication_info",
            "Content-Type application/xml": "msk.content_type",
            "Content-Type text/xml": "msk.content_type",
            "no Content-Type": "msk.content_type",
            "a 201 status": "msk.http_status"}[what]
    if what == "no Authentication-Info":
        kw["auth_info"] = False
    elif what.startswith("Content-Type"):
        kw["final_type"] = what.split()[1]
    elif what == "no Content-Type":
        kw["final_type"] = None
    elif what == "a 201 status":
        kw["final_code"] = 201
    msgs = ltkm_flow(c, sub, body, built, **kw).messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 1)
    expect_findings(c, r, "http", {3: [want]})
    if len(r.objs) == 4:
        check_ltkms(c, xml_of("http", r.objs[3]), built, "http")
        if what != "no Authentication-Info":
            c.eq("rspauth", verification(r.objs[3], "authentication_info").get("outcome"),
                 "verified")


for _what in ("no Authentication-Info", "Content-Type application/xml", "Content-Type text/xml",
              "no Content-Type", "a 201 status"):
    add("rule 7 (http): 200 carrying LTKMs with %s" % _what, rule7, _what)


@case("rule 7 (http): LTKMs in the request body -> msk.http_status")
def rule7_request(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 1)
    answer = hg.msk_response([_resp(built[0])])
    # the first POST is empty (as curl sends it), the LTKM rides in the retry
    flow = hg.Flow(c.rng, sub.id, sub.pw(), plain_body(built), answer,
                   req_type=hg.MT_MSK_RESPONSE, first_body=b"")
    msgs = flow.messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 1)
    # the 200 OK answers with a Response but no LTKM: a note only
    expect_findings(c, r, "http", {2: ["msk.http_status"], 3: ["msk.ltkm_not_included"]})


@case("seed 003 example as printed: namespace warning, no crash (xml and http)")
def seed003(c):
    p = os.path.join(DATA, "xml", "seed003_as_printed.xml")
    body = open(p, "rb").read()
    r = c.run("xml", [p], n_objs=1)
    c.true("xml exit status 1 or 2 (got %r)" % r.rc, r.rc in (1, 2))
    if r.objs:
        ids = [f.get("id") for f in findings_of("xml", r.objs[0])]
        USED_FINDING_IDS.add("xml.namespace_inexact")
        c.eq("namespace_inexact count", ids.count("xml.namespace_inexact"), 1)
        # the printed LTKM text is "..." (two of them), and xmlns:xsi is unquoted
        c.eq("other findings", sorted(set(ids) - {"xml.namespace_inexact"}),
             ["msk.ltkm_not_mikey", "xml.malformed"])
        x = r.objs[0].get("xml") or {}
        c.eq("kind", x.get("kind"), "msk_response")
        c.eq("ltkms found", len(x.get("ltkms", [])), 2)
    sub = Subscriber(c, "btid")
    flow = hg.Flow(c.rng, sub.id, sub.pw(), hg.msk_request([(b"\xb8\x70\x9d", b"\x68\xc9\0\0")]),
                   body)
    msgs = flow.messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.true("http exit status 1 or 2 (got %r)" % r.rc, r.rc in (1, 2))
    if len(r.objs) == 4:
        ids = [f.get("id") for f in r.objs[3].get("findings", [])]
        c.true("http: namespace_inexact on the 200", "xml.namespace_inexact" in ids)
        c.eq("http: rspauth over the seed body",
             verification(r.objs[3], "authentication_info").get("outcome"), "verified")
        expect_findings(c, r, "http", {3: ids})


# 5. Exchange checks --------------------------------------------------------------

def exchange(c, want, rc, form=None, sprov=None, **flow_kw):
    """A flow with one planted deviation; want: {object index: [ids]}."""
    sub = Subscriber(c, form or c.rng.choice(["btid", "nai"]))
    if sprov is None:
        built = ltkm_set(c, sub, 1)
        flow = ltkm_flow(c, sub, plain_body(built), built, **flow_kw)
    else:
        rid = str(c.rng.randint(1, 1 << 31))
        gs, rr = sprov
        flow = hg.Flow(c.rng, sub.id, sub.pw(), hg.service_request(rid),
                       hg.service_response(rid, gs, rr), req_type=hg.MT_SPROV,
                       final_type=hg.MT_SPROV, uri="/bsp/purchase",
                       algorithm=c.rng.choice(hg.ALGORITHMS), **flow_kw)
    msgs = flow.messages()
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()),
              n_objs=len(msgs))
    c.eq("exit status", r.rc, rc)
    expect_findings(c, r, "http", want)
    return r, msgs


@case("exchange: 401 without WWW-Authenticate -> http.challenge_missing")
def ex_no_challenge(c):
    exchange(c, {1: ["http.challenge_missing"]}, 1, challenge_header="")


@case("exchange: 401 with only a Basic challenge -> http.challenge_missing")
def ex_basic_challenge(c):
    # digest.not_digest states the same fact on the header itself
    r, _ = exchange(c, {1: ["http.challenge_missing", "digest.not_digest"]}, 1,
                    challenge_header='Basic realm="bsm.operator.example"')


@case("exchange: retry with another nonce -> http.retry_mismatch")
def ex_retry_nonce(c):
    r, _ = exchange(c, {2: ["http.retry_mismatch"]}, 1,
                    retry_nonce=base64.b64encode(c.rng.randbytes(24)).decode())
    if len(r.objs) == 4:
        c.eq("the retry still verifies", verification(r.objs[2], "authorization")
             .get("outcome"), "verified")


@case("exchange: retry with another realm -> http.retry_mismatch")
def ex_retry_realm(c):
    exchange(c, {2: ["http.retry_mismatch"]}, 1, retry_realm="other-realm@bsm.example")


@case("exchange: credentials answered 401 again (stale nonce), then accepted")
def ex_rejected(c):
    r, msgs = exchange(c, {3: ["http.auth_rejected"]}, 0, reject=True)
    if len(r.objs) == 6:
        c.eq("both credentials verify",
             [verification(r.objs[i], "authorization").get("outcome") for i in (2, 4)],
             ["verified", "verified"])
        c.eq("rspauth", verification(r.objs[5], "authentication_info").get("outcome"),
             "verified")


@case("exchange: retry without Authorization -> http.retry_without_authorization")
def ex_retry_noauth(c):
    sub = Subscriber(c, "btid")
    built = ltkm_set(c, sub, 1)
    flow = ltkm_flow(c, sub, plain_body(built), built)
    msgs = flow.messages()
    msgs[2] = msgs[0]
    msgs[3] = hg.response(401, [("WWW-Authenticate", flow.chal.header())])
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=4)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {2: ["http.retry_without_authorization"]})


@case("exchange: POST without credentials answered 200 -> http.unauthenticated")
def ex_unauthenticated(c):
    sub = Subscriber(c, "nai")
    rid = str(c.rng.randint(1, 999))
    msgs = [hg.request("POST", "/bsp/purchase", [("Content-Type", hg.MT_SPROV)],
                       hg.service_request(rid)),
            hg.response(200, [("Content-Type", hg.MT_SPROV)], hg.service_response(rid, 0))]
    r = c.run("http", [c.write(b"".join(msgs), ".http")], keys=c.keyfile(sub.lines()), n_objs=2)
    c.eq("exit status", r.rc, 0)
    expect_findings(c, r, "http", {1: ["http.unauthenticated"]})


@case("exchange: registrationRequired=true answered to an NAI -> http.registration_nai")
def ex_registration_nai(c):
    exchange(c, {3: ["http.registration_nai"]}, 0, form="nai", sprov=(0, True))


@case("exchange: registrationRequired=true answered to a B-TID -> nothing")
def ex_registration_btid(c):
    exchange(c, {}, 0, form="btid", sprov=(0, True))


@case("exchange: registrationRequired=false answered to an NAI -> nothing")
def ex_registration_false(c):
    exchange(c, {}, 0, form="nai", sprov=(0, False))


@case("exchange: HTTP 200 with globalStatusCode 7 -> http.status_mismatch")
def ex_status_200(c):
    exchange(c, {3: ["http.status_mismatch"]}, 0, sprov=(7, None))


@case("exchange: HTTP 403 with globalStatusCode 0 -> http.status_mismatch")
def ex_status_403(c):
    exchange(c, {3: ["http.status_mismatch"]}, 0, sprov=(0, None), final_code=403,
             auth_info=False)


@case("exchange: HTTP 403 with globalStatusCode 5 -> nothing")
def ex_status_403_ok(c):
    exchange(c, {}, 0, sprov=(5, None), final_code=403, auth_info=False)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

class Suite:
    def __init__(self, cli, workdir, seed, verbose):
        self.cli, self.workdir, self.seed, self.verbose = cli, workdir, seed, verbose
        self.catalogue = {}


def load_catalogue(cli):
    p = subprocess.run([cli, "findings", "--json"], capture_output=True, timeout=30)
    doc = json.loads(p.stdout)
    return {f["id"]: f["severity"] for f in doc["findings"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True, help="path to the bcastdec executable")
    ap.add_argument("--workdir", required=True, help="directory for generated inputs")
    ap.add_argument("--seed", type=lambda s: int(s, 0), help="reproduce a run")
    ap.add_argument("--only", help="run only cases whose name contains this")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every CLI command")
    args = ap.parse_args(argv)

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    cli = os.path.abspath(args.cli)
    os.makedirs(args.workdir, exist_ok=True)
    suite = Suite(cli, os.path.abspath(args.workdir), seed, args.verbose)
    print("e2e-http: %s, seed %d (reproduce with --seed %d)" % (cli, seed, seed), flush=True)
    t0 = time.monotonic()

    if not g.selftest(verbose=False):
        print("FAIL mikeygen self-test (run tests/e2e/mikeygen.py --selftest)")
        return 1
    if not hg.selftest(verbose=False):
        print("FAIL httpgen self-test (run tests/e2e/httpgen.py --selftest)")
        return 1
    try:
        suite.catalogue = load_catalogue(cli)
    except Exception as e:  # noqa: BLE001 -- reported as a failure
        print("FAIL cannot read `bcastdec findings --json`: %s" % e)
        return 1

    failed, ran, skipped = [], 0, 0
    for idx, (name, fn, fargs) in enumerate(CASES):
        if args.only and args.only not in name:
            continue
        c = Case(suite, name, idx)
        ran += 1
        try:
            fn(c, *fargs)
        except Exception as e:  # noqa: BLE001 -- a crash is a failed case
            import traceback
            c.fail("exception: %s\n%s" % (e, traceback.format_exc()))
        if args.verbose:
            for r in c.runs:
                print("     $ %s  -> %s" % (_cmdline(r.argv), r.rc))
        if c.failures:
            failed.append(name)
            print("FAIL %s" % name)
            for f in c.failures:
                print("     - %s" % f)
            for r in c.runs[-2:]:
                print("     $ %s\n       exit %s" % (_cmdline(r.argv), r.rc))
                if r.err:
                    print("       stderr: %s" % _short(r.err, 500))
        elif c.skipped:
            skipped += 1
            print("skip %s (%s)" % (name, c.skipped))
        else:
            print("ok   %s" % name)
        sys.stdout.flush()

    unknown = sorted(USED_FINDING_IDS - set(suite.catalogue))
    if unknown:
        failed.append("finding ids")
        print("FAIL the test expects finding ids the CLI does not know: %s" % ", ".join(unknown))
    dt = time.monotonic() - t0
    if ran == 0:
        print("e2e-http: no case matches --only %r" % args.only)
        return 1
    if failed:
        print("e2e-http: %d of %d cases FAILED in %.1f s; seed %d (reproduce with --seed %d)"
              % (len(failed), ran, dt, seed, seed))
        return 1
    print("e2e-http: all %d cases passed (%d skipped) in %.1f s (seed %d)"
          % (ran - skipped, skipped, dt, seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
