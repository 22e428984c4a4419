/* SPDX-License-Identifier: MIT */
/*
 * Key derivation on top of the crypto backend (no OpenSSL here):
 *
 *  - MIKEY PRF, RFC 3830 4.1.2 (PRF func 0, MIKEY-1, HMAC-SHA-1 P-function)
 *    and RFC 6043 (PRF func 1, PRF-HMAC-SHA-256, same construction);
 *  - the KEMAC transport keys of PSK mode, RFC 3830 4.1.4 (cs_id 0xFF);
 *  - the AES-CM-128 IV of the KEMAC, RFC 3830 4.2.3;
 *  - the generic KDF of 3GPP TS 33.220 Annex B and the GBA NAF keys of
 *    TS 33.220 B.3 (NAF_Id of MBMS: TS 33.220 H.3).
 *
 * Every stack buffer that holds key material (pad states, A_i values, PRF
 * blocks) is wiped under the single out: label of its function.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_crypto.h"
#include "bcastdec_crypto_fast.h"

/* RFC 3830 4.1.2: inkey is cut into n = ceil(bits / 256) pieces of 256 bits,
 * the last one possibly shorter -- never empty: a 32-byte key is one piece. */
#define PRF_PIECE_LEN BCASTDEC__PRF_PIECE_LEN

#define LABEL_HEAD_LEN 9 /* constant(4) || cs_id(1) || csb_id(4) */
#define TRANSPORT_CS_ID 0xFF

#define KDF_MAX_PARAMS 8

/* The hash of a MIKEY PRF func, or -1 when the PRF is not known. */
static int prf_hash(unsigned prf) {
  switch (prf) {
  case BCASTDEC_PRF_MIKEY_1: return (int)BCASTDEC__HASH_SHA1;
  case BCASTDEC_PRF_HMAC_SHA256: return (int)BCASTDEC__HASH_SHA256;
  default: return -1;
  }
}

/* Scratch of a PRF computation: everything in it is key material, wiped
 * once when the computation ends. */
typedef struct prf_work {
  bcastdec__hmac_work w;
  uint8_t a[BCASTDEC__HMAC_MAX_LEN];
  uint8_t blk[BCASTDEC__HMAC_MAX_LEN];
} prf_work;

typedef struct prf_scratch {
  bcastdec__hmac_pads k;
  prf_work p;
} prf_scratch;

/*
 * XORs P(s, label, m) of RFC 3830 4.1.2 into out[0, out_len), s being the
 * key piece prepared in x->k:
 *   A_0 = label, A_i = HMAC(s, A_{i-1}),
 *   P = HMAC(s, A_1 || label) || HMAC(s, A_2 || label) || ...
 * with m = ceil(out_len / hash_len) blocks.  The label is given in two
 * pieces (either may be empty) so callers need not copy the RAND.
 */
static void prf_p_xor(const bcastdec__hmac_pads *k, prf_work *x, const bcastdec__iov label[2],
                      uint8_t *out, size_t out_len) {
  const size_t h = k->out_len;
  bcastdec__iov in[3];

  bcastdec__hmac_pads_mac(k, label, 2, x->a, &x->w); /* A_1 */
  for (size_t off = 0; off < out_len; off += h) {
    if (off > 0) { /* A_i = HMAC(s, A_{i-1}) */
      in[0].p = x->a;
      in[0].len = h;
      bcastdec__hmac_pads_mac(k, in, 1, x->a, &x->w);
    }
    in[0].p = x->a;
    in[0].len = h;
    in[1] = label[0];
    in[2] = label[1];
    bcastdec__hmac_pads_mac(k, in, 3, x->blk, &x->w);
    size_t n = out_len - off < h ? out_len - off : h;
    for (size_t i = 0; i < n; i++) out[off + i] ^= x->blk[i];
  }
}

bcastdec_status bcastdec__mikey_prf(unsigned prf, const uint8_t *inkey, size_t inkey_len,
                                    const uint8_t *label, size_t label_len, uint8_t *out,
                                    size_t out_len) {
  bcastdec_status st = BCASTDEC_OK;
  prf_scratch x;
  bcastdec__iov lab[2];
  int hash = prf_hash(prf);

  if (hash < 0) {
    st = BCASTDEC_ERR_UNSUPPORTED;
    goto out;
  }
  if (inkey == NULL || inkey_len == 0 || (label == NULL && label_len > 0) ||
      (out == NULL && out_len > 0)) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  if (out_len == 0) goto out;

  lab[0].p = label;
  lab[0].len = label_len;
  lab[1].p = NULL;
  lab[1].len = 0;
  memset(out, 0, out_len);
  /* PRF(inkey, label) = P(s_1, label, m) XOR ... XOR P(s_n, label, m) */
  for (size_t off = 0; off < inkey_len; off += PRF_PIECE_LEN) {
    size_t piece = inkey_len - off < PRF_PIECE_LEN ? inkey_len - off : PRF_PIECE_LEN;
    st = bcastdec__hmac_pads_init(&x.k, (unsigned)hash, inkey + off, piece, &x.p.w);
    if (st != BCASTDEC_OK) {
      bcastdec_memzero(out, out_len);
      goto out;
    }
    prf_p_xor(&x.k, &x.p, lab, out, out_len);
  }

out:
  bcastdec_memzero(&x, sizeof x);
  return st;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* The three labels of RFC 3830 4.1.4 (constant || 0xFF || CSB ID). */
static void transport_heads(uint32_t csb_id, uint8_t head[3][LABEL_HEAD_LEN]) {
  static const uint32_t constants[3] = {BCASTDEC__LABEL_AUTH, BCASTDEC__LABEL_ENCR,
                                        BCASTDEC__LABEL_SALT};
  for (size_t i = 0; i < 3; i++) {
    put_be32(head[i], constants[i]);
    head[i][4] = TRANSPORT_CS_ID;
    put_be32(head[i] + 5, csb_id);
  }
}

/* XORs the P outputs of one PSK piece (pads |k|) into the transport keys:
 * auth only, or all three with |want_encr|. */
static void transport_piece(const bcastdec__hmac_pads *k, prf_work *x,
                            const uint8_t head[3][LABEL_HEAD_LEN], const uint8_t *rand,
                            size_t rand_len, int want_encr, bcastdec__tkeys *out) {
  bcastdec__iov lab[2];
  uint8_t *dst[3];
  size_t len[3];
  size_t n_keys = want_encr ? 3 : 1;

  dst[0] = out->auth;
  len[0] = sizeof out->auth;
  dst[1] = out->encr;
  len[1] = sizeof out->encr;
  dst[2] = out->salt;
  len[2] = sizeof out->salt;
  lab[1].p = rand;
  lab[1].len = rand_len;
  for (size_t i = 0; i < n_keys; i++) {
    lab[0].p = head[i];
    lab[0].len = LABEL_HEAD_LEN;
    prf_p_xor(k, x, lab, dst[i], len[i]);
  }
}

/*
 * RFC 3830 4.1.4: encr_key, auth_key and salt_key of the KEMAC are
 * PRF(PSK, constant || 0xFF || CSB ID || RAND) with the three constants.
 * Each PSK piece's pad states are computed once and serve all three keys.
 */
bcastdec_status bcastdec__derive_transport(unsigned prf, const uint8_t *psk, size_t psk_len,
                                           uint32_t csb_id, const uint8_t *rand,
                                           size_t rand_len, int want_encr,
                                           bcastdec__tkeys *out) {
  bcastdec_status st = BCASTDEC_OK;
  prf_scratch x;
  uint8_t head[3][LABEL_HEAD_LEN];
  int hash = prf_hash(prf);

  if (out == NULL) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  memset(out, 0, sizeof *out);
  if (hash < 0) {
    st = BCASTDEC_ERR_UNSUPPORTED;
    goto out;
  }
  if (psk == NULL || psk_len == 0 || (rand == NULL && rand_len > 0)) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }

  transport_heads(csb_id, head);
  for (size_t off = 0; off < psk_len; off += PRF_PIECE_LEN) {
    size_t piece = psk_len - off < PRF_PIECE_LEN ? psk_len - off : PRF_PIECE_LEN;
    st = bcastdec__hmac_pads_init(&x.k, (unsigned)hash, psk + off, piece, &x.p.w);
    if (st != BCASTDEC_OK) {
      bcastdec_memzero(out, sizeof *out);
      goto out;
    }
    transport_piece(&x.k, &x.p, (const uint8_t(*)[LABEL_HEAD_LEN])head, rand, rand_len,
                    want_encr, out);
  }

out:
  bcastdec_memzero(&x, sizeof x);
  return st;
}

bcastdec_status bcastdec__prf_pads_init(unsigned prf, const uint8_t *psk, size_t psk_len,
                                        bcastdec__hmac_pads *k) {
  bcastdec__hmac_work w;
  bcastdec_status st;
  int hash = prf_hash(prf);

  if (k == NULL) return BCASTDEC_ERR_ARG;
  if (hash < 0) return BCASTDEC_ERR_UNSUPPORTED;
  if (psk == NULL || psk_len == 0 || psk_len > BCASTDEC__PRF_PIECE_LEN) return BCASTDEC_ERR_ARG;
  st = bcastdec__hmac_pads_init(k, (unsigned)hash, psk, psk_len, &w);
  bcastdec_memzero(&w, sizeof w);
  return st;
}

bcastdec_status bcastdec__derive_transport_pads(const bcastdec__hmac_pads *k, uint32_t csb_id,
                                                const uint8_t *rand, size_t rand_len,
                                                int want_encr, bcastdec__tkeys *out) {
  prf_work x;
  uint8_t head[3][LABEL_HEAD_LEN];

  if (out == NULL) return BCASTDEC_ERR_ARG;
  memset(out, 0, sizeof *out);
  if (k == NULL || (rand == NULL && rand_len > 0)) return BCASTDEC_ERR_ARG;
  transport_heads(csb_id, head);
  transport_piece(k, &x, (const uint8_t(*)[LABEL_HEAD_LEN])head, rand, rand_len, want_encr,
                  out);
  bcastdec_memzero(&x, sizeof x);
  return BCASTDEC_OK;
}

/* RFC 3830 4.2.3: IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000, where S
 * is the 112-bit salt key and T the 64-bit timestamp value. */
void bcastdec__kemac_iv(const uint8_t salt[BCASTDEC__SALT_KEY_LEN], uint32_t csb_id,
                        uint64_t t64, uint8_t iv[16]) {
  uint8_t x[BCASTDEC__SALT_KEY_LEN];

  x[0] = 0;
  x[1] = 0;
  put_be32(x + 2, csb_id);
  put_be32(x + 6, (uint32_t)(t64 >> 32));
  put_be32(x + 10, (uint32_t)t64);
  for (size_t i = 0; i < BCASTDEC__SALT_KEY_LEN; i++) iv[i] = (uint8_t)(salt[i] ^ x[i]);
  iv[14] = 0;
  iv[15] = 0;
}

/*
 * TS 33.220 B.2: derived key = HMAC-SHA-256(Key, S),
 * S = FC || P0 || L0 || P1 || L1 || ..., Li the 2-byte length of Pi.
 */
bcastdec_status bcastdec__kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc,
                                    const bcastdec__iov *params, size_t n_params,
                                    uint8_t out[32]) {
  bcastdec_status st = BCASTDEC_OK;
  uint8_t fc_byte = fc;
  uint8_t lens[KDF_MAX_PARAMS][2];
  bcastdec__iov s[1 + 2 * KDF_MAX_PARAMS];
  size_t n = 0;

  if (key == NULL || key_len == 0 || out == NULL || n_params > KDF_MAX_PARAMS ||
      (params == NULL && n_params > 0)) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  s[n].p = &fc_byte;
  s[n++].len = 1;
  for (size_t i = 0; i < n_params; i++) {
    if (params[i].len > 0xFFFF || (params[i].p == NULL && params[i].len > 0)) {
      st = BCASTDEC_ERR_ARG;
      goto out;
    }
    lens[i][0] = (uint8_t)(params[i].len >> 8);
    lens[i][1] = (uint8_t)params[i].len;
    s[n++] = params[i];
    s[n].p = lens[i];
    s[n++].len = 2;
  }
  bcastdec__hmac_sha256(key, key_len, s, n, out);

out:
  return st;
}

/*
 * TS 33.220 B.3: Ks_(ext)_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id) and
 * Ks_int_NAF = KDF(Ks, "gba-u", RAND, IMPI, NAF_Id), FC 0x01.  NAF_Id is the
 * NAF FQDN followed by the Ua security protocol identifier, 01 00 00 00 01
 * for MBMS (TS 33.220 H.3; PROFILE.md section 9).
 */
#define GBA_FC 0x01
#define FQDN_MAX 255

bcastdec_status bcastdec_gba_derive(const uint8_t *ks, size_t ks_len, const uint8_t *rand,
                                    size_t rand_len, const char *impi, const char *naf_fqdn,
                                    uint8_t ks_ext_naf[32], uint8_t ks_int_naf[32]) {
  static const uint8_t ua_mbms[5] = {0x01, 0x00, 0x00, 0x00, 0x01};
  static const uint8_t gba_me[] = {'g', 'b', 'a', '-', 'm', 'e'};
  static const uint8_t gba_u[] = {'g', 'b', 'a', '-', 'u'};
  bcastdec_status st = BCASTDEC_OK;
  uint8_t naf_id[FQDN_MAX + sizeof ua_mbms];
  bcastdec__iov p[4];
  size_t impi_len, fqdn_len;

  if (ks == NULL || ks_len == 0 || (rand == NULL && rand_len > 0) || impi == NULL ||
      naf_fqdn == NULL || ks_ext_naf == NULL || ks_int_naf == NULL) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  impi_len = strlen(impi);
  fqdn_len = strlen(naf_fqdn);
  if (impi_len == 0 || fqdn_len == 0 || fqdn_len > FQDN_MAX) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  memcpy(naf_id, naf_fqdn, fqdn_len);
  memcpy(naf_id + fqdn_len, ua_mbms, sizeof ua_mbms);

  p[1].p = rand;
  p[1].len = rand_len;
  p[2].p = (const uint8_t *)impi;
  p[2].len = impi_len;
  p[3].p = naf_id;
  p[3].len = fqdn_len + sizeof ua_mbms;

  p[0].p = gba_me;
  p[0].len = sizeof gba_me;
  st = bcastdec__kdf_33220(ks, ks_len, GBA_FC, p, 4, ks_ext_naf);
  if (st != BCASTDEC_OK) goto out;
  p[0].p = gba_u;
  p[0].len = sizeof gba_u;
  st = bcastdec__kdf_33220(ks, ks_len, GBA_FC, p, 4, ks_int_naf);
  if (st != BCASTDEC_OK) {
    bcastdec_memzero(ks_ext_naf, 32);
    goto out;
  }

out:
  return st;
}
