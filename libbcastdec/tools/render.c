/* SPDX-License-Identifier: MIT */
/*
 * Renderers of the bcastdec CLI: an indented text tree and one JSON object
 * per message.  They only draw what the library decoded; decrypted keys are
 * shown because showing them is the purpose of this explicit output.
 */
#include "render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "json.h"

/* Where a key came from, without its bytes: "key file line 3", "message 0". */
static const char *origin_text(const bcastdec_key_ref *k, char *buf, size_t n) {
  switch (k->origin) {
  case BCASTDEC_ORIGIN_FILE: snprintf(buf, n, "key file line %u", (unsigned)k->origin_ref); break;
  case BCASTDEC_ORIGIN_GBA: snprintf(buf, n, "GBA line %u", (unsigned)k->origin_ref); break;
  case BCASTDEC_ORIGIN_LEARNED: snprintf(buf, n, "message %u", (unsigned)k->origin_ref); break;
  default: snprintf(buf, n, "program"); break;
  }
  return buf;
}

static const char *nz(const char *s) { return s != NULL ? s : "unknown"; }

/* ------------------------------------------------------------------------ */
/* Text tree                                                                 */
/* ------------------------------------------------------------------------ */

static void line(FILE *f, int depth, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Extra indentation of everything render_text() prints, so that a MIKEY
 * message can be drawn inside another tree (an XML body, an HTTP message). */
static int base_depth;

static void indent(FILE *f, int depth) {
  for (int i = 0; i < base_depth + depth; i++) fputs("  ", f);
}

static void line(FILE *f, int depth, const char *fmt, ...) {
  va_list ap;
  indent(f, depth);
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
}

static void hexs(FILE *f, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

/* A field is drawn only when it was read: a truncated message shows what
 * arrived and nothing else. */
#define READ(num) ((num).sp.len != 0)

static void line_hex(FILE *f, int depth, const char *name, const bcastdec_bytes *b) {
  if (b->len == 0 && b->sp.len == 0 && b->p == NULL) return;
  indent(f, depth);
  fprintf(f, "%s: ", name);
  if (b->len == 0) fputs("(empty)", f);
  hexs(f, b->p, b->len);
  fputc('\n', f);
}

static void line_text(FILE *f, int depth, const char *name, const bcastdec_bytes *b) {
  indent(f, depth);
  fprintf(f, "%s: \"", name);
  for (size_t i = 0; i < b->len; i++) {
    uint8_t c = b->p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') fputc(c, f);
    else fprintf(f, "\\x%02x", c);
  }
  fputs("\"\n", f);
}

static const char *where(const bcastdec_span *s, char *buf, size_t cap) {
  snprintf(buf, cap, "[%s%u+%u]", s->src == BCASTDEC_SRC_PLAIN ? "plain " : "",
           (unsigned)s->off, (unsigned)s->len);
  return buf;
}

static void text_ext(FILE *f, int d, const bcastdec_ext *e, const bcastdec_opts *o) {
  line(f, d, "type: %u (%s)%s", (unsigned)e->type.v, nz(bcastdec_gen_ext_name((unsigned)e->type.v, o)),
       e->assumed ? " (assumed layout)" : "");
  line(f, d, "length: %u", (unsigned)e->len.v);
  if (e->kind == BCASTDEC_EXT_KEYID && !e->inner_status_is_error) {
    for (size_t i = 0; i < e->n_keyid; i++) {
      const bcastdec_keyid_entry *k = &e->keyid[i];
      indent(f, d);
      fprintf(f, "%s: ", nz(bcastdec_keyid_type_name((unsigned)k->type.v)));
      hexs(f, k->value.p, k->value.len);
      if (k->type.v == BCASTDEC_KEYID_SEKPEK && k->value.len == 4)
        fprintf(f, " (key group %02x%02x)", k->value.p[0], k->value.p[1]);
      fputc('\n', f);
    }
    return;
  }
  if (e->kind == BCASTDEC_EXT_BCAST && e->subtype.sp.len) {
    line(f, d, "subtype: %u (%s)", (unsigned)e->subtype.v,
         nz(bcastdec_bcast_subtype_name((unsigned)e->subtype.v)));
    if (e->spe.sp.len) line(f, d, "security_policy_extension: %u", (unsigned)e->spe.v);
    if (e->stkm_flags.sp.len) {
      line(f, d, "flags: 0x%02x", (unsigned)e->stkm_flags.v);
      line(f, d + 1, "protection_after_reception: %u", (unsigned)e->par.v);
      line(f, d + 1, "access_criteria_flag: %u", (unsigned)e->acf.v);
      line(f, d + 1, "traffic_protection_protocol: %u (%s)", (unsigned)e->tpp.v,
           nz(bcastdec_tpp_name((unsigned)e->tpp.v)));
      line(f, d + 1, "traffic_authentication_flag: %u", (unsigned)e->taf.v);
      line(f, d + 1, "next_tek_flag: %u", (unsigned)e->ntf.v);
    }
    for (size_t i = 0; i < e->n_tlv; i++) {
      const bcastdec_tlv *t = &e->tlv[i];
      indent(f, d);
      fprintf(f, "TLV tag 0x%02x len %u: ", (unsigned)t->tag.v, (unsigned)t->len.v);
      hexs(f, t->value.p, t->value.len);
      fputc('\n', f);
    }
    if (e->rest.len) line_hex(f, d, "undecoded", &e->rest);
    return;
  }
  line_hex(f, d, "data", &e->data);
}

static void text_key_data(FILE *f, int d, const bcastdec_key_data *kd) {
  char w[48];
  line(f, d, "Key data %s", where(&kd->sp, w, sizeof w));
  line(f, d + 1, "type: %u (%s)", (unsigned)kd->type.v, nz(bcastdec_kd_type_name((unsigned)kd->type.v)));
  line(f, d + 1, "KV: %u (%s)", (unsigned)kd->kv.v, nz(bcastdec_kv_type_name((unsigned)kd->kv.v)));
  line_hex(f, d + 1, "key", &kd->key);
  if (kd->salt_len.sp.len) line_hex(f, d + 1, "salt", &kd->salt);
  if (kd->spi_len.sp.len) line_hex(f, d + 1, "SPI/MKI", &kd->spi);
  if (kd->vf_len.sp.len) line_hex(f, d + 1, "valid from", &kd->vf);
  if (kd->vt_len.sp.len) line_hex(f, d + 1, "valid to", &kd->vt);
}

static void text_payload(FILE *f, const bcastdec_mikey_msg *m, const bcastdec_payload *pl,
                         const bcastdec_opts *o) {
  char w[48];
  int d = 2;
  line(f, 1, "%s %s", nz(bcastdec_payload_name(pl->type)), where(&pl->sp, w, sizeof w));
  switch (pl->type) {
  case BCASTDEC_PT_T:
    if (READ(pl->u.t.ts_type))
      line(f, d, "TS type: %u (%s)", (unsigned)pl->u.t.ts_type.v,
           nz(bcastdec_ts_type_name((unsigned)pl->u.t.ts_type.v)));
    if (READ(pl->u.t.value)) line(f, d, "value: %" PRIu64, pl->u.t.value.v);
    break;
  case BCASTDEC_PT_RAND:
    if (READ(pl->u.rand.len) && pl->u.rand.rand.len == pl->u.rand.len.v)
      line_hex(f, d, "RAND", &pl->u.rand.rand);
    break;
  case BCASTDEC_PT_IDR:
    if (READ(pl->u.id.role))
      line(f, d, "role: %u (%s)", (unsigned)pl->u.id.role.v,
           nz(bcastdec_id_role_name((unsigned)pl->u.id.role.v)));
    /* fall through */
  case BCASTDEC_PT_ID:
    if (READ(pl->u.id.id_type))
      line(f, d, "ID type: %u (%s)", (unsigned)pl->u.id.id_type.v,
           nz(bcastdec_id_type_name((unsigned)pl->u.id.id_type.v)));
    if (READ(pl->u.id.id_len) && pl->u.id.id.len == pl->u.id.id_len.v)
      line_text(f, d, "ID", &pl->u.id.id);
    break;
  case BCASTDEC_PT_KEMAC:
    if (READ(pl->u.kemac.encr_alg))
      line(f, d, "encr alg: %u (%s)", (unsigned)pl->u.kemac.encr_alg.v,
           nz(bcastdec_encr_alg_name((unsigned)pl->u.kemac.encr_alg.v)));
    if (READ(pl->u.kemac.encr_len))
      line(f, d, "encr data len: %u", (unsigned)pl->u.kemac.encr_len.v);
    if (READ(pl->u.kemac.encr_len) && pl->u.kemac.encr_data.len == pl->u.kemac.encr_len.v)
      line_hex(f, d, "encr data", &pl->u.kemac.encr_data);
    if (READ(pl->u.kemac.mac_alg)) {
      line(f, d, "MAC alg: %u (%s)", (unsigned)pl->u.kemac.mac_alg.v,
           nz(bcastdec_mac_alg_name((unsigned)pl->u.kemac.mac_alg.v)));
      if (pl->u.kemac.mac.len) line_hex(f, d, "MAC", &pl->u.kemac.mac);
    }
    for (size_t i = 0; i < m->n_key_data; i++) text_key_data(f, d, &m->key_data[i]);
    break;
  case BCASTDEC_PT_V:
    if (READ(pl->u.v.auth_alg)) {
      line(f, d, "auth alg: %u (%s)", (unsigned)pl->u.v.auth_alg.v,
           nz(bcastdec_mac_alg_name((unsigned)pl->u.v.auth_alg.v)));
      if (pl->u.v.mac.len) line_hex(f, d, "MAC", &pl->u.v.mac);
    }
    break;
  case BCASTDEC_PT_SP:
    if (READ(pl->u.sp.param_len))
      line(f, d, "policy no: %u, prot type: %u", (unsigned)pl->u.sp.policy_no.v,
           (unsigned)pl->u.sp.prot_type.v);
    for (size_t i = 0; i < pl->u.sp.n_param; i++) {
      const bcastdec_tlv *t = &pl->u.sp.param[i];
      indent(f, d);
      fprintf(f, "param %u: ", (unsigned)t->tag.v);
      hexs(f, t->value.p, t->value.len);
      fputc('\n', f);
    }
    break;
  case BCASTDEC_PT_ERR:
    if (READ(pl->u.err.err_no))
      line(f, d, "error: %u (%s)", (unsigned)pl->u.err.err_no.v,
           nz(bcastdec_err_name((unsigned)pl->u.err.err_no.v)));
    break;
  case BCASTDEC_PT_GEN_EXT:
    if (READ(pl->u.ext.len) && pl->u.ext.data.len == pl->u.ext.len.v) text_ext(f, d, &pl->u.ext, o);
    else if (READ(pl->u.ext.type))
      line(f, d, "type: %u (%s)", (unsigned)pl->u.ext.type.v,
           nz(bcastdec_gen_ext_name((unsigned)pl->u.ext.type.v, o)));
    break;
  default: break;
  }
}

static void key_ids_text(char *buf, size_t cap, const bcastdec_out_key *k) {
  char kd[8];
  snprintf(kd, sizeof kd, "%02x%02x%02x", k->kdid[0], k->kdid[1], k->kdid[2]);
  if (!k->has_ids) snprintf(buf, cap, "(identifiers unknown)");
  else if (k->role == BCASTDEC_ROLE_TEK && k->has_tek_id)
    snprintf(buf, cap, "%s/%08x/%04x", kd, (unsigned)k->sekpek_id, (unsigned)k->tek_id);
  else snprintf(buf, cap, "%s/%08x", kd, (unsigned)k->sekpek_id);
}

void render_text(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o) {
  const bcastdec_hdr *h = &m->hdr;
  char w[48];
  line(f, 0, "message %zu: %s (%zu bytes)", index, source, m->wire_len);
  line(f, 1, "kind: %s, outcome: %s, MAC: %s", nz(bcastdec_kind_name(m->kind)),
       nz(bcastdec_outcome_name(m->outcome)), nz(bcastdec_mac_state_name(m->mac)));
  if (m->status != BCASTDEC_OK)
    line(f, 1, "decode: %s at offset %u: %s", bcastdec_status_name(m->status),
         (unsigned)m->err_sp.off, m->err_text != NULL ? m->err_text : bcastdec_strerror(m->status));
  if (h->sp.len) {
    line(f, 1, "HDR %s", where(&h->sp, w, sizeof w));
    line(f, 2, "version: %u", (unsigned)h->version.v);
    line(f, 2, "data type: %u (%s)", (unsigned)h->data_type.v,
         nz(bcastdec_data_type_name((unsigned)h->data_type.v)));
    line(f, 2, "next payload: %u (%s)", (unsigned)h->next_payload.v,
         nz(bcastdec_payload_name((unsigned)h->next_payload.v)));
    line(f, 2, "V: %u", (unsigned)h->v_flag.v);
    line(f, 2, "PRF: %u (%s)", (unsigned)h->prf.v, nz(bcastdec_prf_name((unsigned)h->prf.v)));
    line(f, 2, "CSB ID: 0x%08x", (unsigned)h->csb_id.v);
    line(f, 2, "#CS: %u", (unsigned)h->n_cs.v);
    line(f, 2, "CS ID map type: %u (%s)", (unsigned)h->map_type.v,
         nz(bcastdec_map_type_name((unsigned)h->map_type.v)));
    for (size_t i = 0; i < h->n_srtp; i++)
      line(f, 3, "CS %zu: policy %u SSRC 0x%08x ROC %u", i, (unsigned)h->srtp[i].policy.v,
           (unsigned)h->srtp[i].ssrc.v, (unsigned)h->srtp[i].roc.v);
    for (size_t i = 0; i < h->n_generic; i++)
      line(f, 3, "CS %u: prot type %u, %u policies, %u bytes session data",
           (unsigned)h->generic[i].cs_id.v, (unsigned)h->generic[i].prot_type.v,
           (unsigned)h->generic[i].n_p.v, (unsigned)h->generic[i].session_data.len);
  }
  for (size_t i = 0; i < m->n_payloads; i++) text_payload(f, m, &m->payloads[i], o);
  if (m->rest.len) {
    bcastdec_bytes b = {m->wire + m->rest.off, m->rest.len, m->rest};
    line(f, 1, "undecoded %s", where(&m->rest, w, sizeof w));
    line_hex(f, 2, "data", &b);
  }
  if (m->mac == BCASTDEC_MAC_VERIFIED) {
    char ob[48];
    line(f, 1, "key: %s (found by %s; from %s)", m->key_used.label,
         nz(bcastdec_found_by_name(m->found_by)), origin_text(&m->key_used, ob, sizeof ob));
    if (m->rand_variant != BCASTDEC_RANDV_NONE)
      line(f, 2, "RAND for key derivation: %s", nz(bcastdec_rand_variant_name(m->rand_variant)));
    if (m->kind == BCASTDEC_KIND_VERIFICATION)
      line(f, 2, "answers the LTKM of message %u (MAC input: %s)", (unsigned)m->answers_ref,
           m->verif_input == BCASTDEC_VINPUT_T64 ? "message || T (8 bytes)"
                                                 : "message || IDi || IDr || T");
  }
  for (size_t i = 0; i < m->n_tried; i++)
    line(f, 1, "key tried: %s", m->tried[i].label);
  if (m->n_keys) {
    line(f, 1, "keys:");
    for (size_t i = 0; i < m->n_keys; i++) {
      const bcastdec_out_key *k = &m->keys[i];
      char ids[48];
      key_ids_text(ids, sizeof ids, k);
      indent(f, 2);
      fprintf(f, "%s %s = ", nz(bcastdec_role_name(k->role)), ids);
      hexs(f, k->key.p, k->key.len);
      if (k->salt.len) {
        fputs(" salt ", f);
        hexs(f, k->salt.p, k->salt.len);
      }
      fputc('\n', f);
    }
  }
  if (m->n_findings) {
    line(f, 1, "findings:");
    for (size_t i = 0; i < m->n_findings; i++) {
      const bcastdec_finding *fi = &m->findings[i];
      line(f, 2, "%s %s: %s", nz(bcastdec_severity_name(fi->info->severity)), fi->info->id,
           fi->text);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */
/* ------------------------------------------------------------------------ */

static void j_span(jw *w, const bcastdec_span *s) {
  jw_uint(w, "offset", s->off);
  jw_uint(w, "length", s->len);
}

static void j_named(jw *w, const char *key, uint64_t v, const char *name, char *namekey,
                    size_t cap) {
  jw_uint(w, key, v);
  snprintf(namekey, cap, "%s_name", key);
  if (name != NULL) jw_str(w, namekey, name);
}

#define J_NAMED(w, key, v, nm)                                         \
  do {                                                                 \
    char nk_[64];                                                      \
    j_named(w, key, (uint64_t)(v), nm, nk_, sizeof nk_);               \
  } while (0)

static void j_ext(jw *w, const bcastdec_ext *e, const bcastdec_opts *o) {
  J_NAMED(w, "ext_type", e->type.v, bcastdec_gen_ext_name((unsigned)e->type.v, o));
  jw_uint(w, "ext_length", e->len.v);
  jw_hex(w, "data", e->data.p, e->data.len);
  jw_bool(w, "assumed_layout", e->assumed);
  if (e->inner_status_is_error) jw_bool(w, "layout_mismatch", 1);
  if (e->kind == BCASTDEC_EXT_KEYID) {
    jw_arr(w, "entries");
    for (size_t i = 0; i < e->n_keyid; i++) {
      jw_obj(w, NULL);
      J_NAMED(w, "type", e->keyid[i].type.v, bcastdec_keyid_type_name((unsigned)e->keyid[i].type.v));
      jw_hex(w, "value", e->keyid[i].value.p, e->keyid[i].value.len);
      jw_end_obj(w);
    }
    jw_end_arr(w);
  } else if (e->kind == BCASTDEC_EXT_BCAST && e->subtype.sp.len) {
    J_NAMED(w, "subtype", e->subtype.v, bcastdec_bcast_subtype_name((unsigned)e->subtype.v));
    if (e->spe.sp.len) jw_uint(w, "security_policy_extension", e->spe.v);
    if (e->stkm_flags.sp.len) {
      jw_uint(w, "protection_after_reception", e->par.v);
      jw_uint(w, "access_criteria_flag", e->acf.v);
      J_NAMED(w, "traffic_protection_protocol", e->tpp.v, bcastdec_tpp_name((unsigned)e->tpp.v));
      jw_uint(w, "traffic_authentication_flag", e->taf.v);
      jw_uint(w, "next_tek_flag", e->ntf.v);
    }
    jw_arr(w, "tlvs");
    for (size_t i = 0; i < e->n_tlv; i++) {
      jw_obj(w, NULL);
      jw_uint(w, "tag", e->tlv[i].tag.v);
      jw_hex(w, "value", e->tlv[i].value.p, e->tlv[i].value.len);
      jw_end_obj(w);
    }
    jw_end_arr(w);
    if (e->rest.len) jw_hex(w, "undecoded", e->rest.p, e->rest.len);
  }
}

static void j_key_data(jw *w, const bcastdec_key_data *kd) {
  jw_obj(w, NULL);
  j_span(w, &kd->sp);
  J_NAMED(w, "type", kd->type.v, bcastdec_kd_type_name((unsigned)kd->type.v));
  J_NAMED(w, "kv", kd->kv.v, bcastdec_kv_type_name((unsigned)kd->kv.v));
  jw_hex(w, "key", kd->key.p, kd->key.len);
  if (kd->salt_len.sp.len) jw_hex(w, "salt", kd->salt.p, kd->salt.len);
  if (kd->spi_len.sp.len) jw_hex(w, "spi", kd->spi.p, kd->spi.len);
  if (kd->vf_len.sp.len) jw_hex(w, "valid_from", kd->vf.p, kd->vf.len);
  if (kd->vt_len.sp.len) jw_hex(w, "valid_to", kd->vt.p, kd->vt.len);
  jw_end_obj(w);
}

static void j_payload(jw *w, const bcastdec_mikey_msg *m, const bcastdec_payload *pl,
                      const bcastdec_opts *o) {
  jw_obj(w, NULL);
  const char *nm = bcastdec_payload_name(pl->type);
  jw_str(w, "type", nm != NULL ? nm : "unknown");
  jw_uint(w, "type_num", pl->type);
  j_span(w, &pl->sp);
  if (READ(pl->next)) jw_uint(w, "next_payload", pl->next.v);
  switch (pl->type) {
  case BCASTDEC_PT_T:
    if (READ(pl->u.t.ts_type))
      J_NAMED(w, "ts_type", pl->u.t.ts_type.v, bcastdec_ts_type_name((unsigned)pl->u.t.ts_type.v));
    if (READ(pl->u.t.value)) jw_uint(w, "value", pl->u.t.value.v);
    break;
  case BCASTDEC_PT_RAND:
    if (READ(pl->u.rand.len) && pl->u.rand.rand.len == pl->u.rand.len.v)
      jw_hex(w, "rand", pl->u.rand.rand.p, pl->u.rand.rand.len);
    break;
  case BCASTDEC_PT_IDR:
    if (READ(pl->u.id.role))
      J_NAMED(w, "role", pl->u.id.role.v, bcastdec_id_role_name((unsigned)pl->u.id.role.v));
    /* fall through */
  case BCASTDEC_PT_ID:
    if (READ(pl->u.id.id_type))
      J_NAMED(w, "id_type", pl->u.id.id_type.v, bcastdec_id_type_name((unsigned)pl->u.id.id_type.v));
    if (READ(pl->u.id.id_len) && pl->u.id.id.len == pl->u.id.id_len.v)
      jw_strn(w, "id", (const char *)pl->u.id.id.p, pl->u.id.id.len);
    break;
  case BCASTDEC_PT_KEMAC:
    if (READ(pl->u.kemac.encr_alg))
      J_NAMED(w, "encr_alg", pl->u.kemac.encr_alg.v,
              bcastdec_encr_alg_name((unsigned)pl->u.kemac.encr_alg.v));
    if (READ(pl->u.kemac.encr_len)) jw_uint(w, "encr_len", pl->u.kemac.encr_len.v);
    if (READ(pl->u.kemac.encr_len) && pl->u.kemac.encr_data.len == pl->u.kemac.encr_len.v)
      jw_hex(w, "encr_data", pl->u.kemac.encr_data.p, pl->u.kemac.encr_data.len);
    if (READ(pl->u.kemac.mac_alg)) {
      J_NAMED(w, "mac_alg", pl->u.kemac.mac_alg.v,
              bcastdec_mac_alg_name((unsigned)pl->u.kemac.mac_alg.v));
      if (pl->u.kemac.mac.len) jw_hex(w, "mac", pl->u.kemac.mac.p, pl->u.kemac.mac.len);
    }
    if (m->plain != NULL) {
      jw_arr(w, "key_data");
      for (size_t i = 0; i < m->n_key_data; i++) j_key_data(w, &m->key_data[i]);
      jw_end_arr(w);
    }
    break;
  case BCASTDEC_PT_V:
    if (READ(pl->u.v.auth_alg)) {
      J_NAMED(w, "auth_alg", pl->u.v.auth_alg.v, bcastdec_mac_alg_name((unsigned)pl->u.v.auth_alg.v));
      if (pl->u.v.mac.len) jw_hex(w, "mac", pl->u.v.mac.p, pl->u.v.mac.len);
    }
    break;
  case BCASTDEC_PT_SP:
    if (READ(pl->u.sp.param_len)) {
      jw_uint(w, "policy_no", pl->u.sp.policy_no.v);
      jw_uint(w, "prot_type", pl->u.sp.prot_type.v);
    }
    jw_arr(w, "params");
    for (size_t i = 0; i < pl->u.sp.n_param; i++) {
      jw_obj(w, NULL);
      jw_uint(w, "type", pl->u.sp.param[i].tag.v);
      jw_hex(w, "value", pl->u.sp.param[i].value.p, pl->u.sp.param[i].value.len);
      jw_end_obj(w);
    }
    jw_end_arr(w);
    break;
  case BCASTDEC_PT_ERR:
    if (READ(pl->u.err.err_no))
      J_NAMED(w, "error", pl->u.err.err_no.v, bcastdec_err_name((unsigned)pl->u.err.err_no.v));
    break;
  case BCASTDEC_PT_GEN_EXT:
    if (READ(pl->u.ext.len) && pl->u.ext.data.len == pl->u.ext.len.v) j_ext(w, &pl->u.ext, o);
    else if (READ(pl->u.ext.type)) jw_uint(w, "ext_type", pl->u.ext.type.v);
    break;
  default: break;
  }
  jw_end_obj(w);
}

static void j_ids(jw *w, const uint8_t kdid[3], uint32_t sp, int has_tek, uint16_t tek) {
  char b[16];
  jw_hex(w, "kdid", kdid, 3);
  snprintf(b, sizeof b, "%08x", (unsigned)sp);
  jw_str(w, "sekpek_id", b);
  if (has_tek) {
    snprintf(b, sizeof b, "%04x", (unsigned)tek);
    jw_str(w, "tek_id", b);
  }
}

void render_json_member(jw *w, const char *key, const bcastdec_mikey_msg *m, const char *source,
                        size_t index, const bcastdec_opts *o) {
  const bcastdec_hdr *h = &m->hdr;
  jw_obj(w, key);
  jw_uint(w, "index", index);
  jw_str(w, "source", source);
  jw_uint(w, "length", m->wire_len);
  jw_str(w, "status", bcastdec_status_name(m->status));
  if (m->status != BCASTDEC_OK) {
    jw_obj(w, "error");
    jw_str(w, "message", m->err_text != NULL ? m->err_text : bcastdec_strerror(m->status));
    jw_uint(w, "offset", m->err_sp.off);
    jw_end_obj(w);
  }
  jw_str(w, "kind", bcastdec_kind_name(m->kind));
  if (h->sp.len >= 10) {
    jw_obj(w, "header");
    jw_uint(w, "version", h->version.v);
    jw_uint(w, "data_type", h->data_type.v);
    jw_uint(w, "next_payload", h->next_payload.v);
    jw_bool(w, "v", (int)h->v_flag.v);
    jw_uint(w, "prf", h->prf.v);
    jw_uint(w, "csb_id", h->csb_id.v);
    jw_uint(w, "cs_count", h->n_cs.v);
    jw_uint(w, "map_type", h->map_type.v);
    if (h->n_srtp) {
      jw_arr(w, "srtp_map");
      for (size_t i = 0; i < h->n_srtp; i++) {
        jw_obj(w, NULL);
        jw_uint(w, "policy", h->srtp[i].policy.v);
        jw_uint(w, "ssrc", h->srtp[i].ssrc.v);
        jw_uint(w, "roc", h->srtp[i].roc.v);
        jw_end_obj(w);
      }
      jw_end_arr(w);
    }
    jw_end_obj(w);
  }
  jw_arr(w, "payloads");
  for (size_t i = 0; i < m->n_payloads; i++) j_payload(w, m, &m->payloads[i], o);
  jw_end_arr(w);
  if (m->rest.len) {
    jw_obj(w, "undecoded");
    j_span(w, &m->rest);
    jw_hex(w, "data", m->wire + m->rest.off, m->rest.len);
    jw_end_obj(w);
  }
  if (m->has_counter) jw_uint(w, "counter", m->counter);
  if (m->has_kdid || m->has_sekpek_id || m->has_tek_id) {
    char b[16];
    jw_obj(w, "key_ids");
    if (m->has_kdid) jw_hex(w, "kdid", m->kdid, 3);
    if (m->has_sekpek_id) {
      snprintf(b, sizeof b, "%08x", (unsigned)m->sekpek_id);
      jw_str(w, "sekpek_id", b);
    }
    if (m->has_tek_id) {
      snprintf(b, sizeof b, "%04x", (unsigned)m->tek_id);
      jw_str(w, "tek_id", b);
    }
    jw_end_obj(w);
  }
  jw_str(w, "mac", bcastdec_mac_state_name(m->mac));
  jw_str(w, "outcome", bcastdec_outcome_name(m->outcome));
  if (m->mac == BCASTDEC_MAC_VERIFIED) {
    jw_obj(w, "key_used");
    jw_str(w, "role", bcastdec_role_name(m->key_used.role));
    jw_str(w, "label", m->key_used.label);
    jw_str(w, "found_by", bcastdec_found_by_name(m->found_by));
    char ob[48];
    jw_str(w, "from", origin_text(&m->key_used, ob, sizeof ob));
    jw_end_obj(w);
    if (m->rand_variant != BCASTDEC_RANDV_NONE)
      jw_str(w, "rand_variant", bcastdec_rand_variant_name(m->rand_variant));
  }
  if (m->kind == BCASTDEC_KIND_VERIFICATION && m->mac != BCASTDEC_MAC_NO_KEY &&
      m->mac != BCASTDEC_MAC_ABSENT) {
    jw_obj(w, "verification");
    jw_uint(w, "answers", m->answers_ref);
    if (m->verif_input != BCASTDEC_VINPUT_NONE)
      jw_str(w, "mac_input", m->verif_input == BCASTDEC_VINPUT_T64 ? "t64" : "ids_t");
    jw_end_obj(w);
  }
  if (m->n_tried_total) {
    jw_arr(w, "keys_tried");
    for (size_t i = 0; i < m->n_tried; i++) jw_str(w, NULL, m->tried[i].label);
    jw_end_arr(w);
  }
  jw_bool(w, "replay", m->replay);
  jw_arr(w, "keys");
  for (size_t i = 0; i < m->n_keys; i++) {
    const bcastdec_out_key *k = &m->keys[i];
    jw_obj(w, NULL);
    jw_str(w, "role", bcastdec_role_name(k->role));
    if (k->has_ids) j_ids(w, k->kdid, k->sekpek_id, k->role == BCASTDEC_ROLE_TEK && k->has_tek_id, k->tek_id);
    jw_hex(w, "key", k->key.p, k->key.len);
    jw_end_obj(w);
    if (k->salt.len) {
      jw_obj(w, NULL);
      jw_str(w, "role", "salt");
      if (k->has_ids) j_ids(w, k->kdid, k->sekpek_id, k->has_tek_id, k->tek_id);
      jw_hex(w, "key", k->salt.p, k->salt.len);
      jw_end_obj(w);
    }
  }
  jw_end_arr(w);
  jw_arr(w, "findings");
  for (size_t i = 0; i < m->n_findings; i++) {
    const bcastdec_finding *fi = &m->findings[i];
    jw_obj(w, NULL);
    jw_str(w, "id", fi->info->id);
    jw_str(w, "severity", bcastdec_severity_name(fi->info->severity));
    jw_str(w, "message", fi->text);
    jw_uint(w, "offset", fi->sp.off);
    if (fi->sp.src == BCASTDEC_SRC_PLAIN) jw_bool(w, "in_plaintext", 1);
    jw_end_obj(w);
  }
  jw_end_arr(w);
  jw_end_obj(w);
}

void render_json(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o) {
  jw w;
  jw_init(&w, f);
  render_json_member(&w, NULL, m, source, index, o);
}

void render_text_nested(FILE *f, int depth, const bcastdec_mikey_msg *m, const char *source,
                        size_t index, const bcastdec_opts *o) {
  int saved = base_depth;
  base_depth = depth;
  render_text(f, m, source, index, o);
  base_depth = saved;
}
