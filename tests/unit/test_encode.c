/* SPDX-License-Identifier: MIT */
/*
 * The public encoder (<bcastdec/encode.h>): the mbms-mikey.md section 11
 * message byte for byte, round trips through bcastdec_session_process()
 * over a matrix of LTKM/STKM parameters, verification messages checked by
 * the decoder, the size query and buffer-too-small paths, invalid
 * arguments, and MSK response XML bodies.
 */
#include <bcastdec/bcastdec.h>
#include <bcastdec/encode.h>
#ifdef BCASTDEC_TEST_HAVE_XML /* set by tests/CMakeLists.txt once bcastdec_xml.c exists */
#include <bcastdec/xml.h>
#endif

#include "check.h"

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------ */

static const uint8_t PSK11[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t RAND11[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                   0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t TEK11[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const char *BTID = "oKGio6SlpqeoqaqrrK2urw==@bsf.mnc001.mcc001.pub.3gppnetwork.org";
static const char *NAI = "subscriber@operator.example";
static const char *BSM = "bsm.operator.example";
static const uint8_t SMK32[32] = {0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
                                  0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
                                  0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50};
static const uint8_t SEK[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t TEK[16] = {0x7e, 0x7e, 0x7e, 0x7e, 0x11, 0x22, 0x33, 0x44,
                                0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
static const uint8_t SALT[14] = {0x5a, 0x17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t KDID[3] = {0xb8, 0x70, 0x9d};
static const uint8_t RAND_B[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                   0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/* The 79-byte message of mbms-mikey.md section 11 and its verification
 * messages (both MAC candidates); the same hex is in
 * tests/golden/section11_tree.args, compared below. */
static const char *MSG79 =
    "010005000102030400010b02000000050110a0a1a2a3a4a5a6a7a8a9aaabacad"
    "aeaf00010014240c32e1ca05a659bb56c939386a8cad60952910011a3026d9b9"
    "b59216a4bd66d3bf30058f87ace944";
static const char *V_T64 =
    "010105000102030400010902000000050001d58e0a7518d430a526f3e937c54f2703aeecd4b3";
static const char *V_IDS =
    "010105000102030400010902000000050001f876ae20ab896cfaa03902ad3ead2e42e6b42dd4";

static int has_finding(const bcastdec_mikey_msg *m, const char *id) {
  for (size_t i = 0; i < m->n_findings; i++)
    if (strcmp(m->findings[i].info->id, id) == 0) return 1;
  return 0;
}

static void dump_findings(const bcastdec_mikey_msg *m) {
  for (size_t i = 0; i < m->n_findings; i++)
    fprintf(stderr, "    finding %s: %s\n", m->findings[i].info->id, m->findings[i].text);
}

static int bytes_eq(const bcastdec_bytes *b, const void *p, size_t n) {
  return b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
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
  bcastdec_memzero(&k, sizeof k);
}

static void add_sek(bcastdec_keystore *ks, uint32_t id, const uint8_t *key) {
  bcastdec_key k;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SEK;
  memcpy(k.kdid, KDID, 3);
  k.sekpek_id = id;
  k.key_len = 16;
  memcpy(k.key, key, 16);
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
  bcastdec_memzero(&k, sizeof k);
}

static bcastdec_mikey_msg *run(bcastdec_session *s, const uint8_t *buf, size_t len, uint32_t ref) {
  bcastdec_mikey_msg *m = NULL;
  bcastdec_msg_ctx ctx = {ref, NULL, 0};
  CHECK_EQ(bcastdec_session_process(s, buf, len, &ctx, &m), BCASTDEC_OK);
  CHECK(m != NULL);
  return m;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* The section 11 message as an LTKM spec: no extensions, no identities. */
static void spec11(bcastdec_ltkm_spec *s, bcastdec_enc_key_data *kd, int v) {
  bcastdec_ltkm_spec_init(s);
  s->hdr.v_flag = (uint8_t)v;
  s->hdr.csb_id = 0x01020304;
  s->keyid.present = 0;
  s->bcast.present = 0;
  s->t.value = 5;
  s->rand = RAND11;
  s->rand_len = sizeof RAND11;
  memset(kd, 0, sizeof *kd);
  kd->type = BCASTDEC_KD_TEK;
  kd->kv = BCASTDEC_KV_NULL;
  kd->key = TEK11;
  kd->key_len = sizeof TEK11;
  s->kemac.key_data = kd;
  s->kemac.n_key_data = 1;
}

/* Reads a file next to this source (tests/...) into |buf|; 0 on failure. */
static size_t read_near(const char *rel, char *buf, size_t cap) {
  char path[1024];
  const char *src = __FILE__, *slash = strrchr(src, '/');
  if (slash == NULL || (size_t)(slash - src) + strlen(rel) + 2 > sizeof path) return 0;
  memcpy(path, src, (size_t)(slash - src));
  snprintf(path + (slash - src), sizeof path - (size_t)(slash - src), "/%s", rel);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return n;
}

/* ------------------------------------------------------------------------ */
/* Section 11                                                                */
/* ------------------------------------------------------------------------ */

TEST(test_section11_message_byte_for_byte) {
  bcastdec_ltkm_spec s;
  bcastdec_enc_key_data kd;
  uint8_t out[128];
  size_t n = 0;
  spec11(&s, &kd, 0);
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, sizeof PSK11, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_EQ(n, 79);
  CHECK_HEX(out, n, MSG79);

  /* the golden case carries the same message and key */
  char text[4096];
  CHECK(read_near("../golden/section11_tree.args", text, sizeof text) > 0);
  CHECK(strstr(text, MSG79) != NULL);
  CHECK(read_near("../golden/data/section11.keys", text, sizeof text) > 0);
  CHECK(strstr(text, "SMK * 000102030405060708090a0b0c0d0e0f") != NULL);
}

TEST(test_section11_verification_both_inputs) {
  bcastdec_ltkm_spec s;
  bcastdec_enc_key_data kd;
  bcastdec_verif_spec v;
  uint8_t l[128], out[64];
  size_t ln = 0, n = 0;
  spec11(&s, &kd, 1);
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, l, sizeof l, &ln), BCASTDEC_OK);
  bcastdec_verif_spec_init(&v);
  CHECK_EQ(bcastdec_verif_encode(&v, l, ln, PSK11, 16, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, V_T64);
  v.mac_input = BCASTDEC_VINPUT_IDS_T;
  CHECK_EQ(bcastdec_verif_encode(&v, l, ln, PSK11, 16, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, V_IDS);
}

/*
 * Messages from the independent generator (tests/e2e/mikeygen.py, which
 * shares no code with the library):
 *   mikeygen.py ltkm --smk 3132..4f50 --idr <B-TID> --sek deadbeef0102030405060708090a0b0c
 *     --csb 0x11223344 --counter 5 --prf 1 --kdid b8709d --sekpek-id 68c90000
 *     --rand a0..af --kv interval --vf 0001 --vt 0009 --v --spe 3
 *   mikeygen.py stkm --sek deadbeef0102030405060708090a0b0c
 *     --tek 7e7e7e7e112233445566778899aabbcc --salt 5a170102030405060708090a0b0c
 *     --tek-id 0001 --csb 0x55667788 --counter 100 --prf 0 --kdid b8709d
 *     --sekpek-id 68c90000
 */
static const char *GEN_LTKM =
    "010015811122334400010503000d000003b8709d01000468c900000b02000000050610a0a1a2a3a4a5"
    "a6a7a8a9aaabacadaeaf0601001462736d2e6f70657261746f722e6578616d706c651500003e6f4b"
    "47696f36536c7071656f71617172724b327572773d3d406273662e6d6e633030312e6d6363303031"
    "2e7075622e336770706e6574776f726b2e6f72670105000201030001001a37ea2784f4f2b1434b3f"
    "c65fae00ffb35a3757849a56f125b2e201244de3627551f6d2aaf8b1996934cbb580d60617";
static const char *GEN_STKM =
    "0100150055667788000105030012000003b8709d01000468c9000002000200011502000000640105"
    "000202040001002b7cce9900700c17912f67431fcfc01c24683558310eca24cf3b1de23611642"
    "6fcabaa736955549a0a04f1ec013992efb1ccadc7aa0ac4910440bdcd22ee15144d";

TEST(test_matches_independent_generator) {
  static const uint8_t vf[2] = {0, 1}, vt[2] = {0, 9};
  static const uint8_t mki[6] = {0x68, 0xc9, 0, 0, 0, 1};
  bcastdec_enc_key_data kd;
  uint8_t out[512];
  size_t n = 0;

  bcastdec_ltkm_spec l;
  bcastdec_ltkm_spec_init(&l);
  l.hdr.v_flag = 1;
  l.hdr.prf = BCASTDEC_PRF_HMAC_SHA256;
  l.hdr.csb_id = 0x11223344;
  memcpy(l.keyid.kdid, KDID, 3);
  l.keyid.sekpek_id = 0x68c90000;
  l.t.value = 5;
  l.rand = RAND11;
  l.rand_len = 16;
  l.idi.id = (const uint8_t *)BSM;
  l.idi.len = strlen(BSM);
  l.idr.id = (const uint8_t *)BTID;
  l.idr.len = strlen(BTID);
  l.bcast.spe = 3;
  memset(&kd, 0, sizeof kd);
  kd.type = BCASTDEC_KD_TGK;
  kd.kv = BCASTDEC_KV_INTERVAL;
  kd.key = SEK;
  kd.key_len = 16;
  kd.vf = vf;
  kd.vf_len = 2;
  kd.vt = vt;
  kd.vt_len = 2;
  l.kemac.key_data = &kd;
  l.kemac.n_key_data = 1;
  CHECK_EQ(bcastdec_ltkm_encode(&l, SMK32, 32, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, GEN_LTKM);

  bcastdec_stkm_spec t;
  bcastdec_stkm_spec_init(&t);
  t.hdr.csb_id = 0x55667788;
  memcpy(t.keyid.kdid, KDID, 3);
  t.keyid.sekpek_id = 0x68c90000;
  t.keyid.tek_id = 1;
  t.t.value = 100;
  t.bcast.tpp = 1; /* SRTP: flags 0x04 */
  memset(&kd, 0, sizeof kd);
  kd.type = BCASTDEC_KD_TEK_SALT;
  kd.kv = BCASTDEC_KV_SPI;
  kd.key = TEK;
  kd.key_len = 16;
  kd.salt = SALT;
  kd.salt_len = 14;
  kd.spi = mki;
  kd.spi_len = 6;
  t.kemac.key_data = &kd;
  t.kemac.n_key_data = 1;
  CHECK_EQ(bcastdec_stkm_encode(&t, SEK, 16, out, sizeof out, &n), BCASTDEC_OK);
  CHECK_HEX(out, n, GEN_STKM);
}

/* ------------------------------------------------------------------------ */
/* LTKM round trips                                                          */
/* ------------------------------------------------------------------------ */

typedef struct ltkm_case {
  size_t smk_len;  /* 16 or 32 */
  unsigned prf;
  uint8_t kv;
  int nai;         /* IDr: 0 B-TID, 1 NAI */
  uint8_t encr;    /* AES-CM or NULL */
  uint8_t mac;
  uint8_t ext_keyid, ext_bcast; /* type numbers */
  int idr_role;    /* 0 ID payloads, 1 IDR payloads (roles 1/2) */
} ltkm_case;

static const uint8_t TLV_TOKENS[4] = {0, 0, 0x01, 0x2c};
static const uint8_t TLV_PI[] = "pi.operator.example";
static const uint8_t VF[2] = {0, 1}, VT[2] = {0x00, 0x09};

typedef struct ltkm_fixture {
  bcastdec_ltkm_spec s;
  bcastdec_enc_key_data kd;
  bcastdec_enc_tlv tlv[2];
  uint8_t spi[4];
  const uint8_t *smk;
} ltkm_fixture;

static void ltkm_fill(ltkm_fixture *f, const ltkm_case *c, uint32_t sp_id, uint64_t counter) {
  bcastdec_ltkm_spec *s = &f->s;
  bcastdec_ltkm_spec_init(s);
  s->hdr.prf = (uint8_t)c->prf;
  s->hdr.csb_id = 0x11223344u + (uint32_t)counter;
  s->keyid.ext_type = c->ext_keyid;
  memcpy(s->keyid.kdid, KDID, 3);
  s->keyid.sekpek_id = sp_id;
  s->t.value = counter;
  s->rand = RAND_B;
  s->rand_len = sizeof RAND_B;
  s->idi.id = (const uint8_t *)BSM;
  s->idi.len = strlen(BSM);
  s->idr.id = (const uint8_t *)(c->nai ? NAI : BTID);
  s->idr.len = strlen(c->nai ? NAI : BTID);
  if (c->idr_role) {
    s->idi.role = 1;
    s->idr.role = 2;
  }
  s->bcast.ext_type = c->ext_bcast;
  s->bcast.spe = 0x21;
  f->tlv[0].tag = 0x01;
  f->tlv[0].value = TLV_TOKENS;
  f->tlv[0].len = sizeof TLV_TOKENS;
  f->tlv[1].tag = 0x03;
  f->tlv[1].value = TLV_PI;
  f->tlv[1].len = sizeof TLV_PI - 1;
  s->bcast.tlv = f->tlv;
  s->bcast.n_tlv = 2;
  s->kemac.encr_alg = c->encr;
  s->kemac.mac_alg = c->mac;
  memset(&f->kd, 0, sizeof f->kd);
  f->kd.type = BCASTDEC_KD_TGK;
  f->kd.kv = c->kv;
  f->kd.key = SEK;
  f->kd.key_len = sizeof SEK;
  be32(f->spi, sp_id);
  if (c->kv == BCASTDEC_KV_SPI) {
    f->kd.spi = f->spi;
    f->kd.spi_len = 4;
  } else if (c->kv == BCASTDEC_KV_INTERVAL) {
    f->kd.vf = VF;
    f->kd.vf_len = 2;
    f->kd.vt = VT;
    f->kd.vt_len = 2;
  }
  s->kemac.key_data = &f->kd;
  s->kemac.n_key_data = 1;
  f->smk = c->smk_len == 32 ? SMK32 : SMK32 + 16;
}

/* Every field of |s| comes back from the decoder. */
static void check_ltkm(const bcastdec_mikey_msg *m, const bcastdec_ltkm_spec *s) {
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->kind, BCASTDEC_KIND_LTKM);
  CHECK_EQ(m->hdr.version.v, 1);
  CHECK_EQ(m->hdr.data_type.v, BCASTDEC_DT_PSK_INIT);
  CHECK_EQ(m->hdr.v_flag.v, s->hdr.v_flag);
  CHECK_EQ(m->hdr.prf.v, s->hdr.prf);
  CHECK_EQ(m->hdr.csb_id.v, s->hdr.csb_id);
  CHECK_EQ(m->hdr.n_cs.v, 0);
  CHECK_EQ(m->hdr.map_type.v, BCASTDEC_MAP_EMPTY);
  /* the profile's payload order */
  static const uint8_t order[] = {BCASTDEC_PT_GEN_EXT, BCASTDEC_PT_T, BCASTDEC_PT_RAND, 0, 0,
                                  BCASTDEC_PT_GEN_EXT, BCASTDEC_PT_KEMAC};
  CHECK_EQ(m->n_payloads, sizeof order);
  for (size_t i = 0; i < m->n_payloads && i < sizeof order; i++)
    if (order[i]) CHECK_EQ(m->payloads[i].type, order[i]);
  /* Key ID */
  CHECK(m->i_keyid == 0);
  if (m->i_keyid >= 0) {
    const bcastdec_ext *e = &m->payloads[m->i_keyid].u.ext;
    CHECK_EQ(e->type.v, s->keyid.ext_type);
    CHECK_EQ(e->n_keyid, 2);
    CHECK_EQ(e->keyid[0].type.v, BCASTDEC_KEYID_KDID);
    CHECK_EQ(e->keyid[1].type.v, BCASTDEC_KEYID_SEKPEK);
  }
  CHECK(m->has_kdid && memcmp(m->kdid, s->keyid.kdid, 3) == 0);
  CHECK(m->has_sekpek_id && m->sekpek_id == s->keyid.sekpek_id);
  CHECK_EQ(m->has_tek_id, 0);
  /* T, RAND */
  CHECK(m->i_t >= 0 && m->payloads[m->i_t].u.t.ts_type.v == BCASTDEC_TS_COUNTER);
  CHECK(m->has_counter && m->counter == s->t.value);
  CHECK(m->i_rand >= 0 && bytes_eq(&m->payloads[m->i_rand].u.rand.rand, s->rand, s->rand_len));
  /* IDi, IDr */
  CHECK(m->i_idi >= 0 && m->i_idr >= 0);
  if (m->i_idi >= 0 && m->i_idr >= 0) {
    const bcastdec_payload *i = &m->payloads[m->i_idi], *r = &m->payloads[m->i_idr];
    CHECK_EQ(i->type, s->idi.role ? BCASTDEC_PT_IDR : BCASTDEC_PT_ID);
    CHECK_EQ(r->type, s->idr.role ? BCASTDEC_PT_IDR : BCASTDEC_PT_ID);
    CHECK_EQ(i->u.id.role.v, s->idi.role);
    CHECK_EQ(r->u.id.role.v, s->idr.role);
    CHECK_EQ(i->u.id.id_type.v, BCASTDEC_IDT_URI);
    CHECK_EQ(r->u.id.id_type.v, BCASTDEC_IDT_NAI);
    CHECK(bytes_eq(&i->u.id.id, s->idi.id, s->idi.len));
    CHECK(bytes_eq(&r->u.id.id, s->idr.id, s->idr.len));
  }
  /* OMA BCAST */
  CHECK(m->i_bcast >= 0);
  if (m->i_bcast >= 0) {
    const bcastdec_ext *e = &m->payloads[m->i_bcast].u.ext;
    CHECK_EQ(e->type.v, s->bcast.ext_type);
    CHECK_EQ(e->subtype.v, BCASTDEC_BCAST_LTKM);
    CHECK_EQ(e->spe.v, s->bcast.spe);
    CHECK_EQ(e->n_tlv, s->bcast.n_tlv);
    for (size_t i = 0; i < e->n_tlv && i < s->bcast.n_tlv; i++) {
      CHECK_EQ(e->tlv[i].tag.v, s->bcast.tlv[i].tag);
      CHECK(bytes_eq(&e->tlv[i].value, s->bcast.tlv[i].value, s->bcast.tlv[i].len));
    }
  }
  /* KEMAC and the key */
  CHECK(m->i_kemac == (int)m->n_payloads - 1);
  if (m->i_kemac >= 0) {
    CHECK_EQ(m->payloads[m->i_kemac].u.kemac.encr_alg.v, s->kemac.encr_alg);
    CHECK_EQ(m->payloads[m->i_kemac].u.kemac.mac_alg.v, s->kemac.mac_alg);
  }
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->plain_status, BCASTDEC_OK);
  CHECK_EQ(m->n_key_data, 1);
  if (m->n_key_data == 1) {
    const bcastdec_key_data *d = &m->key_data[0];
    const bcastdec_enc_key_data *e = &s->kemac.key_data[0];
    CHECK_EQ(d->type.v, e->type);
    CHECK_EQ(d->kv.v, e->kv);
    CHECK(bytes_eq(&d->key, e->key, e->key_len));
    CHECK(bytes_eq(&d->spi, e->spi, e->spi_len));
    CHECK(bytes_eq(&d->vf, e->vf, e->vf_len));
    CHECK(bytes_eq(&d->vt, e->vt, e->vt_len));
    CHECK_EQ(d->salt.len, 0);
  }
  CHECK_EQ(m->n_keys, 1);
  if (m->n_keys == 1) {
    CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_SEK);
    CHECK_EQ(m->keys[0].has_ids, 1);
    CHECK(memcmp(m->keys[0].kdid, KDID, 3) == 0);
    CHECK_EQ(m->keys[0].sekpek_id, s->keyid.sekpek_id);
    CHECK(bytes_eq(&m->keys[0].key, SEK, sizeof SEK));
  }
}

TEST(test_ltkm_round_trip_matrix) {
  static const size_t smk_lens[] = {16, 32};
  static const uint8_t kvs[] = {BCASTDEC_KV_NULL, BCASTDEC_KV_SPI, BCASTDEC_KV_INTERVAL};
  unsigned cases = 0;
  for (size_t a = 0; a < 2; a++)
    for (unsigned prf = 0; prf < 2; prf++)
      for (size_t b = 0; b < 3; b++)
        for (int nai = 0; nai < 2; nai++)
          for (int variant = 0; variant < 3; variant++) {
            ltkm_case c;
            memset(&c, 0, sizeof c);
            c.smk_len = smk_lens[a];
            c.prf = prf;
            c.kv = kvs[b];
            c.nai = nai;
            c.encr = BCASTDEC_ENCR_AES_CM_128;
            c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
            c.ext_keyid = 3;
            c.ext_bcast = 5;
            if (variant == 1) { /* NULL encryption, still authenticated */
              c.encr = BCASTDEC_ENCR_NULL;
            } else if (variant == 2) { /* other extension numbers, IDR payloads */
              c.ext_keyid = 250;
              c.ext_bcast = 251;
              c.idr_role = 1;
            }
            ltkm_fixture f;
            uint8_t buf[512];
            size_t n = 0;
            uint32_t sp_id = 0x68c90000u + cases;
            ltkm_fill(&f, &c, sp_id, 100 + cases);
            CHECK_EQ(bcastdec_ltkm_encode(&f.s, f.smk, c.smk_len, buf, sizeof buf, &n),
                     BCASTDEC_OK);

            bcastdec_keystore *ks = store();
            add_smk(ks, nai ? NAI : BTID, f.smk, c.smk_len);
            bcastdec_opts o;
            bcastdec_opts_init(&o);
            o.keyid_ext_type = c.ext_keyid;
            o.bcast_ext_type = c.ext_bcast;
            bcastdec_session *s = bcastdec_session_new(ks, &o);
            bcastdec_mikey_msg *m = run(s, buf, n, cases);
            check_ltkm(m, &f.s);
            CHECK_EQ(m->found_by, BCASTDEC_FOUND_IDR);
            CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
            CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_MESSAGE);
            if (variant == 1) {
              CHECK(has_finding(m, "kemac.null_encryption"));
              CHECK_EQ(m->n_findings, 1);
            } else {
              CHECK_EQ(m->n_findings, 0);
            }
            if (check_failures_) {
              fprintf(stderr, "  case smk %zu prf %u kv %u nai %d variant %d\n", c.smk_len,
                      prf, c.kv, nai, variant);
              dump_findings(m);
            }
            bcastdec_mikey_msg_free(m);
            /* the SEK was learned under its identifiers */
            const bcastdec_key *k =
                bcastdec_keystore_find_sekpek(bcastdec_session_learned(s), KDID, sp_id);
            CHECK(k != NULL && k->key_len == 16 && memcmp(k->key, SEK, 16) == 0);
            bcastdec_session_free(s);
            bcastdec_keystore_free(ks);
            bcastdec_memzero(buf, sizeof buf);
            cases++;
          }
  CHECK_EQ(cases, 72);
}

TEST(test_ltkm_unprotected_and_token_only) {
  /* NULL encryption and no MAC: no SMK needed; the decoder reads it all */
  ltkm_fixture f;
  ltkm_case c;
  uint8_t buf[512];
  size_t n = 0;
  memset(&c, 0, sizeof c);
  c.smk_len = 16;
  c.kv = BCASTDEC_KV_SPI;
  c.encr = BCASTDEC_ENCR_NULL;
  c.mac = BCASTDEC_MAC_NULL;
  c.ext_keyid = 3;
  c.ext_bcast = 5;
  ltkm_fill(&f, &c, 0x68c90000, 1);
  CHECK_EQ(bcastdec_ltkm_encode(&f.s, NULL, 0, buf, sizeof buf, &n), BCASTDEC_OK);
  bcastdec_keystore *ks = store();
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(s, buf, n, 0);
  check_ltkm(m, &f.s);
  CHECK_EQ(m->mac, BCASTDEC_MAC_ABSENT);
  CHECK(has_finding(m, "kemac.no_mac"));
  bcastdec_mikey_msg_free(m);

  /* token-only LTKM with V = 1: no Key data, no complaint */
  c.encr = BCASTDEC_ENCR_AES_CM_128;
  c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
  ltkm_fill(&f, &c, 0x68c90001, 2);
  f.s.hdr.v_flag = 1;
  f.s.kemac.n_key_data = 0;
  f.s.kemac.key_data = NULL;
  CHECK_EQ(bcastdec_ltkm_encode(&f.s, f.smk, 16, buf, sizeof buf, &n), BCASTDEC_OK);
  add_smk(ks, BTID, f.smk, 16);
  m = run(s, buf, n, 1);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->hdr.v_flag.v, 1);
  CHECK_EQ(m->n_key_data, 0);
  CHECK_EQ(m->payloads[m->i_kemac].u.kemac.encr_len.v, 0);
  CHECK(!has_finding(m, "ltkm.token_only_no_ack"));
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_ltkm_extra_keyid_entries_and_other_subtype) {
  /* a MUK ID entry after the profile's two; subtype "LTKM reporting" with
   * raw data; two Key data items; NTP-UTC timestamp */
  static const uint8_t muk_id[5] = {'m', 'u', 'k', '0', '1'};
  static const uint8_t rest[3] = {9, 8, 7};
  bcastdec_enc_keyid_entry extra = {BCASTDEC_KEYID_MUK, muk_id, sizeof muk_id};
  bcastdec_enc_key_data kd[2];
  bcastdec_ltkm_spec s;
  uint8_t buf[512];
  size_t n = 0;
  bcastdec_ltkm_spec_init(&s);
  s.hdr.csb_id = 77;
  memcpy(s.keyid.kdid, KDID, 3);
  s.keyid.sekpek_id = 0x01020304;
  s.keyid.extra = &extra;
  s.keyid.n_extra = 1;
  s.t.ts_type = BCASTDEC_TS_NTP_UTC;
  s.t.value = 0xe7a1b2c3d4e5f607u;
  s.rand = RAND_B;
  s.rand_len = 16;
  s.bcast.subtype = BCASTDEC_BCAST_REPORTING;
  s.bcast.rest = rest;
  s.bcast.rest_len = sizeof rest;
  memset(kd, 0, sizeof kd);
  kd[0].type = BCASTDEC_KD_TGK;
  kd[0].key = SEK;
  kd[0].key_len = 16;
  kd[1].type = BCASTDEC_KD_TGK_SALT;
  kd[1].key = TEK;
  kd[1].key_len = 16;
  kd[1].salt = SALT;
  kd[1].salt_len = 14;
  s.kemac.key_data = kd;
  s.kemac.n_key_data = 2;
  CHECK_EQ(bcastdec_ltkm_encode(&s, SMK32, 32, buf, sizeof buf, &n), BCASTDEC_OK);
  bcastdec_keystore *ks = store();
  add_smk(ks, "*", SMK32, 32);
  bcastdec_session *ss = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(ss, buf, n, 0);
  CHECK_EQ(m->kind, BCASTDEC_KIND_LTKM_REPORTING);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  const bcastdec_ext *e = &m->payloads[m->i_keyid].u.ext;
  CHECK_EQ(e->n_keyid, 3);
  CHECK_EQ(e->keyid[2].type.v, BCASTDEC_KEYID_MUK);
  CHECK(bytes_eq(&e->keyid[2].value, muk_id, sizeof muk_id));
  CHECK_EQ(m->payloads[m->i_t].u.t.ts_type.v, BCASTDEC_TS_NTP_UTC);
  CHECK(m->counter == 0xe7a1b2c3d4e5f607u);
  const bcastdec_ext *b = &m->payloads[m->i_bcast].u.ext;
  CHECK_EQ(b->subtype.v, BCASTDEC_BCAST_REPORTING);
  CHECK(bytes_eq(&b->rest, rest, sizeof rest));
  CHECK_EQ(m->n_key_data, 2);
  CHECK_EQ(m->key_data[0].next.v, BCASTDEC_PT_KEY_DATA);
  CHECK_EQ(m->key_data[1].next.v, BCASTDEC_PT_LAST);
  CHECK(bytes_eq(&m->key_data[1].salt, SALT, 14));
  CHECK_EQ(m->n_keys, 2);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(ss);
  bcastdec_keystore_free(ks);
}

/* ------------------------------------------------------------------------ */
/* STKM round trips and the key chain                                        */
/* ------------------------------------------------------------------------ */

typedef struct stkm_fixture {
  bcastdec_stkm_spec s;
  bcastdec_enc_key_data kd;
  bcastdec_enc_tlv tlv;
  uint8_t mki[6];
} stkm_fixture;

static const uint8_t RATING[1] = {0x12};

static void stkm_fill(stkm_fixture *f, uint32_t sp_id, uint16_t tek_id, uint64_t counter) {
  bcastdec_stkm_spec *s = &f->s;
  bcastdec_stkm_spec_init(s);
  s->hdr.csb_id = 0x55667788;
  memcpy(s->keyid.kdid, KDID, 3);
  s->keyid.sekpek_id = sp_id;
  s->keyid.tek_id = tek_id;
  s->t.value = counter;
  s->bcast.par = 3;
  s->bcast.acf = 1;
  s->bcast.tpp = 1; /* SRTP */
  s->bcast.taf = 1;
  s->bcast.ntf = 0;
  f->tlv.tag = 0x04;
  f->tlv.value = RATING;
  f->tlv.len = 1;
  s->bcast.tlv = &f->tlv;
  s->bcast.n_tlv = 1;
  be32(f->mki, sp_id);
  f->mki[4] = (uint8_t)(tek_id >> 8);
  f->mki[5] = (uint8_t)tek_id;
  memset(&f->kd, 0, sizeof f->kd);
  f->kd.type = BCASTDEC_KD_TEK_SALT;
  f->kd.kv = BCASTDEC_KV_SPI;
  f->kd.key = TEK;
  f->kd.key_len = 16;
  f->kd.salt = SALT;
  f->kd.salt_len = 14;
  f->kd.spi = f->mki;
  f->kd.spi_len = 6;
  s->kemac.key_data = &f->kd;
  s->kemac.n_key_data = 1;
}

static void check_stkm(const bcastdec_mikey_msg *m, const bcastdec_stkm_spec *s) {
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->kind, BCASTDEC_KIND_STKM);
  CHECK_EQ(m->hdr.data_type.v, 0);
  CHECK_EQ(m->hdr.v_flag.v, 0);
  CHECK_EQ(m->hdr.csb_id.v, s->hdr.csb_id);
  CHECK_EQ(m->n_payloads, 4); /* EXT, T, EXT, KEMAC: no RAND */
  CHECK_EQ(m->i_rand, -1);
  CHECK(m->has_kdid && memcmp(m->kdid, KDID, 3) == 0);
  CHECK(m->has_sekpek_id && m->sekpek_id == s->keyid.sekpek_id);
  CHECK(m->has_tek_id && m->tek_id == s->keyid.tek_id);
  CHECK(m->has_counter && m->counter == s->t.value);
  const bcastdec_ext *e = &m->payloads[m->i_bcast].u.ext;
  CHECK_EQ(e->subtype.v, BCASTDEC_BCAST_STKM);
  CHECK_EQ(e->par.v, s->bcast.par);
  CHECK_EQ(e->acf.v, s->bcast.acf);
  CHECK_EQ(e->tpp.v, s->bcast.tpp);
  CHECK_EQ(e->taf.v, s->bcast.taf);
  CHECK_EQ(e->ntf.v, s->bcast.ntf);
  CHECK_EQ(e->n_tlv, 1);
  CHECK(e->n_tlv == 1 && e->tlv[0].tag.v == 4 && bytes_eq(&e->tlv[0].value, RATING, 1));
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->n_key_data, 1);
  if (m->n_key_data == 1) {
    CHECK_EQ(m->key_data[0].type.v, BCASTDEC_KD_TEK_SALT);
    CHECK_EQ(m->key_data[0].kv.v, BCASTDEC_KV_SPI);
    CHECK(bytes_eq(&m->key_data[0].spi, s->kemac.key_data[0].spi, 6));
  }
  CHECK_EQ(m->n_keys, 1);
  if (m->n_keys == 1) {
    CHECK_EQ(m->keys[0].role, BCASTDEC_ROLE_TEK);
    CHECK_EQ(m->keys[0].has_tek_id, 1);
    CHECK_EQ(m->keys[0].tek_id, s->keyid.tek_id);
    CHECK(bytes_eq(&m->keys[0].key, TEK, 16));
    CHECK(bytes_eq(&m->keys[0].salt, SALT, 14));
  }
}

TEST(test_ltkm_then_stkm_chain) {
  ltkm_fixture lf;
  stkm_fixture sf;
  ltkm_case c;
  uint8_t l[512], t[512];
  size_t ln = 0, tn = 0;
  memset(&c, 0, sizeof c);
  c.smk_len = 32;
  c.kv = BCASTDEC_KV_SPI;
  c.encr = BCASTDEC_ENCR_AES_CM_128;
  c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
  c.ext_keyid = 3;
  c.ext_bcast = 5;
  ltkm_fill(&lf, &c, 0x68c90000, 5);
  CHECK_EQ(bcastdec_ltkm_encode(&lf.s, SMK32, 32, l, sizeof l, &ln), BCASTDEC_OK);
  stkm_fill(&sf, 0x68c90000, 1, 100);
  CHECK_EQ(bcastdec_stkm_encode(&sf.s, SEK, 16, t, sizeof t, &tn), BCASTDEC_OK);

  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(s, t, tn, 0); /* before the LTKM: no key */
  CHECK_EQ(m->outcome, BCASTDEC_OUT_NO_KEY);
  bcastdec_mikey_msg_free(m);
  m = run(s, l, ln, 1);
  check_ltkm(m, &lf.s);
  bcastdec_mikey_msg_free(m);
  m = run(s, t, tn, 2);
  check_stkm(m, &sf.s);
  CHECK_EQ(m->found_by, BCASTDEC_FOUND_KEYID);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_EMPTY);
  CHECK_EQ(m->key_used.origin, BCASTDEC_ORIGIN_LEARNED);
  CHECK_EQ(m->n_findings, 0);
  bcastdec_mikey_msg_free(m);
  CHECK(bcastdec_keystore_find_tek(bcastdec_session_learned(s), KDID, 0x68c90000, 1) != NULL);

  /* keyed with the LTKM's RAND: the decoder's [A] second variant */
  stkm_fill(&sf, 0x68c90000, 2, 101);
  sf.s.kdf_rand_set = 1;
  sf.s.kdf_rand = RAND_B;
  sf.s.kdf_rand_len = sizeof RAND_B;
  CHECK_EQ(bcastdec_stkm_encode(&sf.s, SEK, 16, t, sizeof t, &tn), BCASTDEC_OK);
  m = run(s, t, tn, 3);
  check_stkm(m, &sf.s);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_LTKM);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

TEST(test_stkm_srtp_map_prf256_and_rand) {
  /* SRTP-ID map (accepted for STKMs), PRF-HMAC-SHA-256, a RAND payload,
   * no OMA BCAST extension (the TEK ID makes it an STKM) */
  static const bcastdec_enc_srtp_cs cs[2] = {{1, 0xdeadbeef, 7}, {2, 0x01020304, 0}};
  stkm_fixture f;
  uint8_t buf[512];
  size_t n = 0;
  stkm_fill(&f, 0x24cb4400, 9, 55);
  f.s.hdr.prf = BCASTDEC_PRF_HMAC_SHA256;
  f.s.hdr.map_type = BCASTDEC_MAP_SRTP_ID;
  f.s.hdr.srtp = cs;
  f.s.hdr.n_srtp = 2;
  f.s.rand = RAND11;
  f.s.rand_len = 16;
  f.s.bcast.present = 0;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_OK);
  bcastdec_keystore *ks = store();
  add_sek(ks, 0x24cb4400, SEK);
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(s, buf, n, 0);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->kind, BCASTDEC_KIND_STKM);
  CHECK_EQ(m->hdr.prf.v, BCASTDEC_PRF_HMAC_SHA256);
  CHECK_EQ(m->hdr.map_type.v, BCASTDEC_MAP_SRTP_ID);
  CHECK_EQ(m->hdr.n_cs.v, 2);
  CHECK_EQ(m->hdr.n_srtp, 2);
  CHECK(m->hdr.n_srtp == 2 && m->hdr.srtp[0].policy.v == 1 &&
        m->hdr.srtp[0].ssrc.v == 0xdeadbeef && m->hdr.srtp[0].roc.v == 7 &&
        m->hdr.srtp[1].policy.v == 2 && m->hdr.srtp[1].ssrc.v == 0x01020304);
  CHECK(m->i_rand >= 0 && bytes_eq(&m->payloads[m->i_rand].u.rand.rand, RAND11, 16));
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->rand_variant, BCASTDEC_RANDV_MESSAGE);
  CHECK(m->n_keys == 1 && bytes_eq(&m->keys[0].key, TEK, 16) &&
        bytes_eq(&m->keys[0].salt, SALT, 14) && m->keys[0].tek_id == 9);
  CHECK_EQ(m->n_findings, 0);
  if (m->n_findings) dump_findings(m);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
}

/* ------------------------------------------------------------------------ */
/* Verification messages                                                     */
/* ------------------------------------------------------------------------ */

TEST(test_verification_verified_by_decoder) {
  ltkm_fixture f;
  ltkm_case c;
  uint8_t l[512], v[128];
  size_t ln = 0, vn = 0;
  memset(&c, 0, sizeof c);
  c.kv = BCASTDEC_KV_SPI;
  c.encr = BCASTDEC_ENCR_AES_CM_128;
  c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
  c.ext_keyid = 3;
  c.ext_bcast = 5;
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  for (int input = BCASTDEC_VINPUT_T64; input <= BCASTDEC_VINPUT_IDS_T; input++)
    for (int with_idr = 0; with_idr < 2; with_idr++)
      for (int prf = 0; prf < 2; prf++) {
        c.smk_len = 32;
        c.prf = (unsigned)prf;
        ltkm_fill(&f, &c, 0x68c90000, 7);
        f.s.hdr.v_flag = 1;
        CHECK_EQ(bcastdec_ltkm_encode(&f.s, SMK32, 32, l, sizeof l, &ln), BCASTDEC_OK);
        bcastdec_verif_spec vs;
        bcastdec_verif_spec_init(&vs);
        vs.mac_input = (uint8_t)input;
        if (with_idr) { /* the terminal names itself; its own T */
          vs.idr.id = (const uint8_t *)BTID;
          vs.idr.len = strlen(BTID);
          vs.t_from_ltkm = 0;
          vs.t.value = 8;
        }
        CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_OK);

        bcastdec_session *s = bcastdec_session_new(ks, NULL);
        bcastdec_mikey_msg *m = run(s, l, ln, 10);
        CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
        bcastdec_mikey_msg_free(m);
        m = run(s, v, vn, 11);
        CHECK_EQ(m->status, BCASTDEC_OK);
        CHECK_EQ(m->kind, BCASTDEC_KIND_VERIFICATION);
        CHECK_EQ(m->hdr.data_type.v, BCASTDEC_DT_PSK_RESP);
        CHECK_EQ(m->hdr.v_flag.v, 0);
        CHECK_EQ(m->hdr.prf.v, (unsigned)prf);
        CHECK_EQ(m->hdr.csb_id.v, f.s.hdr.csb_id);
        CHECK_EQ(m->counter, with_idr ? 8 : 7);
        CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
        CHECK_EQ(m->mac, BCASTDEC_MAC_VERIFIED);
        CHECK_EQ(m->verif_input, input);
        CHECK_EQ(m->answers_ref, 10);
        CHECK_EQ(m->i_v, (int)m->n_payloads - 1);
        CHECK_EQ(m->n_payloads, with_idr ? 3u : 2u);
        if (with_idr) /* a lone ID payload: the decoder files it as IDi */
          CHECK(m->i_idi >= 0 && bytes_eq(&m->payloads[m->i_idi].u.id.id, BTID, strlen(BTID)));
        CHECK_EQ(m->n_findings, 0);
        if (check_failures_) {
          fprintf(stderr, "  input %d idr %d prf %d\n", input, with_idr, prf);
          dump_findings(m);
        }
        bcastdec_mikey_msg_free(m);
        bcastdec_session_free(s);
      }
  bcastdec_keystore_free(ks);
}

TEST(test_verification_refusals) {
  ltkm_fixture f;
  ltkm_case c;
  bcastdec_verif_spec vs;
  uint8_t l[512], v[128];
  size_t ln = 0, vn = 99;
  static const uint8_t wrong[32] = {1};
  memset(&c, 0, sizeof c);
  c.smk_len = 32;
  c.kv = BCASTDEC_KV_SPI;
  c.encr = BCASTDEC_ENCR_AES_CM_128;
  c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
  c.ext_keyid = 3;
  c.ext_bcast = 5;
  ltkm_fill(&f, &c, 0x68c90000, 7);
  CHECK_EQ(bcastdec_ltkm_encode(&f.s, SMK32, 32, l, sizeof l, &ln), BCASTDEC_OK);
  bcastdec_verif_spec_init(&vs);
  /* V = 0: nobody asked */
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  CHECK_EQ(vn, 0);
  vs.any_v = 1;
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_OK);
  CHECK(vn > 0);
  /* the wrong SMK: the LTKM is not authentic for it */
  memset(v, 0xee, sizeof v);
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, wrong, 32, v, sizeof v, &vn), BCASTDEC_ERR_AUTH);
  CHECK_EQ(vn, 0);
  CHECK_EQ(v[0], 0xee); /* nothing written */
  /* a cut LTKM, and bytes that are not MIKEY */
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln - 1, SMK32, 32, v, sizeof v, &vn),
           BCASTDEC_ERR_TRUNCATED);
  /* a verification message is not an LTKM */
  uint8_t vv[64];
  size_t vvn = (size_t)check_unhex(V_T64, vv, sizeof vv);
  CHECK_EQ(bcastdec_verif_encode(&vs, vv, vvn, PSK11, 16, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  /* arguments */
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 0, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, NULL, 16, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_verif_encode(&vs, NULL, 0, SMK32, 32, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  vs.mac_input = 3;
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  vs.mac_input = BCASTDEC_VINPUT_T64;
  vs.struct_size = 0;
  CHECK_EQ(bcastdec_verif_encode(&vs, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_verif_encode(NULL, l, ln, SMK32, 32, v, sizeof v, &vn), BCASTDEC_ERR_ARG);
}

/* ------------------------------------------------------------------------ */
/* Buffer sizes                                                              */
/* ------------------------------------------------------------------------ */

TEST(test_size_query_and_too_small) {
  bcastdec_ltkm_spec s;
  bcastdec_enc_key_data kd;
  uint8_t full[128], buf[128];
  size_t need = 0, n = 0;
  spec11(&s, &kd, 1);
  /* query */
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, NULL, 0, &need), BCASTDEC_OK);
  CHECK_EQ(need, 79);
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, full, sizeof full, &n), BCASTDEC_OK);
  CHECK_EQ(n, need);
  /* every cap below the need: SPACE, the need reported, nothing written */
  for (size_t cap = 0; cap < need; cap++) {
    memset(buf, 0xee, sizeof buf);
    n = 12345;
    CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, buf, cap, &n), BCASTDEC_ERR_SPACE);
    CHECK_EQ(n, need);
    for (size_t i = 0; i < sizeof buf; i++) CHECK(buf[i] == 0xee);
  }
  /* exactly enough */
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, buf, need, &n), BCASTDEC_OK);
  CHECK(n == need && memcmp(buf, full, need) == 0);
  /* out NULL with a cap, out_len NULL */
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, NULL, 10, &n), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_ltkm_encode(&s, PSK11, 16, buf, sizeof buf, NULL), BCASTDEC_ERR_ARG);

  /* STKM */
  stkm_fixture f;
  stkm_fill(&f, 0x68c90000, 1, 100);
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, NULL, 0, &need), BCASTDEC_OK);
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, need - 1, &n), BCASTDEC_ERR_SPACE);
  CHECK_EQ(n, need);
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, need, &n), BCASTDEC_OK);
  CHECK_EQ(n, need);

  /* verification */
  uint8_t v[64];
  bcastdec_verif_spec vs;
  bcastdec_verif_spec_init(&vs);
  CHECK_EQ(bcastdec_verif_encode(&vs, full, 79, PSK11, 16, NULL, 0, &need), BCASTDEC_OK);
  CHECK_EQ(need, 38);
  memset(v, 0xee, sizeof v);
  CHECK_EQ(bcastdec_verif_encode(&vs, full, 79, PSK11, 16, v, need - 1, &n), BCASTDEC_ERR_SPACE);
  CHECK_EQ(n, need);
  CHECK_EQ(v[0], 0xee);
  CHECK_EQ(bcastdec_verif_encode(&vs, full, 79, PSK11, 16, v, need, &n), BCASTDEC_OK);
  CHECK_HEX(v, n, V_T64);
}

/* ------------------------------------------------------------------------ */
/* Invalid arguments                                                         */
/* ------------------------------------------------------------------------ */

/* Encodes |s| and expects |want|; on an error *out_len is 0 and |buf|
 * untouched. */
static void expect_ltkm(const bcastdec_ltkm_spec *s, const uint8_t *smk, size_t smk_len,
                        bcastdec_status want, int line) {
  uint8_t buf[512];
  size_t n = 777;
  memset(buf, 0xee, sizeof buf);
  bcastdec_status st = bcastdec_ltkm_encode(s, smk, smk_len, buf, sizeof buf, &n);
  if (st != want || (want != BCASTDEC_OK && (n != 0 || buf[0] != 0xee))) {
    fprintf(stderr, "  line %d: status %s (want %s), len %zu\n", line, bcastdec_status_name(st),
            bcastdec_status_name(want), n);
    check_failures_++;
  }
}
#define EXPECT_LTKM(s, k, kl, want) expect_ltkm(s, k, kl, want, __LINE__)

TEST(test_invalid_arguments) {
  static const uint8_t big[300] = {0};
  bcastdec_ltkm_spec s;
  bcastdec_enc_key_data kd;
#define FRESH() spec11(&s, &kd, 0)
  FRESH();
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_OK);
  EXPECT_LTKM(NULL, PSK11, 16, BCASTDEC_ERR_ARG);
  /* keys */
  EXPECT_LTKM(&s, big, BCASTDEC_KEY_MAX + 1, BCASTDEC_ERR_ARG); /* SMK too long */
  EXPECT_LTKM(&s, NULL, 0, BCASTDEC_ERR_ARG);                  /* no SMK */
  EXPECT_LTKM(&s, PSK11, 0, BCASTDEC_ERR_ARG);
  kd.key_len = BCASTDEC_KEY_MAX + 1; /* key too long */
  kd.key = big;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.key_len = 0;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.key = NULL;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.type = BCASTDEC_KD_TEK_SALT;
  kd.salt = big;
  kd.salt_len = BCASTDEC_SALT_MAX + 1; /* salt too long */
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.salt = SALT; /* a salt the type has no room for */
  kd.salt_len = 14;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.type = 4;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.kv = 3;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.kv = BCASTDEC_KV_SPI;
  kd.spi = big;
  kd.spi_len = 256;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  kd.vf = VF; /* KV data for another KV */
  kd.vf_len = 2;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.kemac.n_key_data = 2;
  s.kemac.key_data = NULL;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  /* algorithms */
  FRESH();
  s.kemac.encr_alg = BCASTDEC_ENCR_AES_KW_128;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_UNSUPPORTED);
  s.kemac.encr_alg = 9;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.kemac.mac_alg = 2;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.hdr.prf = 2;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_UNSUPPORTED);
  s.hdr.prf = 0x80;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.hdr.v_flag = 2;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.hdr.map_type = 9;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_UNSUPPORTED);
  FRESH();
  s.hdr.map_type = BCASTDEC_MAP_SRTP_ID;
  s.hdr.n_srtp = 1; /* entries missing */
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  /* T, RAND, IDs */
  FRESH();
  s.t.value = 0x100000000u; /* COUNTER is 32 bits */
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.t.ts_type = 7;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_UNSUPPORTED);
  FRESH();
  s.rand = big;
  s.rand_len = 256;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.rand = NULL;
  s.rand_len = 16;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  s.idr.id = (const uint8_t *)BTID; /* IDr without IDi as an ID payload */
  s.idr.len = strlen(BTID);
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  s.idr.role = 2; /* as an IDR payload it names itself */
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_OK);
  /* extensions */
  FRESH();
  s.bcast.present = 1;
  s.bcast.subtype = BCASTDEC_BCAST_STKM; /* not an LTKM */
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  s.bcast.subtype = 0;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  bcastdec_enc_tlv tlv = {1, big, 256}; /* TLV length is one byte */
  s.bcast.present = 1;
  s.bcast.tlv = &tlv;
  s.bcast.n_tlv = 1;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  tlv.len = 255;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_OK);
  FRESH();
  s.bcast.present = 1;
  s.bcast.rest = big; /* rest is for other subtypes */
  s.bcast.rest_len = 1;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  FRESH();
  bcastdec_enc_keyid_entry e = {7, big, 65536};
  s.keyid.present = 1;
  s.keyid.extra = &e;
  s.keyid.n_extra = 1;
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
  /* an uninitialised spec */
  memset(&s, 0, sizeof s);
  EXPECT_LTKM(&s, PSK11, 16, BCASTDEC_ERR_ARG);
#undef FRESH

  /* STKM specifics */
  stkm_fixture f;
  uint8_t buf[256];
  size_t n = 5;
  stkm_fill(&f, 1, 2, 3);
  f.s.hdr.v_flag = 1;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);
  CHECK_EQ(n, 0);
  stkm_fill(&f, 1, 2, 3);
  f.s.bcast.par = 4;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);
  stkm_fill(&f, 1, 2, 3);
  f.s.bcast.tpp = 8;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);
  stkm_fill(&f, 1, 2, 3);
  f.s.bcast.subtype = BCASTDEC_BCAST_LTKM;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);
  stkm_fill(&f, 1, 2, 3);
  CHECK_EQ(bcastdec_stkm_encode(&f.s, big, 65, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_OK);
  f.s.struct_size--;
  CHECK_EQ(bcastdec_stkm_encode(&f.s, SEK, 16, buf, sizeof buf, &n), BCASTDEC_ERR_ARG);

  CHECK_STR(bcastdec_status_name(BCASTDEC_ERR_SPACE), "no_space");
  CHECK_STR(bcastdec_strerror(BCASTDEC_ERR_SPACE), "output buffer too small");
}

/* ------------------------------------------------------------------------ */
/* MSK response XML                                                          */
/* ------------------------------------------------------------------------ */

/*
 * A small structural check of the XML text: one XML declaration first,
 * then exactly one root element; start and end tags balance with equal
 * names; attribute values are quoted; '<' never appears in text or in an
 * attribute value; every '&' starts a predefined entity or a character
 * reference.  Returns 1 when the text passes.
 */
static int well_formed(const char *x) {
  const char *stack[32];
  size_t stack_len[32], depth = 0;
  int roots = 0;
  const char *p = x;
  if (strncmp(p, "<?xml ", 6) != 0) return 0;
  p = strstr(p, "?>");
  if (p == NULL) return 0;
  p += 2;
  while (*p) {
    if (*p == '<') {
      int end = p[1] == '/';
      const char *name = p + 1 + end;
      size_t nl = strcspn(name, " \t\r\n/>");
      if (nl == 0) return 0;
      const char *q = name + nl;
      int empty = 0;
      /* attributes */
      for (;;) {
        q += strspn(q, " \t\r\n");
        if (*q == '>') break;
        if (q[0] == '/' && q[1] == '>') {
          empty = 1;
          q++;
          break;
        }
        if (end) return 0;
        size_t an = strcspn(q, "= \t\r\n>");
        if (an == 0 || q[an] != '=' || (q[an + 1] != '"' && q[an + 1] != '\'')) return 0;
        char quote = q[an + 1];
        const char *v = q + an + 2, *ve = strchr(v, quote);
        if (ve == NULL || memchr(v, '<', (size_t)(ve - v)) != NULL) return 0;
        q = ve + 1;
      }
      if (end) {
        if (depth == 0 || stack_len[depth - 1] != nl || memcmp(stack[depth - 1], name, nl) != 0)
          return 0;
        depth--;
      } else {
        if (depth == 0 && ++roots > 1) return 0;
        if (!empty) {
          if (depth == 32) return 0;
          stack[depth] = name;
          stack_len[depth++] = nl;
        }
      }
      p = q + 1;
    } else {
      if (depth == 0 && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') return 0;
      if (*p == '&') {
        static const char *ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
        int ok = 0;
        for (size_t i = 0; i < 6; i++)
          if (strncmp(p, ent[i], strlen(ent[i])) == 0) ok = 1;
        if (!ok || strchr(p, ';') == NULL) return 0;
      }
      if (*p == '>') return 0; /* fine in XML, but this writer escapes it */
      p++;
    }
  }
  return depth == 0 && roots == 1;
}

/* The text between <tag> and </tag> after |from|, into |out|. */
static const char *element_text(const char *from, const char *tag, char *out, size_t cap) {
  char open[64], close[64];
  snprintf(open, sizeof open, "<%s", tag);
  snprintf(close, sizeof close, "</%s>", tag);
  const char *a = strstr(from, open);
  if (a == NULL) return NULL;
  a = strchr(a, '>');
  const char *b = a != NULL ? strstr(a, close) : NULL;
  if (b == NULL || (size_t)(b - a - 1) >= cap) return NULL;
  memcpy(out, a + 1, (size_t)(b - a - 1));
  out[b - a - 1] = '\0';
  return b;
}

static size_t make_ltkm(uint8_t *buf, size_t cap, uint32_t sp_id) {
  ltkm_fixture f;
  ltkm_case c;
  size_t n = 0;
  memset(&c, 0, sizeof c);
  c.smk_len = 32;
  c.kv = BCASTDEC_KV_SPI;
  c.encr = BCASTDEC_ENCR_AES_CM_128;
  c.mac = BCASTDEC_MAC_HMAC_SHA1_160;
  c.ext_keyid = 3;
  c.ext_bcast = 5;
  /* rising counters: LTKMs of one subscriber in one session are not replays */
  static uint32_t counter = 3;
  ltkm_fill(&f, &c, sp_id, counter++);
  CHECK_EQ(bcastdec_ltkm_encode(&f.s, SMK32, 32, buf, cap, &n), BCASTDEC_OK);
  return n;
}

TEST(test_msk_response_seed_example) {
  /* seed 003: two SEK/PEKs of key domain b8709d ("uHCd"), MSK IDs
   * 68c90000 ("aMkAAA==") and 24cb4400 ("JMtEAA==") */
  uint8_t l1[512], l2[512];
  size_t n1 = make_ltkm(l1, sizeof l1, 0x68c90000), n2 = make_ltkm(l2, sizeof l2, 0x24cb4400);
  bcastdec_msk_response_item it[2];
  memset(it, 0, sizeof it);
  memcpy(it[0].kdid, KDID, 3);
  it[0].msk_id = 0x68c90000;
  it[0].response_code = "200 OK";
  it[0].ltkm = l1;
  it[0].ltkm_len = n1;
  memcpy(it[1].kdid, KDID, 3);
  it[1].msk_id = 0x24cb4400;
  it[1].response_code = "200 OK";
  it[1].ltkm = l2;
  it[1].ltkm_len = n2;
  it[1].has_version = 1;
  it[1].version = 0;
  bcastdec_msk_response_spec s;
  bcastdec_msk_response_spec_init(&s);
  s.items = it;
  s.n_items = 2;

  size_t need = 0, n = 0;
  CHECK_EQ(bcastdec_msk_response_encode(&s, NULL, 0, &need), BCASTDEC_OK);
  char *x = malloc(need + 1);
  CHECK(x != NULL);
  if (x == NULL) return;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, need, &n), BCASTDEC_ERR_SPACE); /* no room for NUL */
  CHECK_EQ(n, need);
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, need + 1, &n), BCASTDEC_OK);
  CHECK_EQ(n, need);
  CHECK_EQ(strlen(x), n);
  CHECK(well_formed(x));
  CHECK(strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mbmsMSKResponse ", 56) == 0);
  /* the namespace URIs exactly (the seed's own example has a leading space) */
  CHECK(strstr(x, " xmlns=\"urn:3GPP:metadata:2005:MBMS:mskResponse\"") != NULL);
  CHECK(strstr(x, " xmlns:bcast=\"urn:oma:xml:bcast:pr:orderqueries:1.0\"") != NULL);
  CHECK(strstr(x, "<MSK>\n      <keyDomainID>uHCd</keyDomainID>\n      <MSKID>aMkAAA==</MSKID>\n"
                  "    </MSK>\n    <ResponseCode>200 OK</ResponseCode>\n    <bcast:LTKM>") != NULL);
  CHECK(strstr(x, "<MSKID>JMtEAA==</MSKID>") != NULL);
  CHECK(strstr(x, "<bcast:LTKM version=\"0\">") != NULL);
  /* the LTKMs come back from their base64, in order, after ResponseCode */
  char b64[1024];
  uint8_t back[512];
  size_t bn = 0;
  const char *at = element_text(x, "bcast:LTKM", b64, sizeof b64);
  CHECK(at != NULL && strstr(x, "</ResponseCode>") < at);
  CHECK_EQ(bcastdec_base64_decode(b64, strlen(b64), back, sizeof back, &bn), BCASTDEC_OK);
  CHECK(bn == n1 && memcmp(back, l1, n1) == 0);
  CHECK(at != NULL && element_text(at, "bcast:LTKM", b64, sizeof b64) != NULL);
  CHECK_EQ(bcastdec_base64_decode(b64, strlen(b64), back, sizeof back, &bn), BCASTDEC_OK);
  CHECK(bn == n2 && memcmp(back, l2, n2) == 0);
  /* and they still decrypt */
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *ss = bcastdec_session_new(ks, NULL);
  bcastdec_mikey_msg *m = run(ss, back, bn, 0);
  CHECK_EQ(m->outcome, BCASTDEC_OUT_DECRYPTED);
  CHECK_EQ(m->sekpek_id, 0x24cb4400);
  bcastdec_mikey_msg_free(m);
  bcastdec_session_free(ss);
  bcastdec_keystore_free(ks);
  free(x);
}

#ifdef BCASTDEC_TEST_HAVE_XML
/* Decodes |text| with the XML decoder; every problem is printed. */
static bcastdec_xml *xml_decode(const char *text) {
  bcastdec_xml *x = NULL;
  CHECK_EQ(bcastdec_xml_decode(&x, (const uint8_t *)text, strlen(text),
                               BCASTDEC_XML_MT_MSK_RESPONSE, NULL),
           BCASTDEC_OK);
  if (x != NULL)
    for (size_t i = 0; i < x->n_findings; i++)
      fprintf(stderr, "    xml finding %s: %s\n", x->findings[i].info->id, x->findings[i].text);
  return x;
}

static int field_is(const bcastdec_xml *x, int i, const void *bytes, size_t n) {
  return i >= 0 && (size_t)i < x->n_fields && x->fields[i].valid && x->fields[i].bytes_len == n &&
         memcmp(x->fields[i].bytes, bytes, n) == 0;
}

TEST(test_msk_response_xml_round_trip) {
  uint8_t l1[512], l2[512];
  size_t n1 = make_ltkm(l1, sizeof l1, 0x68c90000), n2 = make_ltkm(l2, sizeof l2, 0x24cb4400);
  static const char *code2 = "200 OK";
  static const char *code3 = "404 MSK <unknown> & \"gone\" 'x'\r\n\xc3\xa9\xe2\x82\xac";
  bcastdec_msk_response_item it[3];
  memset(it, 0, sizeof it);
  for (int i = 0; i < 3; i++) memcpy(it[i].kdid, KDID, 3);
  it[0].msk_id = 0x68c90000;
  it[0].response_code = "200 OK";
  it[0].ltkm = l1;
  it[0].ltkm_len = n1;
  it[1].msk_id = 0x24cb4400;
  it[1].response_code = code2;
  it[1].ltkm = l2;
  it[1].ltkm_len = n2;
  it[1].has_version = 1;
  it[1].version = 0;
  it[2].msk_id = 0x33333333;
  it[2].response_code = code3;
  bcastdec_msk_response_spec s;
  bcastdec_msk_response_spec_init(&s);
  s.items = it;
  s.n_items = 3;
  char text[8192];
  size_t tn = 0;
  CHECK_EQ(bcastdec_msk_response_encode(&s, text, sizeof text, &tn), BCASTDEC_OK);

  bcastdec_xml *x = xml_decode(text);
  CHECK(x != NULL);
  if (x == NULL) return;
  CHECK_EQ(x->status, BCASTDEC_OK);
  CHECK_EQ(x->kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK_EQ(x->root_kind, BCASTDEC_XML_MSK_RESPONSE);
  CHECK(x->n_elems > 0 && strcmp(x->elems[0].ns, BCASTDEC_NS_MSK_RESPONSE) == 0);
  CHECK_EQ(x->n_responses, 3);
  CHECK_EQ(x->n_ltkms, 2);
  const uint8_t *want[2] = {l1, l2};
  size_t want_len[2] = {n1, n2};
  for (size_t i = 0; i < x->n_ltkms && i < 2; i++) {
    const bcastdec_xml_ltkm *l = &x->ltkms[i];
    CHECK(l->bytes != NULL && l->len == want_len[i] && memcmp(l->bytes, want[i], l->len) == 0);
    CHECK_EQ(l->ns_match, BCASTDEC_XML_NS_EXACT);
    CHECK_EQ(l->response, (int)i);
    CHECK_EQ(l->has_version, i == 1);
    CHECK_EQ(l->version_ok, 1);
    CHECK_EQ(l->version, 0);
  }
  uint8_t id[4];
  for (size_t i = 0; i < x->n_responses && i < 3; i++) {
    const bcastdec_xml_response *r = &x->responses[i];
    be32(id, it[i].msk_id);
    CHECK(field_is(x, r->key_domain_id, KDID, 3));
    CHECK(field_is(x, r->msk_id, id, 4));
    CHECK_EQ(r->success, i < 2);
    CHECK_EQ(r->n_ltkm, i < 2 ? 1u : 0u);
    CHECK(r->response_code >= 0);
    if (r->response_code >= 0) {
      const bcastdec_xml_field *f = &x->fields[r->response_code];
      /* the escaped text comes back as written (no blanks at either end) */
      CHECK(f->value_len == strlen(it[i].response_code) &&
            memcmp(f->value, it[i].response_code, f->value_len) == 0);
    }
  }
  CHECK(bcastdec_xml_max_severity(x) < BCASTDEC_SEV_WARNING);

  /* rules 5 and 7 need the LTKMs decrypted and the HTTP envelope */
  bcastdec_keystore *ks = store();
  add_smk(ks, BTID, SMK32, 32);
  bcastdec_session *ss = bcastdec_session_new(ks, NULL);
  bcastdec_xml_http http;
  memset(&http, 0, sizeof http);
  http.is_response = 1;
  http.status_code = 200;
  http.has_authentication_info = 1;
  http.content_type = BCASTDEC_XML_MT_MSK_RESPONSE;
  CHECK_EQ(bcastdec_xml_process_ltkms(x, ss, NULL, &http), BCASTDEC_OK);
  for (size_t i = 0; i < x->n_ltkms; i++) {
    CHECK_EQ(x->ltkms[i].ids, BCASTDEC_XML_IDS_MATCH);
    CHECK(x->ltkms[i].msg != NULL && x->ltkms[i].msg->outcome == BCASTDEC_OUT_DECRYPTED);
  }
  CHECK(bcastdec_xml_max_severity(x) < BCASTDEC_SEV_WARNING);
  for (size_t i = 0; i < x->n_findings; i++)
    fprintf(stderr, "    xml finding %s: %s\n", x->findings[i].info->id, x->findings[i].text);
  for (size_t i = 0; i < x->n_ltkms; i++)
    for (size_t k = 0; x->ltkms[i].msg != NULL && k < x->ltkms[i].msg->n_findings; k++)
      fprintf(stderr, "    LTKM %zu finding %s: %s\n", i, x->ltkms[i].msg->findings[k].info->id,
              x->ltkms[i].msg->findings[k].text);
  CHECK(bcastdec_keystore_find_sekpek(bcastdec_session_learned(ss), KDID, 0x24cb4400) != NULL);
  bcastdec_xml_free(x);
  bcastdec_session_free(ss);
  bcastdec_keystore_free(ks);
}
#define XML_ROUND_TRIP_CASE TCASE(test_msk_response_xml_round_trip),
#else
#define XML_ROUND_TRIP_CASE /* the XML decoder is not there yet */
#endif /* BCASTDEC_TEST_HAVE_XML */

TEST(test_msk_response_rules_and_escaping) {
  uint8_t l1[512];
  size_t n1 = make_ltkm(l1, sizeof l1, 0x68c90000);
  bcastdec_msk_response_item it[3];
  bcastdec_msk_response_spec s;
  char x[4096];
  size_t n = 0;
  memset(it, 0, sizeof it);
  for (int i = 0; i < 3; i++) {
    memcpy(it[i].kdid, KDID, 3);
    it[i].response_code = "200 OK";
  }
  it[0].msk_id = 0x68c90000;
  it[0].ltkm = l1;
  it[0].ltkm_len = n1;
  it[1].msk_id = 0x11111111;
  it[1].response_code = "404 MSK <unknown> & \"gone\" 'x'\r\n\xc3\xa9\xe2\x82\xac";
  it[2].msk_id = 0x22222222;
  bcastdec_msk_response_spec_init(&s);
  s.items = it;
  s.n_items = 3;
  /* "200 OK" without its LTKM while another carries one */
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  CHECK_EQ(n, 0);
  s.n_items = 2;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  CHECK(well_formed(x));
  CHECK(strstr(x, "<ResponseCode>404 MSK &lt;unknown&gt; &amp; &quot;gone&quot; &apos;x&apos;"
                  "&#13;\n\xc3\xa9\xe2\x82\xac</ResponseCode>") != NULL);
  /* an LTKM in a non-200 Response */
  it[1].ltkm = l1;
  it[1].ltkm_len = n1;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  s.lenient = 1;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  CHECK(well_formed(x));
  s.lenient = 0;
  it[1].ltkm = NULL;
  it[1].ltkm_len = 0;
  /* keyDomainID / MSKID must match the LTKM's Key ID extension */
  it[0].msk_id = 0x68c90001;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[0].msk_id = 0x68c90000;
  it[0].kdid[2] = 0x9e;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  s.keyid_ext_type = 4; /* under another type number the LTKM names no key */
  it[0].kdid[2] = 0x9d;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  s.keyid_ext_type = 3;
  it[0].ltkm_len = n1 - 1; /* a cut LTKM */
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[0].ltkm_len = n1;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  /* text XML cannot carry, even when lenient */
  s.lenient = 1;
  it[1].response_code = "bad \x01 control";
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[1].response_code = "bad \xc3 utf-8";
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[1].response_code = "overlong \xc0\xaf";
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[1].response_code = "surrogate \xed\xa0\x80";
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[1].response_code = "nonchar \xef\xbf\xbe";
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  it[1].response_code = NULL;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  /* no Response at all: lenient writes an empty document, strict refuses */
  s.n_items = 0;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  CHECK(well_formed(x));
  CHECK(strstr(x, "xmlns:bcast") == NULL); /* declared only when used */
  s.lenient = 0;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  /* version up to 255 */
  s.n_items = 1;
  it[0].has_version = 1;
  it[0].version = 255;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  CHECK(strstr(x, "<bcast:LTKM version=\"255\">") != NULL);
  it[0].version = 7;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_OK);
  CHECK(strstr(x, "<bcast:LTKM version=\"7\">") != NULL);
  /* arguments */
  CHECK_EQ(bcastdec_msk_response_encode(&s, NULL, 5, &n), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, NULL), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_msk_response_encode(NULL, x, sizeof x, &n), BCASTDEC_ERR_ARG);
  s.struct_size = 1;
  CHECK_EQ(bcastdec_msk_response_encode(&s, x, sizeof x, &n), BCASTDEC_ERR_ARG);
}

TEST(test_well_formed_checker_rejects) {
  /* the structural check itself must catch what it is there for */
  CHECK(well_formed("<?xml version=\"1.0\"?>\n<a><b x=\"1\"/>t</a>\n"));
  CHECK(!well_formed("<?xml version=\"1.0\"?>\n<a><b></a></b>\n"));
  CHECK(!well_formed("<?xml version=\"1.0\"?>\n<a>x & y</a>\n"));
  CHECK(!well_formed("<?xml version=\"1.0\"?>\n<a>1</a><a>2</a>\n"));
  CHECK(!well_formed("<?xml version=\"1.0\"?>\n<a x=1></a>\n"));
  CHECK(!well_formed("<?xml version=\"1.0\"?>\n<a>\n"));
  CHECK(!well_formed("<a></a>"));
}

RUN_TESTS("encode", TCASE(test_section11_message_byte_for_byte),
          TCASE(test_section11_verification_both_inputs), TCASE(test_matches_independent_generator),
          TCASE(test_ltkm_round_trip_matrix),
          TCASE(test_ltkm_unprotected_and_token_only),
          TCASE(test_ltkm_extra_keyid_entries_and_other_subtype),
          TCASE(test_ltkm_then_stkm_chain), TCASE(test_stkm_srtp_map_prf256_and_rand),
          TCASE(test_verification_verified_by_decoder), TCASE(test_verification_refusals),
          TCASE(test_size_query_and_too_small), TCASE(test_invalid_arguments),
          TCASE(test_msk_response_seed_example), TCASE(test_msk_response_rules_and_escaping),
          XML_ROUND_TRIP_CASE TCASE(test_well_formed_checker_rejects))
