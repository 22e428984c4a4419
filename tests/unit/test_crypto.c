/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the crypto module (bcastdec_crypto_ossl.c, bcastdec_kdf.c).
 *
 * Vectors: RFC 2202 (HMAC-SHA-1), RFC 4231 (HMAC-SHA-256), NIST SP 800-38A
 * F.5.1 (AES-128-CTR), RFC 3711 B.2 (AES-CM keystream), and the check
 * values of mbms-mikey.md section 11 (MIKEY PRF, transport keys, a complete
 * 79-byte PSK message, verification MACs, TS 33.220 KDF).
 */
#include <stdint.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_crypto.h"
#include "bcastdec_crypto_fast.h"
#include "check.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  long n = check_unhex(hex, out, cap);
  if (n < 0) {
    fprintf(stderr, "  bad hex in test: %s\n", hex);
    abort();
  }
  return (size_t)n;
}

static void fill(uint8_t *p, size_t n, uint8_t v) { memset(p, v, n); }

static void seq(uint8_t *p, size_t n, uint8_t first) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(first + i);
}

static bcastdec__iov iov1(const void *p, size_t len) {
  bcastdec__iov v;
  v.p = (const uint8_t *)p;
  v.len = len;
  return v;
}

static void hmac1(const void *key, size_t key_len, const void *msg, size_t msg_len,
                  uint8_t out[20]) {
  bcastdec__iov v = iov1(msg, msg_len);
  bcastdec__hmac_sha1((const uint8_t *)key, key_len, &v, 1, out);
}

static void hmac256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[32]) {
  bcastdec__iov v = iov1(msg, msg_len);
  bcastdec__hmac_sha256((const uint8_t *)key, key_len, &v, 1, out);
}

/* label = constant(4) || cs_id(1) || CSB ID(4) || rand */
static size_t mk_label(uint8_t *label, uint32_t constant, uint8_t cs_id, uint32_t csb_id,
                       const uint8_t *rand, size_t rand_len) {
  label[0] = (uint8_t)(constant >> 24);
  label[1] = (uint8_t)(constant >> 16);
  label[2] = (uint8_t)(constant >> 8);
  label[3] = (uint8_t)constant;
  label[4] = cs_id;
  label[5] = (uint8_t)(csb_id >> 24);
  label[6] = (uint8_t)(csb_id >> 16);
  label[7] = (uint8_t)(csb_id >> 8);
  label[8] = (uint8_t)csb_id;
  if (rand_len > 0) memcpy(label + 9, rand, rand_len);
  return 9 + rand_len;
}

/* mbms-mikey.md section 11 inputs */
#define CSB_ID 0x01020304u
static const uint8_t PSK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t RAND[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

static const char MSG79[] =
    "010005000102030400010b02000000050110a0a1a2a3a4a5a6a7a8a9aaabacad"
    "aeaf00010014240c32e1ca05a659bb56c939386a8cad60952910011a3026d9b9"
    "b59216a4bd66d3bf30058f87ace944";

/* ------------------------------------------------------------------------ */
/* HMAC primitives                                                          */
/* ------------------------------------------------------------------------ */

TEST(test_hmac_sha1_rfc2202) {
  uint8_t key[80], data[80], mac[20];

  /* test case 1 */
  fill(key, 20, 0x0b);
  hmac1(key, 20, "Hi There", 8, mac);
  CHECK_HEX(mac, 20, "b617318655057264e28bc0b6fb378c8ef146be00");
  /* test case 2: key shorter than the output */
  hmac1("Jefe", 4, "what do ya want for nothing?", 28, mac);
  CHECK_HEX(mac, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  /* test case 3 */
  fill(key, 20, 0xaa);
  fill(data, 50, 0xdd);
  hmac1(key, 20, data, 50, mac);
  CHECK_HEX(mac, 20, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  /* test case 4 */
  seq(key, 25, 0x01);
  fill(data, 50, 0xcd);
  hmac1(key, 25, data, 50, mac);
  CHECK_HEX(mac, 20, "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
  /* test case 6: 80-byte key, longer than the 64-byte block */
  fill(key, 80, 0xaa);
  hmac1(key, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
  CHECK_HEX(mac, 20, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  /* test case 7: long key and data longer than a block */
  hmac1(key, 80,
        "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 73, mac);
  CHECK_HEX(mac, 20, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

TEST(test_hmac_sha256_rfc4231) {
  uint8_t key[131], data[50], mac[32];

  /* test case 1 */
  fill(key, 20, 0x0b);
  hmac256(key, 20, "Hi There", 8, mac);
  CHECK_HEX(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  /* test case 2 */
  hmac256("Jefe", 4, "what do ya want for nothing?", 28, mac);
  CHECK_HEX(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  /* test case 3 */
  fill(key, 20, 0xaa);
  fill(data, 50, 0xdd);
  hmac256(key, 20, data, 50, mac);
  CHECK_HEX(mac, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  /* test case 4 */
  seq(key, 25, 0x01);
  fill(data, 50, 0xcd);
  hmac256(key, 25, data, 50, mac);
  CHECK_HEX(mac, 32, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  /* test case 6: 131-byte key */
  fill(key, 131, 0xaa);
  hmac256(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
  CHECK_HEX(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  /* test case 7: long key, long data */
  static const char tc7[] =
      "This is a test using a larger than block-size key and a larger than block-size data. "
      "The key needs to be hashed before being used by the HMAC algorithm.";
  hmac256(key, 131, tc7, sizeof tc7 - 1, mac);
  CHECK_HEX(mac, 32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* The same input as gather lists cut at odd places gives the same MAC. */
TEST(test_hmac_gather_split) {
  uint8_t key[80], msg[200], ref1[20], ref2[32], mac1[20], mac2[32];
  static const size_t cuts[][4] = {{0, 0, 0, 200},  {1, 62, 1, 136}, {63, 1, 64, 72},
                                   {64, 0, 65, 71}, {7, 13, 17, 163}, {199, 1, 0, 0},
                                   {55, 0, 9, 136}};

  seq(key, sizeof key, 0x40);
  seq(msg, sizeof msg, 0x11);
  for (size_t kl = 1; kl <= sizeof key; kl += 39) {
    hmac1(key, kl, msg, sizeof msg, ref1);
    hmac256(key, kl, msg, sizeof msg, ref2);
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
      bcastdec__iov v[4];
      size_t off = 0;
      for (size_t i = 0; i < 4; i++) {
        v[i] = iov1(cuts[c][i] ? msg + off : NULL, cuts[c][i]);
        off += cuts[c][i];
      }
      CHECK_EQ(off, sizeof msg);
      bcastdec__hmac_sha1(key, kl, v, 4, mac1);
      bcastdec__hmac_sha256(key, kl, v, 4, mac2);
      CHECK(memcmp(mac1, ref1, 20) == 0);
      CHECK(memcmp(mac2, ref2, 32) == 0);
      CHECK_EQ(bcastdec__hmac_sha1_verify(key, kl, v, 4, ref1), 1);
    }
  }
  /* no pieces at all = the empty message (RFC 4231 has no such case; the
   * value is HMAC-SHA-1 with key "key" over "") */
  bcastdec__hmac_sha1((const uint8_t *)"key", 3, NULL, 0, mac1);
  CHECK_HEX(mac1, 20, "f42bb0eeb018ebbd4597ae7213711ec60760843f");
}

/* ------------------------------------------------------------------------ */
/* AES-CM-128                                                               */
/* ------------------------------------------------------------------------ */

static const char SP800_KEY[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char SP800_PT[] =
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
static const char SP800_CT[] =
    "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff"
    "5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee";

/* Both AES block implementations (bcastdec__aes_impl): the portable one
 * always, AES-NI where the CPU has it. */
static int aes_impls(const char *names[2]) {
  int n = 0;
  names[n++] = bcastdec__aes_impl(0);
  const char *best = bcastdec__aes_impl(1);
  if (strcmp(best, names[0]) != 0) names[n++] = best;
  return n;
}

static void aes_use(const char *name) { bcastdec__aes_impl(strcmp(name, "portable") == 0 ? 0 : 1); }

TEST(test_aes_ctr_sp800_38a_f51) {
  uint8_t key[16], iv[16], pt[64], ct[64], buf[64];
  const char *impl[2];
  int n_impl = aes_impls(impl);
  bcastdec__crypto *c = bcastdec__crypto_new();

  CHECK(c != NULL);
  unhex(SP800_KEY, key, sizeof key);
  unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, sizeof iv);
  unhex(SP800_PT, pt, sizeof pt);
  unhex(SP800_CT, ct, sizeof ct);

  for (int k = 0; k < n_impl; k++) {
    aes_use(impl[k]);
    /* all four blocks; the counter carries across bytes after block 1 */
    CHECK_EQ(bcastdec__aes_cm128(c, key, iv, pt, buf, 64), BCASTDEC_OK);
    CHECK(memcmp(buf, ct, 64) == 0);
    /* decrypt in place */
    CHECK_EQ(bcastdec__aes_cm128(c, key, iv, buf, buf, 64), BCASTDEC_OK);
    CHECK(memcmp(buf, pt, 64) == 0);
    /* no context; a length that is not a block multiple */
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(bcastdec__aes_cm128(NULL, key, iv, pt, buf, 37), BCASTDEC_OK);
    CHECK(memcmp(buf, ct, 37) == 0);
    CHECK_EQ(buf[37], 0xee);
    /* zero length is a no-op */
    CHECK_EQ(bcastdec__aes_cm128(c, key, iv, pt, buf, 0), BCASTDEC_OK);
    CHECK_EQ(bcastdec__aes_cm128(c, NULL, iv, pt, buf, 16), BCASTDEC_ERR_ARG);
  }
  bcastdec__aes_impl(1);
  bcastdec__crypto_free(c);
  bcastdec__crypto_free(NULL);
}

TEST(test_aes_cm_rfc3711_b2) {
  uint8_t key[16], iv[16], zeros[48] = {0}, ks[48];
  const char *impl[2];
  int n_impl = aes_impls(impl);

  unhex(SP800_KEY, key, sizeof key);
  unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000", iv, sizeof iv);
  for (int k = 0; k < n_impl; k++) {
    aes_use(impl[k]);
    memset(ks, 0, sizeof ks);
    CHECK_EQ(bcastdec__aes_cm128(NULL, key, iv, zeros, ks, sizeof ks), BCASTDEC_OK);
    CHECK_HEX(ks, 48,
              "e03ead0935c95e80e166b16dd92b4eb4 d23513162b02d0f72a43a2fe4a5f97ab"
              "41e95b3bb0a2e8dd477901e4fca894c0");
  }
  bcastdec__aes_impl(1);
}

/* The counter is a 128-bit big-endian number: block 2 of a stream started at
 * ..ff ff ff ff equals block 1 of a stream started at the carried value, and
 * the implementations agree on random keys and lengths. */
TEST(test_aes_cm_counter_carry_and_impls_agree) {
  uint8_t key[16], iv[16], iv2[16], zeros[80] = {0}, a[80], b[80];
  const char *impl[2];
  int n_impl = aes_impls(impl);
  uint32_t x = 0x2545f491u;

  for (int round = 0; round < 64; round++) {
    size_t len = 1 + (size_t)(round * 7 % 80);
    for (size_t i = 0; i < 16; i++) {
      x = x * 1664525u + 1013904223u;
      key[i] = (uint8_t)(x >> 24);
      x = x * 1664525u + 1013904223u;
      iv[i] = (uint8_t)(x >> 24);
    }
    if (round % 2 == 0) memset(iv + 16 - 1 - round % 15, 0xff, 1 + (size_t)(round % 15));
    aes_use(impl[0]);
    CHECK_EQ(bcastdec__aes_cm128(NULL, key, iv, zeros, a, len), BCASTDEC_OK);
    aes_use(impl[n_impl - 1]);
    CHECK_EQ(bcastdec__aes_cm128(NULL, key, iv, zeros, b, len), BCASTDEC_OK);
    CHECK(memcmp(a, b, len) == 0);
    if (len > 16) {
      /* iv2 = iv + 1 */
      memcpy(iv2, iv, 16);
      for (size_t i = 16; i-- > 0;)
        if (++iv2[i] != 0) break;
      CHECK_EQ(bcastdec__aes_cm128(NULL, key, iv2, zeros, b, len - 16), BCASTDEC_OK);
      CHECK(memcmp(a + 16, b, len - 16) == 0);
    }
  }
  bcastdec__aes_impl(1);
}

/* ------------------------------------------------------------------------ */
/* MIKEY PRF (mbms-mikey.md section 11)                                     */
/* ------------------------------------------------------------------------ */

TEST(test_prf_psk_with_rand) {
  uint8_t label[64], out[20];
  size_t ll;

  ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, CSB_ID, RAND, 16);
  CHECK_HEX(label, ll, "150533e1ff01020304a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 16), BCASTDEC_OK);
  CHECK_HEX(out, 16, "c7d5ea38a8bb7fcc0ce4bde369385e6e");

  ll = mk_label(label, BCASTDEC__LABEL_AUTH, 0xFF, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 20), BCASTDEC_OK);
  CHECK_HEX(out, 20, "e9aafa56336576d4ad0344de632877bcbc241789");

  ll = mk_label(label, BCASTDEC__LABEL_SALT, 0xFF, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 14), BCASTDEC_OK);
  CHECK_HEX(out, 14, "8592a87f26e9f20a6a2602a2c80f");
}

TEST(test_prf_psk_without_rand) {
  uint8_t label[16], out[20];
  size_t ll;

  ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, CSB_ID, NULL, 0);
  CHECK_HEX(label, ll, "150533e1ff01020304");
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 16), BCASTDEC_OK);
  CHECK_HEX(out, 16, "2f17c76552f3c2dd7fc2820f662a469d");

  ll = mk_label(label, BCASTDEC__LABEL_AUTH, 0xFF, CSB_ID, NULL, 0);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 20), BCASTDEC_OK);
  CHECK_HEX(out, 20, "8830a41b1ff31678f3fbba4fb6abdfb7d4670ad0");

  ll = mk_label(label, BCASTDEC__LABEL_SALT, 0xFF, CSB_ID, NULL, 0);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 16, label, ll, out, 14), BCASTDEC_OK);
  CHECK_HEX(out, 14, "7ddab10015de8bcfed13691340f6");
}

/* RFC 3830 4.1.3: keys from a TGK, cs_id 0, constants TEK 0x2AD01C64,
 * salt 0x39A2C14B, encr 0x15798CEF, auth 0x1B5C7973. */
TEST(test_prf_tgk_cs0) {
  uint8_t tgk[16], label[64], out[20];
  size_t ll;

  seq(tgk, sizeof tgk, 0x10);
  ll = mk_label(label, 0x2AD01C64u, 0, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, tgk, 16, label, ll, out, 16), BCASTDEC_OK);
  CHECK_HEX(out, 16, "b3c5763fd328909ad0ee626dcf36bf71");

  ll = mk_label(label, 0x39A2C14Bu, 0, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, tgk, 16, label, ll, out, 14), BCASTDEC_OK);
  CHECK_HEX(out, 14, "16d282c5440268b17c3f35e1e9e1");

  ll = mk_label(label, 0x15798CEFu, 0, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, tgk, 16, label, ll, out, 16), BCASTDEC_OK);
  CHECK_HEX(out, 16, "604fb811613193d689d4a56feddadac9");

  ll = mk_label(label, 0x1B5C7973u, 0, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, tgk, 16, label, ll, out, 20), BCASTDEC_OK);
  CHECK_HEX(out, 20, "1f553a574fb596858a4af2ee9943736a8a962df1");
}

TEST(test_prf_two_pieces_40_byte_key) {
  uint8_t inkey[40], label[64], out[16];
  size_t ll;

  seq(inkey, sizeof inkey, 0x00);
  ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, inkey, 40, label, ll, out, 16),
           BCASTDEC_OK);
  CHECK_HEX(out, 16, "0030cfb41b3ec1f1f547e2e84e386166");
}

TEST(test_prf_hmac_sha256) {
  uint8_t label[64], out[16];
  size_t ll;

  ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, CSB_ID, RAND, 16);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_HMAC_SHA256, PSK, 16, label, ll, out, 16),
           BCASTDEC_OK);
  CHECK_HEX(out, 16, "c4e9dc3d83a034289341330210c642d0");
}

/* P(s, label, m) written out with plain HMAC calls (RFC 3830 4.1.2). */
static void explicit_p_sha1(const uint8_t *s, size_t s_len, const uint8_t *label,
                            size_t label_len, uint8_t *out, size_t m) {
  uint8_t a[20], tmp[20];
  bcastdec__iov v[2];

  hmac1(s, s_len, label, label_len, a); /* A_1 */
  for (size_t i = 0; i < m; i++) {
    if (i > 0) {
      hmac1(s, s_len, a, 20, tmp);
      memcpy(a, tmp, 20);
    }
    v[0] = iov1(a, 20);
    v[1] = iov1(label, label_len);
    bcastdec__hmac_sha1(s, s_len, v, 2, out + 20 * i);
  }
}

/* A 32-byte inkey (a GBA MUK) is ONE piece: no second, empty piece. */
TEST(test_prf_32_byte_key_is_one_piece) {
  uint8_t key[32], label[64], out[50], want[60], buggy[60], empty_piece[60];
  size_t ll;

  seq(key, sizeof key, 0x00);
  ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, CSB_ID, RAND, 16);

  /* m = 1 */
  explicit_p_sha1(key, 32, label, ll, want, 1);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, key, 32, label, ll, out, 16), BCASTDEC_OK);
  CHECK(memcmp(out, want, 16) == 0);
  CHECK_HEX(out, 16, "fc61f199821acb262bfe0c6aeaff9c8e");

  /* m = 3 (50 bytes): A_2, A_3 chained */
  explicit_p_sha1(key, 32, label, ll, want, 3);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, key, 32, label, ll, out, 50), BCASTDEC_OK);
  CHECK(memcmp(out, want, 50) == 0);

  /* what a zero-length last piece would give -- must differ */
  explicit_p_sha1(key, 0, label, ll, empty_piece, 3);
  for (size_t i = 0; i < 60; i++) buggy[i] = (uint8_t)(want[i] ^ empty_piece[i]);
  CHECK(memcmp(out, buggy, 50) != 0);
}

/* Two pieces (32 + 8 bytes) and a multi-block output, written out. */
TEST(test_prf_pieces_xor_explicit) {
  uint8_t key[40], label[64], out[45], p1[60], p2[60];
  size_t ll;

  seq(key, sizeof key, 0x00);
  ll = mk_label(label, BCASTDEC__LABEL_AUTH, 0xFF, CSB_ID, NULL, 0);
  explicit_p_sha1(key, 32, label, ll, p1, 3);
  explicit_p_sha1(key + 32, 8, label, ll, p2, 3);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, key, 40, label, ll, out, 45), BCASTDEC_OK);
  for (size_t i = 0; i < 45; i++) CHECK_EQ(out[i], p1[i] ^ p2[i]);

  /* PRF-HMAC-SHA-256 with a 64-byte key (two full pieces), 70 bytes (m = 3) */
  {
    uint8_t k64[64], o[70];
    seq(k64, sizeof k64, 0x00);
    CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_HMAC_SHA256, k64, 64, (const uint8_t *)"label", 5,
                                 o, 70),
             BCASTDEC_OK);
    CHECK_HEX(o, 70,
              "18e8228396c515748e851c6d5f00d4e7bc23aedfb072b4e24962ad978d99f19a"
              "b38813cdb80a198fbc05de6ec87fdc9024fab67ccc7afb844ee556354d8b9a81"
              "2c93c4cc5670");
  }
}

TEST(test_prf_unsupported_and_args) {
  uint8_t label[9] = {0}, out[16];
  bcastdec__tkeys tk;

  CHECK_EQ(bcastdec__mikey_prf(2, PSK, 16, label, 9, out, 16), BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(bcastdec__mikey_prf(127, PSK, 16, label, 9, out, 16), BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(bcastdec__derive_transport(2, PSK, 16, CSB_ID, RAND, 16, 1, &tk),
           BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, PSK, 0, label, 9, out, 16),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__mikey_prf(BCASTDEC_PRF_MIKEY_1, NULL, 16, label, 9, out, 16),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 0, CSB_ID, NULL, 0, 1, &tk),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, NULL, 4, 1, &tk),
           BCASTDEC_ERR_ARG);
}

/* ------------------------------------------------------------------------ */
/* Transport keys, IV, complete message                                     */
/* ------------------------------------------------------------------------ */

TEST(test_derive_transport_section11) {
  bcastdec__tkeys tk;

  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, RAND, 16, 1, &tk),
           BCASTDEC_OK);
  CHECK_HEX(tk.encr, 16, "c7d5ea38a8bb7fcc0ce4bde369385e6e");
  CHECK_HEX(tk.auth, 20, "e9aafa56336576d4ad0344de632877bcbc241789");
  CHECK_HEX(tk.salt, 14, "8592a87f26e9f20a6a2602a2c80f");

  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, NULL, 0, 1, &tk),
           BCASTDEC_OK);
  CHECK_HEX(tk.encr, 16, "2f17c76552f3c2dd7fc2820f662a469d");
  CHECK_HEX(tk.auth, 20, "8830a41b1ff31678f3fbba4fb6abdfb7d4670ad0");
  CHECK_HEX(tk.salt, 14, "7ddab10015de8bcfed13691340f6");

  /* auth only (verification messages) */
  memset(&tk, 0x5a, sizeof tk);
  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, RAND, 16, 0, &tk),
           BCASTDEC_OK);
  CHECK_HEX(tk.auth, 20, "e9aafa56336576d4ad0344de632877bcbc241789");
  CHECK_HEX(tk.encr, 16, "00000000000000000000000000000000");
  CHECK_HEX(tk.salt, 14, "0000000000000000000000000000");

  /* PRF-HMAC-SHA-256 encr key = the section 11 PRF-HMAC-SHA-256 row */
  CHECK_EQ(
      bcastdec__derive_transport(BCASTDEC_PRF_HMAC_SHA256, PSK, 16, CSB_ID, RAND, 16, 1, &tk),
      BCASTDEC_OK);
  CHECK_HEX(tk.encr, 16, "c4e9dc3d83a034289341330210c642d0");
}

/* derive_transport agrees with mikey_prf for multi-piece PSKs too. */
TEST(test_derive_transport_matches_prf) {
  uint8_t psk[64], label[64], want[20];
  bcastdec__tkeys tk;
  static const size_t lens[] = {1, 16, 31, 32, 33, 40, 64};

  seq(psk, sizeof psk, 0x80);
  for (unsigned prf = 0; prf < 2; prf++) {
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      size_t ll;
      CHECK_EQ(bcastdec__derive_transport(prf, psk, lens[i], 0xA1B2C3D4u, RAND, 16, 1, &tk),
               BCASTDEC_OK);
      ll = mk_label(label, BCASTDEC__LABEL_ENCR, 0xFF, 0xA1B2C3D4u, RAND, 16);
      CHECK_EQ(bcastdec__mikey_prf(prf, psk, lens[i], label, ll, want, 16), BCASTDEC_OK);
      CHECK(memcmp(tk.encr, want, 16) == 0);
      ll = mk_label(label, BCASTDEC__LABEL_AUTH, 0xFF, 0xA1B2C3D4u, RAND, 16);
      CHECK_EQ(bcastdec__mikey_prf(prf, psk, lens[i], label, ll, want, 20), BCASTDEC_OK);
      CHECK(memcmp(tk.auth, want, 20) == 0);
      ll = mk_label(label, BCASTDEC__LABEL_SALT, 0xFF, 0xA1B2C3D4u, RAND, 16);
      CHECK_EQ(bcastdec__mikey_prf(prf, psk, lens[i], label, ll, want, 14), BCASTDEC_OK);
      CHECK(memcmp(tk.salt, want, 14) == 0);
    }
  }
}

/* The session's cached form (pad states per PSK) derives the same keys as
 * derive_transport, for PSKs of one PRF piece; longer ones are refused. */
TEST(test_derive_transport_pads_matches) {
  uint8_t psk[64];
  bcastdec__hmac_pads k;
  bcastdec__tkeys a, b;
  static const size_t lens[] = {1, 16, 31, 32};

  CHECK_EQ(bcastdec__prf_pads_init(BCASTDEC_PRF_MIKEY_1, PSK, 16, &k), BCASTDEC_OK);
  CHECK_EQ(bcastdec__derive_transport_pads(&k, CSB_ID, RAND, 16, 1, &a), BCASTDEC_OK);
  CHECK_HEX(a.encr, 16, "c7d5ea38a8bb7fcc0ce4bde369385e6e");
  CHECK_HEX(a.auth, 20, "e9aafa56336576d4ad0344de632877bcbc241789");
  CHECK_HEX(a.salt, 14, "8592a87f26e9f20a6a2602a2c80f");
  seq(psk, sizeof psk, 0x31);
  for (unsigned prf = 0; prf < 2; prf++) {
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      CHECK_EQ(bcastdec__prf_pads_init(prf, psk, lens[i], &k), BCASTDEC_OK);
      for (int encr = 0; encr < 2; encr++) {
        CHECK_EQ(bcastdec__derive_transport(prf, psk, lens[i], 0x0BADCAFEu, RAND, 16, encr, &a),
                 BCASTDEC_OK);
        CHECK_EQ(bcastdec__derive_transport_pads(&k, 0x0BADCAFEu, RAND, 16, encr, &b),
                 BCASTDEC_OK);
        CHECK(memcmp(&a, &b, sizeof a) == 0);
      }
      /* no RAND (STKMs) */
      CHECK_EQ(bcastdec__derive_transport(prf, psk, lens[i], 7, NULL, 0, 1, &a), BCASTDEC_OK);
      CHECK_EQ(bcastdec__derive_transport_pads(&k, 7, NULL, 0, 1, &b), BCASTDEC_OK);
      CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
  }
  CHECK_EQ(bcastdec__prf_pads_init(BCASTDEC_PRF_MIKEY_1, psk, 33, &k), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__prf_pads_init(BCASTDEC_PRF_MIKEY_1, psk, 0, &k), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__prf_pads_init(2, psk, 16, &k), BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(bcastdec__derive_transport_pads(&k, 7, NULL, 4, 1, &b), BCASTDEC_ERR_ARG);
  bcastdec_memzero(&k, sizeof k);
}

TEST(test_kemac_iv) {
  uint8_t salt[14], iv[16];

  unhex("8592a87f26e9f20a6a2602a2c80f", salt, sizeof salt);
  bcastdec__kemac_iv(salt, CSB_ID, 5, iv);
  CHECK_HEX(iv, 16, "8592a97d25edf20a6a2602a2c80a0000");
  /* all 64 bits of T are used */
  memset(salt, 0, sizeof salt);
  bcastdec__kemac_iv(salt, 0xDEADBEEFu, 0x0102030405060708ull, iv);
  CHECK_HEX(iv, 16, "0000deadbeef01020304050607080000");
}

/* The complete 79-byte PSK message of section 11. */
TEST(test_message_79_bytes) {
  uint8_t msg[79], iv[16], plain[20], ct[20];
  bcastdec__tkeys tk;
  bcastdec__crypto *c = bcastdec__crypto_new();
  bcastdec__iov v;

  CHECK(c != NULL);
  CHECK_EQ(unhex(MSG79, msg, sizeof msg), 79);
  /* HDR 0..9, T 10..15, RAND 16..33 (RAND bytes at 18), KEMAC 34..78:
   * next(1) encr alg(1)=1 len(2)=20 data(20) at 38, mac alg(1)=1 at 58, MAC(20) at 59 */
  CHECK_EQ(msg[35], BCASTDEC_ENCR_AES_CM_128);
  CHECK_EQ(msg[36] << 8 | msg[37], 20);
  CHECK_EQ(msg[58], BCASTDEC_MAC_HMAC_SHA1_160);

  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, msg + 18, 16, 1,
                                      &tk),
           BCASTDEC_OK);
  bcastdec__kemac_iv(tk.salt, CSB_ID, 5, iv);
  CHECK_HEX(iv, 16, "8592a97d25edf20a6a2602a2c80a0000");

  /* MAC over HDR byte 0 .. MAC-alg byte */
  v = iov1(msg, 59);
  CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, &v, 1, msg + 59), 1);
  {
    uint8_t mac[20];
    bcastdec__hmac_sha1(tk.auth, 20, &v, 1, mac);
    CHECK_HEX(mac, 20, "1a3026d9b9b59216a4bd66d3bf30058f87ace944");
  }

  CHECK_EQ(bcastdec__aes_cm128(c, tk.encr, iv, msg + 38, plain, 20), BCASTDEC_OK);
  CHECK_HEX(plain, 20, "0020001000112233445566778899aabbccddeeff");
  CHECK_EQ(bcastdec__aes_cm128(c, tk.encr, iv, plain, ct, 20), BCASTDEC_OK);
  CHECK_HEX(ct, 20, "240c32e1ca05a659bb56c939386a8cad60952910");

  /* the same MAC with the message gathered in payload-sized pieces */
  {
    bcastdec__iov g[5] = {iov1(msg, 10), iov1(msg + 10, 6), iov1(msg + 16, 18),
                          iov1(msg + 34, 25), iov1(NULL, 0)};
    CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, g, 5, msg + 59), 1);
  }
  bcastdec__crypto_free(c);
}

/* A one-bit change anywhere in the MAC or in the MACed bytes fails. */
TEST(test_verify_rejects_bit_flip) {
  uint8_t msg[79], mac[20];
  bcastdec__tkeys tk;
  bcastdec__iov v;

  unhex(MSG79, msg, sizeof msg);
  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, RAND, 16, 0, &tk),
           BCASTDEC_OK);
  v = iov1(msg, 59);
  memcpy(mac, msg + 59, 20);
  for (size_t bit = 0; bit < 160; bit++) {
    mac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, &v, 1, mac), 0);
    mac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, &v, 1, mac), 1);
  for (size_t i = 0; i < 59; i += 7) {
    msg[i] ^= 0x01;
    CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, &v, 1, mac), 0);
    msg[i] ^= 0x01;
  }
  /* wrong key */
  tk.auth[19] ^= 0x80;
  CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, &v, 1, mac), 0);
  bcastdec_memzero(&tk, sizeof tk);
}

/* Verification message: both MAC input candidates of section 11. */
TEST(test_verification_mac_candidates) {
  uint8_t vmsg[18], t8[8] = {0, 0, 0, 0, 0, 0, 0, 5}, mac[20];
  bcastdec__tkeys tk;
  bcastdec__iov v[2];

  CHECK_EQ(unhex("010105000102030400010902000000050001", vmsg, sizeof vmsg), 18);
  CHECK_EQ(bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, PSK, 16, CSB_ID, RAND, 16, 0, &tk),
           BCASTDEC_OK);
  v[0] = iov1(vmsg, sizeof vmsg);

  /* message || T as 8 bytes */
  v[1] = iov1(t8, 8);
  bcastdec__hmac_sha1(tk.auth, 20, v, 2, mac);
  CHECK_HEX(mac, 20, "d58e0a7518d430a526f3e937c54f2703aeecd4b3");
  CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, v, 2, mac), 1);

  /* message || T as the 4 raw COUNTER bytes (no IDs) */
  v[1] = iov1(t8 + 4, 4);
  bcastdec__hmac_sha1(tk.auth, 20, v, 2, mac);
  CHECK_HEX(mac, 20, "f876ae20ab896cfaa03902ad3ead2e42e6b42dd4");
  CHECK_EQ(bcastdec__hmac_sha1_verify(tk.auth, 20, v, 2, mac), 1);
  bcastdec_memzero(&tk, sizeof tk);
}

/* ------------------------------------------------------------------------ */
/* TS 33.220 KDF and GBA                                                    */
/* ------------------------------------------------------------------------ */

static const char IMPI[] = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
static const char KS_EXT_NAF[] =
    "ecfa2226e7bef439693a479848a60b73c053632c1725dd8c08246bbf6cc9abee";
static const char KS_INT_NAF[] =
    "fcd19d262b4a7cd1f6ad01be4912ab5970b55e8cc881c8c0d00a22e7aa86042a";

TEST(test_kdf_33220_s_string) {
  uint8_t ks[32], s[200], out[32], naf_id[21];
  size_t sl;
  bcastdec__iov p[4];

  seq(ks, sizeof ks, 0x00); /* CK = 00..0f, IK = 10..1f */
  sl = unhex("016762612d6d650006a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0010303031303130313233343536373839"
             "40696d732e6d6e633030312e6d63633030312e336770706e6574776f726b2e6f72670031"
             "626d73632e6578616d706c652e636f6d01000000010015",
             s, sizeof s);
  /* HMAC-SHA-256(Ks, S) directly */
  hmac256(ks, 32, s, sl, out);
  CHECK_HEX(out, 32, KS_EXT_NAF);

  /* the same S built by the KDF from its parameters */
  memcpy(naf_id, "bmsc.example.com", 16);
  memcpy(naf_id + 16, "\x01\x00\x00\x00\x01", 5);
  p[0] = iov1("gba-me", 6);
  p[1] = iov1(RAND, 16);
  p[2] = iov1(IMPI, sizeof IMPI - 1);
  p[3] = iov1(naf_id, sizeof naf_id);
  CHECK_EQ(bcastdec__kdf_33220(ks, 32, 0x01, p, 4, out), BCASTDEC_OK);
  CHECK_HEX(out, 32, KS_EXT_NAF);
  p[0] = iov1("gba-u", 5);
  CHECK_EQ(bcastdec__kdf_33220(ks, 32, 0x01, p, 4, out), BCASTDEC_OK);
  CHECK_HEX(out, 32, KS_INT_NAF);

  /* argument checks */
  CHECK_EQ(bcastdec__kdf_33220(ks, 0, 0x01, p, 4, out), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec__kdf_33220(ks, 32, 0x01, NULL, 4, out), BCASTDEC_ERR_ARG);
  p[1] = iov1(NULL, 16);
  CHECK_EQ(bcastdec__kdf_33220(ks, 32, 0x01, p, 4, out), BCASTDEC_ERR_ARG);
}

TEST(test_gba_derive) {
  uint8_t ks[32], ext[32], in[32];

  seq(ks, sizeof ks, 0x00);
  CHECK_EQ(bcastdec_gba_derive(ks, 32, RAND, 16, IMPI, "bmsc.example.com", ext, in),
           BCASTDEC_OK);
  CHECK_HEX(ext, 32, KS_EXT_NAF);
  CHECK_HEX(in, 32, KS_INT_NAF);

  CHECK_EQ(bcastdec_gba_derive(NULL, 32, RAND, 16, IMPI, "bmsc.example.com", ext, in),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_gba_derive(ks, 32, RAND, 16, NULL, "bmsc.example.com", ext, in),
           BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_gba_derive(ks, 32, RAND, 16, IMPI, "", ext, in), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_gba_derive(ks, 32, RAND, 16, IMPI, "bmsc.example.com", NULL, in),
           BCASTDEC_ERR_ARG);
  bcastdec_memzero(ext, sizeof ext);
  bcastdec_memzero(in, sizeof in);
}

/* ------------------------------------------------------------------------ */
/* Public helpers                                                           */
/* ------------------------------------------------------------------------ */

TEST(test_ct_equal_and_memzero) {
  uint8_t a[33], b[33];

  seq(a, sizeof a, 1);
  memcpy(b, a, sizeof b);
  CHECK_EQ(bcastdec_ct_equal(a, b, sizeof a), 1);
  b[32] ^= 0x01;
  CHECK_EQ(bcastdec_ct_equal(a, b, sizeof a), 0);
  CHECK_EQ(bcastdec_ct_equal(a, b, 32), 1);
  CHECK_EQ(bcastdec_ct_equal(a, b, 0), 1);

  bcastdec_memzero(a, sizeof a);
  for (size_t i = 0; i < sizeof a; i++) CHECK_EQ(a[i], 0);
  bcastdec_memzero(NULL, 5);
  bcastdec_memzero(b, 0);
  CHECK_EQ(b[0], 1);
}

RUN_TESTS("crypto", TCASE(test_hmac_sha1_rfc2202), TCASE(test_hmac_sha256_rfc4231),
          TCASE(test_hmac_gather_split), TCASE(test_aes_ctr_sp800_38a_f51),
          TCASE(test_aes_cm_rfc3711_b2), TCASE(test_aes_cm_counter_carry_and_impls_agree), TCASE(test_prf_psk_with_rand),
          TCASE(test_prf_psk_without_rand), TCASE(test_prf_tgk_cs0),
          TCASE(test_prf_two_pieces_40_byte_key), TCASE(test_prf_hmac_sha256),
          TCASE(test_prf_32_byte_key_is_one_piece), TCASE(test_prf_pieces_xor_explicit),
          TCASE(test_prf_unsupported_and_args), TCASE(test_derive_transport_section11),
          TCASE(test_derive_transport_matches_prf), TCASE(test_derive_transport_pads_matches),
          TCASE(test_kemac_iv),
          TCASE(test_message_79_bytes), TCASE(test_verify_rejects_bit_flip),
          TCASE(test_verification_mac_candidates), TCASE(test_kdf_33220_s_string),
          TCASE(test_gba_derive), TCASE(test_ct_equal_and_memzero))
