/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the HTTP Digest entry points: the three header parsers
 * (WWW-Authenticate, Authorization, Authentication-Info) over the whole
 * input, then verification.  The input is "<Authorization value>" optionally
 * followed by "\n<Authentication-Info value>"; the second part is also the
 * entity body for qop=auth-int.  A fixed key store holds the SRKs of the
 * seeds (tests/data/digest/srk.keys and the unit tests' NAI SRK), so the
 * verified paths are reached, not only the failures.  The walker checks
 * every span and every string of the results: a wrong span is a crash here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* EXAMPLE KEYS ONLY (tests/data/digest/srk.keys; test_digest.c SRK_HEX). */
static const char KEYS[] =
    "SRK ESIzRFVmd4iZqrvM3e7/AA==@bsf.mnc001.mcc001.pub.3gppnetwork.org "
    "a689576a18530f4ceda9ba35ee213c37b31b50cf8121047336ba127de949561f\n"
    "SRK subscriber@operator.example "
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
    "SRK * 000102030405060708090a0b0c0d0e0f\n";

static const uint8_t SRK[32] = {0xa6, 0x89, 0x57, 0x6a, 0x18, 0x53, 0x0f, 0x4c,
                                0xed, 0xa9, 0xba, 0x35, 0xee, 0x21, 0x3c, 0x37,
                                0xb3, 0x1b, 0x50, 0xcf, 0x81, 0x21, 0x04, 0x73,
                                0x36, 0xba, 0x12, 0x7d, 0xe9, 0x49, 0x56, 0x1f};

static bcastdec_keystore *keystore(void) { return fuzz_keystore(KEYS, sizeof KEYS - 1); }

static void span(bcastdec_span s, size_t len) {
  if (s.src != BCASTDEC_SRC_WIRE && !(s.src == BCASTDEC_SRC_NONE && s.off == 0 && s.len == 0))
    abort();
  if ((uint64_t)s.off + s.len > len) abort();
}

static void text(const char *s, size_t n) {
  volatile char sink = 0;
  if (s == NULL) abort();
  for (size_t i = 0; i < n; i++) sink ^= s[i]; /* touch: ASan checks */
  if (s[n] != '\0') abort();
  (void)sink;
}

static void findings(const bcastdec_finding *f, size_t n, size_t len) {
  for (size_t i = 0; i < n; i++) {
    span(f[i].sp, len);
    if (f[i].info == NULL || memchr(f[i].text, 0, BCASTDEC_FINDING_TEXT_MAX) == NULL) abort();
  }
}

static void walk(const bcastdec_digest_msg *m) {
  size_t len = m->text_len;
  span(m->err_sp, len);
  if (m->status != BCASTDEC_OK && m->err_text == NULL) abort();
  if (m->i_digest >= 0 && (size_t)m->i_digest >= m->n_auths) abort();
  for (size_t i = 0; i < m->n_auths; i++) {
    const bcastdec_digest_auth *a = &m->auths[i];
    span(a->sp, len);
    span(a->scheme_sp, len);
    span(a->token68_sp, len);
    text(a->scheme, a->scheme_sp.len);
    for (size_t k = 0; k < a->n_params; k++) {
      const bcastdec_digest_param *q = &a->params[k];
      span(q->name_sp, len);
      span(q->value_sp, len);
      text(q->name, q->name_sp.len);
      text(q->value, q->value_len);
      if (strlen(q->value) != q->value_len || q->value_len > q->value_sp.len) abort();
      if (q->id >= BCASTDEC_DIGEST_P_COUNT) abort();
    }
    for (unsigned p = 1; p < BCASTDEC_DIGEST_P_COUNT; p++) {
      const bcastdec_digest_param *q = bcastdec_digest_param_get(a, p);
      if (q != NULL && (q->id != p || q->repeated)) abort();
    }
    if (a->username != NULL) text(a->username, a->username_len);
    if (a->algorithm > BCASTDEC_DIGEST_ALG_SHA512_256_SESS || a->qop > BCASTDEC_DIGEST_QOP_OTHER ||
        a->user_kind > BCASTDEC_DIGEST_USER_HASHED)
      abort();
  }
  findings(m->findings, m->n_findings, len);
}

static void result(const bcastdec_digest_result *r, size_t len) {
  if (r->outcome > BCASTDEC_DIGEST_UNSUPPORTED || r->password_form > BCASTDEC_DIGEST_PW_RAW ||
      r->n_findings > BCASTDEC_DIGEST_FINDINGS_MAX)
    abort();
  if ((r->outcome == BCASTDEC_DIGEST_VERIFIED) != (r->password_form != 0)) abort();
  if (memchr(r->srk.label, 0, sizeof r->srk.label) == NULL) abort();
  findings(r->findings, r->n_findings, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  bcastdec_digest_msg *m = NULL, *a = NULL, *i = NULL;

  for (unsigned kind = BCASTDEC_DIGEST_WWW_AUTHENTICATE;
       kind <= BCASTDEC_DIGEST_AUTHENTICATION_INFO; kind++) {
    if (bcastdec_digest_parse(&m, kind, in, size) == BCASTDEC_OK) {
      walk(m);
      bcastdec_digest_msg_free(m);
    }
  }

  const uint8_t *nl = size > 0 ? memchr(data, '\n', size) : NULL;
  size_t alen = nl != NULL ? (size_t)(nl - data) : size;
  const char *rest = nl != NULL ? (const char *)nl + 1 : in + size;
  size_t rlen = size - alen - (nl != NULL ? 1 : 0);
  if (bcastdec_digest_parse(&a, BCASTDEC_DIGEST_AUTHORIZATION, in, alen) != BCASTDEC_OK) goto out;
  if (bcastdec_digest_parse(&i, BCASTDEC_DIGEST_AUTHENTICATION_INFO, rest, rlen) != BCASTDEC_OK)
    goto out;
  walk(a);
  walk(i);

  bcastdec_digest_result r;
  if (bcastdec_digest_verify(a, "POST", (const uint8_t *)rest, rlen, keystore(), NULL, 0, &r) !=
      BCASTDEC_OK)
    abort();
  result(&r, a->text_len);
  unsigned form = r.password_form;
  if (bcastdec_digest_verify(a, "POST", NULL, 0, NULL, SRK, sizeof SRK, &r) != BCASTDEC_OK)
    abort();
  result(&r, a->text_len);
  if (bcastdec_digest_verify_rspauth(i, a, (const uint8_t *)rest, rlen, keystore(), NULL, 0,
                                     form, &r) != BCASTDEC_OK)
    abort();
  result(&r, i->text_len);

out:
  bcastdec_digest_msg_free(a);
  bcastdec_digest_msg_free(i);
  return 0;
}
