/* SPDX-License-Identifier: MIT */
/*
 * Flow tracker (bcastdec/flow.h): rules 11, 13, 14, 16 and 21 across a
 * sequence of HTTP messages (bodies decoded by the XML module) and MIKEY
 * results (decode results with the fields the tracker reads set by hand:
 * kind, V flag, IDr, Key ID, the session's verification link).
 */
#include <bcastdec/flow.h>
#include <bcastdec/xml.h>

#include "check.h"

#define BTID "QmdKQ6zAHTRWT+AfdlMYTw==@bsf.mnc001.mcc001.pub.3gppnetwork.org"
#define BTID2 "AAAAAAAAAAAAAAAAAAAAAA==@bsf.mnc001.mcc001.pub.3gppnetwork.org"
#define NAI "alice@csim.operator.example"
#define TERM "192.0.2.7"

static const char SPROV_REQ[] =
    "<ServiceRequest xmlns=\"urn:oma:xml:bcast:pr:orderqueries:1.0\" requestID=\"1\">"
    "<PurchaseItem globalIDRef=\"urn:x:pi:news\"/></ServiceRequest>";
static const char SPROV_RESP_REG[] =
    "<ServiceResponse xmlns=\"urn:oma:xml:bcast:pr:orderqueries:1.0\" requestID=\"1\" "
    "globalStatusCode=\"0\"><registrationRequired>true</registrationRequired></ServiceResponse>";
static const char SPROV_RESP_NOREG[] =
    "<ServiceResponse xmlns=\"urn:oma:xml:bcast:pr:orderqueries:1.0\" requestID=\"1\" "
    "globalStatusCode=\"0\"><registrationRequired>false</registrationRequired></ServiceResponse>";
static const char SPROV_RESP_FAIL[] =
    "<ServiceResponse xmlns=\"urn:oma:xml:bcast:pr:orderqueries:1.0\" requestID=\"1\" "
    "globalStatusCode=\"3\"/>";
static const char PRICE_RESP[] =
    "<PriceInfoResponse xmlns=\"urn:oma:xml:bcast:pr:orderqueries:1.0\" requestID=\"1\" "
    "globalStatusCode=\"0\"/>";
static const char REGISTER[] =
    "<mbmsUserServiceRegistration xmlns=\"urn:3GPP:metadata:2005:MBMS:userServiceRegistration\">"
    "<serviceId>urn:x:pi:news</serviceId></mbmsUserServiceRegistration>";
static const char DEREGISTER[] =
    "<mbmsUserServiceDeregistration "
    "xmlns=\"urn:3GPP:metadata:2005:MBMS:userServiceDeregistration\">"
    "<serviceId>urn:x:pi:news</serviceId></mbmsUserServiceDeregistration>";
/* keyDomainID b8709d, MSKIDs 68c90000 and 11223344 */
static const char MSK_REQ[] =
    "<mbmsMSKRequest xmlns=\"urn:3GPP:metadata:2005:MBMS:mskRequest\">"
    "<MSK><keyDomainID>uHCd</keyDomainID><MSKID>aMkAAA==</MSKID></MSK>"
    "<MSK><keyDomainID>uHCd</keyDomainID><MSKID>ESIzRA==</MSKID></MSK></mbmsMSKRequest>";

static const bcastdec_keystore *g_ks;      /* keys given with the requests */
static const bcastdec_keystore *g_learned; /* the session's learned keys */

static bcastdec_xml *xml(const char *body, const char *media_type) {
  bcastdec_xml *x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)body, strlen(body), media_type, NULL),
           BCASTDEC_OK);
  CHECK(x != NULL);
  return x;
}

/* Feeds request |req_body| (frame ref) and its response (frame ref + 1);
 * returns the immediate findings of both, ids joined by ','. */
static void exchange(bcastdec_flow *f, uint32_t ref, const char *user, const char *req_body,
                     const char *req_type, unsigned status, const char *resp_body,
                     const char *resp_type, char *ids, size_t cap) {
  bcastdec_finding out[8];
  bcastdec_xml *rq = req_body ? xml(req_body, req_type) : NULL;
  bcastdec_xml *rs = resp_body ? xml(resp_body, resp_type) : NULL;
  bcastdec_flow_http ev;
  size_t n, o = 0;
  ids[0] = '\0';
  memset(&ev, 0, sizeof ev);
  ev.ref = ref;
  ev.terminal = TERM;
  ev.username = user;
  ev.xml = rq;
  ev.ks = g_ks;
  ev.learned = g_learned;
  n = bcastdec_flow_http_msg(f, &ev, out, 8);
  for (size_t i = 0; i < n && i < 8; i++)
    o += (size_t)snprintf(ids + o, cap - o, "%s%s", o ? "," : "", out[i].info->id);
  memset(&ev, 0, sizeof ev);
  ev.ref = ref + 1;
  ev.request_ref = ref;
  ev.is_response = 1;
  ev.status_code = (uint16_t)status;
  ev.terminal = TERM;
  ev.username = user;
  ev.xml = rs;
  n = bcastdec_flow_http_msg(f, &ev, out, 8);
  for (size_t i = 0; i < n && i < 8; i++)
    o += (size_t)snprintf(ids + o, cap - o, "%s%s", o ? "," : "", out[i].info->id);
  bcastdec_xml_free(rq);
  bcastdec_xml_free(rs);
}

/* An LTKM result as the session leaves it (only what the tracker reads). */
typedef struct fake {
  bcastdec_mikey_msg m;
  bcastdec_payload p[1];
} fake;

static void fake_ltkm(fake *k, const char *idr, int v) {
  memset(k, 0, sizeof *k);
  k->m.kind = BCASTDEC_KIND_LTKM;
  k->m.i_t = k->m.i_rand = k->m.i_kemac = k->m.i_v = k->m.i_keyid = -1;
  k->m.i_bcast = k->m.i_idi = k->m.i_err = -1;
  k->m.i_idr = -1;
  k->m.hdr.v_flag.v = (uint64_t)v;
  k->m.hdr.v_flag.sp.len = 1;
  k->m.has_kdid = k->m.has_sekpek_id = 1;
  k->m.kdid[0] = 0xb8;
  k->m.kdid[1] = 0x70;
  k->m.kdid[2] = 0x9d;
  k->m.sekpek_id = 0x68c90000u;
  if (idr != NULL) {
    k->m.payloads = k->p;
    k->m.n_payloads = 1;
    k->m.i_idr = 0;
    k->p[0].u.id.id.p = (const uint8_t *)idr;
    k->p[0].u.id.id.len = strlen(idr);
  }
}

static size_t feed_mikey(bcastdec_flow *f, uint32_t ref, const bcastdec_mikey_msg *m,
                         const char *terminal, bcastdec_finding *out, size_t cap) {
  bcastdec_flow_mikey ev;
  memset(&ev, 0, sizeof ev);
  ev.ref = ref;
  ev.path = BCASTDEC_FLOW_UDP;
  ev.terminal = terminal;
  ev.msg = m;
  return bcastdec_flow_mikey_msg(f, &ev, out, cap);
}

static const char *end_id(const bcastdec_flow *f, uint32_t ref) {
  static bcastdec_finding out[4];
  size_t n = bcastdec_flow_end_findings(f, ref, out, 4);
  return n == 0 ? "" : n == 1 ? out[0].info->id : "(several)";
}

TEST(test_registration_then_ltkm_is_clean) {
  bcastdec_flow *f = bcastdec_flow_new();
  char ids[256];
  bcastdec_finding out[4];
  fake k;
  CHECK(f != NULL);
  exchange(f, 4, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_REG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  CHECK_STR(ids, "");
  /* before the Registration the end judgements say so: no Registration,
   * no LTKM */
  CHECK_EQ(bcastdec_flow_end_findings(f, 5, out, 4), 2);
  CHECK_STR(out[0].info->id, "flow.registration_missing");
  CHECK_STR(out[1].info->id, "flow.no_ltkm_after_purchase");
  exchange(f, 10, BTID, REGISTER, BCASTDEC_XML_MT_REGISTER, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "");
  /* the LTKM is now due after the Registration's response */
  CHECK_STR(end_id(f, 5), "");
  CHECK_STR(end_id(f, 11), "flow.no_ltkm_after_purchase");
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 20, &k.m, TERM, out, 4), 0);
  CHECK_STR(end_id(f, 5), "");
  CHECK_STR(end_id(f, 11), "");
  CHECK_EQ(bcastdec_flow_end_refs(f, NULL, 0), 0);
  CHECK_EQ(bcastdec_flow_subscribers(f), 1);
  bcastdec_flow_free(f);
}

TEST(test_registration_missing) {
  bcastdec_flow *f = bcastdec_flow_new();
  char ids[256];
  bcastdec_finding out[4];
  fake k;
  uint32_t refs[4];
  exchange(f, 4, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_REG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  /* the LTKM comes (to the terminal's address, no IDr) without a Registration */
  fake_ltkm(&k, NULL, 0);
  CHECK_EQ(feed_mikey(f, 9, &k.m, TERM, out, 4), 1);
  CHECK_STR(out[0].info->id, "flow.registration_missing");
  CHECK(strstr(out[0].text, "frame 5") != NULL);
  CHECK(strstr(out[0].text, BTID) != NULL);
  /* reported once, on the LTKM: nothing left at the end */
  CHECK_STR(end_id(f, 5), "");
  CHECK_EQ(bcastdec_flow_end_refs(f, refs, 4), 0);
  /* fed again (a second pass): ignored */
  CHECK_EQ(feed_mikey(f, 9, &k.m, TERM, out, 4), 0);
  bcastdec_flow_free(f);

  /* no LTKM either: both end judgements on the response */
  f = bcastdec_flow_new();
  exchange(f, 4, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_REG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  CHECK_EQ(bcastdec_flow_end_findings(f, 5, out, 4), 2);
  CHECK_EQ(bcastdec_flow_end_refs(f, refs, 4), 1);
  CHECK_EQ(refs[0], 5);
  bcastdec_flow_free(f);
}

TEST(test_nai) {
  bcastdec_flow *f = bcastdec_flow_new();
  char ids[256];
  /* registrationRequired to an NAI: no Registration is expected (the
   * exchange check http.registration_nai covers the answer itself) */
  exchange(f, 4, NAI, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_REG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  CHECK_STR(end_id(f, 5), "flow.no_ltkm_after_purchase");
  exchange(f, 10, NAI, REGISTER, BCASTDEC_XML_MT_REGISTER, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "flow.registration_nai");
  /* a B-TID registering is fine */
  exchange(f, 20, BTID, REGISTER, BCASTDEC_XML_MT_REGISTER, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "");
  bcastdec_flow_free(f);
}

TEST(test_deregistration) {
  bcastdec_flow *f = bcastdec_flow_new();
  char ids[256];
  bcastdec_finding out[4];
  fake k;
  exchange(f, 4, BTID, REGISTER, BCASTDEC_XML_MT_REGISTER, 200, NULL, NULL, ids, sizeof ids);
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 8, &k.m, TERM, out, 4), 0);
  /* a failed Deregistration changes nothing */
  exchange(f, 10, BTID, DEREGISTER, BCASTDEC_XML_MT_DEREGISTER, 403, NULL, NULL, ids,
           sizeof ids);
  CHECK_EQ(feed_mikey(f, 14, &k.m, TERM, out, 4), 0);
  exchange(f, 20, BTID, DEREGISTER, BCASTDEC_XML_MT_DEREGISTER, 200, NULL, NULL, ids,
           sizeof ids);
  CHECK_EQ(feed_mikey(f, 24, &k.m, TERM, out, 4), 1);
  CHECK_STR(out[0].info->id, "flow.ltkm_after_deregistration");
  CHECK(strstr(out[0].text, "frame 21") != NULL);
  /* another subscriber is not concerned */
  fake_ltkm(&k, BTID2, 0);
  CHECK_EQ(feed_mikey(f, 25, &k.m, "192.0.2.8", out, 4), 0);
  /* a new Registration lifts it */
  exchange(f, 30, BTID, REGISTER, BCASTDEC_XML_MT_REGISTER, 200, NULL, NULL, ids, sizeof ids);
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 34, &k.m, TERM, out, 4), 0);
  bcastdec_flow_free(f);
}

TEST(test_purchase_expectations) {
  bcastdec_flow *f = bcastdec_flow_new();
  char ids[256];
  /* failed purchases and price inquiries expect nothing */
  exchange(f, 4, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_FAIL,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  exchange(f, 8, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 500, SPROV_RESP_NOREG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  exchange(f, 12, BTID, NULL, NULL, 200, PRICE_RESP, BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  CHECK_EQ(bcastdec_flow_end_refs(f, NULL, 0), 0);
  /* a successful one is met by an LTKM Request */
  exchange(f, 20, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_NOREG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  CHECK_STR(end_id(f, 21), "flow.no_ltkm_after_purchase");
  exchange(f, 30, BTID, MSK_REQ, BCASTDEC_XML_MT_MSK_REQUEST, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(end_id(f, 21), "");
  /* a purchase whose keys never came before the Deregistration: unmet for
   * good, whatever follows */
  exchange(f, 40, BTID, SPROV_REQ, BCASTDEC_XML_MT_SPROV, 200, SPROV_RESP_NOREG,
           BCASTDEC_XML_MT_SPROV, ids, sizeof ids);
  exchange(f, 50, BTID, DEREGISTER, BCASTDEC_XML_MT_DEREGISTER, 200, NULL, NULL, ids,
           sizeof ids);
  fake k;
  bcastdec_finding out[4];
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 60, &k.m, TERM, out, 4), 1);
  CHECK_STR(out[0].info->id, "flow.ltkm_after_deregistration");
  CHECK_STR(end_id(f, 41), "flow.no_ltkm_after_purchase");
  bcastdec_flow_free(f);
}

TEST(test_request_unknown_id) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_flow *f = bcastdec_flow_new();
  g_ks = ks;
  char ids[256];
  bcastdec_finding out[4];
  fake k;
  /* nothing known: both IDs are notes */
  exchange(f, 4, BTID, MSK_REQ, BCASTDEC_XML_MT_MSK_REQUEST, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "flow.ltkm_request_unknown_id,flow.ltkm_request_unknown_id");
  /* an LTKM named 68c90000, the key file holds 11223344 */
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 6, &k.m, TERM, out, 4), 0);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SEK b8709d 11223344 000102030405060708090a0b0c0d0e0f",
                                      NULL),
           BCASTDEC_OK);
  exchange(f, 10, BTID, MSK_REQ, BCASTDEC_XML_MT_MSK_REQUEST, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "");
  /* a decrypted LTKM's ID is not kept by the tracker: the session's learned
   * keys (given with the request) answer for it */
  bcastdec_flow_free(f);
  f = bcastdec_flow_new();
  bcastdec_keystore *learned = bcastdec_keystore_new();
  fake_ltkm(&k, BTID, 0);
  k.m.outcome = BCASTDEC_OUT_DECRYPTED;
  CHECK_EQ(feed_mikey(f, 6, &k.m, TERM, out, 4), 0);
  exchange(f, 10, BTID, MSK_REQ, BCASTDEC_XML_MT_MSK_REQUEST, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "flow.ltkm_request_unknown_id"); /* 68c90000: neither kept nor learned */
  CHECK_EQ(bcastdec_keystore_add_line(learned,
                                      "SEK b8709d 68c90000 000102030405060708090a0b0c0d0e0f", NULL),
           BCASTDEC_OK);
  g_learned = learned;
  exchange(f, 20, BTID, MSK_REQ, BCASTDEC_XML_MT_MSK_REQUEST, 200, NULL, NULL, ids, sizeof ids);
  CHECK_STR(ids, "");
  g_learned = NULL;
  bcastdec_keystore_free(learned);
  /* a note: the Service Guide, where IDs also come from, is not decoded */
  size_t nt;
  const bcastdec_finding_info *t = bcastdec_finding_table(&nt);
  int sev = -1;
  for (size_t i = 0; i < nt; i++)
    if (strcmp(t[i].id, "flow.ltkm_request_unknown_id") == 0) sev = t[i].severity;
  CHECK_EQ(sev, BCASTDEC_SEV_NOTE);
  bcastdec_flow_free(f);
  g_ks = NULL;
  bcastdec_keystore_free(ks);
}

TEST(test_verification) {
  bcastdec_flow *f = bcastdec_flow_new();
  bcastdec_finding out[4];
  fake k, v;
  fake_ltkm(&k, BTID, 1);
  CHECK_EQ(feed_mikey(f, 10, &k.m, TERM, out, 4), 0);
  CHECK_EQ(feed_mikey(f, 11, &k.m, TERM, out, 4), 0);
  CHECK_STR(end_id(f, 10), "flow.verification_missing");
  CHECK_STR(end_id(f, 11), "flow.verification_missing");
  /* linked by the session to frame 11 */
  memset(&v, 0, sizeof v);
  v.m.kind = BCASTDEC_KIND_VERIFICATION;
  v.m.i_idr = -1;
  v.m.answers_ref = 11;
  CHECK_EQ(feed_mikey(f, 12, &v.m, TERM, out, 4), 0);
  CHECK_STR(end_id(f, 10), "flow.verification_missing");
  CHECK_STR(end_id(f, 11), "");
  /* not linked (no key): the terminal's oldest unanswered LTKM */
  v.m.answers_ref = 0;
  CHECK_EQ(feed_mikey(f, 13, &v.m, TERM, out, 4), 0);
  CHECK_STR(end_id(f, 10), "");
  /* V = 0 expects nothing */
  fake_ltkm(&k, BTID, 0);
  CHECK_EQ(feed_mikey(f, 14, &k.m, TERM, out, 4), 0);
  CHECK_STR(end_id(f, 14), "");
  bcastdec_flow_free(f);
}

TEST(test_args_and_reset) {
  bcastdec_flow *f = bcastdec_flow_new();
  bcastdec_finding out[1];
  fake k;
  CHECK_EQ(bcastdec_flow_http_msg(NULL, NULL, out, 1), 0);
  CHECK_EQ(bcastdec_flow_mikey_msg(f, NULL, out, 1), 0);
  CHECK_EQ(bcastdec_flow_end_findings(NULL, 1, out, 1), 0);
  /* many subscribers: the tables grow */
  for (uint32_t i = 0; i < 3000; i++) {
    char id[80];
    snprintf(id, sizeof id, "user%u@csim.operator.example", (unsigned)i);
    fake_ltkm(&k, id, 1);
    CHECK_EQ(feed_mikey(f, i + 1, &k.m, NULL, out, 1), 0);
  }
  CHECK_EQ(bcastdec_flow_subscribers(f), 3000);
  CHECK_EQ(bcastdec_flow_end_refs(f, NULL, 0), 3000);
  /* each is found again after the growth: no second entry */
  for (uint32_t i = 0; i < 3000; i += 7) {
    char id[80];
    snprintf(id, sizeof id, "user%u@csim.operator.example", (unsigned)i);
    fake_ltkm(&k, id, 1);
    CHECK_EQ(feed_mikey(f, 3001 + i, &k.m, NULL, out, 1), 0);
  }
  CHECK_EQ(bcastdec_flow_subscribers(f), 3000);
  /* more findings than room: counted, not written past |cap| */
  bcastdec_flow_reset(f);
  CHECK_EQ(bcastdec_flow_subscribers(f), 0);
  CHECK_EQ(bcastdec_flow_end_refs(f, NULL, 0), 0);
  bcastdec_flow_free(f);
  bcastdec_flow_free(NULL);
}

RUN_TESTS("flow", TCASE(test_registration_then_ltkm_is_clean), TCASE(test_registration_missing),
          TCASE(test_nai), TCASE(test_deregistration), TCASE(test_purchase_expectations),
          TCASE(test_request_unknown_id), TCASE(test_verification), TCASE(test_args_and_reset))
