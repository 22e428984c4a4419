/* SPDX-License-Identifier: MIT */
/*
 * The findings the library reports: stable ids, severities and groups.
 * Ids are an interface (CLI JSON, Wireshark expert infos, tests): never
 * rename one; add new ones at the end of a group.
 */
#include <stdio.h>

#include "bcastdec_internal.h"

#define E BCASTDEC_SEV_ERROR
#define W BCASTDEC_SEV_WARNING
#define N BCASTDEC_SEV_NOTE
#define GM BCASTDEC_GROUP_MALFORMED
#define GP BCASTDEC_GROUP_PROTOCOL
#define GD BCASTDEC_GROUP_DECRYPTION
#define GS BCASTDEC_GROUP_SEQUENCE
#define GU BCASTDEC_GROUP_UNDECODED

const bcastdec_finding_info bcastdec__findings[BCASTDEC__F_COUNT] = {
    [BCASTDEC__F_TRUNCATED] = {"mikey.truncated", E, GM,
                               "The message ends before a length field says it should"},
    [BCASTDEC__F_MALFORMED] = {"mikey.malformed", E, GM,
                               "A length or value contradicts its container"},
    [BCASTDEC__F_UNSUPPORTED] = {"mikey.unsupported", W, GU,
                                 "Part of the message is of a kind bcastdec does not "
                                 "decode; the rest is shown as raw bytes"},
    [BCASTDEC__F_VERSION] = {"mikey.version", E, GP, "HDR version is not 1 (RFC 3830 6.1)"},
    [BCASTDEC__F_DATA_TYPE] = {"mikey.data_type", W, GP,
                               "Data type not used by the Smartcard Profile (0 key "
                               "message, 1 verification, 6 error)"},
    [BCASTDEC__F_CS_MAP] = {"mikey.cs_map", N, GP,
                            "CS ID map other than the profile's empty map (#CS 0, type 1)"},
    [BCASTDEC__F_KEMAC_NOT_LAST] = {"kemac.not_last", E, GP,
                                    "KEMAC is not the last payload, so its MAC cannot "
                                    "cover the whole message"},
    [BCASTDEC__F_KEMAC_MISSING] = {"kemac.missing", E, GP,
                                   "Key message (data type 0) without a KEMAC payload"},
    [BCASTDEC__F_NO_TIMESTAMP] = {"mikey.no_timestamp", W, GP,
                                  "No T payload: replay protection is impossible"},
    [BCASTDEC__F_TS_NOT_COUNTER] = {"mikey.ts_not_counter", N, GP,
                                    "Timestamp is not a COUNTER as the profile uses"},
    [BCASTDEC__F_DUPLICATE_PAYLOAD] = {"mikey.duplicate_payload", W, GP,
                                       "A payload that should appear once appears again; "
                                       "the first one is used"},
    [BCASTDEC__F_PRF_UNSUPPORTED] = {"mikey.prf_unsupported", W, GD,
                                     "PRF function other than MIKEY-1 and "
                                     "PRF-HMAC-SHA-256: keys cannot be derived"},
    [BCASTDEC__F_EXT_UNKNOWN] = {"ext.unknown_type", N, GU,
                                 "General Extension of an unknown type, shown raw"},
    [BCASTDEC__F_EXT_LAYOUT] = {"ext.layout", W, GU,
                                "Extension data does not fit the assumed layout; shown raw"},
    [BCASTDEC__F_KEYID_MISSING] = {"keyid.missing", W, GP,
                                   "Key message without Key Domain ID / SEK/PEK ID "
                                   "(Key ID extension)"},
    [BCASTDEC__F_NO_KEY] = {"kemac.no_key", W, GD, "No key known for this message"},
    [BCASTDEC__F_MAC_FAILED] = {"kemac.mac_failed", E, GD,
                                "MAC verification failed with every candidate key"},
    [BCASTDEC__F_ENCR_UNSUPPORTED] = {"kemac.encr_unsupported", W, GD,
                                      "KEMAC encryption algorithm not supported "
                                      "(e.g. AES-KW-128)"},
    [BCASTDEC__F_NULL_ENCRYPTION] = {"kemac.null_encryption", W, GD,
                                     "KEMAC uses NULL encryption: keys travel in clear"},
    [BCASTDEC__F_NO_MAC] = {"kemac.no_mac", E, GD,
                            "KEMAC MAC algorithm NULL: the message is not authenticated"},
    [BCASTDEC__F_PLAIN_MALFORMED] = {"kemac.plaintext_malformed", E, GM,
                                     "Decrypted KEMAC data is not a valid Key data chain"},
    [BCASTDEC__F_NO_KEY_DATA] = {"kemac.no_key_data", N, GP,
                                 "KEMAC carries no Key data (token-only LTKM?)"},
    [BCASTDEC__F_FOUND_BY_SEARCH] = {"key.found_by_search", N, GD,
                                     "Key not addressed by the message's identifiers; "
                                     "found by trying every key of its class"},
    [BCASTDEC__F_RAND_VARIANT] = {"stkm.rand_variant", N, GD,
                                  "STKM verified with the RAND of the LTKM that "
                                  "delivered its SEK/PEK (assumed rule)"},
    [BCASTDEC__F_REPLAY] = {"replay.counter", E, GS,
                            "Counter not greater than the last accepted one for the "
                            "same key (replay)"},
    [BCASTDEC__F_MISSING_LTKM] = {"stkm.missing_ltkm", W, GS,
                                  "STKM for a SEK/PEK no LTKM delivered: an LTKM Request "
                                  "should follow"},
    [BCASTDEC__F_TOKEN_ONLY_NO_ACK] = {"ltkm.token_only_no_ack", W, GP,
                                       "LTKM without a SEK/PEK should request a "
                                       "verification message (HDR V = 1)"},
    [BCASTDEC__F_KV_MISMATCH] = {"keyid.kv_mismatch", W, GP,
                                 "Key validity SPI disagrees with the Key ID extension"},
    [BCASTDEC__F_VERIF_NO_LTKM] = {"verification.no_ltkm", W, GS,
                                   "Verification message answers no LTKM with V = 1 seen "
                                   "before"},
    [BCASTDEC__F_VERIF_MAC_FAILED] = {"verification.mac_failed", E, GD,
                                      "Verification message MAC does not verify"},
    [BCASTDEC__F_ERROR_MESSAGE] = {"mikey.error_message", W, GP,
                                   "MIKEY error message"},
    /* -- HTTP Digest (bcastdec_digest.c) -- */
    /* -- XML bodies and MSK responses (bcastdec_xml.c) -- */
    /* -- HTTP messages and exchanges (bcastdec_http.c) -- */
};

const bcastdec_finding_info *bcastdec_finding_table(size_t *n) {
  if (n != NULL) *n = BCASTDEC__F_COUNT;
  return bcastdec__findings;
}

void bcastdec__finding_vfill(bcastdec_finding *f, bcastdec__fid id, bcastdec_span sp,
                             const char *fmt, va_list ap) {
  f->info = &bcastdec__findings[id];
  f->sp = sp;
  if (fmt == NULL) snprintf(f->text, sizeof f->text, "%s", f->info->summary);
  else vsnprintf(f->text, sizeof f->text, fmt, ap);
}

void bcastdec__finding_fill(bcastdec_finding *f, bcastdec__fid id, bcastdec_span sp,
                            const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bcastdec__finding_vfill(f, id, sp, fmt, ap);
  va_end(ap);
}

int bcastdec__finding(bcastdec_mikey_msg *m, bcastdec__fid id, bcastdec_span sp,
                      const char *fmt, ...) {
  bcastdec__msgpriv *pv = m->priv_;
  if (!bcastdec__msg_grow(m, (void **)&m->findings, &pv->cap_findings, sizeof *m->findings,
                          m->n_findings + 1))
    return 0;
  va_list ap;
  va_start(ap, fmt);
  bcastdec__finding_vfill(&m->findings[m->n_findings++], id, sp, fmt, ap);
  va_end(ap);
  return 1;
}

int bcastdec_mikey_msg_max_severity(const bcastdec_mikey_msg *m) {
  int max = -1;
  if (m == NULL) return max;
  for (size_t i = 0; i < m->n_findings; i++)
    if ((int)m->findings[i].info->severity > max) max = m->findings[i].info->severity;
  return max;
}
