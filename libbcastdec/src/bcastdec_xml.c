/* SPDX-License-Identifier: MIT */
/*
 * XML bodies of the HTTP side (PROFILE.md section 7) and MBMS MSK responses
 * with inline LTKMs (OMA BCAST Services 5.2.1.1 as changed by the seed CR;
 * 3GPP TS 26.346 11.8).  The only file of libbcastdec that includes libxml2.
 *
 * libxml2 is driven through its SAX2 interface from memory, with a handler
 * of our own: no document tree is built by libxml2, no DTD is loaded (a
 * document type declaration stops the parse before its internal subset, so
 * no entity can ever be declared, expanded or fetched), no network.  Byte
 * offsets come from the parser's input position inside the callbacks:
 * startElementNs is called with the input at the '>' (or "/>") closing the
 * start tag, endElementNs just after the '>' of the end tag; the '<' of a
 * tag is the nearest one before, because a tag holds no other '<' (WFC "No <
 * in Attribute Values").  This holds for UTF-8 input; other encodings are
 * decoded only when the body is pure 7-bit ASCII.
 *
 * The tree is then read for semantic fields (one name table, matched by
 * local name, case-insensitively), for the <Response> elements of an MSK
 * response, and for the LTKM inclusion rules (docs/findings.md, "msk.*").
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <bcastdec/xml.h>

#include "bcastdec_internal.h"

#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_err_t;
#else
typedef xmlError *xml_err_t;
#endif

/* Attribute values without quotes (the seed's own example has one) are
 * decoded as if quoted, at most this many times per body. */
#define MAX_REPAIRS 8

#define NOPOS SIZE_MAX

/* ------------------------------------------------------------------------ */
/* Result allocation: the public struct, an arena for strings and bytes,    */
/* and growable arrays.                                                      */
/* ------------------------------------------------------------------------ */

typedef struct chunk {
  struct chunk *next;
  size_t cap, used;
  unsigned char *data;
} chunk;

typedef struct xbox {
  bcastdec_xml x;
  chunk *chunks;
  bcastdec_xml_attr *attrs; /* every attribute; elements point into it */
  size_t n_attrs, cap_attrs;
  size_t *attr_first;       /* per element: its first attribute (parse time) */
  size_t cap_elems, cap_fields, cap_findings;
  size_t n_findings_decode; /* findings of the decode; process adds after */
} xbox;

static void *ar_alloc(xbox *b, size_t n) {
  n = (n + 15u) & ~(size_t)15u;
  if (b->chunks == NULL || n > b->chunks->cap - b->chunks->used) {
    size_t cap = n > 16384 ? n : 16384;
    chunk *c = malloc(sizeof *c + cap + 16);
    if (c == NULL) return NULL;
    c->data = (unsigned char *)(((uintptr_t)(c + 1) + 15u) & ~(uintptr_t)15u);
    c->cap = cap;
    c->used = 0;
    c->next = b->chunks;
    b->chunks = c;
  }
  void *p = b->chunks->data + b->chunks->used;
  b->chunks->used += n;
  return p;
}

static void ar_free(xbox *b) {
  for (chunk *c = b->chunks; c != NULL;) {
    chunk *next = c->next;
    free(c);
    c = next;
  }
  b->chunks = NULL;
}

static char *ar_strn(xbox *b, const char *s, size_t n) {
  char *p = ar_alloc(b, n + 1);
  if (p == NULL) return NULL;
  if (n > 0) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static char *ar_str(xbox *b, const xmlChar *s) {
  const char *c = s != NULL ? (const char *)s : "";
  return ar_strn(b, c, strlen(c));
}

static int add_finding(xbox *b, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int add_finding(xbox *b, bcastdec__fid id, bcastdec_span sp, const char *fmt, ...) {
  bcastdec_xml *x = &b->x;
  if (!bcastdec__grow((void **)&x->findings, &b->cap_findings, sizeof *x->findings, x->n_findings + 1))
    return 0;
  va_list ap;
  va_start(ap, fmt);
  bcastdec__finding_vfill(&x->findings[x->n_findings++], id, sp, fmt, ap);
  va_end(ap);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Small text helpers                                                        */
/* ------------------------------------------------------------------------ */

static int is_blank(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int lower(int c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int eq_ci(const char *a, const char *b) {
  for (; *a != '\0' && *b != '\0'; a++, b++)
    if (lower((unsigned char)*a) != lower((unsigned char)*b)) return 0;
  return *a == *b;
}

static int eq_ci_n(const char *a, size_t n, const char *b) {
  size_t m = strlen(b);
  if (n != m) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

/* Trims blanks of |s| (|*n| bytes); returns the first kept byte. */
static const char *trim(const char *s, size_t *n) {
  size_t a = 0, e = *n;
  while (a < e && is_blank((unsigned char)s[a])) a++;
  while (e > a && is_blank((unsigned char)s[e - 1])) e--;
  *n = e - a;
  return s + a;
}

static int all_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_blank((unsigned char)s[i])) return 0;
  return 1;
}

/* 1-based line of |off| in |buf|. */
static unsigned line_of(const uint8_t *buf, size_t len, size_t off) {
  unsigned line = 1;
  for (size_t i = 0; i < off && i < len; i++)
    if (buf[i] == '\n') line++;
  return line;
}

/* ------------------------------------------------------------------------ */
/* Name tables                                                               */
/* ------------------------------------------------------------------------ */



static const bcastdec__vs kind_names[] = {
    {BCASTDEC_XML_UNKNOWN, "unknown"},
    {BCASTDEC_XML_MSK_REQUEST, "msk_request"},
    {BCASTDEC_XML_MSK_RESPONSE, "msk_response"},
    {BCASTDEC_XML_REGISTER, "register"},
    {BCASTDEC_XML_DEREGISTER, "deregister"},
    {BCASTDEC_XML_REGISTER_RESPONSE, "register_response"},
    {BCASTDEC_XML_SPROV, "sprov"},
    {BCASTDEC_XML_SMARTCARD_TRIGGER, "smartcard_trigger"}};
const char *bcastdec_xml_kind_name(unsigned kind) { return BCASTDEC__LOOKUP(kind_names, kind); }

static const bcastdec__vs ids_names[] = {
    {BCASTDEC_XML_IDS_NOT_CHECKED, "not_checked"}, {BCASTDEC_XML_IDS_MATCH, "match"},
    {BCASTDEC_XML_IDS_MISMATCH, "mismatch"},       {BCASTDEC_XML_IDS_NO_XML_IDS, "no_xml_ids"},
    {BCASTDEC_XML_IDS_NO_LTKM_IDS, "no_ltkm_ids"}};
const char *bcastdec_xml_ids_name(unsigned ids) { return BCASTDEC__LOOKUP(ids_names, ids); }

static const bcastdec__vs field_names[] = {
    {BCASTDEC_XF_REQUEST_ID, "requestID"},
    {BCASTDEC_XF_GLOBAL_STATUS_CODE, "globalStatusCode"},
    {BCASTDEC_XF_ITEMWISE_STATUS_CODE, "itemwiseStatusCode"},
    {BCASTDEC_XF_REGISTRATION_REQUIRED, "registrationRequired"},
    {BCASTDEC_XF_GLOBAL_ID_REF, "GlobalPurchaseItemID"},
    {BCASTDEC_XF_ID_REF, "PurchaseDataRef"},
    {BCASTDEC_XF_KEY_DOMAIN_ID, "keyDomainID"},
    {BCASTDEC_XF_MSK_ID, "MSKID"},
    {BCASTDEC_XF_RESPONSE_CODE, "ResponseCode"},
    {BCASTDEC_XF_SERVICE_ID, "serviceId"},
    {BCASTDEC_XF_LTKM, "LTKM"},
    {BCASTDEC_XF_LTKM_VERSION, "version"}};
const char *bcastdec_xml_field_name(unsigned id) { return BCASTDEC__LOOKUP(field_names, id); }

/* Media types (PROFILE.md section 7).  |assumed|: the type exists, its use
 * for these bodies is not confirmed. */
static const struct media {
  const char *type;
  uint8_t kind, assumed;
} media_types[] = {
    {BCASTDEC_XML_MT_MSK_REQUEST, BCASTDEC_XML_MSK_REQUEST, 0},
    {BCASTDEC_XML_MT_MSK_RESPONSE, BCASTDEC_XML_MSK_RESPONSE, 0},
    {BCASTDEC_XML_MT_REGISTER, BCASTDEC_XML_REGISTER, 0},
    {BCASTDEC_XML_MT_DEREGISTER, BCASTDEC_XML_DEREGISTER, 0},
    {BCASTDEC_XML_MT_REGISTER_RESPONSE, BCASTDEC_XML_REGISTER_RESPONSE, 0},
    {BCASTDEC_XML_MT_SPROV, BCASTDEC_XML_SPROV, 1},
    {BCASTDEC_XML_MT_SMARTCARD_TRIGGER, BCASTDEC_XML_SMARTCARD_TRIGGER, 1},
};

static const struct media *media_lookup(const char *mt) {
  if (mt == NULL) return NULL;
  while (is_blank((unsigned char)*mt)) mt++;
  size_t n = strcspn(mt, ";");
  while (n > 0 && is_blank((unsigned char)mt[n - 1])) n--;
  for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
    if (eq_ci_n(mt, n, media_types[i].type)) return &media_types[i];
  return NULL;
}

unsigned bcastdec_xml_kind_from_media_type(const char *media_type) {
  const struct media *m = media_lookup(media_type);
  return m != NULL ? m->kind : BCASTDEC_XML_UNKNOWN;
}

/* Root elements.  Only the seed's mbmsMSKResponse is confirmed; the rest are
 * assumptions ("xml_root_elements"), matched case-insensitively. */
static const struct root {
  const char *name;
  uint8_t kind;
  const char *confirmed_ns; /* NULL: the name is assumed */
} roots[] = {
    {"mbmsMSKResponse", BCASTDEC_XML_MSK_RESPONSE, BCASTDEC_XML_NS_MSK_RESPONSE},
    {"mbmsMSKRequest", BCASTDEC_XML_MSK_REQUEST, NULL},
    {"mbmsUserServiceRegistration", BCASTDEC_XML_REGISTER, NULL},
    {"mbmsUserServiceDeregistration", BCASTDEC_XML_DEREGISTER, NULL},
    {"mbmsRegistrationResponse", BCASTDEC_XML_REGISTER_RESPONSE, NULL},
    {"ServiceRequest", BCASTDEC_XML_SPROV, NULL},
    {"ServiceResponse", BCASTDEC_XML_SPROV, NULL},
    {"TokenPurchaseRequest", BCASTDEC_XML_SPROV, NULL},
    {"TokenPurchaseResponse", BCASTDEC_XML_SPROV, NULL},
    {"UnsubscribeRequest", BCASTDEC_XML_SPROV, NULL},
    {"UnsubscribeResponse", BCASTDEC_XML_SPROV, NULL},
    {"SubscriptionRenewalRequest", BCASTDEC_XML_SPROV, NULL},
    {"SubscriptionRenewalResponse", BCASTDEC_XML_SPROV, NULL},
    {"PriceInfoRequest", BCASTDEC_XML_SPROV, NULL},
    {"PriceInfoResponse", BCASTDEC_XML_SPROV, NULL},
    {"AccountInquiryRequest", BCASTDEC_XML_SPROV, NULL},
    {"AccountInquiryResponse", BCASTDEC_XML_SPROV, NULL},
    {"SmartcardProfileTrigger", BCASTDEC_XML_SMARTCARD_TRIGGER, NULL},
    {"SmartcardTrigger", BCASTDEC_XML_SMARTCARD_TRIGGER, NULL},
};

/* Semantic fields: one row per spelling.  |seed_form| says how a seed names
 * it (0: no seed does, the name is assumed); |seed_ns| the seed's namespace
 * (NULL: any).  A match in another form, namespace or letter case is marked
 * assumed. */
enum { T_STR, T_UINT, T_BOOL, T_B64, T_UBYTE, T_CODE };
enum { AS_ELEM = 1, AS_ATTR = 2, AS_ANY = 3 };

static const struct fname {
  uint8_t id, type, seed_form;
  const char *name;
  const char *seed_ns;
} fnames[] = {
    {BCASTDEC_XF_REQUEST_ID, T_STR, 0, "requestID", NULL},
    {BCASTDEC_XF_GLOBAL_STATUS_CODE, T_UINT, 0, "globalStatusCode", NULL},
    {BCASTDEC_XF_ITEMWISE_STATUS_CODE, T_UINT, 0, "itemwiseStatusCode", NULL},
    {BCASTDEC_XF_REGISTRATION_REQUIRED, T_BOOL, AS_ANY, "registrationRequired", NULL},
    {BCASTDEC_XF_GLOBAL_ID_REF, T_STR, AS_ANY, "GlobalPurchaseItemID", NULL},
    {BCASTDEC_XF_GLOBAL_ID_REF, T_STR, 0, "globalIDRef", NULL},
    {BCASTDEC_XF_ID_REF, T_STR, AS_ANY, "PurchaseDataRef", NULL},
    {BCASTDEC_XF_ID_REF, T_STR, 0, "idRef", NULL},
    {BCASTDEC_XF_KEY_DOMAIN_ID, T_B64, AS_ELEM, "keyDomainID", BCASTDEC_XML_NS_MSK_RESPONSE},
    {BCASTDEC_XF_MSK_ID, T_B64, AS_ELEM, "MSKID", BCASTDEC_XML_NS_MSK_RESPONSE},
    {BCASTDEC_XF_RESPONSE_CODE, T_CODE, AS_ELEM, "ResponseCode", BCASTDEC_XML_NS_MSK_RESPONSE},
    {BCASTDEC_XF_SERVICE_ID, T_STR, 0, "serviceId", NULL},
    {BCASTDEC_XF_LTKM, T_B64, AS_ELEM, "LTKM", BCASTDEC_XML_NS_BCAST},
};

/* LTKM/@version, only on LTKM elements. */
static const struct fname fname_version = {BCASTDEC_XF_LTKM_VERSION, T_UBYTE, AS_ATTR, "version",
                                           NULL};

/* Namespaces whose near misses are reported (rule 8). */
static const char *const known_ns[] = {BCASTDEC_XML_NS_MSK_RESPONSE, BCASTDEC_XML_NS_BCAST,
                                       BCASTDEC_XML_NS_MSK_REQUEST};

/* 0 exact, 1 equal up to blanks and letter case, 2 different. */
static int ns_compare(const char *have, const char *want) {
  if (strcmp(have, want) == 0) return BCASTDEC_XML_NS_EXACT;
  size_t n = strlen(have);
  const char *t = trim(have, &n);
  return eq_ci_n(t, n, want) ? BCASTDEC_XML_NS_INEXACT : BCASTDEC_XML_NS_OTHER;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

void bcastdec_xml_opts_init(bcastdec_xml_opts *o) {
  if (o == NULL) return;
  o->struct_size = (uint32_t)sizeof *o;
  o->max_size = BCASTDEC_XML_MAX_SIZE_DEFAULT;
  o->max_depth = BCASTDEC_XML_MAX_DEPTH_DEFAULT;
  o->max_nodes = BCASTDEC_XML_MAX_NODES_DEFAULT;
}

static void opts_effective(bcastdec_xml_opts *e, const bcastdec_xml_opts *o) {
  bcastdec_xml_opts_init(e);
  if (o == NULL) return;
  if (o->max_size != 0) e->max_size = o->max_size > 0x7fff0000u ? 0x7fff0000u : o->max_size;
  if (o->max_depth != 0)
    e->max_depth =
        o->max_depth > BCASTDEC_XML_MAX_DEPTH_LIMIT ? BCASTDEC_XML_MAX_DEPTH_LIMIT : o->max_depth;
  if (o->max_nodes != 0) e->max_nodes = o->max_nodes;
}

/* ------------------------------------------------------------------------ */
/* SAX2 parse into the element tree                                          */
/* ------------------------------------------------------------------------ */

typedef struct open_el {
  int elem;
  int last_child;
  size_t text_mark; /* length of the text buffer when the element opened */
  uint8_t located;  /* its start tag was found in the body */
  uint8_t empty_tag; /* <x/> */
} open_el;

/* One attribute as written in a start tag. */
typedef struct raw_attr {
  size_t name_off, name_len, val_off, val_len, end;
} raw_attr;

typedef struct pstate {
  xbox *b;
  const bcastdec_xml_opts *o;
  xmlParserCtxtPtr ctxt;
  const uint8_t *buf; /* the bytes being parsed (the body or a repaired copy) */
  size_t len;
  open_el *open;
  size_t n_open, cap_open;
  char *tb; /* text of the open elements, innermost last */
  size_t tb_len, tb_cap;
  raw_attr *raw;
  size_t cap_raw;
  size_t low; /* no later tag starts before this offset */
  size_t delta; /* body offset = parser position + delta (declared encodings) */
  uint64_t nodes;
  /* why the callbacks stopped the parser */
  int stopped, nomem;
  bcastdec_status stop_status;
  bcastdec__fid stop_fid;
  size_t stop_off;
  /* the first error libxml2 reported */
  int err_seen, err_code, err_line;
  size_t err_off;
  unsigned n_errors;
  char err_msg[160];
} pstate;

/* Offset of the parser's input position in |buf|, or NOPOS. */
static size_t cur_off(const pstate *st) {
  xmlParserCtxtPtr c = st->ctxt;
  if (st->stopped || c == NULL || c->inputNr != 1 || c->input == NULL ||
      c->input->cur == NULL || c->input->base == NULL || c->input->cur < c->input->base)
    return NOPOS;
  size_t off = (size_t)c->input->consumed + (size_t)(c->input->cur - c->input->base) + st->delta;
  return off <= st->len ? off : NOPOS;
}

static void stop(pstate *st, bcastdec_status status, bcastdec__fid fid) {
  if (st->stopped) return;
  st->stop_off = cur_off(st);
  st->stop_status = status;
  st->stop_fid = fid;
  st->stopped = 1;
  xmlStopParser(st->ctxt);
}

static void out_of_memory(pstate *st) {
  st->nomem = 1;
  stop(st, BCASTDEC_ERR_NOMEM, BCASTDEC__F_XML_MALFORMED);
}

/* Splits the start tag [lt, gt) into raw attributes; returns their count. */
static size_t scan_tag(pstate *st, size_t lt, size_t gt) {
  const uint8_t *p = st->buf;
  size_t i = lt + 1, n = 0;
  while (i < gt && !is_blank(p[i]) && p[i] != '/' && p[i] != '>') i++; /* element name */
  for (;;) {
    while (i < gt && is_blank(p[i])) i++;
    if (i >= gt || p[i] == '/' || p[i] == '>') break;
    size_t name_off = i;
    while (i < gt && !is_blank(p[i]) && p[i] != '=' && p[i] != '>') i++;
    size_t name_len = i - name_off;
    while (i < gt && is_blank(p[i])) i++;
    if (i >= gt || p[i] != '=' || name_len == 0) break;
    i++;
    while (i < gt && is_blank(p[i])) i++;
    if (i >= gt || (p[i] != '"' && p[i] != '\'')) break;
    const uint8_t *close = memchr(p + i + 1, p[i], gt - i - 1);
    if (close == NULL) break;
    if (!bcastdec__grow((void **)&st->raw, &st->cap_raw, sizeof *st->raw, n + 1)) return n;
    raw_attr *r = &st->raw[n++];
    r->name_off = name_off;
    r->name_len = name_len;
    r->val_off = i + 1;
    r->val_len = (size_t)(close - p) - (i + 1);
    r->end = (size_t)(close - p) + 1;
    i = r->end;
  }
  return n;
}

/* Is raw attribute |r| written as |prefix|:|local| (or |local|)? */
static int raw_is(const pstate *st, const raw_attr *r, const char *prefix, const char *local) {
  const char *q = (const char *)st->buf + r->name_off;
  size_t pl = strlen(prefix), ll = strlen(local);
  if (pl == 0) return r->name_len == ll && memcmp(q, local, ll) == 0;
  return r->name_len == pl + 1 + ll && memcmp(q, prefix, pl) == 0 && q[pl] == ':' &&
         memcmp(q + pl + 1, local, ll) == 0;
}

static int raw_is_xmlns(const pstate *st, const raw_attr *r) {
  const char *q = (const char *)st->buf + r->name_off;
  return (r->name_len == 5 && memcmp(q, "xmlns", 5) == 0) ||
         (r->name_len > 6 && memcmp(q, "xmlns:", 6) == 0);
}

/* Finds the next raw attribute from *cur on, of the declaration kind
 * |xmlns|, written as |prefix|:|local|; advances *cur past it. */
static const raw_attr *raw_find(const pstate *st, size_t n_raw, size_t *cur, int xmlns,
                                const char *prefix, const char *local) {
  for (size_t i = *cur; i < n_raw; i++) {
    const raw_attr *r = &st->raw[i];
    if (raw_is_xmlns(st, r) != xmlns) continue;
    if (raw_is(st, r, prefix, local)) {
      *cur = i + 1;
      return r;
    }
  }
  return NULL;
}

/* Adds an attribute; |value| has |vlen| bytes.  Returns 0 on NOMEM. */
static int put_attr(pstate *st, const char *ns, const char *prefix, const char *name,
                    const char *value, size_t vlen, const raw_attr *r) {
  xbox *b = st->b;
  if (!bcastdec__grow((void **)&b->attrs, &b->cap_attrs, sizeof *b->attrs, b->n_attrs + 1)) return 0;
  bcastdec_xml_attr *a = &b->attrs[b->n_attrs];
  memset(a, 0, sizeof *a);
  a->ns = ar_strn(b, ns, strlen(ns));
  a->prefix = ar_strn(b, prefix, strlen(prefix));
  a->name = ar_strn(b, name, strlen(name));
  /* libxml2 hands '&' in attribute values to SAX2 as "&#38;" (to be
   * re-parsed by its own tree builder); undo exactly that. */
  char *v = ar_alloc(b, vlen + 1);
  if (a->ns == NULL || a->prefix == NULL || a->name == NULL || v == NULL) return 0;
  size_t o = 0;
  for (size_t i = 0; i < vlen;) {
    if (vlen - i >= 5 && memcmp(value + i, "&#38;", 5) == 0) {
      v[o++] = '&';
      i += 5;
    } else {
      v[o++] = value[i++];
    }
  }
  v[o] = '\0';
  a->value = v;
  a->value_len = o;
  if (r != NULL) {
    a->sp = bcastdec__wire_span(r->name_off, r->end - r->name_off);
    a->value_sp = bcastdec__wire_span(r->val_off, r->val_len);
  } else {
    a->sp = a->value_sp = bcastdec__wire_span(st->low, 0);
  }
  b->n_attrs++;
  return 1;
}

static void on_start_document(void *ud) {
  pstate *st = ud;
  xmlParserInputPtr in = st->ctxt->input;
  /* A converting decoder means offsets in the parser are not offsets in
   * the body, unless every byte is 7-bit ASCII: then both advance alike,
   * apart from the XML declaration the switch of decoders dropped, which
   * xmlByteConsumed() (costly, so called once) measures. */
  if (in != NULL && in->buf != NULL && in->buf->encoder != NULL) {
    for (size_t i = 0; i < st->len; i++)
      if (st->buf[i] == 0 || st->buf[i] >= 0x80) {
        stop(st, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_ENCODING);
        return;
      }
    long raw = xmlByteConsumed(st->ctxt);
    size_t now = cur_off(st);
    if (raw < 0 || now == NOPOS || (size_t)raw < now || (size_t)raw > st->len) {
      stop(st, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_ENCODING);
      return;
    }
    st->delta = (size_t)raw - now;
  }
}

static void on_internal_subset(void *ud, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id) {
  (void)name;
  (void)ext_id;
  (void)sys_id;
  /* Called before the internal subset is read: no entity gets declared. */
  stop(ud, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_DTD);
}

static void on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_def,
                     const xmlChar **atts) {
  pstate *st = ud;
  xbox *b = st->b;
  bcastdec_xml *x = &b->x;
  (void)nb_def;
  if (st->stopped) return;
  if (st->n_open >= st->o->max_depth) {
    stop(st, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_TOO_DEEP);
    return;
  }
  st->nodes += 1u + (uint64_t)(nb_ns > 0 ? nb_ns : 0) + (uint64_t)(nb_attrs > 0 ? nb_attrs : 0);
  if (st->nodes > st->o->max_nodes || x->n_elems >= INT_MAX) {
    stop(st, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_TOO_MANY_NODES);
    return;
  }
  size_t cap_first = b->cap_elems;
  if (!bcastdec__grow((void **)&x->elems, &b->cap_elems, sizeof *x->elems, x->n_elems + 1) ||
      !bcastdec__grow((void **)&b->attr_first, &cap_first, sizeof *b->attr_first, b->cap_elems) ||
      !bcastdec__grow((void **)&st->open, &st->cap_open, sizeof *st->open, st->n_open + 1)) {
    out_of_memory(st);
    return;
  }
  int idx = (int)x->n_elems;
  bcastdec_xml_elem *e = &x->elems[idx];
  memset(e, 0, sizeof *e);
  e->name = ar_str(b, local);
  e->prefix = ar_str(b, prefix);
  e->ns = ar_str(b, uri);
  e->text = "";
  if (e->name == NULL || e->prefix == NULL || e->ns == NULL) {
    out_of_memory(st);
    return;
  }
  e->first_child = e->next_sibling = -1;
  e->depth = (unsigned)st->n_open;
  if (st->n_open > 0) {
    open_el *par = &st->open[st->n_open - 1];
    e->parent = par->elem;
    if (par->last_child >= 0) x->elems[par->last_child].next_sibling = idx;
    else x->elems[par->elem].first_child = idx;
    par->last_child = idx;
  } else {
    e->parent = -1;
  }

  /* Where is the tag?  The input is at its '>' or "/>". */
  size_t gt = cur_off(st), lt = NOPOS;
  if (gt != NOPOS && gt < st->len && (st->buf[gt] == '>' || st->buf[gt] == '/')) {
    for (size_t i = gt; i > st->low;) {
      if (st->buf[--i] == '<') {
        lt = i;
        break;
      }
    }
  }
  open_el *oe = &st->open[st->n_open];
  oe->elem = idx;
  oe->last_child = -1;
  oe->text_mark = st->tb_len;
  oe->located = lt != NOPOS;
  oe->empty_tag = 0;
  size_t n_raw = 0;
  if (lt != NOPOS) {
    size_t tag_end = st->buf[gt] == '>' ? gt + 1 : gt + 2;
    if (tag_end > st->len) tag_end = st->len;
    oe->empty_tag = st->buf[gt] == '/';
    e->sp = bcastdec__wire_span(lt, tag_end - lt);
    e->inner_sp = bcastdec__wire_span(tag_end, 0);
    n_raw = scan_tag(st, lt, gt);
    st->low = tag_end;
  } else {
    e->sp = e->inner_sp = bcastdec__wire_span(st->low, 0);
  }

  /* Namespace declarations first (as xmlns attributes), then attributes,
   * each matched in order with the attribute as written. */
  b->attr_first[idx] = b->n_attrs;
  size_t cur_ns = 0, cur_at = 0;
  for (int k = 0; k < nb_ns; k++) {
    const char *p = (const char *)ns[2 * k], *u = (const char *)ns[2 * k + 1];
    if (u == NULL) u = "";
    const raw_attr *r = raw_find(st, n_raw, &cur_ns, 1, p != NULL ? "xmlns" : "",
                                 p != NULL ? p : "xmlns");
    if (!put_attr(st, BCASTDEC_XML_NS_XMLNS, p != NULL ? "xmlns" : "", p != NULL ? p : "xmlns",
                  u, strlen(u), r)) {
      out_of_memory(st);
      return;
    }
  }
  for (int k = 0; k < nb_attrs; k++) {
    const char *an = (const char *)atts[5 * k], *ap = (const char *)atts[5 * k + 1],
               *au = (const char *)atts[5 * k + 2];
    const xmlChar *v0 = atts[5 * k + 3], *v1 = atts[5 * k + 4];
    if (an == NULL) continue;
    const raw_attr *r = raw_find(st, n_raw, &cur_at, 0, ap != NULL ? ap : "", an);
    size_t vlen = v0 != NULL && v1 != NULL && v1 >= v0 ? (size_t)(v1 - v0) : 0;
    if (!put_attr(st, au != NULL ? au : "", ap != NULL ? ap : "", an,
                  v0 != NULL ? (const char *)v0 : "", vlen, r)) {
      out_of_memory(st);
      return;
    }
  }
  e->n_attrs = b->n_attrs - b->attr_first[idx];
  st->n_open++;
  x->n_elems++;
}

/* Stores the text collected for the innermost open element. */
static int take_text(pstate *st, const open_el *oe) {
  bcastdec_xml_elem *e = &st->b->x.elems[oe->elem];
  size_t n = st->tb_len - oe->text_mark;
  st->tb_len = oe->text_mark;
  if (n == 0) return 1;
  const char *p = st->tb + oe->text_mark;
  if (e->first_child >= 0 && all_blank(p, n)) return 1; /* indentation */
  char *t = ar_strn(st->b, p, n);
  if (t == NULL) return 0;
  e->text = t;
  e->text_len = n;
  return 1;
}

static void on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri) {
  pstate *st = ud;
  (void)local;
  (void)prefix;
  (void)uri;
  if (st->stopped || st->n_open == 0) return;
  open_el oe = st->open[--st->n_open];
  bcastdec_xml_elem *e = &st->b->x.elems[oe.elem];
  size_t after = cur_off(st);
  if (oe.located && after != NOPOS && after >= e->inner_sp.off && after > 0 &&
      st->buf[after - 1] == '>') {
    size_t inner = e->inner_sp.off, et = inner;
    if (!oe.empty_tag) {
      for (size_t i = after - 1; i > inner;) {
        if (st->buf[--i] == '<') {
          et = i;
          break;
        }
      }
    }
    e->inner_sp.len = (uint32_t)(et - inner);
    e->sp.len = (uint32_t)(after - e->sp.off);
    st->low = after;
  }
  e->complete = 1;
  if (!take_text(st, &oe)) out_of_memory(st);
}

static void on_chars(void *ud, const xmlChar *ch, int n) {
  pstate *st = ud;
  if (st->stopped || st->n_open == 0 || n <= 0) return;
  if (!bcastdec__grow((void **)&st->tb, &st->tb_cap, 1, st->tb_len + (size_t)n)) {
    out_of_memory(st);
    return;
  }
  memcpy(st->tb + st->tb_len, ch, (size_t)n);
  st->tb_len += (size_t)n;
}

static void on_error(void *ud, xml_err_t err) {
  pstate *st = ud;
  if (st == NULL || err == NULL || err->code == XML_ERR_USER_STOP) return;
  if (err->level < XML_ERR_ERROR) return;
  /* A namespace name that is not a valid URI (the seed's " urn:...") is
   * still a namespace name; rule 8 reports the near misses. */
  if (err->code == XML_WAR_NS_URI || err->code == XML_WAR_NS_URI_RELATIVE) return;
  st->n_errors++;
  /* Without recovery libxml2 keeps reading after a fatal error with SAX
   * disabled (a DTD then behind our back); end the parse at once.  Only
   * the state is set here: xmlStopParser() would free the input under the
   * caller's feet. */
  if (err->level == XML_ERR_FATAL && st->ctxt != NULL) {
    st->ctxt->disableSAX = 1;
    st->ctxt->instate = XML_PARSER_EOF;
  }
  if (st->err_seen) return;
  st->err_seen = 1;
  st->err_code = err->code;
  st->err_line = err->line;
  st->err_off = cur_off(st);
  const char *m = err->message != NULL ? err->message : "parser error";
  size_t n = strlen(m);
  while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
  if (n >= sizeof st->err_msg) n = sizeof st->err_msg - 1;
  memcpy(st->err_msg, m, n);
  st->err_msg[n] = '\0';
}

/* libxml2 reports errors without a parser context (encoding conversion,
 * I/O) through the thread's generic handlers, stderr by default; a library
 * must not print, so they are silenced during a parse and restored after. */
static void quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

/* Parses |buf| into b->x.elems / b->attrs.  st->nomem on NOMEM. */
static void run_parse(pstate *st, const uint8_t *buf, size_t len) {
  xmlSAXHandler h;
  memset(&h, 0, sizeof h);
  h.initialized = XML_SAX2_MAGIC;
  h.startDocument = on_start_document;
  h.internalSubset = on_internal_subset;
  h.startElementNs = on_start;
  h.endElementNs = on_end;
  h.characters = on_chars;
  h.ignorableWhitespace = on_chars;
  h.cdataBlock = on_chars;
  h.serror = on_error;
  /* entityDecl, getEntity, resolveEntity, externalSubset stay NULL */

  st->buf = buf;
  st->len = len;
  xmlGenericErrorFunc old_generic = xmlGenericError;
  void *old_generic_ctx = xmlGenericErrorContext;
  xmlStructuredErrorFunc old_structured = xmlStructuredError;
  void *old_structured_ctx = xmlStructuredErrorContext;
  xmlSetGenericErrorFunc(NULL, quiet);
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlParserCtxtPtr c = xmlCreateMemoryParserCtxt((const char *)buf, (int)len);
  if (c == NULL || c->sax == NULL) {
    if (c != NULL) xmlFreeParserCtxt(c);
    st->nomem = 1;
    goto out;
  }
  memcpy(c->sax, &h, sizeof h);
  c->userData = st;
  st->ctxt = c;
  int opt = XML_PARSE_NONET;
#if LIBXML_VERSION >= 21300
  opt |= XML_PARSE_NO_XXE;
#endif
  xmlCtxtUseOptions(c, opt);
  /* whatever the process-wide libxml2 defaults say */
  c->replaceEntities = 0;
  c->loadsubset = 0;
  c->validate = 0;
  c->recovery = 0;
  (void)xmlParseDocument(c);
  st->ctxt = NULL;
  if (c->myDoc != NULL) { /* entity declarations libxml2 kept for itself */
    xmlFreeDoc(c->myDoc);
    c->myDoc = NULL;
  }
  xmlFreeParserCtxt(c);
out:
  xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
  xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
}

/* ------------------------------------------------------------------------ */
/* Seed-style attribute values without quotes                               */
/* ------------------------------------------------------------------------ */

typedef struct repairs {
  size_t n;
  size_t ins[2 * MAX_REPAIRS]; /* offsets of inserted quotes (current buffer) */
  size_t at[MAX_REPAIRS];      /* value offsets in the original body */
} repairs;

static size_t map_off(const repairs *rp, size_t r) {
  size_t k = 0;
  for (size_t i = 0; i < 2 * rp->n; i++)
    if (rp->ins[i] < r) k++;
  return r - k;
}

static bcastdec_span map_span(const repairs *rp, bcastdec_span s) {
  size_t a = map_off(rp, s.off), e = map_off(rp, (size_t)s.off + s.len);
  return bcastdec__wire_span(a, e >= a ? e - a : 0);
}

/*
 * The error "AttValue: \" or ' expected" at |p|, right after '=': quote the
 * value (up to a blank, '>' or "/>") in a new copy of |*buf|.  Returns 1 when
 * done, 0 when |p| is not such a value, -1 on NOMEM.
 */
static int repair_unquoted(uint8_t **owned, const uint8_t **buf, size_t *len, size_t p,
                           repairs *rp) {
  const uint8_t *s = *buf;
  if (rp->n >= MAX_REPAIRS || p == NOPOS || p >= *len) return 0;
  size_t j = p;
  while (j > 0 && is_blank(s[j - 1])) j--;
  if (j == 0 || s[j - 1] != '=') return 0;
  size_t q = p;
  while (q < *len && !is_blank(s[q]) && s[q] != '>' && s[q] != '<' && s[q] != '"' &&
         s[q] != '\'' && !(s[q] == '/' && q + 1 < *len && s[q + 1] == '>'))
    q++;
  if (q == p) return 0;
  uint8_t *n = malloc(*len + 2);
  if (n == NULL) return -1;
  memcpy(n, s, p);
  n[p] = '"';
  memcpy(n + p + 1, s + p, q - p);
  n[q + 1] = '"';
  memcpy(n + q + 2, s + q, *len - q);
  for (size_t i = 0; i < 2 * rp->n; i++) rp->ins[i] += rp->ins[i] >= q ? 2 : rp->ins[i] >= p;
  rp->at[rp->n] = map_off(rp, p);
  rp->ins[2 * rp->n] = p;
  rp->ins[2 * rp->n + 1] = q + 1;
  rp->n++;
  free(*owned);
  *owned = n;
  *buf = n;
  *len += 2;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Semantic pass                                                             */
/* ------------------------------------------------------------------------ */

/* The span of |sp| in |body| without leading/trailing blanks. */
static bcastdec_span trim_span(const uint8_t *body, bcastdec_span sp) {
  size_t a = sp.off, e = (size_t)sp.off + sp.len;
  while (a < e && is_blank(body[a])) a++;
  while (e > a && is_blank(body[e - 1])) e--;
  return bcastdec__wire_span(a, e - a);
}

static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out) {
  size_t i = 0;
  uint64_t v = 0;
  if (n > 0 && s[0] == '+') i = 1;
  if (i == n) return 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

/* Adds a field for |fn| with the (untrimmed) value |raw|; returns its index
 * or -1 on NOMEM. */
static int add_field(xbox *b, const uint8_t *body, const struct fname *fn, int elem, int is_attr,
                     const char *name, const char *ns, const char *raw, size_t raw_len,
                     bcastdec_span raw_sp) {
  bcastdec_xml *x = &b->x;
  if (!bcastdec__grow((void **)&x->fields, &b->cap_fields, sizeof *x->fields, x->n_fields + 1)) return -1;
  bcastdec_xml_field *f = &x->fields[x->n_fields];
  memset(f, 0, sizeof *f);
  f->id = fn->id;
  f->is_attr = (uint8_t)is_attr;
  f->elem = elem;
  f->name = name;
  int form_ok = (fn->seed_form & (is_attr ? AS_ATTR : AS_ELEM)) != 0;
  f->assumed = (uint8_t)!(form_ok && strcmp(name, fn->name) == 0 &&
                          (fn->seed_ns == NULL || strcmp(ns, fn->seed_ns) == 0));
  size_t n = raw_len;
  const char *v = trim(raw, &n);
  char *copy = ar_strn(b, v, n);
  if (copy == NULL) return -1;
  f->value = copy;
  f->value_len = n;
  f->sp = raw_sp.len > 0 ? trim_span(body, raw_sp) : raw_sp;
  switch (fn->type) {
  case T_UINT: f->valid = (uint8_t)parse_uint(copy, n, UINT64_MAX, &f->num); break;
  case T_UBYTE: f->valid = (uint8_t)parse_uint(copy, n, 255, &f->num); break;
  case T_BOOL:
    if (strcmp(copy, "true") == 0 || strcmp(copy, "1") == 0) {
      f->valid = 1;
      f->num = 1;
    } else if (strcmp(copy, "false") == 0 || strcmp(copy, "0") == 0) {
      f->valid = 1;
    }
    break;
  case T_B64: {
    size_t cap = n / 4 * 3 + 3, out = 0;
    uint8_t *bytes = ar_alloc(b, cap);
    if (bytes == NULL) return -1;
    if (bcastdec_base64_decode(copy, n, bytes, cap, &out) == BCASTDEC_OK) {
      f->valid = 1;
      f->bytes = bytes;
      f->bytes_len = out;
    }
    break;
  }
  case T_CODE: {
    size_t d = 0;
    while (d < n && d < 9 && copy[d] >= '0' && copy[d] <= '9') d++;
    if (d > 0) (void)parse_uint(copy, d, UINT64_MAX, &f->num);
    f->valid = 1;
    break;
  }
  default: f->valid = 1; break;
  }
  int idx = (int)x->n_fields++;
  if (!f->valid && fn->id != BCASTDEC_XF_LTKM && fn->id != BCASTDEC_XF_LTKM_VERSION) {
    static const char *const tname[] = {"string", "an integer", "a boolean", "base64",
                                        "an unsignedByte", "a code"};
    if (!add_finding(b, BCASTDEC__F_XML_BAD_VALUE, f->sp, "%s \"%.40s\" is not %s", name, copy,
                     tname[fn->type]))
      return -1;
  }
  return idx;
}

static const struct fname *fname_find(const char *name) {
  for (size_t i = 0; i < sizeof fnames / sizeof fnames[0]; i++)
    if (eq_ci(name, fnames[i].name)) return &fnames[i];
  return NULL;
}

/* Is the response code a success ("200 OK", "200")? [A] msk_success_code */
static int code_is_success(const bcastdec_xml_field *f) {
  return f->value_len >= 3 && memcmp(f->value, "200", 3) == 0 &&
         (f->value_len == 3 || is_blank((unsigned char)f->value[3]));
}

static int elem_is(const bcastdec_xml_elem *e, const char *name) {
  return eq_ci(e->name, name);
}

typedef struct spass {
  xbox *b;
  const uint8_t *body;
  int *elem_field; /* per element: the field of its own text, -1 */
  int *resp_of;    /* per element: index of the Response it is, -1 */
} spass;

static int pass_fields(spass *sp) {
  bcastdec_xml *x = &sp->b->x;
  for (size_t i = 0; i < x->n_elems; i++) {
    const bcastdec_xml_elem *e = &x->elems[i];
    sp->elem_field[i] = -1;
    const struct fname *fn = fname_find(e->name);
    if (fn != NULL && e->complete) {
      int k = add_field(sp->b, sp->body, fn, (int)i, 0, e->name, e->ns, e->text, e->text_len,
                        e->inner_sp);
      if (k < 0) return 0;
      sp->elem_field[i] = k;
    }
    int is_ltkm = elem_is(e, "LTKM");
    for (size_t a = 0; a < e->n_attrs; a++) {
      const bcastdec_xml_attr *at = &e->attrs[a];
      if (strcmp(at->ns, BCASTDEC_XML_NS_XMLNS) == 0) continue;
      const struct fname *af = NULL;
      if (is_ltkm && strcmp(at->name, "version") == 0) af = &fname_version;
      else if ((af = fname_find(at->name)) != NULL && af->id == BCASTDEC_XF_LTKM) af = NULL;
      if (af == NULL) continue;
      if (add_field(sp->b, sp->body, af, (int)i, 1, at->name, at->ns, at->value, at->value_len,
                    at->value_sp) < 0)
        return 0;
    }
  }
  return 1;
}

/* Rule 8: namespace declarations that miss a known namespace narrowly. */
static int pass_namespaces(spass *sp) {
  xbox *b = sp->b;
  for (size_t i = 0; i < b->n_attrs; i++) {
    const bcastdec_xml_attr *a = &b->attrs[i];
    if (strcmp(a->ns, BCASTDEC_XML_NS_XMLNS) != 0) continue;
    for (size_t k = 0; k < sizeof known_ns / sizeof known_ns[0]; k++) {
      if (ns_compare(a->value, known_ns[k]) != BCASTDEC_XML_NS_INEXACT) continue;
      if (!add_finding(b, BCASTDEC__F_XML_NS_INEXACT, a->value_sp,
                       "%s%s%s declares \"%.60s\", not \"%s\"", a->prefix,
                       a->prefix[0] ? ":" : "", a->name, a->value, known_ns[k]))
        return 0;
    }
  }
  return 1;
}

static int pass_kind(spass *sp, const char *media_type) {
  xbox *b = sp->b;
  bcastdec_xml *x = &b->x;
  const struct media *m = media_lookup(media_type);
  int root_assumed = 1;
  x->media_kind = m != NULL ? m->kind : BCASTDEC_XML_UNKNOWN;
  x->root_kind = BCASTDEC_XML_UNKNOWN;
  if (x->n_elems > 0) {
    const bcastdec_xml_elem *r = &x->elems[0];
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
      if (!eq_ci(r->name, roots[i].name)) continue;
      x->root_kind = roots[i].kind;
      root_assumed = !(roots[i].confirmed_ns != NULL && strcmp(r->name, roots[i].name) == 0 &&
                       strcmp(r->ns, roots[i].confirmed_ns) == 0);
      break;
    }
    if (x->root_kind == BCASTDEC_XML_UNKNOWN &&
        ns_compare(r->ns, BCASTDEC_XML_NS_BCAST) != BCASTDEC_XML_NS_OTHER)
      x->root_kind = BCASTDEC_XML_SPROV; /* any other root of the BCAST namespace */
  }
  if (x->media_kind != BCASTDEC_XML_UNKNOWN) {
    x->kind = x->media_kind;
    x->kind_by = BCASTDEC_XML_BY_MEDIA_TYPE;
    x->kind_assumed = m->assumed;
  } else if (x->root_kind != BCASTDEC_XML_UNKNOWN) {
    x->kind = x->root_kind;
    x->kind_by = BCASTDEC_XML_BY_ROOT;
    x->kind_assumed = (uint8_t)root_assumed;
  }
  if (x->media_kind != BCASTDEC_XML_UNKNOWN && x->root_kind != BCASTDEC_XML_UNKNOWN &&
      x->media_kind != x->root_kind &&
      !add_finding(b, BCASTDEC__F_XML_KIND_MISMATCH, bcastdec__wire_span(x->elems[0].sp.off, 0),
                   "media type names %s, root element <%.60s> %s",
                   bcastdec_xml_kind_name(x->media_kind), x->elems[0].name,
                   bcastdec_xml_kind_name(x->root_kind)))
    return 0;
  if (x->n_elems > 0 && x->kind == BCASTDEC_XML_UNKNOWN &&
      !add_finding(b, BCASTDEC__F_XML_UNKNOWN_ROOT, bcastdec__wire_span(x->elems[0].sp.off, 0),
                   "root element <%.60s> in namespace \"%.60s\"", x->elems[0].name,
                   x->elems[0].ns))
    return 0;
  return 1;
}

/* The <Response> children of an MSK response's root. */
static int pass_responses(spass *sp) {
  xbox *b = sp->b;
  bcastdec_xml *x = &b->x;
  size_t cap = 0;
  for (size_t i = 0; i < x->n_elems; i++) sp->resp_of[i] = -1;
  if (x->kind != BCASTDEC_XML_MSK_RESPONSE || x->n_elems == 0) return 1;
  for (int c = x->elems[0].first_child; c >= 0; c = x->elems[c].next_sibling) {
    if (!elem_is(&x->elems[c], "Response")) continue;
    if (!bcastdec__grow((void **)&x->responses, &cap, sizeof *x->responses, x->n_responses + 1)) return 0;
    bcastdec_xml_response *r = &x->responses[x->n_responses];
    r->elem = c;
    r->msk = r->key_domain_id = r->msk_id = r->response_code = r->first_ltkm = -1;
    r->success = 0;
    r->n_ltkm = 0;
    for (int k = x->elems[c].first_child; k >= 0; k = x->elems[k].next_sibling) {
      const bcastdec_xml_elem *ke = &x->elems[k];
      if (elem_is(ke, "MSK") && r->msk < 0) {
        r->msk = k;
        for (int g = ke->first_child; g >= 0; g = x->elems[g].next_sibling) {
          if (elem_is(&x->elems[g], "keyDomainID") && r->key_domain_id < 0)
            r->key_domain_id = sp->elem_field[g];
          else if (elem_is(&x->elems[g], "MSKID") && r->msk_id < 0)
            r->msk_id = sp->elem_field[g];
        }
      } else if (elem_is(ke, "ResponseCode") && r->response_code < 0) {
        r->response_code = sp->elem_field[k];
      } else if (elem_is(ke, "LTKM")) {
        r->n_ltkm++;
      }
    }
    if (r->response_code >= 0) r->success = (uint8_t)code_is_success(&x->fields[r->response_code]);
    sp->resp_of[c] = (int)x->n_responses++;
  }
  return 1;
}

/* Every complete LTKM element, rules 1 (content, namespace) and 6. */
static int pass_ltkms(spass *sp) {
  xbox *b = sp->b;
  bcastdec_xml *x = &b->x;
  size_t cap = 0;
  for (size_t i = 0; i < x->n_elems; i++) {
    const bcastdec_xml_elem *e = &x->elems[i];
    if (!elem_is(e, "LTKM") || !e->complete || sp->elem_field[i] < 0) continue;
    if (!bcastdec__grow((void **)&x->ltkms, &cap, sizeof *x->ltkms, x->n_ltkms + 1)) return 0;
    bcastdec_xml_ltkm *l = &x->ltkms[x->n_ltkms];
    const bcastdec_xml_field *f = &x->fields[sp->elem_field[i]];
    memset(l, 0, sizeof *l);
    l->elem = (int)i;
    l->field = sp->elem_field[i];
    l->response = e->parent >= 0 ? sp->resp_of[e->parent] : -1;
    l->text_sp = f->sp;
    l->ns_match = (uint8_t)ns_compare(e->ns, BCASTDEC_XML_NS_BCAST);
    l->version_ok = 1;
    if (f->valid && f->bytes_len > 0) {
      l->bytes = f->bytes;
      l->len = f->bytes_len;
    }
    if (l->response >= 0 && x->responses[l->response].first_ltkm < 0)
      x->responses[l->response].first_ltkm = (int)x->n_ltkms;
    x->n_ltkms++;

    bcastdec_span tag = bcastdec__wire_span(e->sp.off, e->sp.len);
    if (l->ns_match == BCASTDEC_XML_NS_OTHER &&
        !add_finding(b, BCASTDEC__F_MSK_LTKM_NAMESPACE, tag,
                     "LTKM in namespace \"%.80s\", not \"%s\"", e->ns[0] ? e->ns : "(none)",
                     BCASTDEC_XML_NS_BCAST))
      return 0;
    /* Rule 1: "Each included LTKM SHALL be encoded as one <LTKM> BCAST XML
     * element" holding a base64-encoded MIKEY message. */
    const char *why = e->first_child >= 0 ? "contains child elements"
                      : f->value_len == 0 ? "is empty"
                      : !f->valid         ? "is not valid base64"
                                          : NULL;
    if (why != NULL && !add_finding(b, BCASTDEC__F_MSK_LTKM_NOT_MIKEY, f->sp.len ? f->sp : tag,
                                    "LTKM %s", why))
      return 0;
    /* Rule 6: version, unsignedByte, default 0x00 = BCAST 1.0. */
    for (size_t k = sp->elem_field[i] + 1; k < x->n_fields && x->fields[k].elem == (int)i; k++) {
      const bcastdec_xml_field *v = &x->fields[k];
      if (v->id != BCASTDEC_XF_LTKM_VERSION || l->has_version) continue;
      l->has_version = 1;
      l->version_ok = v->valid;
      l->version = (uint8_t)v->num;
      if (!v->valid) {
        if (!add_finding(b, BCASTDEC__F_MSK_LTKM_VERSION_INVALID, v->sp,
                         "version \"%.40s\" is not an unsignedByte", v->value))
          return 0;
      } else if (v->num != 0 && !add_finding(b, BCASTDEC__F_MSK_LTKM_VERSION_UNKNOWN, v->sp,
                                             "LTKM version %u (0 = BCAST 1.0)",
                                             (unsigned)v->num)) {
        return 0;
      }
    }
  }
  return 1;
}

/* Rules 2, 3, 4 on the <Response> elements of an MSK response. */
static int pass_msk_rules(spass *sp) {
  xbox *b = sp->b;
  bcastdec_xml *x = &b->x;
  if (x->kind != BCASTDEC_XML_MSK_RESPONSE) return 1;
  int any_success = 0;
  for (size_t r = 0; r < x->n_responses; r++) {
    const bcastdec_xml_response *rs = &x->responses[r];
    const bcastdec_xml_elem *re = &x->elems[rs->elem];
    if (!re->complete) continue;
    any_success |= rs->success;
    int seen = 0;
    for (int k = re->first_child; k >= 0; k = x->elems[k].next_sibling) {
      const bcastdec_xml_elem *ke = &x->elems[k];
      if (!elem_is(ke, "LTKM")) continue;
      bcastdec_span tag = bcastdec__wire_span(ke->sp.off, ke->sp.len);
      seen++;
      /* Rule 3: "<Response> elements containing other response codes SHALL
       * NOT contain any <LTKM> elements." */
      if (!rs->success) {
        const char *code =
            rs->response_code >= 0 ? x->fields[rs->response_code].value : "(no ResponseCode)";
        if (!add_finding(b, BCASTDEC__F_MSK_LTKM_IN_ERROR_RESPONSE, tag,
                         "LTKM in a Response with code \"%.40s\"", code))
          return 0;
      } else if (seen == 2 && !add_finding(b, BCASTDEC__F_MSK_LTKM_MULTIPLE, tag,
                                          "Response with %zu LTKMs (exactly one required)",
                                          rs->n_ltkm)) {
        return 0;
      }
      /* Rule 4: the LTKM sits at the ##other wildcard, after the 3GPP
       * children (MSK, ResponseCode). */
      for (int a = ke->next_sibling; a >= 0; a = x->elems[a].next_sibling) {
        const bcastdec_xml_elem *ae = &x->elems[a];
        if (elem_is(ae, "LTKM") || strcmp(ae->ns, re->ns) != 0) continue;
        if (!add_finding(b, BCASTDEC__F_MSK_LTKM_POSITION, tag, "LTKM before <%.40s>", ae->name))
          return 0;
        break;
      }
    }
    /* Rule 2: "each <Response> element containing the successful response
     * code "200 OK" SHALL contain exactly one <LTKM> child element" - when
     * inclusion is used at all. */
    if (rs->success && seen == 0 && x->n_ltkms > 0 &&
        !add_finding(b, BCASTDEC__F_MSK_LTKM_MISSING, bcastdec__wire_span(re->sp.off, re->sp.len),
                     "200 OK Response without LTKM while other Responses carry one"))
      return 0;
  }
  for (size_t i = 0; i < x->n_ltkms; i++) {
    const bcastdec_xml_elem *le = &x->elems[x->ltkms[i].elem];
    if (x->ltkms[i].response >= 0) continue;
    if (!add_finding(b, BCASTDEC__F_MSK_LTKM_POSITION, bcastdec__wire_span(le->sp.off, le->sp.len),
                     "LTKM inside <%.40s>, not a child of a Response",
                     le->parent >= 0 ? x->elems[le->parent].name : "(document)"))
      return 0;
  }
  if (x->n_ltkms == 0 && any_success && x->status == BCASTDEC_OK &&
      !add_finding(b, BCASTDEC__F_MSK_LTKM_NOT_INCLUDED, bcastdec__wire_span(x->elems[0].sp.off, 0),
                   "no LTKM inclusion: the LTKMs are expected by UDP push"))
    return 0;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Decode                                                                    */
/* ------------------------------------------------------------------------ */

static void box_free(xbox *b) {
  if (b == NULL) return;
  bcastdec_xml *x = &b->x;
  for (size_t i = 0; i < x->n_ltkms; i++) bcastdec_mikey_msg_free(x->ltkms[i].msg);
  free(x->elems);
  free(x->fields);
  free(x->responses);
  free(x->ltkms);
  free(x->findings);
  free(b->attrs);
  free(b->attr_first);
  ar_free(b);
  free(b);
}

void bcastdec_xml_free(bcastdec_xml *x) {
  box_free((xbox *)x);
}

static void pstate_free(pstate *st) {
  free(st->open);
  free(st->tb);
  free(st->raw);
}

/* Sets the status (first problem wins) and its finding. */
static int set_status(xbox *b, bcastdec_status st, bcastdec__fid fid, size_t off,
                      const char *text) {
  bcastdec_xml *x = &b->x;
  bcastdec_span sp = bcastdec__wire_span(off, 0);
  if (!add_finding(b, fid, sp, "%s", text)) return 0;
  if (x->status == BCASTDEC_OK) {
    x->status = st;
    x->err_sp = sp;
    x->err_text = ar_strn(b, text, strlen(text));
    if (x->err_text == NULL) return 0;
  }
  return 1;
}

bcastdec_status bcastdec_xml_decode(bcastdec_xml **out, const uint8_t *body, size_t len,
                                    const char *media_type, const bcastdec_xml_opts *opts) {
  bcastdec_xml_opts o;
  pstate st;
  repairs rp;
  uint8_t *owned = NULL;
  spass sp = {NULL, body, NULL, NULL};
  bcastdec_status rv = BCASTDEC_ERR_NOMEM;
  char text[BCASTDEC_FINDING_TEXT_MAX];

  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if (body == NULL && len != 0) return BCASTDEC_ERR_ARG;
  opts_effective(&o, opts);
  xbox *b = calloc(1, sizeof *b);
  if (b == NULL) return BCASTDEC_ERR_NOMEM;
  bcastdec_xml *x = &b->x;
  x->body_len = len;
  memset(&st, 0, sizeof st);
  memset(&rp, 0, sizeof rp);

  if (len == 0) {
    if (!set_status(b, BCASTDEC_ERR_TRUNCATED, BCASTDEC__F_XML_TRUNCATED, 0, "empty body"))
      goto fail;
    goto semantics;
  }
  if (len > o.max_size) {
    snprintf(text, sizeof text, "body of %zu bytes, cap %u", len, (unsigned)o.max_size);
    if (!set_status(b, BCASTDEC_ERR_UNSUPPORTED, BCASTDEC__F_XML_TOO_LARGE, 0, text)) goto fail;
    goto semantics;
  }

  xmlInitParser();
  const uint8_t *work = body;
  size_t work_len = len;
  for (;;) {
    memset(&st, 0, sizeof st);
    st.b = b;
    st.o = &o;
    st.err_off = st.stop_off = NOPOS;
    run_parse(&st, work, work_len);
    if (st.nomem) goto fail;
    if (!st.stopped && st.err_seen && st.err_code == XML_ERR_UNSUPPORTED_ENCODING) {
      st.stopped = 1; /* reported as such, not as malformed */
      st.stop_status = BCASTDEC_ERR_UNSUPPORTED;
      st.stop_fid = BCASTDEC__F_XML_ENCODING;
      st.stop_off = st.err_off;
    }
    if (st.stopped || !st.err_seen || st.err_code != XML_ERR_ATTRIBUTE_NOT_STARTED) break;
    int r = repair_unquoted(&owned, &work, &work_len, st.err_off, &rp);
    if (r < 0) goto fail;
    if (r == 0) break;
    /* parse the repaired copy from scratch */
    pstate_free(&st);
    ar_free(b);
    x->n_elems = 0;
    b->n_attrs = 0;
  }

  /* Elements still open: the body ended (or decoding stopped) inside. */
  while (st.n_open > 0) {
    open_el oe = st.open[--st.n_open];
    bcastdec_xml_elem *e = &x->elems[oe.elem];
    if (oe.located) {
      e->sp.len = (uint32_t)(work_len - e->sp.off);
      e->inner_sp.len = (uint32_t)(work_len - e->inner_sp.off);
    }
    if (!take_text(&st, &oe)) goto fail;
  }
  for (size_t i = 0; i < x->n_elems; i++)
    x->elems[i].attrs = x->elems[i].n_attrs ? &b->attrs[b->attr_first[i]] : NULL;
  if (rp.n > 0) {
    for (size_t i = 0; i < x->n_elems; i++) {
      x->elems[i].sp = map_span(&rp, x->elems[i].sp);
      x->elems[i].inner_sp = map_span(&rp, x->elems[i].inner_sp);
    }
    for (size_t i = 0; i < b->n_attrs; i++) {
      b->attrs[i].sp = map_span(&rp, b->attrs[i].sp);
      b->attrs[i].value_sp = map_span(&rp, b->attrs[i].value_sp);
    }
    if (st.err_off != NOPOS) st.err_off = map_off(&rp, st.err_off);
    if (st.stop_off != NOPOS) st.stop_off = map_off(&rp, st.stop_off);
  }

  if (st.stopped) {
    const char *what = st.stop_fid == BCASTDEC__F_XML_DTD        ? "document type declaration"
                       : st.stop_fid == BCASTDEC__F_XML_ENCODING ? "encoding other than UTF-8"
                       : st.stop_fid == BCASTDEC__F_XML_TOO_DEEP ? "element depth above the cap"
                                                                 : "more nodes than the cap";
    snprintf(text, sizeof text, "%s: decoding stopped", what);
    if (st.stop_fid == BCASTDEC__F_XML_TOO_DEEP)
      snprintf(text, sizeof text, "elements nested deeper than %u: decoding stopped",
               (unsigned)o.max_depth);
    else if (st.stop_fid == BCASTDEC__F_XML_TOO_MANY_NODES)
      snprintf(text, sizeof text, "more than %u elements and attributes: decoding stopped",
               (unsigned)o.max_nodes);
    if (!set_status(b, st.stop_status, st.stop_fid, st.stop_off != NOPOS ? st.stop_off : 0,
                    text))
      goto fail;
  } else if (st.err_seen) {
    /* Truncated when the input ran out: nothing but blanks after the
     * error, or the error lies in markup whose '<' is never closed (libxml2
     * reports some errors at the start of the token it backs off from, as in
     * the XML declaration); otherwise malformed. */
    int truncated = 0;
    if (st.err_off != NOPOS && st.err_code != XML_ERR_TAG_NAME_MISMATCH &&
        st.err_code != XML_ERR_DOCUMENT_END) {
      size_t lt = len;
      while (lt > 0 && body[lt - 1] != '<') lt--;
      truncated = all_blank((const char *)body + st.err_off, len - st.err_off) ||
                  (lt > 0 && lt - 1 <= st.err_off && memchr(body + lt, '>', len - lt) == NULL);
    }
    snprintf(text, sizeof text, "line %d: %s%s", st.err_line, st.err_msg,
             st.n_errors > 1 ? " (and more errors)" : "");
    if (!set_status(b, truncated ? BCASTDEC_ERR_TRUNCATED : BCASTDEC_ERR_MALFORMED,
                    truncated ? BCASTDEC__F_XML_TRUNCATED : BCASTDEC__F_XML_MALFORMED,
                    st.err_off != NOPOS ? st.err_off : 0, text))
      goto fail;
  }
  for (size_t i = 0; i < rp.n; i++) {
    snprintf(text, sizeof text,
             "line %u: attribute value without quotes; decoded as if quoted",
             line_of(body, len, rp.at[i]));
    if (!set_status(b, BCASTDEC_ERR_MALFORMED, BCASTDEC__F_XML_MALFORMED, rp.at[i], text))
      goto fail;
  }
  if (x->n_elems == 0 && x->status == BCASTDEC_OK &&
      !set_status(b, BCASTDEC_ERR_TRUNCATED, BCASTDEC__F_XML_TRUNCATED, len, "no root element"))
    goto fail;

semantics:
  sp.b = b;
  if (x->n_elems > 0) {
    sp.elem_field = malloc(x->n_elems * sizeof *sp.elem_field);
    sp.resp_of = malloc(x->n_elems * sizeof *sp.resp_of);
    if (sp.elem_field == NULL || sp.resp_of == NULL) goto fail;
  }
  if (!pass_kind(&sp, media_type) || !pass_fields(&sp) || !pass_namespaces(&sp) ||
      !pass_responses(&sp) || !pass_ltkms(&sp) || !pass_msk_rules(&sp))
    goto fail;
  b->n_findings_decode = x->n_findings;
  free(b->attr_first);
  b->attr_first = NULL;
  *out = x;
  b = NULL;
  rv = BCASTDEC_OK;
fail:
  free(sp.elem_field);
  free(sp.resp_of);
  pstate_free(&st);
  free(owned);
  box_free(b);
  return rv;
}

/* ------------------------------------------------------------------------ */
/* LTKMs through the session                                                 */
/* ------------------------------------------------------------------------ */

static const bcastdec_keyid_entry *keyid_entry(const bcastdec_mikey_msg *m, unsigned type) {
  if (m->i_keyid < 0) return NULL;
  const bcastdec_ext *e = &m->payloads[m->i_keyid].u.ext;
  for (size_t i = 0; i < e->n_keyid; i++)
    if (e->keyid[i].type.v == type) return &e->keyid[i];
  return NULL;
}

/* Rule 5: "values of <keyDomainID> and <MSKID> contained in <MSK> sibling
 * element SHALL match Key Domain ID and MSKID sub-payloads of MBMS EXT
 * payload in LTKM" (decoded bytes are compared, not base64 text). */
static int check_ids(xbox *b, bcastdec_xml_ltkm *l) {
  bcastdec_xml *x = &b->x;
  const bcastdec_xml_response *r = &x->responses[l->response];
  const bcastdec_keyid_entry *ekd = keyid_entry(l->msg, BCASTDEC_KEYID_KDID);
  const bcastdec_keyid_entry *esp = keyid_entry(l->msg, BCASTDEC_KEYID_SEKPEK);
  if (ekd == NULL && esp == NULL) {
    l->ids = BCASTDEC_XML_IDS_NO_LTKM_IDS;
    return 1;
  }
  if (r->key_domain_id < 0 || r->msk_id < 0) {
    l->ids = BCASTDEC_XML_IDS_NO_XML_IDS;
    return add_finding(b, BCASTDEC__F_MSK_LTKM_ID_MISMATCH, x->elems[r->elem].sp,
                       "Response has no <MSK> %s to compare with the LTKM's Key ID",
                       r->key_domain_id < 0 ? "<keyDomainID>" : "<MSKID>");
  }
  const bcastdec_xml_field *fk = &x->fields[r->key_domain_id], *fm = &x->fields[r->msk_id];
  if (!fk->valid || !fm->valid) {
    l->ids = BCASTDEC_XML_IDS_NO_XML_IDS; /* reported as xml.bad_value */
    return 1;
  }
  const struct {
    const bcastdec_xml_field *f;
    const bcastdec_keyid_entry *e;
    const char *what;
  } cmp[2] = {{fk, ekd, "Key Domain ID"}, {fm, esp, "SEK/PEK ID"}};
  l->ids = BCASTDEC_XML_IDS_MATCH;
  for (int i = 0; i < 2; i++) {
    if (cmp[i].e == NULL) continue;
    if (cmp[i].f->bytes_len == cmp[i].e->value.len &&
        memcmp(cmp[i].f->bytes, cmp[i].e->value.p, cmp[i].e->value.len) == 0)
      continue;
    char hx[2][2 * 16 + 1];
    bcastdec__hex(hx[0], sizeof hx[0], cmp[i].f->bytes, cmp[i].f->bytes_len);
    bcastdec__hex(hx[1], sizeof hx[1], cmp[i].e->value.p, cmp[i].e->value.len);
    l->ids = BCASTDEC_XML_IDS_MISMATCH;
    if (!add_finding(b, BCASTDEC__F_MSK_LTKM_ID_MISMATCH, cmp[i].f->sp,
                     "%s %s is %s, the LTKM's %s is %s", cmp[i].f->name,
                     cmp[i].f->value_len ? cmp[i].f->value : "\"\"", hx[0], cmp[i].what, hx[1]))
      return 0;
  }
  return 1;
}

/* Rule 7: "HTTP 200 OK, Authentication-Info header present, MBMS MSK
 * Response payload as a message body". */
static int check_http(xbox *b, const bcastdec_xml_http *h) {
  bcastdec_span none = BCASTDEC__SPAN0;
  if (!h->is_response)
    return add_finding(b, BCASTDEC__F_MSK_HTTP_STATUS, none, "LTKMs in an HTTP request");
  if (h->status_code != 200)
    return add_finding(b, BCASTDEC__F_MSK_HTTP_STATUS, none, "LTKMs in an HTTP %u response",
                       (unsigned)h->status_code);
  if (!h->has_authentication_info &&
      !add_finding(b, BCASTDEC__F_MSK_NO_AUTH_INFO, none,
                   "200 OK carrying LTKMs has no Authentication-Info header"))
    return 0;
  if (bcastdec_xml_kind_from_media_type(h->content_type) != BCASTDEC_XML_MSK_RESPONSE &&
      !add_finding(b, BCASTDEC__F_MSK_CONTENT_TYPE, none, "Content-Type \"%.80s\"",
                   h->content_type != NULL ? h->content_type : "(absent)"))
    return 0;
  return 1;
}

bcastdec_status bcastdec_xml_process_ltkms(bcastdec_xml *x, bcastdec_session *s,
                                           const bcastdec_msg_ctx *ctx,
                                           const bcastdec_xml_http *http) {
  if (x == NULL) return BCASTDEC_ERR_ARG;
  xbox *b = (xbox *)x;
  for (size_t i = 0; i < x->n_ltkms; i++) {
    bcastdec_mikey_msg_free(x->ltkms[i].msg);
    x->ltkms[i].msg = NULL;
    x->ltkms[i].ids = BCASTDEC_XML_IDS_NOT_CHECKED;
  }
  x->n_findings = b->n_findings_decode;
  x->ltkms_processed = 1;
  for (size_t i = 0; i < x->n_ltkms; i++) {
    bcastdec_xml_ltkm *l = &x->ltkms[i];
    if (l->bytes == NULL) continue; /* rule 1 already reported */
    bcastdec_mikey_msg *m = NULL;
    bcastdec_status st = s != NULL ? bcastdec_session_process(s, l->bytes, l->len, ctx, &m)
                                   : bcastdec_mikey_decode(&m, l->bytes, l->len, NULL);
    if (st != BCASTDEC_OK) return st;
    l->msg = m;
    const bcastdec_xml_field *f = &x->fields[l->field];
    if (m->status == BCASTDEC_ERR_TRUNCATED || m->status == BCASTDEC_ERR_MALFORMED) {
      if (!add_finding(b, BCASTDEC__F_MSK_LTKM_NOT_MIKEY, f->sp,
                       "LTKM bytes are not one well-formed MIKEY message (%s at byte %u)",
                       bcastdec_status_name(m->status), (unsigned)m->err_sp.off))
        return BCASTDEC_ERR_NOMEM;
    } else if ((m->kind == BCASTDEC_KIND_STKM || m->kind == BCASTDEC_KIND_VERIFICATION ||
                m->kind == BCASTDEC_KIND_ERROR) &&
               !add_finding(b, BCASTDEC__F_MSK_LTKM_NOT_MIKEY, f->sp,
                            "LTKM element holds a MIKEY %s message, not an LTKM",
                            bcastdec_kind_name(m->kind))) {
      return BCASTDEC_ERR_NOMEM;
    }
    if (l->response >= 0 && !check_ids(b, l)) return BCASTDEC_ERR_NOMEM;
  }
  if (http != NULL && x->n_ltkms > 0 && !check_http(b, http)) return BCASTDEC_ERR_NOMEM;
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

int bcastdec_xml_find_field(const bcastdec_xml *x, unsigned id, int after) {
  if (x == NULL) return -1;
  for (size_t i = after < 0 ? 0 : (size_t)after + 1; i < x->n_fields; i++)
    if (x->fields[i].id == id) return (int)i;
  return -1;
}

int bcastdec_xml_max_severity(const bcastdec_xml *x) {
  int max = -1;
  if (x == NULL) return max;
  for (size_t i = 0; i < x->n_findings; i++)
    if ((int)x->findings[i].info->severity > max) max = x->findings[i].info->severity;
  for (size_t i = 0; i < x->n_ltkms; i++) {
    int m = bcastdec_mikey_msg_max_severity(x->ltkms[i].msg);
    if (m > max) max = m;
  }
  return max;
}
