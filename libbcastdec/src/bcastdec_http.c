/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x message splitter: start line, header fields, body framing
 * (Content-Length, chunked, to end of input).  RFC 9112 syntax, lenient
 * where captures are (bare LF, obs-fold), with a finding for each leniency.
 * All input bytes are read through the bounded reader.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/digest.h>
#include <bcastdec/http.h>
#include <bcastdec/xml.h>

#include "bcastdec_internal.h"
#include "bcastdec_reader.h"

#define LINE_MAX_LEN 65536u /* a longer line is not HTTP we can make sense of */
#define HEADERS_MAX 256u
#define BODY_MAX (64u * 1024u * 1024u) /* a chunked body is rebuilt in memory */

typedef struct strnode {
  struct strnode *next;
  char s[]; /* NUL-terminated */
} strnode;

typedef struct httpbox {
  bcastdec_http_msg m; /* first: the public part */
  size_t cap_headers, cap_findings;
  uint8_t *body_buf; /* de-chunked body */
  size_t body_cap;
  strnode *strings; /* unfolded values */
  int bare_lf_seen;
} httpbox;

static httpbox *box_of(const bcastdec_http_msg *m) { return (httpbox *)(void *)(uintptr_t)m; }

/* Adds a finding; returns 0 on allocation failure. */
static int finding(httpbox *b, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...) {
  bcastdec_http_msg *m = &b->m;
  if (!bcastdec__grow((void **)&m->findings, &b->cap_findings, sizeof *m->findings, m->n_findings + 1))
    return 0;
  va_list ap;
  va_start(ap, fmt);
  bcastdec__finding_vfill(&m->findings[m->n_findings++], id, sp, fmt, ap);
  va_end(ap);
  return 1;
}

/* Records the first problem of the message (status and where), plus a finding. */
static void fail(httpbox *b, bcastdec_status st, bcastdec_span sp, const char *fmt, ...) {
  bcastdec_http_msg *m = &b->m;
  bcastdec__fid id = st == BCASTDEC_ERR_TRUNCATED     ? BCASTDEC__F_HTTP_TRUNCATED
                     : st == BCASTDEC_ERR_UNSUPPORTED ? BCASTDEC__F_HTTP_UNSUPPORTED
                                                      : BCASTDEC__F_HTTP_MALFORMED;
  if (m->status == BCASTDEC_OK) {
    m->status = st;
    m->err_sp = sp;
  }
  if (!bcastdec__grow((void **)&m->findings, &b->cap_findings, sizeof *m->findings, m->n_findings + 1))
    return;
  va_list ap;
  va_start(ap, fmt);
  bcastdec__finding_vfill(&m->findings[m->n_findings++], id, sp, fmt, ap);
  va_end(ap);
}

static int is_tchar(int c) {
  if (c >= '0' && c <= '9') return 1;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
  return c > 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_blank(int c) { return c == ' ' || c == '\t'; }

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Case-insensitive comparison of a span of |m|'s wire with a C string. */
static int span_ieq(const bcastdec_http_msg *m, bcastdec_span sp, const char *s) {
  size_t n = strlen(s);
  if (sp.len != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(m->wire[sp.off + i]) != lower((unsigned char)s[i])) return 0;
  return 1;
}

/* ---- lines -------------------------------------------------------------- */

typedef struct line {
  bcastdec__rd text; /* the line without its end */
  bcastdec_span sp;
  int ok;            /* a whole line was there */
} line;

/* Takes one line off |r| (CRLF or bare LF).  A missing line end is
 * TRUNCATED, an overlong line MALFORMED. */
static line take_line(httpbox *b, bcastdec__rd *r) {
  line l;
  memset(&l, 0, sizeof l);
  long nl = bcastdec__rd_find(r, '\n', LINE_MAX_LEN + 1);
  if (nl < 0) {
    bcastdec_span sp = bcastdec__rd_span(r, r->p, bcastdec__rd_left(r));
    if (bcastdec__rd_left(r) > LINE_MAX_LEN)
      fail(b, BCASTDEC_ERR_MALFORMED, sp, "line longer than %u bytes", LINE_MAX_LEN);
    else
      fail(b, BCASTDEC_ERR_TRUNCATED, sp, "the message ends inside a line");
    l.text = bcastdec__rd_sub(r, 0);
    bcastdec__rd_rest(r, NULL); /* the bytes belong to this (broken) message */
    return l;
  }
  size_t n = (size_t)nl;
  int cr = n > 0 && bcastdec__rd_peek(r, n - 1) == '\r';
  if (!cr && !b->bare_lf_seen) {
    b->bare_lf_seen = 1;
    finding(b, BCASTDEC__F_HTTP_BARE_LF, bcastdec__rd_span(r, r->p + n, 1), NULL);
  }
  size_t body = cr ? n - 1 : n;
  l.sp = bcastdec__rd_span(r, r->p, body);
  l.text = bcastdec__rd_sub(r, body);
  bcastdec__rd_bytes(r, n - body + 1, NULL); /* the line end */
  l.ok = 1;
  return l;
}

/* Takes bytes while |pred| holds; returns their span. */
static bcastdec_span take_while(bcastdec__rd *r, int (*pred)(int)) {
  const uint8_t *from = r->p;
  size_t n = 0;
  int c;
  while ((c = bcastdec__rd_peek(r, n)) >= 0 && pred(c)) n++;
  bcastdec__rd_bytes(r, n, NULL);
  return bcastdec__rd_span(r, from, n);
}

static int not_space(int c) { return c != ' '; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int any_byte(int c) { return c >= 0; }

static void skip_blanks(bcastdec__rd *r) { (void)take_while(r, is_blank); }

/* Spans from a sub-reader are relative to the message: sub-readers share base. */

/* "HTTP/1.1": returns 1 for 1.0/1.1, 0 for another (well-formed) version,
 * -1 when it is not an HTTP version at all. */
static int check_version(const bcastdec_http_msg *m, bcastdec_span v) {
  if (v.len < 6 || !span_ieq(m, (bcastdec_span){v.off, 5, v.src}, "HTTP/")) return -1;
  const uint8_t *p = m->wire + v.off + 5;
  size_t n = v.len - 5;
  if (n == 3 && p[0] == '1' && p[1] == '.' && (p[2] == '0' || p[2] == '1')) return 1;
  for (size_t i = 0; i < n; i++)
    if (!is_digit(p[i]) && p[i] != '.') return -1;
  return 0;
}

static void parse_start_line(httpbox *b, line *l) {
  bcastdec_http_msg *m = &b->m;
  bcastdec__rd *t = &l->text;
  m->start_line = l->sp;
  if (l->sp.len >= 5 && span_ieq(m, (bcastdec_span){l->sp.off, 5, l->sp.src}, "HTTP/")) {
    m->is_request = 0;
    m->version = take_while(t, not_space);
    int v = check_version(m, m->version);
    if (v < 0) {
      fail(b, BCASTDEC_ERR_MALFORMED, m->version, "status line: bad HTTP version");
      return;
    }
    if (v == 0) {
      fail(b, BCASTDEC_ERR_UNSUPPORTED, m->version, "HTTP version other than 1.0/1.1");
      return;
    }
    if (bcastdec__rd_peek(t, 0) != ' ') {
      fail(b, BCASTDEC_ERR_MALFORMED, l->sp, "status line: no status code");
      return;
    }
    bcastdec__rd_bytes(t, 1, NULL);
    bcastdec_span code = take_while(t, is_digit);
    if (code.len != 3) {
      fail(b, BCASTDEC_ERR_MALFORMED, code, "status line: status code is not 3 digits");
      return;
    }
    m->status_code.sp = code;
    m->status_code.v = 0;
    for (uint32_t i = 0; i < 3; i++)
      m->status_code.v = m->status_code.v * 10 + (m->wire[code.off + i] - '0');
    int c = bcastdec__rd_peek(t, 0);
    if (c == ' ') {
      bcastdec__rd_bytes(t, 1, NULL);
      m->reason = take_while(t, any_byte);
    } else if (c >= 0) {
      fail(b, BCASTDEC_ERR_MALFORMED, l->sp, "status line: junk after the status code");
    } else {
      m->reason = bcastdec__rd_span(t, t->p, 0);
    }
    return;
  }
  m->is_request = 1;
  m->method = take_while(t, is_tchar);
  if (m->method.len == 0 || bcastdec__rd_peek(t, 0) != ' ') {
    fail(b, BCASTDEC_ERR_MALFORMED, l->sp, "request line: not METHOD SP target SP version");
    return;
  }
  bcastdec__rd_bytes(t, 1, NULL);
  m->target = take_while(t, not_space);
  if (m->target.len == 0 || bcastdec__rd_peek(t, 0) != ' ') {
    fail(b, BCASTDEC_ERR_MALFORMED, l->sp, "request line: not METHOD SP target SP version");
    return;
  }
  bcastdec__rd_bytes(t, 1, NULL);
  m->version = take_while(t, any_byte);
  int v = check_version(m, m->version);
  if (v < 0) fail(b, BCASTDEC_ERR_MALFORMED, m->version, "request line: bad HTTP version");
  else if (v == 0)
    fail(b, BCASTDEC_ERR_UNSUPPORTED, m->version, "HTTP version other than 1.0/1.1");
}

/* ---- header fields ------------------------------------------------------ */

/* Value span of |t| (the part of a line after the colon, or a fold line)
 * without leading and trailing blanks. */
static bcastdec_span trimmed(const bcastdec_http_msg *m, bcastdec__rd *t) {
  skip_blanks(t);
  bcastdec_span v = take_while(t, any_byte);
  while (v.len > 0 && is_blank(m->wire[v.off + v.len - 1])) v.len--;
  return v;
}

/* Appends a fold line to the previous header's unfolded value. */
static int unfold(httpbox *b, bcastdec_http_header *h, bcastdec_span more) {
  const bcastdec_http_msg *m = &b->m;
  const char *old = h->unfolded;
  size_t old_len = old != NULL ? strlen(old) : h->value.len;
  size_t n = old_len + (old_len && more.len ? 1 : 0) + more.len;
  strnode *s = malloc(sizeof *s + n + 1);
  if (s == NULL) return 0;
  memcpy(s->s, old != NULL ? old : (const char *)m->wire + h->value.off, old_len);
  size_t k = old_len;
  if (old_len && more.len) s->s[k++] = ' ';
  memcpy(s->s + k, m->wire + more.off, more.len);
  s->s[n] = '\0';
  s->next = b->strings;
  b->strings = s;
  h->unfolded = s->s;
  if (more.len) h->value.len = more.off + more.len - h->value.off;
  return 1;
}

/* Reads header lines up to and including the empty line.  Returns 0 when
 * the block is incomplete or broken (the status says which). */
static int parse_headers(httpbox *b, bcastdec__rd *r) {
  bcastdec_http_msg *m = &b->m;
  for (;;) {
    line l = take_line(b, r);
    if (!l.ok) return 0;
    if (l.sp.len == 0) return 1;
    int c0 = bcastdec__rd_peek(&l.text, 0);
    if (is_blank(c0)) {
      if (m->n_headers == 0) {
        fail(b, BCASTDEC_ERR_MALFORMED, l.sp, "a folded line with no header field before it");
        continue;
      }
      bcastdec_http_header *h = &m->headers[m->n_headers - 1];
      if (h->unfolded == NULL)
        finding(b, BCASTDEC__F_HTTP_OBS_FOLD, l.sp, "header value continues on a folded line");
      if (!unfold(b, h, trimmed(m, &l.text))) return 0;
      continue;
    }
    bcastdec_span name = take_while(&l.text, is_tchar);
    if (name.len == 0 || bcastdec__rd_peek(&l.text, 0) != ':') {
      fail(b, BCASTDEC_ERR_MALFORMED, l.sp,
           bcastdec__rd_find(&l.text, ':', LINE_MAX_LEN) < 0
               ? "header line without a colon"
               : "header field name with a blank or a character not allowed in a token");
      continue;
    }
    bcastdec__rd_bytes(&l.text, 1, NULL);
    if (m->n_headers >= HEADERS_MAX) {
      fail(b, BCASTDEC_ERR_UNSUPPORTED, l.sp, "more than %u header fields", HEADERS_MAX);
      continue;
    }
    if (!bcastdec__grow((void **)&m->headers, &b->cap_headers, sizeof *m->headers, m->n_headers + 1))
      return 0;
    bcastdec_http_header *h = &m->headers[m->n_headers++];
    h->name = name;
    h->value = trimmed(m, &l.text);
    h->unfolded = NULL;
  }
}

/* ---- body framing --------------------------------------------------------- */

/* Content-Length: every field and list element must be the same number. */
static int content_length(httpbox *b, uint64_t *out) {
  bcastdec_http_msg *m = &b->m;
  int have = 0;
  for (const bcastdec_http_header *h = NULL;
       (h = bcastdec_http_header_find(m, "Content-Length", h)) != NULL;) {
    size_t len;
    const char *s = bcastdec_http_header_text(m, h, &len);
    size_t i = 0;
    do {
      while (i < len && (is_blank(s[i]) || s[i] == ',')) i++;
      if (i == len) break;
      uint64_t v = 0;
      size_t digits = 0;
      while (i < len && is_digit(s[i])) {
        if (v > (UINT64_MAX - 9) / 10) {
          fail(b, BCASTDEC_ERR_MALFORMED, h->value, "Content-Length is too large");
          return -1;
        }
        v = v * 10 + (uint64_t)(s[i++] - '0');
        digits++;
      }
      while (i < len && is_blank(s[i])) i++;
      if (digits == 0 || (i < len && s[i] != ',')) {
        fail(b, BCASTDEC_ERR_MALFORMED, h->value, "Content-Length is not a number");
        return -1;
      }
      if (have && v != *out) {
        fail(b, BCASTDEC_ERR_MALFORMED, h->value, "Content-Length values disagree");
        return -1;
      }
      *out = v;
      have = 1;
    } while (i < len);
  }
  return have;
}

static int body_append(httpbox *b, const uint8_t *p, size_t n) {
  size_t need = b->m.body.len + n;
  if (need > BODY_MAX) return -1;
  if (need > b->body_cap) {
    size_t cap = b->body_cap ? b->body_cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *nb = realloc(b->body_buf, cap);
    if (nb == NULL) return 0;
    b->body_buf = nb;
    b->body_cap = cap;
  }
  if (n) memcpy(b->body_buf + b->m.body.len, p, n);
  b->m.body.len = need;
  return 1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* RFC 9112 7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF */
static int dechunk(httpbox *b, bcastdec__rd *r) {
  bcastdec_http_msg *m = &b->m;
  const uint8_t *start = r->p;
  m->chunked = 1;
  m->body.len = 0;
  for (;;) {
    line l = take_line(b, r);
    if (!l.ok) goto done;
    uint64_t size = 0;
    size_t digits = 0;
    int c;
    while ((c = bcastdec__rd_peek(&l.text, 0)) >= 0 && hexval(c) >= 0) {
      if (++digits > 8) {
        fail(b, BCASTDEC_ERR_MALFORMED, l.sp, "chunk size too large");
        goto done;
      }
      size = size << 4 | (uint64_t)hexval(c);
      bcastdec__rd_bytes(&l.text, 1, NULL);
    }
    skip_blanks(&l.text);
    c = bcastdec__rd_peek(&l.text, 0);
    if (digits == 0 || (c >= 0 && c != ';')) {
      fail(b, BCASTDEC_ERR_MALFORMED, l.sp, "chunk size line is not hex digits [; extension]");
      goto done;
    }
    if (size == 0) break;
    bcastdec_bytes data;
    size_t avail = bcastdec__rd_left(r);
    if (avail < size) {
      bcastdec__rd_rest(r, &data);
      if (body_append(b, data.p, data.len) == 0) return 0;
      fail(b, BCASTDEC_ERR_TRUNCATED, data.sp, "the message ends inside a chunk");
      goto done;
    }
    bcastdec__rd_bytes(r, (size_t)size, &data);
    int ok = body_append(b, data.p, data.len);
    if (ok == 0) return 0;
    if (ok < 0) {
      fail(b, BCASTDEC_ERR_UNSUPPORTED, data.sp, "chunked body larger than %u bytes", BODY_MAX);
      goto done;
    }
    line end = take_line(b, r);
    if (!end.ok) goto done;
    if (end.sp.len != 0) {
      fail(b, BCASTDEC_ERR_MALFORMED, end.sp, "chunk data longer than its size says");
      goto done;
    }
  }
  /* trailer fields up to the empty line (kept as findings-free bytes) */
  for (;;) {
    line l = take_line(b, r);
    if (!l.ok || l.sp.len == 0) break;
  }
done:
  m->body.p = b->body_buf;
  m->body.sp = bcastdec__rd_span(r, start, (size_t)(r->p - start));
  if (m->body.p == NULL) m->body.p = m->wire + m->body.sp.off; /* empty body */
  return 1;
}

static int has_token(const bcastdec_http_msg *m, const bcastdec_http_header *h, const char *tok,
                     int *only) {
  size_t len, n = strlen(tok);
  const char *s = bcastdec_http_header_text(m, h, &len);
  int found = 0, others = 0;
  size_t i = 0;
  while (i < len) {
    while (i < len && (is_blank(s[i]) || s[i] == ',')) i++;
    size_t j = i;
    while (j < len && s[j] != ',' && s[j] != ';' && !is_blank(s[j])) j++;
    if (j > i) {
      int eq = j - i == n;
      for (size_t k = 0; eq && k < n; k++) eq = lower(s[i + k]) == tok[k];
      if (eq) found = 1;
      else others = 1;
    }
    while (j < len && s[j] != ',') j++;
    i = j;
  }
  if (only != NULL) *only = found && !others;
  return found;
}

static int parse_body(httpbox *b, bcastdec__rd *r) {
  bcastdec_http_msg *m = &b->m;
  const bcastdec_http_header *te = bcastdec_http_header_find(m, "Transfer-Encoding", NULL);
  uint64_t cl = 0;
  int have_cl = content_length(b, &cl);
  if (have_cl < 0) have_cl = 0;
  unsigned code = (unsigned)m->status_code.v;
  if (!m->is_request && (code / 100 == 1 || code == 204 || code == 304)) {
    bcastdec__rd_bytes(r, 0, &m->body);
    return 1;
  }
  if (te != NULL) {
    int only_chunked = 0;
    if (have_cl)
      fail(b, BCASTDEC_ERR_MALFORMED, te->value,
           "both Transfer-Encoding and Content-Length (Transfer-Encoding wins)");
    if (has_token(m, te, "chunked", &only_chunked) && only_chunked) return dechunk(b, r);
    fail(b, BCASTDEC_ERR_UNSUPPORTED, te->value,
         "transfer coding other than chunked; the body is shown as it is");
    bcastdec__rd_rest(r, &m->body);
    m->body_to_eof = 1;
    return 1;
  }
  if (have_cl) {
    size_t avail = bcastdec__rd_left(r);
    if (avail < cl) {
      bcastdec__rd_rest(r, &m->body);
      fail(b, BCASTDEC_ERR_TRUNCATED, m->body.sp,
           "the body has %zu of the %llu bytes Content-Length announces", avail,
           (unsigned long long)cl);
      return 1;
    }
    bcastdec__rd_bytes(r, (size_t)cl, &m->body);
    return 1;
  }
  if (m->is_request) {
    bcastdec__rd_bytes(r, 0, &m->body);
    return 1;
  }
  bcastdec__rd_rest(r, &m->body);
  m->body_to_eof = 1;
  return 1;
}

/* ---- API ------------------------------------------------------------------ */

bcastdec_status bcastdec_http_parse(const uint8_t *buf, size_t len, bcastdec_http_msg **out) {
  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if (buf == NULL && len != 0) return BCASTDEC_ERR_ARG;
  httpbox *b = calloc(1, sizeof *b);
  if (b == NULL) return BCASTDEC_ERR_NOMEM;
  bcastdec_http_msg *m = &b->m;
  m->priv_ = b;
  static const uint8_t empty[1];
  bcastdec__rd r = bcastdec__rd_init(buf != NULL ? buf : empty, len, BCASTDEC_SRC_WIRE);

  /* RFC 9112 2.2: ignore empty lines before a request line */
  while (bcastdec__rd_peek(&r, 0) == '\r' || bcastdec__rd_peek(&r, 0) == '\n') {
    if (bcastdec__rd_peek(&r, 0) == '\r' && bcastdec__rd_peek(&r, 1) != '\n') break;
    bcastdec__rd_bytes(&r, bcastdec__rd_peek(&r, 0) == '\r' ? 2 : 1, NULL);
  }
  /* spans are relative to the message's first byte */
  r.base = r.p;
  m->wire = r.p;
  const uint8_t *msg_start = r.p;
  if (bcastdec__rd_left(&r) == 0) {
    fail(b, BCASTDEC_ERR_TRUNCATED, bcastdec__rd_span(&r, r.p, 0), "no HTTP message");
    goto done;
  }
  line sl = take_line(b, &r);
  if (!sl.ok) goto done;
  parse_start_line(b, &sl);
  int ok = parse_headers(b, &r);
  m->header_block = bcastdec__rd_span(&r, msg_start, (size_t)(r.p - msg_start));
  if (!ok) {
    if (m->status == BCASTDEC_OK) goto nomem;
    goto done;
  }
  if (!parse_body(b, &r)) goto nomem;
done:
  m->wire_len = (size_t)(r.p - msg_start);
  *out = m;
  return BCASTDEC_OK;
nomem:
  bcastdec_http_msg_free(m);
  return BCASTDEC_ERR_NOMEM;
}

void bcastdec_http_msg_free(bcastdec_http_msg *m) {
  if (m == NULL) return;
  httpbox *b = box_of(m);
  /* bodies carry LTKMs and Digest inputs: wipe the rebuilt copy */
  if (b->body_buf != NULL) bcastdec_memzero(b->body_buf, b->body_cap);
  free(b->body_buf);
  for (strnode *s = b->strings; s != NULL;) {
    strnode *next = s->next;
    free(s);
    s = next;
  }
  free(m->headers);
  free(m->findings);
  free(b);
}

const bcastdec_http_header *bcastdec_http_header_find(const bcastdec_http_msg *m,
                                                      const char *name,
                                                      const bcastdec_http_header *after) {
  if (m == NULL || name == NULL) return NULL;
  size_t i = after != NULL ? (size_t)(after - m->headers) + 1 : 0;
  for (; i < m->n_headers; i++)
    if (span_ieq(m, m->headers[i].name, name)) return &m->headers[i];
  return NULL;
}

const char *bcastdec_http_header_text(const bcastdec_http_msg *m, const bcastdec_http_header *h,
                                      size_t *len) {
  if (h->unfolded != NULL) {
    *len = strlen(h->unfolded);
    return h->unfolded;
  }
  *len = h->value.len;
  return (const char *)m->wire + h->value.off;
}

const char *bcastdec_http_media_type(const bcastdec_http_msg *m, size_t *len) {
  const bcastdec_http_header *h = bcastdec_http_header_find(m, "Content-Type", NULL);
  if (h == NULL) return NULL;
  size_t n;
  const char *s = bcastdec_http_header_text(m, h, &n);
  size_t i = 0;
  while (i < n && is_blank(s[i])) i++;
  size_t j = i;
  while (j < n && s[j] != ';' && !is_blank(s[j])) j++;
  if (j == i) return NULL;
  *len = j - i;
  return s + i;
}

int bcastdec_http_msg_max_severity(const bcastdec_http_msg *m) {
  int max = -1;
  if (m == NULL) return max;
  for (size_t i = 0; i < m->n_findings; i++)
    if ((int)m->findings[i].info->severity > max) max = m->findings[i].info->severity;
  return max;
}

/* ---- exchange checks ------------------------------------------------------ */

typedef struct out_list {
  bcastdec_finding *out;
  size_t cap, n;
} out_list;

static void add(out_list *o, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...) {
  if (o->n < o->cap) {
    va_list ap;
    va_start(ap, fmt);
    bcastdec__finding_vfill(&o->out[o->n], id, sp, fmt, ap);
    va_end(ap);
  }
  o->n++;
}

static const char *dval(const struct bcastdec_digest_msg *d, unsigned pid) {
  return bcastdec_digest_value(bcastdec_digest_msg_auth(d), pid);
}

static int same(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bcastdec_span whole_start_line(const bcastdec_http_msg *m) { return m->start_line; }

/* The header span of |name| in |m|, else its start line. */
static bcastdec_span header_sp(const bcastdec_http_msg *m, const char *name) {
  const bcastdec_http_header *h = bcastdec_http_header_find(m, name, NULL);
  if (h == NULL) return whole_start_line(m);
  bcastdec_span sp = h->name;
  sp.len = h->value.off + h->value.len - h->name.off;
  return sp;
}

/* Requests the seed secures with HTTP Digest: service provisioning,
 * (de)registration and LTKM requests (seed 000 5.4.7.2).  A Smartcard
 * Profile Trigger or an SMK/SRK-unaware web shop's purchase is not. */
static int digest_protected(const bcastdec_http_msg *q) {
  static const char *const types[] = {
      "application/mbms-msk+xml", "application/mbms-register+xml",
      "application/mbms-deregister+xml", "application/vnd.oma.bcast.sprov+xml"};
  size_t n;
  const char *mt = bcastdec_http_media_type(q, &n);
  if (mt == NULL) return 0;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    size_t k = strlen(types[i]);
    int eq = n == k;
    for (size_t j = 0; eq && j < k; j++) eq = lower((unsigned char)mt[j]) == types[i][j];
    if (eq) return 1;
  }
  return 0;
}

size_t bcastdec_http_check_exchange(const bcastdec_http_exchange *ex, bcastdec_finding *out,
                                    size_t cap) {
  out_list o = {out, out != NULL ? cap : 0, 0};
  if (ex == NULL) return 0;
  const bcastdec_http_msg *q = ex->request, *r = ex->response;
  unsigned code = r != NULL && !r->is_request && r->status_code.sp.len ? (unsigned)r->status_code.v
                                                                       : 0;
  const bcastdec_digest_auth *ch = bcastdec_digest_msg_auth(ex->challenge);
  if (code == 401 && (ch == NULL || !ch->is_digest))
    add(&o, BCASTDEC__F_HTTP_CHALLENGE_MISSING, whole_start_line(r),
        ex->challenge == NULL ? "401 without a WWW-Authenticate header"
                              : "401 without a Digest challenge");
  if (q != NULL && ex->prev_challenge != NULL) {
    if (ex->authorization == NULL) {
      add(&o, BCASTDEC__F_HTTP_RETRY_NO_AUTH, whole_start_line(q), NULL);
    } else {
      /* a 401 may offer one Digest challenge per algorithm (RFC 7616
       * 3.7): the retry must answer one of them */
      const char *realm = dval(ex->authorization, BCASTDEC_DIGEST_P_REALM);
      const char *nonce = dval(ex->authorization, BCASTDEC_DIGEST_P_NONCE);
      int n_digest = 0, realm_ok = 0, nonce_ok = 0;
      for (size_t i = 0; i < ex->prev_challenge->n_auths; i++) {
        const bcastdec_digest_auth *c = &ex->prev_challenge->auths[i];
        if (!c->is_digest) continue;
        n_digest++;
        const char *cr = bcastdec_digest_value(c, BCASTDEC_DIGEST_P_REALM);
        const char *cn = bcastdec_digest_value(c, BCASTDEC_DIGEST_P_NONCE);
        if (cr == NULL || same(realm, cr)) {
          realm_ok = 1;
          if (cn == NULL || same(nonce, cn)) nonce_ok = 1;
        }
      }
      if (n_digest && !realm_ok)
        add(&o, BCASTDEC__F_HTTP_RETRY_MISMATCH, header_sp(q, "Authorization"),
            "the retry's realm is not the one the 401 challenged with");
      else if (n_digest && !nonce_ok)
        add(&o, BCASTDEC__F_HTTP_RETRY_MISMATCH, header_sp(q, "Authorization"),
            "the retry's nonce is not the one the 401 gave");
    }
  }
  if (q != NULL && r != NULL) {
    if (ex->authorization != NULL && code == 401)
      add(&o, BCASTDEC__F_HTTP_AUTH_REJECTED, whole_start_line(r), NULL);
    if (ex->authorization == NULL && code / 100 == 2 && digest_protected(q))
      add(&o, BCASTDEC__F_HTTP_UNAUTHENTICATED, whole_start_line(r), NULL);
  }
  const struct bcastdec_xml *x = ex->response_xml;
  if (x != NULL) {
    int i = bcastdec_xml_find_field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, -1);
    const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(ex->authorization);
    if (i >= 0 && x->fields[i].valid && x->fields[i].num == 1 && a != NULL &&
        a->user_kind == BCASTDEC_DIGEST_USER_NAI)
      add(&o, BCASTDEC__F_HTTP_REGISTRATION_NAI, x->fields[i].sp,
          "registrationRequired=true answered to NAI subscriber %.80s: an (R-)UIM/CSIM "
          "terminal never registers",
          a->username != NULL ? a->username : "?");
    int g = bcastdec_xml_find_field(x, BCASTDEC_XF_GLOBAL_STATUS_CODE, -1);
    if (g >= 0 && x->fields[g].valid && code != 0) {
      uint64_t gs = x->fields[g].num;
      if ((code / 100 == 2) != (gs == 0))
        add(&o, BCASTDEC__F_HTTP_STATUS_MISMATCH, x->fields[g].sp,
            "HTTP status %u but globalStatusCode %llu (0 = success)", code,
            (unsigned long long)gs);
    }
  }
  return o.n;
}
