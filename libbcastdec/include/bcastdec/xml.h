/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec - XML bodies of the HTTP side of the OMA BCAST Smartcard
 * Profile, and MBMS MSK responses that carry LTKMs inline.
 *
 * Bodies of every media type of the wire profile (PROFILE.md section 7) are
 * decoded into a generic element tree (namespace, local name, attributes,
 * text, byte offsets into the body) plus the semantic fields an inspector
 * needs (requestID, status codes, registrationRequired, purchase item and
 * purchase data references, keyDomainID, MSKID, ResponseCode, serviceId,
 * LTKM).  An MSK response (application/mbms-msk-response+xml) is also split
 * into its <Response> elements; every <bcast:LTKM> is base64-decoded and can
 * then be run through a decode session, which learns the SEK/PEK it carries.
 * The LTKM inclusion rules of the OMA CR to BCAST Services 5.2.1.1 (rules 1-8
 * of the inspector rules, docs/findings.md) become findings "msk.*"/"xml.*".
 *
 * References: OMA BCAST 1.0 Services 5.2.1.1 (LTKM in the MSK response, as
 * changed by the seed CR), 3GPP TS 26.346 11.8 (MSK response), TS 33.246
 * 6.3.2 (MSK request procedure), and the project's wire profile.
 *
 * Safety: the parser never loads a DTD, never expands or fetches an entity
 * (a document type declaration stops the decode: BCASTDEC_ERR_UNSUPPORTED,
 * finding "xml.dtd"), never touches the network, and caps the body size, the
 * element depth and the number of nodes (bcastdec_xml_opts).  Only UTF-8
 * (and pure 7-bit ASCII under any ASCII-compatible declared encoding) is
 * decoded, because every offset is a byte offset into the body.  Nothing is
 * printed: libxml2's thread-wide error handlers are silenced during a decode
 * and restored after it.  Decodes may run in several threads at once after
 * the first one, which initialises libxml2 (a threaded program makes one
 * decode before it starts its threads).
 *
 * Ownership, in addition to the rules of bcastdec.h:
 *  - A bcastdec_xml is owned by the caller and released with
 *    bcastdec_xml_free(), which also frees the LTKM messages attached to it.
 *  - Every string, array and decoded byte string of the result is owned by
 *    the result; it keeps no pointer to the body.  Spans (src
 *    BCASTDEC_SRC_WIRE) are offsets into the body given to
 *    bcastdec_xml_decode().
 *  - The bcastdec_mikey_msg of an LTKM points into the LTKM's decoded bytes,
 *    which the result owns; its spans are offsets into those bytes.
 */
#ifndef BCASTDEC_XML_H
#define BCASTDEC_XML_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Namespaces and media types                                               */
/* ------------------------------------------------------------------------ */

/* [C] seed 003 / TS 26.346 */
#define BCASTDEC_XML_NS_MSK_RESPONSE "urn:3GPP:metadata:2005:MBMS:mskResponse"
/* [C] seed 003: the BCAST namespace of <LTKM> and of service provisioning */
#define BCASTDEC_XML_NS_BCAST "urn:oma:xml:bcast:pr:orderqueries:1.0"
/* [A] by analogy with the response */
#define BCASTDEC_XML_NS_MSK_REQUEST "urn:3GPP:metadata:2005:MBMS:mskRequest"

#define BCASTDEC_XML_MT_MSK_REQUEST "application/mbms-msk+xml"
#define BCASTDEC_XML_MT_MSK_RESPONSE "application/mbms-msk-response+xml"
#define BCASTDEC_XML_MT_REGISTER "application/mbms-register+xml"
#define BCASTDEC_XML_MT_DEREGISTER "application/mbms-deregister+xml"
#define BCASTDEC_XML_MT_REGISTER_RESPONSE "application/mbms-register-response+xml"
#define BCASTDEC_XML_MT_SPROV "application/vnd.oma.bcast.sprov+xml"
#define BCASTDEC_XML_MT_SMARTCARD_TRIGGER "application/vnd.oma.bcast.smartcard-trigger+xml"

/* What a body is. */
typedef enum bcastdec_xml_kind {
  BCASTDEC_XML_UNKNOWN = 0,
  BCASTDEC_XML_MSK_REQUEST = 1,       /* LTKM Request (= MBMS MSK request)        */
  BCASTDEC_XML_MSK_RESPONSE = 2,      /* MBMS MSK response, maybe with LTKMs      */
  BCASTDEC_XML_REGISTER = 3,          /* MBMS User Service Registration           */
  BCASTDEC_XML_DEREGISTER = 4,        /* MBMS User Service Deregistration         */
  BCASTDEC_XML_REGISTER_RESPONSE = 5, /* answer to (de)registration               */
  BCASTDEC_XML_SPROV = 6,             /* BCAST service provisioning message       */
  BCASTDEC_XML_SMARTCARD_TRIGGER = 7  /* Smartcard Profile Trigger                */
} bcastdec_xml_kind;

/* "msk_response", "sprov", ...; NULL for an unknown value. */
BCASTDEC_API const char *bcastdec_xml_kind_name(unsigned kind);

/*
 * The kind a media type names (case-insensitive, parameters after ';' and
 * surrounding blanks ignored); BCASTDEC_XML_UNKNOWN for any other type,
 * including generic ones such as application/xml, and for NULL.
 */
BCASTDEC_API unsigned bcastdec_xml_kind_from_media_type(const char *media_type);

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

#define BCASTDEC_XML_MAX_SIZE_DEFAULT (1024u * 1024u)
#define BCASTDEC_XML_MAX_DEPTH_DEFAULT 32u
#define BCASTDEC_XML_MAX_DEPTH_LIMIT 256u /* libxml2's own limit */
#define BCASTDEC_XML_MAX_NODES_DEFAULT 20000u

/* Caps of a decode.  Initialise with bcastdec_xml_opts_init(); a 0 field
 * means its default. */
typedef struct bcastdec_xml_opts {
  uint32_t struct_size; /* sizeof(bcastdec_xml_opts), set by _init              */
  uint32_t max_size;    /* body bytes (at most 0x7fff0000)                      */
  uint32_t max_depth;   /* element nesting, root = 1 (at most 256)              */
  uint32_t max_nodes;   /* elements + attributes (namespace declarations count) */
} bcastdec_xml_opts;

BCASTDEC_API void bcastdec_xml_opts_init(bcastdec_xml_opts *o);

/* ------------------------------------------------------------------------ */
/* The generic element tree                                                 */
/* ------------------------------------------------------------------------ */

/* The namespace of namespace declarations (xmlns, xmlns:p), as in the DOM. */
#define BCASTDEC_XML_NS_XMLNS "http://www.w3.org/2000/xmlns/"

typedef struct bcastdec_xml_attr {
  const char *ns;       /* namespace URI; "" when none                          */
  const char *prefix;   /* "" when none ("xmlns" for xmlns:p declarations)      */
  const char *name;     /* local name ("xmlns" for a default-namespace decl.)   */
  const char *value;    /* value, character and entity references resolved    */
  size_t value_len;
  bcastdec_span sp;       /* name="value" (len 0 when not located)              */
  bcastdec_span value_sp; /* the bytes between the quotes                       */
} bcastdec_xml_attr;

typedef struct bcastdec_xml_elem {
  const char *ns;       /* namespace URI as declared; "" when none              */
  const char *prefix;   /* "" when none                                         */
  const char *name;     /* local name                                           */
  const char *text;     /* character data directly inside (CDATA included, not
                           that of children); "" when the element has element
                           children and only blanks between them                */
  size_t text_len;
  bcastdec_span sp;       /* start tag .. end tag inclusive                     */
  bcastdec_span inner_sp; /* between the tags (len 0 for <x/> and <x></x>)      */
  int parent;           /* index into elems; -1 for the root                   */
  int first_child;      /* first element child, -1 when none                   */
  int next_sibling;     /* -1 when none                                        */
  unsigned depth;       /* root = 0                                            */
  uint8_t complete;     /* 0: the body ended (or decoding stopped) inside it   */
  size_t n_attrs;
  const bcastdec_xml_attr *attrs; /* namespace declarations first, in order    */
} bcastdec_xml_elem;

/* ------------------------------------------------------------------------ */
/* Semantic fields                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Field ids.  Names are matched by local name, case-insensitively, in any
 * namespace, as element (text) or attribute.  Only the spellings of the seeds
 * are confirmed; a field found under another spelling or in another place is
 * marked |assumed| (docs/assumptions.md, "xml_element_names").
 */
typedef enum bcastdec_xml_field_id {
  BCASTDEC_XF_REQUEST_ID = 1,            /* requestID                      string */
  BCASTDEC_XF_GLOBAL_STATUS_CODE = 2,    /* globalStatusCode               uint   */
  BCASTDEC_XF_ITEMWISE_STATUS_CODE = 3,  /* itemwiseStatusCode             uint   */
  BCASTDEC_XF_REGISTRATION_REQUIRED = 4, /* registrationRequired           bool   */
  BCASTDEC_XF_GLOBAL_ID_REF = 5,         /* GlobalPurchaseItemID/globalIDRef    */
  BCASTDEC_XF_ID_REF = 6,                /* PurchaseDataRef/idRef               */
  BCASTDEC_XF_KEY_DOMAIN_ID = 7,         /* keyDomainID                    base64 */
  BCASTDEC_XF_MSK_ID = 8,                /* MSKID (= SEK/PEK ID)           base64 */
  BCASTDEC_XF_RESPONSE_CODE = 9,         /* ResponseCode ("200 OK")        string */
  BCASTDEC_XF_SERVICE_ID = 10,           /* serviceId                      string */
  BCASTDEC_XF_LTKM = 11,                 /* <bcast:LTKM>                   base64 */
  BCASTDEC_XF_LTKM_VERSION = 12          /* LTKM/@version            unsignedByte */
} bcastdec_xml_field_id;

/* "requestID", "keyDomainID", ...; NULL for an unknown id. */
BCASTDEC_API const char *bcastdec_xml_field_name(unsigned id);

typedef struct bcastdec_xml_field {
  uint8_t id;           /* bcastdec_xml_field_id                                */
  uint8_t is_attr;      /* 1: an attribute of |elem|; 0: the text of |elem|     */
  uint8_t assumed;      /* 1: spelling or place not confirmed by the seeds      */
  uint8_t valid;        /* 1: |value| parses as the field's type                */
  int elem;             /* index into elems                                     */
  const char *name;     /* the local name as written                            */
  const char *value;    /* text with leading/trailing blanks removed, or the
                           attribute value                                      */
  size_t value_len;
  bcastdec_span sp;     /* bytes of the value in the body                       */
  uint64_t num;         /* uint, unsignedByte, bool (1/0), ResponseCode's number */
  const uint8_t *bytes; /* base64 fields when valid: the decoded bytes          */
  size_t bytes_len;
} bcastdec_xml_field;

/* ------------------------------------------------------------------------ */
/* MSK responses and LTKMs                                                  */
/* ------------------------------------------------------------------------ */

/* Rule 5: <MSK> identifiers against the LTKM's Key ID entries. */
typedef enum bcastdec_xml_ids {
  BCASTDEC_XML_IDS_NOT_CHECKED = 0, /* not processed, or not inside a <Response> */
  BCASTDEC_XML_IDS_MATCH = 1,
  BCASTDEC_XML_IDS_MISMATCH = 2,
  BCASTDEC_XML_IDS_NO_XML_IDS = 3,  /* keyDomainID or MSKID absent/not base64   */
  BCASTDEC_XML_IDS_NO_LTKM_IDS = 4  /* the LTKM has no Key ID entries to compare */
} bcastdec_xml_ids;

BCASTDEC_API const char *bcastdec_xml_ids_name(unsigned ids);

/* How the namespace of an LTKM element compares with BCASTDEC_XML_NS_BCAST. */
typedef enum bcastdec_xml_ns_match {
  BCASTDEC_XML_NS_EXACT = 0,
  BCASTDEC_XML_NS_INEXACT = 1, /* equal up to blanks/case: rule 8 (warning)   */
  BCASTDEC_XML_NS_OTHER = 2    /* another namespace or none: rule 1 (error)    */
} bcastdec_xml_ns_match;

typedef struct bcastdec_xml_ltkm {
  int elem;             /* the LTKM element                                    */
  int field;            /* its BCASTDEC_XF_LTKM field                          */
  int response;         /* index into responses; -1 when not inside one        */
  bcastdec_span text_sp; /* the base64 text                                    */
  const uint8_t *bytes; /* the decoded MIKEY message; NULL when not base64     */
  size_t len;
  uint8_t ns_match;     /* bcastdec_xml_ns_match                               */
  uint8_t has_version;  /* @version present                                    */
  uint8_t version_ok;   /* @version absent or an unsignedByte                   */
  uint8_t version;      /* its value; 0 when absent (= BCAST 1.0)              */
  /* --- filled by bcastdec_xml_process_ltkms() --- */
  uint8_t ids;          /* bcastdec_xml_ids                                    */
  bcastdec_mikey_msg *msg; /* owned by the result; NULL when not processed     */
} bcastdec_xml_ltkm;

typedef struct bcastdec_xml_response {
  int elem;             /* the <Response> element                              */
  int msk;              /* its <MSK> child element, -1                         */
  int key_domain_id;    /* index into fields, -1 when absent                   */
  int msk_id;           /* index into fields, -1                               */
  int response_code;    /* index into fields, -1                               */
  uint8_t success;      /* ResponseCode is "200 OK" (or "200 ...")             */
  size_t n_ltkm;        /* LTKM children                                       */
  int first_ltkm;       /* index into ltkms of the first, -1                   */
} bcastdec_xml_response;

/* ------------------------------------------------------------------------ */
/* The decode result                                                        */
/* ------------------------------------------------------------------------ */

typedef enum bcastdec_xml_kind_by {
  BCASTDEC_XML_BY_NONE = 0,
  BCASTDEC_XML_BY_MEDIA_TYPE = 1,
  BCASTDEC_XML_BY_ROOT = 2
} bcastdec_xml_kind_by;

typedef struct bcastdec_xml {
  size_t body_len;

  /* --- parse result --- */
  bcastdec_status status;  /* OK, or the first problem: TRUNCATED (the body
                              ends inside the document), MALFORMED (not
                              well-formed XML), UNSUPPORTED (DTD, encoding,
                              or a cap of bcastdec_xml_opts exceeded)         */
  bcastdec_span err_sp;    /* where (len 0: a position)                        */
  const char *err_text;    /* what (libxml2's text or ours), or NULL           */

  uint8_t kind;            /* bcastdec_xml_kind                                */
  uint8_t kind_by;         /* bcastdec_xml_kind_by                             */
  uint8_t kind_assumed;    /* 1: recognised by an assumed name or media use    */
  uint8_t media_kind;      /* the kind the media type names                    */
  uint8_t root_kind;       /* the kind the root element names                  */

  size_t n_elems;          /* document order; elems[0] is the root            */
  bcastdec_xml_elem *elems;
  size_t n_fields;         /* document order                                   */
  bcastdec_xml_field *fields;
  size_t n_responses;      /* MSK response: the <Response> children of the root */
  bcastdec_xml_response *responses;
  size_t n_ltkms;          /* every complete LTKM element, document order      */
  bcastdec_xml_ltkm *ltkms;

  size_t n_findings;
  bcastdec_finding *findings; /* spans: offsets into the body                   */

  uint8_t ltkms_processed; /* bcastdec_xml_process_ltkms() ran                  */
  void *priv_;             /* library-internal                                 */
} bcastdec_xml;

/*
 * Decodes the XML body |body| of |len| bytes.  |media_type| (the
 * Content-Type, may be NULL) selects the kind; without a known media type the
 * root element and its namespace decide.  |opts| may be NULL (defaults).
 *
 * Returns BCASTDEC_ERR_NOMEM or _ARG with *out == NULL; otherwise
 * BCASTDEC_OK and *out holds everything decoded, with (*out)->status the
 * first problem and (*out)->findings the problems and rule violations found
 * (rules 1, 2, 3, 4, 6 and 8 of the MSK response; rules 5 and 7 need
 * bcastdec_xml_process_ltkms()).  A body that is not well-formed keeps the
 * elements decoded before the error; a seed-style attribute value without
 * quotes is decoded as if quoted (status MALFORMED, finding "xml.malformed").
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_xml_decode(bcastdec_xml **out, const uint8_t *body, size_t len,
                    const char *media_type, const bcastdec_xml_opts *opts);

/* Releases |x| and the LTKM messages attached to it.  NULL-safe. */
BCASTDEC_API void bcastdec_xml_free(bcastdec_xml *x);

/* HTTP facts about the message that carried the body (rule 7). */
typedef struct bcastdec_xml_http {
  uint8_t is_response;      /* 1: the body is that of an HTTP response         */
  uint16_t status_code;     /* its status code (responses)                     */
  uint8_t has_authentication_info; /* 1: an Authentication-Info header is present */
  const char *content_type; /* the Content-Type header value; NULL when absent */
} bcastdec_xml_http;

/*
 * Runs every LTKM of |x| that decoded from base64 through |s| in document
 * order (bcastdec_session_process(): verified and decrypted when the SMK is
 * known; the SEK/PEK learned for later STKMs).  |s| may be NULL: the LTKMs
 * are then only parsed (bcastdec_mikey_decode(), default options).  |ctx|
 * (may be NULL) is given to every LTKM: its ref, the Digest username of the
 * HTTP exchange (it selects the SMK), no_learn.
 *
 * Attaches each message to its bcastdec_xml_ltkm (owned by |x|), compares
 * <MSK> identifiers with the Key ID entries (rule 5, ltkm->ids), flags an
 * LTKM element that holds no single well-formed MIKEY LTKM (rule 1) and, when
 * |http| is given, checks the HTTP envelope (rule 7); without |http| rule 7
 * is skipped, not guessed.  Calling it again replaces the messages and
 * findings of the previous call.
 *
 * Returns BCASTDEC_OK, BCASTDEC_ERR_NOMEM (the LTKMs processed so far stay
 * attached) or BCASTDEC_ERR_ARG (|x| NULL).
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_xml_process_ltkms(bcastdec_xml *x, bcastdec_session *s, const bcastdec_msg_ctx *ctx,
                           const bcastdec_xml_http *http);

/* Index of the next field with |id| after index |after| (-1: from the
 * start), or -1. */
BCASTDEC_API int bcastdec_xml_find_field(const bcastdec_xml *x, unsigned id, int after);

/* Highest severity among the findings of |x| and of its LTKM messages, or
 * -1 when there are none. */
BCASTDEC_API int bcastdec_xml_max_severity(const bcastdec_xml *x);

#ifdef __cplusplus
}
#endif
#endif /* BCASTDEC_XML_H */
