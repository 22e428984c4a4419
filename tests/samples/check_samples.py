#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks of the committed sample captures (samples/README.md).

Every sample directory holds scenario.txt, capture.pcapng, capture.keys and
expected.json.  Modes (one ctest each):

  uptodate     the generator reproduces the committed files byte for byte
  determinism  two runs of the generator give identical files
  pcapng       the capture parses with an independent pcapng/IPv4/TCP/UDP
               reader: block structure, checksums, TCP sequence numbers,
               HTTP messages and their frames as in expected.json, and the
               HTTP Digest response / rspauth values recomputed here with
               hashlib from the key file's SRK (password = base64(SRK))
  tshark       tshark reads the capture without errors, flags no TCP
               analysis problem and no malformed packet, and pairs every
               HTTP request with its response (http.response_in)
  mikey        every MIKEY message (UDP payloads, <LTKM> elements of MSK
               responses) is decoded by `bcastdec mikey --json` in one
               session with the sample's key file; kind, outcome, replay,
               the keys (ids and values) and the finding ids (exactly, at
               warning level and above) equal expected.json
  mikey_framing  Wireshark's built-in MIKEY dissector (Decode As on the
               LTKM and STKM UDP ports) frames every UDP MIKEY message as
               `bcastdec mikey --json` does: the same payload types in the
               same order, each at the same offset with the same length
               (the built-in dissector does not know the contents of the
               OMA BCAST extensions, so only the framing is compared)

  outside      the captures recorded outside the project (samples/outside/,
               each re-created by its record.sh) open in tshark without TCP
               analysis flags or malformed packets, every HTTP request
               paired with its response; curl_digest, Apache
               mod_auth_digest challenged by curl --digest, must give the
               Digest outcomes of its expected.json in `bcastdec http` (and
               in hashlib here), with the key file and with a wrong SRK;
               srtp, SRTP protected by libsrtp2 with the TEK/salt of two
               STKMs, must carry MKI = SEK/PEK ID || TEK ID of its STKM,
               whose keys `bcastdec mikey` decrypts as recorded, and
               authenticate and decrypt with them (python3-cryptography)

Exit status 0 when every sample passes, 1 otherwise, 77 when a needed tool
is missing (ctest SKIP_RETURN_CODE).
"""

import argparse
import base64
import filecmp
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77


def samples(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if "scenario.txt" in filenames:
            out.append(dirpath)
    return sorted(out)


def run_gen(gen, sample, outdir):
    cmd = [gen, os.path.join(sample, "scenario.txt"), "-o", os.path.join(outdir, "capture.pcapng"),
           "--keys", os.path.join(outdir, "capture.keys"),
           "--expected", os.path.join(outdir, "expected.json")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("generator failed: %s" % p.stderr.strip())


FILES = ("capture.pcapng", "capture.keys", "expected.json")


def check_uptodate(args, sample, errors):
    with tempfile.TemporaryDirectory() as tmp:
        run_gen(args.gen, sample, tmp)
        for f in FILES:
            if not os.path.exists(os.path.join(sample, f)):
                errors.append("%s missing (run samples/regenerate.sh)" % f)
            elif not filecmp.cmp(os.path.join(sample, f), os.path.join(tmp, f), shallow=False):
                errors.append("%s differs from what the generator writes now "
                              "(run samples/regenerate.sh)" % f)


def check_determinism(args, sample, errors):
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        run_gen(args.gen, sample, a)
        run_gen(args.gen, sample, b)
        for f in FILES:
            if not filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False):
                errors.append("%s: two runs differ" % f)


# --------------------------------------------------------------------------
# Independent pcapng / Ethernet / IPv4 / TCP / UDP reader
# --------------------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def read_pcapng(path, errors):
    """Returns a list of (frame_no, ts_us, data, comment)."""
    raw = open(path, "rb").read()
    off, frames, tsresol = 0, [], None
    while off < len(raw):
        if off + 12 > len(raw):
            errors.append("pcapng: truncated block at %d" % off)
            break
        btype, blen = struct.unpack_from("<II", raw, off)
        if blen < 12 or blen % 4 or off + blen > len(raw):
            errors.append("pcapng: bad block length %d at %d" % (blen, off))
            break
        if struct.unpack_from("<I", raw, off + blen - 4)[0] != blen:
            errors.append("pcapng: trailing length differs at %d" % off)
        body = raw[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            if struct.unpack_from("<IHH", body, 0) != (0x1A2B3C4D, 1, 0):
                errors.append("pcapng: SHB byte order / version")
        elif btype == 1:
            linktype = struct.unpack_from("<H", body, 0)[0]
            if linktype != 1:
                errors.append("pcapng: link type %d, want 1 (Ethernet)" % linktype)
            tsresol = 6
        elif btype == 6:
            if tsresol is None:
                errors.append("pcapng: EPB before IDB")
            ifid, th, tl, caplen, origlen = struct.unpack_from("<IIIII", body, 0)
            data = body[20:20 + caplen]
            if caplen != origlen or len(data) != caplen:
                errors.append("pcapng: EPB lengths")
            o = 20 + (caplen + 3) // 4 * 4
            comment = None
            while o + 4 <= len(body):
                code, ln = struct.unpack_from("<HH", body, o)
                if code == 0:
                    break
                if code == 1:
                    comment = body[o + 4:o + 4 + ln].decode("utf-8")
                o += 4 + (ln + 3) // 4 * 4
            frames.append((len(frames) + 1, (th << 32) | tl, data, comment))
        off += blen
    return frames


def parse_frame(no, data, errors):
    """Returns a dict with the IPv4/L4 fields, checking every checksum."""
    if len(data) < 34 or data[12:14] != b"\x08\x00":
        errors.append("frame %d: not Ethernet/IPv4" % no)
        return None
    ip = data[14:]
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack_from("!H", ip, 2)[0]
    if ip[0] >> 4 != 4 or tot != len(ip):
        errors.append("frame %d: IPv4 length %d, frame holds %d" % (no, tot, len(ip)))
    if csum(ip[:ihl]) != 0xFFFF:
        errors.append("frame %d: IPv4 header checksum" % no)
    src, dst, proto = ip[12:16], ip[16:20], ip[9]
    l4 = ip[ihl:tot]
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    if csum(pseudo + l4) != 0xFFFF:
        errors.append("frame %d: %s checksum" % (no, "TCP" if proto == 6 else "UDP"))
    f = {"no": no, "src": src, "dst": dst, "proto": proto}
    if dst[0] & 0xF0 == 0xE0 and data[0:3] != b"\x01\x00\x5e":
        errors.append("frame %d: multicast without a multicast MAC" % no)
    if proto == 17:
        sport, dport, ulen = struct.unpack_from("!HHH", l4, 0)
        if ulen != len(l4):
            errors.append("frame %d: UDP length" % no)
        f.update(sport=sport, dport=dport, payload=l4[8:])
    elif proto == 6:
        sport, dport, seq, ack, offs, flags = struct.unpack_from("!HHIIBB", l4, 0)
        hl = (offs >> 4) * 4
        f.update(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, payload=l4[hl:])
    else:
        errors.append("frame %d: IP protocol %d" % (no, proto))
    return f


def split_http(stream):
    """Splits concatenated HTTP/1.1 messages (Content-Length framing)."""
    out, off = [], 0
    while off < len(stream):
        end = stream.find(b"\r\n\r\n", off)
        if end < 0:
            raise ValueError("HTTP header block without an end")
        head = stream[off:end].decode("latin-1")
        lines = head.split("\r\n")
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
        n = int(headers.get("content-length", "0"))
        body = stream[end + 4:end + 4 + n]
        if len(body) != n:
            raise ValueError("HTTP body shorter than Content-Length")
        out.append({"start": lines[0], "headers": headers, "body": body,
                    "end": end + 4 + n, "raw": stream[off:end + 4 + n]})
        off = end + 4 + n
    return out


def auth_params(value):
    value = re.sub(r"^\s*Digest\s+", "", value)
    return {k.lower(): (v1 if v1 else v2)
            for k, v1, v2 in re.findall(r'([A-Za-z-]+)=(?:"([^"]*)"|([^,\s]*))', value)}


def load_keys(path):
    srk, smk = {}, {}
    for ln in open(path, encoding="utf-8"):
        w = ln.split("#")[0].split()
        if len(w) == 3 and w[0] in ("SRK", "SMK"):
            (srk if w[0] == "SRK" else smk)[w[1]] = bytes.fromhex(w[2])
    return srk, smk


def digest_hash(alg):
    return hashlib.sha256 if alg.upper().startswith("SHA-256") else hashlib.md5


def digest_value(p, password, method, body, resp_body=None, rsp=False):
    H = lambda s: digest_hash(p.get("algorithm", "MD5"))(s).hexdigest()
    ha1 = H(("%s:%s:%s" % (p["username"], p["realm"], password)).encode())
    if p.get("algorithm", "MD5").lower().endswith("-sess"):
        ha1 = H(("%s:%s:%s" % (ha1, p["nonce"], p["cnonce"])).encode())
    m = "" if rsp else method
    if p.get("qop") == "auth-int":
        ha2 = H(("%s:%s:" % (m, p["uri"])).encode() + H(resp_body if rsp else body).encode())
    else:
        ha2 = H(("%s:%s" % (m, p["uri"])).encode())
    return H(("%s:%s:%s:%s:%s:%s" % (ha1, p["nonce"], p["nc"], p["cnonce"], p["qop"],
                                      ha2)).encode())


def check_pcapng(args, sample, errors, exp):
    frames = read_pcapng(os.path.join(sample, "capture.pcapng"), errors)
    if len(frames) != exp["frames"]:
        errors.append("%d frames, expected.json says %d" % (len(frames), exp["frames"]))
    last_ts = 0
    conns = {}  # (client ip, cport, server ip, sport) -> state
    for no, ts, data, comment in frames:
        if ts < last_ts:
            errors.append("frame %d: timestamp goes back" % no)
        last_ts = ts
        if not comment or "step " not in comment:
            errors.append("frame %d: no comment naming its step" % no)
        f = parse_frame(no, data, errors)
        if f is None or f["proto"] != 6:
            continue
        syn, fin, ack = f["flags"] & 2, f["flags"] & 1, f["flags"] & 16
        key_c = (f["src"], f["sport"], f["dst"], f["dport"])
        key_s = (f["dst"], f["dport"], f["src"], f["sport"])
        if syn and not ack:
            conns[key_c] = {"next": {0: (f["seq"] + 1) & 0xFFFFFFFF}, "data": {0: b"", 1: b""},
                            "frames": {0: [], 1: []}}
            continue
        st, side = (conns.get(key_c), 0) if key_c in conns else (conns.get(key_s), 1)
        if st is None:
            errors.append("frame %d: TCP segment of no known connection" % no)
            continue
        if syn:
            st["next"][1] = (f["seq"] + 1) & 0xFFFFFFFF
            continue
        if f["seq"] != st["next"][side]:
            errors.append("frame %d: TCP seq %d, expected %d" % (no, f["seq"], st["next"][side]))
        other = st["next"].get(1 - side)
        if ack and other is not None and f["ack"] != other:
            errors.append("frame %d: TCP ack %d, expected %d" % (no, f["ack"], other))
        if len(f["payload"]) > args.mss_max:
            errors.append("frame %d: segment longer than the MSS" % no)
        st["next"][side] = (f["seq"] + len(f["payload"]) + (1 if fin else 0)) & 0xFFFFFFFF
        if f["payload"]:
            st["frames"][side].append((len(st["data"][side]) + len(f["payload"]), no))
            st["data"][side] += f["payload"]

    srk, _ = load_keys(os.path.join(sample, "capture.keys"))
    srk_by_user = dict(srk)
    seen = []
    for st in conns.values():
        try:
            reqs, resps = split_http(st["data"][0]), split_http(st["data"][1])
        except ValueError as e:
            errors.append("HTTP: %s" % e)
            continue
        if len(reqs) != 1 or len(resps) != 1:
            errors.append("HTTP: %d requests / %d responses on one connection"
                          % (len(reqs), len(resps)))
            continue
        rq, rs = reqs[0], resps[0]
        rq_frame = next(n for end, n in st["frames"][0] if end >= rq["end"])
        rs_frame = next(n for end, n in st["frames"][1] if end >= rs["end"])
        status = int(rs["start"].split()[1])
        digest, rspauth = "none", "none"
        authz = rq["headers"].get("authorization")
        if authz:
            p = auth_params(authz)
            key = srk_by_user.get(p.get("username"))
            if key is None:
                digest = "no_srk"
            else:
                pw = base64.b64encode(key).decode()
                digest = "verified" if digest_value(p, pw, "POST", rq["body"]) == p["response"] \
                    else "failed"
                info = rs["headers"].get("authentication-info")
                if info:
                    q = auth_params(info)
                    calc = digest_value(p, pw, "POST", rq["body"], rs["body"], rsp=True)
                    rspauth = "verified" if calc == q.get("rspauth") else "failed"
        seen.append({"request_frame": rq_frame, "response_frame": rs_frame, "status": status,
                     "uri": rq["start"].split()[1], "digest": digest, "rspauth": rspauth})
        EXCHANGES.append((rq_frame, rs_frame, rq["raw"], rs["raw"]))
    seen.sort(key=lambda x: x["request_frame"])
    want = [{k: h[k] for k in ("request_frame", "response_frame", "status", "uri", "digest",
                               "rspauth")} for h in exp["http"]]
    if seen != want:
        errors.append("HTTP exchanges differ from expected.json:\n  got  %s\n  want %s"
                      % (seen, want))


EXCHANGES = []


def check_http(args, sample, errors, exp):
    """The library's HTTP, Digest and XML findings equal expected.json's."""
    del EXCHANGES[:]
    check_pcapng(args, sample, [], exp)
    EXCHANGES.sort()
    if [(a, b) for a, b, _, _ in EXCHANGES] != \
            [(h["request_frame"], h["response_frame"]) for h in exp["http"]]:
        errors.append("HTTP exchanges do not match expected.json (see mode pcapng)")
        return
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [args.http_helper, os.path.join(sample, "capture.keys")]
        for i, (a, b, rq, rs) in enumerate(EXCHANGES):
            for name, data in (("%d.req" % i, rq), ("%d.resp" % i, rs)):
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
                cmd.append(os.path.join(tmp, name))
        if EXCHANGES:
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                errors.append("sample_http: exit %d: %s" % (p.returncode, p.stderr.strip()))
                return
            outs = [json.loads(ln) for ln in p.stdout.splitlines()]
            for (a, b, _, _), o, h in zip(EXCHANGES, outs, exp["http"]):
                for frame, key in ((a, "request"), (b, "response")):
                    got.setdefault(frame, []).extend(o.get(key, []))
                if h["digest"] != "none" and o.get("digest") != h["digest"]:
                    errors.append("frame %d: Digest %s, expected %s"
                                  % (a, o.get("digest"), h["digest"]))
                if h["rspauth"] != "none" and o.get("rspauth") != h["rspauth"]:
                    errors.append("frame %d: rspauth %s, expected %s"
                                  % (b, o.get("rspauth"), h["rspauth"]))
    want = {}
    notes = {}
    for f in exp["findings"] + exp["notes"]:
        if f["layer"] in ("http", "digest", "xml"):
            (want if f["severity"] != "note" else notes).setdefault(f["frame"], []).append(f["id"])
    frames = sorted(set(got) | set(want) | set(notes))
    for fr in frames:
        g = sorted(set(i for i in got.get(fr, []) if SEVERITY.get(i) != "note"))
        w = sorted(set(want.get(fr, [])))
        if g != w:
            errors.append("frame %d: HTTP-side findings %s, expected %s" % (fr, g, w))
        missing = sorted(set(notes.get(fr, [])) - set(got.get(fr, [])))
        if missing:
            errors.append("frame %d: expected notes not reported: %s" % (fr, missing))


def check_tshark(args, sample, errors, exp):
    if not args.tshark:
        return SKIP
    cap = os.path.join(sample, "capture.pcapng")
    # the project's plugin, if installed, stays out: this checks the framing
    p = subprocess.run([args.tshark, "-n", "-2", "--disable-protocol", "bcast", "-r", cap,
                        "-T", "fields", "-E", "separator=|", "-e", "frame.number",
                        "-e", "tcp.analysis.flags", "-e", "_ws.malformed",
                        "-e", "http.request", "-e", "http.response_in"],
                       capture_output=True, text=True)
    noise = [ln for ln in p.stderr.splitlines() if "Running as user" not in ln and ln.strip()]
    if p.returncode != 0 or noise:
        errors.append("tshark: exit %d: %s" % (p.returncode, "; ".join(noise)))
        return 0
    rows = [ln.split("|") for ln in p.stdout.splitlines()]
    if len(rows) != exp["frames"]:
        errors.append("tshark lists %d frames, expected %d" % (len(rows), exp["frames"]))
    requests = {h["request_frame"]: h["response_frame"] for h in exp["http"]}
    for r in rows:
        no = int(r[0])
        if r[1]:
            errors.append("tshark: frame %d: TCP analysis flags" % no)
        if r[2]:
            errors.append("tshark: frame %d: malformed" % no)
        if r[3]:
            if no not in requests:
                errors.append("tshark: frame %d: HTTP request not in expected.json" % no)
            elif r[4] != str(requests[no]):
                errors.append("tshark: frame %d: http.response_in %r, expected %d"
                              % (no, r[4], requests[no]))
    dissected = {int(r[0]) for r in rows if r[3]}
    for rq in requests:
        if rq not in dissected:
            errors.append("tshark: frame %d is not dissected as an HTTP request" % rq)
    return 0


# --------------------------------------------------------------------------
# MIKEY messages through the CLI
# --------------------------------------------------------------------------

LTKM_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?LTKM(?:\s[^>]*)?>([^<]*)"
                     rb"</(?:[A-Za-z_][\w.-]*:)?LTKM>")


def mikey_messages(sample, exp, errors):
    """(frame, bytes) of every MIKEY message, in capture order."""
    errs = []
    frames = read_pcapng(os.path.join(sample, "capture.pcapng"), errs)
    ports = {exp["ports"]["ltkm_udp"]} | set(exp["ports"]["stkm_udp"])
    out, streams = [], {}
    for no, ts, data, comment in frames:
        f = parse_frame(no, data, errs)
        if f is None:
            continue
        if f["proto"] == 17 and (f["dport"] in ports or f["sport"] in ports):
            out.append((no, f["payload"]))
        elif f["proto"] == 6 and f["payload"]:
            key = (f["src"], f["sport"], f["dst"], f["dport"])
            streams.setdefault(key, b"")
            streams[key] += f["payload"]
            try:
                msgs = split_http(streams[key])
            except ValueError:
                continue  # not complete yet
            for m in msgs:
                if m["start"].startswith("HTTP/"):
                    for b64 in LTKM_RE.findall(m["body"]):
                        out.append((no, base64.b64decode(b"".join(b64.split()))))
            streams[key] = streams[key][msgs[-1]["end"]:] if msgs else streams[key]
    return out


def check_mikey(args, sample, errors, exp):
    msgs = mikey_messages(sample, exp, errors)
    want = exp["mikey"]
    if [(no, len(b)) for no, b in msgs] != [(w["frame"], w["length"]) for w in want]:
        errors.append("MIKEY messages (frame, length) in the capture %s, expected.json %s"
                      % ([(no, len(b)) for no, b in msgs],
                         [(w["frame"], w["length"]) for w in want]))
        return
    # an <LTKM> element that holds no MIKEY message is the XML layer's business
    todo = [(w, b) for w, (no, b) in zip(want, msgs) if w.get("decode", True)]
    if not todo:
        return
    cmd = [args.cli, "mikey", "--json", "--keys", os.path.join(sample, "capture.keys")]
    for w, b in todo:
        cmd += ["--hex", b.hex()]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1, 2):
        errors.append("bcastdec mikey: exit %d: %s" % (p.returncode, p.stderr.strip()))
        return
    outs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    if len(outs) != len(todo):
        errors.append("bcastdec mikey printed %d results for %d messages" % (len(outs), len(todo)))
        return
    keys = exp["keys"]
    for (w, b), o in zip(todo, outs):
        where = "frame %d (%s)" % (w["frame"], w["kind"])
        if o.get("kind") != w["kind"]:
            errors.append("%s: kind %s" % (where, o.get("kind")))
        if o.get("outcome") != w["outcome"]:
            errors.append("%s: outcome %s, expected %s" % (where, o.get("outcome"), w["outcome"]))
        if bool(o.get("replay")) != w["replay"]:
            errors.append("%s: replay %s" % (where, o.get("replay")))
        if "counter" in w and o.get("counter") not in (None, w["counter"]):
            errors.append("%s: counter %s, expected %d" % (where, o.get("counter"), w["counter"]))
        got = {f["id"]: f["severity"] for f in o.get("findings", [])}
        got_ids = sorted(i for i, s in got.items() if s != "note")
        want_ids = sorted(set(i for i in w["findings"] if SEVERITY.get(i) != "note"))
        if got_ids != want_ids:
            errors.append("%s: findings %s, expected %s" % (where, got_ids, want_ids))
        missing_notes = [i for i in w["findings"] if SEVERITY.get(i) == "note" and i not in got]
        if missing_notes:
            errors.append("%s: expected notes not reported: %s" % (where, missing_notes))
        got_keys = []
        for k in o.get("keys", []):
            if k["role"] == "salt" and got_keys:
                got_keys[-1]["salt"] = k["key"]
                continue
            got_keys.append({kk: k[kk] for kk in ("role", "kdid", "sekpek_id", "tek_id", "key")
                             if kk in k})
        exp_keys = [{kk: keys[i][kk] for kk in ("role", "kdid", "sekpek_id", "tek_id", "key",
                                                 "salt") if kk in keys[i]} for i in w["keys"]]
        # SEK and PEK share one address space and an LTKM does not say which
        # of the two it carries: a decoder names both "SEK"
        for k in exp_keys:
            if k["role"] == "PEK":
                k["role"] = "SEK"
        if got_keys != exp_keys:
            errors.append("%s: keys %s, expected %s" % (where, got_keys, exp_keys))


# --------------------------------------------------------------------------
# MIKEY framing: Wireshark's built-in dissector against the CLI
# --------------------------------------------------------------------------

# RFC 3830 §6 payload type numbers of the built-in dissector's payload items
# (epan/dissectors/packet-mikey.c names them mikey.<abbrev>)
WS_MIKEY_PAYLOADS = {"mikey.hdr": "HDR", "mikey.kemac": 1, "mikey.pke": 2, "mikey.dh": 3,
                     "mikey.sign": 4, "mikey.t": 5, "mikey.id": 6, "mikey.cert": 7,
                     "mikey.chash": 8, "mikey.v": 9, "mikey.sp": 10, "mikey.rand": 11,
                     "mikey.err": 12, "mikey.idr": 14, "mikey.key": 20, "mikey.ext": 21,
                     "mikey.sakke": 26}


def udp_mikey_messages(sample, exp):
    """{frame: UDP payload} of the UDP MIKEY messages (LTKM and STKM ports)."""
    errs = []
    ports = {exp["ports"]["ltkm_udp"]} | set(exp["ports"]["stkm_udp"])
    out = {}
    for no, ts, data, comment in read_pcapng(os.path.join(sample, "capture.pcapng"), errs):
        f = parse_frame(no, data, errs)
        if f and f["proto"] == 17 and (f["dport"] in ports or f["sport"] in ports):
            out[no] = f["payload"]
    return out, sorted(ports)


def tshark_mikey_framing(tshark, cap, ports, frames, errors):
    """{frame: [(type, offset, length)]} as the built-in MIKEY dissector frames them."""
    import xml.etree.ElementTree as ET
    cmd = [tshark, "-n", "--disable-protocol", "bcast", "-r", cap]
    for p in ports:
        cmd += ["-d", "udp.port==%d,mikey" % p]
    cmd += ["-Y", "frame.number in {%s}" % ",".join(str(n) for n in frames), "-T", "pdml"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    noise = [ln for ln in p.stderr.splitlines() if "Running as user" not in ln and ln.strip()]
    if p.returncode != 0 or noise:
        errors.append("tshark: exit %d: %s" % (p.returncode, "; ".join(noise)))
        return None
    out = {}
    for pkt in ET.fromstring(p.stdout).iter("packet"):
        no = None
        for f in pkt.iter("field"):
            if f.get("name") == "frame.number":
                no = int(f.get("show"))
                break
        protos = [pr for pr in pkt.findall("proto") if pr.get("name") == "mikey"]
        if no is None:
            continue
        if len(protos) != 1:
            out[no] = "%d MIKEY protocol items" % len(protos)
            continue
        base = int(protos[0].get("pos"))
        items = []
        for f in protos[0].findall("field"):
            name = f.get("name")
            if name in WS_MIKEY_PAYLOADS:
                items.append((WS_MIKEY_PAYLOADS[name], int(f.get("pos")) - base,
                              int(f.get("size"))))
            else:  # anything else at the top is not framing (expert info, malformed...)
                items.append((name, int(f.get("pos") or -1) - base, int(f.get("size") or 0)))
        out[no] = items
    return out


def check_mikey_framing(args, sample, errors, exp):
    msgs, ports = udp_mikey_messages(sample, exp)
    if [w["frame"] for w in exp["mikey"] if w["frame"] in msgs] != sorted(msgs):
        errors.append("UDP MIKEY frames %s are not those of expected.json" % sorted(msgs))
    if not msgs:
        return
    ws = tshark_mikey_framing(args.tshark, os.path.join(sample, "capture.pcapng"), ports,
                              sorted(msgs), errors)
    if ws is None:
        return
    cmd = [args.cli, "mikey", "--json"]
    for no in sorted(msgs):
        cmd += ["--hex", msgs[no].hex()]
    p = subprocess.run(cmd, capture_output=True, text=True)
    outs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    if p.returncode not in (0, 1, 2) or len(outs) != len(msgs):
        errors.append("bcastdec mikey: exit %d, %d results for %d messages: %s"
                      % (p.returncode, len(outs), len(msgs), p.stderr.strip()))
        return
    for no, o in zip(sorted(msgs), outs):
        pl = o.get("payloads", [])
        rest = o.get("undecoded")
        ours = [("HDR", 0, pl[0]["offset"] if pl else rest["offset"] if rest else o["length"])]
        ours += [(x["type_num"], x["offset"], x["length"]) for x in pl]
        theirs = ws.get(no)
        if rest and o.get("status") == "unsupported" and isinstance(theirs, list):
            # bcastdec frames no further than RFC 3830 defines (e.g. HDR
            # version 2); what it did frame must agree
            NOTES.append("frame %d: bcastdec stops at offset %d (%s); the first %d payload(s) "
                         "compared" % (no, rest["offset"], o.get("error", {}).get("message"),
                                       len(ours)))
            theirs = theirs[:len(ours)]
        if theirs is None:
            errors.append("frame %d: tshark did not list the frame" % no)
        elif theirs != ours:
            errors.append("frame %d: framing (type, offset, length)\n"
                          "       built-in MIKEY dissector %s\n       bcastdec mikey --json    %s"
                          % (no, ws[no], ours))


# --------------------------------------------------------------------------
# Captures recorded outside the project (samples/outside/)
# --------------------------------------------------------------------------

def outside_samples(root):
    base = os.path.join(root, "outside")
    if not os.path.isdir(base):
        return []
    return sorted(os.path.join(base, d) for d in os.listdir(base)
                  if os.path.isfile(os.path.join(base, d, "expected.json")))


def tcp_streams(frames, port, errors):
    """{(client port, direction): bytes} of the TCP connections to port,
    reassembled by sequence number (0 = client to server, 1 = back)."""
    isn, data = {}, {}
    for no, ts, raw, comment in frames:
        f = parse_frame(no, raw, [])  # loopback: checksums left to the NIC
        if f is None or f["proto"] != 6 or port not in (f["sport"], f["dport"]):
            continue
        side = 0 if f["dport"] == port else 1
        key = (f["sport"] if side == 0 else f["dport"], side)
        if f["flags"] & 2:
            isn[key] = f["seq"]
            continue
        if key not in isn:
            errors.append("frame %d: TCP segment before its SYN" % no)
            continue
        if f["payload"]:
            off = (f["seq"] - isn[key] - 1) & 0xFFFFFFFF
            buf = data.setdefault(key, bytearray())
            if len(buf) < off + len(f["payload"]):
                buf.extend(b"\0" * (off + len(f["payload"]) - len(buf)))
            buf[off:off + len(f["payload"])] = f["payload"]
    return {k: bytes(v) for k, v in data.items()}


def split_http_chunked(stream):
    """split_http, also for bodies in chunked transfer coding (Apache uses it
    for CGI output now and then); "body" is the decoded body."""
    out, off = [], 0
    while off < len(stream):
        end = stream.find(b"\r\n\r\n", off)
        if end < 0:
            raise ValueError("HTTP header block without an end")
        lines = stream[off:end].decode("latin-1").split("\r\n")
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
        pos = end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                eol = stream.index(b"\r\n", pos)
                n = int(stream[pos:eol].split(b";")[0], 16)
                pos = eol + 2
                if n == 0:
                    pos = stream.index(b"\r\n\r\n", pos - 2) + 4  # no trailers expected
                    break
                body += stream[pos:pos + n]
                pos += n + 2
        else:
            n = int(headers.get("content-length", "0"))
            body = stream[pos:pos + n]
            if len(body) != n:
                raise ValueError("HTTP body shorter than Content-Length")
            pos += n
        out.append({"start": lines[0], "headers": headers, "body": body, "end": pos,
                    "raw": stream[off:pos]})
        off = pos
    return out


def bcastdec_http(cli, keys, exchanges, tmp, errors):
    """[(digest, rspauth, password_form, findings)] per exchange from `bcastdec http`."""
    cmd = [cli, "http", "--json", "--keys", keys]
    for i, (rq, rs) in enumerate(exchanges):
        for name, raw in (("%d.req" % i, rq["raw"]), ("%d.resp" % i, rs["raw"])):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(raw)
            cmd.append(os.path.join(tmp, name))
    p = subprocess.run(cmd, capture_output=True, text=True)
    outs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    if p.returncode not in (0, 1) or len(outs) != 2 * len(exchanges):
        errors.append("bcastdec http: exit %d, %d results for %d messages: %s"
                      % (p.returncode, len(outs), 2 * len(exchanges), p.stderr.strip()))
        return None
    res = []
    for rq, rs in zip(outs[0::2], outs[1::2]):
        v = (rq.get("authorization") or {}).get("verification") or {}
        w = (rs.get("authentication_info") or {}).get("verification") or {}
        ids = sorted(set(f["id"] for f in rq["findings"] + rs["findings"]
                         if f["severity"] != "note"))
        res.append((v.get("outcome", "none"), w.get("outcome", "none"),
                    v.get("password_form"), ids))
    return res


def check_outside_digest(args, sample, errors, exp):
    frames = read_pcapng(os.path.join(sample, "capture.pcapng"), errors)
    streams = tcp_streams(frames, exp["tcp_port"], errors)
    exchanges = []
    for cport in sorted({k[0] for k in streams}):
        reqs = split_http_chunked(streams.get((cport, 0), b""))
        resps = split_http_chunked(streams.get((cport, 1), b""))
        if len(reqs) != len(resps):
            errors.append("TCP port %d: %d requests, %d responses" % (cport, len(reqs), len(resps)))
        exchanges += list(zip(reqs, resps))
    want = exp["http"]
    if len(exchanges) != len(want):
        errors.append("%d HTTP exchanges, expected.json has %d" % (len(exchanges), len(want)))
        return
    srk, _ = load_keys(os.path.join(sample, "capture.keys"))
    key = srk.get(exp["digest_username"])
    if key is None:
        errors.append("capture.keys has no SRK for %s" % exp["digest_username"])
        return
    wrong = bytes(b ^ 0x5A for b in key)
    for i, ((rq, rs), w) in enumerate(zip(exchanges, want)):
        method, uri = rq["start"].split()[:2]
        got = {"method": method, "uri": uri, "status": int(rs["start"].split()[1]),
               "authorization": "authorization" in rq["headers"]}
        for k in got:
            if got[k] != w[k]:
                errors.append("exchange %d: %s %r, expected %r" % (i + 1, k, got[k], w[k]))
        # the Digest once more with hashlib: the oracle of the CLI's answer
        if got["authorization"]:
            p = auth_params(rq["headers"]["authorization"])
            if p.get("username") != exp["digest_username"]:
                errors.append("exchange %d: Digest username %r" % (i + 1, p.get("username")))
            for pw_key, want_d, want_r in ((key, w["digest"], w["rspauth"]),
                                           (wrong, exp["http_wrong_srk"][i]["digest"],
                                            exp["http_wrong_srk"][i]["rspauth"])):
                pw = base64.b64encode(pw_key).decode()
                d = "verified" if digest_value(p, pw, method, rq["body"]) == p["response"] \
                    else "failed"
                r = "none"
                if "authentication-info" in rs["headers"]:
                    q = auth_params(rs["headers"]["authentication-info"])
                    r = "verified" if digest_value(p, pw, method, rq["body"], rs["body"],
                                                   rsp=True) == q.get("rspauth") else "failed"
                if (d, r) != (want_d, want_r):
                    errors.append("exchange %d: hashlib gives Digest %s, rspauth %s; expected "
                                  "%s, %s" % (i + 1, d, r, want_d, want_r))
    with tempfile.TemporaryDirectory() as tmp:
        wrong_keys = os.path.join(tmp, "wrong.keys")
        with open(wrong_keys, "w") as f:
            f.write("SRK %s %s\n" % (exp["digest_username"], wrong.hex()))
        for keys, wants, label in ((os.path.join(sample, "capture.keys"), want, "capture.keys"),
                                   (wrong_keys, exp["http_wrong_srk"], "a wrong SRK")):
            res = bcastdec_http(args.cli, keys, exchanges, tmp, errors)
            if res is None:
                return
            for i, ((d, r, form, ids), w) in enumerate(zip(res, wants)):
                if (d, r, ids) != (w["digest"], w["rspauth"], sorted(w["findings"])):
                    errors.append("exchange %d with %s: bcastdec http gives Digest %s, rspauth "
                                  "%s, findings %s; expected %s, %s, %s"
                                  % (i + 1, label, d, r, ids, w["digest"], w["rspauth"],
                                     sorted(w["findings"])))
                if d == "verified" and form != exp["password_form"]:
                    errors.append("exchange %d: password form %s, expected %s"
                                  % (i + 1, form, exp["password_form"]))


def srtp_session_keys(key, salt):
    """RFC 3711 §4.3: session encryption key, auth key and salt (kdr 0)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    out = []
    for label, n in ((0, 16), (1, 20), (2, 14)):
        x = int.from_bytes(salt, "big") ^ (label << 48)
        iv = (x << 16).to_bytes(16, "big")
        enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
        out.append(enc.update(b"\0" * n) + enc.finalize())
    return out


def srtp_unprotect(pkt, key, salt, mki_len, tag_len, roc=0):
    """(MKI, RTP packet or None when the tag does not verify), RFC 3711 §3.3 / §4.1."""
    import hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    ke, ka, ks = srtp_session_keys(key, salt)
    body, mki, tag = pkt[:-(mki_len + tag_len)], pkt[-(mki_len + tag_len):-tag_len], \
        pkt[-tag_len:]
    calc = hmac.new(ka, body + struct.pack("!I", roc), hashlib.sha1).digest()[:tag_len]
    if not hmac.compare_digest(calc, tag):
        return mki, None
    hl = 12 + 4 * (body[0] & 15)
    if body[0] & 0x10:
        hl += 4 + 4 * struct.unpack_from("!H", body, hl + 2)[0]
    seq, ssrc = struct.unpack_from("!H", body, 2)[0], struct.unpack_from("!I", body, 8)[0]
    iv = (int.from_bytes(ks, "big") << 16) ^ (ssrc << 64) ^ (((roc << 16) | seq) << 16)
    dec = Cipher(algorithms.AES(ke), modes.CTR(iv.to_bytes(16, "big"))).decryptor()
    return mki, body[:hl] + dec.update(body[hl:]) + dec.finalize()


def check_outside_srtp(args, sample, errors, exp):
    frames = read_pcapng(os.path.join(sample, "capture.pcapng"), errors)
    if len(frames) != exp["frames"]:
        errors.append("%d frames, expected.json says %d" % (len(frames), exp["frames"]))
    stkms, srtp = [], []
    for no, ts, data, comment in frames:
        f = parse_frame(no, data, errors)
        if f is None or f["proto"] != 17:
            continue
        if f["dport"] == exp["stkm_udp"]:
            stkms.append((no, f["payload"]))
        elif f["dport"] == exp["rtp_udp"]:
            srtp.append((no, f["payload"], len(stkms) - 1))
    if [no for no, _ in stkms] != [s["frame"] for s in exp["stkms"]]:
        errors.append("STKM frames %s, expected.json %s"
                      % ([no for no, _ in stkms], [s["frame"] for s in exp["stkms"]]))
        return
    # the STKMs' TEK, salt and key ids as the CLI decrypts them
    cmd = [args.cli, "mikey", "--json", "--keys", os.path.join(sample, "capture.keys")]
    for no, b in stkms:
        cmd += ["--hex", b.hex()]
    p = subprocess.run(cmd, capture_output=True, text=True)
    outs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    if p.returncode != 0 or len(outs) != len(stkms):
        errors.append("bcastdec mikey: exit %d: %s" % (p.returncode, p.stderr.strip()))
        return
    teks = []
    for (no, _), o, w in zip(stkms, outs, exp["stkms"]):
        if o.get("kind") != "stkm" or o.get("outcome") != "decrypted":
            errors.append("frame %d: %s %s, expected a decrypted STKM"
                          % (no, o.get("kind"), o.get("outcome")))
        tek = next((k for k in o.get("keys", []) if k["role"] == "TEK"), {})
        salt = next((k["key"] for k in o.get("keys", []) if k["role"] == "salt"), None)
        got = {"kdid": tek.get("kdid"), "sekpek_id": tek.get("sekpek_id"),
               "tek_id": tek.get("tek_id"), "key": tek.get("key"), "salt": salt}
        want = {k: w[k] for k in got}
        if got != want:
            errors.append("frame %d: STKM keys %s, expected.json (recorded with) %s"
                          % (no, got, want))
        teks.append(want)
    if [(no, i) for no, _, i in srtp] != [(w["frame"], w["stkm"]) for w in exp["srtp"]]:
        errors.append("SRTP frames %s, expected.json %s"
                      % ([(no, i) for no, _, i in srtp],
                         [(w["frame"], w["stkm"]) for w in exp["srtp"]]))
        return
    try:
        import cryptography  # noqa: F401  (python3-cryptography, scripts/deps.sh)
    except ImportError:
        errors.append("python3-cryptography missing: SRTP packets not authenticated")
        cryptography = None
    for (no, pkt, i), w in zip(srtp, exp["srtp"]):
        t = teks[i]
        mki_want = t["sekpek_id"] + t["tek_id"]  # PROFILE.md §4: SEK/PEK ID || TEK ID
        mki = pkt[-(len(mki_want) // 2 + exp["auth_tag_length"]):-exp["auth_tag_length"]]
        if mki.hex() != mki_want or w["mki"] != mki_want:
            errors.append("frame %d: MKI %s, the STKM before it (frame %d) says %s"
                          % (no, mki.hex(), stkms[i][0], mki_want))
        if struct.unpack_from("!HI", pkt, 2)[0] != w["seq"] or \
                struct.unpack_from("!I", pkt, 8)[0] != w["ssrc"]:
            errors.append("frame %d: RTP sequence number / SSRC" % no)
        if cryptography is None:
            continue
        _, rtp = srtp_unprotect(pkt, bytes.fromhex(t["key"]), bytes.fromhex(t["salt"]),
                                len(mki_want) // 2, exp["auth_tag_length"])
        if rtp is None:
            errors.append("frame %d: the SRTP auth tag does not verify with the TEK/salt of "
                          "frame %d" % (no, stkms[i][0]))
        elif rtp.hex() != w["rtp"]:
            errors.append("frame %d: decrypted RTP differs from what was protected" % no)


def check_outside_tshark(args, sample, errors):
    """No TCP analysis flag, no malformed packet, every HTTP request paired."""
    if not args.tshark:
        NOTES.append("tshark not found: framing not checked with tshark")
        return
    p = subprocess.run([args.tshark, "-n", "-2", "--disable-protocol", "bcast", "-r",
                        os.path.join(sample, "capture.pcapng"), "-T", "fields",
                        "-E", "separator=|", "-e", "frame.number", "-e", "tcp.analysis.flags",
                        "-e", "_ws.malformed", "-e", "http.request", "-e", "http.response_in"],
                       capture_output=True, text=True)
    noise = [ln for ln in p.stderr.splitlines() if "Running as user" not in ln and ln.strip()]
    if p.returncode != 0 or noise:
        errors.append("tshark: exit %d: %s" % (p.returncode, "; ".join(noise)))
        return
    for r in (ln.split("|") for ln in p.stdout.splitlines()):
        if r[1] or r[2]:
            errors.append("tshark: frame %s: %s" % (r[0], "TCP analysis flags" if r[1]
                                                     else "malformed"))
        if r[3] and not r[4]:
            errors.append("tshark: frame %s: HTTP request without a response" % r[0])


def check_outside(args, sample, errors, exp):
    check_outside_tshark(args, sample, errors)
    kind = exp.get("kind")
    if kind == "http_digest":
        return check_outside_digest(args, sample, errors, exp)
    if kind == "srtp":
        return check_outside_srtp(args, sample, errors, exp)
    errors.append("expected.json: unknown kind %r" % kind)


SEVERITY = {}
NOTES = []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("uptodate", "determinism", "pcapng", "tshark", "mikey",
                                     "http", "mikey_framing", "outside"))
    ap.add_argument("--samples", required=True)
    ap.add_argument("--gen")
    ap.add_argument("--cli")
    ap.add_argument("--tshark", default=shutil.which("tshark"))
    ap.add_argument("--http-helper", help="the sample_http test program (mode http)")
    ap.add_argument("--mss-max", type=int, default=1460)
    ap.add_argument("--only", help="check only sample directories containing this text")
    args = ap.parse_args()
    if args.mode in ("uptodate", "determinism") and not args.gen:
        ap.error("--gen is needed")
    if args.mode in ("mikey", "http", "mikey_framing", "outside") and not args.cli:
        ap.error("--cli is needed")
    if args.mode == "http" and not args.http_helper:
        ap.error("--http-helper is needed")
    if args.mode in ("tshark", "mikey_framing") and not args.tshark:
        print("tshark not found: skipped")
        return SKIP
    if args.cli:
        p = subprocess.run([args.cli, "findings", "--json"], capture_output=True, text=True)
        for f in json.loads(p.stdout)["findings"]:
            SEVERITY[f["id"]] = f["severity"]
    failed = 0
    found = outside_samples(args.samples) if args.mode == "outside" else samples(args.samples)
    todo = [s for s in found if not args.only or args.only in s]
    if not todo:
        print("no samples under %s" % args.samples)
        return 1
    for s in todo:
        errors = []
        name = os.path.relpath(s, args.samples)
        try:
            exp = None
            if args.mode not in ("uptodate", "determinism"):
                exp = json.load(open(os.path.join(s, "expected.json")))
            {"uptodate": lambda: check_uptodate(args, s, errors),
             "determinism": lambda: check_determinism(args, s, errors),
             "pcapng": lambda: check_pcapng(args, s, errors, exp),
             "tshark": lambda: check_tshark(args, s, errors, exp),
             "mikey": lambda: check_mikey(args, s, errors, exp),
             "http": lambda: check_http(args, s, errors, exp),
             "mikey_framing": lambda: check_mikey_framing(args, s, errors, exp),
             "outside": lambda: check_outside(args, s, errors, exp)}[args.mode]()
        except Exception as e:  # report and go on with the next sample
            errors.append("%s: %s" % (type(e).__name__, e))
        if errors:
            failed += 1
            print("FAIL %s" % name)
            for e in errors:
                print("     %s" % e)
        else:
            print("ok   %s" % name)
        for n in NOTES:
            print("     note: %s" % n)
        del NOTES[:]
    print("%d of %d samples failed" % (failed, len(todo)) if failed else
          "all %d samples pass (%s)" % (len(todo), args.mode))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
