/* SPDX-License-Identifier: MIT */
/*
 * Value tables and *_name() functions.  Every function returns NULL for a
 * value it does not know; renderers decide how to show that.
 *
 * Numbers: RFC 3830 6.x and IANA "MIKEY Payload Name Spaces"; RFC 6043
 * (IDR roles, PRF-HMAC-SHA-256, GENERIC-ID); RFC 4563 (empty map); the
 * Key ID and OMA BCAST extension numbers are assumptions of the wire profile
 * (see bcastdec_assumptions()).
 */
#include <stddef.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_internal.h"



static const bcastdec__vs payload_names[] = {
    {BCASTDEC_PT_LAST, "Last"},   {BCASTDEC_PT_KEMAC, "KEMAC"},
    {BCASTDEC_PT_PKE, "PKE"},     {BCASTDEC_PT_DH, "DH"},
    {BCASTDEC_PT_SIGN, "SIGN"},   {BCASTDEC_PT_T, "T"},
    {BCASTDEC_PT_ID, "ID"},       {BCASTDEC_PT_CERT, "CERT"},
    {BCASTDEC_PT_CHASH, "CHASH"}, {BCASTDEC_PT_V, "V"},
    {BCASTDEC_PT_SP, "SP"},       {BCASTDEC_PT_RAND, "RAND"},
    {BCASTDEC_PT_ERR, "ERR"},     {BCASTDEC_PT_TR, "TR"},
    {BCASTDEC_PT_IDR, "IDR"},     {BCASTDEC_PT_RANDR, "RANDR"},
    {BCASTDEC_PT_TP, "TP"},       {BCASTDEC_PT_TICKET, "TICKET"},
    {BCASTDEC_PT_KEY_DATA, "Key data"}, {BCASTDEC_PT_GEN_EXT, "EXT"},
    {BCASTDEC_PT_SAKKE, "SAKKE"},
};
const char *bcastdec_payload_name(unsigned pt) { return BCASTDEC__LOOKUP(payload_names, pt); }

static const bcastdec__vs data_type_names[] = {
    {0, "Pre-shared key message"}, {1, "PSK verification message"},
    {2, "Public-key message"},     {3, "PK verification message"},
    {4, "D-H init"},               {5, "D-H response"},
    {6, "Error message"},          {7, "DHHMAC init"},
    {8, "DHHMAC response"},        {9, "RSA-R I_MESSAGE"},
    {10, "RSA-R R_MESSAGE"},       {26, "SAKKE message"},
};
const char *bcastdec_data_type_name(unsigned dt) { return BCASTDEC__LOOKUP(data_type_names, dt); }

static const bcastdec__vs map_names[] = {
    {0, "SRTP-ID"}, {1, "Empty map"}, {2, "GENERIC-ID"}};
const char *bcastdec_map_type_name(unsigned mt) { return BCASTDEC__LOOKUP(map_names, mt); }

static const bcastdec__vs ts_names[] = {
    {0, "NTP-UTC"}, {1, "NTP"}, {2, "COUNTER"}, {3, "NTP-UTC-32"}};
const char *bcastdec_ts_type_name(unsigned ts) { return BCASTDEC__LOOKUP(ts_names, ts); }

static const bcastdec__vs encr_names[] = {
    {0, "NULL"}, {1, "AES-CM-128"}, {2, "AES-KW-128"}, {6, "AES-GCM-128"}};
const char *bcastdec_encr_alg_name(unsigned a) { return BCASTDEC__LOOKUP(encr_names, a); }

static const bcastdec__vs mac_names[] = {{0, "NULL"}, {1, "HMAC-SHA-1-160"}};
const char *bcastdec_mac_alg_name(unsigned a) { return BCASTDEC__LOOKUP(mac_names, a); }

static const bcastdec__vs prf_names[] = {{0, "MIKEY-1"}, {1, "PRF-HMAC-SHA-256"}};
const char *bcastdec_prf_name(unsigned prf) { return BCASTDEC__LOOKUP(prf_names, prf); }

static const bcastdec__vs kd_names[] = {{0, "TGK"}, {1, "TGK+SALT"}, {2, "TEK"}, {3, "TEK+SALT"}};
const char *bcastdec_kd_type_name(unsigned t) { return BCASTDEC__LOOKUP(kd_names, t); }

static const bcastdec__vs kv_names[] = {{0, "NULL"}, {1, "SPI/MKI"}, {2, "Interval"}};
const char *bcastdec_kv_type_name(unsigned kv) { return BCASTDEC__LOOKUP(kv_names, kv); }

static const bcastdec__vs id_type_names[] = {{0, "NAI"}, {1, "URI"}, {2, "Byte string"}};
const char *bcastdec_id_type_name(unsigned t) { return BCASTDEC__LOOKUP(id_type_names, t); }

static const bcastdec__vs id_role_names[] = {
    {1, "Initiator (IDRi)"}, {2, "Responder (IDRr)"}, {3, "KMS (IDRkms)"},
    {4, "Pre-shared key (IDRpsk)"}, {5, "Application (IDRapp)"},
    {6, "Initiator's KMS"}, {7, "Responder's KMS"}};
const char *bcastdec_id_role_name(unsigned r) { return BCASTDEC__LOOKUP(id_role_names, r); }

static const bcastdec__vs err_names[] = {
    {0, "Authentication failure"}, {1, "Invalid timestamp"},
    {2, "PRF function not supported"}, {3, "MAC algorithm not supported"},
    {4, "Encryption algorithm not supported"}, {5, "Hash function not supported"},
    {6, "DH group not supported"}, {7, "ID not supported"},
    {8, "Certificate not supported"}, {9, "SP type not supported"},
    {10, "SP parameters not supported"}, {11, "Data type not supported"},
    {12, "Unspecified error"}};
const char *bcastdec_err_name(unsigned e) { return BCASTDEC__LOOKUP(err_names, e); }

static const bcastdec__vs gen_ext_names[] = {
    {0, "Vendor ID"}, {1, "SDP IDs"}, {6, "SAKKE-to-self"}, {7, "3GPP MCX key parameters"}};
const char *bcastdec_gen_ext_name(unsigned t, const bcastdec_opts *o) {
  bcastdec_opts d;
  if (o == NULL) {
    bcastdec_opts_init(&d);
    o = &d;
  }
  if (t == o->keyid_ext_type) return "Key ID (RFC 4563)";
  if (t == o->bcast_ext_type) return "OMA BCAST (RFC 5410)";
  return BCASTDEC__LOOKUP(gen_ext_names, t);
}

static const bcastdec__vs keyid_names[] = {
    {BCASTDEC_KEYID_KDID, "Key Domain ID"}, {BCASTDEC_KEYID_SEKPEK, "SEK/PEK ID"},
    {BCASTDEC_KEYID_TEK, "TEK ID"}, {BCASTDEC_KEYID_MUK, "MUK ID"}};
const char *bcastdec_keyid_type_name(unsigned t) { return BCASTDEC__LOOKUP(keyid_names, t); }

static const bcastdec__vs bcast_sub_names[] = {
    {1, "LTKM"}, {2, "STKM"}, {3, "LTKM reporting"}, {4, "Parental control"}};
const char *bcastdec_bcast_subtype_name(unsigned st) { return BCASTDEC__LOOKUP(bcast_sub_names, st); }

static const bcastdec__vs tpp_names[] = {{0, "IPsec"}, {1, "SRTP"}, {2, "ISMACryp"}, {3, "DCF"}};
const char *bcastdec_tpp_name(unsigned tpp) { return BCASTDEC__LOOKUP(tpp_names, tpp); }

static const bcastdec__vs role_names[] = {
    {BCASTDEC_ROLE_SMK, "SMK"}, {BCASTDEC_ROLE_SRK, "SRK"}, {BCASTDEC_ROLE_SEK, "SEK"},
    {BCASTDEC_ROLE_PEK, "PEK"}, {BCASTDEC_ROLE_TEK, "TEK"}};
const char *bcastdec_role_name(unsigned role) { return BCASTDEC__LOOKUP(role_names, role); }

static const bcastdec__vs kind_names[] = {
    {BCASTDEC_KIND_UNKNOWN, "unknown"}, {BCASTDEC_KIND_LTKM, "ltkm"},
    {BCASTDEC_KIND_STKM, "stkm"}, {BCASTDEC_KIND_VERIFICATION, "verification"},
    {BCASTDEC_KIND_ERROR, "error"}, {BCASTDEC_KIND_LTKM_REPORTING, "ltkm_reporting"},
    {BCASTDEC_KIND_PARENTAL, "parental_control"}};
const char *bcastdec_kind_name(unsigned kind) { return BCASTDEC__LOOKUP(kind_names, kind); }

static const bcastdec__vs outcome_names[] = {
    {BCASTDEC_OUT_NONE, "none"}, {BCASTDEC_OUT_DECRYPTED, "decrypted"},
    {BCASTDEC_OUT_MAC_FAILED, "mac_failed"}, {BCASTDEC_OUT_NO_KEY, "no_key"},
    {BCASTDEC_OUT_UNSUPPORTED, "unsupported"}, {BCASTDEC_OUT_MALFORMED, "malformed"}};
const char *bcastdec_outcome_name(unsigned o) { return BCASTDEC__LOOKUP(outcome_names, o); }

static const bcastdec__vs mac_state_names[] = {
    {BCASTDEC_MAC_ABSENT, "absent"}, {BCASTDEC_MAC_VERIFIED, "verified"},
    {BCASTDEC_MAC_FAILED, "failed"}, {BCASTDEC_MAC_NO_KEY, "no_key"}};
const char *bcastdec_mac_state_name(unsigned s) { return BCASTDEC__LOOKUP(mac_state_names, s); }

static const bcastdec__vs found_by_names[] = {
    {BCASTDEC_FOUND_NONE, "none"}, {BCASTDEC_FOUND_IDR, "idr"},
    {BCASTDEC_FOUND_DIGEST_USER, "digest_username"}, {BCASTDEC_FOUND_WILDCARD, "wildcard"},
    {BCASTDEC_FOUND_KEYID, "keyid"}, {BCASTDEC_FOUND_SEARCH, "search"},
    {BCASTDEC_FOUND_LTKM, "ltkm"}};
const char *bcastdec_found_by_name(unsigned fb) { return BCASTDEC__LOOKUP(found_by_names, fb); }

static const bcastdec__vs rand_variant_names[] = {
    {BCASTDEC_RANDV_NONE, "none"}, {BCASTDEC_RANDV_MESSAGE, "message"},
    {BCASTDEC_RANDV_EMPTY, "empty"}, {BCASTDEC_RANDV_LTKM, "ltkm"}};
const char *bcastdec_rand_variant_name(unsigned rv) { return BCASTDEC__LOOKUP(rand_variant_names, rv); }

static const bcastdec__vs severity_names[] = {
    {BCASTDEC_SEV_NOTE, "note"}, {BCASTDEC_SEV_WARNING, "warning"},
    {BCASTDEC_SEV_ERROR, "error"}};
const char *bcastdec_severity_name(unsigned s) { return BCASTDEC__LOOKUP(severity_names, s); }

static const bcastdec__vs status_names[] = {
    {(unsigned)-BCASTDEC_OK, "ok"},
    {(unsigned)-BCASTDEC_ERR_TRUNCATED, "truncated"},
    {(unsigned)-BCASTDEC_ERR_MALFORMED, "malformed"},
    {(unsigned)-BCASTDEC_ERR_UNSUPPORTED, "unsupported"},
    {(unsigned)-BCASTDEC_ERR_NO_KEY, "no_key"},
    {(unsigned)-BCASTDEC_ERR_AUTH, "auth_failed"},
    {(unsigned)-BCASTDEC_ERR_NOMEM, "out_of_memory"},
    {(unsigned)-BCASTDEC_ERR_ARG, "bad_argument"},
    {(unsigned)-BCASTDEC_ERR_IO, "io_error"},
    {(unsigned)-BCASTDEC_ERR_SYNTAX, "syntax_error"},
    {(unsigned)-BCASTDEC_ERR_SPACE, "no_space"}};
const char *bcastdec_status_name(bcastdec_status st) {
  const char *n = st <= 0 ? BCASTDEC__LOOKUP(status_names, (unsigned)-st) : NULL;
  return n != NULL ? n : "unknown";
}

const char *bcastdec_strerror(bcastdec_status st) {
  switch (st) {
  case BCASTDEC_OK: return "success";
  case BCASTDEC_ERR_TRUNCATED: return "input ends before a length says it should";
  case BCASTDEC_ERR_MALFORMED: return "input contradicts itself";
  case BCASTDEC_ERR_UNSUPPORTED: return "well-formed but not supported";
  case BCASTDEC_ERR_NO_KEY: return "no key known";
  case BCASTDEC_ERR_AUTH: return "MAC verification failed";
  case BCASTDEC_ERR_NOMEM: return "out of memory";
  case BCASTDEC_ERR_ARG: return "invalid argument";
  case BCASTDEC_ERR_IO: return "file could not be read";
  case BCASTDEC_ERR_SYNTAX: return "syntax error";
  case BCASTDEC_ERR_SPACE: return "output buffer too small";
  }
  return "unknown status";
}

/*
 * The assumptions of the wire profile ([A] rules of PROFILE.md).  Decryption
 * depends on none of them: the KEMAC path is confirmed, and keys are searched
 * by class when identifiers cannot be matched.
 */
static const bcastdec_assumption assumptions[] = {
    {"keyid_ext_type", 3, 1,
     "General Extension type number of the RFC 4563 Key ID extension"},
    {"bcast_ext_type", 5, 1,
     "General Extension type number of the OMA BCAST extension (RFC 5410)"},
    {"stkm_try_ltkm_rand", 1, 1,
     "STKM transport keys: when the MAC fails with an empty RAND, also try the RAND of "
     "the LTKM that delivered the SEK/PEK"},
    {"ltkm_udp_port", 4359, 1, "UDP port of LTKM push (IANA name omabcastltkm)"},
    {"keyid_entry_layout", -1, 0,
     "Key ID extension data = entries Key ID type(1) || length(2) || value"},
    {"keyid_entry_types", -1, 0,
     "Key ID entry types: 0 Key Domain ID (3 bytes), 1 SEK/PEK ID (4), 2 TEK ID (2), "
     "3 MUK ID (variable)"},
    {"bcast_ext_layout", -1, 0,
     "OMA BCAST extension data = subtype(1): 1 LTKM, 2 STKM, 3 LTKM reporting, "
     "4 parental control; then subtype data"},
    {"bcast_ltkm_layout", -1, 0,
     "LTKM subtype data = security_policy_extension(1), then TLVs tag(1) len(1) value: "
     "0x01 token quantity, 0x02 playback counter, 0x03 permissions issuer URI, "
     "0x04 parental rating"},
    {"bcast_stkm_layout", -1, 0,
     "STKM subtype data = flags(1): protection_after_reception(2) access_criteria_flag(1) "
     "traffic_protection_protocol(3) traffic_authentication_flag(1) next_tek_flag(1), "
     "then TLVs"},
    {"ltkm_payloads", -1, 0,
     "LTKM: HDR(data type 0, PRF 0, #CS 0, map 1), EXT(Key ID), T(COUNTER), RAND, IDi(URI), "
     "IDr(NAI = B-TID or NAI), EXT(BCAST), KEMAC; any order accepted"},
    {"ltkm_key_data", -1, 0,
     "LTKM KEMAC: one Key data, type TGK, key = SEK/PEK (16 bytes), KV NULL, SPI "
     "(= SEK/PEK ID) or Interval (TEK IDs)"},
    {"stkm_payloads", -1, 0,
     "STKM: HDR, EXT(Key ID), T(COUNTER), EXT(BCAST), KEMAC; no RAND payload"},
    {"stkm_key_data", -1, 0,
     "STKM KEMAC: one Key data, type TEK+SALT, TEK 16 bytes, salt 14 bytes, "
     "KV SPI = MKI = SEK/PEK ID(4) || TEK ID(2)"},
    {"tek_is_key_data", -1, 0, "TEK = the decrypted key itself (MGV-F taken as identity)"},
    {"replay_direction", -1, 0,
     "Replay: T counter must be strictly greater than the last accepted one, per SMK "
     "(LTKM) and per SEK/PEK (STKM)"},
    {"idr_is_subscriber", -1, 0,
     "LTKM IDr carries the subscriber identity (B-TID or NAI) that selects the SMK"},
    {"verification_mac_input", -1, 0,
     "Verification message MAC: over the message || T of the LTKM (8 bytes), or "
     "|| IDi || IDr || T (raw); both are tried and the match is reported"},
    {"sek_or_pek", -1, 0,
     "A key delivered by an LTKM is shown as SEK unless the key file names its address "
     "as a PEK"},
    {"digest_password_form", -1, 0,
     "HTTP Digest password = the SRK as text: base64(SRK) first, then lowercase hex, then "
     "the raw bytes; the form that verified is reported"},
    {"xml_element_names", -1, 0,
     "XML names other than the seeds' (requestID, globalStatusCode, itemwiseStatusCode, "
     "globalIDRef, idRef, serviceId, the MSK request, registration and provisioning bodies) "
     "are matched by local name, case-insensitively, in any namespace; fields so found are "
     "marked assumed"},
    {"xml_root_elements", -1, 0,
     "Root element names the message: mbmsMSKRequest, mbmsUserServiceRegistration, "
     "mbmsUserServiceDeregistration, mbmsRegistrationResponse, ServiceRequest/Response, "
     "TokenPurchase..., SmartcardProfileTrigger, any root in the BCAST namespace = "
     "provisioning (only mbmsMSKResponse is confirmed)"},
    {"xml_media_types", -1, 0,
     "application/vnd.oma.bcast.sprov+xml carries the service provisioning messages, "
     "application/vnd.oma.bcast.smartcard-trigger+xml the Smartcard Profile Trigger"},
    {"msk_success_code", -1, 0,
     "MSK response: a ResponseCode starting with \"200\" (then a blank or nothing, as "
     "\"200 OK\") is the success code of the LTKM inclusion rules"},
};

const bcastdec_assumption *bcastdec_assumptions(size_t *n) {
  if (n != NULL) *n = sizeof assumptions / sizeof assumptions[0];
  return assumptions;
}

void bcastdec_opts_init(bcastdec_opts *o) {
  if (o == NULL) return;
  o->struct_size = (uint32_t)sizeof *o;
  o->keyid_ext_type = (uint8_t)assumptions[0].value;
  o->bcast_ext_type = (uint8_t)assumptions[1].value;
  o->stkm_try_ltkm_rand = (uint8_t)assumptions[2].value;
}
