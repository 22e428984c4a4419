#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Speed of tshark with the bcast plugin against Wireshark's built-in MIKEY
dissector on the same LTKMs (not a ctest: a measurement, run by hand).

    bench_plugin.py --plugin-dir build/plugins [--ltkms 100000] [--runs 3]

Writes a pcap of N LTKM pushes (UDP 4359; built by tests/e2e/mikeygen.py,
independently of the library; 1000 subscribers, rising counters) and a key
file with every SMK, then times, alternately and best of --runs:
  builtin  tshark -r F -d udp.port==4359,mikey --disable-protocol bcast
  bcast    tshark -r F -o bcast.keys_file:K      (decode + verify + decrypt)
both printing the packet summary to /dev/null.  As root both run as an
unprivileged user (Wireshark ignores WIRESHARK_PLUGIN_DIR for root).
"""

import argparse
import os
import pwd
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)

import mikeygen as g  # noqa: E402
from mkpcap import PcapWriter  # noqa: E402


def build(path_pcap, path_keys, n, seed):
    rng = random.Random(seed)
    subs = []
    for _ in range(1000):
        subs.append([g.make_btid(rng), rng.randbytes(16), rng.randrange(1, 1 << 20)])
    kdid = bytes.fromhex("b8709d")
    with open(path_keys, "w") as f:
        for ident, smk, _ in subs:
            f.write("SMK %s %s\n" % (ident, smk.hex()))
    with PcapWriter(path_pcap) as w:
        for i in range(n):
            s = subs[i % len(subs)]
            s[2] += 1
            b = g.build_ltkm(s[1], s[0], rng.randbytes(16), kdid, rng.randbytes(4),
                             rng.randrange(1 << 32), s[2], rng.randbytes(16))
            w.udp(b.msg, dport=4359)


def runner():
    if os.geteuid() != 0:
        return []
    try:
        pw = pwd.getpwnam("nobody")
        uid, gid = pw.pw_uid, pw.pw_gid
    except KeyError:
        uid = gid = 65534
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--ltkms", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bcast-bench-")
    os.chmod(work, 0o755)
    plugins = os.path.join(work, "plugins")
    shutil.copytree(os.path.abspath(a.plugin_dir), plugins)
    pcap, keys = os.path.join(work, "ltkms.pcap"), os.path.join(work, "ltkms.keys")
    t0 = time.time()
    build(pcap, keys, a.ltkms, a.seed)
    print("built %d LTKMs in %.1f s: %s" % (a.ltkms, time.time() - t0, pcap))
    for p in (pcap, keys):
        os.chmod(p, 0o644)
    home = os.path.join(work, "home")
    os.makedirs(home)
    os.chmod(home, 0o777)
    env = dict(os.environ, HOME=home, WIRESHARK_CONFIG_DIR=home,
               WIRESHARK_PLUGIN_DIR=plugins, TZ="UTC")
    cmds = {
        "builtin": ["tshark", "-n", "-r", pcap, "-d", "udp.port==4359,mikey",
                    "--disable-protocol", "bcast"],
        "bcast": ["tshark", "-n", "-r", pcap, "-o", "bcast.keys_file:" + keys],
    }
    # the plugin must really be loaded and decrypting
    chk = subprocess.run(runner() + ["tshark", "-n", "-r", pcap, "-c", "5", "-o",
                                     "bcast.keys_file:" + keys, "-T", "fields", "-e",
                                     "bcast.outcome"],
                         env=env, capture_output=True, text=True)
    print("check (first 5 outcomes):", chk.stdout.split())
    best = {k: None for k in cmds}
    for r in range(a.runs):
        for k, c in cmds.items():
            t = time.time()
            subprocess.run(runner() + c, env=env, stdout=subprocess.DEVNULL, check=True)
            dt = time.time() - t
            best[k] = dt if best[k] is None else min(best[k], dt)
            print("run %d %-8s %.2f s" % (r + 1, k, dt))
    ratio = best["bcast"] / best["builtin"]
    print("best: builtin %.2f s, bcast %.2f s, ratio %.2f" % (best["builtin"], best["bcast"], ratio))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
