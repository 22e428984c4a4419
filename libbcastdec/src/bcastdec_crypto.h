/* SPDX-License-Identifier: MIT */
/*
 * Internal crypto interface of libbcastdec.  Only bcastdec_crypto_ossl.c
 * includes OpenSSL; everything else uses these functions.
 *
 * MIKEY key derivation: RFC 3830 section 4.1 (PRF, MIKEY-1 = HMAC-SHA-1
 * P-function), RFC 6043 (PRF-HMAC-SHA-256), transport keys of the KEMAC
 * (constants 0x150533E1 encr, 0x2D22AC75 auth, 0x29B88916 salt, cs_id 0xFF),
 * AES-CM-128 IV per RFC 3830 4.2.3, TS 33.220 Annex B KDF.
 *
 * Every function wipes its stack scratch before returning.
 */
#ifndef BCASTDEC_CRYPTO_H
#define BCASTDEC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#define BCASTDEC__ENCR_KEY_LEN 16
#define BCASTDEC__AUTH_KEY_LEN 20
#define BCASTDEC__SALT_KEY_LEN 14
#define BCASTDEC__MAC_LEN 20

#define BCASTDEC__LABEL_ENCR 0x150533E1u
#define BCASTDEC__LABEL_AUTH 0x2D22AC75u
#define BCASTDEC__LABEL_SALT 0x29B88916u

/* Reusable per-session crypto state (cipher contexts, fetched algorithms).
 * Not thread-safe: one per session / thread. */
typedef struct bcastdec__crypto bcastdec__crypto;

bcastdec__crypto *bcastdec__crypto_new(void);
void bcastdec__crypto_free(bcastdec__crypto *c);

/* A gather list: HMAC/hash inputs as several pieces. */
typedef struct bcastdec__iov {
  const uint8_t *p;
  size_t len;
} bcastdec__iov;

/* HMAC-SHA-1 (20-byte out) and HMAC-SHA-256 (32-byte out) over the pieces. */
void bcastdec__hmac_sha1(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                         size_t n_iov, uint8_t out[20]);
void bcastdec__hmac_sha256(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                           size_t n_iov, uint8_t out[32]);

/*
 * MIKEY PRF(inkey, label) truncated to |out_len| bytes.  |prf| is the HDR PRF
 * func: 0 MIKEY-1 (HMAC-SHA-1), 1 PRF-HMAC-SHA-256.  inkey is cut into
 * 32-byte pieces (a 32-byte key is ONE piece), the P outputs are XORed.
 * Returns BCASTDEC_ERR_UNSUPPORTED for another |prf|, _ARG for inkey_len 0.
 */
bcastdec_status bcastdec__mikey_prf(unsigned prf, const uint8_t *inkey, size_t inkey_len,
                                    const uint8_t *label, size_t label_len, uint8_t *out,
                                    size_t out_len);

/* KEMAC transport keys derived from a PSK (cs_id 0xFF). */
typedef struct bcastdec__tkeys {
  uint8_t encr[BCASTDEC__ENCR_KEY_LEN];
  uint8_t auth[BCASTDEC__AUTH_KEY_LEN];
  uint8_t salt[BCASTDEC__SALT_KEY_LEN];
} bcastdec__tkeys;

/*
 * label = constant(4) || 0xFF || csb_id(4, big-endian) || rand (may be empty).
 * Fast path: the PSK's HMAC pads are computed once for the three keys.
 * |want_encr| 0 skips encr+salt (verification messages need only auth).
 */
bcastdec_status bcastdec__derive_transport(unsigned prf, const uint8_t *psk, size_t psk_len,
                                           uint32_t csb_id, const uint8_t *rand,
                                           size_t rand_len, int want_encr,
                                           bcastdec__tkeys *out);

/* IV(16) = (salt(14) XOR (0x0000 || csb_id(4) || t64(8))) || 0x0000 */
void bcastdec__kemac_iv(const uint8_t salt[BCASTDEC__SALT_KEY_LEN], uint32_t csb_id,
                        uint64_t t64, uint8_t iv[16]);

/* AES-128 counter mode (RFC 3711 AES-CM), |in| and |out| may alias.
 * |c| may be NULL. */
bcastdec_status bcastdec__aes_cm128(bcastdec__crypto *c, const uint8_t key[16],
                                    const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                                    size_t len);

/* The AES block implementation in use: "aes-ni" or "portable".  For tests
 * and the benchmark: |force| 0 selects the portable one, 1 the best one the
 * CPU offers, any other value changes nothing.  Not thread-safe while
 * forcing. */
const char *bcastdec__aes_impl(int force);

/* 1 when HMAC-SHA-1(auth_key, iov) equals |mac| (constant time), else 0. */
int bcastdec__hmac_sha1_verify(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                               size_t n_iov, const uint8_t mac[BCASTDEC__MAC_LEN]);

/* Plain hashes over the pieces (HTTP Digest H(), RFC 2617 / RFC 7616).  The
 * pieces may hold a password: the hash state is wiped before returning. */
#define BCASTDEC__MD5_LEN 16
#define BCASTDEC__SHA256_LEN 32
void bcastdec__md5(const bcastdec__iov *iov, size_t n_iov, uint8_t out[BCASTDEC__MD5_LEN]);
void bcastdec__sha256(const bcastdec__iov *iov, size_t n_iov,
                      uint8_t out[BCASTDEC__SHA256_LEN]);

/*
 * TS 33.220 Annex B KDF: HMAC-SHA-256(key, FC || P0 || L0 || ... ), each Li
 * the 2-byte big-endian length of Pi.
 */
bcastdec_status bcastdec__kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc,
                                    const bcastdec__iov *params, size_t n_params,
                                    uint8_t out[32]);

#endif /* BCASTDEC_CRYPTO_H */
