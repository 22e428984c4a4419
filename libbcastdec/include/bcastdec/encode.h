/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec encoder: builds the messages the decoder reads, from structs
 * and keys, following the same wire profile (PROFILE.md sections 1-5 and 7).
 *
 *   bcastdec_ltkm_encode()          LTKM = MBMS MSK message + OMA BCAST
 *                                   extension, protected with the SMK
 *   bcastdec_stkm_encode()          STKM = MBMS MTK message + OMA BCAST
 *                                   extension, protected with the SEK/PEK
 *   bcastdec_verif_encode()         verification message (MIKEY data type 1)
 *                                   answering an LTKM with HDR V = 1
 *   bcastdec_msk_response_encode()  MSK response XML body with <bcast:LTKM>
 *                                   elements (OMA BCAST CR, seed 003)
 *
 * References: RFC 3830 sections 4.1-4.2, 5.2, 6 (MIKEY), RFC 4563 (Key ID
 * extension, empty map), RFC 6043 (PRF-HMAC-SHA-256, IDR, GENERIC-ID map),
 * RFC 5410 (OMA BCAST extension), 3GPP TS 26.346 section 11.8 (MSK
 * response).  Layouts tagged [A] in PROFILE.md are assumptions; their type
 * numbers are fields here, as they are options of the decoder.
 *
 * Conventions (all encoders):
 *  - Every spec struct is initialised with its *_init() function, which sets
 *    |struct_size| and the profile's defaults; the caller then fills in
 *    identifiers, keys and payload data.  A struct whose |struct_size| is not
 *    the library's is rejected with BCASTDEC_ERR_ARG.
 *  - Byte fields are (pointer, length) pairs; pointers are borrowed for the
 *    duration of the call only.  A NULL pointer with a non-zero length is
 *    BCASTDEC_ERR_ARG.
 *  - Output goes to the caller's buffer |out| of |cap| bytes.  |out_len|
 *    (required) receives the length of the message.  Size query: with
 *    |out| NULL and |cap| 0 nothing is written and BCASTDEC_OK is returned
 *    with the length.  A |cap| that is too small returns BCASTDEC_ERR_SPACE
 *    with the length needed in *out_len and nothing usable in |out|.  Any
 *    other error sets *out_len to 0.
 *  - Key material: the caller's keys are only read.  Derived keys and
 *    scratch buffers are wiped before returning on every path; on an error
 *    after writing began, the bytes written to |out| are wiped too.  No
 *    error text contains key bytes.
 *
 * Statuses: BCASTDEC_OK; _ERR_SPACE (|cap| too small); _ERR_ARG (a field
 * out of range for its wire field or for the profile, a missing key, a
 * key/salt longer than BCASTDEC_KEY_MAX/BCASTDEC_SALT_MAX, NULL pointers);
 * _ERR_UNSUPPORTED (an algorithm or layout the decoder knows but that is not
 * implemented: AES-KW-128, an unknown CS ID map type, an unknown timestamp
 * type); and, for bcastdec_verif_encode() only, the status of the LTKM it
 * answers (_ERR_TRUNCATED/_MALFORMED) and _ERR_AUTH when the LTKM's MAC
 * does not verify with the SMK.
 */
#ifndef BCASTDEC_ENCODE_H
#define BCASTDEC_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ID types of the ID/IDR payloads (RFC 3830 6.7, RFC 6043) */
enum { BCASTDEC_IDT_NAI = 0, BCASTDEC_IDT_URI = 1, BCASTDEC_IDT_BYTES = 2 };

/* ------------------------------------------------------------------------ */
/* Building blocks shared by the LTKM and STKM specs                        */
/* ------------------------------------------------------------------------ */

/* CS ID map type 0 (SRTP-ID), one crypto session: Policy_no(1) SSRC(4) ROC(4) */
typedef struct bcastdec_enc_srtp_cs {
  uint8_t policy;
  uint32_t ssrc;
  uint32_t roc;
} bcastdec_enc_srtp_cs;

/* Common header (RFC 3830 6.1).  Version 1; the data type follows from the
 * message kind (0 for LTKM/STKM, 1 for verification messages). */
typedef struct bcastdec_enc_hdr {
  uint8_t v_flag;   /* 1: ask for a verification message (LTKM only)        */
  uint8_t prf;      /* BCASTDEC_PRF_MIKEY_1 (default) or _HMAC_SHA256       */
  uint32_t csb_id;
  uint8_t map_type; /* BCASTDEC_MAP_EMPTY (default, #CS 0), _SRTP_ID,
                       _GENERIC_ID                                          */
  /* BCASTDEC_MAP_SRTP_ID: #CS = n_srtp (at most 255) */
  const bcastdec_enc_srtp_cs *srtp;
  size_t n_srtp;
  /* BCASTDEC_MAP_GENERIC_ID (RFC 6043 6.1): #CS and the map info bytes as
   * they go on the wire (the caller lays them out) */
  uint8_t generic_n_cs;
  const uint8_t *generic_info;
  size_t generic_info_len;
} bcastdec_enc_hdr;

/* One Key ID entry: Key ID type(1) Key ID length(2) Key ID [A] */
typedef struct bcastdec_enc_keyid_entry {
  uint8_t type; /* BCASTDEC_KEYID_* or any other number */
  const uint8_t *value;
  size_t len;   /* at most 65535 */
} bcastdec_enc_keyid_entry;

/*
 * RFC 4563 Key ID extension (General Extension payload) [A].  Entries are
 * written in this order: Key Domain ID (3 bytes), SEK/PEK ID (4), TEK ID
 * (2), each when its has_* flag is set, then |extra| (e.g. a MUK ID).
 */
typedef struct bcastdec_enc_keyid {
  uint8_t present;  /* 0: no Key ID extension                               */
  uint8_t ext_type; /* General Extension type [A], default 3                */
  uint8_t has_kdid, has_sekpek_id, has_tek_id;
  uint8_t kdid[3];  /* MCC || MNC as the wire carries it                    */
  uint32_t sekpek_id;
  uint16_t tek_id;
  const bcastdec_enc_keyid_entry *extra;
  size_t n_extra;
} bcastdec_enc_keyid;

/* T payload (RFC 3830 6.6).  NTP-UTC and NTP take 8 bytes, COUNTER and
 * NTP-UTC-32 take 4 (|value| must then fit in 32 bits).  The KEMAC IV uses
 * |value| as a 64-bit number (PROFILE.md section 2). */
typedef struct bcastdec_enc_t {
  uint8_t present;  /* 0: no T payload                                      */
  uint8_t ts_type;  /* BCASTDEC_TS_*, default COUNTER                        */
  uint64_t value;
} bcastdec_enc_t;

/* ID payload (RFC 3830 6.7) or, with |role| != 0, IDR payload (RFC 6043
 * 6.6).  |id| NULL: no payload. */
typedef struct bcastdec_enc_id {
  const uint8_t *id;
  size_t len;      /* at most 65535 */
  uint8_t type;    /* BCASTDEC_IDT_* */
  uint8_t role;    /* 0: ID payload; 1 IDRi, 2 IDRr, ...: IDR payload */
} bcastdec_enc_id;

/* tag(1) len(1) value, in the OMA BCAST extension [A] */
typedef struct bcastdec_enc_tlv {
  uint8_t tag;
  const uint8_t *value;
  size_t len;      /* at most 255 */
} bcastdec_enc_tlv;

/*
 * OMA BCAST extension (General Extension payload, RFC 5410) [A]:
 * subtype(1), then
 *   LTKM (1): security_policy_extension(1), TLVs
 *   STKM (2): flags(1) = par(2 bits) acf(1) tpp(3) taf(1) ntf(1), TLVs
 *   other subtypes: |rest| as given
 */
typedef struct bcastdec_enc_bcast {
  uint8_t present;  /* 0: no OMA BCAST extension                            */
  uint8_t ext_type; /* General Extension type [A], default 5                */
  uint8_t subtype;  /* BCASTDEC_BCAST_*; default LTKM / STKM by spec        */
  uint8_t spe;      /* LTKM: security_policy_extension                      */
  uint8_t par;      /* STKM: protection_after_reception, 0..3               */
  uint8_t acf;      /* STKM: access_criteria_flag, 0..1                     */
  uint8_t tpp;      /* STKM: traffic_protection_protocol, 0..7 (0 IPsec,
                       1 SRTP, 2 ISMACryp, 3 DCF)                           */
  uint8_t taf;      /* STKM: traffic_authentication_flag, 0..1              */
  uint8_t ntf;      /* STKM: next_tek_flag, 0..1                            */
  const bcastdec_enc_tlv *tlv; /* LTKM, STKM: 0x01 token quantity, 0x02
                                  playback counter, 0x03 PI URI, 0x04
                                  parental rating, ...                      */
  size_t n_tlv;
  const uint8_t *rest; /* other subtypes: the data after the subtype byte  */
  size_t rest_len;
} bcastdec_enc_bcast;

/* Key data sub-payload (RFC 3830 6.13), inside the KEMAC */
typedef struct bcastdec_enc_key_data {
  uint8_t type;         /* BCASTDEC_KD_TGK, _TGK_SALT, _TEK, _TEK_SALT      */
  uint8_t kv;           /* BCASTDEC_KV_NULL, _SPI, _INTERVAL                */
  const uint8_t *key;   /* SEK/PEK (LTKM) or TEK (STKM)                     */
  size_t key_len;       /* 1..BCASTDEC_KEY_MAX                              */
  const uint8_t *salt;  /* types *_SALT only                                */
  size_t salt_len;      /* 0..BCASTDEC_SALT_MAX                             */
  const uint8_t *spi;   /* KV SPI: SEK/PEK ID (LTKM), MKI = SEK/PEK ID ||
                           TEK ID (STKM)                                    */
  size_t spi_len;       /* at most 255                                      */
  const uint8_t *vf;    /* KV Interval: Valid From, Valid To (TEK IDs)      */
  size_t vf_len;        /* at most 255                                      */
  const uint8_t *vt;
  size_t vt_len;        /* at most 255                                      */
} bcastdec_enc_key_data;

/* KEMAC (RFC 3830 6.2): always the last payload, its MAC covers the whole
 * message before the MAC bytes. */
typedef struct bcastdec_enc_kemac {
  uint8_t encr_alg; /* BCASTDEC_ENCR_AES_CM_128 (default) or _NULL          */
  uint8_t mac_alg;  /* BCASTDEC_MAC_HMAC_SHA1_160 (default) or _NULL        */
  const bcastdec_enc_key_data *key_data; /* the plaintext chain, in order;
                                            none: a token-only LTKM         */
  size_t n_key_data;
} bcastdec_enc_kemac;

/* ------------------------------------------------------------------------ */
/* LTKM                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Payloads are written in the profile's order: HDR, EXT(Key ID), T, RAND,
 * IDi, IDr, EXT(OMA BCAST), KEMAC, each only when present.
 */
typedef struct bcastdec_ltkm_spec {
  uint32_t struct_size;
  bcastdec_enc_hdr hdr;
  bcastdec_enc_keyid keyid; /* default: present, Key Domain ID + SEK/PEK ID */
  bcastdec_enc_t t;         /* default: present, COUNTER                    */
  const uint8_t *rand;      /* RAND payload (profile: 16 random bytes); NULL:
                               none, the KEMAC keys then use an empty RAND  */
  size_t rand_len;          /* at most 255                                  */
  bcastdec_enc_id idi;      /* profile: URI, the BSM (NAF) FQDN             */
  bcastdec_enc_id idr;      /* profile: NAI, B-TID or NAI of the subscriber;
                               as an ID payload (role 0) only after an IDi  */
  bcastdec_enc_bcast bcast; /* default: present, subtype LTKM               */
  bcastdec_enc_kemac kemac;
} bcastdec_ltkm_spec;

/* Profile defaults: V 0, PRF MIKEY-1, empty map, Key ID extension (type 3)
 * with Key Domain ID and SEK/PEK ID, T COUNTER, OMA BCAST extension (type 5)
 * subtype LTKM, KEMAC AES-CM-128 + HMAC-SHA-1-160.  IDi/IDr types URI/NAI. */
BCASTDEC_API void bcastdec_ltkm_spec_init(bcastdec_ltkm_spec *s);

/*
 * Encodes an LTKM protected with |smk| (the MIKEY PSK: MUK for (U)SIM, TK
 * for (R-)UIM/CSIM; 1..BCASTDEC_KEY_MAX bytes, 16 or 32 in practice).  |smk|
 * may be NULL only when both KEMAC algorithms are NULL.  The OMA BCAST
 * subtype may not be STKM.  Statuses: see the top of this header.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_ltkm_encode(const bcastdec_ltkm_spec *s, const uint8_t *smk, size_t smk_len,
                     uint8_t *out, size_t cap, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* STKM                                                                     */
/* ------------------------------------------------------------------------ */

/* Payloads in order: HDR, EXT(Key ID), T, [RAND], EXT(OMA BCAST), KEMAC. */
typedef struct bcastdec_stkm_spec {
  uint32_t struct_size;
  bcastdec_enc_hdr hdr;     /* v_flag must be 0                             */
  bcastdec_enc_keyid keyid; /* default: present, Key Domain ID, SEK/PEK ID
                               and TEK ID                                   */
  bcastdec_enc_t t;         /* default: present, COUNTER                    */
  const uint8_t *rand;      /* RAND payload; the profile has none (NULL)    */
  size_t rand_len;
  /* RAND for the KEMAC key derivation when it is not the RAND payload [A]:
   * the decoder also tries the RAND of the LTKM that delivered the SEK/PEK.
   * Used when |kdf_rand_set| is 1 (|kdf_rand| may then be empty). */
  uint8_t kdf_rand_set;
  const uint8_t *kdf_rand;
  size_t kdf_rand_len;
  bcastdec_enc_bcast bcast; /* default: present, subtype STKM               */
  bcastdec_enc_kemac kemac; /* profile: one TEK+SALT, KV SPI = MKI          */
} bcastdec_stkm_spec;

/* Profile defaults: V 0, PRF MIKEY-1, empty map, Key ID extension (type 3)
 * with Key Domain ID, SEK/PEK ID and TEK ID, T COUNTER, no RAND, OMA BCAST
 * extension (type 5) subtype STKM with all flags 0, AES-CM-128 +
 * HMAC-SHA-1-160. */
BCASTDEC_API void bcastdec_stkm_spec_init(bcastdec_stkm_spec *s);

/*
 * Encodes an STKM protected with |sekpek| (the SEK or PEK named by the Key
 * ID extension; 1..BCASTDEC_KEY_MAX bytes).  |sekpek| may be NULL only when
 * both KEMAC algorithms are NULL.  If the OMA BCAST extension is present its
 * subtype must be STKM.  Statuses: see the top of this header.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_stkm_encode(const bcastdec_stkm_spec *s, const uint8_t *sekpek, size_t sekpek_len,
                     uint8_t *out, size_t cap, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Verification message (MIKEY data type 1)                                 */
/* ------------------------------------------------------------------------ */

/*
 * HDR (data type 1, V 0, the LTKM's PRF and CSB ID, empty map), T, [IDr],
 * V (HMAC-SHA-1-160).  The MAC key is the LTKM's KEMAC auth key (RFC 3830
 * 4.1.4, the LTKM's RAND and CSB ID).  The MAC input is not confirmed
 * (mbms-mikey.md 3.4); the decoder accepts two candidates:
 *   BCASTDEC_VINPUT_T64    message up to the MAC || the LTKM's T value as
 *                          8 bytes (RFC 3830 5.2 as minisip reads it) -
 *                          the default
 *   BCASTDEC_VINPUT_IDS_T  message up to the MAC || the LTKM's IDi data ||
 *                          IDr data || T value bytes as on the wire
 */
typedef struct bcastdec_verif_spec {
  uint32_t struct_size;
  uint8_t mac_input;   /* bcastdec_verif_input, default _T64                */
  uint8_t any_v;       /* 1: answer an LTKM with V = 0 too (default 0:
                          BCASTDEC_ERR_ARG)                                 */
  uint8_t t_from_ltkm; /* 1 (default): T = the LTKM's T (type and value);
                          0: |t| as given (t.present 0: no T payload)       */
  bcastdec_enc_t t;
  bcastdec_enc_id idr; /* optional IDr (NULL id: none)                      */
} bcastdec_verif_spec;

BCASTDEC_API void bcastdec_verif_spec_init(bcastdec_verif_spec *s);

/*
 * Encodes the verification message answering |ltkm| (a complete LTKM as
 * received) with |smk|.  The LTKM must parse without problems and carry a
 * T payload; when it has a MAC, the MAC must verify with |smk|
 * (BCASTDEC_ERR_AUTH otherwise), so only an authentic LTKM is answered.
 * These checks run in the size query too.
 * Statuses: see the top of this header.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_verif_encode(const bcastdec_verif_spec *s, const uint8_t *ltkm, size_t ltkm_len,
                      const uint8_t *smk, size_t smk_len, uint8_t *out, size_t cap,
                      size_t *out_len);

/* ------------------------------------------------------------------------ */
/* MSK response XML body (application/mbms-msk-response+xml)                 */
/* ------------------------------------------------------------------------ */

/* Namespaces (PROFILE.md section 7) */
#define BCASTDEC_NS_MSK_RESPONSE "urn:3GPP:metadata:2005:MBMS:mskResponse"
#define BCASTDEC_NS_BCAST_ORDERQUERIES "urn:oma:xml:bcast:pr:orderqueries:1.0"

/* One <Response>: <MSK><keyDomainID/><MSKID/></MSK> <ResponseCode/>
 * [<bcast:LTKM version="..">base64</bcast:LTKM>] */
typedef struct bcastdec_msk_response_item {
  uint8_t kdid[3];           /* keyDomainID, written as base64             */
  uint32_t msk_id;           /* MSKID (4 bytes big-endian), as base64       */
  const char *response_code; /* e.g. "200 OK"; UTF-8 text, escaped         */
  const uint8_t *ltkm;       /* NULL: no <bcast:LTKM> element              */
  size_t ltkm_len;
  uint8_t has_version;       /* 1: write the version attribute (absent = 0) */
  uint8_t version;
} bcastdec_msk_response_item;

typedef struct bcastdec_msk_response_spec {
  uint32_t struct_size;
  const bcastdec_msk_response_item *items;
  size_t n_items;
  /* 0 (default): enforce the inclusion rules of seed 003 - an LTKM only in
   * a Response whose ResponseCode is "200 OK"; once one Response carries
   * an LTKM every "200 OK" Response carries one; each LTKM parses as an
   * LTKM and its Key ID extension names the Response's keyDomainID and
   * MSKID; at least one Response.
   * 1: write whatever is given (test documents). */
  uint8_t lenient;
  uint8_t keyid_ext_type;    /* for the check above: default 3 [A] */
  uint8_t bcast_ext_type;    /* for the check above: default 5 [A] */
} bcastdec_msk_response_spec;

BCASTDEC_API void bcastdec_msk_response_spec_init(bcastdec_msk_response_spec *s);

/*
 * Writes the MSK response document as UTF-8 text, NUL-terminated, into
 * |out|.  *out_len receives the text length WITHOUT the NUL, so |cap| must
 * be at least *out_len + 1 (size query: |out| NULL, |cap| 0).  A
 * ResponseCode that is not valid UTF-8 or holds a character XML 1.0 cannot
 * carry is BCASTDEC_ERR_ARG (even when lenient).  Statuses: see the top of
 * this header.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_msk_response_encode(const bcastdec_msk_response_spec *s, char *out, size_t cap,
                             size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* BCASTDEC_ENCODE_H */
