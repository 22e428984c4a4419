/* SPDX-License-Identifier: MIT */
/*
 * HTTP Digest access authentication of the Smartcard Profile (PROFILE.md
 * section 7; seed rules 9-10): parsing of the WWW-Authenticate,
 * Authorization and Authentication-Info header values, username
 * classification (B-TID / NAI), and verification of response and rspauth
 * with the subscriber's SRK.
 *
 * Ref: RFC 7230 3.2.6 (token, quoted-string, quoted-pair), RFC 7235 2.1
 * (challenge, credentials, auth-param, token68), RFC 2617 3.2.1-3.2.3 and
 * RFC 7616 3.3-3.5 (Digest directives and computation), RFC 2069 (no qop),
 * RFC 5987 3.2 (ext-value of username*), TS 33.220 (B-TID), RFC 7542 (NAI).
 *
 * The input is read only through the bounded reader (bcastdec_reader.h);
 * every string the result exposes is an owned copy.  Secrets (password text
 * forms of the SRK, H(A1), which is password-equivalent) live in stack
 * buffers that are wiped on every return path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/digest.h>

#include "bcastdec_crypto.h"
#include "bcastdec_internal.h"

#define MAX_PARAMS 256 /* per header value; real headers carry about 12 */
#define MAX_AUTHS 64   /* challenges per WWW-Authenticate value */
#define MAX_HASH 32    /* SHA-256 */

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const pid_names[BCASTDEC_DIGEST_P_COUNT] = {
    [BCASTDEC_DIGEST_P_UNKNOWN] = NULL,
    [BCASTDEC_DIGEST_P_USERNAME] = "username",
    [BCASTDEC_DIGEST_P_USERNAME_EXT] = "username*",
    [BCASTDEC_DIGEST_P_REALM] = "realm",
    [BCASTDEC_DIGEST_P_NONCE] = "nonce",
    [BCASTDEC_DIGEST_P_URI] = "uri",
    [BCASTDEC_DIGEST_P_QOP] = "qop",
    [BCASTDEC_DIGEST_P_NC] = "nc",
    [BCASTDEC_DIGEST_P_CNONCE] = "cnonce",
    [BCASTDEC_DIGEST_P_RESPONSE] = "response",
    [BCASTDEC_DIGEST_P_ALGORITHM] = "algorithm",
    [BCASTDEC_DIGEST_P_OPAQUE] = "opaque",
    [BCASTDEC_DIGEST_P_STALE] = "stale",
    [BCASTDEC_DIGEST_P_DOMAIN] = "domain",
    [BCASTDEC_DIGEST_P_CHARSET] = "charset",
    [BCASTDEC_DIGEST_P_USERHASH] = "userhash",
    [BCASTDEC_DIGEST_P_RSPAUTH] = "rspauth",
    [BCASTDEC_DIGEST_P_NEXTNONCE] = "nextnonce",
};

static const char *const alg_names[] = {
    [BCASTDEC_DIGEST_ALG_UNKNOWN] = NULL,
    [BCASTDEC_DIGEST_ALG_MD5] = "MD5",
    [BCASTDEC_DIGEST_ALG_MD5_SESS] = "MD5-sess",
    [BCASTDEC_DIGEST_ALG_SHA256] = "SHA-256",
    [BCASTDEC_DIGEST_ALG_SHA256_SESS] = "SHA-256-sess",
    [BCASTDEC_DIGEST_ALG_SHA512_256] = "SHA-512-256",
    [BCASTDEC_DIGEST_ALG_SHA512_256_SESS] = "SHA-512-256-sess",
};

static const char *const kind_names[] = {NULL, "www-authenticate", "authorization",
                                         "authentication-info"};
static const char *const qop_names[] = {"none", "auth", "auth-int", "other"};
static const char *const user_kind_names[] = {"unknown", "b-tid", "nai", "hashed"};
static const char *const outcome_names[] = {"not_checked", "verified", "failed",
                                            "no_srk",      "malformed", "unsupported"};
static const char *const pwform_names[] = {"any", "base64", "hex", "raw"};
static const char *const srk_src_names[] = {"none", "explicit", "identity", "userhash",
                                            "wildcard"};

#define NAME_OF(t, v) ((size_t)(v) < sizeof(t) / sizeof((t)[0]) ? (t)[v] : NULL)

const char *bcastdec_digest_kind_name(unsigned k) { return NAME_OF(kind_names, k); }
const char *bcastdec_digest_param_name(unsigned pid) { return NAME_OF(pid_names, pid); }
const char *bcastdec_digest_alg_name(unsigned a) { return NAME_OF(alg_names, a); }
const char *bcastdec_digest_qop_name(unsigned q) { return NAME_OF(qop_names, q); }
const char *bcastdec_digest_user_kind_name(unsigned k) { return NAME_OF(user_kind_names, k); }
const char *bcastdec_digest_outcome_name(unsigned o) { return NAME_OF(outcome_names, o); }
const char *bcastdec_digest_pwform_name(unsigned f) { return NAME_OF(pwform_names, f); }
const char *bcastdec_digest_srk_src_name(unsigned s) { return NAME_OF(srk_src_names, s); }

/* ------------------------------------------------------------------------ */
/* Small text helpers (on owned copies and caller strings, not on input)     */
/* ------------------------------------------------------------------------ */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* Case-insensitive equality of |a| (|n| bytes) and the NUL-terminated |b|. */
static int ieq(const char *a, size_t n, const char *b) {
  size_t i = 0;
  for (; i < n && b[i] != '\0'; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return i == n && b[i] == '\0';
}

static int ieq2(const char *a, size_t an, const char *b, size_t bn) {
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* RFC 7230 3.2.6 tchar */
static int is_tchar(int c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c >= 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL && c != '\0';
}

/* RFC 7235 2.1 token68 characters (before the trailing '='s) */
static int is_t68char(int c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

static int is_ows(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* ------------------------------------------------------------------------ */
/* Result allocation                                                        */
/* ------------------------------------------------------------------------ */

typedef struct dbox {
  bcastdec_digest_msg m;
  bcastdec_digest_param *params; /* all auths' parameters, in order */
  size_t n_params, cap_params;
  size_t *first;                 /* per auth: index of its first parameter */
  size_t cap_auths, cap_first, cap_findings;
  char *text;                    /* owned strings, NUL-terminated */
  size_t text_used, text_cap;
} dbox;

void bcastdec_digest_msg_free(bcastdec_digest_msg *m) {
  if (m == NULL) return;
  dbox *b = (dbox *)m;
  free(b->params);
  free(b->first);
  free(b->text);
  free(m->auths);
  free(m->findings);
  free(b);
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct parser {
  dbox *b;
  bcastdec__rd r;
  unsigned kind;
  int nomem;
  bcastdec_status st; /* first TRUNCATED / MALFORMED / UNSUPPORTED of the syntax */
} parser;

static void vfinding(dbox *b, int *nomem, bcastdec__fid id, bcastdec_span sp, const char *fmt,
                     va_list ap) {
  bcastdec_digest_msg *m = &b->m;
  if (!bcastdec__grow((void **)&m->findings, &b->cap_findings, sizeof *m->findings, m->n_findings + 1)) {
    *nomem = 1;
    return;
  }
  bcastdec__finding_vfill(&m->findings[m->n_findings++], id, sp, fmt, ap);
}

static void finding(parser *p, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void finding(parser *p, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfinding(p->b, &p->nomem, id, sp, fmt, ap);
  va_end(ap);
}

/* Records the first syntax problem: status, span from |off| to the end of
 * the value (or |len| bytes), text, and its finding. */
static void fail(parser *p, bcastdec_status st, size_t off, size_t len, const char *text) {
  bcastdec_digest_msg *m = &p->b->m;
  if (p->st != BCASTDEC_OK) return;
  p->st = st;
  m->err_sp = bcastdec__wire_span(off, len);
  m->err_text = text;
  if (st == BCASTDEC_ERR_TRUNCATED)
    finding(p, BCASTDEC__F_DIGEST_TRUNCATED, m->err_sp, "%s", text);
  else if (st == BCASTDEC_ERR_MALFORMED)
    finding(p, BCASTDEC__F_DIGEST_MALFORMED, m->err_sp, "%s", text);
}

static size_t off_of(const parser *p) { return bcastdec__rd_off(&p->r); }

/* Next byte without consuming it, -1 at the end. */
static int peek(const bcastdec__rd *r) {
  if (r->err != BCASTDEC_OK || bcastdec__rd_left(r) == 0) return -1;
  bcastdec__rd t = *r;
  return bcastdec__rd_u8(&t, NULL);
}

static int take(bcastdec__rd *r) {
  if (r->err != BCASTDEC_OK || bcastdec__rd_left(r) == 0) return -1;
  return bcastdec__rd_u8(r, NULL);
}

static void skip_ows(bcastdec__rd *r) {
  while (is_ows(peek(r))) (void)take(r);
}

/* The owned-text arena.  Its size is fixed before parsing from the input
 * length (see bcastdec_digest_parse), so pointers into it stay valid. */
static char *text_mark(parser *p) { return p->b->text + p->b->text_used; }

static void text_put(parser *p, int c) {
  dbox *b = p->b;
  if (b->text_used + 1 >= b->text_cap) { /* keep room for the closing NUL */
    p->nomem = 1;
    return;
  }
  b->text[b->text_used++] = (char)c;
}

static void text_end(parser *p) {
  dbox *b = p->b;
  if (b->text_used < b->text_cap) b->text[b->text_used++] = '\0';
  else p->nomem = 1;
}

/* 1*tchar at the cursor, copied; *sp receives its span. */
static const char *read_token(parser *p, bcastdec_span *sp) {
  const char *s = text_mark(p);
  size_t start = off_of(p);
  while (is_tchar(peek(&p->r))) text_put(p, take(&p->r));
  text_end(p);
  *sp = bcastdec__wire_span(start, off_of(p) - start);
  return s;
}

/*
 * quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE   (RFC 7230 3.2.6)
 * qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 * quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
 * The cursor is on the opening quote.  The unescaped content is copied.
 */
static int read_quoted(parser *p, const char **val, size_t *vlen) {
  size_t start = off_of(p);
  char *s = text_mark(p);
  size_t n = 0;

  (void)take(&p->r); /* DQUOTE */
  for (;;) {
    int c = take(&p->r);
    if (c < 0) {
      fail(p, BCASTDEC_ERR_TRUNCATED, start, off_of(p) - start,
           "quoted string not terminated");
      break;
    }
    if (c == '"') {
      text_end(p);
      *val = s;
      *vlen = n;
      return 1;
    }
    if (c == '\\') {
      size_t at = off_of(p) - 1;
      c = take(&p->r);
      if (c < 0) {
        fail(p, BCASTDEC_ERR_TRUNCATED, start, off_of(p) - start,
             "value ends after a backslash in a quoted string");
        break;
      }
      if (c != '\t' && (c < 0x20 || c == 0x7f)) {
        fail(p, BCASTDEC_ERR_MALFORMED, at, 2, "control character after a backslash");
        break;
      }
    } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      fail(p, BCASTDEC_ERR_MALFORMED, off_of(p) - 1, 1,
           "control character in a quoted string");
      break;
    }
    text_put(p, c);
    n++;
  }
  text_end(p);
  *val = s;
  *vlen = n;
  return 0;
}

static bcastdec_digest_auth *cur_auth(parser *p) {
  bcastdec_digest_msg *m = &p->b->m;
  return m->n_auths > 0 ? &m->auths[m->n_auths - 1] : NULL;
}

/* Extends the current auth's span to the cursor. */
static void auth_reach(parser *p) {
  bcastdec_digest_auth *a = cur_auth(p);
  if (a != NULL) a->sp.len = (uint32_t)(off_of(p) - a->sp.off);
}

static int new_auth(parser *p, const char *scheme, bcastdec_span ssp) {
  dbox *b = p->b;
  bcastdec_digest_msg *m = &b->m;
  if (m->n_auths >= MAX_AUTHS) {
    fail(p, BCASTDEC_ERR_UNSUPPORTED, ssp.off, ssp.len, "more challenges than bcastdec decodes");
    return 0;
  }
  if (!bcastdec__grow((void **)&m->auths, &b->cap_auths, sizeof *m->auths, m->n_auths + 1) ||
      !bcastdec__grow((void **)&b->first, &b->cap_first, sizeof *b->first, m->n_auths + 1)) {
    p->nomem = 1;
    return 0;
  }
  bcastdec_digest_auth *a = &m->auths[m->n_auths];
  memset(a, 0, sizeof *a);
  b->first[m->n_auths] = b->n_params;
  m->n_auths++;
  for (size_t i = 0; i < BCASTDEC_DIGEST_P_COUNT; i++) a->idx[i] = -1;
  a->sp = bcastdec__wire_span(ssp.off, ssp.len);
  a->scheme_sp = ssp;
  a->scheme = scheme;
  a->is_digest = p->kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO ||
                 ieq(scheme, strlen(scheme), "Digest");
  a->status = BCASTDEC_OK;
  a->token68_sp = bcastdec__wire_span(ssp.off + ssp.len, 0);
  a->algorithm = BCASTDEC_DIGEST_ALG_MD5;
  return 1;
}

static unsigned pid_of(const char *name, size_t n) {
  for (unsigned i = 1; i < BCASTDEC_DIGEST_P_COUNT; i++)
    if (ieq(name, n, pid_names[i])) return i;
  return BCASTDEC_DIGEST_P_UNKNOWN;
}

static void add_param(parser *p, const char *name, bcastdec_span nsp, const char *val,
                      size_t vlen, bcastdec_span vsp, int quoted) {
  dbox *b = p->b;
  bcastdec_digest_auth *a = cur_auth(p);
  size_t first = b->first[b->m.n_auths - 1];
  if (b->n_params >= MAX_PARAMS) {
    fail(p, BCASTDEC_ERR_UNSUPPORTED, nsp.off, nsp.len,
         "more parameters than bcastdec decodes");
    return;
  }
  if (!bcastdec__grow((void **)&b->params, &b->cap_params, sizeof *b->params, b->n_params + 1)) {
    p->nomem = 1;
    return;
  }
  bcastdec_digest_param *q = &b->params[b->n_params];
  memset(q, 0, sizeof *q);
  q->name = name;
  q->name_sp = nsp;
  q->value = val;
  q->value_len = vlen;
  q->value_sp = vsp;
  q->quoted = (uint8_t)quoted;
  q->id = (uint8_t)pid_of(name, nsp.len);
  for (size_t i = first; i < b->n_params; i++) {
    if (b->params[i].repeated || !ieq2(b->params[i].name, b->params[i].name_sp.len, name,
                                       nsp.len))
      continue;
    q->repeated = 1;
    finding(p, BCASTDEC__F_DIGEST_REPEATED_PARAM, nsp,
            "parameter \"%.40s\" repeated; the first one (offset %u) is used", name,
            (unsigned)b->params[i].name_sp.off);
    break;
  }
  if (!q->repeated && q->id != BCASTDEC_DIGEST_P_UNKNOWN)
    a->idx[q->id] = (int)(b->n_params - first);
  b->n_params++;
  a->n_params++;
}

/* auth-param = token BWS "=" BWS ( token / quoted-string ); the name is
 * read, the cursor is on '='. */
static int param_value(parser *p, const char *name, bcastdec_span nsp) {
  const char *val = NULL;
  size_t vlen = 0, vstart;
  int quoted = 0;

  (void)take(&p->r); /* '=' */
  skip_ows(&p->r);
  vstart = off_of(p);
  int c = peek(&p->r);
  if (c < 0) {
    fail(p, BCASTDEC_ERR_TRUNCATED, nsp.off, vstart - nsp.off,
         "value ends before the parameter's value");
    return 0;
  }
  if (c == '"') {
    quoted = 1;
    if (!read_quoted(p, &val, &vlen)) return 0;
  } else if (is_tchar(c)) {
    bcastdec_span vs;
    val = read_token(p, &vs);
    vlen = vs.len;
  } else {
    fail(p, BCASTDEC_ERR_MALFORMED, vstart, 1,
         "parameter value is neither a token nor a quoted string");
    return 0;
  }
  add_param(p, name, nsp, val, vlen, bcastdec__wire_span(vstart, off_of(p) - vstart), quoted);
  auth_reach(p);
  return p->st == BCASTDEC_OK;
}

/* After a non-Digest scheme: token68 = 1*t68char *"=", followed by the end
 * or a comma.  Only its span is kept (it may carry credentials). */
static int try_token68(parser *p) {
  bcastdec__rd t = p->r;
  size_t start = off_of(p), n = 0;
  while (is_t68char(peek(&t))) {
    (void)take(&t);
    n++;
  }
  if (n == 0) return 0;
  while (peek(&t) == '=') (void)take(&t);
  size_t end = bcastdec__rd_off(&t);
  skip_ows(&t);
  int c = peek(&t);
  if (c >= 0 && c != ',') return 0;
  /* "name=" with an empty value is read as token68 here: only another
   * scheme's data can look like that. */
  bcastdec_digest_auth *a = cur_auth(p);
  a->token68_sp = bcastdec__wire_span(start, end - start);
  while (off_of(p) < end) (void)take(&p->r);
  auth_reach(p);
  return 1;
}

/*
 * challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]   (RFC 7235)
 * credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 * Authentication-Info = #auth-param                              (RFC 7615)
 * A list element that is a bare token starts a new challenge; empty list
 * elements are skipped.
 */
enum { AT_ELEMENT, AT_FIRST_PARAM };

static void parse_list(parser *p) {
  int where = AT_ELEMENT;

  if (p->kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO) {
    char *s = text_mark(p);
    text_end(p);
    if (!new_auth(p, s, bcastdec__wire_span(0, 0))) return;
  }
  while (p->st == BCASTDEC_OK && !p->nomem) {
    skip_ows(&p->r);
    int c = peek(&p->r);
    if (c < 0) break;
    if (c == ',') {
      (void)take(&p->r);
      where = AT_ELEMENT;
      continue;
    }
    if (!is_tchar(c)) {
      fail(p, BCASTDEC_ERR_MALFORMED, off_of(p), 1,
           c == '"' ? "quoted string where a name is expected"
                    : "character that starts neither a name nor a scheme");
      break;
    }
    bcastdec_span nsp;
    const char *name = read_token(p, &nsp);
    skip_ows(&p->r);
    if (peek(&p->r) == '=') {
      if (cur_auth(p) == NULL) {
        fail(p, BCASTDEC_ERR_MALFORMED, nsp.off, nsp.len, "parameter before any auth scheme");
        break;
      }
      if (!param_value(p, name, nsp)) break;
      skip_ows(&p->r);
      c = peek(&p->r);
      if (c >= 0 && c != ',') {
        fail(p, BCASTDEC_ERR_MALFORMED, off_of(p), 1, "expected ',' between parameters");
        break;
      }
      where = AT_ELEMENT;
      continue;
    }
    /* a bare token */
    if (p->kind != BCASTDEC_DIGEST_WWW_AUTHENTICATE && cur_auth(p) != NULL) {
      fail(p, BCASTDEC_ERR_MALFORMED, nsp.off, nsp.len, "parameter without '=' and value");
      break;
    }
    if (where == AT_FIRST_PARAM) {
      fail(p, BCASTDEC_ERR_MALFORMED, nsp.off, nsp.len,
           "expected a parameter or ',' after the auth scheme");
      break;
    }
    if (!new_auth(p, name, nsp)) break;
    bcastdec_digest_auth *a = cur_auth(p);
    if (p->kind == BCASTDEC_DIGEST_AUTHORIZATION && !a->is_digest) {
      /* Other schemes' credentials are not parsed: Basic carries the
       * password itself. */
      a->status = BCASTDEC_ERR_UNSUPPORTED;
      break;
    }
    where = AT_FIRST_PARAM;
    if (!a->is_digest && try_token68(p)) where = AT_ELEMENT;
  }
}

/* ------------------------------------------------------------------------ */
/* Typed view                                                               */
/* ------------------------------------------------------------------------ */

const bcastdec_digest_param *bcastdec_digest_param_get(const bcastdec_digest_auth *a,
                                                       unsigned pid) {
  if (a == NULL || pid == 0 || pid >= BCASTDEC_DIGEST_P_COUNT || a->idx[pid] < 0) return NULL;
  return &a->params[a->idx[pid]];
}

const char *bcastdec_digest_value(const bcastdec_digest_auth *a, unsigned pid) {
  const bcastdec_digest_param *q = bcastdec_digest_param_get(a, pid);
  return q != NULL ? q->value : NULL;
}

const bcastdec_digest_auth *bcastdec_digest_msg_auth(const bcastdec_digest_msg *m) {
  if (m == NULL || m->i_digest < 0 || (size_t)m->i_digest >= m->n_auths) return NULL;
  return &m->auths[m->i_digest];
}

static unsigned alg_of(const char *v, size_t n) {
  for (unsigned i = 1; i < sizeof alg_names / sizeof alg_names[0]; i++)
    if (ieq(v, n, alg_names[i])) return i;
  return BCASTDEC_DIGEST_ALG_UNKNOWN;
}

static unsigned qop_of(const char *v, size_t n) {
  if (ieq(v, n, "auth")) return BCASTDEC_DIGEST_QOP_AUTH;
  if (ieq(v, n, "auth-int")) return BCASTDEC_DIGEST_QOP_AUTH_INT;
  return BCASTDEC_DIGEST_QOP_OTHER;
}

/* qop-options of a challenge: a comma-separated list inside the value. */
static unsigned qop_offer(const char *v, size_t n) {
  unsigned bits = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && (is_ows((unsigned char)v[i]) || v[i] == ',')) i++;
    size_t s = i;
    while (i < n && !is_ows((unsigned char)v[i]) && v[i] != ',') i++;
    if (i == s) continue;
    unsigned q = qop_of(v + s, i - s);
    bits |= q == BCASTDEC_DIGEST_QOP_AUTH       ? BCASTDEC_DIGEST_OFFER_AUTH
            : q == BCASTDEC_DIGEST_QOP_AUTH_INT ? BCASTDEC_DIGEST_OFFER_AUTH_INT
                                                : BCASTDEC_DIGEST_OFFER_OTHER;
  }
  return bits;
}

/*
 * username* (RFC 7616 3.4, RFC 5987 3.2.1):
 *   ext-value = charset "'" [ language ] "'" value-chars
 * UTF-8 bytes are kept, ISO-8859-1 is converted to UTF-8.  Returns 1 with
 * the decoded text in the arena, 0 (finding raised) when it cannot be
 * decoded.
 */
static int decode_ext(parser *p, const bcastdec_digest_param *q, bcastdec_digest_auth *a) {
  const char *v = q->value, *q1 = memchr(v, '\'', q->value_len), *q2;
  int latin1;
  if (q1 == NULL ||
      (q2 = memchr(q1 + 1, '\'', q->value_len - (size_t)(q1 + 1 - v))) == NULL) {
    finding(p, BCASTDEC__F_DIGEST_MALFORMED, q->value_sp,
            "username* is not charset'language'value (RFC 5987)");
    return 0;
  }
  if (ieq(v, (size_t)(q1 - v), "UTF-8")) {
    latin1 = 0;
  } else if (ieq(v, (size_t)(q1 - v), "ISO-8859-1")) {
    latin1 = 1;
  } else {
    finding(p, BCASTDEC__F_DIGEST_UNSUPPORTED, q->value_sp,
            "username* charset \"%.*s\" is not UTF-8 or ISO-8859-1",
            (int)((size_t)(q1 - v) < 40 ? (size_t)(q1 - v) : 40), v);
    return 0;
  }
  char *out = text_mark(p);
  size_t n = 0;
  const char *end = v + q->value_len;
  for (const char *s = q2 + 1; s < end; s++) {
    int c = (unsigned char)*s;
    if (c == '%') {
      if (end - s < 3 || hexval((unsigned char)s[1]) < 0 || hexval((unsigned char)s[2]) < 0) {
        finding(p, BCASTDEC__F_DIGEST_MALFORMED, q->value_sp,
                "username* has a bad percent-encoding");
        return 0;
      }
      c = hexval((unsigned char)s[1]) << 4 | hexval((unsigned char)s[2]);
      s += 2;
    } else if (!is_tchar(c) || c == '*' || c == '\'' || c == '%') {
      finding(p, BCASTDEC__F_DIGEST_MALFORMED, q->value_sp,
              "username* has a character that must be percent-encoded");
      return 0;
    }
    if (latin1 && c >= 0x80) {
      text_put(p, 0xc0 | c >> 6);
      text_put(p, 0x80 | (c & 0x3f));
      n += 2;
    } else {
      text_put(p, c);
      n++;
    }
  }
  text_end(p);
  a->username = out;
  a->username_len = n;
  a->user_src = BCASTDEC_DIGEST_USRC_EXT;
  return 1;
}

static void finish_auth(parser *p, bcastdec_digest_auth *a) {
  const bcastdec_digest_param *q;
  if (!a->is_digest) return;

  if ((q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_ALGORITHM)) != NULL) {
    a->algorithm = (uint8_t)alg_of(q->value, q->value_len);
    if (a->algorithm == BCASTDEC_DIGEST_ALG_UNKNOWN ||
        a->algorithm >= BCASTDEC_DIGEST_ALG_SHA512_256) {
      a->status = BCASTDEC_ERR_UNSUPPORTED;
      finding(p, BCASTDEC__F_DIGEST_UNSUPPORTED_ALG, q->value_sp,
              a->algorithm == BCASTDEC_DIGEST_ALG_UNKNOWN
                  ? "unknown Digest algorithm \"%.40s\""
                  : "Digest algorithm %.40s is not supported",
              q->value);
    }
  }
  if ((q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_QOP)) != NULL) {
    if (p->kind == BCASTDEC_DIGEST_WWW_AUTHENTICATE)
      a->qop_offered = (uint8_t)qop_offer(q->value, q->value_len);
    else
      a->qop = (uint8_t)qop_of(q->value, q->value_len);
  }
  if ((q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_NC)) != NULL && q->value_len == 8) {
    uint32_t v = 0;
    size_t i = 0;
    for (; i < 8 && hexval((unsigned char)q->value[i]) >= 0; i++)
      v = v << 4 | (uint32_t)hexval((unsigned char)q->value[i]);
    if (i == 8) {
      a->has_nc = 1;
      a->nc = v;
    }
  }
  if ((q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_STALE)) != NULL)
    a->stale = (uint8_t)ieq(q->value, q->value_len, "true");
  if ((q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERHASH)) != NULL)
    a->userhash = (uint8_t)ieq(q->value, q->value_len, "true");

  if (p->kind != BCASTDEC_DIGEST_AUTHORIZATION) return;
  const bcastdec_digest_param *plain = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERNAME);
  const bcastdec_digest_param *ext = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERNAME_EXT);
  if (plain != NULL && ext != NULL)
    /* RFC 7616 3.4: "MUST NOT" send both; the plain one is used. */
    finding(p, BCASTDEC__F_DIGEST_MALFORMED, ext->name_sp,
            "both username and username* present; username is used");
  if (plain != NULL) {
    a->username = plain->value;
    a->username_len = plain->value_len;
    a->user_src = BCASTDEC_DIGEST_USRC_PLAIN;
  } else if (ext != NULL) {
    (void)decode_ext(p, ext, a);
  }
  if (a->username == NULL) return;
  q = plain != NULL ? plain : ext;
  if (a->userhash) {
    a->user_kind = BCASTDEC_DIGEST_USER_HASHED;
    finding(p, BCASTDEC__F_DIGEST_USERHASH, q->value_sp, NULL);
    return;
  }
  a->user_kind = (uint8_t)bcastdec_digest_username_kind(a->username, a->username_len);
  if (a->user_kind == BCASTDEC_DIGEST_USER_UNKNOWN)
    finding(p, BCASTDEC__F_DIGEST_USERNAME_FORM, q->value_sp, NULL);
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

bcastdec_status bcastdec_digest_parse(bcastdec_digest_msg **out, unsigned kind,
                                      const char *value, size_t len) {
  parser p;
  dbox *b;
  bcastdec_digest_msg *m;

  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if ((value == NULL && len > 0) || kind < BCASTDEC_DIGEST_WWW_AUTHENTICATE ||
      kind > BCASTDEC_DIGEST_AUTHENTICATION_INFO)
    return BCASTDEC_ERR_ARG;
  b = calloc(1, sizeof *b);
  if (b == NULL) return BCASTDEC_ERR_NOMEM;
  m = &b->m;
  m->kind = (uint8_t)kind;
  m->text_len = len;
  m->i_digest = -1;
  m->priv_ = b;

  memset(&p, 0, sizeof p);
  p.b = b;
  p.kind = kind;
  p.st = BCASTDEC_OK;
  if (len > BCASTDEC_DIGEST_VALUE_MAX) {
    m->text_len = 0; /* nothing of it is looked at; no span points into it */
    fail(&p, BCASTDEC_ERR_UNSUPPORTED, 0, 0, "header value too long to decode");
    goto out;
  }
  /* Every input byte yields at most one byte of names and values, every
   * element (at least one input byte) up to two NULs, and username* up to
   * twice its length: 5 * len bounds the owned text. */
  b->text_cap = 5 * len + 16;
  b->text = malloc(b->text_cap);
  if (b->text == NULL) {
    p.nomem = 1;
    goto out;
  }
  p.r = bcastdec__rd_init((const uint8_t *)(value != NULL ? value : ""), len,
                          BCASTDEC_SRC_WIRE);
  parse_list(&p);
  if (p.nomem) goto out;

  /* Parameters are final: point the auths at them, derive the typed view. */
  for (size_t i = 0; i < m->n_auths; i++) {
    m->auths[i].params = b->params != NULL ? b->params + b->first[i] : NULL;
    finish_auth(&p, &m->auths[i]);
  }

  /* Which challenge / credentials to use, and the overall status. */
  for (size_t i = 0; i < m->n_auths && m->i_digest < 0; i++)
    if (m->auths[i].is_digest && m->auths[i].status == BCASTDEC_OK) m->i_digest = (int)i;
  for (size_t i = 0; i < m->n_auths && m->i_digest < 0; i++)
    if (m->auths[i].is_digest) m->i_digest = (int)i;

  if (p.st == BCASTDEC_OK && m->n_auths == 0) {
    fail(&p, BCASTDEC_ERR_MALFORMED, 0, len, "no auth scheme in the header value");
  } else if (p.st == BCASTDEC_OK && kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO &&
             m->auths[0].n_params == 0) {
    fail(&p, BCASTDEC_ERR_MALFORMED, 0, len, "no parameter in Authentication-Info");
  } else if (m->i_digest < 0 && m->n_auths > 0) {
    finding(&p, BCASTDEC__F_DIGEST_NOT_DIGEST, m->auths[0].scheme_sp,
            kind == BCASTDEC_DIGEST_AUTHORIZATION ? "credentials of scheme \"%.40s\", not Digest"
                                                  : "no Digest challenge (first scheme \"%.40s\")",
            m->auths[0].scheme);
    fail(&p, BCASTDEC_ERR_UNSUPPORTED, m->auths[0].scheme_sp.off, m->auths[0].scheme_sp.len,
         "no Digest challenge or credentials");
  } else if (m->i_digest >= 0 && m->auths[m->i_digest].status != BCASTDEC_OK) {
    const bcastdec_digest_param *q =
        bcastdec_digest_param_get(&m->auths[m->i_digest], BCASTDEC_DIGEST_P_ALGORITHM);
    bcastdec_span s = q != NULL ? q->value_sp : m->auths[m->i_digest].scheme_sp;
    fail(&p, BCASTDEC_ERR_UNSUPPORTED, s.off, s.len, "Digest algorithm not supported");
  }

out:
  if (p.nomem) {
    bcastdec_digest_msg_free(m);
    return BCASTDEC_ERR_NOMEM;
  }
  m->status = p.st;
  *out = m;
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Username classification                                                  */
/* ------------------------------------------------------------------------ */

static int b64char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

/* base64 of exactly 16 bytes: 22 characters, "==", zero pad bits. */
static int btid_local(const char *s, size_t n) {
  uint8_t rand[16];
  size_t got = 0;
  if (n != 24 || s[22] != '=' || s[23] != '=') return 0;
  for (size_t i = 0; i < 22; i++)
    if (!b64char((unsigned char)s[i])) return 0;
  int ok = bcastdec_base64_decode(s, n, rand, sizeof rand, &got) == BCASTDEC_OK && got == 16;
  bcastdec_memzero(rand, sizeof rand);
  return ok;
}

/* Two or more LDH labels of 1-63 characters, no '-' at either end of a
 * label, 253 characters at most (RFC 1035 2.3.1, RFC 1123 2.1). */
static int fqdn(const char *s, size_t n) {
  size_t labels = 0, i = 0;
  if (n == 0 || n > 253) return 0;
  while (i <= n) {
    size_t st = i;
    while (i < n && s[i] != '.') {
      int c = (unsigned char)s[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-'))
        return 0;
      i++;
    }
    size_t ln = i - st;
    if (ln == 0 || ln > 63 || s[st] == '-' || s[i - 1] == '-') return 0;
    labels++;
    i++; /* past the '.' (or past the end) */
  }
  return labels >= 2;
}

unsigned bcastdec_digest_username_kind(const char *u, size_t len) {
  const char *at;
  if (u == NULL || len == 0 || (at = memchr(u, '@', len)) == NULL)
    return BCASTDEC_DIGEST_USER_UNKNOWN;
  size_t ul = (size_t)(at - u), rl = len - ul - 1;
  if (ul == 0 || rl == 0) return BCASTDEC_DIGEST_USER_UNKNOWN;
  /* TS 33.220: B-TID = base64encode(RAND) "@" BSF_servers_domain_name */
  if (btid_local(u, ul) && fqdn(at + 1, rl)) return BCASTDEC_DIGEST_USER_BTID;
  /* RFC 7542: utf8-username "@" realm; no space, control or second '@' */
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)u[i];
    if (c <= 0x20 || c == 0x7f || (c == '@' && u + i != at)) return BCASTDEC_DIGEST_USER_UNKNOWN;
  }
  return BCASTDEC_DIGEST_USER_NAI;
}

/* ------------------------------------------------------------------------ */
/* Verification                                                             */
/* ------------------------------------------------------------------------ */

/* Lowercase hex without table lookups (the input can be H(A1), which is
 * password-equivalent): 10 + n maps to 'a' + n by arithmetic. */
static void hex_ct(char *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < 2; k++) {
      unsigned v = k == 0 ? in[i] >> 4 : in[i] & 15u;
      /* (9 - v) >> 8 is all ones when v > 9 */
      unsigned d = v + '0' + (((9u - v) >> 8) & ('a' - '0' - 10u));
      out[2 * i + (size_t)k] = (char)d;
    }
  }
}

/* base64 (RFC 4648 4, with padding) without table lookups. */
static char b64_ct(unsigned v) {
  /* 0-25 'A'.., 26-51 'a'.., 52-61 '0'.., 62 '+', 63 '/' */
  unsigned c = v + 'A';
  c += ((25u - v) >> 8) & 6u;               /* v >= 26: 'a' - 'A' - 26 */
  c -= ((51u - v) >> 8) & 75u;              /* v >= 52: '0' - 'a' + 26 */
  c -= ((61u - v) >> 8) & 15u;              /* v == 62: '+' - '0' - 10 */
  c += ((62u - v) >> 8) & 3u;               /* v == 63: '/' - '+' - 1 */
  return (char)c;
}

static size_t base64_ct(char *out, const uint8_t *in, size_t n) {
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64_ct(w >> 18 & 63);
    out[o++] = b64_ct(w >> 12 & 63);
    out[o++] = b64_ct(w >> 6 & 63);
    out[o++] = b64_ct(w & 63);
  }
  if (n - i == 1) {
    uint32_t w = (uint32_t)in[i] << 16;
    out[o++] = b64_ct(w >> 18 & 63);
    out[o++] = b64_ct(w >> 12 & 63);
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = b64_ct(w >> 18 & 63);
    out[o++] = b64_ct(w >> 12 & 63);
    out[o++] = b64_ct(w >> 6 & 63);
    out[o++] = '=';
  }
  return o;
}

/* Everything of the computation except the password (RFC 7616 3.4.1-3.4.3). */
typedef struct calc {
  unsigned alg;       /* BCASTDEC_DIGEST_ALG_* (supported ones) */
  int sess;
  size_t hlen;        /* 16 or 32 */
  const char *user;
  size_t user_len;
  const char *realm, *nonce, *cnonce, *nc, *qop, *uri, *method;
  int has_qop, auth_int;
  char hbody[2 * MAX_HASH]; /* H(entity-body) for auth-int */
  uint8_t expect[MAX_HASH]; /* response / rspauth sent */
} calc;

#define IOV_MAX_PIECES 11

typedef struct iovb {
  bcastdec__iov v[IOV_MAX_PIECES];
  size_t n;
} iovb;

static void iv_add(iovb *b, const void *p, size_t len) {
  if (b->n < IOV_MAX_PIECES) {
    b->v[b->n].p = (const uint8_t *)p;
    b->v[b->n].len = len;
    b->n++;
  }
}

static void iv_str(iovb *b, const char *s) { iv_add(b, s, strlen(s)); }

static void hash_hex(const calc *c, const iovb *b, char *hex) {
  uint8_t d[MAX_HASH];
  if (c->alg == BCASTDEC_DIGEST_ALG_MD5 || c->alg == BCASTDEC_DIGEST_ALG_MD5_SESS)
    bcastdec__md5(b->v, b->n, d);
  else
    bcastdec__sha256(b->v, b->n, d);
  hex_ct(hex, d, c->hlen);
  bcastdec_memzero(d, sizeof d);
}

/* 1 when the response computed with password |pw| equals c->expect. */
static int response_matches(const calc *c, const uint8_t *pw, size_t pw_len) {
  char ha1[2 * MAX_HASH], ha2[2 * MAX_HASH], sess[2 * MAX_HASH];
  uint8_t got[MAX_HASH];
  size_t hx = 2 * c->hlen;
  iovb b;
  int ok;

  /* H(A1), A1 = unq(username) ":" unq(realm) ":" passwd */
  memset(&b, 0, sizeof b);
  iv_add(&b, c->user, c->user_len);
  iv_str(&b, ":");
  iv_str(&b, c->realm);
  iv_str(&b, ":");
  iv_add(&b, pw, pw_len);
  hash_hex(c, &b, ha1);
  if (c->sess) {
    /* -sess: A1 = H(unq(username) ":" unq(realm) ":" passwd) ":" unq(nonce)
     * ":" unq(cnonce) */
    memset(&b, 0, sizeof b);
    iv_add(&b, ha1, hx);
    iv_str(&b, ":");
    iv_str(&b, c->nonce);
    iv_str(&b, ":");
    iv_str(&b, c->cnonce);
    hash_hex(c, &b, sess);
    memcpy(ha1, sess, hx);
  }
  /* H(A2), A2 = Method ":" request-uri [ ":" H(entity-body) ] */
  memset(&b, 0, sizeof b);
  iv_str(&b, c->method);
  iv_str(&b, ":");
  iv_str(&b, c->uri);
  if (c->auth_int) {
    iv_str(&b, ":");
    iv_add(&b, c->hbody, hx);
  }
  hash_hex(c, &b, ha2);
  /* KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)), or without qop
   * KD(H(A1), nonce ":" H(A2)) (RFC 2069) */
  memset(&b, 0, sizeof b);
  iv_add(&b, ha1, hx);
  iv_str(&b, ":");
  iv_str(&b, c->nonce);
  iv_str(&b, ":");
  if (c->has_qop) {
    iv_str(&b, c->nc);
    iv_str(&b, ":");
    iv_str(&b, c->cnonce);
    iv_str(&b, ":");
    iv_str(&b, c->qop);
    iv_str(&b, ":");
  }
  iv_add(&b, ha2, hx);
  if (c->alg == BCASTDEC_DIGEST_ALG_MD5 || c->alg == BCASTDEC_DIGEST_ALG_MD5_SESS)
    bcastdec__md5(b.v, b.n, got);
  else
    bcastdec__sha256(b.v, b.n, got);
  ok = bcastdec_ct_equal(got, c->expect, c->hlen);

  bcastdec_memzero(ha1, sizeof ha1);
  bcastdec_memzero(sess, sizeof sess);
  bcastdec_memzero(ha2, sizeof ha2);
  bcastdec_memzero(got, sizeof got);
  bcastdec_memzero(&b, sizeof b);
  return ok;
}

/* Tries the SRK in the allowed password forms; returns the form that
 * matched or 0. */
static unsigned try_srk(const calc *c, const uint8_t *srk, size_t srk_len, unsigned form) {
  char text[2 * BCASTDEC_KEY_MAX + 4]; /* hex is the longest form */
  unsigned hit = 0;
  for (unsigned f = BCASTDEC_DIGEST_PW_BASE64; f <= BCASTDEC_DIGEST_PW_RAW && !hit; f++) {
    if (form != BCASTDEC_DIGEST_PW_ANY && form != f) continue;
    size_t n;
    if (f == BCASTDEC_DIGEST_PW_BASE64) {
      n = base64_ct(text, srk, srk_len);
    } else if (f == BCASTDEC_DIGEST_PW_HEX) {
      hex_ct(text, srk, srk_len);
      n = 2 * srk_len;
    } else {
      memcpy(text, srk, srk_len);
      n = srk_len;
    }
    if (response_matches(c, (const uint8_t *)text, n)) hit = f;
  }
  bcastdec_memzero(text, sizeof text);
  return hit;
}

static void res_finding(bcastdec_digest_result *res, bcastdec__fid id, bcastdec_span sp,
                        const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void res_finding(bcastdec_digest_result *res, bcastdec__fid id, bcastdec_span sp,
                        const char *fmt, ...) {
  va_list ap;
  if (res->n_findings >= BCASTDEC_DIGEST_FINDINGS_MAX) return;
  va_start(ap, fmt);
  bcastdec__finding_vfill(&res->findings[res->n_findings++], id, sp, fmt, ap);
  va_end(ap);
}

static void set_outcome(bcastdec_digest_result *res, unsigned outcome, bcastdec__fid id,
                        bcastdec_span sp, const char *text) {
  res->outcome = (uint8_t)outcome;
  res_finding(res, id, sp, "%s", text);
}

static void srk_ref(bcastdec_key_ref *r, const bcastdec_key *k) {
  memset(r, 0, sizeof *r);
  r->role = BCASTDEC_ROLE_SRK;
  if (k == NULL) {
    r->origin = BCASTDEC_ORIGIN_API;
    snprintf(r->label, sizeof r->label, "SRK (given by the caller)");
    return;
  }
  r->origin = k->origin;
  r->origin_ref = k->origin_ref;
  snprintf(r->label, sizeof r->label, "SRK %s", k->identity != NULL ? k->identity : "?");
}

/*
 * Whether the parsed header can be verified at all; else the outcome is set.
 * |foreign| 1: the header is not the one the result's spans refer to (the
 * Authorization of an rspauth check), so findings get an empty span.
 */
static int usable(const bcastdec_digest_msg *msg, int foreign, bcastdec_digest_result *res,
                  const bcastdec_digest_auth **out) {
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(msg);
  const char *what = bcastdec_digest_kind_name(msg->kind);
  bcastdec_span at = foreign ? BCASTDEC__SPAN0 : msg->err_sp;
  *out = a;
  if (msg->status == BCASTDEC_ERR_TRUNCATED || msg->status == BCASTDEC_ERR_MALFORMED) {
    res->outcome = BCASTDEC_DIGEST_MALFORMED;
    res_finding(res, BCASTDEC__F_DIGEST_MALFORMED, at, "%s unusable: %s", what,
                msg->err_text != NULL ? msg->err_text : "parse error");
    return 0;
  }
  if (a == NULL) {
    res->outcome = BCASTDEC_DIGEST_UNSUPPORTED;
    res_finding(res, BCASTDEC__F_DIGEST_NOT_DIGEST, at, "%s is not Digest", what);
    return 0;
  }
  res->algorithm = a->algorithm;
  if (msg->status != BCASTDEC_OK) {
    const bcastdec_digest_param *q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_ALGORITHM);
    res->outcome = BCASTDEC_DIGEST_UNSUPPORTED;
    if (a->status != BCASTDEC_OK && q != NULL)
      res_finding(res, BCASTDEC__F_DIGEST_UNSUPPORTED_ALG, foreign ? at : q->value_sp,
                  "algorithm \"%.40s\" is not verified", q->value);
    else
      res_finding(res, BCASTDEC__F_DIGEST_UNSUPPORTED, at, "%s not verified: %s", what,
                  msg->err_text != NULL ? msg->err_text : "unsupported");
    return 0;
  }
  return 1;
}

/* Fills |c| from the credentials (and for rspauth the info).  Returns 1, or
 * 0 with the outcome set (MALFORMED / UNSUPPORTED). */
static int prepare(calc *c, const bcastdec_digest_auth *a, const bcastdec_digest_auth *info,
                   const char *method, const uint8_t *body, size_t body_len,
                   bcastdec_digest_result *res) {
  static const bcastdec_digest_pid need[] = {BCASTDEC_DIGEST_P_REALM, BCASTDEC_DIGEST_P_NONCE,
                                             BCASTDEC_DIGEST_P_URI};
  const bcastdec_digest_auth *qa = info != NULL ? info : a; /* qop, nc, cnonce */
  const bcastdec_digest_param *exp;
  /* rspauth: findings point into the Authentication-Info value only */
  bcastdec_span all = info != NULL ? BCASTDEC__SPAN0 : bcastdec__wire_span(a->sp.off, a->sp.len);
  char why[96];

  memset(c, 0, sizeof *c);
  c->alg = a->algorithm;
  c->sess = c->alg == BCASTDEC_DIGEST_ALG_MD5_SESS || c->alg == BCASTDEC_DIGEST_ALG_SHA256_SESS;
  c->hlen = c->alg <= BCASTDEC_DIGEST_ALG_MD5_SESS ? BCASTDEC__MD5_LEN : BCASTDEC__SHA256_LEN;
  res->algorithm = a->algorithm;

  if (a->username == NULL) {
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, all,
                "credentials carry no (decodable) username");
    return 0;
  }
  c->user = a->username;
  c->user_len = a->username_len;
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
    if (bcastdec_digest_value(a, need[i]) == NULL) {
      snprintf(why, sizeof why, "credentials lack %s", pid_names[need[i]]);
      set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, all, why);
      return 0;
    }
  }
  c->realm = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_REALM);
  c->nonce = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_NONCE);
  c->uri = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_URI);
  c->method = method;

  /* qop, nc, cnonce: from Authentication-Info, else from the request */
  const bcastdec_digest_auth *qsrc = bcastdec_digest_param_get(qa, BCASTDEC_DIGEST_P_QOP) != NULL
                                         ? qa : a;
  unsigned qop = qsrc->qop;
  res->qop = (uint8_t)qop;
  c->qop = bcastdec_digest_value(qsrc, BCASTDEC_DIGEST_P_QOP);
  c->has_qop = c->qop != NULL;
  c->auth_int = qop == BCASTDEC_DIGEST_QOP_AUTH_INT;
  if (qop == BCASTDEC_DIGEST_QOP_OTHER) {
    const bcastdec_digest_param *q = bcastdec_digest_param_get(qsrc, BCASTDEC_DIGEST_P_QOP);
    res->outcome = BCASTDEC_DIGEST_UNSUPPORTED;
    res_finding(res, BCASTDEC__F_DIGEST_UNSUPPORTED, qsrc == info ? q->value_sp : all,
                "qop \"%.40s\" is not verified (auth and auth-int are)", q->value);
    return 0;
  }
  c->cnonce = bcastdec_digest_value(qa, BCASTDEC_DIGEST_P_CNONCE);
  if (c->cnonce == NULL) c->cnonce = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_CNONCE);
  c->nc = bcastdec_digest_value(qa, BCASTDEC_DIGEST_P_NC);
  const bcastdec_digest_auth *ncsrc = c->nc != NULL ? qa : a;
  if (c->nc == NULL) c->nc = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_NC);
  if (c->has_qop && (c->cnonce == NULL || c->nc == NULL)) {
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, all,
                "qop given without cnonce and nc");
    return 0;
  }
  if (c->has_qop && !ncsrc->has_nc) {
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, all,
                "nc is not 8 hexadecimal digits");
    return 0;
  }
  if (c->sess && c->cnonce == NULL) {
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, all,
                "-sess algorithm without cnonce");
    return 0;
  }

  /* the value to compare with: hex, 2 * hlen digits (any case) */
  exp = info != NULL ? bcastdec_digest_param_get(info, BCASTDEC_DIGEST_P_RSPAUTH)
                     : bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_RESPONSE);
  if (exp == NULL) {
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED,
                info != NULL ? bcastdec__wire_span(info->sp.off, info->sp.len) : all,
                info != NULL ? "Authentication-Info carries no rspauth"
                             : "credentials lack response");
    return 0;
  }
  int bad = exp->value_len != 2 * c->hlen;
  for (size_t i = 0; !bad && i < c->hlen; i++) {
    int hi = hexval((unsigned char)exp->value[2 * i]);
    int lo = hexval((unsigned char)exp->value[2 * i + 1]);
    if (hi < 0 || lo < 0) bad = 1;
    else c->expect[i] = (uint8_t)(hi << 4 | lo);
  }
  if (bad) {
    snprintf(why, sizeof why, "%s is not %u hexadecimal digits",
             info != NULL ? "rspauth" : "response", (unsigned)(2 * c->hlen));
    set_outcome(res, BCASTDEC_DIGEST_MALFORMED, BCASTDEC__F_DIGEST_MALFORMED, exp->value_sp,
                why);
    return 0;
  }

  if (c->auth_int) {
    iovb b;
    memset(&b, 0, sizeof b);
    iv_add(&b, body, body_len);
    hash_hex(c, &b, c->hbody);
  }
  return 1;
}

/* H(identity ":" realm) as lowercase hex equals the (hashed) username. */
static int userhash_matches(const calc *c, const char *identity) {
  char hex[2 * MAX_HASH];
  iovb b;
  memset(&b, 0, sizeof b);
  iv_str(&b, identity);
  iv_str(&b, ":");
  iv_str(&b, c->realm);
  hash_hex(c, &b, hex);
  return ieq2(hex, 2 * c->hlen, c->user, c->user_len);
}

/* Tries the candidate SRKs; sets the outcome and findings. */
static void run(calc *c, const bcastdec_digest_auth *a, const bcastdec_keystore *ks,
                const uint8_t *srk, size_t srk_len, unsigned form, int rspauth,
                bcastdec_span sp_user, bcastdec_span sp_resp, bcastdec_digest_result *res) {
  unsigned hit = 0;
  const bcastdec_key *k = NULL;

  if (srk != NULL) {
    res->srk_src = BCASTDEC_DIGEST_SRK_EXPLICIT;
    srk_ref(&res->srk, NULL);
    res->user_kind = a->user_kind;
    if (a->userhash) {
      set_outcome(res, BCASTDEC_DIGEST_UNSUPPORTED, BCASTDEC__F_DIGEST_UNSUPPORTED, sp_user,
                  "userhash=true: the username behind the hash is unknown without a key "
                  "store");
      return;
    }
    res->n_srk_tried = 1;
    hit = try_srk(c, srk, srk_len, form);
  } else if (ks != NULL && a->userhash) {
    /* RFC 7616 3.4.4: username = H(unq(username) ":" unq(realm)) */
    for (k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_SRK, NULL); k != NULL;
         k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_SRK, k)) {
      if (k->identity == NULL || strcmp(k->identity, "*") == 0 || !userhash_matches(c, k->identity))
        continue;
      calc cc = *c;
      cc.user = k->identity;
      cc.user_len = strlen(k->identity);
      res->srk_src = BCASTDEC_DIGEST_SRK_USERHASH;
      srk_ref(&res->srk, k);
      res->user_kind = (uint8_t)bcastdec_digest_username_kind(cc.user, cc.user_len);
      res->n_srk_tried++;
      hit = try_srk(&cc, k->key, k->key_len, form);
      bcastdec_memzero(&cc, sizeof cc);
      if (hit) break;
    }
  } else if (ks != NULL) {
    const bcastdec_key *byid =
        bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, a->username, a->username_len);
    const bcastdec_key *wild = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "*", 1);
    res->user_kind = a->user_kind;
    if (byid != NULL) {
      k = byid;
      res->srk_src = BCASTDEC_DIGEST_SRK_IDENTITY;
      srk_ref(&res->srk, k);
      res->n_srk_tried++;
      hit = try_srk(c, k->key, k->key_len, form);
    }
    if (!hit && wild != NULL && wild != byid) {
      k = wild;
      res->srk_src = BCASTDEC_DIGEST_SRK_WILDCARD;
      srk_ref(&res->srk, k);
      res->n_srk_tried++;
      hit = try_srk(c, k->key, k->key_len, form);
    }
  }

  if (res->n_srk_tried == 0) {
    res->srk_src = BCASTDEC_DIGEST_SRK_NONE;
    res->outcome = BCASTDEC_DIGEST_NO_SRK;
    res_finding(res, BCASTDEC__F_DIGEST_NO_SRK, sp_user, "no SRK for username \"%.80s\"",
                a->username);
    return;
  }
  if (!hit) {
    res->outcome = BCASTDEC_DIGEST_FAILED;
    res_finding(res, rspauth ? BCASTDEC__F_DIGEST_RSPAUTH_FAILED : BCASTDEC__F_DIGEST_FAILED,
                sp_resp, "%s does not verify with %s%s (%s)", rspauth ? "rspauth" : "response",
                res->srk.label, res->n_srk_tried > 1 ? " nor the other SRK tried" : "",
                form == BCASTDEC_DIGEST_PW_ANY ? "base64, hex and raw password forms"
                                               : bcastdec_digest_pwform_name(form));
    return;
  }
  res->outcome = BCASTDEC_DIGEST_VERIFIED;
  res->password_form = (uint8_t)hit;
  if (hit != BCASTDEC_DIGEST_PW_BASE64)
    res_finding(res, BCASTDEC__F_DIGEST_PASSWORD_FORM, sp_resp,
                "%s verified with the SRK as %s text, not base64", rspauth ? "rspauth" : "response",
                bcastdec_digest_pwform_name(hit));
}

static bcastdec_span param_span(const bcastdec_digest_auth *a, unsigned pid) {
  const bcastdec_digest_param *q = bcastdec_digest_param_get(a, pid);
  return q != NULL ? q->value_sp : bcastdec__wire_span(a->sp.off, a->sp.len);
}

bcastdec_status bcastdec_digest_verify(const bcastdec_digest_msg *authz, const char *method,
                                       const uint8_t *body, size_t body_len,
                                       const bcastdec_keystore *ks, const uint8_t *srk,
                                       size_t srk_len, bcastdec_digest_result *res) {
  const bcastdec_digest_auth *a;
  calc c;

  if (res == NULL) return BCASTDEC_ERR_ARG;
  memset(res, 0, sizeof *res);
  if (authz == NULL || method == NULL || (body == NULL && body_len > 0) ||
      (srk != NULL && (srk_len == 0 || srk_len > BCASTDEC_KEY_MAX)) ||
      authz->kind != BCASTDEC_DIGEST_AUTHORIZATION)
    return BCASTDEC_ERR_ARG;
  if (!usable(authz, 0, res, &a)) return BCASTDEC_OK;
  if (!prepare(&c, a, NULL, method, body, body_len, res)) goto out;
  run(&c, a, ks, srk, srk_len, BCASTDEC_DIGEST_PW_ANY, 0,
      param_span(a, a->user_src == BCASTDEC_DIGEST_USRC_EXT ? BCASTDEC_DIGEST_P_USERNAME_EXT
                                                            : BCASTDEC_DIGEST_P_USERNAME),
      param_span(a, BCASTDEC_DIGEST_P_RESPONSE), res);
out:
  bcastdec_memzero(&c, sizeof c);
  return BCASTDEC_OK;
}

bcastdec_status bcastdec_digest_verify_rspauth(const bcastdec_digest_msg *info,
                                               const bcastdec_digest_msg *authz,
                                               const uint8_t *body, size_t body_len,
                                               const bcastdec_keystore *ks, const uint8_t *srk,
                                               size_t srk_len, unsigned form,
                                               bcastdec_digest_result *res) {
  const bcastdec_digest_auth *a, *ia;
  calc c;

  if (res == NULL) return BCASTDEC_ERR_ARG;
  memset(res, 0, sizeof *res);
  if (info == NULL || authz == NULL || (body == NULL && body_len > 0) ||
      (srk != NULL && (srk_len == 0 || srk_len > BCASTDEC_KEY_MAX)) ||
      form > BCASTDEC_DIGEST_PW_RAW || info->kind != BCASTDEC_DIGEST_AUTHENTICATION_INFO ||
      authz->kind != BCASTDEC_DIGEST_AUTHORIZATION)
    return BCASTDEC_ERR_ARG;
  if (!usable(info, 0, res, &ia)) return BCASTDEC_OK;
  if (!usable(authz, 1, res, &a)) return BCASTDEC_OK;
  /* RFC 2617 3.2.3: A2 = ":" digest-uri-value [ ":" H(entity-body) ] */
  if (!prepare(&c, a, ia, "", body, body_len, res)) goto out;
  run(&c, a, ks, srk, srk_len, form, 1, BCASTDEC__SPAN0,
      param_span(ia, BCASTDEC_DIGEST_P_RSPAUTH), res);
out:
  bcastdec_memzero(&c, sizeof c);
  return BCASTDEC_OK;
}
