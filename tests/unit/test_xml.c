/* SPDX-License-Identifier: MIT */
/*
 * XML bodies and MSK responses with LTKMs (bcastdec/xml.h): the element tree
 * and its byte offsets, semantic fields per media type, the LTKM inclusion
 * rules (one test per rule, asserting that exact finding id and no other),
 * LTKMs decrypted through a session, and hostile bodies.
 *
 * The LTKMs and the STKM come from the independent generator
 * (tests/data/xml/README.md).
 */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno */

#include <unistd.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/xml.h>

#include "check.h"

static const char *ID = "oKGio6SlpqeoqaqrrK2urw==@bsf.example";
static const uint8_t KDID[3] = {0xb8, 0x70, 0x9d};
/* LTKM for b8709d/68c90000, counter 1, and for b8709d/24cb4400, counter 2 */
static const char *L1 =
    "AQAVAAECAwQAAQUDAA0AAAO4cJ0BAARoyQAACwIAAAABBhCgoaKjpKWmp6ipqqusra6vBgEAFGJzbS5vcGVyYXRvci"
    "5leGFtcGxlFQAAJG9LR2lvNlNscHFlb3FhcXJySzJ1cnc9PUBic2YuZXhhbXBsZQEFAAIBAAABABTeyn9GjSun1SeG"
    "PH+9qqAI0FA3sQFtvXJ550AsJY3Po+jUMvXKiuixzw==";
static const char *L2 =
    "AQAVAAECAwUAAQUDAA0AAAO4cJ0BAAQky0QACwIAAAACBhCgoaKjpKWmp6ipqqusra6vBgEAFGJzbS5vcGVyYXRvci"
    "5leGFtcGxlFQAAJG9LR2lvNlNscHFlb3FhcXJySzJ1cnc9PUBic2YuZXhhbXBsZQEFAAIBAAABABQzh5x+2KO5Y5Xp"
    "ftdnFy0GUNRnvAG9DzUUQNUhbABF4CNOSgyw7Q3bdg==";
static const char *SEK1 = "5e5e5e5e000000000000000000006801";
static const char *SEK2 = "5e5e5e5e00000000000000000000240c";
static const char *STKM1 =
    "0100150001020304000105030012000003b8709d01000468c9000002000200011502000000010105000202040001"
    "002bafb77e03e61b5a6aa33ffd74eb9c4c6a70aa8d717a874f55e444c9c722033c894d0ef987350f34c6dc749f01"
    "33fbcec89385fb511ccad513553f14f22332c2a1";

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* Reads tests/data/xml/|name| into a heap buffer of exactly its size. */
static uint8_t *read_data(const char *name, size_t *len) {
  char path[1024];
  const char *src = __FILE__, *slash = strrchr(src, '/');
  *len = 0;
  if (slash == NULL) return NULL;
  snprintf(path, sizeof path, "%.*s/../data/xml/%s", (int)(slash - src), src, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "  cannot open %s\n", path);
    return NULL;
  }
  static uint8_t tmp[1 << 16];
  size_t n = fread(tmp, 1, sizeof tmp, f);
  fclose(f);
  /* NUL-terminated for the tests that search it as text; the decoder is
   * given |n| bytes (the every-offset test copies to exact-size buffers) */
  uint8_t *p = malloc(n + 1);
  if (p != NULL) {
    memcpy(p, tmp, n);
    p[n] = 0;
  }
  *len = n;
  return p;
}

static bcastdec_xml *decode(const void *body, size_t len, const char *mt) {
  bcastdec_xml *x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, body, len, mt, NULL), BCASTDEC_OK);
  CHECK(x != NULL);
  return x;
}

static bcastdec_xml *decode_str(const char *body, const char *mt) {
  return decode(body, strlen(body), mt);
}

static size_t count_id(const bcastdec_xml *x, const char *id) {
  size_t n = 0;
  for (size_t i = 0; i < x->n_findings; i++)
    if (strcmp(x->findings[i].info->id, id) == 0) n++;
  return n;
}

/* Every finding of |x| has the id |id|, and there is at least one. */
static int only(const bcastdec_xml *x, const char *id) {
  int ok = x->n_findings > 0;
  for (size_t i = 0; i < x->n_findings; i++)
    if (strcmp(x->findings[i].info->id, id) != 0) ok = 0;
  if (!ok) {
    fprintf(stderr, "  expected only %s, got:\n", id);
    for (size_t i = 0; i < x->n_findings; i++)
      fprintf(stderr, "    %s: %s\n", x->findings[i].info->id, x->findings[i].text);
  }
  return ok;
}

static int none(const bcastdec_xml *x) {
  for (size_t i = 0; i < x->n_findings; i++)
    fprintf(stderr, "    unexpected %s: %s\n", x->findings[i].info->id, x->findings[i].text);
  return x->n_findings == 0;
}

/* |sp| covers exactly |text| in |body|. */
static int span_is(const void *body, bcastdec_span sp, const char *text) {
  size_t n = strlen(text);
  int ok = sp.src == BCASTDEC_SRC_WIRE && sp.len == n &&
           memcmp((const char *)body + sp.off, text, n) == 0;
  if (!ok)
    fprintf(stderr, "  span %u+%u is \"%.*s\", expected \"%s\"\n", sp.off, sp.len,
            (int)(sp.len < 80 ? sp.len : 80), (const char *)body + sp.off, text);
  return ok;
}

static int field_text(const bcastdec_xml *x, unsigned id, int nth, const char *value) {
  int i = -1;
  for (int k = 0; k <= nth; k++) i = bcastdec_xml_find_field(x, id, i);
  return i >= 0 && strcmp(x->fields[i].value, value) == 0;
}

static const bcastdec_xml_field *field(const bcastdec_xml *x, unsigned id, int nth) {
  int i = -1;
  for (int k = 0; k <= nth; k++) i = bcastdec_xml_find_field(x, id, i);
  return i >= 0 ? &x->fields[i] : NULL;
}

/* The subscriber's SMK (00..1f) under the LTKMs' IDr. */
static bcastdec_keystore *keys(void) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  CHECK(ks != NULL);
  bcastdec_key k;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SMK;
  k.identity = ID;
  k.key_len = 32;
  for (int i = 0; i < 32; i++) k.key[i] = (uint8_t)i;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
  return ks;
}

static bcastdec_xml_http http_ok(void) {
  bcastdec_xml_http h;
  memset(&h, 0, sizeof h);
  h.is_response = 1;
  h.status_code = 200;
  h.has_authentication_info = 1;
  h.content_type = BCASTDEC_XML_MT_MSK_RESPONSE;
  return h;
}

/* Decodes an MSK response and runs its LTKMs through a fresh session with
 * the SMK; |http| NULL = the correct 200 OK envelope. */
static bcastdec_xml *msk_run(const char *body, const bcastdec_xml_http *http) {
  bcastdec_xml_http ok = http_ok();
  bcastdec_xml *x = decode_str(body, BCASTDEC_XML_MT_MSK_RESPONSE);
  if (x == NULL) return NULL;
  bcastdec_keystore *ks = keys();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  CHECK(s != NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s, NULL, http != NULL ? http : &ok), BCASTDEC_OK);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  return x;
}

/* An MSK response: |bcast_ns| for xmlns:bcast, then the <Response>s. */
static const char *msk_body(char *out, size_t cap, const char *bcast_ns, const char *responses) {
  snprintf(out, cap,
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<mbmsMSKResponse xmlns=\"urn:3GPP:metadata:2005:MBMS:mskResponse\"\n"
           "    xmlns:bcast=\"%s\">\n%s</mbmsMSKResponse>\n",
           bcast_ns, responses);
  return out;
}

/* One <Response>: MSK (kd, mskid), code, then |tail| (LTKM elements). */
static char *resp(char *out, size_t cap, const char *mskid, const char *code, const char *tail) {
  snprintf(out, cap,
           "  <Response>\n    <MSK><keyDomainID>uHCd</keyDomainID><MSKID>%s</MSKID></MSK>\n"
           "    <ResponseCode>%s</ResponseCode>\n    %s\n  </Response>\n",
           mskid, code, tail);
  return out;
}

static char *ltkm(char *out, size_t cap, const char *attrs, const char *b64) {
  snprintf(out, cap, "<bcast:LTKM%s>%s</bcast:LTKM>", attrs, b64);
  return out;
}

#define MSKID1 "aMkAAA=="
#define MSKID2 "JMtEAA=="

static void b64(char *out, const uint8_t *in, size_t n) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    out[o++] = a[v >> 18];
    out[o++] = a[(v >> 12) & 63];
    out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? a[v & 63] : '=';
  }
  out[o] = '\0';
}

/* Walks every span of |x| and checks it lies inside the body. */
static int spans_inside(const bcastdec_xml *x) {
  int ok = 1;
#define IN(s) ok &= (uint64_t)(s).off + (s).len <= x->body_len
  IN(x->err_sp);
  for (size_t i = 0; i < x->n_elems; i++) {
    IN(x->elems[i].sp);
    IN(x->elems[i].inner_sp);
    for (size_t a = 0; a < x->elems[i].n_attrs; a++) {
      IN(x->elems[i].attrs[a].sp);
      IN(x->elems[i].attrs[a].value_sp);
    }
  }
  for (size_t i = 0; i < x->n_fields; i++) IN(x->fields[i].sp);
  for (size_t i = 0; i < x->n_findings; i++) IN(x->findings[i].sp);
  for (size_t i = 0; i < x->n_ltkms; i++) IN(x->ltkms[i].text_sp);
#undef IN
  return ok;
}

/* ------------------------------------------------------------------------ */
/* The seed 003 example                                                      */
/* ------------------------------------------------------------------------ */

TEST(test_xml_decode_seed003_as_printed) {
  size_t len;
  uint8_t *body = read_data("seed003_as_printed.xml", &len);
  CHECK(body != NULL);
  if (body == NULL) return;
  bcastdec_xml *x = decode(body, len, NULL);
  if (x == NULL) return;
  /* xmlns:xsi=http://... is not XML; decoded as if quoted */
  CHECK_EQ(x->status, BCASTDEC_ERR_MALFORMED);
  CHECK(x->err_text != NULL && strstr(x->err_text, "line 8") != NULL);
  CHECK_EQ(x->kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK_EQ(x->kind_by, BCASTDEC_XML_BY_ROOT);
  CHECK_EQ(x->kind_assumed, 0);
  CHECK_EQ(x->n_elems, 13);
  CHECK_EQ(x->n_responses, 2);
  CHECK_EQ(x->n_ltkms, 2);
  CHECK_EQ(count_id(x, "xml.malformed"), 1);
  CHECK_EQ(count_id(x, "xml.namespace_inexact"), 1);
  CHECK_EQ(count_id(x, "msk.ltkm_not_mikey"), 2); /* "..." is not base64 */
  CHECK_EQ(x->n_findings, 4);
  for (size_t i = 0; i < x->n_findings; i++) {
    if (strcmp(x->findings[i].info->id, "xml.namespace_inexact") == 0) {
      CHECK_EQ(x->findings[i].info->severity, BCASTDEC_SEV_WARNING);
      CHECK(span_is(body, x->findings[i].sp, " urn:oma:xml:bcast:pr:orderqueries:1.0"));
    }
    if (strcmp(x->findings[i].info->id, "msk.ltkm_not_mikey") == 0)
      CHECK(span_is(body, x->findings[i].sp, "..."));
  }
  /* the unquoted attribute is there, with its bytes as written */
  const bcastdec_xml_elem *root = &x->elems[0];
  CHECK_EQ(root->n_attrs, 4);
  if (root->n_attrs == 4) {
    CHECK_STR(root->attrs[2].name, "xsi");
    CHECK_STR(root->attrs[2].value, "http://www.w3.org/2001/XMLSchema-instance");
    CHECK(span_is(body, root->attrs[2].sp, "xmlns:xsi=http://www.w3.org/2001/XMLSchema-instance"));
    CHECK_STR(root->attrs[3].prefix, "xsi");
    CHECK(span_is(body, root->attrs[3].value_sp, "urn:3GPP:metadata:2005:MBMS:mskResponse"));
  }
  for (size_t i = 0; i < x->n_ltkms; i++) {
    CHECK_EQ(x->ltkms[i].ns_match, BCASTDEC_XML_NS_INEXACT);
    CHECK(x->ltkms[i].bytes == NULL);
    CHECK_EQ(x->ltkms[i].response, (int)i);
    CHECK(span_is(body, x->elems[x->ltkms[i].elem].sp, "<bcast:LTKM>...</bcast:LTKM>"));
  }
  const bcastdec_xml_field *kd = field(x, BCASTDEC_XF_KEY_DOMAIN_ID, 0);
  CHECK(kd != NULL && kd->valid && kd->bytes_len == 3 && memcmp(kd->bytes, KDID, 3) == 0);
  CHECK(kd != NULL && !kd->assumed);
  const bcastdec_xml_field *m2 = field(x, BCASTDEC_XF_MSK_ID, 1);
  CHECK(m2 != NULL && m2->valid);
  if (m2 != NULL) CHECK_HEX(m2->bytes, m2->bytes_len, "24cb4400");
  CHECK(x->responses[0].success && x->responses[1].success);
  CHECK(spans_inside(x));
  /* nothing to process, no crash, nothing added */
  bcastdec_xml_http h = http_ok();
  CHECK_EQ(bcastdec_xml_process_ltkms(x, NULL, NULL, &h), BCASTDEC_OK);
  CHECK_EQ(x->n_findings, 4);
  CHECK(x->ltkms[0].msg == NULL);
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_msk_response_ltkms_decrypt_and_teach_the_session) {
  size_t len;
  uint8_t *body = read_data("msk_response_ltkm.xml", &len);
  CHECK(body != NULL);
  if (body == NULL) return;
  bcastdec_xml *x = decode(body, len, "application/mbms-msk-response+xml; charset=UTF-8");
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK_EQ(x->kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK_EQ(x->kind_by, BCASTDEC_XML_BY_MEDIA_TYPE);
  CHECK_EQ(x->root_kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK(none(x));
  CHECK_EQ(x->n_ltkms, 2);
  CHECK(span_is(body, x->ltkms[0].text_sp, L1));
  CHECK(x->ltkms[1].has_version && x->ltkms[1].version_ok && x->ltkms[1].version == 0);

  bcastdec_keystore *ks = keys();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_xml_http h = http_ok();
  bcastdec_msg_ctx ctx = {7, NULL, 0};
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s, &ctx, &h), BCASTDEC_OK);
  CHECK(x->ltkms_processed);
  CHECK(none(x));
  const char *seks[2] = {SEK1, SEK2};
  const uint32_t ids[2] = {0x68c90000, 0x24cb4400};
  for (size_t i = 0; i < 2 && i < x->n_ltkms; i++) {
    const bcastdec_xml_ltkm *l = &x->ltkms[i];
    CHECK(l->msg != NULL);
    if (l->msg == NULL) continue;
    CHECK_EQ(l->ids, BCASTDEC_XML_IDS_MATCH);
    CHECK_EQ(l->msg->kind, BCASTDEC_KIND_LTKM);
    CHECK_EQ(l->msg->outcome, BCASTDEC_OUT_DECRYPTED);
    CHECK_EQ(l->msg->found_by, BCASTDEC_FOUND_IDR);
    CHECK_EQ(l->msg->ref, 7);
    CHECK_EQ(l->msg->n_findings, 0);
    CHECK_EQ(l->msg->n_keys, 1);
    if (l->msg->n_keys == 1) CHECK_HEX(l->msg->keys[0].key.p, l->msg->keys[0].key.len, seks[i]);
    const bcastdec_key *k = bcastdec_keystore_find_sekpek(bcastdec_session_learned(s), KDID, ids[i]);
    CHECK(k != NULL);
    if (k != NULL) CHECK_HEX(k->key, k->key_len, seks[i]);
    /* the message's spans point into the LTKM bytes the result owns */
    CHECK(l->msg->wire == l->bytes && l->msg->wire_len == l->len);
  }
  CHECK(bcastdec_xml_max_severity(x) < 0);

  /* the learned SEK opens a later STKM */
  uint8_t stkm[256];
  long n = check_unhex(STKM1, stkm, sizeof stkm);
  CHECK(n > 0);
  bcastdec_mikey_msg *m = NULL;
  bcastdec_msg_ctx c2 = {8, NULL, 0};
  CHECK_EQ(bcastdec_session_process(s, stkm, (size_t)n, &c2, &m), BCASTDEC_OK);
  CHECK(m != NULL && m->outcome == BCASTDEC_OUT_DECRYPTED && m->n_keys == 1);
  if (m != NULL && m->n_keys == 1)
    CHECK_HEX(m->keys[0].key.p, m->keys[0].key.len, "7e7e7e7e111111111111111111111111");
  bcastdec_mikey_msg_free(m);

  /* processing again (another session: the first has seen the counters)
   * replaces the messages and does not repeat findings */
  bcastdec_session *s2 = bcastdec_session_new(ks, NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s2, NULL, &h), BCASTDEC_OK);
  CHECK(none(x));
  CHECK(x->ltkms[0].msg != NULL && x->ltkms[0].msg->outcome == BCASTDEC_OUT_DECRYPTED);
  bcastdec_session_free(s2);

  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_ltkms_without_session_or_key) {
  size_t len;
  uint8_t *body = read_data("msk_response_ltkm.xml", &len);
  if (body == NULL) return;
  bcastdec_xml *x = decode(body, len, NULL);
  if (x == NULL) return;
  /* no session: parsed only; rule 5 still compares the Key ID entries */
  CHECK_EQ(bcastdec_xml_process_ltkms(x, NULL, NULL, NULL), BCASTDEC_OK);
  CHECK(none(x));
  for (size_t i = 0; i < x->n_ltkms; i++) {
    CHECK(x->ltkms[i].msg != NULL && x->ltkms[i].msg->status == BCASTDEC_OK);
    CHECK_EQ(x->ltkms[i].ids, BCASTDEC_XML_IDS_MATCH);
  }
  /* a session without the SMK: no key, still matched */
  bcastdec_session *s = bcastdec_session_new(NULL, NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s, NULL, NULL), BCASTDEC_OK);
  CHECK(x->ltkms[0].msg != NULL && x->ltkms[0].msg->outcome == BCASTDEC_OUT_NO_KEY);
  CHECK_EQ(x->ltkms[0].ids, BCASTDEC_XML_IDS_MATCH);
  CHECK_EQ(bcastdec_xml_max_severity(x), BCASTDEC_SEV_WARNING); /* kemac.no_key */
  bcastdec_session_free(s);
  bcastdec_xml_free(x);
  free(body);
}

/* ------------------------------------------------------------------------ */
/* The rules of an MSK response with LTKMs, one violation each              */
/* ------------------------------------------------------------------------ */

TEST(test_rule1_ltkm_not_base64) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", "AQAV!!not base64")));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_not_mikey"));
  CHECK_EQ(x->n_findings, 1);
  CHECK(span_is(r, x->findings[0].sp, "AQAV!!not base64"));
  CHECK(x->ltkms[0].msg == NULL);
  bcastdec_xml_free(x);
}

TEST(test_rule1_ltkm_two_mikey_messages) {
  char a[4096], b[2048], r[8192], t[1024];
  uint8_t raw[512];
  size_t n = 0;
  CHECK_EQ(bcastdec_base64_decode(L1, strlen(L1), raw, sizeof raw / 2, &n), BCASTDEC_OK);
  memcpy(raw + n, raw, n); /* one element, two messages */
  b64(t, raw, 2 * n);
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", t)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_not_mikey"));
  CHECK_EQ(x->n_findings, 1);
  CHECK(x->ltkms[0].msg != NULL && x->ltkms[0].msg->status == BCASTDEC_ERR_MALFORMED);
  bcastdec_xml_free(x);
}

TEST(test_rule1_ltkm_holds_an_stkm) {
  char a[4096], b[2048], r[8192], t[1024];
  uint8_t raw[512];
  long n = check_unhex(STKM1, raw, sizeof raw);
  b64(t, raw, (size_t)n);
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", t)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_not_mikey"));
  CHECK_EQ(x->n_findings, 1);
  bcastdec_xml_free(x);
}

TEST(test_rule1_ltkm_outside_the_bcast_namespace) {
  char a[2048], b[1024], r[4096];
  snprintf(b, sizeof b, "<LTKM>%s</LTKM>", L1); /* default namespace: 3GPP */
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, resp(a, sizeof a, MSKID1, "200 OK", b));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_namespace"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->ltkms[0].ns_match, BCASTDEC_XML_NS_OTHER);
  /* still decoded and decrypted */
  CHECK(x->ltkms[0].msg != NULL && x->ltkms[0].msg->outcome == BCASTDEC_OUT_DECRYPTED);
  bcastdec_xml_free(x);
}

TEST(test_rule2_ltkm_missing_in_a_200_ok_response) {
  char a[2048], a2[2048], b[1024], all[4096], r[8192];
  resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1));
  resp(a2, sizeof a2, MSKID2, "200 OK", "");
  snprintf(all, sizeof all, "%s%s", a, a2);
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, all);
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_missing"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->n_responses, 2);
  CHECK_EQ(x->responses[1].n_ltkm, 0);
  CHECK_EQ(x->findings[0].sp.off, x->elems[x->responses[1].elem].sp.off);
  bcastdec_xml_free(x);
}

TEST(test_rule2_two_ltkms_in_one_response) {
  char a[4096], b[1024], b2[1024], two[2048], r[8192];
  snprintf(two, sizeof two, "%s%s", ltkm(b, sizeof b, "", L1), ltkm(b2, sizeof b2, "", L1));
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, resp(a, sizeof a, MSKID1, "200 OK", two));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_multiple"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->responses[0].n_ltkm, 2);
  CHECK_EQ(x->findings[0].sp.off, x->elems[x->ltkms[1].elem].sp.off);
  bcastdec_xml_free(x);
}

TEST(test_rule2_no_inclusion_is_a_note) {
  char a[2048], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, resp(a, sizeof a, MSKID1, "200 OK", ""));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_not_included"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->findings[0].info->severity, BCASTDEC_SEV_NOTE);
  bcastdec_xml_free(x);
}

TEST(test_rule3_ltkm_in_an_error_response) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "404 Not Found", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_in_error_response"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->responses[0].success, 0);
  bcastdec_xml_free(x);
}

TEST(test_rule4_ltkm_before_response_code) {
  char b[1024], r[4096], a[2048];
  snprintf(a, sizeof a,
           "  <Response>\n    <MSK><keyDomainID>uHCd</keyDomainID><MSKID>" MSKID1 "</MSKID></MSK>\n"
           "    %s\n    <ResponseCode>200 OK</ResponseCode>\n  </Response>\n",
           ltkm(b, sizeof b, "", L1));
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, a);
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_position"));
  CHECK_EQ(x->n_findings, 1);
  CHECK(strstr(x->findings[0].text, "ResponseCode") != NULL);
  bcastdec_xml_free(x);
}

TEST(test_rule4_ltkm_outside_a_response) {
  char b[1024], r[8192], a[2048], all[4096];
  /* the Response keeps its LTKM (rules 2/5 hold); a second one sits in
   * the root */
  resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1));
  snprintf(all, sizeof all, "%s  %s\n", a, ltkm(b, sizeof b, "", L2));
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, all);
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_position"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->ltkms[1].response, -1);
  CHECK_EQ(x->ltkms[1].ids, BCASTDEC_XML_IDS_NOT_CHECKED);
  /* still processed: its SEK is learned */
  CHECK(x->ltkms[1].msg != NULL && x->ltkms[1].msg->outcome == BCASTDEC_OUT_DECRYPTED);
  bcastdec_xml_free(x);
}

TEST(test_rule5_mskid_differs_from_the_key_id) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID2, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_id_mismatch"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->ltkms[0].ids, BCASTDEC_XML_IDS_MISMATCH);
  CHECK(span_is(r, x->findings[0].sp, MSKID2));
  CHECK(strstr(x->findings[0].text, "24cb4400") != NULL);
  CHECK(strstr(x->findings[0].text, "68c90000") != NULL);
  bcastdec_xml_free(x);
}

TEST(test_rule5_key_domain_differs) {
  char a[2048], b[1024], r[4096];
  resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1));
  char *kd = strstr(a, "uHCd");
  if (kd != NULL) memcpy(kd, "AAAA", 4);
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST, a);
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_id_mismatch"));
  CHECK_EQ(x->n_findings, 1);
  CHECK(span_is(r, x->findings[0].sp, "AAAA"));
  bcastdec_xml_free(x);
}

TEST(test_rule6_version_not_an_unsigned_byte) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, " version=\"256\"", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_version_invalid"));
  CHECK_EQ(x->n_findings, 1);
  CHECK(span_is(r, x->findings[0].sp, "256"));
  CHECK(x->ltkms[0].has_version && !x->ltkms[0].version_ok);
  bcastdec_xml_free(x);
}

TEST(test_rule6_version_other_than_bcast_1_0) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, " version=\" +01 \"", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "msk.ltkm_version_unknown"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->findings[0].info->severity, BCASTDEC_SEV_NOTE);
  CHECK(x->ltkms[0].version_ok && x->ltkms[0].version == 1);
  bcastdec_xml_free(x);
}

TEST(test_rule7_no_authentication_info) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml_http h = http_ok();
  h.has_authentication_info = 0;
  bcastdec_xml *x = msk_run(r, &h);
  if (x == NULL) return;
  CHECK(only(x, "msk.no_authentication_info"));
  CHECK_EQ(x->n_findings, 1);
  bcastdec_xml_free(x);
}

TEST(test_rule7_content_type) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml_http h = http_ok();
  h.content_type = "application/xml";
  bcastdec_xml *x = msk_run(r, &h);
  if (x == NULL) return;
  CHECK(only(x, "msk.content_type"));
  CHECK_EQ(x->n_findings, 1);
  bcastdec_xml_free(x);
  h.content_type = NULL; /* header absent */
  x = msk_run(r, &h);
  if (x == NULL) return;
  CHECK(only(x, "msk.content_type"));
  bcastdec_xml_free(x);
}

TEST(test_rule7_not_the_200_ok) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml_http h = http_ok();
  h.status_code = 401;
  bcastdec_xml *x = msk_run(r, &h);
  if (x == NULL) return;
  CHECK(only(x, "msk.http_status"));
  CHECK_EQ(x->n_findings, 1);
  bcastdec_xml_free(x);
  h = http_ok();
  h.is_response = 0; /* LTKMs in a request */
  x = msk_run(r, &h);
  if (x == NULL) return;
  CHECK(only(x, "msk.http_status"));
  bcastdec_xml_free(x);
}

TEST(test_rule7_skipped_without_http_facts) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml *x = decode_str(r, NULL);
  if (x == NULL) return;
  bcastdec_keystore *ks = keys();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s, NULL, NULL), BCASTDEC_OK);
  CHECK(none(x));
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  bcastdec_xml_free(x);
}

TEST(test_rule8_namespace_with_a_leading_space) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, " " BCASTDEC_XML_NS_BCAST,
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK(only(x, "xml.namespace_inexact"));
  CHECK_EQ(x->n_findings, 1);
  CHECK_EQ(x->findings[0].info->severity, BCASTDEC_SEV_WARNING);
  CHECK(span_is(r, x->findings[0].sp, " " BCASTDEC_XML_NS_BCAST));
  /* the LTKM is still taken as one */
  CHECK_EQ(x->ltkms[0].ns_match, BCASTDEC_XML_NS_INEXACT);
  CHECK(x->ltkms[0].msg != NULL && x->ltkms[0].msg->outcome == BCASTDEC_OUT_DECRYPTED);
  bcastdec_xml_free(x);
}

TEST(test_rule8_namespace_in_another_case) {
  char a[2048], b[1024], r[4096];
  msk_body(r, sizeof r, "URN:OMA:XML:BCAST:PR:ORDERQUERIES:1.0",
           resp(a, sizeof a, MSKID1, "200 OK", ltkm(b, sizeof b, "", L1)));
  bcastdec_xml *x = msk_run(r, NULL);
  if (x == NULL) return;
  CHECK(only(x, "xml.namespace_inexact"));
  CHECK_EQ(x->n_findings, 1);
  bcastdec_xml_free(x);
}

/* ------------------------------------------------------------------------ */
/* The element tree and its offsets                                          */
/* ------------------------------------------------------------------------ */

TEST(test_xml_tree_offsets) {
  static const char *doc =
      "<?xml version=\"1.0\"?>\n"
      "<!-- a <comment> -->\n"
      "<p:root xmlns:p=\"urn:p\" a='x>y' b = \"1&amp;2&#38;3&lt;\"\n"
      "        xmlns=\"urn:d\">\n"
      "  <child>text&amp;more<![CDATA[<raw>]]></child   >\n"
      "  <?pi <not an element>?>\n"
      "  <empty/><empty2></empty2>\n"
      "  <mixed>a<i>b</i>c</mixed>\n"
      "</p:root>\n";
  bcastdec_xml *x = decode_str(doc, NULL);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK_EQ(x->n_elems, 6);
  if (x->n_elems != 6) goto out;
  const bcastdec_xml_elem *r = &x->elems[0];
  CHECK_STR(r->name, "root");
  CHECK_STR(r->prefix, "p");
  CHECK_STR(r->ns, "urn:p");
  CHECK(r->complete);
  CHECK_EQ(r->sp.off, strstr(doc, "<p:root") - doc);
  CHECK_EQ(r->sp.off + r->sp.len, strstr(doc, "</p:root>") - doc + 9);
  CHECK_EQ(r->inner_sp.off, strstr(doc, "\n  <child>") - doc);
  CHECK_EQ(r->inner_sp.off + r->inner_sp.len, strstr(doc, "</p:root>") - doc);
  CHECK_STR(r->text, ""); /* indentation only */
  CHECK_EQ(r->n_attrs, 4);
  if (r->n_attrs == 4) {
    CHECK_STR(r->attrs[0].ns, BCASTDEC_XML_NS_XMLNS);
    CHECK_STR(r->attrs[0].prefix, "xmlns");
    CHECK_STR(r->attrs[0].name, "p");
    CHECK(span_is(doc, r->attrs[0].sp, "xmlns:p=\"urn:p\""));
    CHECK_STR(r->attrs[1].name, "xmlns");
    CHECK_STR(r->attrs[1].value, "urn:d");
    CHECK(span_is(doc, r->attrs[1].value_sp, "urn:d"));
    CHECK_STR(r->attrs[2].name, "a");
    CHECK_STR(r->attrs[2].value, "x>y");
    CHECK(span_is(doc, r->attrs[2].sp, "a='x>y'"));
    CHECK_STR(r->attrs[3].value, "1&2&3<");
    CHECK(span_is(doc, r->attrs[3].sp, "b = \"1&amp;2&#38;3&lt;\""));
    CHECK(span_is(doc, r->attrs[3].value_sp, "1&amp;2&#38;3&lt;"));
  }
  const bcastdec_xml_elem *c = &x->elems[1];
  CHECK_STR(c->ns, "urn:d");
  CHECK_STR(c->text, "text&more<raw>");
  CHECK(span_is(doc, c->sp, "<child>text&amp;more<![CDATA[<raw>]]></child   >"));
  CHECK(span_is(doc, c->inner_sp, "text&amp;more<![CDATA[<raw>]]>"));
  CHECK_EQ(c->parent, 0);
  CHECK_EQ(r->first_child, 1);
  CHECK_EQ(c->next_sibling, 2);
  CHECK(span_is(doc, x->elems[2].sp, "<empty/>"));
  CHECK_EQ(x->elems[2].inner_sp.len, 0);
  CHECK(span_is(doc, x->elems[3].sp, "<empty2></empty2>"));
  CHECK_EQ(x->elems[3].inner_sp.len, 0);
  CHECK_STR(x->elems[4].text, "ac"); /* mixed content keeps its own text */
  CHECK(span_is(doc, x->elems[5].sp, "<i>b</i>"));
  CHECK_EQ(x->elems[5].depth, 2);
  CHECK_EQ(x->elems[5].parent, 4);
  CHECK_EQ(x->elems[4].next_sibling, -1);
out:
  bcastdec_xml_free(x);
}

/* ------------------------------------------------------------------------ */
/* Other media types                                                         */
/* ------------------------------------------------------------------------ */

static bcastdec_xml *decode_file(const char *name, const char *mt, uint8_t **body) {
  size_t len;
  *body = read_data(name, &len);
  CHECK(*body != NULL);
  if (*body == NULL) return NULL;
  bcastdec_xml *x = decode(*body, len, mt);
  if (x != NULL) CHECK(spans_inside(x));
  return x;
}

TEST(test_xml_register_and_deregister) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("register.xml", BCASTDEC_XML_MT_REGISTER, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK_EQ(x->kind, BCASTDEC_XML_REGISTER);
  CHECK_EQ(x->root_kind, BCASTDEC_XML_REGISTER);
  CHECK(none(x));
  CHECK(field_text(x, BCASTDEC_XF_SERVICE_ID, 0, "urn:example:pi:gold||urn:example:pd:gold-month"));
  CHECK(field_text(x, BCASTDEC_XF_SERVICE_ID, 1, "urn:example:pi:news||urn:example:pd:news-day"));
  CHECK(field(x, BCASTDEC_XF_SERVICE_ID, 0)->assumed);
  CHECK(span_is(body, field(x, BCASTDEC_XF_SERVICE_ID, 1)->sp,
                "urn:example:pi:news||urn:example:pd:news-day"));
  bcastdec_xml_free(x);
  free(body);

  x = decode_file("deregister.xml", NULL, &body); /* by the root element */
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_DEREGISTER);
  CHECK_EQ(x->kind_by, BCASTDEC_XML_BY_ROOT);
  CHECK_EQ(x->kind_assumed, 1);
  CHECK(field_text(x, BCASTDEC_XF_SERVICE_ID, 0, "urn:example:pi:gold||urn:example:pd:gold-month"));
  bcastdec_xml_free(x);
  free(body);

  x = decode_file("register_response.xml", BCASTDEC_XML_MT_REGISTER_RESPONSE, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_REGISTER_RESPONSE);
  CHECK(none(x));
  CHECK(field_text(x, BCASTDEC_XF_RESPONSE_CODE, 0, "200 OK"));
  CHECK_EQ(field(x, BCASTDEC_XF_RESPONSE_CODE, 0)->num, 200);
  CHECK_EQ(x->n_responses, 0); /* only MSK responses are split */
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_msk_request) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("msk_request.xml", BCASTDEC_XML_MT_MSK_REQUEST, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_MSK_REQUEST);
  CHECK(none(x));
  const bcastdec_xml_field *m = field(x, BCASTDEC_XF_MSK_ID, 1);
  CHECK(m != NULL && m->valid && m->assumed); /* request format is assumed */
  if (m != NULL) CHECK_HEX(m->bytes, m->bytes_len, "24cb4400");
  CHECK_EQ(x->n_ltkms, 0);
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_sprov_service_request) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("sprov_service_request.xml", BCASTDEC_XML_MT_SPROV, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_SPROV);
  CHECK_EQ(x->kind_assumed, 1);
  CHECK_EQ(x->root_kind, BCASTDEC_XML_SPROV);
  CHECK(none(x));
  CHECK(field_text(x, BCASTDEC_XF_REQUEST_ID, 0, "42"));
  CHECK(field_text(x, BCASTDEC_XF_GLOBAL_ID_REF, 0, "urn:example:pi:gold"));
  CHECK(field_text(x, BCASTDEC_XF_ID_REF, 0, "urn:example:pd:gold-month"));
  const bcastdec_xml_field *f = field(x, BCASTDEC_XF_ID_REF, 0);
  CHECK(f != NULL && f->is_attr && f->assumed);
  if (f != NULL) {
    CHECK_STR(f->name, "idRef");
    CHECK(span_is(body, f->sp, "urn:example:pd:gold-month"));
    CHECK_STR(x->elems[f->elem].name, "PurchaseDataReference");
  }
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_sprov_registration_required_as_attribute) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("sprov_service_response_attr.xml", BCASTDEC_XML_MT_SPROV, &body);
  if (x == NULL) goto out;
  CHECK(none(x));
  const bcastdec_xml_field *f = field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, 0);
  CHECK(f != NULL && f->is_attr && f->valid && f->num == 1 && !f->assumed);
  if (f != NULL) CHECK(span_is(body, f->sp, "true"));
  const bcastdec_xml_field *g = field(x, BCASTDEC_XF_GLOBAL_STATUS_CODE, 0);
  CHECK(g != NULL && g->valid && g->num == 0);
  CHECK(field_text(x, BCASTDEC_XF_ITEMWISE_STATUS_CODE, 0, "0"));
  CHECK(field_text(x, BCASTDEC_XF_REQUEST_ID, 0, "42"));
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_sprov_registration_required_as_element) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("sprov_service_response_elem.xml", NULL, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_SPROV);
  CHECK(none(x));
  const bcastdec_xml_field *f = field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, 0);
  CHECK(f != NULL && !f->is_attr && f->valid && f->num == 0);
  if (f != NULL) CHECK(span_is(body, f->sp, "false"));
  /* the seed-000 names as elements */
  const bcastdec_xml_field *g = field(x, BCASTDEC_XF_GLOBAL_ID_REF, 0);
  CHECK(g != NULL && !g->assumed && strcmp(g->value, "urn:example:pi:news") == 0);
  CHECK(field_text(x, BCASTDEC_XF_ID_REF, 0, "urn:example:pd:news-day"));
  CHECK(field_text(x, BCASTDEC_XF_REQUEST_ID, 0, "43"));
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_smartcard_trigger) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("smartcard_trigger.xml", BCASTDEC_XML_MT_SMARTCARD_TRIGGER, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->kind, BCASTDEC_XML_SMARTCARD_TRIGGER);
  CHECK_EQ(x->root_kind, BCASTDEC_XML_SMARTCARD_TRIGGER);
  CHECK(none(x));
  CHECK(field_text(x, BCASTDEC_XF_GLOBAL_ID_REF, 0, "urn:example:pi:gold"));
  CHECK(field_text(x, BCASTDEC_XF_ID_REF, 0, "urn:example:pd:gold-month"));
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_names_match_case_insensitively_and_are_marked_assumed) {
  bcastdec_xml *x = decode_str("<servicerequest xmlns='urn:oma:xml:bcast:pr:orderqueries:1.0' "
                               "REQUESTID='7'><RegistrationRequired>1</RegistrationRequired>"
                               "<GLOBALIDREF>g</GLOBALIDREF></servicerequest>",
                               NULL);
  if (x == NULL) return;
  CHECK_EQ(x->kind, BCASTDEC_XML_SPROV);
  CHECK(none(x));
  const bcastdec_xml_field *f = field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, 0);
  CHECK(f != NULL && f->valid && f->num == 1 && f->assumed);
  CHECK(field_text(x, BCASTDEC_XF_REQUEST_ID, 0, "7"));
  CHECK(field_text(x, BCASTDEC_XF_GLOBAL_ID_REF, 0, "g"));
  bcastdec_xml_free(x);
}

TEST(test_xml_bad_values_and_kind_mismatch) {
  bcastdec_xml *x =
      decode_str("<mbmsMSKResponse xmlns='urn:3GPP:metadata:2005:MBMS:mskResponse'>"
                 "<Response><MSK><keyDomainID>u*Cd</keyDomainID><MSKID>aMkAAA==</MSKID></MSK>"
                 "<ResponseCode>404</ResponseCode></Response>"
                 "<x registrationRequired='yes' globalStatusCode='-1'/></mbmsMSKResponse>",
                 BCASTDEC_XML_MT_REGISTER);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK_EQ(x->kind, BCASTDEC_XML_REGISTER);        /* the media type decides */
  CHECK_EQ(x->root_kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK_EQ(count_id(x, "xml.kind_mismatch"), 1);
  CHECK_EQ(count_id(x, "xml.bad_value"), 3);
  CHECK_EQ(x->n_findings, 4);
  bcastdec_xml_free(x);

  x = decode_str("<other xmlns='urn:x'/>", "application/xml");
  if (x == NULL) return;
  CHECK_EQ(x->kind, BCASTDEC_XML_UNKNOWN);
  CHECK(only(x, "xml.unknown_root"));
  bcastdec_xml_free(x);
}

TEST(test_xml_media_types) {
  CHECK_EQ(bcastdec_xml_kind_from_media_type(" Application/MBMS-MSK-Response+XML ;charset=utf-8"),
           BCASTDEC_XML_MSK_RESPONSE);
  CHECK_EQ(bcastdec_xml_kind_from_media_type("application/mbms-msk+xml"), BCASTDEC_XML_MSK_REQUEST);
  CHECK_EQ(bcastdec_xml_kind_from_media_type(BCASTDEC_XML_MT_DEREGISTER), BCASTDEC_XML_DEREGISTER);
  CHECK_EQ(bcastdec_xml_kind_from_media_type(BCASTDEC_XML_MT_SPROV), BCASTDEC_XML_SPROV);
  CHECK_EQ(bcastdec_xml_kind_from_media_type("application/vnd.oma.bcast.smartcard-trigger+xml"),
           BCASTDEC_XML_SMARTCARD_TRIGGER);
  CHECK_EQ(bcastdec_xml_kind_from_media_type("application/mbms-msk-response+xmlx"),
           BCASTDEC_XML_UNKNOWN);
  CHECK_EQ(bcastdec_xml_kind_from_media_type("application/vnd.oma.bcast.ltkm"), BCASTDEC_XML_UNKNOWN);
  CHECK_EQ(bcastdec_xml_kind_from_media_type(NULL), BCASTDEC_XML_UNKNOWN);
  CHECK_STR(bcastdec_xml_kind_name(BCASTDEC_XML_MSK_RESPONSE), "msk_response");
  CHECK(bcastdec_xml_kind_name(99) == NULL);
  CHECK_STR(bcastdec_xml_field_name(BCASTDEC_XF_LTKM), "LTKM");
  CHECK_STR(bcastdec_xml_ids_name(BCASTDEC_XML_IDS_MISMATCH), "mismatch");
}

/* ------------------------------------------------------------------------ */
/* Hostile and broken bodies                                                 */
/* ------------------------------------------------------------------------ */

static int no_text_anywhere(const bcastdec_xml *x, const char *needle) {
  for (size_t i = 0; i < x->n_elems; i++) {
    if (strstr(x->elems[i].text, needle) != NULL) return 0;
    for (size_t a = 0; a < x->elems[i].n_attrs; a++)
      if (strstr(x->elems[i].attrs[a].value, needle) != NULL) return 0;
  }
  for (size_t i = 0; i < x->n_findings; i++)
    if (strstr(x->findings[i].text, needle) != NULL) return 0;
  return 1;
}

TEST(test_xml_billion_laughs_not_expanded) {
  uint8_t *body;
  bcastdec_xml *x = decode_file("billion_laughs.xml", BCASTDEC_XML_MT_MSK_RESPONSE, &body);
  if (x == NULL) goto out;
  CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK(only(x, "xml.dtd"));
  CHECK_EQ(x->n_elems, 0);
  CHECK(no_text_anywhere(x, "lol"));
out:
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_external_entities_not_fetched) {
  static const char *files[] = {"external_entity.xml", "external_dtd.xml"};
  for (size_t i = 0; i < 2; i++) {
    uint8_t *body;
    bcastdec_xml *x = decode_file(files[i], NULL, &body);
    if (x != NULL) {
      CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
      CHECK(only(x, "xml.dtd"));
      CHECK(no_text_anywhere(x, "FETCHED"));
    }
    bcastdec_xml_free(x);
    free(body);
  }
  /* an entity reference without any DTD is simply undeclared */
  bcastdec_xml *x = decode_str("<a>&ext;</a>", NULL);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_ERR_MALFORMED);
  CHECK_EQ(count_id(x, "xml.malformed"), 1);
  bcastdec_xml_free(x);
}

TEST(test_xml_depth_bomb_and_caps) {
  enum { LEVELS = 100000 };
  char *bomb = malloc(LEVELS * 7 + 1);
  if (bomb == NULL) return;
  for (int i = 0; i < LEVELS; i++) memcpy(bomb + 3 * i, "<a>", 3);
  for (int i = 0; i < LEVELS; i++) memcpy(bomb + 3 * LEVELS + 4 * i, "</a>", 4);
  bomb[LEVELS * 7] = '\0';
  bcastdec_xml *x = decode(bomb, LEVELS * 7, NULL);
  if (x != NULL) {
    CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
    CHECK_EQ(count_id(x, "xml.too_deep"), 1);
    CHECK_EQ(x->n_elems, BCASTDEC_XML_MAX_DEPTH_DEFAULT);
    CHECK(spans_inside(x));
  }
  bcastdec_xml_free(x);

  /* a smaller depth cap */
  bcastdec_xml_opts o;
  bcastdec_xml_opts_init(&o);
  o.max_depth = 3;
  x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)"<a><b><c/></b></a>", 18, NULL, &o),
           BCASTDEC_OK);
  if (x != NULL) CHECK_EQ(x->status, BCASTDEC_OK);
  bcastdec_xml_free(x);
  x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)"<a><b><c><d/></c></b></a>", 25, NULL, &o),
           BCASTDEC_OK);
  if (x != NULL) {
    CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
    CHECK_EQ(count_id(x, "xml.too_deep"), 1);
  }
  bcastdec_xml_free(x);

  /* size cap: not parsed at all */
  bcastdec_xml_opts_init(&o);
  o.max_size = 100;
  x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)bomb, 101, NULL, &o), BCASTDEC_OK);
  if (x != NULL) {
    CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
    CHECK(only(x, "xml.too_large"));
    CHECK_EQ(x->n_elems, 0);
  }
  bcastdec_xml_free(x);

  /* node cap: elements and attributes */
  bcastdec_xml_opts_init(&o);
  o.max_nodes = 5;
  x = NULL;
  const char *wide = "<r a='1' b='2'><e/><e/><e/></r>";
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)wide, strlen(wide), NULL, &o), BCASTDEC_OK);
  if (x != NULL) {
    CHECK_EQ(x->status, BCASTDEC_ERR_UNSUPPORTED);
    CHECK_EQ(count_id(x, "xml.too_many_nodes"), 1);
    CHECK_EQ(x->n_elems, 3);
  }
  bcastdec_xml_free(x);
  free(bomb);
}

TEST(test_xml_not_xml_and_encodings) {
  static const struct {
    const char *body;
    size_t len;
    bcastdec_status st;
    const char *id;
  } cases[] = {
      {"hello, world", 12, BCASTDEC_ERR_MALFORMED, "xml.malformed"},
      {"\x01\x00\x15\x00\xff\xfe", 6, BCASTDEC_ERR_MALFORMED, "xml.malformed"},
      {"", 0, BCASTDEC_ERR_TRUNCATED, "xml.truncated"},
      {"   \n", 4, BCASTDEC_ERR_TRUNCATED, "xml.truncated"},
      {"<?xml version=\"1.0\"?>", 21, BCASTDEC_ERR_TRUNCATED, "xml.truncated"},
      {"<a></b>", 7, BCASTDEC_ERR_MALFORMED, "xml.malformed"},
      {"<a/>junk", 8, BCASTDEC_ERR_MALFORMED, "xml.malformed"},
      {"<a x='1' x='2'/>", 16, BCASTDEC_ERR_MALFORMED, "xml.malformed"},
      {"<a><p:b/></a>", 13, BCASTDEC_ERR_MALFORMED, "xml.malformed"}, /* undeclared prefix */
      {"\xff\xfe<\0a\0/\0>\0", 10, BCASTDEC_ERR_UNSUPPORTED, "xml.encoding"},
      {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>", 52, BCASTDEC_ERR_UNSUPPORTED,
       "xml.encoding"},
      {"<?xml version=\"1.0\" encoding=\"x-unknown\"?><a/>", 46, BCASTDEC_ERR_UNSUPPORTED,
       "xml.encoding"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bcastdec_xml *x = decode(cases[i].body, cases[i].len, NULL);
    if (x == NULL) continue;
    if (x->status != cases[i].st) fprintf(stderr, "  case %zu\n", i);
    CHECK_EQ(x->status, cases[i].st);
    CHECK_EQ(count_id(x, cases[i].id), 1);
    CHECK(spans_inside(x));
    bcastdec_xml_free(x);
  }
  /* pure ASCII under a declared single-byte encoding: offsets still hold */
  static const char *latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a x=\"1\"><b>t</b></a>";
  bcastdec_xml *x = decode_str(latin, NULL);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK(x->n_elems == 2 && span_is(latin, x->elems[1].sp, "<b>t</b>"));
  CHECK(x->n_elems == 2 && span_is(latin, x->elems[0].attrs[0].sp, "x=\"1\""));
  bcastdec_xml_free(x);
}

TEST(test_xml_truncated_at_every_offset) {
  size_t len;
  uint8_t *body = read_data("msk_response_ltkm.xml", &len);
  if (body == NULL) return;
  /* the body is not NUL-terminated: search with a length */
  static const char close_tag[] = "</mbmsMSKResponse>";
  size_t at = len;
  for (size_t i = 0; i + sizeof close_tag - 1 <= len; i++)
    if (memcmp(body + i, close_tag, sizeof close_tag - 1) == 0) {
      at = i;
      break;
    }
  CHECK(at < len);
  size_t complete = at + sizeof close_tag - 1;
  bcastdec_keystore *ks = keys();
  for (size_t n = 0; n < len; n++) {
    uint8_t *cut = malloc(n ? n : 1);
    if (cut == NULL) break;
    memcpy(cut, body, n);
    bcastdec_xml *x = NULL;
    CHECK_EQ(bcastdec_xml_decode(&x, cut, n, NULL, NULL), BCASTDEC_OK);
    if (x != NULL) {
      if (n < complete) {
        if (x->status != BCASTDEC_ERR_TRUNCATED) fprintf(stderr, "  cut at %zu\n", n);
        CHECK_EQ(x->status, BCASTDEC_ERR_TRUNCATED);
        CHECK_EQ(count_id(x, "xml.truncated"), 1);
        /* the rules never fire on a partial body */
        CHECK_EQ(count_id(x, "msk.ltkm_missing"), 0);
        CHECK_EQ(count_id(x, "msk.ltkm_not_mikey"), 0);
      } else {
        CHECK_EQ(x->status, BCASTDEC_OK);
      }
      CHECK(spans_inside(x));
      bcastdec_session *s = bcastdec_session_new(ks, NULL);
      CHECK_EQ(bcastdec_xml_process_ltkms(x, s, NULL, NULL), BCASTDEC_OK);
      if (n < complete) CHECK_EQ(count_id(x, "msk.ltkm_not_mikey"), 0);
      bcastdec_session_free(s);
    }
    bcastdec_xml_free(x);
    free(cut);
  }
  bcastdec_keystore_free(ks);
  free(body);
}

TEST(test_xml_no_key_bytes_in_texts) {
  size_t len;
  uint8_t *body = read_data("msk_response_ltkm.xml", &len);
  if (body == NULL) return;
  /* break rule 5 so that findings with identifiers exist */
  char *m = strstr((char *)body, MSKID2);
  if (m != NULL) memcpy(m, "AAAAAA==", 8);
  bcastdec_xml *x = decode(body, len, NULL);
  bcastdec_keystore *ks = keys();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(x, s, NULL, NULL), BCASTDEC_OK);
  CHECK_EQ(count_id(x, "msk.ltkm_id_mismatch"), 1);
  static const char *secrets[] = {"5e5e5e5e00000000", "000102030405060708", "0000000000006801"};
  for (size_t k = 0; k < 3; k++) {
    CHECK(no_text_anywhere(x, secrets[k]));
    for (size_t i = 0; i < x->n_ltkms; i++)
      for (size_t f = 0; x->ltkms[i].msg != NULL && f < x->ltkms[i].msg->n_findings; f++)
        CHECK(strstr(x->ltkms[i].msg->findings[f].text, secrets[k]) == NULL);
  }
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  bcastdec_xml_free(x);
  free(body);
}

TEST(test_xml_prints_nothing) {
  /* libxml2 reports encoding and I/O errors to stderr unless told not to */
  static const struct {
    const char *body;
    size_t len;
  } cases[] = {
      {"\xff\xfe<\0a\0>\0\x00\xd8\x00\xd8<\0/\0a\0>\0", 18},
      {"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><a>\x8f\xff\xff</a>", 48},
      {"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", 43},
      {"<a><b></a>", 10},
  };
  bcastdec_status st[4];
  fflush(stderr);
  FILE *tmp = tmpfile();
  int saved = dup(2);
  CHECK(tmp != NULL && saved >= 0);
  if (tmp == NULL || saved < 0) return;
  dup2(fileno(tmp), 2);
  for (size_t i = 0; i < 4; i++) {
    bcastdec_xml *x = NULL;
    st[i] = bcastdec_xml_decode(&x, (const uint8_t *)cases[i].body, cases[i].len, NULL, NULL);
    bcastdec_xml_free(x);
  }
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  fseek(tmp, 0, SEEK_END);
  CHECK_EQ(ftell(tmp), 0);
  fclose(tmp);
  for (size_t i = 0; i < 4; i++) CHECK_EQ(st[i], BCASTDEC_OK);
}

TEST(test_xml_invalid_arguments) {
  bcastdec_xml *x = NULL;
  CHECK_EQ(bcastdec_xml_decode(NULL, (const uint8_t *)"<a/>", 4, NULL, NULL), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_xml_decode(&x, NULL, 4, NULL, NULL), BCASTDEC_ERR_ARG);
  CHECK(x == NULL);
  CHECK_EQ(bcastdec_xml_process_ltkms(NULL, NULL, NULL, NULL), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_xml_find_field(NULL, BCASTDEC_XF_LTKM, -1), -1);
  CHECK_EQ(bcastdec_xml_max_severity(NULL), -1);
  bcastdec_xml_free(NULL);
  bcastdec_xml_opts_init(NULL);
}

RUN_TESTS("xml", TCASE(test_xml_decode_seed003_as_printed),
          TCASE(test_xml_msk_response_ltkms_decrypt_and_teach_the_session),
          TCASE(test_xml_ltkms_without_session_or_key), TCASE(test_rule1_ltkm_not_base64),
          TCASE(test_rule1_ltkm_two_mikey_messages), TCASE(test_rule1_ltkm_holds_an_stkm),
          TCASE(test_rule1_ltkm_outside_the_bcast_namespace),
          TCASE(test_rule2_ltkm_missing_in_a_200_ok_response),
          TCASE(test_rule2_two_ltkms_in_one_response), TCASE(test_rule2_no_inclusion_is_a_note),
          TCASE(test_rule3_ltkm_in_an_error_response), TCASE(test_rule4_ltkm_before_response_code),
          TCASE(test_rule4_ltkm_outside_a_response), TCASE(test_rule5_mskid_differs_from_the_key_id),
          TCASE(test_rule5_key_domain_differs), TCASE(test_rule6_version_not_an_unsigned_byte),
          TCASE(test_rule6_version_other_than_bcast_1_0), TCASE(test_rule7_no_authentication_info),
          TCASE(test_rule7_content_type), TCASE(test_rule7_not_the_200_ok),
          TCASE(test_rule7_skipped_without_http_facts),
          TCASE(test_rule8_namespace_with_a_leading_space),
          TCASE(test_rule8_namespace_in_another_case), TCASE(test_xml_tree_offsets),
          TCASE(test_xml_register_and_deregister), TCASE(test_xml_msk_request),
          TCASE(test_xml_sprov_service_request),
          TCASE(test_xml_sprov_registration_required_as_attribute),
          TCASE(test_xml_sprov_registration_required_as_element),
          TCASE(test_xml_smartcard_trigger),
          TCASE(test_xml_names_match_case_insensitively_and_are_marked_assumed),
          TCASE(test_xml_bad_values_and_kind_mismatch), TCASE(test_xml_media_types),
          TCASE(test_xml_billion_laughs_not_expanded),
          TCASE(test_xml_external_entities_not_fetched), TCASE(test_xml_depth_bomb_and_caps),
          TCASE(test_xml_not_xml_and_encodings), TCASE(test_xml_truncated_at_every_offset),
          TCASE(test_xml_no_key_bytes_in_texts), TCASE(test_xml_prints_nothing),
          TCASE(test_xml_invalid_arguments))
