/* SPDX-License-Identifier: MIT */
/*
 * HMAC with precomputed pads (RFC 2104 section 2): the hash states after
 * the key XOR ipad and key XOR opad blocks are computed once per key and
 * reused for every MAC under that key.  The MIKEY PRF (RFC 3830 4.1.2)
 * computes two HMACs per output block with the same key piece, and the
 * KEMAC transport keys (RFC 3830 4.1.4) are three PRF outputs of one PSK:
 * 14 compression calls instead of 24 for the three keys.
 *
 * The states are kept as opaque bytes so that only bcastdec_crypto_ossl.c
 * sees OpenSSL types.  A bcastdec__hmac_pads holds key-equivalent secrets
 * and a bcastdec__hmac_work key-dependent scratch: the caller wipes both
 * (bcastdec_memzero) on every path, once after all its HMACs.
 */
#ifndef BCASTDEC_CRYPTO_FAST_H
#define BCASTDEC_CRYPTO_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "bcastdec_crypto.h"

/* Hash of an HMAC key (values match the MIKEY PRF func numbers). */
#define BCASTDEC__HASH_SHA1 0u
#define BCASTDEC__HASH_SHA256 1u

#define BCASTDEC__HMAC_MAX_LEN 32     /* largest HMAC output (SHA-256) */
#define BCASTDEC__HMAC_STATE_SIZE 256 /* room for two hash states */
#define BCASTDEC__HMAC_WORK_SIZE 256  /* room for one hash state + two blocks */

typedef struct bcastdec__hmac_pads {
  unsigned hash;  /* BCASTDEC__HASH_* */
  size_t out_len; /* 20 or 32 */
  union {
    max_align_t align_;
    unsigned char b[BCASTDEC__HMAC_STATE_SIZE]; /* inner state || outer state */
  } st;
} bcastdec__hmac_pads;

/* Scratch of the functions below.  They leave key-dependent bytes in it, so
 * that a caller doing many HMACs wipes once: the caller wipes it. */
typedef struct bcastdec__hmac_work {
  union {
    max_align_t align_;
    unsigned char b[BCASTDEC__HMAC_WORK_SIZE];
  } u;
} bcastdec__hmac_work;

/*
 * Prepares |k| for HMAC-<hash> under |key| (any length; keys longer than the
 * 64-byte block are hashed first, RFC 2104 section 2).  Returns
 * BCASTDEC_ERR_UNSUPPORTED for an unknown |hash|, _ARG for a NULL key with
 * a non-zero length.
 */
bcastdec_status bcastdec__hmac_pads_init(bcastdec__hmac_pads *k, unsigned hash,
                                         const uint8_t *key, size_t key_len,
                                         bcastdec__hmac_work *w);

/* HMAC over the pieces with prepared pads; writes k->out_len bytes.  |out|
 * may point into the input pieces. */
void bcastdec__hmac_pads_mac(const bcastdec__hmac_pads *k, const bcastdec__iov *iov,
                             size_t n_iov, uint8_t *out, bcastdec__hmac_work *w);

/* RFC 3830 4.1.2: the MIKEY PRF cuts its key into pieces of 32 bytes. */
#define BCASTDEC__PRF_PIECE_LEN 32

/*
 * Pad states of a PSK of at most one PRF piece (1..32 bytes) for the MIKEY
 * PRF |prf| (HDR PRF func), so that a caller seeing the same PSK in many
 * messages computes them once (bcastdec_kdf.c).  |k| is key-equivalent:
 * the caller wipes it with the PSK.  Returns _UNSUPPORTED for an unknown
 * |prf|, _ARG for a longer or empty PSK.
 */
bcastdec_status bcastdec__prf_pads_init(unsigned prf, const uint8_t *psk, size_t psk_len,
                                        bcastdec__hmac_pads *k);

/* bcastdec__derive_transport() with the PSK given by its pad states
 * (bcastdec__prf_pads_init()); same output. */
bcastdec_status bcastdec__derive_transport_pads(const bcastdec__hmac_pads *k, uint32_t csb_id,
                                                const uint8_t *rand, size_t rand_len,
                                                int want_encr, bcastdec__tkeys *out);

#endif /* BCASTDEC_CRYPTO_FAST_H */
