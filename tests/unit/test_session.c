/* SPDX-License-Identifier: MIT */
/*
 * The key chain: SMK -> SEK/PEK -> TEK, outcomes, how keys are found, RAND
 * variants, replay counters, verification messages, and findings.
 */
#include <bcastdec/bcastdec.h>

#include "bcastdec_build.h"
#include "check.h"

static const char *MSG79 =
    "010005000102030400010b02000000050110a0a1a2a3a4a5a6a7a8a9aaabacad"
    "aeaf00010014240c32e1ca05a659bb56c939386a8cad60952910011a3026d9b9"
    "b59216a4bd66d3bf30058f87ace944";
static const uint8_t PSK11[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t RAND11[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                   0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const char *BTID = "oKGio6SlpqeoqaqrrK2urw==@bsf.mnc001.mcc001.pub.3gppnetwork.org";
static const uint8_t SMK32[32] = {0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
                                  0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
                                  0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50};
static const uint8_t SEK[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t TEK[16] = {0x7e, 0x7e, 0x7e, 0x7e, 0x11, 0x22, 0x33, 0x44,
                                0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
static const uint8_t SALT[14] = {0x5a, 0x17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t KDID[3] = {0xb8, 0x70, 0x9d};

static int has_finding(const bcastdec_mikey_msg *m, const char *id) {
  for (size_t i = 0; i < m->n_findings; i++)
    if (strcmp(m->findings[i].info->id, id) == 0) return 1;
  return 0;
}

/* No finding text anywhere may contain the hex of |key|. */
static int texts_free_of(const bcastdec_mikey_msg *m, const uint8_t *key, size_t n) {
  char hx[2 * 64 + 1];
  for (size_t i = 0; i < n; i++) sprintf(hx + 2 * i, "%02x", key[i]);
  hx[16] = '\0'; /* any 8-byte run is enough to count as a leak */
  for (size_t i = 0; i < m->n_findings; i++)
    if (strstr(m->findings[i].text, hx) != NULL) return 0;
  for (size_t i = 0; i < m->n_tried; i++)
    if (strstr(m->tried[i].label, hx) != NULL) return 0;
  return strstr(m->key_used.label, hx) == NULL;
}

static bcastdec_keystore *store(void) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  CHECK(ks != NULL);
  return ks;
}

static void add_smk(bcastdec_keystore *ks, const char *id, const uint8_t *key, size_t n) {
  bcastdec_key k;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SMK;
  k.identity = id;
  k.key_len = (uint8_t)n;
  memcpy(k.key, key, n);
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
}

static void add_sek(bcastdec_keystore *ks, uint8_t role, uint32_t id, const uint8_t *key) {
  bcastdec_key k;
  memset(&k, 0, sizeof k);
  k.role = role;
  memcpy(k.kdid, KDID, 3);
  k.sekpek_id = id;
  k.key_len = 16;
  memcpy(k.key, key, 16);
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
}

static bcastdec_mikey_msg *run(bcastdec_session *s, const uint8_t *buf, size_t len, uint32_t ref,
                               const char *user, int no_learn) {
  bcastdec_mikey_msg *m = NULL;
  bcastdec_msg_ctx ctx = {ref, user, (uint8_t)no_learn};
  CHECK_EQ(bcastdec_session_process(s, buf, len, &ctx, &m), BCASTDEC_OK);
  CHECK(m != NULL);
  return m;
}

/* An LTKM per the wire profile: IDr = B-TID, SEK for b8709d/|sp_id|. */
static size_t ltkm(uint8_t *out, uint32_t sp_id, uint64_t counter, const uint8_t *smk, size_t smk_len,
                   int v, unsigned prf, uint8_t kv) {
  static const uint8_t vf[2] = {0, 1}, vt[2] = {0, 9};
  uint8_t spi[4] = {(uint8_t)(sp_id >> 24), (uint8_t)(sp_id >> 16), (uint8_t)(sp_id >> 8),
                    (uint8_t)sp_id};
  bcastdec__build b;
  size_t n = 0;
  memset(&b, 0, sizeof b);
  b.v_flag = (uint8_t)v;
  b.prf = (uint8_t)prf;
  b.csb_id = 0x11223344;
  b.has_keyid = 1;
  memcpy(b.kdid, KDID, 3);
  b.sekpek_id = sp_id;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = counter;
  b.rand = RAND11;
  b.rand_len = 16;
  b.idi = "bsm.example.com";
  b.idr = BTID;
  b.bcast_subtype = BCASTDEC_BCAST_LTKM;
  b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
  b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
  b.n_key_data = 1;
  b.kd_type = BCASTDEC_KD_TGK;
  b.kv = kv;
  b.key = SEK;
  b.key_len = 16;
  if (kv == BCASTDEC_KV_SPI) {
    b.kv1 = spi;
    b.kv1_len = 4;
  } else if (kv == BCASTDEC_KV_INTERVAL) {
    b.kv1 = vf;
    b.kv1_len = 2;
    b.kv2 = vt;
    b.kv2_len = 2;
  }
  b.psk = smk;
  b.psk_len = smk_len;
  CHECK_EQ(bcastdec__build_key_msg(&b, out, 512, &n), BCASTDEC_OK);
  return n;
}

/* An STKM per the wire profile: no RAND, TEK+SALT, MKI = SEK/PEK ID || TEK ID */
static size_t stkm(uint8_t *out, uint32_t sp_id, uint16_t tek_id, uint64_t counter,
                   const uint8_t *sek, const uint8_t *derive_rand) {
  uint8_t mki[6] = {(uint8_t)(sp_id >> 24), (uint8_t)(sp_id >> 16), (uint8_t)(sp_id >> 8),
                    (uint8_t)sp_id, (uint8_t)(tek_id >> 8), (uint8_t)tek_id};
  bcastdec__build b;
  size_t n = 0;
  memset(&b, 0, sizeof b);
  b.csb_id = 0x55667788;
  b.has_keyid = 1;
  memcpy(b.kdid, KDID, 3);
  b.sekpek_id = sp_id;
  b.has_tek_id = 1;
  b.tek_id = tek_id;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = counter;
  b.bcast_subtype = BCASTDEC_BCAST_STKM;
  b.bcast_byte = 0x04;
  b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
  b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
  b.n_key_data = 1;
  b.kd_type = BCASTDEC_KD_TEK_SALT;
  b.kv = BCASTDEC_KV_SPI;
  b.key = TEK;
  b.key_len = 16;
  b.salt = SALT;
  b.salt_len = 14;
  b.kv1 = mki;
  b.kv1_len = 6;
  b.psk = sek;
  b.psk_len = 16;
  if (derive_rand != NULL) {
    b.derive_rand = derive_rand;
    b.derive_rand_len = 16;
  }
  CHECK_EQ(bcastdec__build_key_msg(&b, out, 512, &n), BCASTDEC_OK);
  return n;
}

TEST(test_section11_message_decrypts_with_wildcard_smk) {
  uint8_t buf[128];
  size_t n = (size_t)check_unhex(MSG79, buf, sizeof buf);
  bcastdec_keystore *ks = store();
  add_smk(ks, "*", PSK11, 16);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(s, buf, n, 7, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_WILDCARD);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_MESSAGE);
  CHECK_HEX(m->plain, m->plain_len, "0020001000112233445566778899aabbccddeeff");
  CHECK_EQ(m->plain_status, BCASTDEC_OK);
  CHECK_EQ(m->n_key_data, 1);
  CHECK_EQ(m->key_data[0].type.v, BCASTDEC_KD_TEK);
  CHECK_EQ(m->key_data[0].kv.v, BCASTDEC_KV_NULL);
  CHECK_EQ(m->key_data[0].key.sp.src, BCASTDEC_SRC_PLAIN);
  CHECK_EQ(m->key_data[0].key.sp.off, 4);
  CHECK_EQ(m->n_keys, 1);
  CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_TEK);
  CHECK_EQ(m->keys[0].has_ids, 0);
  CHECK_HEX(m->keys[0].key.p, m->keys[0].key.len, "00112233445566778899aabbccddeeff");
  CHECK_STR(m->key_used.label, "SMK *");
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_no_key_and_wrong_key_and_corrupt_mac) {
  uint8_t buf[128];
  size_t n = (size_t)check_unhex(MSG79, buf, sizeof buf);
  static const uint8_t wrong[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  /* no key at all */
  bcastdec_keystore *ks = store();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(s, buf, n, 0, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  CHECK_EQ(m->mac, BCASTDEC_MAC_NO_KEY);
  CHECK(has_finding(m, "kemac.no_key"));
  CHECK_EQ(m->n_keys, 0);
  CHECK(m->plain == NULL);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  /* a wrong SMK: tried by search, MAC fails, the key is named not shown */
  add_smk(ks, "someone@example.net", wrong, 16);
  s = bcastdec_session_new(ks, NULL);
  m = run(s, buf, n, 0, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MAC_FAILED);
  CHECK_EQ(m->mac, BCASTDEC_MAC_FAILED);
  CHECK_EQ(m->n_tried, 1);
  CHECK_STR(m->tried[0].label, "SMK someone@example.net");
  CHECK(has_finding(m, "kemac.mac_failed"));
  CHECK(texts_free_of(m, wrong, 16));
  CHECK(m->plain == NULL);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  /* the right key but one MAC bit flipped */
  add_smk(ks, "*", PSK11, 16);
  buf[n - 1] ^= 1;
  s = bcastdec_session_new(ks, NULL);
  m = run(s, buf, n, 0, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MAC_FAILED);
  CHECK_EQ(m->n_tried, 2);
  CHECK(texts_free_of(m, PSK11, 16));
  CHECK_EQ(m->n_keys, 0);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_ltkm_then_stkm_learned_chain) {
  uint8_t l[512], t[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x68c90000, 5, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  size_t tn = stkm(t, 0x68c90000, 1, 100, SEK, NULL);
  bcastdec_mikey_msg *m = run(s, l, ln, 3, NULL, 0);
  CHECK_EQ(m->kind, BCASTDEC_KIND_LTKM);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_IDR);
  CHECK_EQ(m->n_keys, 1);
  CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_SEK);
  CHECK_EQ(m->keys[0].has_ids, 1);
  CHECK_HEX(m->keys[0].kdid, 3, "b8709d");
  CHECK_EQ(m->keys[0].sekpek_id, 0x68c90000);
  CHECK(m->keys[0].key.len == 16 && memcmp(m->keys[0].key.p, SEK, 16) == 0);
  CHECK_EQ(m->n_findings, 0);
  bcastdec_mikey_msg_free(m);
  const bcastdec_key *learned = bcastdec_keystore_find_sekpek(bcastdec_session_learned(s), KDID, 0x68c90000);
  CHECK(learned != NULL);
  if (learned != NULL) {
    CHECK_EQ(learned->origin, BCASTDEC_ORIGIN_LEARNED);
    CHECK_EQ(learned->origin_ref, 3);
    CHECK_EQ(learned->ltkm_rand_len, 16);
  }

  m = run(s, t, tn, 4, NULL, 0);
  CHECK_EQ(m->kind, BCASTDEC_KIND_STKM);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_KEYID);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_EMPTY);
  CHECK_EQ(m->key_used.origin, BCASTDEC_ORIGIN_LEARNED);
  CHECK_EQ(m->n_keys, 1);
  CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_TEK);
  CHECK_EQ(m->keys[0].has_tek_id, 1);
  CHECK_EQ(m->keys[0].tek_id, 1);
  CHECK(memcmp(m->keys[0].key.p, TEK, 16) == 0);
  CHECK(m->keys[0].salt.len == 14 && memcmp(m->keys[0].salt.p, SALT, 14) == 0);
  CHECK_EQ(m->n_findings, 0);
  bcastdec_mikey_msg_free(m);
  const bcastdec_key *tek = bcastdec_keystore_find_tek(bcastdec_session_learned(s), KDID, 0x68c90000, 1);
  CHECK(tek != NULL && tek->salt_len == 14);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_stkm_without_ltkm_is_missing_ltkm) {
  uint8_t t[512];
  bcastdec_keystore *ks = store();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t tn = stkm(t, 0x68c90000, 1, 100, SEK, NULL);
  bcastdec_mikey_msg *m = run(s, t, tn, 0, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  CHECK(has_finding(m, "stkm.missing_ltkm"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  /* with the SEK in the key file as a PEK: decrypts, found by Key ID */
  add_sek(ks, BCASTDEC_ROLE_PEK, 0x68c90000, SEK);
  s = bcastdec_session_new(ks, NULL);
  m = run(s, t, tn, 0, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_KEYID);
  CHECK_EQ(m->key_used.role, BCASTDEC_ROLE_PEK);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_no_learn_changes_nothing) {
  uint8_t l[512], t[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x68c90000, 5, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  size_t tn = stkm(t, 0x68c90000, 1, 100, SEK, NULL);
  bcastdec_mikey_msg *m = run(s, l, ln, 0, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  bcastdec_mikey_msg_free(m);
  m = run(s, l, ln, 1, NULL, 1); /* not a replay: the first was not learned */
  CHECK_EQ(m->replay, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, t, tn, 2, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_stkm_rand_variant_ltkm) {
  uint8_t l[512], t[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x68c90000, 5, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  size_t tn = stkm(t, 0x68c90000, 2, 100, SEK, RAND11);
  bcastdec_mikey_msg *m = run(s, l, ln, 0, NULL, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, t, tn, 1, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_LTKM);
  CHECK(has_finding(m, "stkm.rand_variant"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  /* switched off: the MAC fails */
  bcastdec_opts o;
  bcastdec_opts_init(&o);
  o.stkm_try_ltkm_rand = 0;
  s = bcastdec_session_new(ks, &o);
  m = run(s, l, ln, 0, NULL, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, t, tn, 1, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MAC_FAILED);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_replay_counters) {
  uint8_t a[512], b[512], c[512], t1[512], t2[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  add_sek(ks, BCASTDEC_ROLE_SEK, 0x68c90001, SEK);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t an = ltkm(a, 0x68c90000, 10, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  size_t bn = ltkm(b, 0x68c90000, 9, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  size_t cn = ltkm(c, 0x68c90000, 11, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  bcastdec_mikey_msg *m = run(s, a, an, 0, NULL, 0);
  CHECK_EQ(m->replay, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, a, an, 1, NULL, 0); /* the same message again */
  CHECK_EQ(m->replay, 1);
  CHECK_EQ(m->replay_last, 10);
  CHECK(has_finding(m, "replay.counter"));
  CHECK_EQ(bcastdec_mikey_msg_max_severity(m), BCASTDEC_SEV_ERROR);
  bcastdec_mikey_msg_free(m);
  m = run(s, b, bn, 2, NULL, 0); /* lower */
  CHECK_EQ(m->replay, 1);
  bcastdec_mikey_msg_free(m);
  m = run(s, c, cn, 3, NULL, 0); /* higher: fine */
  CHECK_EQ(m->replay, 0);
  CHECK(!has_finding(m, "replay.counter"));
  bcastdec_mikey_msg_free(m);
  /* STKM counters are per SEK/PEK, independent of the SMK's */
  size_t t1n = stkm(t1, 0x68c90001, 1, 3, SEK, NULL);
  size_t t2n = stkm(t2, 0x68c90001, 2, 3, SEK, NULL);
  m = run(s, t1, t1n, 4, NULL, 0);
  CHECK_EQ(m->replay, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, t2, t2n, 5, NULL, 0);
  CHECK_EQ(m->replay, 1);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_reset(s); /* a new capture forgets counters */
  m = run(s, a, an, 6, NULL, 0);
  CHECK_EQ(m->replay, 0);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

/* A key replaced in place (same identity, new bytes: a key file re-read into
 * the store the session uses) is used with its new bytes at once: the
 * session's cached PRF state of the old key is not. */
TEST(test_key_replaced_in_store) {
  uint8_t l1[512], l2[512], smk2[32];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t n1 = ltkm(l1, 0x68c90000, 1, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  bcastdec_mikey_msg *m = run(s, l1, n1, 0, NULL, 0);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  bcastdec_mikey_msg_free(m);
  for (size_t i = 0; i < sizeof smk2; i++) smk2[i] = (uint8_t)(SMK32[i] ^ 0xa5);
  add_smk(ks, BTID, smk2, 32); /* replaces the entry in place */
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SMK), 1);
  size_t n2 = ltkm(l2, 0x68c90000, 2, smk2, 32, 0, 0, BCASTDEC_KV_SPI);
  m = run(s, l2, n2, 1, NULL, 0);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  bcastdec_mikey_msg_free(m);
  m = run(s, l1, n1, 2, NULL, 1); /* the old key's message no longer verifies */
  CHECK_EQ(m->mac, BCASTDEC_MAC_FAILED);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

/* Counters of many keys: the counter table grows (and is rebuilt) while
 * every key keeps its own counter. */
TEST(test_replay_counters_many_keys) {
  enum { N = 300 };
  uint8_t t[512];
  bcastdec_keystore *ks = store();
  for (uint32_t i = 0; i < N; i++) add_sek(ks, BCASTDEC_ROLE_SEK, 0x70000000u + i, SEK);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  for (int round = 0; round < 3; round++) {
    /* round 0: first counters; 1: the same again (replays); 2: higher */
    uint64_t counter = round == 2 ? 6 : 5;
    for (uint32_t i = 0; i < N; i++) {
      size_t n = stkm(t, 0x70000000u + i, 1, counter, SEK, NULL);
      bcastdec_mikey_msg *m = run(s, t, n, (uint32_t)(round * N + i), NULL, 0);
      CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
      CHECK_EQ(m->replay, round == 1);
      if (round == 1) CHECK_EQ(m->replay_last, 5);
      bcastdec_mikey_msg_free(m);
    }
  }
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_prf_sha256_and_kv_interval) {
  uint8_t l[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x24cb4400, 1, SMK32, 32, 0, 1, BCASTDEC_KV_INTERVAL);
  bcastdec_mikey_msg *m = run(s, l, ln, 0, NULL, 0);
  CHECK_EQ(m->hdr.prf.v, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->n_key_data, 1);
  CHECK_HEX(m->key_data[0].vf.p, m->key_data[0].vf.len, "0001");
  CHECK_HEX(m->key_data[0].vt.p, m->key_data[0].vt.len, "0009");
  CHECK_EQ(m->keys[0].sekpek_id, 0x24cb4400);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_digest_username_and_search) {
  uint8_t l[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, "user@operator.example", SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x68c90000, 5, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  /* IDr is a B-TID nobody knows; the Digest username names the SMK */
  bcastdec_mikey_msg *m = run(s, l, ln, 0, "user@operator.example", 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_DIGEST_USER);
  CHECK(!has_finding(m, "key.found_by_search"));
  bcastdec_mikey_msg_free(m);
  /* without it, the search finds the key and says so */
  m = run(s, l, ln, 1, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_SEARCH);
  CHECK(has_finding(m, "key.found_by_search"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

static size_t custom(uint8_t *out, uint8_t encr, uint8_t mac, int n_kd, int v,
                     const uint8_t *raw, size_t raw_len) {
  bcastdec__build b;
  size_t n = 0;
  memset(&b, 0, sizeof b);
  b.v_flag = (uint8_t)v;
  b.csb_id = 1;
  b.has_keyid = 1;
  memcpy(b.kdid, KDID, 3);
  b.sekpek_id = 0x68c90000;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = 1;
  b.rand = RAND11;
  b.rand_len = 16;
  b.idr = BTID;
  b.bcast_subtype = BCASTDEC_BCAST_LTKM;
  b.encr_alg = encr;
  b.mac_alg = mac;
  b.n_key_data = n_kd;
  b.kd_type = BCASTDEC_KD_TGK;
  b.key = SEK;
  b.key_len = 16;
  b.raw_plain = raw;
  b.raw_plain_len = raw_len;
  b.psk = SMK32;
  b.psk_len = 32;
  CHECK_EQ(bcastdec__build_key_msg(&b, out, 512, &n), BCASTDEC_OK);
  return n;
}

TEST(test_null_encryption_aeskw_no_mac) {
  uint8_t l[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t n = custom(l, BCASTDEC_ENCR_NULL, BCASTDEC_MAC_HMAC_SHA1_160, 1, 0, NULL, 0);
  bcastdec_mikey_msg *m = run(s, l, n, 0, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  CHECK(has_finding(m, "kemac.null_encryption"));
  CHECK(m->n_keys == 1 && memcmp(m->keys[0].key.p, SEK, 16) == 0);
  bcastdec_mikey_msg_free(m);

  n = custom(l, BCASTDEC_ENCR_AES_KW_128, BCASTDEC_MAC_HMAC_SHA1_160, 1, 0, NULL, 0);
  m = run(s, l, n, 1, NULL, 1);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_UNSUPPORTED);
  CHECK(has_finding(m, "kemac.encr_unsupported"));
  CHECK_EQ(m->n_keys, 0);
  bcastdec_mikey_msg_free(m);

  n = custom(l, BCASTDEC_ENCR_NULL, BCASTDEC_MAC_NULL, 1, 0, NULL, 0);
  m = run(s, l, n, 2, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->mac, BCASTDEC_MAC_ABSENT);
  CHECK(has_finding(m, "kemac.no_mac"));
  bcastdec_mikey_msg_free(m);

  n = custom(l, BCASTDEC_ENCR_AES_CM_128, BCASTDEC_MAC_NULL, 1, 0, NULL, 0);
  m = run(s, l, n, 3, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_UNSUPPORTED);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_plaintext_lies_and_token_only) {
  uint8_t l[512];
  /* key length 40 in 20 bytes of plaintext: the sender lied */
  static const uint8_t lie[] = {0x00, 0x00, 0x00, 0x28, 1, 2, 3, 4, 5, 6, 7, 8,
                                9,    10,   11,   12,   13, 14, 15, 16, 17, 18};
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t n = custom(l, BCASTDEC_ENCR_AES_CM_128, BCASTDEC_MAC_HMAC_SHA1_160, 0, 0, lie, sizeof lie);
  bcastdec_mikey_msg *m = run(s, l, n, 0, NULL, 1);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MALFORMED);
  CHECK_EQ(m->plain_status, BCASTDEC_ERR_MALFORMED);
  CHECK(has_finding(m, "kemac.plaintext_malformed"));
  CHECK_EQ(m->n_keys, 0);
  bcastdec_mikey_msg_free(m);
  /* token-only LTKM: no Key data, V = 0 -> should have asked for a reply */
  n = custom(l, BCASTDEC_ENCR_AES_CM_128, BCASTDEC_MAC_HMAC_SHA1_160, 0, 0, NULL, 0);
  m = run(s, l, n, 1, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK(has_finding(m, "kemac.no_key_data"));
  CHECK(has_finding(m, "ltkm.token_only_no_ack"));
  bcastdec_mikey_msg_free(m);
  n = custom(l, BCASTDEC_ENCR_AES_CM_128, BCASTDEC_MAC_HMAC_SHA1_160, 0, 1, NULL, 0);
  m = run(s, l, n, 2, NULL, 1);
  CHECK(!has_finding(m, "ltkm.token_only_no_ack"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

/* The section 11 LTKM parameters with V = 1; its verification message. */
static size_t ltkm11_v(uint8_t *out) {
  static const uint8_t tek[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  bcastdec__build b;
  size_t n = 0;
  memset(&b, 0, sizeof b);
  b.v_flag = 1;
  b.csb_id = 0x01020304;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = 5;
  b.rand = RAND11;
  b.rand_len = 16;
  b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
  b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
  b.n_key_data = 1;
  b.kd_type = BCASTDEC_KD_TEK;
  b.key = tek;
  b.key_len = 16;
  b.psk = PSK11;
  b.psk_len = 16;
  CHECK_EQ(bcastdec__build_key_msg(&b, out, 512, &n), BCASTDEC_OK);
  return n;
}

TEST(test_verification_message_both_candidates) {
  static const char *V_T64 = "010105000102030400010902000000050001d58e0a7518d430a526f3e937c54f2703aeecd4b3";
  static const char *V_IDS = "010105000102030400010902000000050001f876ae20ab896cfaa03902ad3ead2e42e6b42dd4";
  uint8_t l[512], v[64];
  bcastdec_keystore *ks = store();
  add_smk(ks, "*", PSK11, 16);
  size_t ln = ltkm11_v(l);

  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t vn = (size_t)check_unhex(V_T64, v, sizeof v);
  bcastdec_mikey_msg *m = run(s, v, vn, 0, NULL, 0); /* before any LTKM */
  CHECK_EQ(m->kind, BCASTDEC_KIND_VERIFICATION);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  CHECK(has_finding(m, "verification.no_ltkm"));
  bcastdec_mikey_msg_free(m);
  m = run(s, l, ln, 1, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  bcastdec_mikey_msg_free(m);
  m = run(s, v, vn, 2, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
  CHECK_EQ(m->verif_input, BCASTDEC_VINPUT_T64);
  CHECK_EQ(m->answers_ref, 1);
  CHECK_EQ(m->n_findings, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, v, vn, 3, NULL, 0); /* answered already */
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);

  s = bcastdec_session_new(ks, NULL);
  vn = (size_t)check_unhex(V_IDS, v, sizeof v);
  m = run(s, l, ln, 0, NULL, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, v, vn, 1, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->verif_input, BCASTDEC_VINPUT_IDS_T);
  bcastdec_mikey_msg_free(m);
  v[vn - 1] ^= 0x80;
  m = run(s, l, ln, 2, NULL, 0);
  bcastdec_mikey_msg_free(m);
  m = run(s, v, vn, 3, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MAC_FAILED);
  CHECK(has_finding(m, "verification.mac_failed"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_kv_mismatch_and_pek_role) {
  uint8_t l[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  add_sek(ks, BCASTDEC_ROLE_PEK, 0x68c90000, SEK);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t n = ltkm(l, 0x68c90000, 1, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  bcastdec_mikey_msg *m = run(s, l, n, 0, NULL, 1);
  CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_PEK); /* the key file says PEK */
  CHECK(!has_finding(m, "keyid.kv_mismatch"));
  bcastdec_mikey_msg_free(m);
  /* SPI naming another SEK/PEK ID than the Key ID extension */
  bcastdec__build b;
  static const uint8_t spi[4] = {1, 2, 3, 4};
  memset(&b, 0, sizeof b);
  b.csb_id = 9;
  b.has_keyid = 1;
  memcpy(b.kdid, KDID, 3);
  b.sekpek_id = 0x68c90000;
  b.has_t = 1;
  b.ts_type = BCASTDEC_TS_COUNTER;
  b.t = 2;
  b.rand = RAND11;
  b.rand_len = 16;
  b.idr = BTID;
  b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
  b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
  b.n_key_data = 1;
  b.kd_type = BCASTDEC_KD_TGK;
  b.kv = BCASTDEC_KV_SPI;
  b.kv1 = spi;
  b.kv1_len = 4;
  b.key = SEK;
  b.key_len = 16;
  b.psk = SMK32;
  b.psk_len = 32;
  CHECK_EQ(bcastdec__build_key_msg(&b, l, sizeof l, &n), BCASTDEC_OK);
  m = run(s, l, n, 1, NULL, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK(has_finding(m, "keyid.kv_mismatch"));
  CHECK_EQ(m->keys[0].sekpek_id, 0x68c90000); /* the extension wins */
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_truncated_and_malformed_outcomes) {
  uint8_t l[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t n = ltkm(l, 0x68c90000, 1, SMK32, 32, 0, 0, BCASTDEC_KV_SPI);
  for (size_t cut = 0; cut < n; cut++) {
    bcastdec_mikey_msg *m = run(s, l, cut, (uint32_t)cut, NULL, 0);
    CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
    CHECK_EQ(m->outcome, BCASTDEC_OUT_MALFORMED);
    CHECK_EQ(m->n_keys, 0);
    bcastdec_mikey_msg_free(m);
  }
  bcastdec_mikey_msg *m = run(s, l, n, 999, NULL, 0); /* nothing was learned from the cuts */
  CHECK_EQ(m->replay, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  bcastdec_mikey_msg_free(m);

  /* the STKM under the SEK just learned, cut at every offset: never a TEK */
  uint8_t t[512];
  size_t tn = stkm(t, 0x68c90000, 1, 100, SEK, NULL);
  for (size_t cut = 0; cut < tn; cut++) {
    m = run(s, t, cut, (uint32_t)(2000 + cut), NULL, 0);
    CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
    CHECK_EQ(m->outcome, BCASTDEC_OUT_MALFORMED);
    CHECK_EQ(m->n_keys, 0);
    CHECK(has_finding(m, "mikey.truncated"));
    bcastdec_mikey_msg_free(m);
  }
  CHECK(bcastdec_keystore_find_tek(bcastdec_session_learned(s), KDID, 0x68c90000, 1) == NULL);
  m = run(s, t, tn, 3000, NULL, 0);
  CHECK_EQ(m->kind, BCASTDEC_KIND_STKM);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->replay, 0);
  bcastdec_mikey_msg_free(m);
  bcastdec_mikey_msg *out = (bcastdec_mikey_msg *)1;
  CHECK_EQ(bcastdec_session_process(NULL, l, n, NULL, &out), BCASTDEC_ERR_ARG);
  CHECK(out == NULL);
  bcastdec_session_free(s);
  bcastdec_session_free(NULL);
  bcastdec_keystore_free(ks);
}

static int same_span(const bcastdec_span *a, const bcastdec_span *b) {
  return a->off == b->off && a->len == b->len && a->src == b->src;
}

/* bcastdec_mikey_msg_pack/_unpack give back the message as processed. */
static void check_pack_round_trip(const bcastdec_mikey_msg *m) {
  bcastdec_packed_msg *p = bcastdec_mikey_msg_pack(m);
  bcastdec_mikey_msg *u = NULL;
  CHECK(p != NULL);
  if (p == NULL) return;
  CHECK_EQ(bcastdec_packed_msg_size(p), bcastdec_mikey_msg_packed_size(m));
  CHECK_EQ(bcastdec_mikey_msg_unpack(p, m->wire, m->wire_len, &u), BCASTDEC_OK);
  CHECK(u != NULL);
  if (u != NULL) {
    CHECK(u->wire == m->wire && u->wire_len == m->wire_len);
    CHECK_EQ(u->ref, m->ref);
    CHECK_EQ(u->status, m->status);
    CHECK_EQ(u->kind, m->kind);
    CHECK_EQ(u->n_payloads, m->n_payloads);
    for (size_t i = 0; i < m->n_payloads && i < u->n_payloads; i++) {
      CHECK_EQ(u->payloads[i].type, m->payloads[i].type);
      CHECK(same_span(&u->payloads[i].sp, &m->payloads[i].sp));
    }
    CHECK_EQ(u->outcome, m->outcome);
    CHECK_EQ(u->mac, m->mac);
    CHECK_EQ(u->found_by, m->found_by);
    CHECK_EQ(u->rand_variant, m->rand_variant);
    CHECK_EQ(u->verif_input, m->verif_input);
    CHECK_EQ(u->replay, m->replay);
    CHECK_EQ(u->replay_last, m->replay_last);
    CHECK_EQ(u->answers_ref, m->answers_ref);
    CHECK_EQ(u->key_used.role, m->key_used.role);
    CHECK_EQ(u->key_used.origin, m->key_used.origin);
    CHECK_EQ(u->key_used.origin_ref, m->key_used.origin_ref);
    CHECK_STR(u->key_used.label, m->key_used.label);
    CHECK_EQ(u->n_tried, m->n_tried);
    CHECK_EQ(u->n_tried_total, m->n_tried_total);
    for (size_t i = 0; i < m->n_tried && i < u->n_tried; i++)
      CHECK_STR(u->tried[i].label, m->tried[i].label);
    CHECK_EQ(u->plain == NULL, m->plain == NULL);
    CHECK_EQ(u->plain_len, m->plain_len);
    if (u->plain != NULL && m->plain != NULL)
      CHECK(memcmp(u->plain, m->plain, m->plain_len) == 0);
    CHECK_EQ(u->plain_status, m->plain_status);
    CHECK_EQ(u->n_key_data, m->n_key_data);
    for (size_t i = 0; i < m->n_key_data && i < u->n_key_data; i++)
      CHECK(same_span(&u->key_data[i].sp, &m->key_data[i].sp));
    CHECK_EQ(u->n_keys, m->n_keys);
    for (size_t i = 0; i < m->n_keys && i < u->n_keys; i++) {
      const bcastdec_out_key *a = &u->keys[i], *b = &m->keys[i];
      CHECK(a->role == b->role && a->has_ids == b->has_ids && a->sekpek_id == b->sekpek_id &&
            a->tek_id == b->tek_id && memcmp(a->kdid, b->kdid, 3) == 0);
      CHECK(a->key.len == b->key.len && memcmp(a->key.p, b->key.p, b->key.len) == 0);
      CHECK(same_span(&a->key.sp, &b->key.sp));
      CHECK(a->salt.len == b->salt.len &&
            (b->salt.len == 0 || memcmp(a->salt.p, b->salt.p, b->salt.len) == 0));
    }
    CHECK_EQ(u->n_findings, m->n_findings);
    for (size_t i = 0; i < m->n_findings && i < u->n_findings; i++) {
      CHECK(u->findings[i].info == m->findings[i].info);
      CHECK_STR(u->findings[i].text, m->findings[i].text);
    }
    bcastdec_mikey_msg_free(u);
  }
  /* other bytes than the packed ones are refused */
  if (m->wire_len > 0) {
    uint8_t other[1024];
    size_t n = m->wire_len < sizeof other ? m->wire_len : sizeof other;
    memcpy(other, m->wire, n);
    other[n - 1] ^= 1;
    u = (bcastdec_mikey_msg *)1;
    CHECK_EQ(bcastdec_mikey_msg_unpack(p, other, n, &u), BCASTDEC_ERR_ARG);
    CHECK(u == NULL);
  }
  bcastdec_packed_msg_free(p);
}

TEST(test_pack_round_trip) {
  uint8_t l[512], t[512];
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  size_t ln = ltkm(l, 0x68c90000, 5, SMK32, 32, 1, 0, BCASTDEC_KV_SPI);
  size_t tn = stkm(t, 0x68c90000, 1, 100, SEK, NULL);
  bcastdec_mikey_msg *m = run(s, t, tn, 1, NULL, 0); /* no key yet: a finding */
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  check_pack_round_trip(m);
  bcastdec_mikey_msg_free(m);
  m = run(s, l, ln, 2, NULL, 0); /* SEK delivered */
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  check_pack_round_trip(m);
  bcastdec_mikey_msg_free(m);
  m = run(s, l, ln, 3, NULL, 0); /* replayed */
  CHECK_EQ(m->replay, 1);
  check_pack_round_trip(m);
  bcastdec_mikey_msg_free(m);
  m = run(s, t, tn, 4, NULL, 0); /* TEK + salt */
  CHECK_EQ(m->n_keys, 1);
  check_pack_round_trip(m);
  /* into the caller's memory */
  size_t need = bcastdec_mikey_msg_packed_size(m);
  uint64_t buf[256];
  CHECK(need != 0 && need <= sizeof buf);
  CHECK(bcastdec_mikey_msg_pack_into(m, buf, need - 1) == NULL);
  bcastdec_packed_msg *p = bcastdec_mikey_msg_pack_into(m, buf, sizeof buf);
  CHECK(p == (bcastdec_packed_msg *)(void *)buf);
  bcastdec_mikey_msg *u = NULL;
  CHECK_EQ(bcastdec_mikey_msg_unpack(p, m->wire, m->wire_len, &u), BCASTDEC_OK);
  CHECK(u != NULL && u->n_keys == 1 && memcmp(u->keys[0].key.p, TEK, 16) == 0);
  bcastdec_mikey_msg_free(u);
  bcastdec_memzero(buf, sizeof buf);
  bcastdec_mikey_msg_free(m);
  l[ln - 1] ^= 1; /* MAC failed: keys tried */
  m = run(s, l, ln, 5, NULL, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_MAC_FAILED);
  check_pack_round_trip(m);
  bcastdec_mikey_msg_free(m);
  CHECK(bcastdec_mikey_msg_pack(NULL) == NULL);
  bcastdec_packed_msg_free(NULL);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

RUN_TESTS("session", TCASE(test_section11_message_decrypts_with_wildcard_smk),
          TCASE(test_no_key_and_wrong_key_and_corrupt_mac), TCASE(test_ltkm_then_stkm_learned_chain),
          TCASE(test_stkm_without_ltkm_is_missing_ltkm), TCASE(test_no_learn_changes_nothing),
          TCASE(test_stkm_rand_variant_ltkm), TCASE(test_replay_counters),
          TCASE(test_replay_counters_many_keys), TCASE(test_key_replaced_in_store),
          TCASE(test_prf_sha256_and_kv_interval), TCASE(test_digest_username_and_search),
          TCASE(test_null_encryption_aeskw_no_mac), TCASE(test_plaintext_lies_and_token_only),
          TCASE(test_verification_message_both_candidates), TCASE(test_kv_mismatch_and_pek_role),
          TCASE(test_truncated_and_malformed_outcomes), TCASE(test_pack_round_trip))
