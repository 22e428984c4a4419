/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec HTTP Digest: the access authentication of every Smartcard
 * Profile provisioning, (de)registration and LTKM request (PROFILE.md
 * section 7): POST -> 401 + WWW-Authenticate: Digest -> POST with
 * Authorization: Digest username=<B-TID | NAI> -> 200 (+ Authentication-Info).
 * The password is the subscriber's SRK (= MRK for (U)SIM, Auth-Key for
 * (R-)UIM/CSIM).
 *
 *   bcastdec_digest_parse()          parses one header VALUE (the text after
 *                                    "WWW-Authenticate:", "Authorization:" or
 *                                    "Authentication-Info:")
 *   bcastdec_digest_verify()         checks an Authorization's response with
 *                                    the SRK (key store or explicit)
 *   bcastdec_digest_verify_rspauth() checks an Authentication-Info's rspauth
 *   bcastdec_digest_username_kind()  B-TID / NAI / other
 *
 * References: RFC 2617 sections 3.2.1-3.2.3 (Digest, MD5, MD5-sess, qop
 * auth and auth-int, rspauth), RFC 7616 sections 3.3-3.5 and 3.9 (SHA-256,
 * -sess variants, username*, userhash), RFC 2069 (no qop), RFC 7235 section
 * 2.1 and RFC 7230 section 3.2.6 (auth-param, token, quoted-string,
 * quoted-pair), RFC 5987 section 3.2 (ext-value of username*), TS 33.220
 * (B-TID = base64(RAND) "@" BSF FQDN), RFC 7542 (NAI).
 *
 * Ownership and secrets (the rules of bcastdec.h hold):
 *  - A parsed header (bcastdec_digest_msg) owns every string it exposes:
 *    names, unescaped values, the decoded username.  It does not keep a
 *    pointer to the input; spans (src BCASTDEC_SRC_WIRE) are byte offsets
 *    into the header value as given, for highlighting.
 *  - Verification never returns key bytes, password texts or the response
 *    it computed; the SRK is named by bcastdec_key_ref.  Scratch (password
 *    text forms, H(A1)) is wiped on every path; responses are compared in
 *    constant time.
 *
 * The password's text form is an assumption of the project
 * ("digest_password_form" in bcastdec_assumptions()): base64(SRK) is tried
 * first, then the lowercase hex string, then the raw SRK bytes; the form
 * that verified is reported.
 */
#ifndef BCASTDEC_DIGEST_H
#define BCASTDEC_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which header a value comes from. */
typedef enum bcastdec_digest_kind {
  BCASTDEC_DIGEST_WWW_AUTHENTICATE = 1, /* challenges; several schemes possible */
  BCASTDEC_DIGEST_AUTHORIZATION = 2,    /* credentials: "Digest" + auth-params */
  BCASTDEC_DIGEST_AUTHENTICATION_INFO = 3 /* auth-params only, no scheme */
} bcastdec_digest_kind;

/* Longest header value decoded (longer ones: status UNSUPPORTED). */
#define BCASTDEC_DIGEST_VALUE_MAX 65536u

/* Parameters with a meaning (RFC 2617 3.2.1-3.2.3, RFC 7616 3.3-3.5). */
typedef enum bcastdec_digest_pid {
  BCASTDEC_DIGEST_P_UNKNOWN = 0, /* any other name: kept, shown, not used */
  BCASTDEC_DIGEST_P_USERNAME = 1,
  BCASTDEC_DIGEST_P_USERNAME_EXT = 2, /* "username*" (RFC 7616 3.4) */
  BCASTDEC_DIGEST_P_REALM = 3,
  BCASTDEC_DIGEST_P_NONCE = 4,
  BCASTDEC_DIGEST_P_URI = 5,
  BCASTDEC_DIGEST_P_QOP = 6,
  BCASTDEC_DIGEST_P_NC = 7,
  BCASTDEC_DIGEST_P_CNONCE = 8,
  BCASTDEC_DIGEST_P_RESPONSE = 9,
  BCASTDEC_DIGEST_P_ALGORITHM = 10,
  BCASTDEC_DIGEST_P_OPAQUE = 11,
  BCASTDEC_DIGEST_P_STALE = 12,
  BCASTDEC_DIGEST_P_DOMAIN = 13,
  BCASTDEC_DIGEST_P_CHARSET = 14,
  BCASTDEC_DIGEST_P_USERHASH = 15,
  BCASTDEC_DIGEST_P_RSPAUTH = 16,
  BCASTDEC_DIGEST_P_NEXTNONCE = 17,
  BCASTDEC_DIGEST_P_COUNT = 18
} bcastdec_digest_pid;

/* Algorithms (RFC 7616 3.3, IANA "HTTP Digest Hash Algorithms"). */
typedef enum bcastdec_digest_alg {
  BCASTDEC_DIGEST_ALG_UNKNOWN = 0,
  BCASTDEC_DIGEST_ALG_MD5 = 1, /* also when the parameter is absent */
  BCASTDEC_DIGEST_ALG_MD5_SESS = 2,
  BCASTDEC_DIGEST_ALG_SHA256 = 3,
  BCASTDEC_DIGEST_ALG_SHA256_SESS = 4,
  BCASTDEC_DIGEST_ALG_SHA512_256 = 5,     /* recognised, not supported */
  BCASTDEC_DIGEST_ALG_SHA512_256_SESS = 6 /* recognised, not supported */
} bcastdec_digest_alg;

/* Quality of protection of credentials / Authentication-Info. */
typedef enum bcastdec_digest_qop {
  BCASTDEC_DIGEST_QOP_NONE = 0, /* absent: RFC 2069 compatibility */
  BCASTDEC_DIGEST_QOP_AUTH = 1,
  BCASTDEC_DIGEST_QOP_AUTH_INT = 2,
  BCASTDEC_DIGEST_QOP_OTHER = 3 /* e.g. auth-conf: not verified */
} bcastdec_digest_qop;

/* Bits of bcastdec_digest_auth.qop_offered (challenges). */
#define BCASTDEC_DIGEST_OFFER_AUTH 0x01u
#define BCASTDEC_DIGEST_OFFER_AUTH_INT 0x02u
#define BCASTDEC_DIGEST_OFFER_OTHER 0x04u

/* Username forms (PROFILE.md 7, seed rule 10). */
typedef enum bcastdec_digest_user_kind {
  BCASTDEC_DIGEST_USER_UNKNOWN = 0, /* neither: finding digest.username_unknown_form */
  BCASTDEC_DIGEST_USER_BTID = 1,    /* base64(16 bytes) "@" FQDN: (U)SIM profile */
  BCASTDEC_DIGEST_USER_NAI = 2,     /* other user@realm: (R-)UIM/CSIM profile */
  BCASTDEC_DIGEST_USER_HASHED = 3   /* userhash=true: form unknown until resolved */
} bcastdec_digest_user_kind;

/* Where the username text came from. */
typedef enum bcastdec_digest_user_src {
  BCASTDEC_DIGEST_USRC_NONE = 0,
  BCASTDEC_DIGEST_USRC_PLAIN = 1, /* username="..." */
  BCASTDEC_DIGEST_USRC_EXT = 2    /* username*=charset'lang'pct-encoded, decoded */
} bcastdec_digest_user_src;

/* One auth-param.  |name| and |value| are owned, NUL-terminated copies;
 * |value| is unescaped (quotes removed, quoted-pairs resolved). */
typedef struct bcastdec_digest_param {
  uint8_t id;          /* bcastdec_digest_pid, matched case-insensitively */
  uint8_t quoted;      /* 1: the value was a quoted-string */
  uint8_t repeated;    /* 1: an earlier parameter had this name; not used */
  const char *name;    /* as written */
  const char *value;
  size_t value_len;
  bcastdec_span name_sp;
  bcastdec_span value_sp; /* as written, quotes included */
} bcastdec_digest_param;

/* One challenge (WWW-Authenticate), the credentials (Authorization) or the
 * parameter list (Authentication-Info). */
typedef struct bcastdec_digest_auth {
  bcastdec_span sp;        /* scheme through the last parameter */
  bcastdec_span scheme_sp; /* empty for Authentication-Info */
  const char *scheme;      /* owned copy as written; "" for Authentication-Info */
  uint8_t is_digest;       /* scheme "Digest" (any case), or Authentication-Info */
  bcastdec_status status;  /* OK, or UNSUPPORTED (scheme / algorithm) */
  bcastdec_span token68_sp; /* other schemes' token68 (e.g. Negotiate); else empty */
  size_t n_params;
  const bcastdec_digest_param *params;
  int idx[BCASTDEC_DIGEST_P_COUNT]; /* first parameter of each id, -1 when absent */

  /* Typed view of the Digest parameters (defaults when absent). */
  uint8_t algorithm;       /* bcastdec_digest_alg; MD5 when absent */
  uint8_t qop;             /* credentials / info: bcastdec_digest_qop */
  uint8_t qop_offered;     /* challenge: BCASTDEC_DIGEST_OFFER_* bits */
  uint8_t stale;           /* challenge: stale=true (any case) */
  uint8_t userhash;        /* userhash=true */
  uint8_t has_nc;          /* nc is 8 hex digits */
  uint32_t nc;
  uint8_t user_src;        /* bcastdec_digest_user_src */
  uint8_t user_kind;       /* bcastdec_digest_user_kind (credentials) */
  const char *username;    /* owned, NUL-terminated; NULL when absent/undecodable */
  size_t username_len;
} bcastdec_digest_auth;

typedef struct bcastdec_digest_msg {
  uint8_t kind;            /* bcastdec_digest_kind */
  size_t text_len;         /* length of the header value; spans lie inside */
  bcastdec_status status;  /* OK or the first problem (see bcastdec_digest_parse) */
  bcastdec_span err_sp;    /* where the first problem is */
  const char *err_text;    /* static text describing it, or NULL */
  size_t n_auths;
  bcastdec_digest_auth *auths;
  int i_digest;            /* the Digest challenge / credentials to use; -1 none */
  size_t n_findings;
  bcastdec_finding *findings;
  void *priv_;             /* library-internal */
} bcastdec_digest_msg;

/*
 * Parses the header value |value| (|len| bytes, need not be NUL-terminated)
 * of header |kind|.  Tolerated: spaces, tabs and line folds around
 * parameters and commas, empty list elements, any case of names and of the
 * scheme, unknown parameters (kept), repeated parameters (all kept, the
 * first is used, finding digest.repeated_param).  WWW-Authenticate may hold
 * several challenges of several schemes; i_digest selects the first Digest
 * challenge whose algorithm is supported (else the first Digest one).
 *
 * Returns BCASTDEC_ERR_ARG (NULL arguments, unknown |kind|) or _NOMEM with
 * *out == NULL; otherwise BCASTDEC_OK and *out holds everything parsed,
 * with (*out)->status:
 *   BCASTDEC_OK
 *   BCASTDEC_ERR_TRUNCATED   the value ends inside a quoted string, after a
 *                            backslash, or right after "name="
 *   BCASTDEC_ERR_MALFORMED   empty value, missing comma, a character that
 *                            fits no rule, a parameter without "=" in
 *                            credentials
 *   BCASTDEC_ERR_UNSUPPORTED credentials of another scheme than Digest (not
 *                            parsed further: they may hold a password), a
 *                            challenge list without a usable Digest
 *                            challenge, an unknown or unsupported algorithm,
 *                            a value longer than BCASTDEC_DIGEST_VALUE_MAX
 * Everything parsed before a TRUNCATED/MALFORMED point stays available.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_digest_parse(bcastdec_digest_msg **out, unsigned kind, const char *value,
                      size_t len);
/* NULL-safe. */
BCASTDEC_API void bcastdec_digest_msg_free(bcastdec_digest_msg *m);

/* The Digest challenge / credentials (auths[i_digest]), or NULL. */
BCASTDEC_API const bcastdec_digest_auth *
bcastdec_digest_msg_auth(const bcastdec_digest_msg *m);
/* The first parameter with |pid|, or NULL (also for a NULL |a|). */
BCASTDEC_API const bcastdec_digest_param *
bcastdec_digest_param_get(const bcastdec_digest_auth *a, unsigned pid);
/* Its unescaped value (NUL-terminated), or NULL when absent. */
BCASTDEC_API const char *bcastdec_digest_value(const bcastdec_digest_auth *a, unsigned pid);

/*
 * Classifies a Digest username: B-TID = base64 (with padding) of exactly 16
 * bytes, "@", an FQDN (two or more LDH labels); any other user@realm with
 * both parts non-empty is an NAI; anything else UNKNOWN.
 */
BCASTDEC_API unsigned bcastdec_digest_username_kind(const char *u, size_t len);

/* ------------------------------------------------------------------------ */
/* Verification                                                             */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_digest_outcome {
  BCASTDEC_DIGEST_NOT_CHECKED = 0,
  BCASTDEC_DIGEST_VERIFIED = 1,   /* response (rspauth) matches with the SRK */
  BCASTDEC_DIGEST_FAILED = 2,     /* matches with no password form of any SRK tried */
  BCASTDEC_DIGEST_NO_SRK = 3,     /* no SRK for this username */
  BCASTDEC_DIGEST_MALFORMED = 4,  /* header unusable: required parameters missing */
  BCASTDEC_DIGEST_UNSUPPORTED = 5 /* algorithm, qop or username charset not supported */
} bcastdec_digest_outcome;

/* Password text forms of the SRK, in the order they are tried. */
typedef enum bcastdec_digest_pwform {
  BCASTDEC_DIGEST_PW_ANY = 0,    /* input only: try every form, in order */
  BCASTDEC_DIGEST_PW_BASE64 = 1, /* RFC 4648 section 4, with padding */
  BCASTDEC_DIGEST_PW_HEX = 2,    /* lowercase */
  BCASTDEC_DIGEST_PW_RAW = 3     /* the SRK bytes themselves */
} bcastdec_digest_pwform;

/* How the SRK was found. */
typedef enum bcastdec_digest_srk_src {
  BCASTDEC_DIGEST_SRK_NONE = 0,
  BCASTDEC_DIGEST_SRK_EXPLICIT = 1, /* given by the caller */
  BCASTDEC_DIGEST_SRK_IDENTITY = 2, /* key store, SRK of the username */
  BCASTDEC_DIGEST_SRK_USERHASH = 3, /* key store, SRK whose H(identity:realm) matched */
  BCASTDEC_DIGEST_SRK_WILDCARD = 4  /* key store, SRK "*" */
} bcastdec_digest_srk_src;

#define BCASTDEC_DIGEST_FINDINGS_MAX 4
typedef struct bcastdec_digest_result {
  uint8_t outcome;        /* bcastdec_digest_outcome */
  uint8_t password_form;  /* bcastdec_digest_pwform that verified, else 0 */
  uint8_t srk_src;        /* bcastdec_digest_srk_src of the SRK that verified (or last tried) */
  uint8_t algorithm;      /* bcastdec_digest_alg used */
  uint8_t qop;            /* bcastdec_digest_qop used */
  uint8_t user_kind;      /* bcastdec_digest_user_kind of the (resolved) username */
  bcastdec_key_ref srk;   /* names the SRK (key store) without its bytes */
  size_t n_srk_tried;     /* SRKs tried (each in every allowed form) */
  size_t n_findings;
  /* Spans are offsets into the Authorization value (bcastdec_digest_verify)
   * or the Authentication-Info value (..._rspauth; a finding about the
   * Authorization then has an empty span of src BCASTDEC_SRC_NONE). */
  bcastdec_finding findings[BCASTDEC_DIGEST_FINDINGS_MAX];
} bcastdec_digest_result;

/*
 * Verifies the response of the credentials |authz| (a parsed Authorization)
 * for a request with |method| (NUL-terminated, e.g. "POST") and entity body
 * |body| (|body_len| bytes; used for qop=auth-int, may be NULL when 0).
 * The SRK: |srk| when not NULL (|srk_len| > 0 bytes), else from |ks| by the
 * username (role BCASTDEC_ROLE_SRK), then the SRK "*"; with userhash=true,
 * the SRK whose H(identity ":" realm) equals the username.  Each SRK is
 * tried in every password form (bcastdec_digest_pwform order).
 *
 * Computation (RFC 7616 3.4.1-3.4.3, RFC 2617 3.2.2): A1 = username ":"
 * realm ":" password, for -sess H(A1) ":" nonce ":" cnonce; A2 = method ":"
 * uri (auth, none) or method ":" uri ":" H(body) (auth-int); response =
 * H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2)), or without qop
 * H(H(A1) ":" nonce ":" H(A2)) (RFC 2069); H() as lowercase hex.
 *
 * Returns BCASTDEC_ERR_ARG (NULL |authz|, |method| or |res|, |srk| with
 * length 0 or above BCASTDEC_KEY_MAX, body NULL with a length) and leaves
 * |res| zeroed; otherwise BCASTDEC_OK with the outcome and findings in
 * |res|.  The status of the parse decides first: TRUNCATED/MALFORMED ->
 * MALFORMED, UNSUPPORTED -> UNSUPPORTED.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_digest_verify(const bcastdec_digest_msg *authz, const char *method,
                       const uint8_t *body, size_t body_len, const bcastdec_keystore *ks,
                       const uint8_t *srk, size_t srk_len, bcastdec_digest_result *res);

/*
 * Verifies rspauth of |info| (a parsed Authentication-Info) answering the
 * request whose credentials are |authz| (RFC 2617 3.2.3): computed like the
 * request's response, with A2 = ":" uri (qop auth or none) or ":" uri ":"
 * H(body) (auth-int), where |body| is the RESPONSE entity body.  qop, nc and
 * cnonce come from |info|, or from |authz| when |info| lacks them; username,
 * realm, nonce, uri and algorithm come from |authz|.  |form| limits the
 * password form (pass the request's result.password_form to use the same
 * one) or is BCASTDEC_DIGEST_PW_ANY.  The SRK as for bcastdec_digest_verify.
 * Outcome MALFORMED when |info| has no rspauth.  Returns as
 * bcastdec_digest_verify(), and _ARG for an unknown |form|.
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_digest_verify_rspauth(const bcastdec_digest_msg *info,
                               const bcastdec_digest_msg *authz, const uint8_t *body,
                               size_t body_len, const bcastdec_keystore *ks,
                               const uint8_t *srk, size_t srk_len, unsigned form,
                               bcastdec_digest_result *res);

/* Names for renderers; NULL for unknown values. */
BCASTDEC_API const char *bcastdec_digest_kind_name(unsigned kind);
BCASTDEC_API const char *bcastdec_digest_param_name(unsigned pid);   /* "username*" */
BCASTDEC_API const char *bcastdec_digest_alg_name(unsigned alg);     /* "SHA-256-sess" */
BCASTDEC_API const char *bcastdec_digest_qop_name(unsigned qop);     /* "auth-int" */
BCASTDEC_API const char *bcastdec_digest_user_kind_name(unsigned k); /* "b-tid" */
BCASTDEC_API const char *bcastdec_digest_outcome_name(unsigned o);   /* "verified" */
BCASTDEC_API const char *bcastdec_digest_pwform_name(unsigned f);    /* "base64" */
BCASTDEC_API const char *bcastdec_digest_srk_src_name(unsigned s);   /* "identity" */

#ifdef __cplusplus
}
#endif
#endif /* BCASTDEC_DIGEST_H */
