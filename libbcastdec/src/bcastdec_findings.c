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
    [BCASTDEC__F_DIGEST_TRUNCATED] = {"digest.truncated", E, GM,
                                      "HTTP authentication header ends inside a quoted "
                                      "string or before a parameter value"},
    [BCASTDEC__F_DIGEST_MALFORMED] = {"digest.malformed", E, GM,
                                      "HTTP authentication header breaks the auth-param "
                                      "syntax, or lacks a parameter Digest requires"},
    [BCASTDEC__F_DIGEST_NOT_DIGEST] = {"digest.not_digest", W, GP,
                                       "Authorization or challenge of another scheme than "
                                       "Digest (the profile requires HTTP Digest)"},
    [BCASTDEC__F_DIGEST_REPEATED_PARAM] = {"digest.repeated_param", W, GP,
                                           "A Digest parameter appears more than once; the "
                                           "first one is used"},
    [BCASTDEC__F_DIGEST_UNSUPPORTED_ALG] = {"digest.unsupported_algorithm", W, GD,
                                            "Digest algorithm other than MD5, MD5-sess, "
                                            "SHA-256, SHA-256-sess: not verified"},
    [BCASTDEC__F_DIGEST_UNSUPPORTED] = {"digest.unsupported", W, GD,
                                        "A Digest feature bcastdec cannot verify (qop, "
                                        "username charset, userhash without key store)"},
    [BCASTDEC__F_DIGEST_USERNAME_FORM] = {"digest.username_unknown_form", E, GP,
                                          "Digest username is neither a B-TID nor an NAI "
                                          "(user@realm)"},
    [BCASTDEC__F_DIGEST_USERHASH] = {"digest.userhash", N, GP,
                                     "Digest username is hashed (RFC 7616 userhash); the "
                                     "SRK is found by hashing each SRK identity"},
    [BCASTDEC__F_DIGEST_NO_SRK] = {"digest.no_srk", N, GD,
                                   "No SRK known for this Digest username"},
    [BCASTDEC__F_DIGEST_FAILED] = {"digest.failed", E, GD,
                                   "Digest response does not verify with the SRK in any "
                                   "password form"},
    [BCASTDEC__F_DIGEST_PASSWORD_FORM] = {"digest.password_form", N, GD,
                                          "SRK matched as a password text form other than "
                                          "base64 (assumed rule)"},
    [BCASTDEC__F_DIGEST_RSPAUTH_FAILED] = {"digest.rspauth_failed", E, GD,
                                           "Authentication-Info rspauth does not verify "
                                           "with the SRK"},
    /* -- XML bodies and MSK responses (bcastdec_xml.c) -- */
    [BCASTDEC__F_XML_TRUNCATED] = {"xml.truncated", E, GM,
                                   "The body ends inside the XML document"},
    [BCASTDEC__F_XML_MALFORMED] = {"xml.malformed", E, GM,
                                   "The body is not well-formed (namespace-aware) XML"},
    [BCASTDEC__F_XML_DTD] = {"xml.dtd", W, GU,
                             "Document type declaration: not decoded (entities are never "
                             "expanded or fetched)"},
    [BCASTDEC__F_XML_ENCODING] = {"xml.encoding", W, GU,
                                  "Body in an encoding other than UTF-8: not decoded"},
    [BCASTDEC__F_XML_TOO_LARGE] = {"xml.too_large", W, GU,
                                   "Body larger than the size cap: not decoded"},
    [BCASTDEC__F_XML_TOO_DEEP] = {"xml.too_deep", W, GU,
                                  "Elements nested deeper than the depth cap: decoding "
                                  "stopped"},
    [BCASTDEC__F_XML_TOO_MANY_NODES] = {"xml.too_many_nodes", W, GU,
                                        "More elements and attributes than the node cap: "
                                        "decoding stopped"},
    [BCASTDEC__F_XML_KIND_MISMATCH] = {"xml.kind_mismatch", W, GP,
                                       "The media type and the root element name different "
                                       "messages"},
    [BCASTDEC__F_XML_UNKNOWN_ROOT] = {"xml.unknown_root", N, GU,
                                      "Root element of no known message; shown generically"},
    [BCASTDEC__F_XML_BAD_VALUE] = {"xml.bad_value", W, GM,
                                   "A field's value does not parse as its type (integer, "
                                   "boolean, base64)"},
    [BCASTDEC__F_XML_NS_INEXACT] = {"xml.namespace_inexact", W, GP,
                                    "Namespace URI differs from a known one only by blanks or "
                                    "case: a different namespace to XML"},
    [BCASTDEC__F_MSK_LTKM_NOT_MIKEY] = {"msk.ltkm_not_mikey", E, GM,
                                        "LTKM element does not hold exactly one base64 MIKEY "
                                        "LTKM"},
    [BCASTDEC__F_MSK_LTKM_NAMESPACE] = {"msk.ltkm_namespace", E, GP,
                                        "LTKM element outside the BCAST namespace "
                                        "urn:oma:xml:bcast:pr:orderqueries:1.0"},
    [BCASTDEC__F_MSK_LTKM_MISSING] = {"msk.ltkm_missing", E, GP,
                                      "LTKM inclusion is used, but a 200 OK Response has no "
                                      "LTKM"},
    [BCASTDEC__F_MSK_LTKM_MULTIPLE] = {"msk.ltkm_multiple", E, GP,
                                       "A Response holds more than one LTKM"},
    [BCASTDEC__F_MSK_LTKM_NOT_INCLUDED] = {"msk.ltkm_not_included", N, GP,
                                           "MSK response without LTKMs: expect them by UDP "
                                           "push"},
    [BCASTDEC__F_MSK_LTKM_IN_ERROR_RESPONSE] = {"msk.ltkm_in_error_response", E, GP,
                                                "LTKM in a Response whose code is not 200 OK"},
    [BCASTDEC__F_MSK_LTKM_POSITION] = {"msk.ltkm_position", E, GP,
                                       "LTKM not at the wildcard position of a Response "
                                       "(after MSK and ResponseCode)"},
    [BCASTDEC__F_MSK_LTKM_ID_MISMATCH] = {"msk.ltkm_id_mismatch", E, GP,
                                          "keyDomainID/MSKID of the Response differ from the "
                                          "LTKM's Key ID entries"},
    [BCASTDEC__F_MSK_LTKM_VERSION_INVALID] = {"msk.ltkm_version_invalid", E, GM,
                                              "LTKM version attribute is not an unsignedByte"},
    [BCASTDEC__F_MSK_LTKM_VERSION_UNKNOWN] = {"msk.ltkm_version_unknown", N, GP,
                                              "LTKM version other than 0 (BCAST 1.0)"},
    [BCASTDEC__F_MSK_HTTP_STATUS] = {"msk.http_status", E, GP,
                                     "LTKMs in an HTTP message other than the 200 OK ending "
                                     "the LTKM Request"},
    [BCASTDEC__F_MSK_NO_AUTH_INFO] = {"msk.no_authentication_info", E, GP,
                                      "200 OK carrying LTKMs without an Authentication-Info "
                                      "header"},
    [BCASTDEC__F_MSK_CONTENT_TYPE] = {"msk.content_type", E, GP,
                                      "LTKMs in a body whose Content-Type is not "
                                      "application/mbms-msk-response+xml"},
    /* -- HTTP messages and exchanges (bcastdec_http.c) -- */
    [BCASTDEC__F_HTTP_TRUNCATED] = {"http.truncated", E, GM,
                                    "The HTTP message ends inside its header block or "
                                    "before the body its framing announces"},
    [BCASTDEC__F_HTTP_MALFORMED] = {"http.malformed", E, GM,
                                    "The start line, a header field, Content-Length or the "
                                    "chunked framing breaks HTTP/1.1 syntax"},
    [BCASTDEC__F_HTTP_UNSUPPORTED] = {"http.unsupported", W, GU,
                                      "An HTTP version or transfer coding bcastdec does not "
                                      "decode; the body is shown as it is"},
    [BCASTDEC__F_HTTP_BARE_LF] = {"http.bare_lf", N, GP, "Lines end in LF without CR"},
    [BCASTDEC__F_HTTP_OBS_FOLD] = {"http.obs_fold", W, GP,
                                   "A header value continues on a folded line (obsolete "
                                   "since RFC 7230)"},
    [BCASTDEC__F_HTTP_CHALLENGE_MISSING] = {"http.challenge_missing", E, GP,
                                            "A 401 response without a Digest challenge "
                                            "(WWW-Authenticate)"},
    [BCASTDEC__F_HTTP_RETRY_NO_AUTH] = {"http.retry_without_authorization", W, GS,
                                        "The request after a 401 carries no Authorization"},
    [BCASTDEC__F_HTTP_RETRY_MISMATCH] = {"http.retry_mismatch", E, GP,
                                         "The retry's Authorization names another realm or "
                                         "nonce than the 401's challenge"},
    [BCASTDEC__F_HTTP_AUTH_REJECTED] = {"http.auth_rejected", W, GS,
                                        "A request with Digest credentials was answered 401 "
                                        "again"},
    [BCASTDEC__F_HTTP_UNAUTHENTICATED] = {"http.unauthenticated", W, GP,
                                          "A request without Digest credentials was answered "
                                          "2xx (provisioning SHALL be secured with HTTP Digest)"},
    [BCASTDEC__F_HTTP_REGISTRATION_NAI] = {"http.registration_nai", W, GP,
                                           "registrationRequired=true answered to an NAI "
                                           "((R-)UIM/CSIM) subscriber, which never registers"},
    [BCASTDEC__F_HTTP_STATUS_MISMATCH] = {"http.status_mismatch", W, GP,
                                          "The HTTP status and the body's globalStatusCode "
                                          "disagree about success"},
    /* -- flows across a capture (bcastdec_flow.c; rules 11, 13, 14, 16, 21) -- */
    [BCASTDEC__F_FLOW_REGISTRATION_MISSING] = {"flow.registration_missing", W, GS,
                                               "registrationRequired=true, but no Registration "
                                               "from the subscriber came before its LTKM (or "
                                               "before the end of the capture)"},
    [BCASTDEC__F_FLOW_REGISTRATION_NAI] = {"flow.registration_nai", W, GP,
                                           "A Registration from an (R-)UIM/CSIM subscriber "
                                           "(NAI username): those terminals never register"},
    [BCASTDEC__F_FLOW_NO_LTKM] = {"flow.no_ltkm_after_purchase", W, GS,
                                  "A successful purchase or Registration followed neither by an "
                                  "LTKM nor by an LTKM Request in the capture"},
    [BCASTDEC__F_FLOW_AFTER_DEREGISTRATION] = {"flow.ltkm_after_deregistration", W, GS,
                                               "An LTKM pushed to a subscriber after its "
                                               "successful Deregistration"},
    [BCASTDEC__F_FLOW_REQUEST_UNKNOWN_ID] = {"flow.ltkm_request_unknown_id", N, GS,
                                             "An LTKM Request for a SEK/PEK ID that no earlier "
                                             "LTKM or STKM and no key file named"},
    [BCASTDEC__F_FLOW_VERIFICATION_MISSING] = {"flow.verification_missing", W, GS,
                                               "An LTKM with V = 1 that no verification message "
                                               "answered in the capture"},
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
