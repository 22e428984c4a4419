/* SPDX-License-Identifier: MIT */
/*
 * MIKEY parsing: framing, spans, statuses (truncated / malformed /
 * unsupported), extensions, and the findings parsing raises.
 */
#include <bcastdec/bcastdec.h>

#include "bcastdec_build.h"
#include "check.h"

/* mbms-mikey.md section 11: complete PSK message (HDR, T COUNTER 5, RAND
 * a0..af, KEMAC AES-CM-128 + HMAC-SHA-1-160 with one TEK). */
static const char *MSG79 =
    "010005000102030400010b02000000050110a0a1a2a3a4a5a6a7a8a9aaabacad"
    "aeaf00010014240c32e1ca05a659bb56c939386a8cad60952910011a3026d9b9"
    "b59216a4bd66d3bf30058f87ace944";

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  long n = check_unhex(h, out, cap);
  return n < 0 ? 0 : (size_t)n;
}

static int has_finding(const bcastdec_mikey_msg *m, const char *id) {
  for (size_t i = 0; i < m->n_findings; i++)
    if (strcmp(m->findings[i].info->id, id) == 0) return 1;
  return 0;
}

/* Every span of the message lies inside its source buffer. */
static void check_spans(const bcastdec_mikey_msg *m) {
#define SPAN_OK(s)                                                                       \
  do {                                                                                   \
    CHECK((s).src != BCASTDEC_SRC_WIRE || (uint64_t)(s).off + (s).len <= m->wire_len);   \
    CHECK((s).src != BCASTDEC_SRC_PLAIN || (uint64_t)(s).off + (s).len <= m->plain_len); \
  } while (0)
  SPAN_OK(m->hdr.sp);
  SPAN_OK(m->err_sp);
  SPAN_OK(m->rest);
  for (size_t i = 0; i < m->n_payloads; i++) {
    const bcastdec_payload *p = &m->payloads[i];
    SPAN_OK(p->sp);
    CHECK(p->sp.src == BCASTDEC_SRC_WIRE);
    if (p->type == BCASTDEC_PT_KEMAC) {
      SPAN_OK(p->u.kemac.encr_data.sp);
      SPAN_OK(p->u.kemac.mac.sp);
    }
    if (p->type == BCASTDEC_PT_GEN_EXT) {
      SPAN_OK(p->u.ext.data.sp);
      for (size_t k = 0; k < p->u.ext.n_keyid; k++) SPAN_OK(p->u.ext.keyid[k].value.sp);
      for (size_t k = 0; k < p->u.ext.n_tlv; k++) SPAN_OK(p->u.ext.tlv[k].sp);
    }
  }
  for (size_t i = 0; i < m->n_findings; i++) SPAN_OK(m->findings[i].sp);
#undef SPAN_OK
}

TEST(test_decode_section11_message) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(n, 79);
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  if (m == NULL) return;
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->hdr.version.v, 1);
  CHECK_EQ(m->hdr.data_type.v, 0);
  CHECK_EQ(m->hdr.next_payload.v, BCASTDEC_PT_T);
  CHECK_EQ(m->hdr.v_flag.v, 0);
  CHECK_EQ(m->hdr.prf.v, 0);
  CHECK_EQ(m->hdr.csb_id.v, 0x01020304);
  CHECK_EQ(m->hdr.csb_id.sp.off, 4);
  CHECK_EQ(m->hdr.csb_id.sp.len, 4);
  CHECK_EQ(m->hdr.n_cs.v, 0);
  CHECK_EQ(m->hdr.map_type.v, BCASTDEC_MAP_EMPTY);
  CHECK_EQ(m->hdr.sp.len, 10);
  CHECK_EQ(m->n_payloads, 3);
  CHECK_EQ(m->payloads[0].type, BCASTDEC_PT_T);
  CHECK_EQ(m->payloads[0].sp.off, 10);
  CHECK_EQ(m->payloads[0].sp.len, 6);
  CHECK_EQ(m->payloads[0].u.t.ts_type.v, BCASTDEC_TS_COUNTER);
  CHECK_EQ(m->payloads[0].u.t.value.v, 5);
  CHECK_EQ(m->payloads[0].u.t.value.sp.off, 12);
  CHECK_EQ(m->payloads[1].type, BCASTDEC_PT_RAND);
  CHECK_EQ(m->payloads[1].sp.off, 16);
  CHECK_EQ(m->payloads[1].u.rand.rand.len, 16);
  CHECK_HEX(m->payloads[1].u.rand.rand.p, 16, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  CHECK_EQ(m->payloads[2].type, BCASTDEC_PT_KEMAC);
  CHECK_EQ(m->payloads[2].sp.off, 34);
  CHECK_EQ(m->payloads[2].sp.len, 45);
  CHECK_EQ(m->payloads[2].u.kemac.encr_alg.v, BCASTDEC_ENCR_AES_CM_128);
  CHECK_EQ(m->payloads[2].u.kemac.encr_len.v, 20);
  CHECK_EQ(m->payloads[2].u.kemac.mac_alg.v, BCASTDEC_MAC_HMAC_SHA1_160);
  CHECK_EQ(m->payloads[2].u.kemac.mac.sp.off, 59);
  CHECK_HEX(m->payloads[2].u.kemac.mac.p, 20, "1a3026d9b9b59216a4bd66d3bf30058f87ace944");
  CHECK_EQ(m->i_t, 0);
  CHECK_EQ(m->i_rand, 1);
  CHECK_EQ(m->i_kemac, 2);
  CHECK_EQ(m->i_keyid, -1);
  CHECK_EQ(m->has_counter, 1);
  CHECK_EQ(m->counter, 5);
  CHECK_EQ(m->kind, BCASTDEC_KIND_LTKM);
  /* the section 11 message has no Key ID extension: exactly that is said */
  CHECK_EQ(m->n_findings, 1);
  CHECK(has_finding(m, "keyid.missing"));
  check_spans(m);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_truncated_at_every_offset) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  for (size_t cut = 0; cut < n; cut++) {
    bcastdec_mikey_msg *m = NULL;
    CHECK_EQ(bcastdec_mikey_decode(&m, buf, cut, NULL), BCASTDEC_OK);
    if (m == NULL) continue;
    if (m->status != BCASTDEC_ERR_TRUNCATED)
      fprintf(stderr, "  cut at %zu: status %d\n", cut, m->status);
    CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
    CHECK(m->err_sp.off <= cut);
    CHECK(has_finding(m, "mikey.truncated"));
    check_spans(m);
    /* what was complete before the cut is still there */
    if (cut >= 16) CHECK_EQ(m->counter, 5);
    if (cut >= 34) CHECK_EQ(m->i_rand, 1);
    bcastdec_mikey_msg_free(m);
  }
}

TEST(test_decode_trailing_bytes_malformed) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[n++] = 0x00;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  CHECK_EQ(m->err_sp.off, 79);
  CHECK_EQ(m->rest.off, 79);
  CHECK_EQ(m->rest.len, 1);
  CHECK(has_finding(m, "mikey.malformed"));
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_unknown_payload_unsupported) {
  /* T says the next payload is 99: nothing after it can be located */
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[10] = 99;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->n_payloads, 1);
  CHECK_EQ(m->payloads[0].type, BCASTDEC_PT_T);
  CHECK_EQ(m->rest.off, 16);
  CHECK_EQ(m->rest.len, 63);
  CHECK(has_finding(m, "mikey.unsupported"));
  check_spans(m);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_known_but_undecoded_payload_unsupported) {
  /* PKE (2) is a real MIKEY payload that the profile never uses */
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[2] = BCASTDEC_PT_PKE;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->n_payloads, 0);
  CHECK_EQ(m->rest.off, 10);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_version_unsupported) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[0] = 2;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK(has_finding(m, "mikey.version"));
  CHECK(!has_finding(m, "mikey.unsupported")); /* said once, not twice */
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_unknown_map_type_unsupported) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[9] = 7;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->rest.off, 10);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_unknown_ts_type_unsupported) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[11] = 9;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_unknown_mac_alg_unsupported) {
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[58] = 9; /* MAC alg */
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_srtp_map) {
  /* HDR with #CS 2, SRTP-ID map, then an ERR payload */
  uint8_t buf[64];
  size_t n = unhex("01060c000000000102 00"
                   "01 11111111 00000001"
                   "02 22222222 00000002"
                   "00 05 0000", buf, sizeof buf);
  buf[8] = 2;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->hdr.n_srtp, 2);
  CHECK_EQ(m->hdr.srtp[1].ssrc.v, 0x22222222);
  CHECK_EQ(m->hdr.srtp[1].roc.v, 2);
  CHECK_EQ(m->hdr.map_info.len, 18);
  CHECK_EQ(m->kind, BCASTDEC_KIND_ERROR);
  CHECK_EQ(m->payloads[0].u.err.err_no.v, 5);
  CHECK(has_finding(m, "mikey.error_message"));
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_generic_id_map) {
  uint8_t buf[64];
  /* #CS 1, GENERIC-ID: CS ID 1, prot 0, S=1 #P=2, policies 0a 0b,
   * session data len 10 (SSRC ROC SEQ), SPI len 2 */
  size_t n = unhex("01060c00000000010102"
                   "01 00 82 0a0b 000a 11111111 00000000 0001 02 abcd"
                   "00 0c 0000", buf, sizeof buf);
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->hdr.n_generic, 1);
  CHECK_EQ(m->hdr.generic[0].s_flag.v, 1);
  CHECK_EQ(m->hdr.generic[0].n_p.v, 2);
  CHECK_EQ(m->hdr.generic[0].session_data.len, 10);
  CHECK_HEX(m->hdr.generic[0].spi.p, 2, "abcd");
  check_spans(m);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_sp_param_lie_malformed) {
  /* SP param length 3 but its TLV claims 5 bytes: the inner length lies */
  uint8_t buf[64];
  size_t n = unhex("0100 0a 00 00000001 00 01"
                   "00 00 00 0003 01 05 10", buf, sizeof buf);
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  CHECK(has_finding(m, "mikey.malformed"));
  bcastdec_mikey_msg_free(m);
}

static size_t build_stkm(uint8_t *out, size_t cap, const uint8_t *tlv, size_t tlv_len) {
  static const uint8_t sek[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t tek[16] = {0xaa};
  static const uint8_t salt[14] = {0xbb};
  static const uint8_t mki[6] = {0x68, 0xc9, 0, 0, 0, 7};
  bcastdec__build b;
  size_t n = 0;
  memset(&b, 0, sizeof b);
  b.csb_id = 42;
  b.has_keyid = 1;
  b.kdid[0] = 0xb8, b.kdid[1] = 0x70, b.kdid[2] = 0x9d;
  b.sekpek_id = 0x68c90000;
  b.has_tek_id = 1;
  b.tek_id = 7;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = 1000;
  b.bcast_subtype = BCASTDEC_BCAST_STKM;
  b.bcast_byte = 0xcb; /* par 3, acf 0, tpp 2 (ISMACryp), taf 1, ntf 1 */
  b.bcast_tlvs = tlv;
  b.bcast_tlvs_len = tlv_len;
  b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
  b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
  b.n_key_data = 1;
  b.kd_type = BCASTDEC_KD_TEK_SALT;
  b.kv = BCASTDEC_KV_SPI;
  b.key = tek;
  b.key_len = 16;
  b.salt = salt;
  b.salt_len = 14;
  b.kv1 = mki;
  b.kv1_len = 6;
  b.psk = sek;
  b.psk_len = 16;
  if (bcastdec__build_key_msg(&b, out, cap, &n) != BCASTDEC_OK) return 0;
  return n;
}

TEST(test_decode_extensions) {
  uint8_t buf[256];
  static const uint8_t tlv[] = {0x04, 0x01, 0x12};
  size_t n = build_stkm(buf, sizeof buf, tlv, sizeof tlv);
  bcastdec_mikey_msg *m = NULL;
  CHECK(n > 0);
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->kind, BCASTDEC_KIND_STKM);
  CHECK(m->i_keyid >= 0 && m->i_bcast >= 0);
  CHECK_EQ(m->has_kdid, 1);
  CHECK_HEX(m->kdid, 3, "b8709d");
  CHECK_EQ(m->sekpek_id, 0x68c90000);
  CHECK_EQ(m->has_tek_id, 1);
  CHECK_EQ(m->tek_id, 7);
  const bcastdec_ext *k = &m->payloads[m->i_keyid].u.ext;
  CHECK_EQ(k->kind, BCASTDEC_EXT_KEYID);
  CHECK_EQ(k->assumed, 1);
  CHECK_EQ(k->n_keyid, 3);
  const bcastdec_ext *e = &m->payloads[m->i_bcast].u.ext;
  CHECK_EQ(e->kind, BCASTDEC_EXT_BCAST);
  CHECK_EQ(e->subtype.v, BCASTDEC_BCAST_STKM);
  CHECK_EQ(e->par.v, 3);
  CHECK_EQ(e->acf.v, 0);
  CHECK_EQ(e->tpp.v, 2);
  CHECK_EQ(e->taf.v, 1);
  CHECK_EQ(e->ntf.v, 1);
  CHECK_EQ(e->n_tlv, 1);
  CHECK_EQ(e->tlv[0].tag.v, 4);
  CHECK_HEX(e->tlv[0].value.p, 1, "12");
  CHECK_EQ(m->n_findings, 0);
  check_spans(m);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_bcast_tlv_lie_is_not_fatal) {
  /* a TLV that claims more than the extension holds: layout problem only */
  uint8_t buf[256];
  static const uint8_t tlv[] = {0x04, 0x09, 0x12};
  size_t n = build_stkm(buf, sizeof buf, tlv, sizeof tlv);
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK(has_finding(m, "ext.layout"));
  const bcastdec_ext *e = &m->payloads[m->i_bcast].u.ext;
  CHECK_EQ(e->inner_status_is_error, 1);
  CHECK_EQ(e->subtype.v, BCASTDEC_BCAST_STKM);
  CHECK_EQ(e->n_tlv, 0);
  CHECK_EQ(e->rest.len, 4);
  CHECK_EQ(m->i_kemac, (int)m->n_payloads - 1); /* KEMAC still found */
  check_spans(m);
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_ext_type_option) {
  /* with Key ID declared as type 4, type 3 is an unknown extension */
  uint8_t buf[256];
  size_t n = build_stkm(buf, sizeof buf, NULL, 0);
  bcastdec_opts o;
  bcastdec_opts_init(&o);
  o.keyid_ext_type = 4;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, &o), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->i_keyid, -1);
  CHECK_EQ(m->has_kdid, 0);
  CHECK(has_finding(m, "ext.unknown_type"));
  CHECK(has_finding(m, "keyid.missing"));
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_kemac_not_last) {
  /* move nothing; append a RAND after KEMAC by relinking */
  uint8_t buf[128];
  size_t n = unhex(MSG79, buf, sizeof buf);
  buf[34] = BCASTDEC_PT_RAND; /* KEMAC says a RAND follows */
  buf[n++] = 0;
  buf[n++] = 1;
  buf[n++] = 0x55;
  bcastdec_mikey_msg *m = NULL;
  CHECK_EQ(bcastdec_mikey_decode(&m, buf, n, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK(has_finding(m, "kemac.not_last"));
  CHECK(has_finding(m, "mikey.duplicate_payload"));
  bcastdec_mikey_msg_free(m);
}

TEST(test_decode_args) {
  bcastdec_mikey_msg *m = (bcastdec_mikey_msg *)1;
  CHECK_EQ(bcastdec_mikey_decode(NULL, (const uint8_t *)"", 0, NULL), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_mikey_decode(&m, NULL, 5, NULL), BCASTDEC_ERR_ARG);
  CHECK(m == NULL);
  CHECK_EQ(bcastdec_mikey_decode(&m, NULL, 0, NULL), BCASTDEC_OK);
  CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
  bcastdec_mikey_msg_free(m);
  bcastdec_mikey_msg_free(NULL);
}

TEST(test_names) {
  CHECK_STR(bcastdec_payload_name(BCASTDEC_PT_KEMAC), "KEMAC");
  CHECK(bcastdec_payload_name(99) == NULL);
  CHECK_STR(bcastdec_ts_type_name(2), "COUNTER");
  CHECK_STR(bcastdec_status_name(BCASTDEC_ERR_TRUNCATED), "truncated");
  CHECK_STR(bcastdec_gen_ext_name(3, NULL), "Key ID (RFC 4563)");
  size_t n = 0;
  const bcastdec_finding_info *t = bcastdec_finding_table(&n);
  CHECK(n > 20);
  for (size_t i = 0; i < n; i++) {
    CHECK(t[i].id != NULL && t[i].summary != NULL);
    for (size_t j = i + 1; j < n; j++) CHECK(strcmp(t[i].id, t[j].id) != 0);
  }
  const bcastdec_assumption *a = bcastdec_assumptions(&n);
  CHECK(n >= 10);
  CHECK_STR(a[0].name, "keyid_ext_type");
  bcastdec_opts o;
  bcastdec_opts_init(&o);
  CHECK_EQ(o.keyid_ext_type, 3);
  CHECK_EQ(o.bcast_ext_type, 5);
}

TEST(test_codecs) {
  uint8_t out[16];
  size_t n = 0;
  CHECK_EQ(bcastdec_base64_decode("uHCd", 4, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, "b8709d");
  CHECK_EQ(bcastdec_base64_decode("aMkAAA==", 8, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, "68c90000");
  CHECK_EQ(bcastdec_base64_decode("JMtE AA==\n", 10, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, "24cb4400");
  CHECK_EQ(bcastdec_base64_decode("aMk=AA", 6, out, sizeof out, &n), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_base64_decode("a", 1, out, sizeof out, &n), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_base64_decode("a!==", 4, out, sizeof out, &n), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_hex_decode("0xB8:70:9d", 10, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, "b8709d");
  CHECK_EQ(bcastdec_hex_decode("abc", 3, out, sizeof out, &n), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_hex_decode("zz", 2, out, sizeof out, &n), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_hex_decode("00112233", 8, out, 2, &n), BCASTDEC_ERR_ARG);
}

RUN_TESTS("mikey", TCASE(test_decode_section11_message), TCASE(test_decode_truncated_at_every_offset),
          TCASE(test_decode_trailing_bytes_malformed), TCASE(test_decode_unknown_payload_unsupported),
          TCASE(test_decode_known_but_undecoded_payload_unsupported),
          TCASE(test_decode_version_unsupported), TCASE(test_decode_unknown_map_type_unsupported),
          TCASE(test_decode_unknown_ts_type_unsupported), TCASE(test_decode_unknown_mac_alg_unsupported),
          TCASE(test_decode_srtp_map), TCASE(test_decode_generic_id_map),
          TCASE(test_decode_sp_param_lie_malformed), TCASE(test_decode_extensions),
          TCASE(test_decode_bcast_tlv_lie_is_not_fatal), TCASE(test_decode_ext_type_option),
          TCASE(test_decode_kemac_not_last), TCASE(test_decode_args), TCASE(test_names),
          TCASE(test_codecs))
