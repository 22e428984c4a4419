/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the HTTP Digest module (bcastdec_digest.c).
 *
 * Vectors:
 *  - RFC 2617 section 3.5 (Mufasa, "Circle Of Life": response
 *    6629fae49393a05397450978507c4ef1) and its rspauth;
 *  - RFC 7616 section 3.9.1 (MD5 8ca523f5..., SHA-256 753927fa...);
 *  - every other expected value (sess variants, auth-int, RFC 2069, the SRK
 *    password forms, userhash, username*) was computed with Python hashlib
 *    by tests/data/digest/vectors.py, independently of libbcastdec; run it
 *    to see them;
 *  - exchanges recorded from curl 7.88.1 against a local server by
 *    tests/data/digest/record.py (response and rspauth checked with hashlib
 *    when recorded).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>

#include "bcastdec_internal.h"
#include "check.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Parses |s| (NUL-terminated) as |kind|; the call itself must succeed. */
static bcastdec_digest_msg *parse(unsigned kind, const char *s) {
  bcastdec_digest_msg *m = NULL;
  if (bcastdec_digest_parse(&m, kind, s, strlen(s)) != BCASTDEC_OK || m == NULL) {
    fprintf(stderr, "  parse failed: %s\n", s);
    abort();
  }
  return m;
}

static bcastdec_digest_msg *authz(const char *s) {
  return parse(BCASTDEC_DIGEST_AUTHORIZATION, s);
}

/* Number of findings with |id| in the parse result. */
static int nfind(const bcastdec_digest_msg *m, const char *id) {
  int n = 0;
  for (size_t i = 0; i < m->n_findings; i++)
    if (strcmp(m->findings[i].info->id, id) == 0) n++;
  return n;
}

static int rfind(const bcastdec_digest_result *r, const char *id) {
  int n = 0;
  for (size_t i = 0; i < r->n_findings; i++)
    if (strcmp(r->findings[i].info->id, id) == 0) n++;
  return n;
}

/* The text a span covers equals |want|. */
static int span_is(const char *text, bcastdec_span sp, const char *want) {
  return sp.src == BCASTDEC_SRC_WIRE && strlen(want) == sp.len &&
         memcmp(text + sp.off, want, sp.len) == 0;
}

/* Every span lies inside the value; names are copies of their spans. */
static void check_spans(const bcastdec_digest_msg *m, const char *text) {
  size_t len = strlen(text);
  CHECK_EQ(m->text_len, len);
  CHECK(m->err_sp.off + (uint64_t)m->err_sp.len <= len);
  for (size_t i = 0; i < m->n_auths; i++) {
    const bcastdec_digest_auth *a = &m->auths[i];
    CHECK(a->sp.off + (uint64_t)a->sp.len <= len);
    CHECK(span_is(text, a->scheme_sp, a->scheme));
    for (size_t k = 0; k < a->n_params; k++) {
      const bcastdec_digest_param *q = &a->params[k];
      CHECK(span_is(text, q->name_sp, q->name));
      CHECK(q->value_sp.off + (uint64_t)q->value_sp.len <= len);
      CHECK(q->value_sp.off >= a->sp.off &&
            q->value_sp.off + (uint64_t)q->value_sp.len <= a->sp.off + (uint64_t)a->sp.len);
      CHECK_EQ(strlen(q->value), q->value_len);
    }
  }
  for (size_t i = 0; i < m->n_findings; i++)
    CHECK(m->findings[i].sp.off + (uint64_t)m->findings[i].sp.len <= len);
}

static bcastdec_digest_result verify_pw(const char *hdr, const char *method, const char *body,
                                        const char *password) {
  bcastdec_digest_result r;
  bcastdec_digest_msg *m = authz(hdr);
  bcastdec_status st = bcastdec_digest_verify(m, method, (const uint8_t *)body,
                                              body != NULL ? strlen(body) : 0, NULL,
                                              (const uint8_t *)password, strlen(password), &r);
  CHECK_EQ(st, BCASTDEC_OK);
  bcastdec_digest_msg_free(m);
  return r;
}

static bcastdec_keystore *keys(const char *text) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  if (ks == NULL || bcastdec_keystore_load_text(ks, text, strlen(text), "test", &d) != BCASTDEC_OK) {
    fprintf(stderr, "  key text rejected: %s\n", ks != NULL ? d.msg : "nomem");
    abort();
  }
  return ks;
}

/* ------------------------------------------------------------------------ */
/* RFC examples                                                             */
/* ------------------------------------------------------------------------ */

/* RFC 2617 section 3.5 */
static const char RFC2617_AUTHZ[] =
    "Digest username=\"Mufasa\",\n"
    "                 realm=\"testrealm@host.com\",\n"
    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\n"
    "                 uri=\"/dir/index.html\",\n"
    "                 qop=auth,\n"
    "                 nc=00000001,\n"
    "                 cnonce=\"0a4f113b\",\n"
    "                 response=\"6629fae49393a05397450978507c4ef1\",\n"
    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

TEST(test_parse_rfc2617_authorization) {
  bcastdec_digest_msg *m = authz(RFC2617_AUTHZ);
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(m);

  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->kind, BCASTDEC_DIGEST_AUTHORIZATION);
  CHECK_EQ(m->n_auths, 1);
  CHECK(a != NULL);
  if (a == NULL) goto out;
  CHECK_STR(a->scheme, "Digest");
  CHECK(a->is_digest);
  CHECK_EQ(a->n_params, 9);
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_USERNAME), "Mufasa");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_REALM), "testrealm@host.com");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_NONCE),
            "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_URI), "/dir/index.html");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_CNONCE), "0a4f113b");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_RESPONSE),
            "6629fae49393a05397450978507c4ef1");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_OPAQUE),
            "5ccc069c403ebaf9f0171e9517f40e41");
  CHECK(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_RSPAUTH) == NULL);
  CHECK_EQ(a->algorithm, BCASTDEC_DIGEST_ALG_MD5); /* absent = MD5 */
  CHECK_EQ(a->qop, BCASTDEC_DIGEST_QOP_AUTH);
  CHECK_EQ(a->has_nc, 1);
  CHECK_EQ(a->nc, 1);
  CHECK_STR(a->username, "Mufasa");
  CHECK_EQ(a->user_src, BCASTDEC_DIGEST_USRC_PLAIN);
  /* "Mufasa" is neither a B-TID nor an NAI (seed rule 10) */
  CHECK_EQ(a->user_kind, BCASTDEC_DIGEST_USER_UNKNOWN);
  CHECK_EQ(nfind(m, "digest.username_unknown_form"), 1);

  /* spans: the value as written, quotes included; qop is a token */
  const bcastdec_digest_param *q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERNAME);
  CHECK(span_is(RFC2617_AUTHZ, q->name_sp, "username"));
  CHECK(span_is(RFC2617_AUTHZ, q->value_sp, "\"Mufasa\""));
  CHECK_EQ(q->quoted, 1);
  q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_QOP);
  CHECK(span_is(RFC2617_AUTHZ, q->value_sp, "auth"));
  CHECK_EQ(q->quoted, 0);
  CHECK(span_is(RFC2617_AUTHZ, a->scheme_sp, "Digest"));
  CHECK_EQ(a->sp.off, 0);
  CHECK_EQ(a->sp.len, strlen(RFC2617_AUTHZ));
  check_spans(m, RFC2617_AUTHZ);
out:
  bcastdec_digest_msg_free(m);
}

TEST(test_verify_rfc2617) {
  bcastdec_digest_result r = verify_pw(RFC2617_AUTHZ, "GET", NULL, "Circle Of Life");
  /* a text password is the "raw" form of its bytes */
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_RAW);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_EXPLICIT);
  CHECK_EQ(r.algorithm, BCASTDEC_DIGEST_ALG_MD5);
  CHECK_EQ(r.qop, BCASTDEC_DIGEST_QOP_AUTH);
  CHECK_EQ(rfind(&r, "digest.password_form"), 1);

  r = verify_pw(RFC2617_AUTHZ, "GET", NULL, "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  CHECK_EQ(r.password_form, 0);
  CHECK_EQ(rfind(&r, "digest.failed"), 1);
  r = verify_pw(RFC2617_AUTHZ, "POST", NULL, "Circle Of Life"); /* method is in A2 */
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
}

/* rspauth of the RFC 2617 example: A2 = ":" uri (RFC 2617 3.2.3); value
 * from tests/data/digest/vectors.py */
TEST(test_rspauth_rfc2617) {
  static const char info_s[] =
      "rspauth=\"376602cfd2f4e8e5e78b948a85263e85\", cnonce=\"0a4f113b\", nc=00000001, qop=auth";
  static const char pw[] = "Circle Of Life";
  bcastdec_digest_msg *a = authz(RFC2617_AUTHZ);
  bcastdec_digest_msg *i = parse(BCASTDEC_DIGEST_AUTHENTICATION_INFO, info_s);
  bcastdec_digest_result r;

  CHECK_EQ(i->status, BCASTDEC_OK);
  CHECK_EQ(i->n_auths, 1);
  CHECK_STR(i->auths[0].scheme, "");
  CHECK_EQ(i->auths[0].scheme_sp.len, 0);
  CHECK_STR(bcastdec_digest_value(bcastdec_digest_msg_auth(i), BCASTDEC_DIGEST_P_RSPAUTH),
            "376602cfd2f4e8e5e78b948a85263e85");
  check_spans(i, info_s);
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, a, NULL, 0, NULL, (const uint8_t *)pw,
                                          strlen(pw), BCASTDEC_DIGEST_PW_ANY, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_RAW);
  /* restricted to the form that verified the request: same result */
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, a, NULL, 0, NULL, (const uint8_t *)pw,
                                          strlen(pw), BCASTDEC_DIGEST_PW_RAW, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  /* restricted to another form: fails */
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, a, NULL, 0, NULL, (const uint8_t *)pw,
                                          strlen(pw), BCASTDEC_DIGEST_PW_BASE64, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  CHECK_EQ(rfind(&r, "digest.rspauth_failed"), 1);
  /* the finding points at the rspauth value in the Authentication-Info */
  CHECK(span_is(info_s, r.findings[0].sp, "\"376602cfd2f4e8e5e78b948a85263e85\""));
  bcastdec_digest_msg_free(a);
  bcastdec_digest_msg_free(i);
}

/* RFC 7616 section 3.9.1: both challenges (sent there as two header
 * fields) in one list, then the two Authorization headers. */
static const char RFC7616_CHALLENGE[] =
    "Digest\n"
    "    realm=\"http-auth@example.org\",\n"
    "    qop=\"auth, auth-int\",\n"
    "    algorithm=SHA-256,\n"
    "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\n"
    "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\",\n"
    "Digest\n"
    "    realm=\"http-auth@example.org\",\n"
    "    qop=\"auth, auth-int\",\n"
    "    algorithm=MD5,\n"
    "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\n"
    "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

#define RFC7616_AUTHZ(alg, resp)                                         \
  "Digest username=\"Mufasa\",\n"                                        \
  "    realm=\"http-auth@example.org\",\n"                               \
  "    uri=\"/dir/index.html\",\n"                                       \
  "    algorithm=" alg ",\n"                                             \
  "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\n"        \
  "    nc=00000001,\n"                                                   \
  "    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\n"       \
  "    qop=auth,\n"                                                      \
  "    response=\"" resp "\",\n"                                         \
  "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""

TEST(test_parse_rfc7616_challenge) {
  bcastdec_digest_msg *m = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, RFC7616_CHALLENGE);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->n_auths, 2);
  CHECK_EQ(m->i_digest, 0);
  CHECK_EQ(m->auths[0].algorithm, BCASTDEC_DIGEST_ALG_SHA256);
  CHECK_EQ(m->auths[1].algorithm, BCASTDEC_DIGEST_ALG_MD5);
  CHECK_EQ(m->auths[0].qop_offered, BCASTDEC_DIGEST_OFFER_AUTH | BCASTDEC_DIGEST_OFFER_AUTH_INT);
  CHECK_EQ(m->auths[0].qop, BCASTDEC_DIGEST_QOP_NONE); /* challenge: offers only */
  CHECK_STR(bcastdec_digest_value(&m->auths[1], BCASTDEC_DIGEST_P_OPAQUE),
            "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  CHECK_EQ(m->auths[0].n_params, 5);
  CHECK_EQ(m->auths[1].n_params, 5);
  CHECK_EQ(m->n_findings, 0);
  check_spans(m, RFC7616_CHALLENGE);
  bcastdec_digest_msg_free(m);
}

TEST(test_verify_rfc7616) {
  bcastdec_digest_result r;
  r = verify_pw(RFC7616_AUTHZ("MD5", "8ca523f5e9506fed4657c9700eebdbec"), "GET", NULL,
                "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.algorithm, BCASTDEC_DIGEST_ALG_MD5);
  r = verify_pw(RFC7616_AUTHZ("SHA-256",
                              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
                "GET", NULL, "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.algorithm, BCASTDEC_DIGEST_ALG_SHA256);
  CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_RAW);
  /* the response hex may be upper case */
  r = verify_pw(RFC7616_AUTHZ("sha-256",
                              "753927FA0E85D155564E2E272A28D1802CA10DAF4496794697CF8DB5856CB6C1"),
                "GET", NULL, "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  /* wrong password */
  r = verify_pw(RFC7616_AUTHZ("SHA-256",
                              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
                "GET", NULL, "Circle Of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  CHECK_EQ(rfind(&r, "digest.failed"), 1);
}

/* -sess variants with the RFC 7616 inputs (vectors.py rfc7616_*-sess) */
TEST(test_verify_sess) {
  bcastdec_digest_result r;
  r = verify_pw(RFC7616_AUTHZ("MD5-sess", "e783283f46242139c486a698fec7211d"), "GET", NULL,
                "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.algorithm, BCASTDEC_DIGEST_ALG_MD5_SESS);
  r = verify_pw(RFC7616_AUTHZ("SHA-256-sess",
                              "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"),
                "GET", NULL, "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.algorithm, BCASTDEC_DIGEST_ALG_SHA256_SESS);
  /* the non-sess response under a -sess algorithm does not verify */
  r = verify_pw(RFC7616_AUTHZ("MD5-sess", "8ca523f5e9506fed4657c9700eebdbec"), "GET", NULL,
                "Circle of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
}

/* auth-int: A2 = method ":" uri ":" H(entity-body) (vectors.py authint_*) */
#define AUTHINT_AUTHZ(alg, resp)                                         \
  "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "        \
  "uri=\"/bsm/register\", algorithm=" alg ", "                           \
  "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, " \
  "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "            \
  "qop=auth-int, response=\"" resp "\""
static const char AUTHINT_BODY[] = "<?xml version=\"1.0\"?>\n<register/>\n";

TEST(test_verify_auth_int) {
  static const struct {
    const char *hdr;
    unsigned alg;
  } v[] = {
      {AUTHINT_AUTHZ("MD5", "3b2aa545d91d8882e24e05e6c7637512"), BCASTDEC_DIGEST_ALG_MD5},
      {AUTHINT_AUTHZ("SHA-256", "6e7511d7acd952ff6512b50ef7800c49e6b41662659915f88210d2d8487f1525"),
       BCASTDEC_DIGEST_ALG_SHA256},
      {AUTHINT_AUTHZ("MD5-sess", "c405a336d1bc8d16c6d0d7642e8959d7"),
       BCASTDEC_DIGEST_ALG_MD5_SESS},
      {AUTHINT_AUTHZ("SHA-256-sess",
                     "c4a7ff03893e261a450c2c1959f784b9872b38dbaaa66d8f6482c3d203289c9e"),
       BCASTDEC_DIGEST_ALG_SHA256_SESS},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    bcastdec_digest_result r = verify_pw(v[i].hdr, "POST", AUTHINT_BODY, "Circle of Life");
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
    CHECK_EQ(r.algorithm, v[i].alg);
    CHECK_EQ(r.qop, BCASTDEC_DIGEST_QOP_AUTH_INT);
    /* one byte more in the body */
    r = verify_pw(v[i].hdr, "POST", "<?xml version=\"1.0\"?>\n<register/>\n\n", "Circle of Life");
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
    r = verify_pw(v[i].hdr, "POST", NULL, "Circle of Life");
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  }
}

/* rspauth with qop=auth-int hashes the RESPONSE body (vectors.py
 * authint_rspauth_SHA-256) */
TEST(test_rspauth_auth_int) {
  static const char rbody[] = "<registerResponse/>\n";
  static const char pw[] = "Circle of Life";
  bcastdec_digest_msg *a = authz(AUTHINT_AUTHZ(
      "SHA-256", "6e7511d7acd952ff6512b50ef7800c49e6b41662659915f88210d2d8487f1525"));
  bcastdec_digest_msg *i = parse(
      BCASTDEC_DIGEST_AUTHENTICATION_INFO,
      "nextnonce=\"abc\", qop=auth-int, "
      "rspauth=\"1ad6bf5b71d2bc53e054447f5820753939365a94f749ecb752a86174d2832f64\", "
      "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", nc=00000001");
  bcastdec_digest_msg *none = parse(BCASTDEC_DIGEST_AUTHENTICATION_INFO, "nextnonce=\"abc\"");
  bcastdec_digest_result r;

  CHECK_STR(bcastdec_digest_value(bcastdec_digest_msg_auth(i), BCASTDEC_DIGEST_P_NEXTNONCE),
            "abc");
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, a, (const uint8_t *)rbody, strlen(rbody), NULL,
                                          (const uint8_t *)pw, strlen(pw),
                                          BCASTDEC_DIGEST_PW_ANY, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.qop, BCASTDEC_DIGEST_QOP_AUTH_INT);
  /* the request body instead of the response body */
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, a, (const uint8_t *)AUTHINT_BODY,
                                          strlen(AUTHINT_BODY), NULL, (const uint8_t *)pw,
                                          strlen(pw), BCASTDEC_DIGEST_PW_ANY, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  CHECK_EQ(rfind(&r, "digest.rspauth_failed"), 1);
  /* no rspauth at all */
  CHECK_EQ(bcastdec_digest_verify_rspauth(none, a, NULL, 0, NULL, (const uint8_t *)pw,
                                          strlen(pw), BCASTDEC_DIGEST_PW_ANY, &r),
           BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_MALFORMED);
  CHECK_EQ(rfind(&r, "digest.malformed"), 1);
  bcastdec_digest_msg_free(a);
  bcastdec_digest_msg_free(i);
  bcastdec_digest_msg_free(none);
}

/* RFC 2069 compatibility: no qop, no cnonce/nc (vectors.py rfc2069_md5) */
TEST(test_verify_rfc2069) {
  bcastdec_digest_result r = verify_pw(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
      "response=\"670fd8c2df070c60b045671b8b24ff02\"",
      "GET", NULL, "Circle Of Life");
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.qop, BCASTDEC_DIGEST_QOP_NONE);
}

/* ------------------------------------------------------------------------ */
/* The SRK as password                                                      */
/* ------------------------------------------------------------------------ */

/* SRK = 10 11 .. 2f; responses from vectors.py srk_base64/_hex/_raw */
#define SRK_HEX "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
/* the same with its first byte changed */
#define SRK_HEX_WRONG "001112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define SRK_AUTHZ(resp)                                                            \
  "Digest username=\"subscriber@operator.example\", realm=\"bsm.example\", "      \
  "nonce=\"bm9uY2U=\", uri=\"/bsm/ltkm\", algorithm=SHA-256, qop=auth, nc=0000002a, " \
  "cnonce=\"Y25vbmNl\", response=\"" resp "\""
#define SRK_RESP_B64 "1b8109b48de06c3751d1888ff168e10ab101c6f0c716b406ac6629a26a2abdfe"
#define SRK_RESP_HEX "57b8a3846f315cc3de33094b1ba1594aa33006c3f7dea51fbce38391f7b76918"
#define SRK_RESP_RAW "9039fb82423e7d90d8818ed97becf0fe6fec94545d1fed3834b1f38d4ad1fb59"

static void srk_bytes(uint8_t srk[32]) {
  for (int i = 0; i < 32; i++) srk[i] = (uint8_t)(0x10 + i);
}

TEST(test_password_forms) {
  static const struct {
    const char *hdr;
    unsigned form;
  } v[] = {
      {SRK_AUTHZ(SRK_RESP_B64), BCASTDEC_DIGEST_PW_BASE64},
      {SRK_AUTHZ(SRK_RESP_HEX), BCASTDEC_DIGEST_PW_HEX},
      {SRK_AUTHZ(SRK_RESP_RAW), BCASTDEC_DIGEST_PW_RAW},
  };
  bcastdec_keystore *ks = keys("SRK subscriber@operator.example " SRK_HEX "\n");
  uint8_t srk[32];
  srk_bytes(srk);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    bcastdec_digest_msg *m = authz(v[i].hdr);
    bcastdec_digest_result r;
    CHECK_EQ(m->auths[0].user_kind, BCASTDEC_DIGEST_USER_NAI);
    CHECK_EQ(m->n_findings, 0);
    /* by the key store */
    CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
    CHECK_EQ(r.password_form, v[i].form);
    CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_IDENTITY);
    CHECK_EQ(r.user_kind, BCASTDEC_DIGEST_USER_NAI);
    CHECK_EQ(r.n_srk_tried, 1);
    CHECK_STR(r.srk.label, "SRK subscriber@operator.example");
    CHECK_EQ(r.srk.origin, BCASTDEC_ORIGIN_FILE);
    CHECK_EQ(r.srk.origin_ref, 1);
    CHECK_EQ(rfind(&r, "digest.password_form"), v[i].form == BCASTDEC_DIGEST_PW_BASE64 ? 0 : 1);
    /* explicit SRK */
    CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, sizeof srk, &r), BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
    CHECK_EQ(r.password_form, v[i].form);
    CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_EXPLICIT);
    bcastdec_digest_msg_free(m);
  }
  bcastdec_keystore_free(ks);
}

TEST(test_wrong_srk_and_no_srk) {
  bcastdec_keystore *ks = keys("SRK subscriber@operator.example " SRK_HEX_WRONG "\n"
                               "SRK other@operator.example " SRK_HEX "\n");
  bcastdec_digest_msg *m = authz(SRK_AUTHZ(SRK_RESP_B64));
  bcastdec_digest_result r;
  uint8_t srk[32];

  /* the user's SRK differs in its first byte */
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  CHECK_EQ(r.password_form, 0);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_IDENTITY);
  CHECK_EQ(rfind(&r, "digest.failed"), 1);
  CHECK(strstr(r.findings[0].text, "SRK subscriber@operator.example") != NULL);
  CHECK(span_is(SRK_AUTHZ(SRK_RESP_B64), r.findings[0].sp, "\"" SRK_RESP_B64 "\""));
  /* no finding text carries a password form of either SRK */
  srk_bytes(srk);
  for (size_t i = 0; i < r.n_findings; i++) {
    CHECK(strstr(r.findings[i].text, SRK_HEX) == NULL);
    CHECK(strstr(r.findings[i].text, "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=") == NULL);
  }
  /* explicit wrong SRK */
  srk[31] ^= 1;
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, sizeof srk, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  bcastdec_digest_msg_free(m);

  /* no SRK for this user */
  m = authz(SRK_AUTHZ(SRK_RESP_B64));
  bcastdec_keystore_free(ks);
  ks = keys("SRK other@operator.example " SRK_HEX "\n"
            "SMK subscriber@operator.example " SRK_HEX "\n"); /* an SMK is not an SRK */
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_NO_SRK);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_NONE);
  CHECK_EQ(rfind(&r, "digest.no_srk"), 1);
  CHECK(span_is(SRK_AUTHZ(SRK_RESP_B64), r.findings[0].sp, "\"subscriber@operator.example\""));
  /* neither key store nor SRK */
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_NO_SRK);
  bcastdec_digest_msg_free(m);
  bcastdec_keystore_free(ks);
}

TEST(test_wildcard_srk) {
  bcastdec_keystore *ks = keys("SRK * " SRK_HEX "\n");
  bcastdec_digest_msg *m = authz(SRK_AUTHZ(SRK_RESP_HEX));
  bcastdec_digest_result r;
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_WILDCARD);
  CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_HEX);
  bcastdec_keystore_free(ks);
  /* the user's own SRK fails, the wildcard one verifies: both tried */
  ks = keys("SRK subscriber@operator.example " SRK_HEX_WRONG "\nSRK * " SRK_HEX "\n");
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_WILDCARD);
  CHECK_EQ(r.n_srk_tried, 2);
  bcastdec_digest_msg_free(m);
  bcastdec_keystore_free(ks);
}

/* RFC 7616 3.4.4 userhash (vectors.py userhash_*) */
#define BTID "ESIzRFVmd4iZqrvM3e7/AA==@bsf.mnc001.mcc001.pub.3gppnetwork.org"
TEST(test_userhash) {
  static const char hdr[] =
      "Digest username=\"b5db295c6b7f09f333690fd5aa65ac5a10019bed006d2e1aed94e6190a0fcc17\", "
      "userhash=true, realm=\"bsm.example\", nonce=\"bm9uY2U=\", uri=\"/bsm/ltkm\", "
      "algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"Y25vbmNl\", "
      "response=\"1a16bb7c0b10fd5b620b0525de6d472973c713188030a31d124a716d6ec045e4\"";
  bcastdec_keystore *ks = keys("SRK other@operator.example " SRK_HEX "\n"
                               "SRK " BTID " " SRK_HEX "\n");
  bcastdec_digest_msg *m = authz(hdr);
  bcastdec_digest_result r;
  uint8_t srk[32];

  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->auths[0].userhash, 1);
  CHECK_EQ(m->auths[0].user_kind, BCASTDEC_DIGEST_USER_HASHED);
  CHECK_EQ(nfind(m, "digest.userhash"), 1);
  CHECK_EQ(nfind(m, "digest.username_unknown_form"), 0);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
  CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_USERHASH);
  CHECK_EQ(r.user_kind, BCASTDEC_DIGEST_USER_BTID);
  CHECK_STR(r.srk.label, "SRK " BTID);
  /* with an explicit SRK the real username is unknown */
  srk_bytes(srk);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, sizeof srk, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_UNSUPPORTED);
  CHECK_EQ(rfind(&r, "digest.unsupported"), 1);
  bcastdec_keystore_free(ks);
  /* no identity hashes to it */
  ks = keys("SRK other@operator.example " SRK_HEX "\n");
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_NO_SRK);
  bcastdec_digest_msg_free(m);
  bcastdec_keystore_free(ks);
}

/* RFC 7616 3.4 username* (the name of the RFC's 3.9.2 example), UTF-8 and
 * ISO-8859-1; vectors.py username_ext_response */
TEST(test_username_ext) {
#define EXT_AUTHZ(user)                                                              \
  "Digest username*=" user ", realm=\"api@example.org\", uri=\"/doe.json\", "       \
  "algorithm=MD5, nonce=\"5TsQWLVdgBdmrQ0XsxbDODV\", nc=00000001, "                  \
  "cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh\", qop=auth, "                                 \
  "response=\"9a37375881be4da3096867adb7e7ab15\""
  static const char *const forms[] = {"UTF-8''J%C3%A4s%C3%B8n%20Doe",
                                      "utf-8'en'J%c3%a4s%c3%b8n%20Doe",
                                      "ISO-8859-1''J%E4s%F8n%20Doe"};
  uint8_t srk[32];
  srk_bytes(srk);
  for (size_t i = 0; i < 3; i++) {
    char hdr[512];
    bcastdec_digest_result r;
    snprintf(hdr, sizeof hdr, EXT_AUTHZ("%s"), forms[i]);
    bcastdec_digest_msg *m = authz(hdr);
    const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(m);
    CHECK_EQ(m->status, BCASTDEC_OK);
    CHECK_EQ(a->user_src, BCASTDEC_DIGEST_USRC_EXT);
    CHECK_STR(a->username, "J\xc3\xa4s\xc3\xb8n Doe");
    CHECK_EQ(a->username_len, 11);
    CHECK_STR(bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERNAME_EXT)->name, "username*");
    CHECK_EQ(bcastdec_digest_verify(m, "GET", NULL, 0, NULL, srk, sizeof srk, &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
    CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_BASE64);
    bcastdec_digest_msg_free(m);
  }
  /* undecodable forms: the username stays unknown, verification says so */
  static const struct {
    const char *v, *id;
  } bad[] = {{"KOI8-R''abc", "digest.unsupported"},
             {"UTF-8'abc", "digest.malformed"},
             {"UTF-8''J%C3%A", "digest.malformed"},
             {"UTF-8''a'b", "digest.malformed"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char hdr[512];
    bcastdec_digest_result r;
    snprintf(hdr, sizeof hdr, EXT_AUTHZ("%s"), bad[i].v);
    bcastdec_digest_msg *m = authz(hdr);
    CHECK_EQ(m->status, BCASTDEC_OK);
    CHECK(m->auths[0].username == NULL);
    CHECK_EQ(nfind(m, bad[i].id), 1);
    CHECK_EQ(bcastdec_digest_verify(m, "GET", NULL, 0, NULL, srk, sizeof srk, &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_MALFORMED);
    bcastdec_digest_msg_free(m);
  }
#undef EXT_AUTHZ
}

/* ------------------------------------------------------------------------ */
/* Parser robustness                                                        */
/* ------------------------------------------------------------------------ */

TEST(test_escapes_and_spacing) {
  static const char hdr[] =
      "dIgEsT \t USERNAME = \"Mu\\\"fa\\\\sa\" ,\t,, realm=\"a\\,b c\"  ,nonce=abc , "
      "uri=\"/x?y=\\z\",Empty=\"\", x-unknown=tok%en\r\n , response=\"00\"";
  bcastdec_digest_msg *m = authz(hdr);
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(m);

  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK(a != NULL && a->is_digest);
  if (a == NULL) goto out;
  CHECK_STR(a->scheme, "dIgEsT");
  CHECK_EQ(a->n_params, 7);
  CHECK_STR(a->username, "Mu\"fa\\sa");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_REALM), "a,b c");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_NONCE), "abc");
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_URI), "/x?y=z");
  const bcastdec_digest_param *q = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_USERNAME);
  CHECK_STR(q->name, "USERNAME");
  CHECK(span_is(hdr, q->name_sp, "USERNAME"));
  CHECK(span_is(hdr, q->value_sp, "\"Mu\\\"fa\\\\sa\""));
  /* unknown parameters are kept, with their spelling */
  CHECK_STR(a->params[4].name, "Empty");
  CHECK_STR(a->params[4].value, "");
  CHECK_EQ(a->params[4].value_len, 0);
  CHECK_EQ(a->params[4].id, BCASTDEC_DIGEST_P_UNKNOWN);
  CHECK_STR(a->params[5].name, "x-unknown");
  CHECK_STR(a->params[5].value, "tok%en");
  CHECK(span_is(hdr, a->params[5].value_sp, "tok%en"));
  check_spans(m, hdr);
out:
  bcastdec_digest_msg_free(m);
}

TEST(test_repeated_params) {
  static const char hdr[] =
      "Digest realm=\"first\", realm=\"second\", REALM=third, foo=1, Foo=2, nonce=\"n\"";
  bcastdec_digest_msg *m = authz(hdr);
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(m);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(a->n_params, 6);
  CHECK_STR(bcastdec_digest_value(a, BCASTDEC_DIGEST_P_REALM), "first");
  CHECK_EQ(a->params[0].repeated, 0);
  CHECK_EQ(a->params[1].repeated, 1);
  CHECK_EQ(a->params[2].repeated, 1);
  CHECK_EQ(a->params[3].repeated, 0);
  CHECK_EQ(a->params[4].repeated, 1);
  CHECK_EQ(nfind(m, "digest.repeated_param"), 3);
  CHECK(span_is(hdr, m->findings[0].sp, "realm"));
  check_spans(m, hdr);
  bcastdec_digest_msg_free(m);
}

TEST(test_www_authenticate_schemes) {
  static const char hdr[] =
      "Basic realm=\"basic, realm\", Negotiate, NTLM TlRMTVNTUAACAAAA==, "
      "Digest realm=\"r\", qop=\"auth,auth-int , auth-conf\", nonce=\"n\", stale=TRUE, "
      "algorithm=SHA-512-256, "
      "Digest realm=\"r\", nonce=\"n2\", algorithm=MD5-sess, domain=\"/a /b\", charset=UTF-8";
  bcastdec_digest_msg *m = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, hdr);

  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->n_auths, 5);
  CHECK_STR(m->auths[0].scheme, "Basic");
  CHECK_EQ(m->auths[0].is_digest, 0);
  CHECK_EQ(m->auths[0].n_params, 1);
  CHECK_STR(m->auths[0].params[0].value, "basic, realm");
  CHECK_STR(m->auths[1].scheme, "Negotiate");
  CHECK_EQ(m->auths[1].n_params, 0);
  CHECK_STR(m->auths[2].scheme, "NTLM");
  CHECK(span_is(hdr, m->auths[2].token68_sp, "TlRMTVNTUAACAAAA=="));
  /* the first Digest challenge's algorithm is unsupported: the second one
   * is the one to use */
  CHECK_EQ(m->auths[3].status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->auths[3].algorithm, BCASTDEC_DIGEST_ALG_SHA512_256);
  CHECK_EQ(m->auths[3].qop_offered, BCASTDEC_DIGEST_OFFER_AUTH | BCASTDEC_DIGEST_OFFER_AUTH_INT |
                                        BCASTDEC_DIGEST_OFFER_OTHER);
  CHECK_EQ(m->auths[3].stale, 1);
  CHECK_EQ(nfind(m, "digest.unsupported_algorithm"), 1);
  CHECK_EQ(m->i_digest, 4);
  CHECK_EQ(m->auths[4].algorithm, BCASTDEC_DIGEST_ALG_MD5_SESS);
  CHECK_STR(bcastdec_digest_value(&m->auths[4], BCASTDEC_DIGEST_P_DOMAIN), "/a /b");
  CHECK_STR(bcastdec_digest_value(&m->auths[4], BCASTDEC_DIGEST_P_CHARSET), "UTF-8");
  CHECK(bcastdec_digest_msg_auth(m) == &m->auths[4]);
  check_spans(m, hdr);
  bcastdec_digest_msg_free(m);

  /* only other schemes */
  m = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, "Basic realm=\"x\", Bearer");
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->i_digest, -1);
  CHECK(bcastdec_digest_msg_auth(m) == NULL);
  CHECK_EQ(nfind(m, "digest.not_digest"), 1);
  bcastdec_digest_msg_free(m);
  /* only an unsupported Digest challenge */
  m = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, "Digest realm=\"r\", algorithm=SHA-512-256");
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->i_digest, 0);
  bcastdec_digest_msg_free(m);
}

/* Truncated, malformed and unsupported are told apart. */
TEST(test_statuses) {
  static const struct {
    unsigned kind;
    const char *s;
    bcastdec_status st;
    const char *finding;
  } v[] = {
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"Mufasa\", realm=\"test",
       BCASTDEC_ERR_TRUNCATED, "digest.truncated"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"Mu\\", BCASTDEC_ERR_TRUNCATED,
       "digest.truncated"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"Mufasa\", realm=  ",
       BCASTDEC_ERR_TRUNCATED, "digest.truncated"},
      {BCASTDEC_DIGEST_WWW_AUTHENTICATE, "Digest realm=\"r\", nonce=\"abc",
       BCASTDEC_ERR_TRUNCATED, "digest.truncated"},
      {BCASTDEC_DIGEST_AUTHENTICATION_INFO, "rspauth=\"00", BCASTDEC_ERR_TRUNCATED,
       "digest.truncated"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\" realm=\"b\"",
       BCASTDEC_ERR_MALFORMED, "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "@@@ garbage", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "", BCASTDEC_ERR_MALFORMED, "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, " \t ", BCASTDEC_ERR_MALFORMED, "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "username=\"a\"", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\", realm", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\x01\"", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest uri=/dir/index.html", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\", Basic x",
       BCASTDEC_ERR_MALFORMED, "digest.malformed"},
      {BCASTDEC_DIGEST_WWW_AUTHENTICATE, "Digest foo bar", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_WWW_AUTHENTICATE, "\"Digest\"", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHENTICATION_INFO, "", BCASTDEC_ERR_MALFORMED, "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHENTICATION_INFO, "Digest rspauth=\"00\"", BCASTDEC_ERR_MALFORMED,
       "digest.malformed"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
       BCASTDEC_ERR_UNSUPPORTED, "digest.not_digest"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\", algorithm=SHA-512-256",
       BCASTDEC_ERR_UNSUPPORTED, "digest.unsupported_algorithm"},
      {BCASTDEC_DIGEST_AUTHORIZATION, "Digest username=\"a\", algorithm=\"rot13\"",
       BCASTDEC_ERR_UNSUPPORTED, "digest.unsupported_algorithm"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    bcastdec_digest_msg *m = parse(v[i].kind, v[i].s);
    if (m->status != v[i].st || nfind(m, v[i].finding) != 1)
      fprintf(stderr, "  case %zu: \"%s\" -> %s (%s)\n", i, v[i].s,
              bcastdec_status_name(m->status), m->err_text ? m->err_text : "");
    CHECK_EQ(m->status, v[i].st);
    CHECK_EQ(nfind(m, v[i].finding), 1);
    CHECK(m->status == BCASTDEC_OK || m->err_text != NULL);
    check_spans(m, v[i].s);
    bcastdec_digest_msg_free(m);
  }
  /* Basic credentials are not copied (they carry the password) */
  bcastdec_digest_msg *m = authz("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK_EQ(m->n_auths, 1);
  CHECK_EQ(m->auths[0].n_params, 0);
  CHECK_EQ(m->auths[0].token68_sp.len, 0);
  bcastdec_digest_msg_free(m);

  /* a partial result stays available */
  m = authz("Digest username=\"Mufasa\", realm=\"test");
  CHECK_EQ(m->auths[0].n_params, 1);
  CHECK_STR(m->auths[0].username, "Mufasa");
  CHECK_EQ(m->err_sp.off, strlen("Digest username=\"Mufasa\", realm="));
  bcastdec_digest_msg_free(m);

  /* too long */
  size_t n = BCASTDEC_DIGEST_VALUE_MAX + 1;
  char *big = malloc(n);
  CHECK(big != NULL);
  if (big != NULL) {
    memset(big, 'a', n);
    CHECK_EQ(bcastdec_digest_parse(&m, BCASTDEC_DIGEST_AUTHORIZATION, big, n), BCASTDEC_OK);
    CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
    CHECK_EQ(m->text_len, 0);
    bcastdec_digest_msg_free(m);
    free(big);
  }
}

/* Verification of headers that parse but cannot be checked. */
TEST(test_verify_unusable) {
  static const struct {
    const char *s;
    unsigned outcome;
    const char *finding;
  } v[] = {
      /* required parameters */
      {"Digest realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" SRK_RESP_B64 "\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      {"Digest username=\"u@r\", nonce=\"n\", uri=\"/\", response=\"00\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      {"Digest username=\"u@r\", realm=\"r\", uri=\"/\", response=\"00\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", response=\"00\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\"", BCASTDEC_DIGEST_MALFORMED,
       "digest.malformed"},
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, "
       "response=\"00000000000000000000000000000000\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"}, /* qop without cnonce/nc */
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, cnonce=\"c\", "
       "nc=1, response=\"00000000000000000000000000000000\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"}, /* nc not 8 hex digits */
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=MD5-sess, "
       "response=\"00000000000000000000000000000000\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"}, /* -sess without cnonce */
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", "
       "response=\"" SRK_RESP_B64 "\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"}, /* MD5 wants 32 digits */
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", "
       "response=\"0000000000000000000000000000000g\"",
       BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      /* the header did not parse */
      {"Digest username=\"u@r\", realm=\"r", BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      {"Digest username=\"u@r\" realm=\"r\"", BCASTDEC_DIGEST_MALFORMED, "digest.malformed"},
      /* not supported */
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=SHA-512-256, "
       "response=\"00\"",
       BCASTDEC_DIGEST_UNSUPPORTED, "digest.unsupported_algorithm"},
      {"Digest username=\"u@r\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth-conf, "
       "cnonce=\"c\", nc=00000001, response=\"00000000000000000000000000000000\"",
       BCASTDEC_DIGEST_UNSUPPORTED, "digest.unsupported"},
      {"Basic dTpw", BCASTDEC_DIGEST_UNSUPPORTED, "digest.not_digest"},
  };
  uint8_t srk[32];
  srk_bytes(srk);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    bcastdec_digest_msg *m = authz(v[i].s);
    bcastdec_digest_result r;
    CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, sizeof srk, &r),
             BCASTDEC_OK);
    if (r.outcome != v[i].outcome || rfind(&r, v[i].finding) != 1)
      fprintf(stderr, "  case %zu: %s -> %s (%s)\n", i, v[i].s,
              bcastdec_digest_outcome_name(r.outcome), r.n_findings ? r.findings[0].text : "");
    CHECK_EQ(r.outcome, v[i].outcome);
    CHECK_EQ(rfind(&r, v[i].finding), 1);
    bcastdec_digest_msg_free(m);
  }
}

TEST(test_verify_args) {
  bcastdec_digest_msg *m = authz(SRK_AUTHZ(SRK_RESP_B64));
  bcastdec_digest_msg *w = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, "Digest realm=\"r\"");
  bcastdec_digest_result r;
  uint8_t srk[BCASTDEC_KEY_MAX + 1];
  memset(srk, 1, sizeof srk);
  CHECK_EQ(bcastdec_digest_verify(NULL, "POST", NULL, 0, NULL, srk, 16, &r), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify(m, NULL, NULL, 0, NULL, srk, 16, &r), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, 16, NULL), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 1, NULL, srk, 16, &r), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, 0, &r), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify(m, "POST", NULL, 0, NULL, srk, sizeof srk, &r),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(r.outcome, BCASTDEC_DIGEST_NOT_CHECKED);
  CHECK_EQ(bcastdec_digest_verify(w, "POST", NULL, 0, NULL, srk, 16, &r), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify_rspauth(m, m, NULL, 0, NULL, srk, 16, 0, &r),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_verify_rspauth(NULL, m, NULL, 0, NULL, srk, 16, 0, &r),
           BCASTDEC_ERR_ARG);
  bcastdec_digest_msg *i = parse(BCASTDEC_DIGEST_AUTHENTICATION_INFO, "rspauth=\"00\"");
  CHECK_EQ(bcastdec_digest_verify_rspauth(i, m, NULL, 0, NULL, srk, 16, 9, &r),
           BCASTDEC_ERR_ARG);
  bcastdec_digest_msg_free(i);

  bcastdec_digest_msg *o = (bcastdec_digest_msg *)1;
  CHECK_EQ(bcastdec_digest_parse(&o, 0, "x", 1), BCASTDEC_ERR_ARG);
  CHECK(o == NULL);
  CHECK_EQ(bcastdec_digest_parse(&o, BCASTDEC_DIGEST_AUTHORIZATION, NULL, 1), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_digest_parse(NULL, BCASTDEC_DIGEST_AUTHORIZATION, "x", 1), BCASTDEC_ERR_ARG);
  bcastdec_digest_msg_free(NULL);
  CHECK(bcastdec_digest_param_get(NULL, BCASTDEC_DIGEST_P_REALM) == NULL);
  CHECK(bcastdec_digest_value(&m->auths[0], 0) == NULL);
  CHECK(bcastdec_digest_value(&m->auths[0], BCASTDEC_DIGEST_P_COUNT) == NULL);
  bcastdec_digest_msg_free(m);
  bcastdec_digest_msg_free(w);
}

TEST(test_username_kind) {
  static const struct {
    const char *u;
    unsigned kind;
  } v[] = {
      {BTID, BCASTDEC_DIGEST_USER_BTID},
      {"XXUXueLDTFunziOEUEXJrA==@bsf.example", BCASTDEC_DIGEST_USER_BTID},
      {"XXUXueLDTFunziOEUEXJrA==@bsf", BCASTDEC_DIGEST_USER_NAI},   /* not an FQDN */
      {"XXUXueLDTFunziOEUEXJrB==@bsf.example", BCASTDEC_DIGEST_USER_NAI}, /* pad bits */
      {"XXUXueLDTFunziOEUEXJrA@bsf.example", BCASTDEC_DIGEST_USER_NAI},   /* no padding */
      {"XXUXueLDTFunziOEUEXJrA+/@bsf.example", BCASTDEC_DIGEST_USER_NAI}, /* 18 bytes */
      {"XXUXueLDTFunziOEUEXJrA==@-bsf.example", BCASTDEC_DIGEST_USER_NAI},
      {"XXUXueLDTFunziOEUEXJrA==@bsf..example", BCASTDEC_DIGEST_USER_NAI},
      {"subscriber@operator.example", BCASTDEC_DIGEST_USER_NAI},
      {"0123456789@csim.example.com", BCASTDEC_DIGEST_USER_NAI},
      {"Mufasa", BCASTDEC_DIGEST_USER_UNKNOWN},
      {"@realm", BCASTDEC_DIGEST_USER_UNKNOWN},
      {"user@", BCASTDEC_DIGEST_USER_UNKNOWN},
      {"a@b@c", BCASTDEC_DIGEST_USER_UNKNOWN},
      {"a b@c", BCASTDEC_DIGEST_USER_UNKNOWN},
      {"", BCASTDEC_DIGEST_USER_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    unsigned k = bcastdec_digest_username_kind(v[i].u, strlen(v[i].u));
    if (k != v[i].kind) fprintf(stderr, "  %s -> %u\n", v[i].u, k);
    CHECK_EQ(k, v[i].kind);
  }
  CHECK_EQ(bcastdec_digest_username_kind(NULL, 3), BCASTDEC_DIGEST_USER_UNKNOWN);
  CHECK_STR(bcastdec_digest_user_kind_name(BCASTDEC_DIGEST_USER_BTID), "b-tid");
}

TEST(test_names) {
  CHECK_STR(bcastdec_digest_param_name(BCASTDEC_DIGEST_P_USERNAME_EXT), "username*");
  CHECK(bcastdec_digest_param_name(0) == NULL);
  CHECK(bcastdec_digest_param_name(BCASTDEC_DIGEST_P_COUNT) == NULL);
  CHECK_STR(bcastdec_digest_alg_name(BCASTDEC_DIGEST_ALG_SHA256_SESS), "SHA-256-sess");
  CHECK(bcastdec_digest_alg_name(99) == NULL);
  CHECK_STR(bcastdec_digest_qop_name(BCASTDEC_DIGEST_QOP_AUTH_INT), "auth-int");
  CHECK_STR(bcastdec_digest_outcome_name(BCASTDEC_DIGEST_NO_SRK), "no_srk");
  CHECK_STR(bcastdec_digest_pwform_name(BCASTDEC_DIGEST_PW_HEX), "hex");
  CHECK_STR(bcastdec_digest_srk_src_name(BCASTDEC_DIGEST_SRK_USERHASH), "userhash");
  CHECK_STR(bcastdec_digest_kind_name(BCASTDEC_DIGEST_AUTHENTICATION_INFO),
            "authentication-info");
  /* the password text form is a documented assumption */
  size_t n, found = 0;
  const bcastdec_assumption *t = bcastdec_assumptions(&n);
  for (size_t i = 0; i < n; i++) found += strcmp(t[i].name, "digest_password_form") == 0;
  CHECK_EQ(found, 1);
  /* every finding this module raises has a table entry */
  static const char *const ids[] = {
      "digest.truncated",       "digest.malformed",     "digest.not_digest",
      "digest.repeated_param",  "digest.unsupported_algorithm", "digest.unsupported",
      "digest.username_unknown_form", "digest.userhash", "digest.no_srk",
      "digest.failed",          "digest.password_form", "digest.rspauth_failed"};
  const bcastdec_finding_info *f = bcastdec_finding_table(&n);
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
    found = 0;
    for (size_t i = 0; i < n; i++) found += strcmp(f[i].id, ids[k]) == 0;
    CHECK_EQ(found, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* Exchanges recorded from curl (tests/data/digest/record.py)               */
/* ------------------------------------------------------------------------ */

/* tests/data/digest/, from this file's path (CMake compiles it by its
 * absolute path) or $BCASTDEC_DIGEST_DATA. */
static void data_path(char *out, size_t cap, const char *name) {
  const char *env = getenv("BCASTDEC_DIGEST_DATA");
  if (env != NULL) {
    snprintf(out, cap, "%s/%s", env, name);
    return;
  }
  const char *f = __FILE__, *u = strstr(f, "unit/test_digest.c");
  snprintf(out, cap, "%.*sdata/digest/%s", (int)(u != NULL ? u - f : 0), f, name);
}

static char *slurp(const char *name, size_t *len) {
  char path[1024];
  data_path(path, sizeof path, name);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) {
    fprintf(stderr, "  cannot open %s\n", path);
    return NULL;
  }
  char *buf = malloc(65536);
  size_t n = buf != NULL ? fread(buf, 1, 65535, fp) : 0;
  fclose(fp);
  if (buf != NULL) buf[n] = '\0';
  if (len != NULL) *len = n;
  return buf;
}

/* Finds "key: value" in a recorded .txt; the value is copied into |out|. */
static int field(const char *txt, const char *key, char *out, size_t cap) {
  size_t kl = strlen(key);
  for (const char *l = txt; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l ? l + 1 : l) {
    if (strncmp(l, key, kl) == 0 && l[kl] == ':' && l[kl + 1] == ' ') {
      const char *v = l + kl + 2, *e = strchr(v, '\n');
      size_t n = e != NULL ? (size_t)(e - v) : strlen(v);
      if (n >= cap) return 0;
      memcpy(out, v, n);
      out[n] = '\0';
      return 1;
    }
  }
  return 0;
}

TEST(test_recorded_curl) {
  static const struct {
    const char *file;
    unsigned alg;
  } cases[] = {{"curl_md5_auth.txt", BCASTDEC_DIGEST_ALG_MD5},
               {"curl_sha256_auth.txt", BCASTDEC_DIGEST_ALG_SHA256},
               {"curl_md5sess_auth.txt", BCASTDEC_DIGEST_ALG_MD5_SESS}};
  char *keytext = slurp("srk.keys", NULL);
  char *reqbody = NULL, *rspbody = NULL;
  size_t reqlen = 0, rsplen = 0;
  bcastdec_keystore *ks = NULL, *wrong = NULL;
  CHECK(keytext != NULL);
  if (keytext == NULL) return;
  ks = keys(keytext);
  /* the same identity with the SRK's last bit flipped */
  char *nl = strrchr(keytext, '\n');
  if (nl != NULL && nl > keytext) nl[-1] = nl[-1] == '0' ? '1' : '0';
  wrong = keys(keytext);
  reqbody = slurp("request_body.xml", &reqlen);
  rspbody = slurp("response_body.txt", &rsplen);
  CHECK(reqbody != NULL && rspbody != NULL);

  for (size_t i = 0; i < sizeof cases / sizeof cases[0] && reqbody && rspbody; i++) {
    char *txt = slurp(cases[i].file, NULL);
    char method[16], uri[256], chal[1024], auth[1024], info[1024];
    bcastdec_digest_result r;
    CHECK(txt != NULL);
    if (txt == NULL) continue;
    CHECK(field(txt, "method", method, sizeof method));
    CHECK(field(txt, "uri", uri, sizeof uri));
    CHECK(field(txt, "www-authenticate", chal, sizeof chal));
    CHECK(field(txt, "authorization", auth, sizeof auth));
    CHECK(field(txt, "authentication-info", info, sizeof info));
    bcastdec_digest_msg *c = parse(BCASTDEC_DIGEST_WWW_AUTHENTICATE, chal);
    bcastdec_digest_msg *a = authz(auth);
    bcastdec_digest_msg *n = parse(BCASTDEC_DIGEST_AUTHENTICATION_INFO, info);
    const bcastdec_digest_auth *ca = bcastdec_digest_msg_auth(c);
    const bcastdec_digest_auth *aa = bcastdec_digest_msg_auth(a);

    CHECK_EQ(c->status, BCASTDEC_OK);
    CHECK_EQ(a->status, BCASTDEC_OK);
    CHECK_EQ(n->status, BCASTDEC_OK);
    check_spans(c, chal);
    check_spans(a, auth);
    check_spans(n, info);
    CHECK(ca != NULL && aa != NULL);
    if (ca == NULL || aa == NULL) goto next;
    CHECK_EQ(ca->algorithm, cases[i].alg);
    CHECK_EQ(aa->algorithm, cases[i].alg);
    /* curl echoes the challenge */
    CHECK_STR(bcastdec_digest_value(aa, BCASTDEC_DIGEST_P_NONCE),
              bcastdec_digest_value(ca, BCASTDEC_DIGEST_P_NONCE));
    CHECK_STR(bcastdec_digest_value(aa, BCASTDEC_DIGEST_P_OPAQUE),
              bcastdec_digest_value(ca, BCASTDEC_DIGEST_P_OPAQUE));
    CHECK_STR(bcastdec_digest_value(aa, BCASTDEC_DIGEST_P_URI), uri);
    CHECK_EQ(aa->user_kind, BCASTDEC_DIGEST_USER_BTID);
    CHECK_EQ(a->n_findings, 0);

    CHECK_EQ(bcastdec_digest_verify(a, method, (const uint8_t *)reqbody, reqlen, ks, NULL, 0, &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);
    CHECK_EQ(r.password_form, BCASTDEC_DIGEST_PW_BASE64); /* curl got base64(SRK) */
    CHECK_EQ(r.srk_src, BCASTDEC_DIGEST_SRK_IDENTITY);
    CHECK_EQ(r.user_kind, BCASTDEC_DIGEST_USER_BTID);
    CHECK_EQ(r.n_findings, 0);
    unsigned form = r.password_form;
    CHECK_EQ(bcastdec_digest_verify_rspauth(n, a, (const uint8_t *)rspbody, rsplen, ks, NULL, 0,
                                            form, &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_VERIFIED);

    CHECK_EQ(bcastdec_digest_verify(a, method, (const uint8_t *)reqbody, reqlen, wrong, NULL, 0,
                                    &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
    CHECK_EQ(rfind(&r, "digest.failed"), 1);
    CHECK_EQ(bcastdec_digest_verify_rspauth(n, a, (const uint8_t *)rspbody, rsplen, wrong, NULL,
                                            0, BCASTDEC_DIGEST_PW_ANY, &r),
             BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
    /* another method fails the request digest */
    CHECK_EQ(bcastdec_digest_verify(a, "GET", NULL, 0, ks, NULL, 0, &r), BCASTDEC_OK);
    CHECK_EQ(r.outcome, BCASTDEC_DIGEST_FAILED);
  next:
    bcastdec_digest_msg_free(c);
    bcastdec_digest_msg_free(a);
    bcastdec_digest_msg_free(n);
    free(txt);
  }
  bcastdec_keystore_free(ks);
  bcastdec_keystore_free(wrong);
  bcastdec_memzero(keytext, strlen(keytext));
  free(keytext);
  free(reqbody);
  free(rspbody);
}

RUN_TESTS("digest", TCASE(test_parse_rfc2617_authorization), TCASE(test_verify_rfc2617),
          TCASE(test_rspauth_rfc2617), TCASE(test_parse_rfc7616_challenge),
          TCASE(test_verify_rfc7616), TCASE(test_verify_sess), TCASE(test_verify_auth_int),
          TCASE(test_rspauth_auth_int), TCASE(test_verify_rfc2069), TCASE(test_password_forms),
          TCASE(test_wrong_srk_and_no_srk), TCASE(test_wildcard_srk), TCASE(test_userhash),
          TCASE(test_username_ext), TCASE(test_escapes_and_spacing),
          TCASE(test_repeated_params), TCASE(test_www_authenticate_schemes),
          TCASE(test_statuses), TCASE(test_verify_unusable), TCASE(test_verify_args),
          TCASE(test_username_kind), TCASE(test_names), TCASE(test_recorded_curl))
