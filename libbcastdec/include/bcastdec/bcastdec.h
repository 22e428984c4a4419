/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec - decoder for the key management of the OMA BCAST Smartcard
 * Profile (3GPP MBMS security reused by OMA BCAST 1.0).
 *
 * Scope of this header: MIKEY key messages (LTKM = MBMS MSK message, STKM =
 * MBMS MTK message, verification and error messages), the key store and key
 * file, and a decode session that walks the key chain SMK -> SEK/PEK -> TEK.
 *
 * References: RFC 3830 (MIKEY), RFC 4563 (Key ID extension, empty map),
 * RFC 6043 (PRF-HMAC-SHA-256, IDR, GENERIC-ID map), RFC 5410 (OMA BCAST
 * extension), 3GPP TS 33.246, TS 33.220 Annex B (GBA KDF), and the project's
 * wire profile (PROFILE.md, "[C]" confirmed / "[A]" assumed rules).
 *
 * Ownership rules (they hold for the whole API):
 *  - Every object returned through an out-parameter is owned by the caller
 *    and released with the matching *_free(); every *_free() accepts NULL and
 *    wipes any key material before releasing memory.
 *  - A decoded message points into the caller's input buffer (spans with
 *    src == BCASTDEC_SRC_WIRE); the input must outlive the message.  Decrypted
 *    plaintext is owned by the message (spans with src == BCASTDEC_SRC_PLAIN).
 *  - No function prints or logs key bytes.  Error texts never contain them.
 */
#ifndef BCASTDEC_BCASTDEC_H
#define BCASTDEC_BCASTDEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BCASTDEC_API __attribute__((visibility("default")))
#define BCASTDEC_NODISCARD __attribute__((warn_unused_result))
#else
#define BCASTDEC_API
#define BCASTDEC_NODISCARD
#endif

#define BCASTDEC_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_status {
  BCASTDEC_OK = 0,
  BCASTDEC_ERR_TRUNCATED = -1,   /* input ends before a length says it should  */
  BCASTDEC_ERR_MALFORMED = -2,   /* input contradicts itself                   */
  BCASTDEC_ERR_UNSUPPORTED = -3, /* well-formed, but not implemented/known     */
  BCASTDEC_ERR_NO_KEY = -4,      /* explicit crypto calls only: no key         */
  BCASTDEC_ERR_AUTH = -5,        /* explicit crypto calls only: MAC mismatch   */
  BCASTDEC_ERR_NOMEM = -6,
  BCASTDEC_ERR_ARG = -7, /* caller misuse (NULL, bad size)             */
  BCASTDEC_ERR_IO = -8,  /* file could not be opened or read           */
  BCASTDEC_ERR_SYNTAX = -9, /* key file line does not parse            */
  BCASTDEC_ERR_SPACE = -10  /* encoders: output buffer too small         */
} bcastdec_status;

/* Short English text for |st|; never NULL. */
BCASTDEC_API const char *bcastdec_strerror(bcastdec_status st);
/* Stable machine name: "ok", "truncated", "malformed", "unsupported", ... */
BCASTDEC_API const char *bcastdec_status_name(bcastdec_status st);

/* ------------------------------------------------------------------------ */
/* Spans and field carriers                                                 */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_src {
  BCASTDEC_SRC_NONE = 0,  /* derived value, no bytes behind it */
  BCASTDEC_SRC_WIRE = 1,  /* offset into the message as received */
  BCASTDEC_SRC_PLAIN = 2  /* offset into the message's decrypted KEMAC data */
} bcastdec_src;

typedef struct bcastdec_span {
  uint32_t off;
  uint32_t len;
  uint8_t src; /* bcastdec_src */
} bcastdec_span;

/* A numeric field (up to 64 bits) and the bytes it was read from. */
typedef struct bcastdec_num {
  uint64_t v;
  bcastdec_span sp;
} bcastdec_num;

/* A byte-string field; |p| points into the wire buffer or the plaintext. */
typedef struct bcastdec_bytes {
  const uint8_t *p;
  size_t len;
  bcastdec_span sp;
} bcastdec_bytes;

/* ------------------------------------------------------------------------ */
/* Assumptions ([A] rules of the wire profile), one table                   */
/* ------------------------------------------------------------------------ */

typedef struct bcastdec_assumption {
  const char *name;    /* stable name, e.g. "keyid_ext_type" */
  long value;          /* default value (numbers), or -1 for layout rules */
  int overridable;     /* 1: an option of bcastdec_opts / CLI / preference */
  const char *text;    /* one-line description of the assumption */
} bcastdec_assumption;

/* The table of every assumption the decoder makes; *n receives its size. */
BCASTDEC_API const bcastdec_assumption *bcastdec_assumptions(size_t *n);

/* Options of a decode.  Initialise with bcastdec_opts_init(). */
typedef struct bcastdec_opts {
  uint32_t struct_size;    /* sizeof(bcastdec_opts), set by _init */
  uint8_t keyid_ext_type;  /* [A] General Extension type of RFC 4563 Key ID, default 3 */
  uint8_t bcast_ext_type;  /* [A] General Extension type of OMA BCAST, default 5 */
  uint8_t stkm_try_ltkm_rand; /* [A] STKM: also try the LTKM's RAND (default 1) */
} bcastdec_opts;

BCASTDEC_API void bcastdec_opts_init(bcastdec_opts *o);

/* ------------------------------------------------------------------------ */
/* MIKEY numbers (RFC 3830 and successors)                                  */
/* ------------------------------------------------------------------------ */

enum {
  BCASTDEC_DT_PSK_INIT = 0,
  BCASTDEC_DT_PSK_RESP = 1, /* verification message */
  BCASTDEC_DT_ERROR = 6
};

enum {
  BCASTDEC_PT_LAST = 0,
  BCASTDEC_PT_KEMAC = 1,
  BCASTDEC_PT_PKE = 2,
  BCASTDEC_PT_DH = 3,
  BCASTDEC_PT_SIGN = 4,
  BCASTDEC_PT_T = 5,
  BCASTDEC_PT_ID = 6,
  BCASTDEC_PT_CERT = 7,
  BCASTDEC_PT_CHASH = 8,
  BCASTDEC_PT_V = 9,
  BCASTDEC_PT_SP = 10,
  BCASTDEC_PT_RAND = 11,
  BCASTDEC_PT_ERR = 12,
  BCASTDEC_PT_TR = 13,
  BCASTDEC_PT_IDR = 14,
  BCASTDEC_PT_RANDR = 15,
  BCASTDEC_PT_TP = 16,
  BCASTDEC_PT_TICKET = 17,
  BCASTDEC_PT_KEY_DATA = 20,
  BCASTDEC_PT_GEN_EXT = 21,
  BCASTDEC_PT_SAKKE = 26
};

enum { BCASTDEC_MAP_SRTP_ID = 0, BCASTDEC_MAP_EMPTY = 1, BCASTDEC_MAP_GENERIC_ID = 2 };
enum { BCASTDEC_TS_NTP_UTC = 0, BCASTDEC_TS_NTP = 1, BCASTDEC_TS_COUNTER = 2,
       BCASTDEC_TS_NTP_UTC_32 = 3 };
enum { BCASTDEC_ENCR_NULL = 0, BCASTDEC_ENCR_AES_CM_128 = 1, BCASTDEC_ENCR_AES_KW_128 = 2 };
enum { BCASTDEC_MAC_NULL = 0, BCASTDEC_MAC_HMAC_SHA1_160 = 1 };
enum { BCASTDEC_PRF_MIKEY_1 = 0, BCASTDEC_PRF_HMAC_SHA256 = 1 };
enum { BCASTDEC_KD_TGK = 0, BCASTDEC_KD_TGK_SALT = 1, BCASTDEC_KD_TEK = 2,
       BCASTDEC_KD_TEK_SALT = 3 };
enum { BCASTDEC_KV_NULL = 0, BCASTDEC_KV_SPI = 1, BCASTDEC_KV_INTERVAL = 2 };
/* Key ID extension entry types [A] */
enum { BCASTDEC_KEYID_KDID = 0, BCASTDEC_KEYID_SEKPEK = 1, BCASTDEC_KEYID_TEK = 2,
       BCASTDEC_KEYID_MUK = 3 };
/* OMA BCAST extension subtypes [A] */
enum { BCASTDEC_BCAST_LTKM = 1, BCASTDEC_BCAST_STKM = 2, BCASTDEC_BCAST_REPORTING = 3,
       BCASTDEC_BCAST_PARENTAL = 4 };

/* Names for the numbers above; NULL when the value is unknown. */
BCASTDEC_API const char *bcastdec_payload_name(unsigned pt);
BCASTDEC_API const char *bcastdec_data_type_name(unsigned dt);
BCASTDEC_API const char *bcastdec_map_type_name(unsigned mt);
BCASTDEC_API const char *bcastdec_ts_type_name(unsigned ts);
BCASTDEC_API const char *bcastdec_encr_alg_name(unsigned a);
BCASTDEC_API const char *bcastdec_mac_alg_name(unsigned a);
BCASTDEC_API const char *bcastdec_prf_name(unsigned prf);
BCASTDEC_API const char *bcastdec_kd_type_name(unsigned t);
BCASTDEC_API const char *bcastdec_kv_type_name(unsigned kv);
BCASTDEC_API const char *bcastdec_id_type_name(unsigned t);
BCASTDEC_API const char *bcastdec_id_role_name(unsigned r);
BCASTDEC_API const char *bcastdec_err_name(unsigned e);
BCASTDEC_API const char *bcastdec_gen_ext_name(unsigned t, const bcastdec_opts *o);
BCASTDEC_API const char *bcastdec_keyid_type_name(unsigned t);
BCASTDEC_API const char *bcastdec_bcast_subtype_name(unsigned st);
BCASTDEC_API const char *bcastdec_tpp_name(unsigned tpp); /* traffic_protection_protocol */

/* ------------------------------------------------------------------------ */
/* Decoded MIKEY structures                                                 */
/* ------------------------------------------------------------------------ */

typedef struct bcastdec_cs_srtp { /* CS ID map type 0, one entry */
  bcastdec_num policy, ssrc, roc;
} bcastdec_cs_srtp;

typedef struct bcastdec_cs_generic { /* CS ID map type 2 (RFC 6043), one entry */
  bcastdec_num cs_id, prot_type, s_flag, n_p;
  bcastdec_bytes policies;
  bcastdec_num session_data_len;
  bcastdec_bytes session_data;
  bcastdec_num spi_len;
  bcastdec_bytes spi;
} bcastdec_cs_generic;

typedef struct bcastdec_hdr {
  bcastdec_span sp;
  bcastdec_num version, data_type, next_payload, v_flag, prf, csb_id, n_cs, map_type;
  bcastdec_bytes map_info;
  size_t n_srtp;
  bcastdec_cs_srtp *srtp;
  size_t n_generic;
  bcastdec_cs_generic *generic;
} bcastdec_hdr;

typedef struct bcastdec_key_data { /* RFC 3830 6.13, inside KEMAC plaintext */
  bcastdec_span sp;
  bcastdec_num next, type, kv, key_len;
  bcastdec_bytes key;
  bcastdec_num salt_len;
  bcastdec_bytes salt;
  bcastdec_num spi_len;
  bcastdec_bytes spi;     /* KV = SPI */
  bcastdec_num vf_len;
  bcastdec_bytes vf;      /* KV = Interval: valid from */
  bcastdec_num vt_len;
  bcastdec_bytes vt;      /* KV = Interval: valid to */
} bcastdec_key_data;

typedef struct bcastdec_keyid_entry { /* [A] RFC 4563 Key ID entry */
  bcastdec_span sp;
  bcastdec_num type, len;
  bcastdec_bytes value;
} bcastdec_keyid_entry;

typedef struct bcastdec_tlv {
  bcastdec_span sp;
  bcastdec_num tag, len;
  bcastdec_bytes value;
} bcastdec_tlv;

typedef enum bcastdec_ext_kind {
  BCASTDEC_EXT_RAW = 0,   /* shown as raw bytes */
  BCASTDEC_EXT_KEYID = 1, /* RFC 4563 Key ID (type number from the options) */
  BCASTDEC_EXT_BCAST = 2, /* OMA BCAST (type number from the options) */
  BCASTDEC_EXT_VENDOR = 3,
  BCASTDEC_EXT_SDP_IDS = 4
} bcastdec_ext_kind;

typedef struct bcastdec_ext {
  bcastdec_num type, len;
  bcastdec_bytes data;
  uint8_t kind;        /* bcastdec_ext_kind */
  uint8_t assumed;     /* 1: layout from an [A] rule */
  uint8_t inner_status_is_error; /* 1: inner layout did not fit; data shown raw */
  /* KEYID */
  size_t n_keyid;
  bcastdec_keyid_entry *keyid;
  /* BCAST */
  bcastdec_num subtype;
  bcastdec_num spe;                 /* LTKM: security_policy_extension */
  bcastdec_num stkm_flags;          /* STKM: the flags byte */
  bcastdec_num par, acf, tpp, taf, ntf; /* STKM flag fields, spans on the byte */
  size_t n_tlv;
  bcastdec_tlv *tlv;
  bcastdec_bytes rest;              /* undecoded subtype data */
} bcastdec_ext;

typedef struct bcastdec_payload {
  uint8_t type;  /* BCASTDEC_PT_* of this payload */
  bcastdec_span sp;
  bcastdec_num next;
  union {
    struct { bcastdec_num ts_type; bcastdec_num value; bcastdec_bytes raw; } t;
    struct { bcastdec_num len; bcastdec_bytes rand; } rand;
    struct { bcastdec_num role; /* IDR only */
             bcastdec_num id_type, id_len; bcastdec_bytes id; } id;
    struct { bcastdec_num encr_alg, encr_len; bcastdec_bytes encr_data;
             bcastdec_num mac_alg; bcastdec_bytes mac; } kemac;
    struct { bcastdec_num auth_alg; bcastdec_bytes mac; } v;
    struct { bcastdec_num policy_no, prot_type, param_len; bcastdec_bytes params;
             size_t n_param; bcastdec_tlv *param; } sp;
    struct { bcastdec_num err_no; bcastdec_bytes reserved; } err;
    bcastdec_ext ext;
  } u;
} bcastdec_payload;

/* ------------------------------------------------------------------------ */
/* Findings                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_severity {
  BCASTDEC_SEV_NOTE = 0,
  BCASTDEC_SEV_WARNING = 1,
  BCASTDEC_SEV_ERROR = 2
} bcastdec_severity;

typedef struct bcastdec_finding_info {
  const char *id;          /* stable id, e.g. "kemac.mac_failed" */
  uint8_t severity;        /* bcastdec_severity */
  uint8_t group;           /* bcastdec_finding_group */
  const char *summary;     /* one line, for documentation and expert infos */
} bcastdec_finding_info;

typedef enum bcastdec_finding_group {
  BCASTDEC_GROUP_MALFORMED = 0,
  BCASTDEC_GROUP_PROTOCOL = 1,
  BCASTDEC_GROUP_DECRYPTION = 2,
  BCASTDEC_GROUP_SEQUENCE = 3,
  BCASTDEC_GROUP_UNDECODED = 4
} bcastdec_finding_group;

/* Every finding the library can report; *n receives the count. */
BCASTDEC_API const bcastdec_finding_info *bcastdec_finding_table(size_t *n);

#define BCASTDEC_FINDING_TEXT_MAX 200
typedef struct bcastdec_finding {
  const bcastdec_finding_info *info;
  bcastdec_span sp;   /* bytes the finding is about (may be empty) */
  char text[BCASTDEC_FINDING_TEXT_MAX]; /* never contains key bytes */
} bcastdec_finding;

/* ------------------------------------------------------------------------ */
/* Key store                                                                */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_key_role {
  BCASTDEC_ROLE_SMK = 1, /* = MUK (USIM) / TK ((R-)UIM/CSIM): LTKM PSK       */
  BCASTDEC_ROLE_SRK = 2, /* = MRK / Auth-Key: HTTP Digest password           */
  BCASTDEC_ROLE_SEK = 3, /* = MSK: STKM PSK, service key                     */
  BCASTDEC_ROLE_PEK = 4, /* programme key (same place as SEK)                */
  BCASTDEC_ROLE_TEK = 5  /* = MTK: traffic key (+ salt)                      */
} bcastdec_key_role;

BCASTDEC_API const char *bcastdec_role_name(unsigned role);

typedef enum bcastdec_key_origin {
  BCASTDEC_ORIGIN_API = 0,     /* added by a program                       */
  BCASTDEC_ORIGIN_FILE = 1,    /* key file line |origin_ref|                */
  BCASTDEC_ORIGIN_GBA = 2,     /* derived from a GBA line |origin_ref|      */
  BCASTDEC_ORIGIN_LEARNED = 3  /* decrypted from message |origin_ref|       */
} bcastdec_key_origin;

#define BCASTDEC_KEY_MAX 64
#define BCASTDEC_SALT_MAX 32
#define BCASTDEC_RAND_MAX 255

typedef struct bcastdec_key {
  uint8_t role;            /* bcastdec_key_role */
  uint8_t origin;          /* bcastdec_key_origin */
  uint8_t key_len;
  uint8_t salt_len;
  uint32_t origin_ref;     /* line number or message reference */
  const char *identity;    /* SMK/SRK: B-TID, NAI or "*"; else NULL */
  uint8_t kdid[3];         /* SEK/PEK/TEK */
  uint32_t sekpek_id;      /* SEK/PEK/TEK */
  uint16_t tek_id;         /* TEK */
  uint8_t key[BCASTDEC_KEY_MAX];
  uint8_t salt[BCASTDEC_SALT_MAX];
  const uint8_t *ltkm_rand; /* learned SEK/PEK: RAND of the delivering LTKM */
  size_t ltkm_rand_len;
} bcastdec_key;

typedef struct bcastdec_keystore bcastdec_keystore;

/* Diagnostics of a key-file load. Never holds key bytes. */
typedef struct bcastdec_diag {
  unsigned line;      /* 1-based line of the first problem, 0 if none/IO */
  char msg[256];      /* "FILE:LINE: what is wrong" */
} bcastdec_diag;

BCASTDEC_API BCASTDEC_NODISCARD bcastdec_keystore *bcastdec_keystore_new(void);
BCASTDEC_API void bcastdec_keystore_free(bcastdec_keystore *ks);

/*
 * Loads a key file (format: keys/README.md) into |ks|.  Keys already in |ks|
 * stay; a key of the file with the same address replaces one of them.
 * Within one file each address may appear once (a duplicate is a syntax
 * error).  On error nothing of the file is kept, |diag| (may be NULL) names
 * the file and line; returns BCASTDEC_ERR_IO, _SYNTAX, _NOMEM or _ARG.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_keystore_load_file(bcastdec_keystore *ks, const char *path, bcastdec_diag *diag);
/* Same for text in memory; |name| is used in diagnostics. */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_keystore_load_text(bcastdec_keystore *ks, const char *text, size_t len,
                            const char *name, bcastdec_diag *diag);
/* Parses one key-file line (as a UAT row would give it). */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_keystore_add_line(bcastdec_keystore *ks, const char *line, bcastdec_diag *diag);

/*
 * Adds a key.  A later key with the same address replaces the earlier one.
 * |k->identity| is copied.  Returns BCASTDEC_ERR_ARG for an impossible
 * role/length combination.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_keystore_add(bcastdec_keystore *ks, const bcastdec_key *k);

BCASTDEC_API const bcastdec_key *
bcastdec_keystore_find_subscriber(const bcastdec_keystore *ks, unsigned role,
                                  const char *identity, size_t identity_len);
BCASTDEC_API const bcastdec_key *
bcastdec_keystore_find_sekpek(const bcastdec_keystore *ks, const uint8_t kdid[3],
                              uint32_t sekpek_id);
BCASTDEC_API const bcastdec_key *
bcastdec_keystore_find_tek(const bcastdec_keystore *ks, const uint8_t kdid[3],
                           uint32_t sekpek_id, uint16_t tek_id);
/* Number of keys of |role| (0: all). */
BCASTDEC_API size_t bcastdec_keystore_count(const bcastdec_keystore *ks, unsigned role);
/* Iterates keys in insertion order: pass NULL first; SEK and PEK both match
 * role SEK when |role| is BCASTDEC_ROLE_SEK | 0x100. */
BCASTDEC_API const bcastdec_key *
bcastdec_keystore_next(const bcastdec_keystore *ks, unsigned role, const bcastdec_key *prev);
#define BCASTDEC_ROLE_ANY_SEKPEK 0x100u

/*
 * GBA key derivation (TS 33.220 Annex B; PROFILE.md section 9).
 * Ks_NAF = KDF(Ks, "gba-me", RAND, IMPI, NAF_Id), Ks_int_NAF with "gba-u",
 * NAF_Id = naf_fqdn || 01 00 00 00 01.  Outputs are 32 bytes each.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_gba_derive(const uint8_t *ks, size_t ks_len, const uint8_t *rand, size_t rand_len,
                    const char *impi, const char *naf_fqdn,
                    uint8_t ks_ext_naf[32], uint8_t ks_int_naf[32]);

/* ------------------------------------------------------------------------ */
/* Decoded message                                                          */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_kind {
  BCASTDEC_KIND_UNKNOWN = 0,
  BCASTDEC_KIND_LTKM = 1,
  BCASTDEC_KIND_STKM = 2,
  BCASTDEC_KIND_VERIFICATION = 3,
  BCASTDEC_KIND_ERROR = 4,
  BCASTDEC_KIND_LTKM_REPORTING = 5,
  BCASTDEC_KIND_PARENTAL = 6
} bcastdec_kind;

typedef enum bcastdec_outcome {
  BCASTDEC_OUT_NONE = 0,        /* nothing protected in this message */
  BCASTDEC_OUT_DECRYPTED = 1,   /* MAC verified (and KEMAC decrypted)   */
  BCASTDEC_OUT_MAC_FAILED = 2,  /* every candidate key failed the MAC   */
  BCASTDEC_OUT_NO_KEY = 3,      /* no candidate key known               */
  BCASTDEC_OUT_UNSUPPORTED = 4, /* algorithm not supported              */
  BCASTDEC_OUT_MALFORMED = 5    /* message too broken to verify         */
} bcastdec_outcome;

typedef enum bcastdec_mac_state {
  BCASTDEC_MAC_ABSENT = 0,  /* no MAC in the message (or MAC alg NULL) */
  BCASTDEC_MAC_VERIFIED = 1,
  BCASTDEC_MAC_FAILED = 2,
  BCASTDEC_MAC_NO_KEY = 3
} bcastdec_mac_state;

typedef enum bcastdec_found_by {
  BCASTDEC_FOUND_NONE = 0,
  BCASTDEC_FOUND_IDR = 1,        /* SMK by the IDr identity              */
  BCASTDEC_FOUND_DIGEST_USER = 2,/* SMK by the HTTP Digest username      */
  BCASTDEC_FOUND_WILDCARD = 3,   /* SMK declared for any LTKM ("*")      */
  BCASTDEC_FOUND_KEYID = 4,      /* SEK/PEK by the Key ID extension      */
  BCASTDEC_FOUND_SEARCH = 5,     /* every key of the class tried; MAC decided */
  BCASTDEC_FOUND_LTKM = 6        /* verification message: the LTKM it answers */
} bcastdec_found_by;

typedef enum bcastdec_rand_variant {
  BCASTDEC_RANDV_NONE = 0,
  BCASTDEC_RANDV_MESSAGE = 1, /* the message's own RAND payload */
  BCASTDEC_RANDV_EMPTY = 2,   /* no RAND: label ends after CSB ID */
  BCASTDEC_RANDV_LTKM = 3     /* STKM: RAND of the LTKM that delivered the SEK/PEK */
} bcastdec_rand_variant;

typedef enum bcastdec_verif_input {
  BCASTDEC_VINPUT_NONE = 0,
  BCASTDEC_VINPUT_T64 = 1,    /* MAC over message || T(LTKM) as 8 bytes */
  BCASTDEC_VINPUT_IDS_T = 2   /* MAC over message || IDi || IDr || T(LTKM) raw */
} bcastdec_verif_input;

/* A key produced by this message (decrypted from its KEMAC). */
typedef struct bcastdec_out_key {
  uint8_t role;             /* SEK, PEK or TEK */
  uint8_t key_data_index;   /* index into msg->key_data */
  uint8_t has_ids;          /* identifiers known (from Key ID / KV) */
  uint8_t kdid[3];
  uint32_t sekpek_id;
  uint16_t tek_id;
  uint8_t has_tek_id;
  bcastdec_bytes key;       /* plaintext span */
  bcastdec_bytes salt;      /* TEK+SALT; len 0 otherwise */
} bcastdec_out_key;

#define BCASTDEC_TRIED_MAX 8
typedef struct bcastdec_key_ref { /* names a key without its bytes */
  uint8_t role;
  uint8_t origin;
  uint32_t origin_ref;
  char label[96]; /* "SMK oKGio6...@bsf.example" / "SEK b8709d/68c90000" */
} bcastdec_key_ref;

typedef struct bcastdec_mikey_msg {
  const uint8_t *wire;
  size_t wire_len;
  uint32_t ref;              /* caller's reference (input index / frame) */

  /* --- parse result --- */
  bcastdec_status status;    /* OK or the first problem */
  bcastdec_span err_sp;      /* where the first problem is */
  const char *err_text;      /* static text describing it, or NULL */
  bcastdec_span rest;        /* bytes left undecoded (unknown payload) */
  bcastdec_hdr hdr;
  size_t n_payloads;
  bcastdec_payload *payloads;

  /* shortcuts, -1 when absent */
  int i_t, i_rand, i_kemac, i_v, i_keyid, i_bcast, i_idi, i_idr, i_err;
  uint8_t kind;              /* bcastdec_kind */
  uint8_t has_counter;
  uint64_t counter;          /* T value (any TS type) */
  /* identifiers from the Key ID extension */
  uint8_t has_kdid, has_sekpek_id, has_tek_id;
  uint8_t kdid[3];
  uint32_t sekpek_id;
  uint16_t tek_id;

  /* --- key chain result (bcastdec_session_process) --- */
  uint8_t outcome;           /* bcastdec_outcome */
  uint8_t mac;               /* bcastdec_mac_state */
  uint8_t found_by;          /* bcastdec_found_by */
  uint8_t rand_variant;      /* bcastdec_rand_variant */
  uint8_t verif_input;       /* bcastdec_verif_input */
  uint8_t replay;            /* 1: counter not above the last accepted one */
  uint64_t replay_last;      /* ... which was this */
  bcastdec_key_ref key_used; /* the key that verified */
  size_t n_tried;            /* entries of |tried| (at the end of this struct) */
  size_t n_tried_total;      /* may exceed BCASTDEC_TRIED_MAX */
  uint32_t answers_ref;      /* verification message: ref of the LTKM */

  uint8_t *plain;            /* decrypted KEMAC data (owned, wiped on free) */
  size_t plain_len;
  bcastdec_status plain_status; /* parse status of the key data chain */
  size_t n_key_data;
  bcastdec_key_data *key_data;
  size_t n_keys;
  bcastdec_out_key *keys;

  size_t n_findings;
  bcastdec_finding *findings;

  bcastdec_key_ref tried[BCASTDEC_TRIED_MAX]; /* keys that failed the MAC */
  void *priv_;               /* library-internal */
} bcastdec_mikey_msg;

/*
 * Parses one MIKEY message (no keys, no session).  |opts| may be NULL.
 * Returns BCASTDEC_ERR_NOMEM or _ARG with *out == NULL; otherwise BCASTDEC_OK
 * and *out holds everything decoded, with (*out)->status the first problem
 * (TRUNCATED, MALFORMED or UNSUPPORTED) and the findings that parsing raised.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_mikey_decode(bcastdec_mikey_msg **out, const uint8_t *buf, size_t len,
                      const bcastdec_opts *opts);
BCASTDEC_API void bcastdec_mikey_msg_free(bcastdec_mikey_msg *m);

/*
 * A packed message: what a decoded message holds beyond its wire bytes (the
 * session's outcome, the decrypted KEMAC data, the keys, the findings and the
 * options it was parsed with), a few hundred bytes where the message takes
 * kilobytes.  A caller that keeps results for a long time (a dissector
 * keeping every message of a capture) keeps the packed form, and rebuilds the
 * full message from the wire bytes with bcastdec_mikey_msg_unpack() when it
 * needs it: the rebuilt message is the same as the one packed (the wire
 * bytes parsed again, everything else as it was).  Holds key bytes: wiped
 * by _free.
 */
typedef struct bcastdec_packed_msg bcastdec_packed_msg;
/* Returns NULL on NOMEM or when |m| is NULL; free with _free. */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_packed_msg *
bcastdec_mikey_msg_pack(const bcastdec_mikey_msg *m);
/* The same into memory of the caller's (many small records in a few large
 * blocks): |buf| 8-byte aligned, |size| at least _packed_size(m) (0: |m|
 * cannot be packed).  NULL when it does not fit.  The caller wipes the
 * _packed_msg_size() bytes (bcastdec_memzero) before releasing them. */
BCASTDEC_API size_t bcastdec_mikey_msg_packed_size(const bcastdec_mikey_msg *m);
BCASTDEC_API bcastdec_packed_msg *
bcastdec_mikey_msg_pack_into(const bcastdec_mikey_msg *m, void *buf, size_t size);
BCASTDEC_API size_t bcastdec_packed_msg_size(const bcastdec_packed_msg *p);
/* |wire|/|len| are the bytes the message was decoded from (borrowed by the
 * result, like bcastdec_mikey_decode()'s |buf|).  BCASTDEC_ERR_ARG when they
 * are not those bytes (their length and a hash are kept). */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_mikey_msg_unpack(const bcastdec_packed_msg *p, const uint8_t *wire, size_t len,
                          bcastdec_mikey_msg **out);
BCASTDEC_API void bcastdec_packed_msg_free(bcastdec_packed_msg *p);

/* ------------------------------------------------------------------------ */
/* Decode session: the key chain                                            */
/* ------------------------------------------------------------------------ */

typedef struct bcastdec_session bcastdec_session;

/* Per-message context given by the caller. */
typedef struct bcastdec_msg_ctx {
  uint32_t ref;                /* shown as "message N"/"frame N"; origin of learned keys */
  const char *digest_username; /* username of the HTTP exchange that carried it, or NULL */
  uint8_t no_learn;            /* 1: verify/decrypt only; change no session state */
} bcastdec_msg_ctx;

/*
 * Creates a session over |ks| (borrowed, read-only, may be NULL; must outlive
 * the session).  |opts| may be NULL (defaults).  Returns NULL on NOMEM.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_session *
bcastdec_session_new(const bcastdec_keystore *ks, const bcastdec_opts *opts);
BCASTDEC_API void bcastdec_session_free(bcastdec_session *s);
/* Forgets learned keys, replay counters and pending verifications. */
BCASTDEC_API void bcastdec_session_reset(bcastdec_session *s);
/* Keys learned so far (SEK/PEK from LTKMs, TEK from STKMs). */
BCASTDEC_API const bcastdec_keystore *bcastdec_session_learned(const bcastdec_session *s);

/*
 * Decodes, verifies and decrypts one message: SMK -> SEK/PEK for LTKMs,
 * SEK/PEK -> TEK for STKMs, verification MACs against the LTKM they answer.
 * Learns the keys it decrypts and the replay counters (unless ctx->no_learn).
 * Return value and *out as bcastdec_mikey_decode(); the key outcome is in
 * (*out)->outcome, (*out)->mac, and the findings.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_session_process(bcastdec_session *s, const uint8_t *buf, size_t len,
                         const bcastdec_msg_ctx *ctx, bcastdec_mikey_msg **out);

/* Helpers for renderers. */
BCASTDEC_API const char *bcastdec_kind_name(unsigned kind);
BCASTDEC_API const char *bcastdec_outcome_name(unsigned outcome);
BCASTDEC_API const char *bcastdec_mac_state_name(unsigned mac);
BCASTDEC_API const char *bcastdec_found_by_name(unsigned fb);
BCASTDEC_API const char *bcastdec_rand_variant_name(unsigned rv);
BCASTDEC_API const char *bcastdec_severity_name(unsigned sev);
/* Highest severity among the findings, or -1 when there are none. */
BCASTDEC_API int bcastdec_mikey_msg_max_severity(const bcastdec_mikey_msg *m);

/*
 * Text codecs.  Whitespace is ignored (hex also skips ':' and a leading
 * "0x").  Return BCASTDEC_ERR_SYNTAX for a bad digit or length, _ARG when
 * |cap| is too small.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Constant-time equality (1 equal, 0 not) and wiping, for callers too. */
BCASTDEC_API int bcastdec_ct_equal(const void *a, const void *b, size_t n);
BCASTDEC_API void bcastdec_memzero(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BCASTDEC_BCASTDEC_H */
