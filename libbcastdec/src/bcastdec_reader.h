/* SPDX-License-Identifier: MIT */
/*
 * Bounded reader: the only place in libbcastdec that indexes input bytes.
 *
 * A cursor with a sticky error.  Running short at the top level is
 * TRUNCATED (the capture ended); running short inside a block whose length
 * came from the wire is MALFORMED (the length lied).  A sub-reader cannot
 * read past its block, and the parent skips the whole block whatever the
 * child does.  Every read records the span it came from.
 */
#ifndef BCASTDEC_READER_H
#define BCASTDEC_READER_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

typedef struct bcastdec__rd {
  const uint8_t *base;    /* offsets of spans are relative to this */
  const uint8_t *p;       /* cursor */
  const uint8_t *end;     /* one past the last readable byte */
  bcastdec_status err;    /* sticky: the first failure wins */
  bcastdec_status short_err; /* status when running short */
  const uint8_t *err_at;  /* where the first failure happened */
  uint8_t src;            /* bcastdec_src of the bytes */
} bcastdec__rd;

static inline bcastdec__rd bcastdec__rd_init(const uint8_t *buf, size_t len, uint8_t src) {
  bcastdec__rd r;
  r.base = buf;
  r.p = buf;
  r.end = buf + len;
  r.err = BCASTDEC_OK;
  r.short_err = BCASTDEC_ERR_TRUNCATED;
  r.err_at = NULL;
  r.src = src;
  return r;
}

static inline uint32_t bcastdec__rd_off(const bcastdec__rd *r) {
  return (uint32_t)(r->p - r->base);
}

static inline size_t bcastdec__rd_left(const bcastdec__rd *r) {
  return (size_t)(r->end - r->p);
}

static inline void bcastdec__rd_fail(bcastdec__rd *r, bcastdec_status st) {
  if (r->err == BCASTDEC_OK) {
    r->err = st;
    r->err_at = r->p;
  }
}

static inline int bcastdec__rd_need(bcastdec__rd *r, size_t n) {
  if (r->err != BCASTDEC_OK) return 0;
  if (bcastdec__rd_left(r) < n) {
    bcastdec__rd_fail(r, r->short_err);
    return 0;
  }
  return 1;
}

static inline bcastdec_span bcastdec__rd_span(const bcastdec__rd *r, const uint8_t *from,
                                              size_t len) {
  bcastdec_span s;
  s.off = (uint32_t)(from - r->base);
  s.len = (uint32_t)len;
  s.src = r->src;
  return s;
}

/* Text scanning (HTTP, header values): look without consuming. */

/* The byte |i| places ahead of the cursor, or -1 when that is past the end
 * (or the reader has failed).  Never fails the reader. */
static inline int bcastdec__rd_peek(const bcastdec__rd *r, size_t i) {
  if (r->err != BCASTDEC_OK || bcastdec__rd_left(r) <= i) return -1;
  return r->p[i];
}

/* Distance from the cursor to the first byte |c| among the next |max| bytes
 * (or the rest, when fewer), or -1 when there is none. */
static inline long bcastdec__rd_find(const bcastdec__rd *r, uint8_t c, size_t max) {
  if (r->err != BCASTDEC_OK) return -1;
  size_t n = bcastdec__rd_left(r);
  if (n > max) n = max;
  for (size_t i = 0; i < n; i++)
    if (r->p[i] == c) return (long)i;
  return -1;
}

/* Reads an |n|-byte big-endian unsigned number (n <= 8) into |out|. */
static inline uint64_t bcastdec__rd_num(bcastdec__rd *r, size_t n, bcastdec_num *out) {
  bcastdec_num f = {0, {0, 0, 0}};
  if (bcastdec__rd_need(r, n)) {
    f.sp = bcastdec__rd_span(r, r->p, n);
    for (size_t i = 0; i < n; i++) f.v = f.v << 8 | r->p[i];
    r->p += n;
  } else {
    f.sp = bcastdec__rd_span(r, r->p, 0);
  }
  if (out != NULL) *out = f;
  return f.v;
}

static inline uint8_t bcastdec__rd_u8(bcastdec__rd *r, bcastdec_num *out) {
  return (uint8_t)bcastdec__rd_num(r, 1, out);
}

static inline uint16_t bcastdec__rd_be16(bcastdec__rd *r, bcastdec_num *out) {
  return (uint16_t)bcastdec__rd_num(r, 2, out);
}

static inline uint32_t bcastdec__rd_be32(bcastdec__rd *r, bcastdec_num *out) {
  return (uint32_t)bcastdec__rd_num(r, 4, out);
}

/* A sub-field of bits inside a byte that was already read into |byte|. */
static inline void bcastdec__bits(const bcastdec_num *byte, unsigned shift, unsigned mask,
                                  bcastdec_num *out) {
  out->v = (byte->v >> shift) & mask;
  out->sp = byte->sp;
}

/* Takes |n| bytes as a byte-string field. */
static inline int bcastdec__rd_bytes(bcastdec__rd *r, size_t n, bcastdec_bytes *out) {
  bcastdec_bytes b;
  b.p = r->p;
  b.len = 0;
  b.sp = bcastdec__rd_span(r, r->p, 0);
  if (bcastdec__rd_need(r, n)) {
    b.len = n;
    b.sp.len = (uint32_t)n;
    r->p += n;
  }
  if (out != NULL) *out = b;
  return r->err == BCASTDEC_OK;
}

/* Takes all remaining bytes. */
static inline void bcastdec__rd_rest(bcastdec__rd *r, bcastdec_bytes *out) {
  size_t n = r->err == BCASTDEC_OK ? bcastdec__rd_left(r) : 0;
  (void)bcastdec__rd_bytes(r, n, out);
}

/*
 * A view of the next |n| bytes.  The parent advances past them whatever the
 * child does; the child running short is MALFORMED (the length lied).
 * When the parent itself lacks |n| bytes, the parent fails (TRUNCATED at top
 * level) and the child covers what is there, failed too.
 */
static inline bcastdec__rd bcastdec__rd_sub(bcastdec__rd *r, size_t n) {
  bcastdec__rd c = *r;
  c.short_err = BCASTDEC_ERR_MALFORMED;
  if (bcastdec__rd_need(r, n)) {
    c.end = r->p + n;
    r->p += n;
  } else {
    c.err = r->err;
    c.err_at = r->err_at;
    c.end = c.p;
  }
  return c;
}

/* An inner block must be consumed exactly; returns 1 when it was. */
static inline int bcastdec__rd_done(bcastdec__rd *c) {
  if (c->err == BCASTDEC_OK && c->p != c->end) bcastdec__rd_fail(c, BCASTDEC_ERR_MALFORMED);
  return c->err == BCASTDEC_OK;
}

/* Carries a child's failure up to its parent (the first failure wins). */
static inline void bcastdec__rd_inherit(bcastdec__rd *parent, const bcastdec__rd *child) {
  if (parent->err == BCASTDEC_OK && child->err != BCASTDEC_OK) {
    parent->err = child->err;
    parent->err_at = child->err_at;
  }
}

#endif /* BCASTDEC_READER_H */
