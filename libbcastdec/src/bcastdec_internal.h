/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations shared by the library's source files.
 */
#ifndef BCASTDEC_INTERNAL_H
#define BCASTDEC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_reader.h"

/* Finding indices into the table of bcastdec_findings.c (stable ids there). */
typedef enum bcastdec__fid {
  BCASTDEC__F_TRUNCATED,
  BCASTDEC__F_MALFORMED,
  BCASTDEC__F_UNSUPPORTED,
  BCASTDEC__F_VERSION,
  BCASTDEC__F_DATA_TYPE,
  BCASTDEC__F_CS_MAP,
  BCASTDEC__F_KEMAC_NOT_LAST,
  BCASTDEC__F_KEMAC_MISSING,
  BCASTDEC__F_NO_TIMESTAMP,
  BCASTDEC__F_TS_NOT_COUNTER,
  BCASTDEC__F_DUPLICATE_PAYLOAD,
  BCASTDEC__F_PRF_UNSUPPORTED,
  BCASTDEC__F_EXT_UNKNOWN,
  BCASTDEC__F_EXT_LAYOUT,
  BCASTDEC__F_KEYID_MISSING,
  BCASTDEC__F_NO_KEY,
  BCASTDEC__F_MAC_FAILED,
  BCASTDEC__F_ENCR_UNSUPPORTED,
  BCASTDEC__F_NULL_ENCRYPTION,
  BCASTDEC__F_NO_MAC,
  BCASTDEC__F_PLAIN_MALFORMED,
  BCASTDEC__F_NO_KEY_DATA,
  BCASTDEC__F_FOUND_BY_SEARCH,
  BCASTDEC__F_RAND_VARIANT,
  BCASTDEC__F_REPLAY,
  BCASTDEC__F_MISSING_LTKM,
  BCASTDEC__F_TOKEN_ONLY_NO_ACK,
  BCASTDEC__F_KV_MISMATCH,
  BCASTDEC__F_VERIF_NO_LTKM,
  BCASTDEC__F_VERIF_MAC_FAILED,
  BCASTDEC__F_ERROR_MESSAGE,
  /* -- HTTP Digest (bcastdec_digest.c) -- */
  BCASTDEC__F_DIGEST_TRUNCATED,
  BCASTDEC__F_DIGEST_MALFORMED,
  BCASTDEC__F_DIGEST_NOT_DIGEST,
  BCASTDEC__F_DIGEST_REPEATED_PARAM,
  BCASTDEC__F_DIGEST_UNSUPPORTED_ALG,
  BCASTDEC__F_DIGEST_UNSUPPORTED,
  BCASTDEC__F_DIGEST_USERNAME_FORM,
  BCASTDEC__F_DIGEST_USERHASH,
  BCASTDEC__F_DIGEST_NO_SRK,
  BCASTDEC__F_DIGEST_FAILED,
  BCASTDEC__F_DIGEST_PASSWORD_FORM,
  BCASTDEC__F_DIGEST_RSPAUTH_FAILED,
  /* -- XML bodies and MSK responses (bcastdec_xml.c) -- */
  BCASTDEC__F_XML_TRUNCATED,
  BCASTDEC__F_XML_MALFORMED,
  BCASTDEC__F_XML_DTD,
  BCASTDEC__F_XML_ENCODING,
  BCASTDEC__F_XML_TOO_LARGE,
  BCASTDEC__F_XML_TOO_DEEP,
  BCASTDEC__F_XML_TOO_MANY_NODES,
  BCASTDEC__F_XML_KIND_MISMATCH,
  BCASTDEC__F_XML_UNKNOWN_ROOT,
  BCASTDEC__F_XML_BAD_VALUE,
  BCASTDEC__F_XML_NS_INEXACT,
  BCASTDEC__F_MSK_LTKM_NOT_MIKEY,
  BCASTDEC__F_MSK_LTKM_NAMESPACE,
  BCASTDEC__F_MSK_LTKM_MISSING,
  BCASTDEC__F_MSK_LTKM_MULTIPLE,
  BCASTDEC__F_MSK_LTKM_NOT_INCLUDED,
  BCASTDEC__F_MSK_LTKM_IN_ERROR_RESPONSE,
  BCASTDEC__F_MSK_LTKM_POSITION,
  BCASTDEC__F_MSK_LTKM_ID_MISMATCH,
  BCASTDEC__F_MSK_LTKM_VERSION_INVALID,
  BCASTDEC__F_MSK_LTKM_VERSION_UNKNOWN,
  BCASTDEC__F_MSK_HTTP_STATUS,
  BCASTDEC__F_MSK_NO_AUTH_INFO,
  BCASTDEC__F_MSK_CONTENT_TYPE,
  /* -- HTTP messages and exchanges (bcastdec_http.c) -- */
  BCASTDEC__F_HTTP_TRUNCATED,
  BCASTDEC__F_HTTP_MALFORMED,
  BCASTDEC__F_HTTP_UNSUPPORTED,
  BCASTDEC__F_HTTP_BARE_LF,
  BCASTDEC__F_HTTP_OBS_FOLD,
  BCASTDEC__F_HTTP_CHALLENGE_MISSING,
  BCASTDEC__F_HTTP_RETRY_NO_AUTH,
  BCASTDEC__F_HTTP_RETRY_MISMATCH,
  BCASTDEC__F_HTTP_AUTH_REJECTED,
  BCASTDEC__F_HTTP_UNAUTHENTICATED,
  BCASTDEC__F_HTTP_REGISTRATION_NAI,
  BCASTDEC__F_HTTP_STATUS_MISMATCH,
  /* flows across a capture (bcastdec_flow.c) */
  BCASTDEC__F_FLOW_REGISTRATION_MISSING,
  BCASTDEC__F_FLOW_REGISTRATION_NAI,
  BCASTDEC__F_FLOW_NO_LTKM,
  BCASTDEC__F_FLOW_AFTER_DEREGISTRATION,
  BCASTDEC__F_FLOW_REQUEST_UNKNOWN_ID,
  BCASTDEC__F_FLOW_VERIFICATION_MISSING,
  BCASTDEC__F_COUNT
} bcastdec__fid;

extern const bcastdec_finding_info bcastdec__findings[BCASTDEC__F_COUNT];

/* --- per-message arena: every array of a message lives in it --- */
typedef struct bcastdec__blk {
  struct bcastdec__blk *next;
  size_t cap, used;
  unsigned char *data;
} bcastdec__blk;

typedef struct bcastdec__msgpriv {
  bcastdec__blk first;     /* inline block (follows the message in memory) */
  bcastdec__blk *cur;      /* block being filled */
  bcastdec__blk *extra;    /* heap blocks, freed with the message */
  size_t cap_payloads, cap_findings, cap_key_data, cap_keys;
  const bcastdec_opts *opts;
  bcastdec_opts parsed_with; /* copy of *opts at parse time (bcastdec_mikey_msg_pack) */
} bcastdec__msgpriv;

void *bcastdec__msg_alloc(bcastdec_mikey_msg *m, size_t size);
/* Grows |*arr| (elements of |elem| bytes, |*cap| capacity) to hold |need|. */
int bcastdec__msg_grow(bcastdec_mikey_msg *m, void **arr, size_t *cap, size_t elem,
                       size_t need);
bcastdec_mikey_msg *bcastdec__msg_new(const uint8_t *buf, size_t len);

/* Adds a finding; the text is formatted printf-style and must never hold
 * key bytes.  Returns 0 on NOMEM (the finding is dropped). */
/* Grows the heap array |*arr| (realloc) to hold |need| elements of |elem|
 * bytes, doubling; returns 0 (array unchanged) on overflow or NOMEM. */
int bcastdec__grow(void **arr, size_t *cap, size_t elem, size_t need);

/* A span of |len| wire bytes at |off|. */
static inline bcastdec_span bcastdec__wire_span(size_t off, size_t len) {
  bcastdec_span s;
  s.off = (uint32_t)off;
  s.len = (uint32_t)len;
  s.src = BCASTDEC_SRC_WIRE;
  return s;
}

/* Value-name tables of the name functions. */
typedef struct bcastdec__vs {
  unsigned v;
  const char *name;
} bcastdec__vs;
const char *bcastdec__lookup(const bcastdec__vs *t, size_t n, unsigned v);
#define BCASTDEC__LOOKUP(t, v) bcastdec__lookup(t, sizeof(t) / sizeof((t)[0]), v)

/* Fill one finding (any result type that keeps a bcastdec_finding array);
 * fmt NULL uses the table's summary.  Text never carries key bytes. */
void bcastdec__finding_vfill(bcastdec_finding *f, bcastdec__fid id, bcastdec_span sp,
                             const char *fmt, va_list ap);
void bcastdec__finding_fill(bcastdec_finding *f, bcastdec__fid id, bcastdec_span sp,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int bcastdec__finding(bcastdec_mikey_msg *m, bcastdec__fid id, bcastdec_span sp,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Parses the wire message into |m| (no keys).  Returns NOMEM or OK. */
bcastdec_status bcastdec__mikey_parse(bcastdec_mikey_msg *m, const bcastdec_opts *o);

/* Decodes the data of a General Extension payload (Key ID / OMA BCAST). */
void bcastdec__ext_decode(bcastdec_mikey_msg *m, bcastdec__rd *data, bcastdec_ext *e,
                          const bcastdec_opts *o);

/* Parses the decrypted KEMAC plaintext (m->plain) into m->key_data. */
bcastdec_status bcastdec__key_data_parse(bcastdec_mikey_msg *m);

/* Removes every key of |ks| (wiped, as by bcastdec_keystore_free()) but
 * keeps its memory for the keys to come (bcastdec_session_reset()). */
void bcastdec__keystore_clear(bcastdec_keystore *ks);

/* A fast non-cryptographic hash of |n| bytes (8 bytes a step) for the
 * in-memory hash tables and the packed-message check; not stable across
 * versions, never stored. */
uint64_t bcastdec__hash(const void *p, size_t n);

/* Formats bytes as lowercase hex into |out| (NUL-terminated, truncated). */
void bcastdec__hex(char *out, size_t cap, const uint8_t *p, size_t n);

#define BCASTDEC__SPAN0 ((bcastdec_span){0, 0, BCASTDEC_SRC_NONE})

#endif /* BCASTDEC_INTERNAL_H */
