#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end test: bcastdec CLI against the independent MIKEY generator.

Every message is built by tests/e2e/mikeygen.py (which shares no code with
libbcastdec) from keys drawn at random for this run; the CLI must decode it
and give back exactly the keys the generator put in, with the exact MAC
status, finding ids and exit status.  The seed is printed at the start and on
failure; --seed N reproduces a run (each case draws from its own generator
seeded by (seed, case name), so a case reproduces alone with --only too).

    /usr/bin/python3 tests/e2e/run_e2e.py --cli build/bin/bcastdec --workdir /tmp/e2e
        [--seed N] [--only SUBSTRING] [--verbose]

Exit status 0 when every case passed, 1 otherwise, 2 on a usage error.
Needs Debian's /usr/bin/python3 with python3-cryptography (for mikeygen).
"""

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mikeygen as g  # noqa: E402  (the independent oracle)

BSF = g.BSF_DOMAIN

# Finding ids the expectations below use; checked against `bcastdec findings --json`.
USED_FINDING_IDS = set()

# Fields every decoded message object carries, and every header.
MSG_FIELDS = ("index", "source", "length", "status", "kind", "header", "payloads", "mac",
              "outcome", "replay", "keys", "findings")
HEADER_FIELDS = ("version", "data_type", "next_payload", "v", "prf", "csb_id", "cs_count",
                 "map_type")
MAC_VALUES = ("verified", "failed", "no_key", "absent")
SEVERITIES = ("error", "warning", "note")


# --------------------------------------------------------------------------
# Test infrastructure
# --------------------------------------------------------------------------

class Result:
    """One CLI run."""

    def __init__(self, argv, rc, out, err, objs, parse_errors):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.objs, self.parse_errors = objs, parse_errors


class Case:
    def __init__(self, suite, name, index):
        self.suite = suite
        self.name = name
        self.index = index
        self.rng = random.Random("%d/%s" % (suite.seed, name))
        self.failures = []
        self.secrets = {}       # name -> bytes; never allowed on stderr
        self.runs = []
        self.nfiles = 0

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

    def ids(self):
        """Fresh (Key Domain ID, SEK/PEK ID)."""
        return self.rng.randbytes(3), self.rng.randbytes(4)

    def csb(self):
        return self.rng.getrandbits(32)

    def counter(self, lo=1, hi=0x7FFFFFFF):
        return self.rng.randint(lo, hi)

    def identity(self, form):
        return g.make_btid(self.rng) if form == "btid" else g.make_nai(self.rng)

    # ---- files -------------------------------------------------------------

    def path(self, suffix):
        self.nfiles += 1
        return os.path.join(self.suite.workdir, "case%03d-%d%s" % (self.index, self.nfiles, suffix))

    def keyfile(self, lines):
        """Writes a key file; returns (path, [line number of each given line])."""
        p = self.path(".keys")
        text = ["# bcastdec e2e key file, case %r, seed %d" % (self.name, self.suite.seed)]
        numbers = []
        for ln in lines:
            text.append(ln)
            numbers.append(len(text))
        with open(p, "w") as f:
            f.write("\n".join(text) + "\n")
        return p, numbers

    # ---- running the CLI ---------------------------------------------------

    def run(self, inputs, keys=None, json_mode=True, extra=(), n_objs=None, stdin=None):
        """inputs: list of (form, bytes) with form hex|base64|file|stdin, or a
        plain string (passed verbatim).  keys: a key-file path or None."""
        argv = [self.suite.cli, "mikey"]
        if keys is not None:
            argv += ["--keys", keys]
        argv += list(extra)
        if json_mode:
            argv.append("--json")
        for item in inputs:
            if isinstance(item, str):
                argv.append(item)
                continue
            form, data = item
            if form == "hex":
                argv += ["--hex", data.hex()]
            elif form == "base64":
                argv += ["--base64", base64.b64encode(data).decode("ascii")]
            elif form == "file":
                p = self.path(".bin")
                with open(p, "wb") as f:
                    f.write(data)
                argv.append(p)
            elif form == "stdin":
                argv.append("-")
                stdin = data
            else:
                raise ValueError(form)
        try:
            p = subprocess.run(argv, input=stdin if stdin is not None else b"",
                               capture_output=True, timeout=30)
        except (subprocess.TimeoutExpired, OSError) as e:
            self.fail("cannot run the CLI (%s): %s" % (e, _cmdline(argv)))
            r = Result(argv, None, "", "", [], [])
            self.runs.append(r)
            return r
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        objs, perr = [], []
        if json_mode:
            for i, line in enumerate(out.splitlines()):
                if not line.strip():
                    continue
                try:
                    o = json.loads(line)
                except ValueError as e:
                    perr.append("stdout line %d is not JSON (%s): %s" % (i + 1, e, line[:200]))
                    continue
                if not isinstance(o, dict):
                    perr.append("stdout line %d is not a JSON object" % (i + 1))
                    continue
                objs.append(o)
        r = Result(argv, p.returncode, out, err, objs, perr)
        self.runs.append(r)
        for e in perr:
            self.fail(e)
        if json_mode:
            want = n_objs if n_objs is not None else sum(1 for x in inputs if not isinstance(x, str))
            self.eq("number of JSON objects", len(objs), want)
            for i, o in enumerate(objs):
                check_shape(self, o, i)
        # Diagnostics never contain key bytes, whatever happened.
        for name, k in self.secrets.items():
            for form in _forms(k):
                if form in err:
                    self.fail("%s appears on stderr" % name)
                    break
        if "AddressSanitizer" in err or "runtime error:" in err:
            self.fail("sanitizer report on stderr")
        return r

    def absent(self, r, names):
        """The named secrets appear nowhere in stdout or stderr."""
        for name in names:
            k = self.secrets[name]
            for form in _forms(k):
                if form in r.out or form in r.err:
                    self.fail("%s (%s...) appears in the output" % (name, k.hex()[:8]))
                    break


def _forms(k):
    return (k.hex(), k.hex().upper(), base64.b64encode(k).decode("ascii"))


def _short(v, n=300):
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


def _cmdline(argv, n=400):
    s = " ".join(a if len(a) <= 80 else a[:76] + "..." for a in argv)
    return s if len(s) <= n else s[:n] + " ..."


# --------------------------------------------------------------------------
# Checks on message objects
# --------------------------------------------------------------------------

def check_shape(c, o, i):
    """Applies to every object the CLI prints (case 9)."""
    w = "msg %d" % i
    c.eq(w + " index", o.get("index"), i)
    for f in ("index", "source", "length", "status", "kind", "payloads", "mac", "outcome",
              "replay", "keys", "findings"):
        c.true("%s: field %r missing" % (w, f), f in o)
    if o.get("length", 0) >= 10:
        c.true(w + ": header missing", isinstance(o.get("header"), dict))
        for f in HEADER_FIELDS:
            c.true("%s: header.%s missing" % (w, f), f in o.get("header", {}))
    c.true("%s: mac %r not one of %s" % (w, o.get("mac"), MAC_VALUES), o.get("mac") in MAC_VALUES)
    for f in o.get("findings", []):
        for k in ("id", "severity", "message"):
            c.true("%s: finding without %r: %s" % (w, k, _short(f)), k in f)
        cat = c.suite.catalogue
        if cat is not None and f.get("id") is not None:
            if c.true("%s: finding id %r not in `bcastdec findings`" % (w, f["id"]), f["id"] in cat):
                c.eq("%s: severity of %s" % (w, f["id"]), f.get("severity"), cat[f["id"]])
        c.true("%s: severity %r" % (w, f.get("severity")), f.get("severity") in SEVERITIES)
    for p in o.get("payloads", []):
        for k in ("type", "offset", "length"):
            c.true("%s: payload without %r" % (w, k), k in p)


def check_layout(c, o, b):
    """Header and payload layout equal what the generator wrote."""
    i = b.info
    m = b.msg
    w = "msg %d" % o.get("index", -1)
    c.eq(w + " length", o.get("length"), len(m))
    c.eq(w + " header", o.get("header"), {
        "version": 1, "data_type": m[1], "next_payload": m[2], "v": bool(i.get("v", False)),
        "prf": i["prf"], "csb_id": i["csb_id"], "cs_count": 0, "map_type": 1})
    c.eq(w + " payload layout",
         [(p.get("type"), p.get("offset"), p.get("length")) for p in o.get("payloads", [])],
         [(p["type"], p["offset"], p["length"]) for p in b.payloads])
    c.eq(w + " counter", o.get("counter"), i["counter"])
    ts = [p for p in o.get("payloads", []) if p.get("type") == "T"]
    if c.true(w + ": no T payload", len(ts) == 1):
        c.eq(w + " T value", (ts[0].get("ts_type_name"), ts[0].get("value")),
             ("COUNTER", i["counter"]))
    if i["kind"] in ("ltkm", "stkm"):
        want = {"kdid": i["kdid"].hex(), "sekpek_id": i["sekpek_id"].hex()}
        if i["kind"] == "stkm":
            want["tek_id"] = i["tek_id"].hex()
        c.eq(w + " key_ids", o.get("key_ids"), want)
        km = kemac_of(o)
        if c.true(w + ": no KEMAC payload", km is not None):
            c.eq(w + " KEMAC encr/mac", (km.get("encr_alg"), km.get("encr_data"), km.get("mac_alg"),
                                         km.get("mac")),
                 (i["encr_alg"], i["ciphertext"].hex(), 1, i["mac"].hex()))
    if i["kind"] == "ltkm":
        ids = [(p.get("id_type_name"), p.get("id")) for p in o.get("payloads", [])
               if p.get("type") == "ID"]
        c.eq(w + " IDi, IDr", ids, [("URI", i["idi"]), ("NAI", i["idr"])])
        rnd = [p.get("rand") for p in o.get("payloads", []) if p.get("type") == "RAND"]
        c.eq(w + " RAND", rnd, [i["rand"].hex()])


def kemac_of(o):
    ks = [p for p in o.get("payloads", []) if p.get("type") == "KEMAC"]
    return ks[0] if len(ks) == 1 else None


def expect(c, r, idx, *, kind, mac, outcome, findings=(), keys=(), built=None,
           status="ok", found_by=None, label=None, origin=None, replay=False,
           rand_variant=None, keys_tried=None, source=None):
    """Exact expectations on message |idx| of run |r|."""
    w = "msg %d" % idx
    if not c.true("%s: missing (only %d objects)" % (w, len(r.objs)), idx < len(r.objs)):
        return None
    o = r.objs[idx]
    c.eq(w + " status", o.get("status"), status)
    c.eq(w + " kind", o.get("kind"), kind)
    c.eq(w + " mac", o.get("mac"), mac)
    c.eq(w + " outcome", o.get("outcome"), outcome)
    c.eq(w + " replay", o.get("replay"), replay)
    USED_FINDING_IDS.update(findings)
    c.eq(w + " finding ids", sorted(f.get("id") for f in o.get("findings", [])), sorted(findings))
    c.eq(w + " keys", o.get("keys"), list(keys))
    if source is not None:
        c.eq(w + " source", o.get("source"), source)
    if found_by is not None or label is not None or origin is not None:
        ku = o.get("key_used") or {}
        if found_by is not None:
            c.eq(w + " key_used.found_by", ku.get("found_by"), found_by)
        if label is not None:
            c.eq(w + " key_used.label", ku.get("label"), label)
        if origin is not None:
            c.eq(w + " key_used.from", ku.get("from"), origin)
    elif mac != "verified":
        c.true(w + ": key_used present although nothing verified", "key_used" not in o)
    if rand_variant is not None:
        c.eq(w + " rand_variant", o.get("rand_variant"), rand_variant)
    if keys_tried is not None:
        c.eq(w + " keys_tried", o.get("keys_tried"), keys_tried)
    if built is not None and status == "ok":
        check_layout(c, o, built)
    return o


def sek_key(b):
    i = b.info
    return {"role": "SEK", "kdid": i["kdid"].hex(), "sekpek_id": i["sekpek_id"].hex(),
            "key": i["sek"].hex()}


def tek_keys(b):
    i = b.info
    ids = {"kdid": i["kdid"].hex(), "sekpek_id": i["sekpek_id"].hex(), "tek_id": i["tek_id"].hex()}
    return [dict(role="TEK", key=i["tek"].hex(), **ids), dict(role="salt", key=i["salt"].hex(), **ids)]


def check_ltkm_key_data(c, o, b, kv, vf=None, vt=None):
    i = b.info
    km = kemac_of(o) or {}
    want = {"type": 0, "type_name": "TGK", "kv": kv, "key": i["sek"].hex()}
    if kv == g.KV_SPI:
        want["spi"] = i["sekpek_id"].hex()
    elif kv == g.KV_INTERVAL:
        want["valid_from"], want["valid_to"] = vf.hex(), vt.hex()
    kd = km.get("key_data")
    if c.true("LTKM KEMAC: key_data missing", isinstance(kd, list) and len(kd) == 1):
        got = {k: kd[0].get(k) for k in want}
        c.eq("LTKM key_data", got, want)
        for absent in ("spi", "valid_from", "valid_to", "salt"):
            if absent not in want:
                c.true("LTKM key_data has unexpected %r" % absent, absent not in kd[0])


def check_stkm_key_data(c, o, b):
    i = b.info
    km = kemac_of(o) or {}
    kd = km.get("key_data")
    if c.true("STKM KEMAC: key_data missing", isinstance(kd, list) and len(kd) == 1):
        got = {k: kd[0].get(k) for k in ("type", "type_name", "kv", "key", "salt", "spi")}
        c.eq("STKM key_data", got, {"type": 3, "type_name": "TEK+SALT", "kv": g.KV_SPI,
                                    "key": i["tek"].hex(), "salt": i["salt"].hex(),
                                    "spi": (i["sekpek_id"] + i["tek_id"]).hex()})


def no_key_data(c, o):
    km = kemac_of(o)
    if km is not None:
        c.true("KEMAC shows key_data although the MAC did not verify", "key_data" not in km)


# --------------------------------------------------------------------------
# Message factories (all values random per case)
# --------------------------------------------------------------------------

def new_ltkm(c, *, smk, idr, prf=0, kv=g.KV_NULL, counter=None, kdid=None, sekpek=None,
             sek=None, null=False, v=False, tag=""):
    if kdid is None:
        kdid, sekpek = c.ids()
    if sek is None:
        sek = c.key("SEK" + tag)
    vf = vt = None
    if kv == g.KV_INTERVAL:
        a, z = sorted(c.rng.sample(range(0x10000), 2))
        vf, vt = a.to_bytes(2, "big"), z.to_bytes(2, "big")
    b = g.build_ltkm(smk, idr, sek, kdid, sekpek, c.csb(),
                     counter if counter is not None else c.counter(), c.rng.randbytes(16),
                     v=v, prf_func=prf, kv=kv, vf=vf, vt=vt,
                     encr_alg=g.ENCR_NULL if null else g.ENCR_AES_CM_128)
    b.vf, b.vt = vf, vt
    return b


def new_stkm(c, *, sek, kdid, sekpek, prf=0, counter=None, tek_id=None, rand_kdf=b"", tag=""):
    tek = c.key("TEK" + tag)
    salt = c.key("salt" + tag, 14)
    return g.build_stkm(sek, tek, salt, kdid, sekpek,
                        tek_id if tek_id is not None else c.rng.randbytes(2), c.csb(),
                        counter if counter is not None else c.counter(), prf_func=prf,
                        rand_kdf=rand_kdf)


def flip(msg, pos, rng):
    b = bytearray(msg)
    b[pos] ^= rng.randint(1, 255)
    return bytes(b)


def smk_line(ident, k):
    return "SMK %s %s" % (ident, k.hex())


def sek_line(kdid, sekpek, k):
    return "SEK %s %s %s" % (kdid.hex(), sekpek.hex(), k.hex())


def decoy_other_smk(c):
    other = c.identity(c.rng.choice(["btid", "nai"]))
    return smk_line(other, c.key("decoy SMK", c.rng.choice([16, 32])))


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


# 1. LTKM matrix --------------------------------------------------------------

KV_NAMES = {g.KV_NULL: "null", g.KV_SPI: "spi", g.KV_INTERVAL: "interval"}


def ltkm_matrix(c, smk_len, prf, kv, form, lookup):
    ident = c.identity(form)
    smk = c.key("SMK", smk_len)
    b = new_ltkm(c, smk=smk, idr=ident, prf=prf, kv=kv)
    if lookup == "idr":
        # A wrong "*" SMK and another subscriber's SMK: the IDr must win.
        lines = [decoy_other_smk(c), smk_line("*", c.key("decoy wildcard SMK")),
                 smk_line(ident, smk)]
        label = "SMK " + ident
    else:
        lines = [decoy_other_smk(c), smk_line("*", smk)]
        label = "SMK *"
    kf, nums = c.keyfile(lines)
    r = c.run([("hex", b.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    o = expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(b)],
               built=b, found_by=lookup, label=label, origin="key file line %d" % nums[-1],
               rand_variant="message")
    if o:
        check_ltkm_key_data(c, o, b, kv, b.vf, b.vt)


for _len in (16, 32):
    for _prf in (0, 1):
        for _kv in (g.KV_NULL, g.KV_SPI, g.KV_INTERVAL):
            for _form in ("btid", "nai"):
                for _lookup in ("idr", "wildcard"):
                    add("LTKM smk%d prf%d kv=%s %s via %s" % (_len, _prf, KV_NAMES[_kv], _form, _lookup),
                        ltkm_matrix, _len, _prf, _kv, _form, _lookup)


@case("LTKM x8 for 8 subscribers in one session (IDr lookup)")
def ltkm_many(c):
    lines, built = [], []
    for n in range(8):
        ident = c.identity("btid" if n % 2 else "nai")
        smk = c.key("SMK%d" % n, 16 if n < 4 else 32)
        built.append(new_ltkm(c, smk=smk, idr=ident, prf=n % 2, kv=n % 3, tag=str(n)))
        lines.append(smk_line(ident, smk))
    c.rng.shuffle(lines)
    kf, _ = c.keyfile(lines)
    r = c.run([("hex", b.msg) for b in built], keys=kf)
    c.eq("exit status", r.rc, 0)
    for n, b in enumerate(built):
        expect(c, r, n, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(b)],
               built=b, found_by="idr", label="SMK " + b.info["idr"])


@case("LTKM: SMK only under another identity -> found by search")
def ltkm_search(c):
    smk = c.key("SMK")
    b = new_ltkm(c, smk=smk, idr=c.identity("nai"))
    other = c.identity("btid")
    kf, nums = c.keyfile([decoy_other_smk(c), smk_line(other, smk)])
    r = c.run([("hex", b.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(b)], built=b,
           found_by="search", label="SMK " + other, origin="key file line %d" % nums[1],
           findings=["key.found_by_search"])


# 2. STKM ----------------------------------------------------------------------

def stkm_via_ltkm(c, prf):
    ident = c.identity("btid")
    smk = c.key("SMK", 32)
    lt = new_ltkm(c, smk=smk, idr=ident, prf=prf, kv=g.KV_SPI)
    kdid, sekpek = lt.info["kdid"], lt.info["sekpek_id"]
    st = new_stkm(c, sek=lt.info["sek"], kdid=kdid, sekpek=sekpek, prf=prf)
    # a decoy SEK in the same key domain under another SEK/PEK ID
    kf, _ = c.keyfile([smk_line(ident, smk),
                       sek_line(kdid, c.rng.randbytes(4), c.key("decoy SEK"))])
    r = c.run([("hex", lt.msg), ("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt,
           found_by="idr")
    o = expect(c, r, 1, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st),
               built=st, found_by="keyid", label="SEK %s/%s" % (kdid.hex(), sekpek.hex()),
               origin="message 0", rand_variant="empty")
    if o:
        check_stkm_key_data(c, o, st)


def stkm_via_keyfile(c, prf):
    kdid, sekpek = c.ids()
    sek = c.key("SEK")
    st = new_stkm(c, sek=sek, kdid=kdid, sekpek=sekpek, prf=prf)
    kf, nums = c.keyfile([sek_line(kdid, c.rng.randbytes(4), c.key("decoy SEK 1")),
                          sek_line(kdid, sekpek, sek),
                          sek_line(c.rng.randbytes(3), sekpek, c.key("decoy SEK 2"))])
    r = c.run([("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    o = expect(c, r, 0, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st),
               built=st, found_by="keyid", label="SEK %s/%s" % (kdid.hex(), sekpek.hex()),
               origin="key file line %d" % nums[1], rand_variant="empty")
    if o:
        check_stkm_key_data(c, o, st)


for _prf in (0, 1):
    add("STKM prf%d via SEK learned from an LTKM in the same run" % _prf, stkm_via_ltkm, _prf)
    add("STKM prf%d via SEK from the key file" % _prf, stkm_via_keyfile, _prf)


@case("STKM: key file holds a stale SEK, the LTKM's fresh one wins")
def stkm_learned_beats_file(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    kdid, sekpek = lt.info["kdid"], lt.info["sekpek_id"]
    st = new_stkm(c, sek=lt.info["sek"], kdid=kdid, sekpek=sekpek)
    kf, _ = c.keyfile([smk_line(ident, smk), sek_line(kdid, sekpek, c.key("stale SEK"))])
    r = c.run([("hex", lt.msg), ("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)
    expect(c, r, 1, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           found_by="keyid", origin="message 0")


@case("STKM: SEK only under other ids -> found by search")
def stkm_search(c):
    kdid, sekpek = c.ids()
    sek = c.key("SEK")
    st = new_stkm(c, sek=sek, kdid=kdid, sekpek=sekpek)
    k2, s2 = c.ids()
    kf, nums = c.keyfile([sek_line(*c.ids(), c.key("decoy SEK")), sek_line(k2, s2, sek)])
    r = c.run([("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           found_by="search", label="SEK %s/%s" % (k2.hex(), s2.hex()),
           origin="key file line %d" % nums[1], findings=["key.found_by_search"])


@case("STKM keyed with the LTKM's RAND -> rand_variant ltkm")
def stkm_rand_variant(c):
    ident = c.identity("btid")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    st = new_stkm(c, sek=lt.info["sek"], kdid=lt.info["kdid"], sekpek=lt.info["sekpek_id"],
                  rand_kdf=lt.info["rand"])
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg), ("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)
    expect(c, r, 1, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           found_by="keyid", rand_variant="ltkm", findings=["stkm.rand_variant"])
    # the same with --no-ltkm-rand: the fallback is off, so the MAC fails
    r = c.run([("hex", lt.msg), ("hex", st.msg)], keys=kf, extra=["--no-ltkm-rand"])
    c.eq("exit status (--no-ltkm-rand)", r.rc, 1)
    expect(c, r, 1, kind="stkm", mac="failed", outcome="mac_failed", built=st,
           findings=["kemac.mac_failed"])
    c.absent(r, ["TEK", "salt"])


@case("verification message answering an LTKM with V = 1")
def verification(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident, v=True)
    vm = g.build_verification(lt)
    kf, lines = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg), ("hex", vm.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)
    o = expect(c, r, 1, kind="verification", mac="verified", outcome="decrypted", built=vm,
               found_by="ltkm", label="SMK " + ident, origin="key file line %d" % lines[0])
    if o:
        c.eq("verification", o.get("verification"), {"answers": 0, "mac_input": "t64"})
    bad = flip(vm.msg, len(vm.msg) - 1 - c.rng.randrange(20), c.rng)
    r = c.run([("hex", lt.msg), ("hex", bad)], keys=kf)
    c.eq("exit status (bad verification MAC)", r.rc, 1)
    expect(c, r, 1, kind="verification", mac="failed", outcome="mac_failed",
           findings=["verification.mac_failed"])
    r = c.run([("hex", vm.msg)], keys=kf)
    c.eq("exit status (no LTKM before)", r.rc, 0)
    expect(c, r, 0, kind="verification", mac="no_key", outcome="no_key",
           findings=["verification.no_ltkm"])


# 3. Input forms ---------------------------------------------------------------

def input_forms(c, f1, f2):
    ident = c.identity("btid")
    smk = c.key("SMK", 32)
    lt = new_ltkm(c, smk=smk, idr=ident, prf=1, kv=g.KV_SPI)
    st = new_stkm(c, sek=lt.info["sek"], kdid=lt.info["kdid"], sekpek=lt.info["sekpek_id"], prf=1)
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([(f1, lt.msg), (f2, st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    # "source" is "hex", "base64", "-" for stdin, or the file path (checked below)
    src = [{"file": None, "stdin": "-"}.get(f, f) for f in (f1, f2)]
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt,
           source=src[0])
    expect(c, r, 1, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           source=src[1], origin="message 0")
    files = [a for a in r.argv if a.endswith(".bin")]
    for i, form in enumerate((f1, f2)):
        if form == "file" and i < len(r.objs):
            c.eq("msg %d source" % i, r.objs[i].get("source"), files.pop(0))


for _f in (("hex", "hex"), ("base64", "base64"), ("file", "file"), ("stdin", "file"),
           ("base64", "hex"), ("file", "base64")):
    add("input forms: LTKM as %s, STKM as %s" % _f, input_forms, *_f)


@case("tree output (no --json) shows the decrypted keys")
def tree_output(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    i = lt.info
    st = new_stkm(c, sek=i["sek"], kdid=i["kdid"], sekpek=i["sekpek_id"])
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("file", lt.msg), ("file", st.msg)], keys=kf, json_mode=False)
    c.eq("exit status", r.rc, 0)
    s = st.info
    for want in ("kind: ltkm, outcome: decrypted, MAC: verified",
                 "kind: stkm, outcome: decrypted, MAC: verified",
                 "SEK %s/%s = %s" % (i["kdid"].hex(), i["sekpek_id"].hex(), i["sek"].hex()),
                 "TEK %s/%s/%s = %s salt %s" % (s["kdid"].hex(), s["sekpek_id"].hex(),
                                                s["tek_id"].hex(), s["tek"].hex(), s["salt"].hex()),
                 "key: SMK %s (found by idr" % ident):
        c.true("tree output lacks %r" % want, want in r.out)


# 4. Corrupted MAC / covered bytes ---------------------------------------------

def ltkm_bad(c, where, json_mode):
    ident = c.identity("btid")
    smk = c.key("SMK", c.rng.choice([16, 32]))
    lt = new_ltkm(c, smk=smk, idr=ident, prf=c.rng.randint(0, 1), kv=g.KV_SPI)
    n = len(lt.msg)
    if where == "mac":
        pos = n - 1 - c.rng.randrange(20)
    elif where == "ciphertext":
        km = lt.payloads[-1]
        pos = km["offset"] + 4 + c.rng.randrange(len(lt.info["ciphertext"]))
    else:  # a RAND byte: changes the transport keys and the MAC input
        rp = [p for p in lt.payloads if p["type"] == "RAND"][0]
        pos = rp["offset"] + 2 + c.rng.randrange(16)
    bad = flip(lt.msg, pos, c.rng)
    wild = c.key("decoy wildcard SMK")
    kf, _ = c.keyfile([smk_line(ident, smk), smk_line("*", wild)])
    r = c.run([("hex", bad)], keys=kf, json_mode=json_mode)
    c.eq("exit status", r.rc, 1)
    if json_mode:
        o = expect(c, r, 0, kind="ltkm", mac="failed", outcome="mac_failed",
                   findings=["kemac.mac_failed"], keys_tried=["SMK " + ident, "SMK *"])
        if o:
            no_key_data(c, o)
    else:
        c.true("tree output lacks 'MAC: failed'", "MAC: failed" in r.out)
        c.true("tree output lacks kemac.mac_failed", "kemac.mac_failed" in r.out)
    c.absent(r, ["SMK", "SEK", "decoy wildcard SMK"])


for _w in ("mac", "ciphertext", "rand"):
    for _j in (True, False):
        add("LTKM with a flipped %s byte (%s) -> mac failed, exit 1, no key bytes" %
            (_w, "json" if _j else "tree"), ltkm_bad, _w, _j)


def stkm_bad_mac(c, learned, json_mode):
    kdid, sekpek = c.ids()
    st_sek = None
    inputs = []
    if learned:
        ident = c.identity("nai")
        smk = c.key("SMK")
        lt = new_ltkm(c, smk=smk, idr=ident, kdid=kdid, sekpek=sekpek)
        st_sek = lt.info["sek"]
        lines = [smk_line(ident, smk)]
        inputs.append(("hex", lt.msg))
    else:
        st_sek = c.key("SEK")
        lines = [sek_line(kdid, sekpek, st_sek)]
    st = new_stkm(c, sek=st_sek, kdid=kdid, sekpek=sekpek, prf=c.rng.randint(0, 1))
    bad = flip(st.msg, len(st.msg) - 1 - c.rng.randrange(20), c.rng)
    inputs.append(("hex", bad))
    kf, _ = c.keyfile(lines)
    r = c.run(inputs, keys=kf, json_mode=json_mode)
    c.eq("exit status", r.rc, 1)
    i = len(inputs) - 1
    if json_mode:
        if learned:
            expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)])
        o = expect(c, r, i, kind="stkm", mac="failed", outcome="mac_failed",
                   findings=["kemac.mac_failed"],
                   keys_tried=["SEK %s/%s" % (kdid.hex(), sekpek.hex())])
        if o:
            no_key_data(c, o)
    else:
        c.true("tree output lacks 'MAC: failed'", "MAC: failed" in r.out)
    # The SEK legitimately appears as the LTKM's output when learned.
    c.absent(r, ["TEK", "salt"] + ([] if learned else ["SEK"]))


for _l in (False, True):
    for _j in (True, False):
        add("STKM with a flipped MAC byte, SEK from %s (%s)" %
            ("an LTKM" if _l else "the key file", "json" if _j else "tree"), stkm_bad_mac, _l, _j)


# 5. Truncated / malformed -----------------------------------------------------

def truncated(c, what):
    ident = c.identity("btid")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    kf, _ = c.keyfile([smk_line(ident, smk), sek_line(lt.info["kdid"], lt.info["sekpek_id"],
                                                      lt.info["sek"])])
    msg = lt.msg
    if what == "stkm":
        msg = new_stkm(c, sek=lt.info["sek"], kdid=lt.info["kdid"], sekpek=lt.info["sekpek_id"]).msg
    n = len(msg)
    km = [p for p in lt.payloads if p["type"] == "KEMAC"][0]["offset"] if what == "ltkm" else n - 60
    cuts = sorted(set([n - 1, n - 10, n - 20, n - 21, km + 1, km + 5, n // 2, 10, 9, 4, 1]))
    for cut in cuts:
        r = c.run([("hex", msg[:cut])], keys=kf)
        c.eq("cut at %d of %d: exit status" % (cut, n), r.rc, 2)
        if r.objs:
            o = r.objs[0]
            c.eq("cut at %d: status/mac/outcome/keys" % cut,
                 (o.get("status"), o.get("mac"), o.get("outcome"), o.get("keys")),
                 ("truncated", "absent", "malformed", []))
            c.eq("cut at %d: finding ids" % cut, [f.get("id") for f in o.get("findings", [])],
                 ["mikey.truncated"])
        c.absent(r, ["SEK", "SMK"] + (["TEK", "salt"] if what == "stkm" else []))
    USED_FINDING_IDS.add("mikey.truncated")


add("LTKM truncated at 11 cut points -> exit 2 each", truncated, "ltkm")
add("STKM truncated at 11 cut points -> exit 2 each", truncated, "stkm")


@case("LTKM and STKM: every prefix in one run -> all truncated, exit 2")
def every_prefix(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident, kv=g.KV_INTERVAL)
    st = new_stkm(c, sek=lt.info["sek"], kdid=lt.info["kdid"], sekpek=lt.info["sekpek_id"])
    kf, _ = c.keyfile([smk_line(ident, smk)])
    inputs = [("hex", m[:k]) for m in (lt.msg, st.msg) for k in range(len(m))]
    r = c.run(inputs, keys=kf)
    c.eq("exit status", r.rc, 2)
    bad = [i for i, o in enumerate(r.objs)
           if (o.get("status"), o.get("mac"), o.get("keys"),
               [f.get("id") for f in o.get("findings", [])]) !=
           ("truncated", "absent", [], ["mikey.truncated"])]
    c.eq("prefixes not reported as truncated", bad, [])


@case("truncated LTKM, then a good LTKM + STKM in the same run -> exit 2, rest decoded")
def truncated_then_good(c):
    ident = c.identity("btid")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident, counter=c.counter(1, 1000))
    st = new_stkm(c, sek=lt.info["sek"], kdid=lt.info["kdid"], sekpek=lt.info["sekpek_id"])
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg[:-1]), ("base64", lt.msg), ("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 2)
    expect(c, r, 0, kind="ltkm", status="truncated", mac="absent", outcome="malformed",
           findings=["mikey.truncated"])
    expect(c, r, 1, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)
    expect(c, r, 2, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           origin="message 1")


@case("LTKM with a trailing extra byte -> malformed, exit 2")
def trailing_byte(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg + c.rng.randbytes(1))], keys=kf)
    c.eq("exit status", r.rc, 2)
    expect(c, r, 0, kind="ltkm", status="malformed", mac="absent", outcome="malformed",
           findings=["mikey.malformed"])
    c.absent(r, ["SEK", "SMK"])


# 6. No key ---------------------------------------------------------------------

@case("LTKM, no key: empty key file and no --keys -> mac no_key, exit 0")
def ltkm_no_key(c):
    lt = new_ltkm(c, smk=c.key("SMK"), idr=c.identity("btid"))
    kf, _ = c.keyfile([])
    for keys in (kf, None):
        r = c.run([("hex", lt.msg)], keys=keys)
        c.eq("exit status (keys=%s)" % ("file" if keys else "none"), r.rc, 0)
        o = expect(c, r, 0, kind="ltkm", mac="no_key", outcome="no_key", built=lt,
                   findings=["kemac.no_key"])
        if o:
            no_key_data(c, o)
        c.absent(r, ["SEK", "SMK"])


@case("LTKM, only an unrelated SMK in the key file -> tried, mac failed, exit 1")
def ltkm_wrong_key(c):
    lt = new_ltkm(c, smk=c.key("SMK"), idr=c.identity("btid"))
    other = c.identity("nai")
    kf, _ = c.keyfile([smk_line(other, c.key("other SMK"))])
    r = c.run([("hex", lt.msg)], keys=kf)
    c.eq("exit status", r.rc, 1)
    expect(c, r, 0, kind="ltkm", mac="failed", outcome="mac_failed", built=lt,
           findings=["kemac.mac_failed"], keys_tried=["SMK " + other])
    c.absent(r, ["SEK", "SMK", "other SMK"])


@case("STKM, no SEK anywhere -> mac no_key, stkm.missing_ltkm, exit 0")
def stkm_no_key(c):
    kdid, sekpek = c.ids()
    st = new_stkm(c, sek=c.key("SEK"), kdid=kdid, sekpek=sekpek)
    kf, _ = c.keyfile([smk_line(c.identity("nai"), c.key("SMK"))])
    r = c.run([("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    expect(c, r, 0, kind="stkm", mac="no_key", outcome="no_key", built=st,
           findings=["stkm.missing_ltkm"])
    c.absent(r, ["SEK", "TEK", "salt"])


# 7. Replay --------------------------------------------------------------------

@case("replay: the same LTKM twice -> second has replay.counter, exit 1")
def replay_same(c):
    ident = c.identity("btid")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg), ("hex", lt.msg)], keys=kf)
    c.eq("exit status", r.rc, 1)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)
    expect(c, r, 1, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt,
           replay=True, findings=["replay.counter"])


@case("replay: LTKM counters n+1 then n (same SMK) -> replay; n then n+1 -> fine")
def replay_order(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    n = c.counter(1, 1 << 30)
    kd, sp = c.ids()
    a = new_ltkm(c, smk=smk, idr=ident, counter=n, kdid=kd, sekpek=sp, tag="a")
    b = new_ltkm(c, smk=smk, idr=ident, counter=n + 1, kdid=kd, sekpek=sp, tag="b")
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", b.msg), ("hex", a.msg)], keys=kf)
    c.eq("exit status (descending)", r.rc, 1)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(b)])
    expect(c, r, 1, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(a)],
           replay=True, findings=["replay.counter"])
    r = c.run([("hex", a.msg), ("hex", b.msg)], keys=kf)
    c.eq("exit status (ascending)", r.rc, 0)
    expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(a)])
    expect(c, r, 1, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(b)])


@case("replay: a forged high counter (bad MAC) does not block the next LTKM")
def replay_forged(c):
    ident = c.identity("btid")
    smk = c.key("SMK")
    n = c.counter(1, 1 << 30)
    hi = new_ltkm(c, smk=smk, idr=ident, counter=n + 1000, tag="hi")
    forged = flip(hi.msg, len(hi.msg) - 1 - c.rng.randrange(20), c.rng)
    lt = new_ltkm(c, smk=smk, idr=ident, counter=n)
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", forged), ("hex", lt.msg)], keys=kf)
    c.eq("exit status", r.rc, 1)
    expect(c, r, 0, kind="ltkm", mac="failed", outcome="mac_failed", findings=["kemac.mac_failed"])
    expect(c, r, 1, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)], built=lt)


@case("replay: the same STKM twice -> second has replay.counter, exit 1")
def replay_stkm(c):
    kdid, sekpek = c.ids()
    sek = c.key("SEK")
    st = new_stkm(c, sek=sek, kdid=kdid, sekpek=sekpek)
    kf, _ = c.keyfile([sek_line(kdid, sekpek, sek)])
    r = c.run([("hex", st.msg), ("hex", st.msg)], keys=kf)
    c.eq("exit status", r.rc, 1)
    expect(c, r, 0, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st)
    expect(c, r, 1, kind="stkm", mac="verified", outcome="decrypted", keys=tek_keys(st), built=st,
           replay=True, findings=["replay.counter"])


# 8. NULL encryption -----------------------------------------------------------

def null_encryption(c, prf):
    ident = c.identity("btid")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident, prf=prf, kv=g.KV_SPI, null=True)
    c.eq("generator: NULL ciphertext is the plaintext", lt.info["ciphertext"], lt.info["plaintext"])
    kf, _ = c.keyfile([smk_line(ident, smk)])
    r = c.run([("hex", lt.msg)], keys=kf)
    c.eq("exit status", r.rc, 0)
    o = expect(c, r, 0, kind="ltkm", mac="verified", outcome="decrypted", keys=[sek_key(lt)],
               built=lt, found_by="idr", findings=["kemac.null_encryption"])
    if o:
        check_ltkm_key_data(c, o, lt, g.KV_SPI)
        c.eq("KEMAC encr_alg_name", (kemac_of(o) or {}).get("encr_alg_name"), "NULL")


for _prf in (0, 1):
    add("NULL-encryption LTKM prf%d with its SMK -> decrypted + kemac.null_encryption" % _prf,
        null_encryption, _prf)


@case("NULL-encryption LTKM without a key -> no_key, NULL encryption still flagged")
def null_encryption_no_key(c):
    lt = new_ltkm(c, smk=c.key("SMK"), idr=c.identity("nai"), null=True)
    r = c.run([("hex", lt.msg)])
    c.eq("exit status", r.rc, 0)
    # NULL encryption is visible without a key; the MAC still cannot be checked.
    o = expect(c, r, 0, kind="ltkm", mac="no_key", outcome="no_key", built=lt,
               findings=["kemac.null_encryption", "kemac.no_key"])
    if o:
        no_key_data(c, o)


# 9. JSON and command-line contract -----------------------------------------------

@case("JSON: findings and assumptions catalogues parse")
def catalogues(c):
    for what in ("findings", "assumptions"):
        p = subprocess.run([c.suite.cli, what, "--json"], capture_output=True, timeout=30)
        c.eq("`%s --json` exit status" % what, p.returncode, 0)
        try:
            doc = json.loads(p.stdout)
        except ValueError as e:
            c.fail("`%s --json` is not JSON: %s" % (what, e))
            continue
        c.true("`%s --json` is not an object" % what, isinstance(doc, dict))
    c.true("finding catalogue empty", bool(c.suite.catalogue))


@case("usage and key-file errors -> exit 2, no key bytes in diagnostics")
def usage_errors(c):
    ident = c.identity("nai")
    smk = c.key("SMK")
    lt = new_ltkm(c, smk=smk, idr=ident)
    # A key line with an odd number of hex digits (one dropped)
    kf, nums = c.keyfile(["# comment", smk_line(ident, smk)[:-1]])
    c.secrets["SMK minus a digit"] = bytes.fromhex(smk.hex()[:-2])
    r = c.run([("hex", lt.msg)], keys=kf, n_objs=0)
    c.eq("bad key file: exit status", r.rc, 2)
    c.true("bad key file: stderr names file:line",
           "%s:%d:" % (os.path.basename(kf), nums[1]) in r.err)
    c.absent(r, ["SMK", "SEK", "SMK minus a digit"])
    r = c.run([("hex", lt.msg)], keys=os.path.join(c.suite.workdir, "no-such.keys"), n_objs=0)
    c.eq("missing key file: exit status", r.rc, 2)
    r = c.run(["--hex", "zz"], n_objs=0)
    c.eq("bad hex: exit status", r.rc, 2)
    r = c.run(["--base64", "!!!"], n_objs=0)
    c.eq("bad base64: exit status", r.rc, 2)
    r = c.run([os.path.join(c.suite.workdir, "no-such.bin")], n_objs=0)
    c.eq("missing input file: exit status", r.rc, 2)
    r = c.run([], n_objs=0)
    c.eq("no input: exit status", r.rc, 2)
    r = c.run([("hex", lt.msg)], extra=["--no-such-option"], n_objs=0)
    c.eq("unknown option: exit status", r.rc, 2)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

class Suite:
    def __init__(self, cli, workdir, seed, verbose):
        self.cli, self.workdir, self.seed, self.verbose = cli, workdir, seed, verbose
        self.catalogue = None


def load_catalogue(cli):
    p = subprocess.run([cli, "findings", "--json"], capture_output=True, timeout=30)
    doc = json.loads(p.stdout)
    return {f["id"]: f["severity"] for f in doc["findings"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True, help="path to the bcastdec executable")
    ap.add_argument("--workdir", required=True, help="directory for key files and inputs")
    ap.add_argument("--seed", type=lambda s: int(s, 0), help="reproduce a run")
    ap.add_argument("--only", help="run only cases whose name contains this")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every CLI command")
    args = ap.parse_args(argv)

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    cli = os.path.abspath(args.cli)
    os.makedirs(args.workdir, exist_ok=True)
    suite = Suite(cli, os.path.abspath(args.workdir), seed, args.verbose)
    print("e2e: %s, seed %d (reproduce with --seed %d)" % (cli, seed, seed), flush=True)
    t0 = time.monotonic()

    if not g.selftest(verbose=False):
        print("FAIL mikeygen self-test (run tests/e2e/mikeygen.py --selftest)")
        return 1
    try:
        suite.catalogue = load_catalogue(cli)
    except Exception as e:  # noqa: BLE001 -- reported as a failure below
        print("FAIL cannot read `bcastdec findings --json`: %s" % e)
        return 1

    failed = []
    ran = 0
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
            for r in c.runs[-3:]:
                print("     $ %s\n       exit %s" % (_cmdline(r.argv), r.rc))
                if r.out:
                    print("       stdout: %s" % _short(r.out, 1500))
                if r.err:
                    print("       stderr: %s" % _short(r.err, 500))
        else:
            print("ok   %s" % name)
        sys.stdout.flush()

    unknown = sorted(USED_FINDING_IDS - set(suite.catalogue))
    if unknown:
        failed.append("finding ids")
        print("FAIL the test expects finding ids the CLI does not know: %s" % ", ".join(unknown))

    dt = time.monotonic() - t0
    if ran == 0:
        print("e2e: no case matches --only %r" % args.only)
        return 1
    if failed:
        print("e2e: %d of %d cases FAILED in %.1f s; seed %d (reproduce with --seed %d)"
              % (len(failed), ran, dt, seed, seed))
        return 1
    print("e2e: all %d cases passed in %.1f s (seed %d)" % (ran, dt, seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
