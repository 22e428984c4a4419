#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Minimal pcap writer for the bcast plugin tests.

Writes classic pcap files (link type Ethernet) whose frames are built byte by
byte here: Ethernet II, IPv4 (header checksum), and UDP or TCP (checksums
over the IPv4 pseudo-header).  Lengths and checksums are correct, so
Wireshark reports no framing problems and every warning in a test comes
from the payload under test.

As a module:
    w = PcapWriter("out.pcap")
    w.udp(payload, dport=4359)                     # one datagram per frame
    w.tcp(payload, dport=80, seq=1, ack=1)         # one segment, PSH|ACK
    w.tcp_session([(True, req), (False, resp)])    # a whole TCP connection
    w.close()

From the command line (payloads as hex; one frame each):
    mkpcap.py OUT.pcap --udp 4359 HEX [--udp 5000 HEX ...]
"""

import argparse
import struct
import sys

LINKTYPE_ETHERNET = 1
PCAP_MAGIC = 0xA1B2C3D4


def checksum16(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(addr):
    return bytes(int(x) for x in addr.split("."))


class PcapWriter:
    """Writes frames to a pcap file; timestamps advance 1 ms per frame."""

    def __init__(self, path, start=1700000000):
        self.f = open(path, "wb")
        self.t_us = start * 1000000
        self.ip_id = 1
        self.frames = 0
        self.f.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _frame(self, data):
        sec, usec = divmod(self.t_us, 1000000)
        self.f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
        self.f.write(data)
        self.t_us += 1000
        self.frames += 1
        return self.frames

    def _ipv4(self, proto, src, dst, l4):
        total = 20 + len(l4)
        if total > 65535:
            raise ValueError("IPv4 packet too long")
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, self.ip_id, 0x4000, 64, proto, 0,
                          ip4(src), ip4(dst))
        hdr = hdr[:10] + struct.pack("!H", checksum16(hdr)) + hdr[12:]
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        return hdr + l4

    def _ether(self, ip_packet):
        dst_mac = bytes.fromhex("020000000002")
        src_mac = bytes.fromhex("020000000001")
        return dst_mac + src_mac + struct.pack("!H", 0x0800) + ip_packet

    def _pseudo(self, src, dst, proto, length):
        return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)

    def udp(self, payload, dport, sport=40000, src="10.0.0.1", dst="10.0.0.2"):
        """One UDP datagram; returns the frame number (1-based)."""
        length = 8 + len(payload)
        hdr = struct.pack("!HHHH", sport, dport, length, 0)
        csum = checksum16(self._pseudo(src, dst, 17, length) + hdr + payload)
        if csum == 0:
            csum = 0xFFFF  # RFC 768: a computed zero is sent as all ones
        hdr = hdr[:6] + struct.pack("!H", csum)
        return self._frame(self._ether(self._ipv4(17, src, dst, hdr + payload)))

    def tcp(self, payload, dport, sport=40001, seq=1, ack=1, flags=0x18, src="10.0.0.1",
            dst="10.0.0.2"):
        """One TCP segment (default flags PSH|ACK); returns the frame number."""
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        csum = checksum16(self._pseudo(src, dst, 6, len(hdr) + len(payload)) + hdr + payload)
        hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
        return self._frame(self._ether(self._ipv4(6, src, dst, hdr + payload)))

    def tcp_session(self, messages, client="10.0.0.1", server="10.0.0.2", cport=40001,
                    sport=80, mss=1460, isn=(1000, 50000)):
        """A whole TCP connection: SYN, SYN-ACK, ACK; then every message of
        |messages| ((from_client, payload) pairs, in order) in segments of at
        most |mss| bytes (PSH|ACK on the last one), each message acknowledged
        by a pure ACK of the peer; then FIN/ACK from the client, FIN/ACK from
        the server, and the client's last ACK.  Sequence and acknowledgement
        numbers are exact, so Wireshark reassembles without analysis flags.
        Returns, per message, the frame number of its last segment (where
        the reassembled PDU is dissected)."""
        SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08
        nxt = {True: isn[0], False: isn[1]}   # next sequence number, per side

        def seg(from_client, payload, flags):
            a = nxt[not from_client] if flags & ACK else 0
            if from_client:
                n = self.tcp(payload, sport, cport, nxt[True], a, flags, client, server)
            else:
                n = self.tcp(payload, cport, sport, nxt[False], a, flags, server, client)
            nxt[from_client] += len(payload) + (1 if flags & (SYN | FIN) else 0)
            return n

        seg(True, b"", SYN)
        seg(False, b"", SYN | ACK)
        seg(True, b"", ACK)
        last = []
        for from_client, payload in messages:
            if not payload:
                raise ValueError("empty message")
            for i in range(0, len(payload), mss):
                part = payload[i:i + mss]
                n = seg(from_client, part, ACK | (PSH if i + mss >= len(payload) else 0))
            last.append(n)
            seg(not from_client, b"", ACK)
        seg(True, b"", FIN | ACK)
        seg(False, b"", FIN | ACK)
        seg(True, b"", ACK)
        return last


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a pcap of UDP datagrams (Ethernet/IPv4).")
    ap.add_argument("out")
    ap.add_argument("--udp", nargs=2, action="append", metavar=("DPORT", "HEX"), default=[],
                    help="one datagram to DPORT with the payload HEX")
    args = ap.parse_args(argv)
    with PcapWriter(args.out) as w:
        for dport, hx in args.udp:
            w.udp(bytes.fromhex(hx), int(dport, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
