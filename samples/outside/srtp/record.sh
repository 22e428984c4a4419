#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# samples/outside/srtp/record.sh - an SRTP stream protected outside the
# project, by libsrtp2 (Debian libsrtp2-dev), with the traffic keys of two
# STKMs of the generated sample samples/long_broadcast_key_change: for each
# STKM, key = its TEK, salt = its 14-byte salt, MKI = SEK/PEK ID || TEK ID
# (PROFILE.md section 4), AES-CM-128 + HMAC-SHA1-80.
#
# Writes, next to this script: capture.pcapng (each STKM frame copied from the
# generated sample, followed by 3 SRTP packets under its TEK, UDP to the same
# multicast group, port 5004), capture.keys (the SEK, so the STKMs decode
# without their LTKM), expected.json (the STKMs' keys and, per SRTP packet,
# its MKI and the RTP packet before protection).  libsrtp2 is deterministic
# here, so a re-run writes the same files.
#
# Needs gcc, pkg-config, libsrtp2-dev, python3 (no root):
#   apt-get install -y libsrtp2-dev
# The tests (tests/samples, mode outside) need only python3 and
# python3-cryptography.  srtp_record.c is not part of the CMake build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -std=c11 -Wall -Wextra -O2 -o "$work/srtp_record" "$here/srtp_record.c" \
  $(pkg-config --cflags --libs libsrtp2)
python3 - "$root" "$here" "$work/srtp_record" "$(pkg-config --modversion libsrtp2)" <<'PY'
import json, os, struct, subprocess, sys
root, here, recorder, libsrtp_version = sys.argv[1:]
sys.path.insert(0, os.path.join(root, "tests", "samples"))
import check_samples as cs  # the independent pcapng/IPv4/UDP reader

SOURCE = "samples/long_broadcast_key_change"
STKMS = 2           # the first two STKMs of the source
PER_TEK = 3         # SRTP packets after each STKM
RTP_PORT = 5004
SSRC = 0x0BCA57EC

src = os.path.join(root, SOURCE)
exp_src = json.load(open(os.path.join(src, "expected.json")))
frames = {no: (ts, data) for no, ts, data, c in
          cs.read_pcapng(os.path.join(src, "capture.pcapng"), [])}
stkm_msgs = [m for m in exp_src["mikey"] if m["kind"] == "stkm"][:STKMS]
keys = exp_src["keys"]
teks = [keys[m["keys"][0]] for m in stkm_msgs]
sek = next(k for k in keys if k["role"] in ("SEK", "PEK") and k["kdid"] == teks[0]["kdid"]
           and k["sekpek_id"] == teks[0]["sekpek_id"])

args = [recorder, str(SSRC)]
for t in teks:
    args.append("%s:%s:%s%s:%d" % (t["key"], t["salt"], t["sekpek_id"], t["tek_id"], PER_TEK))
out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split("\n")
packets = [ln.split() for ln in out if ln.strip()]


def csum(b):
    s = cs.csum(b)
    return (~s) & 0xFFFF


def udp_frame(template, payload, sport, dport):
    """An Ethernet/IPv4/UDP frame with the template frame's MACs and addresses."""
    eth, ip = template[:14], template[14:]
    src_ip, dst_ip = ip[12:16], ip[16:20]
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(src_ip + dst_ip + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = bytearray(ip[:20])
    struct.pack_into("!H", hdr, 2, 20 + len(udp))
    struct.pack_into("!H", hdr, 4, 0)
    struct.pack_into("!H", hdr, 10, 0)
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return eth + bytes(hdr) + udp


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def option(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


out_frames, exp_stkms, exp_srtp = [], [], []
for i, (m, t) in enumerate(zip(stkm_msgs, teks)):
    ts, data = frames[m["frame"]]
    out_frames.append((ts, data, "STKM %d of %s (frame %d), TEK ID %s"
                       % (i + 1, SOURCE, m["frame"], t["tek_id"])))
    exp_stkms.append({"frame": len(out_frames), "source_frame": m["frame"],
                      "kdid": t["kdid"], "sekpek_id": t["sekpek_id"], "tek_id": t["tek_id"],
                      "key": t["key"], "salt": t["salt"]})
    sport = cs.parse_frame(m["frame"], data, [])["sport"]
    for n, (k, rtp, srtp) in enumerate(p for p in packets if int(p[0]) == i):
        out_frames.append((ts + 20000 * (n + 1), udp_frame(data, bytes.fromhex(srtp), sport,
                                                           RTP_PORT),
                           "SRTP (libsrtp2), MKI %s%s" % (t["sekpek_id"], t["tek_id"])))
        exp_srtp.append({"frame": len(out_frames), "stkm": i, "ssrc": SSRC,
                         "seq": int(rtp[4:8], 16), "mki": t["sekpek_id"] + t["tek_id"],
                         "rtp": rtp})

shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) +
            option(4, b"samples/outside/srtp/record.sh, libsrtp2 " + libsrtp_version.encode()) +
            option(0, b""))
idb = block(1, struct.pack("<HHI", 1, 0, 0))
epbs = b""
for ts, data, comment in out_frames:
    body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data
    body += b"\0" * (-len(body) % 4) + option(1, comment.encode()) + option(0, b"")
    epbs += block(6, body)
with open(os.path.join(here, "capture.pcapng"), "wb") as f:
    f.write(shb + idb + epbs)
with open(os.path.join(here, "capture.keys"), "w") as f:
    f.write("bcastdec-keys 1\n# samples/outside/srtp: written by record.sh from %s;\n"
            "# example data, protects nothing.\n%s %s %s %s\n"
            % (SOURCE, sek["role"], sek["kdid"], sek["sekpek_id"], sek["key"]))
exp = {"kind": "srtp", "recorded_by": "record.sh",
       "protected_by": "libsrtp2 %s srtp_protect_mki, AES_CM_128_HMAC_SHA1_80" % libsrtp_version,
       "source": SOURCE, "stkm_udp": exp_src["ports"]["stkm_udp"][0], "rtp_udp": RTP_PORT,
       "auth_tag_length": 10, "frames": len(out_frames), "stkms": exp_stkms, "srtp": exp_srtp}
with open(os.path.join(here, "expected.json"), "w") as f:
    json.dump(exp, f, indent=2)
    f.write("\n")
print("record.sh: wrote capture.pcapng (%d frames) capture.keys expected.json" % len(out_frames))
PY
