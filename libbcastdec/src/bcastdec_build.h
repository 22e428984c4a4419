/* SPDX-License-Identifier: MIT */
/*
 * Internal side of the encoder (bcastdec_encode.c, public API in
 * <bcastdec/encode.h>):
 *
 *  - bcastdec__kmsg / bcastdec__encode_kmsg(): the one writer of MIKEY key
 *    messages (data type 0).  The public LTKM and STKM encoders fill a
 *    bcastdec__kmsg from their spec; so does the test builder below.
 *  - bcastdec__build / bcastdec__build_key_msg(): the flat builder used by
 *    the unit tests and the benchmark.  It is a thin wrapper over
 *    bcastdec__encode_kmsg() in "lax" mode, which also writes what the
 *    public API refuses (unknown algorithm numbers, raw plaintext, raw OMA
 *    BCAST bytes), so tests can build broken messages.
 */
#ifndef BCASTDEC_BUILD_H
#define BCASTDEC_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/encode.h>

/* A key message to write: the parts of a spec, plus test-only overrides. */
typedef struct bcastdec__kmsg {
  uint8_t data_type;
  const bcastdec_enc_hdr *hdr;
  const bcastdec_enc_keyid *keyid;  /* NULL or !present: none */
  const bcastdec_enc_t *t;          /* NULL or !present: none */
  const uint8_t *rand;              /* NULL: no RAND payload */
  size_t rand_len;
  const bcastdec_enc_id *idi, *idr; /* NULL or id NULL: none */
  const bcastdec_enc_bcast *bcast;  /* NULL or !present: none */
  const bcastdec_enc_kemac *kemac;
  /* RAND of the key derivation when set, else |rand| */
  int kdf_rand_set;
  const uint8_t *kdf_rand;
  size_t kdf_rand_len;
  const uint8_t *psk;
  size_t psk_len;
  /* --- lax mode (tests) --- */
  int lax;                   /* no profile/algorithm checks; psk may be NULL */
  const uint8_t *bcast_byte; /* the byte after the subtype, raw (any subtype) */
  int bcast_tail_set;        /* the rest of the BCAST data raw instead of TLVs */
  const uint8_t *bcast_tail;
  size_t bcast_tail_len;
  int raw_plain_set;         /* KEMAC plaintext raw instead of key data */
  const uint8_t *raw_plain;
  size_t raw_plain_len;
} bcastdec__kmsg;

/* Writes |k| into |out| (conventions of <bcastdec/encode.h>: size query,
 * BCASTDEC_ERR_SPACE with the length needed, wiping on errors). */
bcastdec_status bcastdec__encode_kmsg(const bcastdec__kmsg *k, uint8_t *out, size_t cap,
                                      size_t *out_len);

typedef struct bcastdec__build {
  uint8_t data_type;   /* 0 */
  uint8_t v_flag;
  uint8_t prf;         /* 0 MIKEY-1, 1 PRF-HMAC-SHA-256 */
  uint32_t csb_id;
  /* Key ID extension (omitted when !has_keyid) */
  int has_keyid;
  uint8_t keyid_ext_type; /* 0 = default 3 */
  uint8_t kdid[3];
  uint32_t sekpek_id;
  int has_tek_id;
  uint16_t tek_id;
  /* T */
  int has_t;
  uint8_t ts_type;     /* BCASTDEC_TS_* */
  uint64_t t;
  /* RAND payload (omitted when NULL) */
  const uint8_t *rand;
  size_t rand_len;
  /* IDi (URI) and IDr (NAI), omitted when NULL */
  const char *idi, *idr;
  /* OMA BCAST extension (omitted when subtype 0) */
  uint8_t bcast_ext_type; /* 0 = default 5 */
  uint8_t bcast_subtype;
  uint8_t bcast_byte;  /* LTKM: security_policy_extension; STKM: flags */
  const uint8_t *bcast_tlvs;
  size_t bcast_tlvs_len;
  /* KEMAC */
  uint8_t encr_alg;    /* 0 NULL, 1 AES-CM-128 */
  uint8_t mac_alg;     /* 0 NULL, 1 HMAC-SHA-1-160 */
  int n_key_data;      /* 0 or 1 */
  uint8_t kd_type, kv;
  const uint8_t *key;
  size_t key_len;
  const uint8_t *salt;
  size_t salt_len;
  const uint8_t *kv1;  /* SPI, or valid-from */
  size_t kv1_len;
  const uint8_t *kv2;  /* valid-to */
  size_t kv2_len;
  /* raw Key data plaintext instead of the fields above (tests of broken
   * plaintext); NULL = build from the fields */
  const uint8_t *raw_plain;
  size_t raw_plain_len;
  /* protection */
  const uint8_t *psk;
  size_t psk_len;
  /* RAND used for key derivation when it differs from the RAND payload
   * (an STKM keyed with its LTKM's RAND); NULL = the RAND payload */
  const uint8_t *derive_rand;
  size_t derive_rand_len;
} bcastdec__build;

/* Writes the message into |out|; not OK (BCASTDEC_ERR_SPACE) when |cap| is
 * too small. */
bcastdec_status bcastdec__build_key_msg(const bcastdec__build *b, uint8_t *out, size_t cap,
                                        size_t *len);

#endif /* BCASTDEC_BUILD_H */
