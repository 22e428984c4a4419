#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent MIKEY message generator for bcastdec tests.

This module builds OMA BCAST Smartcard Profile LTKMs, STKMs and MIKEY
verification messages byte by byte, following only the project's wire
contract (PROFILE.md, sections 1-6) and the MIKEY digest (mbms-mikey.md,
sections 2, 3 and 11).  It deliberately shares no code with libbcastdec: it is
the oracle the end-to-end tests compare the CLI against.

Usage:
    mikeygen.py --selftest                 check against the section 11 values
    mikeygen.py example --out-dir DIR      regenerate the bundled example files
    mikeygen.py ltkm --smk HEX --idr ID --sek HEX ...   print one LTKM (hex)
    mikeygen.py stkm --sek HEX --tek HEX --salt HEX ... print one STKM (hex)

Runs with Debian's /usr/bin/python3 and python3-cryptography.
"""

import argparse
import base64
import hashlib
import hmac
import os
import random
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# --------------------------------------------------------------------------
# Numbers from the contract
# --------------------------------------------------------------------------

# HDR data types
DT_PSK = 0
DT_PSK_VERIFY = 1
DT_ERROR = 6

# Payload ("next payload") numbers
PT_LAST = 0
PT_KEMAC = 1
PT_T = 5
PT_ID = 6
PT_V = 9
PT_SP = 10
PT_RAND = 11
PT_ERR = 12
PT_IDR = 14
PT_KEYDATA = 20
PT_EXT = 21

# Names the CLI's JSON is expected to use for payload types
PAYLOAD_NAMES = {PT_KEMAC: "KEMAC", PT_T: "T", PT_ID: "ID", PT_V: "V",
                 PT_SP: "SP", PT_RAND: "RAND", PT_ERR: "ERR", PT_IDR: "IDR",
                 PT_EXT: "EXT"}

# PRF functions
PRF_MIKEY1 = 0          # HMAC-SHA-1 P-function
PRF_HMAC_SHA256 = 1     # same construction with HMAC-SHA-256

# T payload TS types
TS_NTP_UTC = 0
TS_NTP = 1
TS_COUNTER = 2

# ID types
ID_NAI = 0
ID_URI = 1

# KEMAC algorithms
ENCR_NULL = 0
ENCR_AES_CM_128 = 1
ENCR_AES_KW_128 = 2
MAC_NULL = 0
MAC_HMAC_SHA1_160 = 1

# Key data types and key-validity kinds
KD_TGK = 0
KD_TGK_SALT = 1
KD_TEK = 2
KD_TEK_SALT = 3
KV_NULL = 0
KV_SPI = 1
KV_INTERVAL = 2

# PSK transport-key derivation constants (label = const || 0xFF || CSB || RAND)
CONST_ENCR = 0x150533E1
CONST_AUTH = 0x2D22AC75
CONST_SALT = 0x29B88916
# TGK-derived key constants (only used by the self-test)
CONST_TGK_TEK = 0x2AD01C64
CONST_TGK_AUTH = 0x1B5C7973
CONST_TGK_ENCR = 0x15798CEF
CONST_TGK_SALT = 0x39A2C14B

# General Extension types (assumed defaults, overridable in the CLI)
EXT_KEYID_DEFAULT = 3
EXT_BCAST_DEFAULT = 5
# Key ID entry types
KEYID_KDID = 0
KEYID_SEKPEK = 1
KEYID_TEK = 2
KEYID_MUK = 3
# OMA BCAST extension subtypes
BCAST_LTKM = 1
BCAST_STKM = 2

BSF_DOMAIN = "bsf.mnc001.mcc001.pub.3gppnetwork.org"


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return (v & 0xFFFF).to_bytes(2, "big")


def u32(v):
    return (v & 0xFFFFFFFF).to_bytes(4, "big")


def xor(a, b):
    assert len(a) == len(b)
    return bytes(x ^ y for x, y in zip(a, b))


def unhex(s):
    return bytes.fromhex(s.replace(" ", "").replace("\n", ""))


# --------------------------------------------------------------------------
# MIKEY crypto (mbms-mikey.md section 3)
# --------------------------------------------------------------------------

def _p_function(hashname, s, label, outlen):
    """P(s, label, m): HMAC(s, A_1||label) || ... with A_i = HMAC(s, A_{i-1})."""
    hlen = hashlib.new(hashname).digest_size
    m = -(-outlen // hlen)
    a = label
    out = b""
    for _ in range(m):
        a = hmac.new(s, a, hashname).digest()
        out += hmac.new(s, a + label, hashname).digest()
    return out[:outlen]


def prf(inkey, label, outlen, prf_func=PRF_MIKEY1):
    """MIKEY PRF: inkey cut into 32-byte pieces (a 32-byte key is one piece),
    the pieces' P outputs XORed."""
    hashname = {PRF_MIKEY1: "sha1", PRF_HMAC_SHA256: "sha256"}[prf_func]
    pieces = [inkey[i:i + 32] for i in range(0, len(inkey), 32)] or [b""]
    out = bytes(outlen)
    for piece in pieces:
        out = xor(out, _p_function(hashname, piece, label, outlen))
    return out


def label(const, cs_id, csb_id, rand=b""):
    return u32(const) + u8(cs_id) + u32(csb_id) + rand


def transport_keys(psk, csb_id, rand=b"", prf_func=PRF_MIKEY1):
    """Encryption (16), authentication (20) and salt (14) keys from a PSK."""
    return {
        "encr": prf(psk, label(CONST_ENCR, 0xFF, csb_id, rand), 16, prf_func),
        "auth": prf(psk, label(CONST_AUTH, 0xFF, csb_id, rand), 20, prf_func),
        "salt": prf(psk, label(CONST_SALT, 0xFF, csb_id, rand), 14, prf_func),
    }


def kemac_iv(salt, csb_id, t_value):
    """(salt XOR (0x0000 || CSB ID || T64)) || 0x0000."""
    return xor(salt, b"\x00\x00" + u32(csb_id) + t_value.to_bytes(8, "big")) + b"\x00\x00"


def aes_cm(key, iv, data):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def hmac_sha1(key, data):
    return hmac.new(key, data, "sha1").digest()


# --------------------------------------------------------------------------
# Payload bodies (everything after the payload's own next-payload byte)
# --------------------------------------------------------------------------

def body_t_counter(counter):
    return u8(TS_COUNTER) + u32(counter)


def body_rand(rand):
    return u8(len(rand)) + rand


def body_id(id_type, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return u8(id_type) + u16(len(data)) + data


def body_ext(ext_type, data):
    return u8(ext_type) + u16(len(data)) + data


def keyid_entries(kdid=None, sekpek_id=None, tek_id=None, extra=()):
    """Key ID extension data: entries type(1) len(2) value."""
    out = b""
    for etype, value in ((KEYID_KDID, kdid), (KEYID_SEKPEK, sekpek_id), (KEYID_TEK, tek_id)):
        if value is not None:
            out += u8(etype) + u16(len(value)) + value
    for etype, value in extra:
        out += u8(etype) + u16(len(value)) + value
    return out


def tlvs(items):
    """OMA BCAST extension TLVs: tag(1) len(1) value."""
    return b"".join(u8(tag) + u8(len(val)) + val for tag, val in items)


def bcast_ltkm_data(spe=0, tlv_items=()):
    return u8(BCAST_LTKM) + u8(spe) + tlvs(tlv_items)


def stkm_flags(protection_after_reception=0, access_criteria=0, tpp=1,
               traffic_auth=0, next_tek=0):
    return ((protection_after_reception & 3) << 6 | (access_criteria & 1) << 5 |
            (tpp & 7) << 2 | (traffic_auth & 1) << 1 | (next_tek & 1))


def bcast_stkm_data(flags=0, tlv_items=()):
    return u8(BCAST_STKM) + u8(flags) + tlvs(tlv_items)


def key_data(kd_type, key, kv=KV_NULL, salt=None, spi=None, vf=None, vt=None, next_payload=0):
    """One Key data sub-payload (with its next-payload byte)."""
    out = u8(next_payload) + u8((kd_type << 4) | kv) + u16(len(key)) + key
    if kd_type in (KD_TGK_SALT, KD_TEK_SALT):
        out += u16(len(salt)) + salt
    if kv == KV_SPI:
        out += u8(len(spi)) + spi
    elif kv == KV_INTERVAL:
        out += u8(len(vf)) + vf + u8(len(vt)) + vt
    return out


# --------------------------------------------------------------------------
# Message assembly
# --------------------------------------------------------------------------

def header(data_type, next_payload, v, prf_func, csb_id, cs_count=0, map_type=1, map_info=b""):
    return (u8(1) + u8(data_type) + u8(next_payload) + u8((0x80 if v else 0) | (prf_func & 0x7F)) +
            u32(csb_id) + u8(cs_count) + u8(map_type) + map_info)


class Built:
    """A generated message and everything a test needs to know about it."""

    def __init__(self):
        self.msg = b""
        self.payloads = []      # [{"type": name, "offset": n, "length": n}]
        self.info = {}

    def hex(self):
        return self.msg.hex()


def assemble(data_type, v, prf_func, csb_id, payloads, kemac=None, v_payload=None):
    """Build a MIKEY message.

    payloads: list of (payload number, body) in wire order; each gets its
    next-payload byte prepended.  kemac: dict with psk, rand_kdf, t_value,
    plaintext, encr_alg (default AES-CM-128); it becomes the last payload.
    v_payload: dict with auth_key, t_append (bytes appended to the MAC input);
    a V payload becomes the last payload (verification message).
    Returns a Built.
    """
    order = [p[0] for p in payloads]
    if kemac is not None:
        order.append(PT_KEMAC)
    if v_payload is not None:
        order.append(PT_V)
    first = order[0] if order else PT_LAST
    b = Built()
    msg = header(data_type, first, v, prf_func, csb_id)
    for i, (ptype, body) in enumerate(payloads):
        nxt = order[i + 1] if i + 1 < len(order) else PT_LAST
        b.payloads.append({"type": PAYLOAD_NAMES.get(ptype, str(ptype)),
                           "offset": len(msg), "length": 1 + len(body)})
        msg += u8(nxt) + body
    if kemac is not None:
        keys = transport_keys(kemac["psk"], csb_id, kemac.get("rand_kdf", b""), prf_func)
        encr_alg = kemac.get("encr_alg", ENCR_AES_CM_128)
        iv = kemac_iv(keys["salt"], csb_id, kemac["t_value"])
        pt = kemac["plaintext"]
        if encr_alg == ENCR_AES_CM_128:
            ct = aes_cm(keys["encr"], iv, pt)
        elif encr_alg == ENCR_NULL:
            ct = pt
        else:
            raise ValueError("generator supports only NULL and AES-CM-128")
        start = len(msg)
        msg += u8(PT_LAST) + u8(encr_alg) + u16(len(ct)) + ct + u8(MAC_HMAC_SHA1_160)
        mac = hmac_sha1(keys["auth"], msg)
        msg += mac
        b.payloads.append({"type": "KEMAC", "offset": start, "length": len(msg) - start})
        b.info.update(transport=keys, iv=iv, plaintext=pt, ciphertext=ct, mac=mac)
    if v_payload is not None:
        start = len(msg)
        msg += u8(PT_LAST) + u8(MAC_HMAC_SHA1_160)
        mac = hmac_sha1(v_payload["auth_key"], msg + v_payload["t_append"])
        msg += mac
        b.payloads.append({"type": "V", "offset": start, "length": len(msg) - start})
        b.info.update(mac=mac)
    b.msg = msg
    return b


def _order_payloads(named, order):
    """named: dict name -> (ptype, body); order: list of names (None = as given)."""
    return [named[n] for n in order if n in named]


LTKM_ORDER = ["keyid", "t", "rand", "idi", "idr", "bcast"]
STKM_ORDER = ["keyid", "t", "bcast"]


def build_ltkm(smk, idr, sek, kdid, sekpek_id, csb_id, counter, rand,
               idi="bsm.operator.example", v=False, prf_func=PRF_MIKEY1,
               kv=KV_NULL, vf=None, vt=None, encr_alg=ENCR_AES_CM_128,
               spe=0, tlv_items=(), keyid_ext_type=EXT_KEYID_DEFAULT,
               bcast_ext_type=EXT_BCAST_DEFAULT, order=None, key_type=KD_TGK):
    """LTKM: HDR, EXT(Key ID), T, RAND, IDi, IDr, EXT(BCAST LTKM), KEMAC(SEK/PEK)."""
    named = {
        "keyid": (PT_EXT, body_ext(keyid_ext_type, keyid_entries(kdid, sekpek_id))),
        "t": (PT_T, body_t_counter(counter)),
        "rand": (PT_RAND, body_rand(rand)),
        "idi": (PT_ID, body_id(ID_URI, idi)),
        "idr": (PT_ID, body_id(ID_NAI, idr)),
        "bcast": (PT_EXT, body_ext(bcast_ext_type, bcast_ltkm_data(spe, tlv_items))),
    }
    plaintext = key_data(key_type, sek, kv=kv, spi=sekpek_id if kv == KV_SPI else None,
                         vf=vf, vt=vt)
    b = assemble(DT_PSK, v, prf_func, csb_id, _order_payloads(named, order or LTKM_ORDER),
                 kemac={"psk": smk, "rand_kdf": rand, "t_value": counter,
                        "plaintext": plaintext, "encr_alg": encr_alg})
    b.info.update(kind="ltkm", smk=smk, idr=idr, idi=idi, sek=sek, kdid=kdid,
                  sekpek_id=sekpek_id, csb_id=csb_id, counter=counter, rand=rand,
                  v=v, prf=prf_func, encr_alg=encr_alg, kv=kv)
    return b


def build_stkm(sek, tek, salt, kdid, sekpek_id, tek_id, csb_id, counter,
               prf_func=PRF_MIKEY1, encr_alg=ENCR_AES_CM_128, flags=None, tlv_items=(),
               rand_kdf=b"", keyid_ext_type=EXT_KEYID_DEFAULT,
               bcast_ext_type=EXT_BCAST_DEFAULT, order=None, v=False):
    """STKM: HDR, EXT(Key ID), T, EXT(BCAST STKM), KEMAC(TEK+SALT, KV SPI).

    rand_kdf: RAND used for the transport keys (empty as the profile says; the
    RAND of the delivering LTKM for the fallback variant)."""
    if flags is None:
        flags = stkm_flags()
    named = {
        "keyid": (PT_EXT, body_ext(keyid_ext_type, keyid_entries(kdid, sekpek_id, tek_id))),
        "t": (PT_T, body_t_counter(counter)),
        "bcast": (PT_EXT, body_ext(bcast_ext_type, bcast_stkm_data(flags, tlv_items))),
    }
    plaintext = key_data(KD_TEK_SALT, tek, kv=KV_SPI, salt=salt, spi=sekpek_id + tek_id)
    b = assemble(DT_PSK, v, prf_func, csb_id, _order_payloads(named, order or STKM_ORDER),
                 kemac={"psk": sek, "rand_kdf": rand_kdf, "t_value": counter,
                        "plaintext": plaintext, "encr_alg": encr_alg})
    b.info.update(kind="stkm", sek=sek, tek=tek, salt=salt, kdid=kdid, sekpek_id=sekpek_id,
                  tek_id=tek_id, csb_id=csb_id, counter=counter, prf=prf_func,
                  encr_alg=encr_alg, rand_kdf=rand_kdf)
    return b


def build_verification(ltkm, smk=None, t_value=None):
    """Verification message answering an LTKM: HDR(data type 1), T, V.
    MAC = HMAC-SHA1(auth key of the LTKM, message-without-MAC || T of the LTKM as 8 bytes)."""
    li = ltkm.info
    smk = li["smk"] if smk is None else smk
    t_value = li["counter"] if t_value is None else t_value
    auth = transport_keys(smk, li["csb_id"], li["rand"], li["prf"])["auth"]
    b = assemble(DT_PSK_VERIFY, False, li["prf"], li["csb_id"],
                 [(PT_T, body_t_counter(t_value))],
                 v_payload={"auth_key": auth, "t_append": li["counter"].to_bytes(8, "big")})
    b.info.update(kind="verification", csb_id=li["csb_id"], counter=t_value, auth=auth,
                  prf=li["prf"])
    return b


# --------------------------------------------------------------------------
# Identities and key files
# --------------------------------------------------------------------------

def make_btid(rng, bsf=BSF_DOMAIN):
    return base64.b64encode(rng.randbytes(16)).decode("ascii") + "@" + bsf


def make_nai(rng):
    user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(3, 12)))
    realm = rng.choice(["operator.example", "csim.example.net", "ruim.carrier.example"])
    return user + "@" + realm


def keyfile_line(kind, *fields):
    return " ".join([kind] + [f.hex() if isinstance(f, (bytes, bytearray)) else str(f) for f in fields])


# --------------------------------------------------------------------------
# Bundled example (keys/example.keys, samples/example/*)
# --------------------------------------------------------------------------

EXAMPLE_SEED = 0xBCA57001
EXAMPLE_KDID = unhex("b8709d")         # <keyDomainID>uHCd</keyDomainID> in seed 003
EXAMPLE_SEKPEK = unhex("68c90000")     # <MSKID>aMkAAA==</MSKID> in seed 003
EXAMPLE_SEKPEK_2 = unhex("24cb4400")   # <MSKID>JMtEAA==</MSKID> in seed 003
EXAMPLE_TEK_ID = unhex("0001")
EXAMPLE_BSM = "bsm.operator.example"


def example_values():
    rng = random.Random(EXAMPLE_SEED)
    v = {}
    v["smk"] = rng.randbytes(32)
    v["btid"] = make_btid(rng)
    v["ltkm_csb"] = rng.getrandbits(32)
    v["ltkm_counter"] = rng.randint(1, 1000)
    v["rand"] = rng.randbytes(16)
    v["sek"] = rng.randbytes(16)
    v["stkm_csb"] = rng.getrandbits(32)
    v["stkm_counter"] = rng.randint(1, 1000)
    v["tek"] = rng.randbytes(16)
    v["salt"] = rng.randbytes(14)
    v["sek2"] = rng.randbytes(16)
    return v


def example_files():
    """Return {relative path: bytes} for the bundled example."""
    v = example_values()
    ltkm = build_ltkm(v["smk"], v["btid"], v["sek"], EXAMPLE_KDID, EXAMPLE_SEKPEK,
                      v["ltkm_csb"], v["ltkm_counter"], v["rand"], idi=EXAMPLE_BSM,
                      kv=KV_SPI)
    stkm = build_stkm(v["sek"], v["tek"], v["salt"], EXAMPLE_KDID, EXAMPLE_SEKPEK,
                      EXAMPLE_TEK_ID, v["stkm_csb"], v["stkm_counter"],
                      flags=stkm_flags(tpp=1))
    keys = "\n".join([
        "# bcastdec example key file -- EXAMPLE DATA ONLY.",
        "# These keys were generated from a fixed seed by",
        "#   tests/e2e/mikeygen.py example --out-dir .",
        "# They protect nothing real; they only make samples/example/*.bin decryptable.",
        "#",
        "# SMK <subscriber identity (B-TID or NAI, or * for any)> <key hex>",
        "# The LTKM in samples/example/ltkm.bin delivers the SEK for key domain",
        "# b8709d, SEK/PEK ID 68c90000; bcastdec learns it from there.",
        keyfile_line("SMK", v["btid"], v["smk"]),
        "#",
        "# SEK <key domain id> <SEK/PEK id> <key hex> gives a SEK directly.",
        "# (A second service; no sample message uses it.)",
        keyfile_line("SEK", EXAMPLE_KDID, EXAMPLE_SEKPEK_2, v["sek2"]),
        "",
    ])
    readme = EXAMPLE_README.format(
        btid=v["btid"], smk=v["smk"].hex(), ltkm_len=len(ltkm.msg), stkm_len=len(stkm.msg),
        ltkm_csb=v["ltkm_csb"], ltkm_counter=v["ltkm_counter"], rand=v["rand"].hex(),
        sek=v["sek"].hex(), stkm_csb=v["stkm_csb"], stkm_counter=v["stkm_counter"],
        tek=v["tek"].hex(), salt=v["salt"].hex(), sek2=v["sek2"].hex(), bsm=EXAMPLE_BSM,
        ltkm_hex=_wrap(ltkm.hex()), stkm_hex=_wrap(stkm.hex()))
    return {
        "keys/example.keys": keys.encode("utf-8"),
        "samples/example/ltkm.bin": ltkm.msg,
        "samples/example/stkm.bin": stkm.msg,
        "samples/example/README.md": readme.encode("utf-8"),
    }


def _wrap(h, width=64):
    return "\n".join(h[i:i + width] for i in range(0, len(h), width))


EXAMPLE_README = """# Example LTKM and STKM

Example data only: every key below was generated from a fixed seed by
`tests/e2e/mikeygen.py example --out-dir .` (an implementation of the wire
profile that is independent of libbcastdec). Running that command again
rewrites `keys/example.keys` and the files in this directory byte for byte.

| file | what it is |
|---|---|
| `ltkm.bin` | LTKM ({ltkm_len} bytes, raw MIKEY) for the subscriber below, V = 0, delivering the SEK of key domain `b8709d`, SEK/PEK ID `68c90000` |
| `stkm.bin` | STKM ({stkm_len} bytes, raw MIKEY) under that SEK, TEK ID `0001`, carrying a TEK and a salt |
| `../../keys/example.keys` | key file with the subscriber's SMK (and an unrelated SEK line for a second service, to show the syntax) |

Decode and decrypt both in one session; the SEK learned from the LTKM opens the STKM:

```
build/bin/bcastdec mikey --keys keys/example.keys samples/example/ltkm.bin samples/example/stkm.bin
```

## Fixed values

Subscriber ((U)SIM, B-TID): `{btid}`

SMK (32 bytes): `{smk}`

LTKM: HDR V = 0, PRF 0 (MIKEY-1), CSB ID {ltkm_csb}, #CS 0, map type 1; Key ID extension
(type 3) with Key Domain ID `b8709d` and SEK/PEK ID `68c90000`; T COUNTER {ltkm_counter};
RAND `{rand}`; IDi (URI) `{bsm}`; IDr (NAI) = the B-TID; OMA BCAST extension (type 5)
subtype 1 (LTKM), security_policy_extension 0; KEMAC AES-CM-128 + HMAC-SHA-1-160 with one
Key data (type TGK, KV SPI = `68c90000`).

STKM: HDR V = 0, PRF 0, CSB ID {stkm_csb}, #CS 0, map type 1; Key ID extension with Key
Domain ID `b8709d`, SEK/PEK ID `68c90000`, TEK ID `0001`; T COUNTER {stkm_counter};
OMA BCAST extension subtype 2 (STKM), flags 0x04 (traffic_protection_protocol 1 = SRTP);
no RAND; KEMAC AES-CM-128 + HMAC-SHA-1-160 with one Key data (type TEK+SALT,
KV SPI = `68c90000` `0001`).

Expected decrypted values:

| key | value |
|---|---|
| SEK (b8709d / 68c90000), from the LTKM | `{sek}` |
| TEK (b8709d / 68c90000 / 0001), from the STKM | `{tek}` |
| salt (same ids), from the STKM | `{salt}` |

The second service's SEK in the key file (b8709d / 24cb4400) is `{sek2}`.

## Message bytes

ltkm.bin:
```
{ltkm_hex}
```

stkm.bin:
```
{stkm_hex}
```
"""


def write_example(out_dir):
    written = []
    for rel, data in example_files().items():
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written.append(path)
    return written


# --------------------------------------------------------------------------
# Self-test against mbms-mikey.md section 9 and 11 values
# --------------------------------------------------------------------------

def selftest(verbose=True):
    failures = []

    def check(name, got, want):
        if isinstance(got, (bytes, bytearray)):
            got = got.hex()
        ok = got == want
        if verbose:
            print(("ok   " if ok else "FAIL ") + name)
        if not ok:
            failures.append(name)
            if verbose:
                print("     got  " + str(got))
                print("     want " + str(want))

    # Primitive known-answer tests (section 9)
    check("RFC 2202 HMAC-SHA-1 #1", hmac_sha1(b"\x0b" * 20, b"Hi There"),
          "b617318655057264e28bc0b6fb378c8ef146be00")
    check("RFC 4231 HMAC-SHA-256 #2",
          hmac.new(b"Jefe", b"what do ya want for nothing?", "sha256").digest(),
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    k = unhex("2b7e151628aed2a6abf7158809cf4f3c")
    check("SP 800-38A F.5.1 block 1",
          aes_cm(k, unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), unhex("6bc1bee22e409f96e93d7e117393172a")),
          "874d6191b620e3261bef6864990db6ce")
    check("RFC 3711 B.2 keystream", aes_cm(k, unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000"), bytes(48)),
          "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab"
          "41e95b3bb0a2e8dd477901e4fca894c0")

    # Transport keys (section 11 first table)
    psk = bytes(range(16))
    csb = 0x01020304
    rand = bytes(range(0xA0, 0xB0))
    check("label encr", label(CONST_ENCR, 0xFF, csb, rand),
          "150533e1ff01020304a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
    tk = transport_keys(psk, csb, rand)
    check("PSK encr", tk["encr"], "c7d5ea38a8bb7fcc0ce4bde369385e6e")
    check("PSK auth", tk["auth"], "e9aafa56336576d4ad0344de632877bcbc241789")
    check("PSK salt", tk["salt"], "8592a87f26e9f20a6a2602a2c80f")
    tk0 = transport_keys(psk, csb, b"")
    check("PSK encr, no RAND", tk0["encr"], "2f17c76552f3c2dd7fc2820f662a469d")
    check("PSK auth, no RAND", tk0["auth"], "8830a41b1ff31678f3fbba4fb6abdfb7d4670ad0")
    check("PSK salt, no RAND", tk0["salt"], "7ddab10015de8bcfed13691340f6")

    # TGK-derived keys, cs_id 0
    tgk = bytes(range(0x10, 0x20))
    check("TGK TEK", prf(tgk, label(CONST_TGK_TEK, 0, csb, rand), 16),
          "b3c5763fd328909ad0ee626dcf36bf71")
    check("TGK salt", prf(tgk, label(CONST_TGK_SALT, 0, csb, rand), 14),
          "16d282c5440268b17c3f35e1e9e1")
    check("TGK encr", prf(tgk, label(CONST_TGK_ENCR, 0, csb, rand), 16),
          "604fb811613193d689d4a56feddadac9")
    check("TGK auth", prf(tgk, label(CONST_TGK_AUTH, 0, csb, rand), 20),
          "1f553a574fb596858a4af2ee9943736a8a962df1")
    check("40-byte inkey (two pieces)", prf(bytes(range(40)), label(CONST_ENCR, 0xFF, csb, rand), 16),
          "0030cfb41b3ec1f1f547e2e84e386166")
    check("PRF-HMAC-SHA-256", prf(psk, label(CONST_ENCR, 0xFF, csb, rand), 16, PRF_HMAC_SHA256),
          "c4e9dc3d83a034289341330210c642d0")

    # Complete 79-byte PSK message
    pt = key_data(KD_TEK, unhex("00112233445566778899aabbccddeeff"))
    m = assemble(DT_PSK, False, PRF_MIKEY1, csb,
                 [(PT_T, body_t_counter(5)), (PT_RAND, body_rand(rand))],
                 kemac={"psk": psk, "rand_kdf": rand, "t_value": 5, "plaintext": pt})
    check("message IV", m.info["iv"], "8592a97d25edf20a6a2602a2c80a0000")
    check("message plaintext", m.info["plaintext"], "0020001000112233445566778899aabbccddeeff")
    check("message ciphertext", m.info["ciphertext"], "240c32e1ca05a659bb56c939386a8cad60952910")
    check("message MAC", m.info["mac"], "1a3026d9b9b59216a4bd66d3bf30058f87ace944")
    check("message (79 bytes)", m.msg,
          "010005000102030400010b02000000050110a0a1a2a3a4a5a6a7a8a9aaabacad"
          "aeaf00010014240c32e1ca05a659bb56c939386a8cad60952910011a3026d9b9"
          "b59216a4bd66d3bf30058f87ace944")
    check("message length", len(m.msg), 79)
    check("message payload layout", m.payloads,
          [{"type": "T", "offset": 10, "length": 6},
           {"type": "RAND", "offset": 16, "length": 18},
           {"type": "KEMAC", "offset": 34, "length": 45}])

    # Verification message answering it
    m.info.update(smk=psk, csb_id=csb, rand=rand, prf=PRF_MIKEY1, counter=5)
    vm = build_verification(m)
    check("verification message", vm.msg[:-20], "010105000102030400010902000000050001")
    check("verification MAC (T as 8 bytes)", vm.info["mac"], "d58e0a7518d430a526f3e937c54f2703aeecd4b3")
    check("verification MAC, 4-byte T variant (reference only)",
          hmac_sha1(tk["auth"], vm.msg[:-20] + u32(5)), "f876ae20ab896cfaa03902ad3ead2e42e6b42dd4")

    # Generator-level consistency
    ex1, ex2 = example_files(), example_files()
    check("example files deterministic", ex1 == ex2, True)
    lt = ex1["samples/example/ltkm.bin"]
    check("example LTKM carries the seed's Key ID entries",
          (b"\x00\x00\x03" + EXAMPLE_KDID in lt) and (b"\x01\x00\x04" + EXAMPLE_SEKPEK in lt), True)

    if verbose:
        print("%d checks failed" % len(failures) if failures else "all self-test checks passed")
    return not failures


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _emit(b, fmt, out):
    if fmt == "raw":
        data = b.msg
    elif fmt == "base64":
        data = base64.b64encode(b.msg) + b"\n"
    else:
        data = b.hex().encode() + b"\n"
    if out:
        with open(out, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--selftest", action="store_true", help="check against the reference values")
    sub = ap.add_subparsers(dest="cmd")

    ex = sub.add_parser("example", help="write keys/example.keys and samples/example/*")
    ex.add_argument("--out-dir", required=True, help="repository root to write into")

    def common(p):
        p.add_argument("--csb", type=lambda s: int(s, 0), default=0x01020304)
        p.add_argument("--counter", type=lambda s: int(s, 0), default=1)
        p.add_argument("--prf", type=int, choices=[0, 1], default=0)
        p.add_argument("--kdid", default="b8709d")
        p.add_argument("--sekpek-id", default="68c90000")
        p.add_argument("--null-encryption", action="store_true")
        p.add_argument("--format", choices=["hex", "base64", "raw"], default="hex")
        p.add_argument("--out", help="write here instead of stdout")

    lp = sub.add_parser("ltkm", help="build one LTKM")
    common(lp)
    lp.add_argument("--smk", required=True)
    lp.add_argument("--idr", required=True, help="subscriber identity (B-TID or NAI)")
    lp.add_argument("--idi", default="bsm.operator.example")
    lp.add_argument("--sek", required=True)
    lp.add_argument("--rand", default="a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
    lp.add_argument("--kv", choices=["null", "spi", "interval"], default="null")
    lp.add_argument("--vf", default="0001")
    lp.add_argument("--vt", default="ffff")
    lp.add_argument("--v", action="store_true", help="set the V flag")
    lp.add_argument("--spe", type=int, default=0)

    sp = sub.add_parser("stkm", help="build one STKM")
    common(sp)
    sp.add_argument("--sek", required=True, help="SEK or PEK (the PSK)")
    sp.add_argument("--tek", required=True)
    sp.add_argument("--salt", required=True)
    sp.add_argument("--tek-id", default="0001")
    sp.add_argument("--rand-kdf", default="", help="RAND for the key derivation (default empty)")

    args = ap.parse_args(argv)
    if args.selftest:
        return 0 if selftest() else 1
    if args.cmd == "example":
        for p in write_example(args.out_dir):
            print(p)
        return 0
    encr = ENCR_NULL if getattr(args, "null_encryption", False) else ENCR_AES_CM_128
    if args.cmd == "ltkm":
        kv = {"null": KV_NULL, "spi": KV_SPI, "interval": KV_INTERVAL}[args.kv]
        b = build_ltkm(unhex(args.smk), args.idr, unhex(args.sek), unhex(args.kdid),
                       unhex(args.sekpek_id), args.csb, args.counter, unhex(args.rand),
                       idi=args.idi, v=args.v, prf_func=args.prf, kv=kv,
                       vf=unhex(args.vf), vt=unhex(args.vt), encr_alg=encr, spe=args.spe)
        _emit(b, args.format, args.out)
        return 0
    if args.cmd == "stkm":
        b = build_stkm(unhex(args.sek), unhex(args.tek), unhex(args.salt), unhex(args.kdid),
                       unhex(args.sekpek_id), unhex(args.tek_id), args.csb, args.counter,
                       prf_func=args.prf, encr_alg=encr, rand_kdf=unhex(args.rand_kdf))
        _emit(b, args.format, args.out)
        return 0
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
