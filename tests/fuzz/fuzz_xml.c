/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the XML entry points: bcastdec_xml_decode() (without and
 * with the MSK response media type) and bcastdec_xml_process_ltkms() through
 * a session with a fixed key store (the SMK of the tests/data/xml LTKMs), so
 * the LTKM decryption path is reached too.  The walker checks every index
 * and every span of the result: a wrong one is a crash here, not a wrong
 * highlight in Wireshark.  The decoded body and its LTKMs then go through
 * the flow tracker (bcastdec/flow.h) as request and response, as the plugin
 * feeds them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/flow.h>
#include <bcastdec/xml.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KEYS[] =
    "SMK oKGio6SlpqeoqaqrrK2urw==@bsf.example 000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f\n"
    "SMK * 000102030405060708090a0b0c0d0e0f\n";

static bcastdec_keystore *keystore(void) { return fuzz_keystore(KEYS, sizeof KEYS - 1); }

static volatile uint8_t sink;

static void span(uint64_t limit, bcastdec_span s) {
  if ((uint64_t)s.off + s.len > limit) abort();
}

static void str(const char *s, size_t len) {
  if (s == NULL || strlen(s) != len) abort();
}

static void idx(int i, size_t n) {
  if (i < -1 || (i >= 0 && (size_t)i >= n)) abort();
}

static void findings(const bcastdec_finding *f, size_t n, uint64_t limit) {
  for (size_t i = 0; i < n; i++) {
    if (f[i].info == NULL || memchr(f[i].text, 0, BCASTDEC_FINDING_TEXT_MAX) == NULL) abort();
    if (f[i].sp.src == BCASTDEC_SRC_WIRE) span(limit, f[i].sp);
  }
}

static void walk(const bcastdec_xml *x) {
  uint64_t lim = x->body_len;
  span(lim, x->err_sp);
  if (x->status != BCASTDEC_OK && x->err_text == NULL) abort();
  if (bcastdec_xml_kind_name(x->kind) == NULL) abort();
  for (size_t i = 0; i < x->n_elems; i++) {
    const bcastdec_xml_elem *e = &x->elems[i];
    str(e->name, strlen(e->name));
    str(e->ns, strlen(e->ns));
    str(e->prefix, strlen(e->prefix));
    str(e->text, e->text_len);
    span(lim, e->sp);
    span(lim, e->inner_sp);
    idx(e->parent, x->n_elems);
    idx(e->first_child, x->n_elems);
    idx(e->next_sibling, x->n_elems);
    if (e->parent >= (int)i || e->first_child == 0 || (e->first_child >= 0 && e->first_child <= (int)i) ||
        (e->next_sibling >= 0 && e->next_sibling <= (int)i))
      abort();
    if ((i == 0) != (e->parent < 0)) abort();
    for (size_t a = 0; a < e->n_attrs; a++) {
      const bcastdec_xml_attr *at = &e->attrs[a];
      str(at->name, strlen(at->name));
      str(at->ns, strlen(at->ns));
      str(at->prefix, strlen(at->prefix));
      str(at->value, at->value_len);
      span(lim, at->sp);
      span(lim, at->value_sp);
    }
  }
  for (size_t i = 0; i < x->n_fields; i++) {
    const bcastdec_xml_field *f = &x->fields[i];
    if (bcastdec_xml_field_name(f->id) == NULL) abort();
    idx(f->elem, x->n_elems);
    if (f->elem < 0) abort();
    str(f->value, f->value_len);
    span(lim, f->sp);
    for (size_t k = 0; k < f->bytes_len; k++) sink ^= f->bytes[k];
  }
  for (size_t i = 0; i < x->n_responses; i++) {
    const bcastdec_xml_response *r = &x->responses[i];
    idx(r->elem, x->n_elems);
    idx(r->msk, x->n_elems);
    idx(r->key_domain_id, x->n_fields);
    idx(r->msk_id, x->n_fields);
    idx(r->response_code, x->n_fields);
    idx(r->first_ltkm, x->n_ltkms);
  }
  for (size_t i = 0; i < x->n_ltkms; i++) {
    const bcastdec_xml_ltkm *l = &x->ltkms[i];
    idx(l->elem, x->n_elems);
    idx(l->field, x->n_fields);
    idx(l->response, x->n_responses);
    span(lim, l->text_sp);
    for (size_t k = 0; k < l->len; k++) sink ^= l->bytes[k];
    if (bcastdec_xml_ids_name(l->ids) == NULL) abort();
    const bcastdec_mikey_msg *m = l->msg;
    if (m == NULL) continue;
    if (m->wire != l->bytes || m->wire_len != l->len) abort();
    findings(m->findings, m->n_findings, m->wire_len);
    for (size_t k = 0; k < m->n_keys; k++)
      for (size_t b = 0; b < m->keys[k].key.len; b++) sink ^= m->keys[k].key.p[b];
  }
  findings(x->findings, x->n_findings, lim);
  (void)bcastdec_xml_max_severity(x);
}

/* The body as a request (frame 1) and as its response (frame 2) of two
 * users, then its LTKMs pushed and inline; every finding checked. */
static void flow(const bcastdec_xml *x) {
  static const char *const users[] = {"oKGio6SlpqeoqaqrrK2urw==@bsf.example", "a@csim.example", NULL};
  bcastdec_finding out[4];
  uint32_t refs[8];
  bcastdec_flow *f = bcastdec_flow_new();
  if (f == NULL) return;
  uint32_t ref = 1;
  for (size_t u = 0; u < 3; u++) {
    for (int resp = 0; resp < 2; resp++) {
      bcastdec_flow_http ev;
      memset(&ev, 0, sizeof ev);
      ev.ref = ref++;
      ev.request_ref = resp ? ev.ref - 1 : 0;
      ev.is_response = (uint8_t)resp;
      ev.status_code = 200;
      ev.terminal = "192.0.2.1";
      ev.username = users[u];
      ev.xml = x;
      ev.ks = keystore();
      ev.learned = keystore();
      size_t n = bcastdec_flow_http_msg(f, &ev, out, 4);
      findings(out, n < 4 ? n : 4, 0);
    }
    for (size_t i = 0; i < x->n_ltkms; i++) {
      if (x->ltkms[i].msg == NULL) continue;
      bcastdec_flow_mikey me;
      memset(&me, 0, sizeof me);
      me.ref = ref++;
      me.path = (uint8_t)(i & 1);
      me.terminal = "192.0.2.1";
      me.username = users[u];
      me.msg = x->ltkms[i].msg;
      size_t n = bcastdec_flow_mikey_msg(f, &me, out, 4);
      findings(out, n < 4 ? n : 4, 0);
    }
  }
  size_t nr = bcastdec_flow_end_refs(f, refs, 8);
  for (size_t i = 0; i < nr && i < 8; i++) {
    size_t n = bcastdec_flow_end_findings(f, refs[i], out, 4);
    if (n == 0) abort(); /* listed refs have findings */
    findings(out, n < 4 ? n : 4, 0);
  }
  bcastdec_flow_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const types[] = {NULL, BCASTDEC_XML_MT_MSK_RESPONSE};
  bcastdec_xml_opts o;
  bcastdec_xml_opts_init(&o);
  o.max_size = 256 * 1024;
  for (int t = 0; t < 2; t++) {
    bcastdec_xml *x = NULL;
    if (bcastdec_xml_decode(&x, data, size, types[t], &o) != BCASTDEC_OK) continue;
    walk(x);
    /* parse-only first, then through a session, twice (replay path) */
    bcastdec_xml_http h = {1, 200, 1, BCASTDEC_XML_MT_MSK_RESPONSE};
    if (bcastdec_xml_process_ltkms(x, NULL, NULL, t ? &h : NULL) == BCASTDEC_OK) walk(x);
    bcastdec_session *s = bcastdec_session_new(keystore(), NULL);
    if (s != NULL) {
      bcastdec_msg_ctx ctx = {1, "oKGio6SlpqeoqaqrrK2urw==@bsf.example", 0};
      for (int k = 0; k < 2; k++)
        if (bcastdec_xml_process_ltkms(x, s, &ctx, &h) == BCASTDEC_OK) walk(x);
      bcastdec_session_free(s);
    }
    flow(x);
    bcastdec_xml_free(x);
  }
  return 0;
}
