/* SPDX-License-Identifier: MIT */
/*
 * bcastdec http / bcastdec xml: the HTTP side of the Smartcard Profile.
 *
 *   http FILE...  raw HTTP messages (one or more per file, in order); a
 *                 request and the response after it form one exchange:
 *                 Digest verified with the SRK, rspauth checked, bodies
 *                 decoded by Content-Type (XML, or MIKEY), LTKMs inside MSK
 *                 responses decrypted, exchange rules checked.
 *   xml FILE...   bare XML bodies.
 *
 * One session spans all files, so an LTKM learned from an MSK response
 * opens later STKMs (and `bcastdec mikey` shares the output shapes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>
#include <bcastdec/http.h>
#include <bcastdec/xml.h>

#include "cli.h"
#include "json.h"
#include "render.h"

#define EXCHANGE_FINDINGS_MAX 16

typedef struct run {
  bcastdec_opts o;
  bcastdec_keystore *ks;
  bcastdec_session *s;
  int json;
  const char *media_type; /* xml: --media-type */
  int rc;
  size_t index; /* messages shown so far */
} run;

static void note_rc(run *r, int status_bad, int sev) {
  if (status_bad) r->rc = EXIT_INPUT;
  else if (sev == BCASTDEC_SEV_ERROR && r->rc == 0) r->rc = EXIT_FINDINGS;
}

static const char *nz(const char *s) { return s != NULL ? s : "?"; }

/* ---- text helpers ----------------------------------------------------------- */

static void ind(int d) {
  for (int i = 0; i < d; i++) fputs("  ", stdout);
}

/* Prints bytes as text, escaping what is not printable ASCII. */
static void quoted(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') putchar(c);
    else if (c == '\\') fputs("\\\\", stdout);
    else printf("\\x%02x", c);
  }
}

static void text_findings(int d, const bcastdec_finding *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ind(d);
    printf("[%s] %s: %s (offset %u)\n", f[i].info->id,
           bcastdec_severity_name(f[i].info->severity), f[i].text, (unsigned)f[i].sp.off);
  }
}

static void json_finding_items(jw *w, const bcastdec_finding *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    jw_obj(w, NULL);
    jw_str(w, "id", f[i].info->id);
    jw_str(w, "severity", bcastdec_severity_name(f[i].info->severity));
    jw_str(w, "message", f[i].text);
    jw_uint(w, "offset", f[i].sp.off);
    jw_end_obj(w);
  }
}

static void json_findings(jw *w, const char *key, const bcastdec_finding *f, size_t n) {
  jw_arr(w, key);
  json_finding_items(w, f, n);
  jw_end_arr(w);
}

static int max_sev(const bcastdec_finding *f, size_t n) {
  int m = -1;
  for (size_t i = 0; i < n; i++)
    if ((int)f[i].info->severity > m) m = f[i].info->severity;
  return m;
}

/* ---- XML bodies ------------------------------------------------------------- */

static void text_xml(run *r, int d, const bcastdec_xml *x) {
  ind(d);
  printf("XML: %s (by %s%s), %s\n", nz(bcastdec_xml_kind_name(x->kind)),
         x->kind_by == BCASTDEC_XML_BY_MEDIA_TYPE ? "media type"
         : x->kind_by == BCASTDEC_XML_BY_ROOT     ? "root element"
                                                  : "nothing",
         x->kind_assumed ? ", assumed" : "", bcastdec_status_name(x->status));
  if (x->status != BCASTDEC_OK) {
    ind(d + 1);
    printf("decode: %s at offset %u: %s\n", bcastdec_status_name(x->status),
           (unsigned)x->err_sp.off, nz(x->err_text));
  }
  for (size_t i = 0; i < x->n_elems; i++) {
    const bcastdec_xml_elem *e = &x->elems[i];
    ind(d + 1 + (int)e->depth);
    printf("<%s%s%s> [%u+%u]", e->prefix, *e->prefix ? ":" : "", e->name, (unsigned)e->sp.off,
           (unsigned)e->sp.len);
    /* the namespace where it changes (seed 003's leading-space URI shows) */
    if (*e->ns && (e->parent < 0 || strcmp(e->ns, x->elems[e->parent].ns) != 0))
      printf(" ns \"%s\"", e->ns);
    for (size_t k = 0; k < e->n_attrs; k++) {
      const bcastdec_xml_attr *a = &e->attrs[k];
      if (strcmp(a->ns, BCASTDEC_XML_NS_XMLNS) == 0) continue;
      printf(" %s%s%s=\"", a->prefix, *a->prefix ? ":" : "", a->name);
      quoted(a->value, a->value_len);
      putchar('"');
    }
    if (e->text_len) {
      fputs(" text \"", stdout);
      quoted(e->text, e->text_len > 80 ? 80 : e->text_len);
      fputs(e->text_len > 80 ? "...\"" : "\"", stdout);
    }
    if (!e->complete) fputs(" (incomplete)", stdout);
    putchar('\n');
  }
  for (size_t i = 0; i < x->n_fields; i++) {
    const bcastdec_xml_field *f = &x->fields[i];
    if (f->id == BCASTDEC_XF_LTKM) continue; /* shown below */
    ind(d + 1);
    printf("%s: \"", nz(bcastdec_xml_field_name(f->id)));
    quoted(f->value, f->value_len);
    printf("\" [%u+%u]%s%s", (unsigned)f->sp.off, (unsigned)f->sp.len,
           f->assumed ? " (assumed name)" : "", f->valid ? "" : " (invalid)");
    if (f->bytes != NULL && f->bytes_len) {
      fputs(" = ", stdout);
      for (size_t k = 0; k < f->bytes_len; k++) printf("%02x", f->bytes[k]);
    }
    putchar('\n');
  }
  for (size_t i = 0; i < x->n_ltkms; i++) {
    const bcastdec_xml_ltkm *l = &x->ltkms[i];
    ind(d + 1);
    printf("LTKM %zu [%u+%u], version %u, Response %d, MSK ids vs Key ID: %s\n", i,
           (unsigned)l->text_sp.off, (unsigned)l->text_sp.len, (unsigned)l->version, l->response,
           nz(bcastdec_xml_ids_name(l->ids)));
    if (l->msg != NULL) {
      char src[48];
      snprintf(src, sizeof src, "LTKM element %zu", i);
      render_text_nested(stdout, d + 2, l->msg, src, i, &r->o);
    }
  }
  if (x->n_findings) {
    ind(d + 1);
    puts("findings:");
    text_findings(d + 2, x->findings, x->n_findings);
  }
}

static void json_xml(run *r, jw *w, const char *key, const bcastdec_xml *x) {
  jw_obj(w, key);
  jw_str(w, "status", bcastdec_status_name(x->status));
  if (x->status != BCASTDEC_OK) {
    jw_obj(w, "error");
    jw_str(w, "message", nz(x->err_text));
    jw_uint(w, "offset", x->err_sp.off);
    jw_end_obj(w);
  }
  jw_str(w, "kind", nz(bcastdec_xml_kind_name(x->kind)));
  jw_str(w, "kind_by", x->kind_by == BCASTDEC_XML_BY_MEDIA_TYPE ? "media_type"
                       : x->kind_by == BCASTDEC_XML_BY_ROOT     ? "root"
                                                                : "none");
  jw_bool(w, "kind_assumed", x->kind_assumed);
  jw_arr(w, "elements");
  for (size_t i = 0; i < x->n_elems; i++) {
    const bcastdec_xml_elem *e = &x->elems[i];
    jw_obj(w, NULL);
    jw_str(w, "name", e->name);
    if (*e->prefix) jw_str(w, "prefix", e->prefix);
    jw_str(w, "ns", e->ns);
    jw_uint(w, "depth", e->depth);
    jw_uint(w, "offset", e->sp.off);
    jw_uint(w, "length", e->sp.len);
    if (e->n_attrs) {
      jw_arr(w, "attributes");
      for (size_t k = 0; k < e->n_attrs; k++) {
        jw_obj(w, NULL);
        jw_str(w, "name", e->attrs[k].name);
        if (*e->attrs[k].prefix) jw_str(w, "prefix", e->attrs[k].prefix);
        jw_strn(w, "value", e->attrs[k].value, e->attrs[k].value_len);
        jw_end_obj(w);
      }
      jw_end_arr(w);
    }
    if (e->text_len) jw_strn(w, "text", e->text, e->text_len);
    if (!e->complete) jw_bool(w, "complete", 0);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_arr(w, "fields");
  for (size_t i = 0; i < x->n_fields; i++) {
    const bcastdec_xml_field *f = &x->fields[i];
    jw_obj(w, NULL);
    jw_str(w, "field", nz(bcastdec_xml_field_name(f->id)));
    jw_str(w, "name", f->name);
    if (f->id != BCASTDEC_XF_LTKM) jw_strn(w, "value", f->value, f->value_len);
    jw_uint(w, "offset", f->sp.off);
    jw_uint(w, "length", f->sp.len);
    jw_bool(w, "attribute", f->is_attr);
    jw_bool(w, "assumed", f->assumed);
    jw_bool(w, "valid", f->valid);
    if (f->bytes != NULL && f->id != BCASTDEC_XF_LTKM) jw_hex(w, "bytes", f->bytes, f->bytes_len);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_arr(w, "ltkms");
  for (size_t i = 0; i < x->n_ltkms; i++) {
    const bcastdec_xml_ltkm *l = &x->ltkms[i];
    jw_obj(w, NULL);
    jw_uint(w, "offset", l->text_sp.off);
    jw_uint(w, "length", l->text_sp.len);
    jw_uint(w, "version", l->version);
    if (l->response >= 0) jw_uint(w, "response", (uint64_t)l->response);
    jw_str(w, "ids", nz(bcastdec_xml_ids_name(l->ids)));
    if (l->msg != NULL) {
      char src[48];
      snprintf(src, sizeof src, "LTKM element %zu", i);
      render_json_member(w, "mikey", l->msg, src, i, &r->o);
    }
    jw_end_obj(w);
  }
  jw_end_arr(w);
  json_findings(w, "findings", x->findings, x->n_findings);
  jw_end_obj(w);
}

static int xml_bad(const bcastdec_xml *x) {
  if (x->status != BCASTDEC_OK) return 1;
  for (size_t i = 0; i < x->n_ltkms; i++)
    if (x->ltkms[i].msg != NULL && x->ltkms[i].msg->status != BCASTDEC_OK) return 1;
  return 0;
}

/* ---- bcastdec xml ----------------------------------------------------------- */

static void one_xml(run *r, const char *source, const uint8_t *buf, size_t len) {
  bcastdec_xml *x = NULL;
  if (bcastdec_xml_decode(&x, buf, len, r->media_type, NULL) != BCASTDEC_OK) {
    fprintf(stderr, "bcastdec: %s: out of memory\n", source);
    r->rc = EXIT_INPUT;
    return;
  }
  bcastdec_msg_ctx ctx = {(uint32_t)r->index, NULL, 0};
  if (bcastdec_xml_process_ltkms(x, r->s, &ctx, NULL) != BCASTDEC_OK) {
    fprintf(stderr, "bcastdec: %s: out of memory\n", source);
    r->rc = EXIT_INPUT;
  }
  if (r->json) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w, NULL);
    jw_uint(&w, "index", r->index);
    jw_str(&w, "source", source);
    jw_uint(&w, "length", len);
    json_xml(r, &w, "xml", x);
    jw_arr(&w, "findings"); /* every finding of the body and its LTKMs */
    json_finding_items(&w, x->findings, x->n_findings);
    for (size_t i = 0; i < x->n_ltkms; i++)
      if (x->ltkms[i].msg != NULL)
        json_finding_items(&w, x->ltkms[i].msg->findings, x->ltkms[i].msg->n_findings);
    jw_end_arr(&w);
    jw_end_obj(&w);
  } else {
    printf("body %zu: %s (%zu bytes)\n", r->index, source, len);
    text_xml(r, 1, x);
  }
  note_rc(r, xml_bad(x), bcastdec_xml_max_severity(x));
  r->index++;
  bcastdec_xml_free(x);
}

/* ---- bcastdec http ---------------------------------------------------------- */

typedef struct digest_view {
  bcastdec_digest_msg *msg; /* parsed header, NULL when absent */
  const bcastdec_http_header *h;
  bcastdec_digest_result res;
  int checked;
} digest_view;

/* The request waiting for its response. */
typedef struct pending {
  bcastdec_http_msg *m;
  digest_view authz;
  char username[256];
} pending;

typedef struct http_state {
  pending req;                       /* req.m NULL: none */
  bcastdec_digest_msg *last_401;     /* challenge of the last 401, for the retry */
} http_state;

/* Parses the Digest header |name| of |m|.  Several fields of one name are
 * one comma-separated list (RFC 9110 5.3): WWW-Authenticate may carry a
 * Basic challenge in one field and the Digest one in the next. */
static void digest_parse(digest_view *v, const bcastdec_http_msg *m, const char *name,
                         unsigned kind) {
  memset(v, 0, sizeof *v);
  v->h = bcastdec_http_header_find(m, name, NULL);
  if (v->h == NULL) return;
  size_t n, total = 0;
  const char *t = bcastdec_http_header_text(m, v->h, &n);
  const bcastdec_http_header *h = v->h;
  while ((h = bcastdec_http_header_find(m, name, h)) != NULL) {
    size_t k;
    (void)bcastdec_http_header_text(m, h, &k);
    total += k + 2;
  }
  if (total == 0) {
    if (bcastdec_digest_parse(&v->msg, kind, t, n) != BCASTDEC_OK) v->msg = NULL;
    return;
  }
  char *joined = malloc(n + total + 1);
  if (joined == NULL) return;
  memcpy(joined, t, n);
  size_t len = n;
  for (h = v->h; (h = bcastdec_http_header_find(m, name, h)) != NULL;) {
    size_t k;
    const char *u = bcastdec_http_header_text(m, h, &k);
    memcpy(joined + len, ", ", 2);
    memcpy(joined + len + 2, u, k);
    len += k + 2;
  }
  if (bcastdec_digest_parse(&v->msg, kind, joined, len) != BCASTDEC_OK) v->msg = NULL;
  free(joined);
}

static void text_digest(int d, const char *hname, const digest_view *v) {
  if (v->msg == NULL) return;
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(v->msg);
  ind(d);
  printf("%s: %s", hname, bcastdec_status_name(v->msg->status));
  if (a != NULL) {
    printf(", algorithm %s", nz(bcastdec_digest_alg_name(a->algorithm)));
    const char *realm = bcastdec_digest_value(a, BCASTDEC_DIGEST_P_REALM);
    if (realm != NULL) printf(", realm \"%s\"", realm);
    if (a->username != NULL)
      printf(", username \"%s\" (%s)", a->username,
             nz(bcastdec_digest_user_kind_name(a->user_kind)));
    if (v->msg->kind != BCASTDEC_DIGEST_WWW_AUTHENTICATE && a->qop)
      printf(", qop %s", nz(bcastdec_digest_qop_name(a->qop)));
  }
  putchar('\n');
  if (v->checked) {
    ind(d + 1);
    printf("%s: %s", v->msg->kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO ? "rspauth" : "response",
           nz(bcastdec_digest_outcome_name(v->res.outcome)));
    if (v->res.outcome == BCASTDEC_DIGEST_VERIFIED)
      printf(" with %s (password form %s)", v->res.srk.label,
             nz(bcastdec_digest_pwform_name(v->res.password_form)));
    else if (v->res.n_srk_tried)
      printf(" (%zu SRK tried, last %s)", v->res.n_srk_tried, v->res.srk.label);
    putchar('\n');
  }
  if (v->msg->n_findings) text_findings(d + 1, v->msg->findings, v->msg->n_findings);
  if (v->checked) text_findings(d + 1, v->res.findings, v->res.n_findings);
}

static void json_digest(jw *w, const char *key, const digest_view *v) {
  if (v->msg == NULL) return;
  const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(v->msg);
  jw_obj(w, key);
  jw_str(w, "status", bcastdec_status_name(v->msg->status));
  if (a != NULL) {
    jw_str(w, "scheme", a->scheme);
    jw_str(w, "algorithm", nz(bcastdec_digest_alg_name(a->algorithm)));
    if (v->msg->kind != BCASTDEC_DIGEST_WWW_AUTHENTICATE)
      jw_str(w, "qop", nz(bcastdec_digest_qop_name(a->qop)));
    if (a->username != NULL) {
      jw_str(w, "username", a->username);
      jw_str(w, "user_kind", nz(bcastdec_digest_user_kind_name(a->user_kind)));
    }
    jw_arr(w, "params");
    for (size_t i = 0; i < a->n_params; i++) {
      jw_obj(w, NULL);
      jw_str(w, "name", a->params[i].name);
      jw_strn(w, "value", a->params[i].value, a->params[i].value_len);
      jw_end_obj(w);
    }
    jw_end_arr(w);
  }
  if (v->checked) {
    jw_obj(w, "verification");
    jw_str(w, "outcome", nz(bcastdec_digest_outcome_name(v->res.outcome)));
    if (v->res.outcome == BCASTDEC_DIGEST_VERIFIED) {
      jw_str(w, "password_form", nz(bcastdec_digest_pwform_name(v->res.password_form)));
      jw_str(w, "srk", v->res.srk.label);
      jw_str(w, "srk_found_by", nz(bcastdec_digest_srk_src_name(v->res.srk_src)));
    }
    jw_uint(w, "srk_tried", v->res.n_srk_tried);
    jw_end_obj(w);
  }
  jw_end_obj(w);
}

static int digest_sev(const digest_view *v) {
  int m = -1, k;
  if (v->msg != NULL && (k = max_sev(v->msg->findings, v->msg->n_findings)) > m) m = k;
  if (v->checked && (k = max_sev(v->res.findings, v->res.n_findings)) > m) m = k;
  return m;
}

typedef struct shown {
  const char *source;
  size_t file_off;
  bcastdec_http_msg *m;
  digest_view dv[2]; /* request: Authorization; response: WWW-Authenticate, Authentication-Info */
  const char *dv_name[2];
  bcastdec_xml *x;
  bcastdec_mikey_msg *mikey;
  bcastdec_finding ex[EXCHANGE_FINDINGS_MAX];
  size_t n_ex;
} shown;

static void show(run *r, shown *v) {
  const bcastdec_http_msg *m = v->m;
  int bad = m->status != BCASTDEC_OK;
  int sev = bcastdec_http_msg_max_severity(m), k;
  for (int i = 0; i < 2; i++)
    if ((k = digest_sev(&v->dv[i])) > sev) sev = k;
  if (v->x != NULL) {
    bad |= xml_bad(v->x);
    if ((k = bcastdec_xml_max_severity(v->x)) > sev) sev = k;
  }
  if (v->mikey != NULL) {
    bad |= v->mikey->status != BCASTDEC_OK;
    if ((k = bcastdec_mikey_msg_max_severity(v->mikey)) > sev) sev = k;
  }
  if ((k = max_sev(v->ex, v->n_ex < EXCHANGE_FINDINGS_MAX ? v->n_ex : EXCHANGE_FINDINGS_MAX)) >
      sev)
    sev = k;
  note_rc(r, bad, sev);
  size_t n_ex = v->n_ex < EXCHANGE_FINDINGS_MAX ? v->n_ex : EXCHANGE_FINDINGS_MAX;
  size_t mt_len = 0;
  const char *mt = bcastdec_http_media_type(m, &mt_len);

  if (r->json) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w, NULL);
    jw_uint(&w, "index", r->index);
    jw_str(&w, "source", v->source);
    jw_uint(&w, "file_offset", v->file_off);
    jw_uint(&w, "length", m->wire_len);
    jw_str(&w, "status", bcastdec_status_name(m->status));
    if (m->status != BCASTDEC_OK) {
      jw_obj(&w, "error");
      jw_uint(&w, "offset", m->err_sp.off);
      jw_end_obj(&w);
    }
    jw_str(&w, "kind", m->is_request ? "http_request" : "http_response");
    if (m->is_request) {
      jw_strn(&w, "method", (const char *)m->wire + m->method.off, m->method.len);
      jw_strn(&w, "target", (const char *)m->wire + m->target.off, m->target.len);
    } else if (m->status_code.sp.len) {
      jw_uint(&w, "status_code", m->status_code.v);
      jw_strn(&w, "reason", (const char *)m->wire + m->reason.off, m->reason.len);
    }
    jw_strn(&w, "version", (const char *)m->wire + m->version.off, m->version.len);
    jw_arr(&w, "headers");
    for (size_t i = 0; i < m->n_headers; i++) {
      size_t n;
      const char *t = bcastdec_http_header_text(m, &m->headers[i], &n);
      jw_obj(&w, NULL);
      jw_strn(&w, "name", (const char *)m->wire + m->headers[i].name.off,
              m->headers[i].name.len);
      jw_strn(&w, "value", t, n);
      jw_uint(&w, "offset", m->headers[i].name.off);
      jw_end_obj(&w);
    }
    jw_end_arr(&w);
    for (int i = 0; i < 2; i++)
      if (v->dv[i].msg != NULL) json_digest(&w, v->dv_name[i], &v->dv[i]);
    jw_obj(&w, "body");
    jw_uint(&w, "offset", m->body.sp.off);
    jw_uint(&w, "length", m->body.len);
    if (mt != NULL) jw_strn(&w, "media_type", mt, mt_len);
    if (m->chunked) jw_bool(&w, "chunked", 1);
    if (v->x != NULL) json_xml(r, &w, "xml", v->x);
    if (v->mikey != NULL) render_json_member(&w, "mikey", v->mikey, "body", r->index, &r->o);
    jw_end_obj(&w);
    /* every finding of the message in one list: the splitter's, the
     * exchange checks', Digest's, the body's (XML and its LTKMs, MIKEY) */
    jw_arr(&w, "findings");
    json_finding_items(&w, m->findings, m->n_findings);
    json_finding_items(&w, v->ex, n_ex);
    for (int i = 0; i < 2; i++) {
      if (v->dv[i].msg != NULL)
        json_finding_items(&w, v->dv[i].msg->findings, v->dv[i].msg->n_findings);
      if (v->dv[i].checked) json_finding_items(&w, v->dv[i].res.findings, v->dv[i].res.n_findings);
    }
    if (v->x != NULL) {
      json_finding_items(&w, v->x->findings, v->x->n_findings);
      for (size_t i = 0; i < v->x->n_ltkms; i++)
        if (v->x->ltkms[i].msg != NULL)
          json_finding_items(&w, v->x->ltkms[i].msg->findings, v->x->ltkms[i].msg->n_findings);
    }
    if (v->mikey != NULL) json_finding_items(&w, v->mikey->findings, v->mikey->n_findings);
    jw_end_arr(&w);
    jw_end_obj(&w);
  } else {
    printf("message %zu: %s @%zu (%s, %zu bytes)\n", r->index, v->source, v->file_off,
           m->is_request ? "request" : "response", m->wire_len);
    ind(1);
    quoted((const char *)m->wire + m->start_line.off, m->start_line.len);
    putchar('\n');
    if (m->status != BCASTDEC_OK) {
      ind(1);
      printf("decode: %s at offset %u\n", bcastdec_status_name(m->status),
             (unsigned)m->err_sp.off);
    }
    for (size_t i = 0; i < m->n_headers; i++) {
      size_t n;
      const char *t = bcastdec_http_header_text(m, &m->headers[i], &n);
      ind(2);
      quoted((const char *)m->wire + m->headers[i].name.off, m->headers[i].name.len);
      fputs(": ", stdout);
      quoted(t, n);
      putchar('\n');
    }
    for (int i = 0; i < 2; i++) text_digest(1, v->dv_name[i], &v->dv[i]);
    ind(1);
    printf("body: %zu bytes%s", m->body.len, m->chunked ? " (chunked)" : "");
    if (mt != NULL) {
      fputs(", ", stdout);
      quoted(mt, mt_len);
    }
    putchar('\n');
    if (v->x != NULL) text_xml(r, 2, v->x);
    if (v->mikey != NULL) render_text_nested(stdout, 2, v->mikey, "body", r->index, &r->o);
    if (m->n_findings || n_ex) {
      ind(1);
      puts("findings:");
      text_findings(2, m->findings, m->n_findings);
      text_findings(2, v->ex, n_ex);
    }
  }
  r->index++;
}

static int media_is(const char *mt, size_t n, const char *want) {
  size_t k = strlen(want);
  if (n != k) return 0;
  for (size_t i = 0; i < n; i++) {
    char a = mt[i], b = want[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
    if (a != b) return 0;
  }
  return 1;
}

/* Decodes the body by its Content-Type (sniffing XML when the type is
 * generic or absent). */
static void decode_body(run *r, shown *v, const char *username, const bcastdec_xml_http *hx) {
  const bcastdec_http_msg *m = v->m;
  if (m->body.len == 0) return;
  size_t n = 0;
  const char *mt = bcastdec_http_media_type(m, &n);
  bcastdec_msg_ctx ctx = {(uint32_t)r->index, username, 0};
  if (mt != NULL && (media_is(mt, n, "application/vnd.oma.bcast.ltkm") ||
                     media_is(mt, n, "application/vnd.oma.bcast.stkm") ||
                     media_is(mt, n, "application/mikey"))) {
    if (bcastdec_session_process(r->s, m->body.p, m->body.len, &ctx, &v->mikey) != BCASTDEC_OK)
      v->mikey = NULL;
    return;
  }
  int xmlish = mt == NULL || (n >= 4 && (media_is(mt + n - 4, 4, "+xml") ||
                                         media_is(mt + n - 4, 4, "/xml")));
  if (!xmlish) return;
  char type[128];
  if (mt != NULL) snprintf(type, sizeof type, "%.*s", (int)n, mt);
  if (bcastdec_xml_decode(&v->x, m->body.p, m->body.len, mt != NULL ? type : NULL, NULL) !=
      BCASTDEC_OK) {
    v->x = NULL;
    return;
  }
  if (mt == NULL && v->x->n_elems == 0) { /* not XML after all: leave it raw */
    bcastdec_xml_free(v->x);
    v->x = NULL;
    return;
  }
  if (bcastdec_xml_process_ltkms(v->x, r->s, &ctx, hx) != BCASTDEC_OK)
    fprintf(stderr, "bcastdec: %s: out of memory\n", v->source);
}

static void free_shown(shown *v) {
  for (int i = 0; i < 2; i++) bcastdec_digest_msg_free(v->dv[i].msg);
  bcastdec_xml_free(v->x);
  bcastdec_mikey_msg_free(v->mikey);
}

static char *method_copy(const bcastdec_http_msg *m, char *buf, size_t cap) {
  snprintf(buf, cap, "%.*s", (int)m->method.len, (const char *)m->wire + m->method.off);
  return buf;
}

static void one_http(run *r, http_state *st, const char *source, size_t file_off,
                     bcastdec_http_msg *m) {
  shown v;
  memset(&v, 0, sizeof v);
  v.source = source;
  v.file_off = file_off;
  v.m = m;
  if (m->is_request || m->start_line.len == 0) {
    /* a request: its Digest credentials, its body, the retry checks */
    digest_parse(&v.dv[0], m, "Authorization", BCASTDEC_DIGEST_AUTHORIZATION);
    v.dv_name[0] = "authorization";
    char method[32];
    if (v.dv[0].msg != NULL && m->method.len) {
      bcastdec_status vs =
          bcastdec_digest_verify(v.dv[0].msg, method_copy(m, method, sizeof method), m->body.p,
                                 m->body.len, r->ks, NULL, 0, &v.dv[0].res);
      v.dv[0].checked = vs == BCASTDEC_OK;
    }
    const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(v.dv[0].msg);
    size_t qn = 0;
    const char *qmt = bcastdec_http_media_type(m, &qn);
    char qtype[128];
    if (qmt != NULL) snprintf(qtype, sizeof qtype, "%.*s", (int)qn, qmt);
    bcastdec_xml_http qhx = {0, 0, bcastdec_http_header_find(m, "Authentication-Info", NULL) != NULL,
                             qmt != NULL ? qtype : NULL};
    decode_body(r, &v, a != NULL ? a->username : NULL, &qhx);
    bcastdec_http_exchange ex = {m, NULL, v.dv[0].msg, NULL, st->last_401, NULL};
    v.n_ex = bcastdec_http_check_exchange(&ex, v.ex, EXCHANGE_FINDINGS_MAX);
    bcastdec_digest_msg_free(st->last_401);
    st->last_401 = NULL;
    show(r, &v);
    /* keep the request (and its parsed credentials) for its response */
    if (st->req.m != NULL) {
      bcastdec_digest_msg_free(st->req.authz.msg);
      bcastdec_http_msg_free(st->req.m);
    }
    st->req.m = m;
    st->req.authz = v.dv[0];
    v.dv[0].msg = NULL; /* moved */
    st->req.username[0] = '\0';
    if (a != NULL && a->username != NULL)
      snprintf(st->req.username, sizeof st->req.username, "%s", a->username);
    free_shown(&v);
    return;
  }
  /* a response */
  digest_parse(&v.dv[0], m, "WWW-Authenticate", BCASTDEC_DIGEST_WWW_AUTHENTICATE);
  v.dv_name[0] = "www_authenticate";
  digest_parse(&v.dv[1], m, "Authentication-Info", BCASTDEC_DIGEST_AUTHENTICATION_INFO);
  v.dv_name[1] = "authentication_info";
  const pending *q = st->req.m != NULL ? &st->req : NULL;
  /* rspauth is optional (RFC 7616 3.5): an Authentication-Info with only
   * nextnonce is not an error */
  if (v.dv[1].msg != NULL && q != NULL && q->authz.msg != NULL &&
      bcastdec_digest_value(bcastdec_digest_msg_auth(v.dv[1].msg), BCASTDEC_DIGEST_P_RSPAUTH) !=
          NULL) {
    unsigned form = q->authz.checked && q->authz.res.outcome == BCASTDEC_DIGEST_VERIFIED
                        ? q->authz.res.password_form
                        : BCASTDEC_DIGEST_PW_ANY;
    bcastdec_status vs = bcastdec_digest_verify_rspauth(v.dv[1].msg, q->authz.msg, m->body.p,
                                                        m->body.len, r->ks, NULL, 0, form,
                                                        &v.dv[1].res);
    v.dv[1].checked = vs == BCASTDEC_OK;
  }
  size_t n = 0;
  const char *mt = bcastdec_http_media_type(m, &n);
  char type[128];
  if (mt != NULL) snprintf(type, sizeof type, "%.*s", (int)n, mt);
  bcastdec_xml_http hx = {1, (uint16_t)m->status_code.v,
                          bcastdec_http_header_find(m, "Authentication-Info", NULL) != NULL,
                          mt != NULL ? type : NULL};
  decode_body(r, &v, q != NULL && q->username[0] ? q->username : NULL, &hx);
  bcastdec_http_exchange ex = {q != NULL ? q->m : NULL, m, q != NULL ? q->authz.msg : NULL,
                               v.dv[0].msg, NULL, v.x};
  v.n_ex = bcastdec_http_check_exchange(&ex, v.ex, EXCHANGE_FINDINGS_MAX);
  show(r, &v);
  if (m->status_code.v == 401 && v.dv[0].msg != NULL) {
    bcastdec_digest_msg_free(st->last_401);
    st->last_401 = v.dv[0].msg;
    v.dv[0].msg = NULL; /* moved */
  }
  if (st->req.m != NULL) {
    bcastdec_digest_msg_free(st->req.authz.msg);
    bcastdec_http_msg_free(st->req.m);
    memset(&st->req, 0, sizeof st->req);
  }
  free_shown(&v);
  bcastdec_http_msg_free(m);
}

/* ---- option parsing shared by both commands ---------------------------------- */

static int parse_opts(run *r, int argc, char **argv, int is_xml, char ***files, int *n_files) {
  *files = calloc((size_t)argc + 1, sizeof **files);
  *n_files = 0;
  if (*files == NULL) return 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--json") == 0) {
      r->json = 1;
    } else if (strcmp(a, "--no-ltkm-rand") == 0) {
      r->o.stkm_try_ltkm_rand = 0;
    } else if (strcmp(a, "--keys") == 0 || strcmp(a, "-k") == 0) {
      if (v == NULL || !cli_load_keys(r->ks, v)) return 0;
      i++;
    } else if (strcmp(a, "--keyid-ext-type") == 0 || strcmp(a, "--bcast-ext-type") == 0) {
      uint8_t t;
      if (v == NULL || !cli_parse_u8(v, &t)) {
        fprintf(stderr, "bcastdec: %s needs a number 0..255\n", a);
        return 0;
      }
      if (a[2] == 'k') r->o.keyid_ext_type = t;
      else r->o.bcast_ext_type = t;
      i++;
    } else if (is_xml && strcmp(a, "--media-type") == 0) {
      if (v == NULL) return 0;
      r->media_type = v;
      i++;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "bcastdec: unknown option %s\n", a);
      return 0;
    } else {
      (*files)[(*n_files)++] = argv[i];
    }
  }
  if (*n_files == 0) {
    fprintf(stderr, "bcastdec: no input\n");
    return 0;
  }
  return 1;
}

static int run_cmd(int argc, char **argv, int is_xml) {
  run r;
  memset(&r, 0, sizeof r);
  bcastdec_opts_init(&r.o);
  char **files = NULL;
  int n_files = 0;
  http_state st;
  memset(&st, 0, sizeof st);
  uint8_t **bufs = NULL;
  size_t *lens = NULL;
  r.ks = bcastdec_keystore_new();
  if (r.ks == NULL || !parse_opts(&r, argc, argv, is_xml, &files, &n_files)) {
    r.rc = EXIT_INPUT;
    goto out;
  }
  r.s = bcastdec_session_new(r.ks, &r.o);
  bufs = calloc((size_t)n_files, sizeof *bufs);
  lens = calloc((size_t)n_files, sizeof *lens);
  if (r.s == NULL || bufs == NULL || lens == NULL) {
    fprintf(stderr, "bcastdec: out of memory\n");
    r.rc = EXIT_INPUT;
    goto out;
  }
  for (int f = 0; f < n_files; f++) {
    size_t len;
    uint8_t *buf = cli_read_file(files[f], &len);
    if (buf == NULL) {
      r.rc = EXIT_INPUT;
      continue;
    }
    if (is_xml) {
      one_xml(&r, files[f], buf, len);
    } else {
      size_t off = 0;
      while (off < len) {
        bcastdec_http_msg *m = NULL;
        if (bcastdec_http_parse(buf + off, len - off, &m) != BCASTDEC_OK) {
          fprintf(stderr, "bcastdec: %s: out of memory\n", files[f]);
          r.rc = EXIT_INPUT;
          break;
        }
        size_t start = off + (size_t)(m->wire - (buf + off));
        size_t next = start + m->wire_len;
        if (m->wire_len == 0 && m->status == BCASTDEC_ERR_TRUNCATED && start >= len) {
          bcastdec_http_msg_free(m); /* only blank lines were left */
          break;
        }
        int stop = m->status != BCASTDEC_OK || next <= off;
        one_http(&r, &st, files[f], start, m); /* takes m */
        if (stop) break;
        off = next;
      }
    }
    /* a request may wait in st.req for its response in the next file: the
     * buffers live until the end of the run */
    bufs[f] = buf;
    lens[f] = len;
  }
out:
  for (int f = 0; f < n_files && bufs != NULL; f++) {
    if (bufs[f] == NULL) continue;
    if (st.req.m != NULL && st.req.m->wire >= bufs[f] && st.req.m->wire < bufs[f] + lens[f]) {
      bcastdec_digest_msg_free(st.req.authz.msg);
      bcastdec_http_msg_free(st.req.m);
      memset(&st.req, 0, sizeof st.req);
    }
    bcastdec_memzero(bufs[f], lens[f]);
    free(bufs[f]);
  }
  free(bufs);
  free(lens);
  if (st.req.m != NULL) {
    bcastdec_digest_msg_free(st.req.authz.msg);
    bcastdec_http_msg_free(st.req.m);
  }
  bcastdec_digest_msg_free(st.last_401);
  free(files);
  bcastdec_session_free(r.s);
  bcastdec_keystore_free(r.ks);
  if (fflush(stdout) != 0 && r.rc == 0) r.rc = EXIT_INPUT;
  return r.rc;
}

int cmd_http(int argc, char **argv) { return run_cmd(argc, argv, 0); }
int cmd_xml(int argc, char **argv) { return run_cmd(argc, argv, 1); }
