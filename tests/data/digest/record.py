#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Records HTTP Digest exchanges made by curl, for tests/unit/test_digest.c.

A throwaway HTTP server on 127.0.0.1 (a random free port) answers a POST
without Authorization with 401 + a WWW-Authenticate Digest challenge and
the retry with 200 + Authentication-Info.  curl (/usr/bin/curl, --digest)
is the client, with username = a B-TID and password = base64(SRK): the
Smartcard Profile's digest (PROFILE.md section 7; the base64 text form is
the project's assumption "digest_password_form").

The server checks every Authorization with Python's hashlib (RFC 2617 /
RFC 7616 computation written out below, independent of libbcastdec) and
computes rspauth the same way, so the recorded data is known good before
the library ever reads it.  Per case it writes:

  <case>.txt    key: value lines the unit test reads (method, uri, the three
                header values, the bodies' file names)
  <case>.http   the raw transcript: curl's first request, the 401, the
                authenticated request, the 200 (heads as parsed, bodies raw)

plus srk.keys (the SRK as a key-file line) and body files.  Usage:

  /usr/bin/python3 tests/data/digest/record.py [--out-dir DIR]

Re-running records new cnonces (curl picks them at random) and rewrites
the files; the unit test works with any recording.
"""
import argparse
import base64
import hashlib
import http.server
import os
import subprocess
import sys
import threading

CURL = "/usr/bin/curl"

# Fixed test identity.  EXAMPLE DATA ONLY: this SRK protects nothing.
SRK = bytes.fromhex("a689576a18530f4ceda9ba35ee213c37b31b50cf8121047336ba127de949561f")
RAND = bytes.fromhex("112233445566778899aabbccddeeff00")
BTID = base64.b64encode(RAND).decode() + "@bsf.mnc001.mcc001.pub.3gppnetwork.org"
PASSWORD = base64.b64encode(SRK).decode()
REALM = "bsm.bcast.example.org"
URI = "/bsm/ltkm-request"
REQUEST_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<requestMSK xmlns="urn:3GPP:metadata:2005:MBMS:mskRequest">'
                b'<keyDomainID>b8709d</keyDomainID><MSKID>68c90000</MSKID>'
                b'</requestMSK>\n')
RESPONSE_BODY = b"ok\n"

# case name -> (algorithm, qop offered, nonce, opaque)
CASES = {
    "curl_md5_auth": ("MD5", "auth", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "5ccc069c403ebaf9f0171e9517f40e41"),
    "curl_sha256_auth": ("SHA-256", "auth", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"),
    "curl_md5sess_auth": ("MD5-sess", "auth", "b2ZmZXJlZCBieSB0aGUgdGVzdCBzZXJ2ZXI=", "0123456789abcdef"),
}

HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def parse_params(value):
    """auth-params of a Digest value, enough for what curl sends."""
    assert value.startswith("Digest ")
    out, s, i = {}, value[len("Digest "):], 0
    while i < len(s):
        while i < len(s) and s[i] in " ,":
            i += 1
        j = s.index("=", i)
        name = s[i:j].strip().lower()
        i = j + 1
        if s[i] == '"':
            j, v = i + 1, ""
            while s[j] != '"':
                if s[j] == "\\":
                    j += 1
                v += s[j]
                j += 1
            i = j + 1
        else:
            j = i
            while j < len(s) and s[j] != ",":
                j += 1
            v = s[i:j].strip()
            i = j
        out[name] = v
    return out


def digest(alg, user, realm, password, nonce, cnonce, nc, qop, method, uri, body):
    """RFC 7616 3.4.1-3.4.3 (RFC 2617 3.2.2.1-3.2.2.3), hex strings."""
    base = alg[:-5] if alg.endswith("-sess") else alg
    H = lambda s: HASHES[base](s.encode("latin-1")).hexdigest()
    ha1 = H(f"{user}:{realm}:{password}")
    if alg.endswith("-sess"):
        ha1 = H(f"{ha1}:{nonce}:{cnonce}")
    if qop == "auth-int":
        a2 = f"{method}:{uri}:" + HASHES[base](body).hexdigest()
    else:
        a2 = f"{method}:{uri}"
    if qop:
        return H(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{H(a2)}")
    return H(f"{ha1}:{nonce}:{H(a2)}")


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    case = None       # (algorithm, qop, nonce, opaque)
    log = None        # list of (kind, bytes)
    result = None     # dict filled for the authenticated request

    def log_message(self, fmt, *args):  # quiet
        pass

    def head_bytes(self):
        lines = [self.requestline] + [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, code, headers, body):
        head = [f"HTTP/1.1 {code} {self.responses[code][0]}"]
        head += [f"{k}: {v}" for k, v in headers] + [f"Content-Length: {len(body)}"]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        self.wfile.write(raw)
        self.wfile.flush()
        return raw

    def do_POST(self):
        alg, qop, nonce, opaque = self.case
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        authz = self.headers.get("Authorization")
        self.log.append(("request" if authz is None else "authenticated request",
                         self.head_bytes() + body))
        if authz is None:
            challenge = (f'Digest realm="{REALM}", qop="{qop}", nonce="{nonce}", '
                         f'opaque="{opaque}", algorithm={alg}')
            raw = self.send(401, [("WWW-Authenticate", challenge)], b"")
            self.log.append(("401 response", raw))
            Recorder.result["www-authenticate"] = challenge
            return
        p = parse_params(authz)
        want = digest(alg, p["username"], p["realm"], PASSWORD, p["nonce"], p.get("cnonce"),
                      p.get("nc"), p.get("qop"), self.command, p["uri"], body)
        if want != p["response"]:
            raw = self.send(403, [], b"")
            Recorder.result["error"] = "curl's response does not verify with hashlib"
            return
        rspauth = digest(alg, p["username"], p["realm"], PASSWORD, p["nonce"], p.get("cnonce"),
                         p.get("nc"), p.get("qop"), "", p["uri"], RESPONSE_BODY)
        info = f'qop={p["qop"]}, rspauth="{rspauth}", cnonce="{p["cnonce"]}", nc={p["nc"]}'
        raw = self.send(200, [("Authentication-Info", info),
                              ("Content-Type", "text/plain")], RESPONSE_BODY)
        self.log.append(("200 response", raw))
        Recorder.result.update({"method": self.command, "uri": self.path,
                                "authorization": authz, "authentication-info": info,
                                "body": body})


def record(name, case, out_dir):
    Recorder.case = case
    Recorder.log = []
    Recorder.result = {}
    srv = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}{URI}"
        cp = subprocess.run([CURL, "-sS", "--digest", "-u", f"{BTID}:{PASSWORD}",
                             "-H", "Content-Type: application/mbms-msk+xml",
                             "--data-binary", "@-", "-o", "/dev/null",
                             "-w", "%{http_code}", url],
                            input=REQUEST_BODY, capture_output=True, timeout=30)
    finally:
        srv.shutdown()
        srv.server_close()
    res = Recorder.result
    if cp.returncode != 0 or cp.stdout != b"200" or "error" in res:
        print(f"{name}: not recorded (curl exit {cp.returncode}, status {cp.stdout!r}, "
              f"{res.get('error', cp.stderr.decode(errors='replace').strip())})", file=sys.stderr)
        return False
    if res["body"] != REQUEST_BODY:
        print(f"{name}: request body changed in transit", file=sys.stderr)
        return False
    with open(os.path.join(out_dir, name + ".http"), "wb") as f:
        for kind, raw in Recorder.log:
            f.write(f"### {kind}\r\n".encode() + raw + b"\r\n")
    with open(os.path.join(out_dir, name + ".txt"), "w", encoding="latin-1", newline="\n") as f:
        version = subprocess.run([CURL, "--version"], capture_output=True).stdout.decode()
        f.write(f"# recorded by tests/data/digest/record.py with curl {version.split()[1]};"
                f" response and rspauth verified with Python hashlib\n")
        f.write(f"method: {res['method']}\n")
        f.write(f"uri: {res['uri']}\n")
        f.write(f"www-authenticate: {res['www-authenticate']}\n")
        f.write(f"authorization: {res['authorization']}\n")
        f.write(f"authentication-info: {res['authentication-info']}\n")
        f.write("request-body: request_body.xml\n")
        f.write("response-body: response_body.txt\n")
    print(f"{name}: recorded")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "request_body.xml"), "wb") as f:
        f.write(REQUEST_BODY)
    with open(os.path.join(args.out_dir, "response_body.txt"), "wb") as f:
        f.write(RESPONSE_BODY)
    with open(os.path.join(args.out_dir, "srk.keys"), "w", newline="\n") as f:
        f.write("# SRK of the recorded Digest exchanges -- EXAMPLE DATA ONLY.\n"
                "# Written by tests/data/digest/record.py; curl's password was base64(SRK).\n"
                f"SRK {BTID} {SRK.hex()}\n")
    ok = all([record(name, case, args.out_dir) for name, case in CASES.items()])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
