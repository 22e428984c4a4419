#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Prints the expected Digest values that tests/unit/test_digest.c holds as
constants, computed here with Python's hashlib only (RFC 2617 3.2.2.1-3.2.3,
RFC 7616 3.4.1-3.4.4, RFC 2069), independently of libbcastdec.

  /usr/bin/python3 tests/data/digest/vectors.py

The RFC examples (RFC 2617 3.5, RFC 7616 3.9.1) are printed too, so that
the published values can be compared with this computation.
"""
import base64
import hashlib

H = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def response(alg, user, realm, pw, nonce, cnonce, nc, qop, method, uri, body=b""):
    base = alg[:-5] if alg.endswith("-sess") else alg
    h = lambda b: H[base](b).hexdigest()
    enc = lambda s: s if isinstance(s, bytes) else s.encode("utf-8")
    ha1 = h(enc(user) + b":" + enc(realm) + b":" + enc(pw))
    if alg.endswith("-sess"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}".encode())
    a2 = f"{method}:{uri}".encode()
    if qop == "auth-int":
        a2 += b":" + h(body).encode()
    if qop:
        return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{h(a2)}".encode())
    return h(f"{ha1}:{nonce}:{h(a2)}".encode())


def show(name, value):
    print(f"{name:28s} {value}")


# RFC 2617 3.5
R2617 = dict(user="Mufasa", realm="testrealm@host.com", pw="Circle Of Life",
             nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", cnonce="0a4f113b", nc="00000001")
show("rfc2617_response", response("MD5", qop="auth", method="GET", uri="/dir/index.html", **R2617))
# rspauth: A2 = ":" uri (RFC 2617 3.2.3)
show("rfc2617_rspauth", response("MD5", qop="auth", method="", uri="/dir/index.html", **R2617))
# RFC 2069 (no qop) with the same credentials
show("rfc2069_md5", response("MD5", qop=None, method="GET", uri="/dir/index.html", **R2617))

# RFC 7616 3.9.1
R7616 = dict(user="Mufasa", realm="http-auth@example.org", pw="Circle of Life",
             nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
             cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc="00000001")
for alg in ("MD5", "SHA-256", "MD5-sess", "SHA-256-sess"):
    show(f"rfc7616_{alg}", response(alg, qop="auth", method="GET", uri="/dir/index.html", **R7616))

# auth-int, POST with a body
BODY = b"<?xml version=\"1.0\"?>\n<register/>\n"
for alg in ("MD5", "SHA-256", "MD5-sess", "SHA-256-sess"):
    show(f"authint_{alg}", response(alg, qop="auth-int", method="POST", uri="/bsm/register",
                                    body=BODY, **R7616))
# rspauth for auth-int: A2 = ":" uri ":" H(response body)
RBODY = b"<registerResponse/>\n"
show("authint_rspauth_SHA-256", response("SHA-256", qop="auth-int", method="", uri="/bsm/register",
                                          body=RBODY, **R7616))

# SRK password forms: SRK = 10 11 .. 2f (32 bytes), NAI username
SRK = bytes(range(0x10, 0x30))
S = dict(user="subscriber@operator.example", realm="bsm.example", nonce="bm9uY2U=",
         cnonce="Y25vbmNl", nc="0000002a")
for form, pw in (("base64", base64.b64encode(SRK)), ("hex", SRK.hex().encode()), ("raw", SRK)):
    show(f"srk_{form}", response("SHA-256", pw=pw, qop="auth", method="POST", uri="/bsm/ltkm",
                                 **S))

# userhash (RFC 7616 3.4.4) with a B-TID and the SRK above, SHA-256
BTID = "ESIzRFVmd4iZqrvM3e7/AA==@bsf.mnc001.mcc001.pub.3gppnetwork.org"
show("userhash_username", hashlib.sha256(f"{BTID}:bsm.example".encode()).hexdigest())
show("userhash_response", response("SHA-256", user=BTID, realm="bsm.example",
                                   pw=base64.b64encode(SRK), nonce="bm9uY2U=", cnonce="Y25vbmNl",
                                   nc="00000001", qop="auth", method="POST", uri="/bsm/ltkm"))

# username* (RFC 7616 3.4.4 example name), UTF-8, with the SRK as base64
show("username_ext_response", response("MD5", user="J\u00e4s\u00f8n Doe", realm="api@example.org",
                                       pw=base64.b64encode(SRK), nonce="5TsQWLVdgBdmrQ0XsxbDODV",
                                       cnonce="NTg6RKcb9boFIAS3KrFK9BGeh", nc="00000001",
                                       qop="auth", method="GET", uri="/doe.json"))
