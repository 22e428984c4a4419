/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-gen: pcapng writer and Ethernet/IPv4/UDP/TCP framing (see
 * gen_net.h).  All multi-byte pcapng fields are written little-endian,
 * whatever the host, so a given seed gives the same bytes everywhere.
 */
#include "gen_net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Random numbers                                                           */
/* ------------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

void gn_rng_seed(gn_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t gn_rng_next(gn_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void gn_rng_bytes(gn_rng *r, uint8_t *out, size_t n) {
  while (n > 0) {
    uint64_t v = gn_rng_next(r);
    for (int i = 0; i < 8 && n > 0; i++, n--) {
      *out++ = (uint8_t)v;
      v >>= 8;
    }
  }
}

uint32_t gn_rng_below(gn_rng *r, uint32_t n) {
  return (uint32_t)(gn_rng_next(r) % n);
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                  */
/* ------------------------------------------------------------------------ */

static int buf_reserve(gn_buf *b, size_t more) {
  if (b->oom)
    return 0;
  if (b->cap - b->len >= more)
    return 1;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap - b->len < more)
    cap *= 2;
  uint8_t *p = realloc(b->p, cap);
  if (p == NULL) {
    b->oom = 1;
    return 0;
  }
  b->p = p;
  b->cap = cap;
  return 1;
}

void gn_buf_put(gn_buf *b, const void *p, size_t n) {
  if (n == 0 || !buf_reserve(b, n))
    return;
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void gn_buf_puts(gn_buf *b, const char *s) {
  gn_buf_put(b, s, strlen(s));
}

void gn_buf_printf(gn_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !buf_reserve(b, (size_t)n + 1))
    return;
  va_start(ap, fmt);
  vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void gn_buf_free(gn_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------------ */
/* pcapng blocks                                                            */
/* ------------------------------------------------------------------------ */

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define LINKTYPE_ETHERNET 1
#define SNAPLEN 262144u

static void le16(gn_buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  gn_buf_put(b, x, 2);
}
static void le32(gn_buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  gn_buf_put(b, x, 4);
}
static void pad4(gn_buf *b, size_t n) {
  static const uint8_t zero[4];
  gn_buf_put(b, zero, (4 - n % 4) % 4);
}
static void put_opt(gn_buf *b, uint16_t code, const void *v, size_t len) {
  le16(b, code);
  le16(b, (uint16_t)len);
  gn_buf_put(b, v, len);
  pad4(b, len);
}
static void put_str_opt(gn_buf *b, uint16_t code, const char *s) {
  if (s == NULL || *s == '\0')
    return;
  size_t len = strlen(s);
  if (len > 0xfff0u)
    len = 0xfff0u;
  put_opt(b, code, s, len);
}
static void end_opts(gn_buf *b) {
  le16(b, OPT_ENDOFOPT);
  le16(b, 0);
}
/* Block: type, total length, |body|, total length again. */
static void put_block(gn_buf *out, uint32_t type, const gn_buf *body) {
  uint32_t total = (uint32_t)(12 + body->len);
  le32(out, type);
  le32(out, total);
  gn_buf_put(out, body->p, body->len);
  le32(out, total);
}

void gn_init(gn_net *n, gn_rng *rng, uint64_t start_us, const char *comment) {
  memset(n, 0, sizeof *n);
  n->now_us = start_us;
  n->mss = 1460;
  n->rtt_us = 48000;
  n->think_us = 1500;
  n->rng = rng;

  gn_buf b = {0};
  le32(&b, PCAPNG_BOM);
  le16(&b, 1);           /* major */
  le16(&b, 0);           /* minor */
  le32(&b, 0xffffffffu); /* section length: not given */
  le32(&b, 0xffffffffu);
  put_str_opt(&b, OPT_COMMENT, comment);
  put_str_opt(&b, SHB_USERAPPL, "bcastdec-gen (libbcastdec sample generator)");
  end_opts(&b);
  put_block(&n->out, PCAPNG_SHB, &b);

  b.len = 0;
  le16(&b, LINKTYPE_ETHERNET);
  le16(&b, 0);
  le32(&b, SNAPLEN);
  put_str_opt(&b, IF_NAME, "gen0");
  {
    uint8_t tsresol = 6; /* microseconds */
    put_opt(&b, IF_TSRESOL, &tsresol, 1);
  }
  end_opts(&b);
  put_block(&n->out, PCAPNG_IDB, &b);
  gn_buf_free(&b);
}

void gn_free(gn_net *n) {
  gn_buf_free(&n->out);
}

void gn_wait(gn_net *n, uint64_t us) {
  n->now_us += us;
  n->last_src = NULL;
}

/* The time a packet from |src| leaves (as seen at the capture point). */
static void advance(gn_net *n, const gn_host *src) {
  const gn_host *prev = n->last_src;
  uint64_t d;
  if (prev == NULL)
    d = 0;
  else if (prev == src)
    d = 40 + gn_rng_below(n->rng, 80); /* back to back */
  else if (src->far && !prev->far)
    d = n->rtt_us + gn_rng_below(n->rng, n->rtt_us / 8 + 1);
  else
    d = n->think_us + gn_rng_below(n->rng, n->think_us / 2 + 1);
  n->now_us += d;
  n->last_src = src;
}

static void epb(gn_net *n, const uint8_t *frame, size_t len, const char *comment) {
  gn_buf b = {0};
  le32(&b, 0); /* interface 0 */
  le32(&b, (uint32_t)(n->now_us >> 32));
  le32(&b, (uint32_t)n->now_us);
  le32(&b, (uint32_t)len);
  le32(&b, (uint32_t)len);
  gn_buf_put(&b, frame, len);
  pad4(&b, len);
  if (comment != NULL && *comment != '\0') {
    put_str_opt(&b, OPT_COMMENT, comment);
    end_opts(&b);
  }
  put_block(&n->out, PCAPNG_EPB, &b);
  if (b.oom)
    n->out.oom = 1;
  gn_buf_free(&b);
  n->frames++;
}

int gn_write_file(const gn_net *n, const char *path) {
  if (n->out.oom) {
    errno = ENOMEM;
    return -1;
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  size_t w = fwrite(n->out.p, 1, n->out.len, f);
  int err = ferror(f);
  if (fclose(f) != 0 || w != n->out.len || err)
    return -1;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Ethernet, IPv4, UDP, TCP                                                 */
/* ------------------------------------------------------------------------ */

#define ETH_HDR 14
#define IP_HDR 20
#define UDP_HDR 8
#define TCP_HDR 20
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

#define TCP_WINDOW 64240u

static void be16_at(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void be32_at(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* RFC 1071 one's complement sum, folded by the caller. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t len) {
  for (size_t i = 0; i + 1 < len; i += 2)
    acc += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len % 2)
    acc += (uint32_t)(p[len - 1] << 8);
  return acc;
}
static uint16_t fold(uint32_t acc) {
  while (acc >> 16)
    acc = (acc & 0xffffu) + (acc >> 16);
  return (uint16_t)~acc;
}

static int is_multicast(const uint8_t ip[4]) {
  return (ip[0] & 0xf0) == 0xe0;
}

/* Ethernet + IPv4 header around an L4 segment of |l4_len| bytes already at
 * frame + ETH_HDR + IP_HDR; fills the L4 checksum at |csum_off| (from the
 * start of the L4 header). */
static size_t finish_frame(gn_host *src, const gn_host *dst, const uint8_t dst_ip[4], uint8_t proto,
                           uint8_t *frame, size_t l4_len, size_t csum_off) {
  uint8_t *eth = frame, *ip = frame + ETH_HDR, *l4 = ip + IP_HDR;
  if (is_multicast(dst_ip)) {
    uint8_t m[6] = {0x01, 0x00, 0x5e, (uint8_t)(dst_ip[1] & 0x7f), dst_ip[2], dst_ip[3]};
    memcpy(eth, m, 6);
  } else {
    memcpy(eth, dst->mac, 6);
  }
  memcpy(eth + 6, src->mac, 6);
  be16_at(eth + 12, 0x0800);

  ip[0] = 0x45;
  ip[1] = 0;
  be16_at(ip + 2, (uint32_t)(IP_HDR + l4_len));
  be16_at(ip + 4, src->ip_id++);
  be16_at(ip + 6, 0x4000); /* DF */
  ip[8] = is_multicast(dst_ip) ? 16 : 64;
  ip[9] = proto;
  be16_at(ip + 10, 0);
  memcpy(ip + 12, src->ip, 4);
  memcpy(ip + 16, dst_ip, 4);
  be16_at(ip + 10, fold(sum16(0, ip, IP_HDR)));

  /* pseudo-header: src, dst, zero, protocol, L4 length */
  uint32_t acc = sum16(0, ip + 12, 8);
  acc += proto;
  acc += (uint32_t)l4_len;
  l4[csum_off] = l4[csum_off + 1] = 0;
  uint16_t c = fold(sum16(acc, l4, l4_len));
  if (proto == IPPROTO_UDP_ && c == 0)
    c = 0xffff; /* RFC 768: 0 means "none" */
  be16_at(l4 + csum_off, c);
  return ETH_HDR + IP_HDR + l4_len;
}

uint32_t gn_udp(gn_net *n, gn_host *src, uint16_t sport, const gn_host *dst,
                const uint8_t dst_ip[4], uint16_t dport, const uint8_t *payload, size_t len,
                const char *comment) {
  uint8_t *frame = malloc(ETH_HDR + IP_HDR + UDP_HDR + len);
  if (frame == NULL) {
    n->out.oom = 1;
    return 0;
  }
  uint8_t *udp = frame + ETH_HDR + IP_HDR;
  be16_at(udp, sport);
  be16_at(udp + 2, dport);
  be16_at(udp + 4, (uint32_t)(UDP_HDR + len));
  if (len)
    memcpy(udp + UDP_HDR, payload, len);
  size_t flen = finish_frame(src, dst, dst_ip, IPPROTO_UDP_, frame, UDP_HDR + len, 6);
  advance(n, src);
  epb(n, frame, flen, comment);
  free(frame);
  return n->frames;
}

static uint32_t tcp_seg(gn_net *n, gn_host *src, uint16_t sport, gn_host *dst, uint16_t dport,
                        uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data, size_t len,
                        const char *comment) {
  int syn = (flags & TH_SYN) != 0;
  size_t hl = TCP_HDR + (syn ? 4 : 0);
  uint8_t *frame = malloc(ETH_HDR + IP_HDR + hl + len);
  if (frame == NULL) {
    n->out.oom = 1;
    return 0;
  }
  uint8_t *tcp = frame + ETH_HDR + IP_HDR;
  be16_at(tcp, sport);
  be16_at(tcp + 2, dport);
  be32_at(tcp + 4, seq);
  be32_at(tcp + 8, (flags & TH_ACK) ? ack : 0);
  tcp[12] = (uint8_t)((hl / 4) << 4);
  tcp[13] = flags;
  be16_at(tcp + 14, TCP_WINDOW);
  be16_at(tcp + 16, 0);
  be16_at(tcp + 18, 0);
  if (syn) { /* MSS option */
    tcp[20] = 2;
    tcp[21] = 4;
    be16_at(tcp + 22, n->mss);
  }
  if (len)
    memcpy(tcp + hl, data, len);
  size_t flen = finish_frame(src, dst, dst->ip, IPPROTO_TCP_, frame, hl + len, 16);
  advance(n, src);
  epb(n, frame, flen, comment);
  free(frame);
  return n->frames;
}

void gn_tcp_open(gn_net *n, gn_tcp *t, gn_host *c, uint16_t cport, gn_host *s, uint16_t sport,
                 const char *comment) {
  memset(t, 0, sizeof *t);
  t->c = c;
  t->s = s;
  t->cport = cport;
  t->sport = sport;
  t->cseq = (uint32_t)gn_rng_next(n->rng);
  t->sseq = (uint32_t)gn_rng_next(n->rng);
  tcp_seg(n, c, cport, s, sport, t->cseq, 0, TH_SYN, NULL, 0, comment);
  t->cseq++;
  tcp_seg(n, s, sport, c, cport, t->sseq, t->cseq, TH_SYN | TH_ACK, NULL, 0, comment);
  t->sseq++;
  tcp_seg(n, c, cport, s, sport, t->cseq, t->sseq, TH_ACK, NULL, 0, comment);
}

uint32_t gn_tcp_send(gn_net *n, gn_tcp *t, int from_client, const uint8_t *data, size_t len,
                     const char *comment) {
  gn_host *src = from_client ? t->c : t->s, *dst = from_client ? t->s : t->c;
  uint16_t sport = from_client ? t->cport : t->sport, dport = from_client ? t->sport : t->cport;
  uint32_t *seq = from_client ? &t->cseq : &t->sseq;
  uint32_t *rseq = from_client ? &t->sseq : &t->cseq; /* receiver's next seq */
  uint32_t *unacked = from_client ? &t->sunacked : &t->cunacked;
  uint32_t last = 0;
  size_t off = 0;
  while (off < len) {
    size_t chunk = len - off > n->mss ? n->mss : len - off;
    int final = off + chunk == len;
    last = tcp_seg(n, src, sport, dst, dport, *seq, *rseq, (uint8_t)(TH_ACK | (final ? TH_PSH : 0)),
                   data + off, chunk, comment);
    *seq += (uint32_t)chunk;
    off += chunk;
    if (chunk == n->mss && ++*unacked == 2 && !final) {
      /* delayed ACK: the receiver acknowledges every second full segment */
      tcp_seg(n, dst, dport, src, sport, *rseq, *seq, TH_ACK, NULL, 0, comment);
      *unacked = 0;
    }
  }
  *unacked = 0; /* the answer (or the close) acknowledges the rest */
  return last;
}

void gn_tcp_close(gn_net *n, gn_tcp *t, const char *comment) {
  tcp_seg(n, t->s, t->sport, t->c, t->cport, t->sseq, t->cseq, TH_FIN | TH_ACK, NULL, 0, comment);
  t->sseq++;
  tcp_seg(n, t->c, t->cport, t->s, t->sport, t->cseq, t->sseq, TH_ACK, NULL, 0, comment);
  tcp_seg(n, t->c, t->cport, t->s, t->sport, t->cseq, t->sseq, TH_FIN | TH_ACK, NULL, 0, comment);
  t->cseq++;
  tcp_seg(n, t->s, t->sport, t->c, t->cport, t->sseq, t->cseq, TH_ACK, NULL, 0, comment);
}
