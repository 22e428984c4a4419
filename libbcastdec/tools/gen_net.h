/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-gen: capture side.  A pcapng writer (one section, one Ethernet
 * interface, Enhanced Packet Blocks with a comment each) and the framing the
 * generated traffic needs: Ethernet II, IPv4, UDP and TCP with correct
 * lengths and checksums, and TCP connections with a three-way handshake,
 * MSS-sized segments, delayed ACKs and an orderly close.
 *
 * References: draft-ietf-opsawg-pcapng (SHB, IDB, EPB, options), RFC 791
 * (IPv4), RFC 768 (UDP), RFC 9293 (TCP), RFC 1071 (Internet checksum),
 * RFC 1112 section 6.4 (IPv4 multicast to Ethernet address mapping).
 *
 * Everything is deterministic: time only advances through gn_* calls, and
 * the only randomness (initial sequence numbers, jitter) comes from the
 * caller's generator.
 */
#ifndef BCASTDEC_GEN_NET_H
#define BCASTDEC_GEN_NET_H

#include <stddef.h>
#include <stdint.h>

/* Deterministic random numbers (xoshiro256** seeded by splitmix64). */
typedef struct gn_rng {
  uint64_t s[4];
} gn_rng;

void gn_rng_seed(gn_rng *r, uint64_t seed);
uint64_t gn_rng_next(gn_rng *r);
void gn_rng_bytes(gn_rng *r, uint8_t *out, size_t n);
/* Uniform in [0, n) (n > 0). */
uint32_t gn_rng_below(gn_rng *r, uint32_t n);

/* A growable byte buffer. */
typedef struct gn_buf {
  uint8_t *p;
  size_t len, cap;
  int oom; /* sticky: an allocation failed */
} gn_buf;

void gn_buf_put(gn_buf *b, const void *p, size_t n);
void gn_buf_puts(gn_buf *b, const char *s);
void gn_buf_printf(gn_buf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
void gn_buf_free(gn_buf *b);

/* A host on the capture's one Ethernet segment. */
typedef struct gn_host {
  uint8_t mac[6];
  uint8_t ip[4];
  uint16_t ip_id; /* next IPv4 identification */
  uint8_t far;    /* 1: behind the radio/NAT path (terminals), 0: next to the
                     capture point (BSM, portal, broadcast source) */
} gn_host;

/* The capture being written. */
typedef struct gn_net {
  gn_buf out;        /* the pcapng file */
  uint64_t now_us;   /* time of the next packet */
  uint32_t frames;   /* packets written so far (frame numbers start at 1) */
  uint16_t mss;      /* TCP maximum segment size of both ends */
  uint32_t rtt_us;   /* capture point -> far host -> capture point */
  uint32_t think_us; /* processing time of a near host before it answers */
  gn_rng *rng;
  const gn_host *last_src; /* sender of the previous packet */
} gn_net;

/* Starts the file: SHB (with |comment| and the writer's name) and one IDB
 * (LINKTYPE_ETHERNET, microsecond timestamps). */
void gn_init(gn_net *n, gn_rng *rng, uint64_t start_us, const char *comment);
void gn_free(gn_net *n);

/* Advances the clock by |us|. */
void gn_wait(gn_net *n, uint64_t us);

/* One UDP datagram from |src|:|sport| to |dst_ip|:|dport| (a multicast
 * |dst_ip| gets the RFC 1112 Ethernet address; |dst| is then unused and may
 * be NULL).  Returns its frame number. */
uint32_t gn_udp(gn_net *n, gn_host *src, uint16_t sport, const gn_host *dst,
                const uint8_t dst_ip[4], uint16_t dport, const uint8_t *payload, size_t len,
                const char *comment);

/* One TCP connection, client |c| to server |s|. */
typedef struct gn_tcp {
  gn_host *c, *s;
  uint16_t cport, sport;
  uint32_t cseq, sseq; /* next sequence number each side sends */
  uint32_t cunacked;   /* full-sized segments received, not yet ACKed (delayed ACK) */
  uint32_t sunacked;
} gn_tcp;

/* SYN, SYN-ACK, ACK (MSS option on the SYNs). */
void gn_tcp_open(gn_net *n, gn_tcp *t, gn_host *c, uint16_t cport, gn_host *s, uint16_t sport,
                 const char *comment);
/* Sends |len| bytes from the client (|from_client| 1) or the server in
 * MSS-sized segments, PSH on the last; the receiver ACKs every second
 * full-sized segment.  Returns the frame number of the last segment. */
uint32_t gn_tcp_send(gn_net *n, gn_tcp *t, int from_client, const uint8_t *data, size_t len,
                     const char *comment);
/* The server closes: FIN, ACK, FIN, ACK. */
void gn_tcp_close(gn_net *n, gn_tcp *t, const char *comment);

/* Writes the file.  Returns 0 on success, -1 with errno set. */
int gn_write_file(const gn_net *n, const char *path);

#endif /* BCASTDEC_GEN_NET_H */
