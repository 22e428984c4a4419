/* SPDX-License-Identifier: MIT */
/*
 * General Extension payloads (RFC 3830 6.15) of the Smartcard Profile:
 * the RFC 4563 Key ID extension and the OMA BCAST extension (RFC 5410).
 *
 * Both inner layouts and both type numbers are assumptions of the wire
 * profile (PROFILE.md section 5, [A]).  Therefore nothing here can fail the
 * message: data that does not fit the assumed layout is kept raw and
 * reported with the finding "ext.layout".
 */
#include <string.h>

#include "bcastdec_internal.h"

static void layout_problem(bcastdec_mikey_msg *m, bcastdec_ext *e, const bcastdec__rd *c,
                           const char *what) {
  e->inner_status_is_error = 1;
  const uint8_t *at = c->err_at != NULL ? c->err_at : c->p;
  bcastdec__finding(m, BCASTDEC__F_EXT_LAYOUT, e->data.sp,
                    "%s extension: %s at offset %u (assumed layout); shown raw", what,
                    c->err == BCASTDEC_ERR_MALFORMED ? "a length runs past the data"
                                                     : "unexpected content",
                    (unsigned)(at - c->base));
}

/*
 * Key ID extension data [A]: one or more entries
 *   Key ID type(1) | Key ID length(2) | Key ID
 * types 0 Key Domain ID (3), 1 SEK/PEK ID (4), 2 TEK ID (2), 3 MUK ID (var).
 */
static void dec_keyid(bcastdec_mikey_msg *m, bcastdec__rd *c, bcastdec_ext *e) {
  size_t cap = 0;
  while (c->err == BCASTDEC_OK && bcastdec__rd_left(c) > 0) {
    if (!bcastdec__msg_grow(m, (void **)&e->keyid, &cap, sizeof *e->keyid, e->n_keyid + 1)) {
      e->n_keyid = 0;
      return;
    }
    bcastdec_keyid_entry *k = &e->keyid[e->n_keyid];
    const uint8_t *start = c->p;
    bcastdec__rd_u8(c, &k->type);
    bcastdec__rd_be16(c, &k->len);
    bcastdec__rd_bytes(c, (size_t)k->len.v, &k->value);
    k->sp = bcastdec__rd_span(c, start, (size_t)(c->p - start));
    if (c->err == BCASTDEC_OK) e->n_keyid++;
  }
  if (c->err != BCASTDEC_OK) {
    e->n_keyid = 0; /* do not trust identifiers from a layout that did not fit */
    layout_problem(m, e, c, "Key ID");
    return;
  }
  /* An entry of a known type with an unexpected length: kept, but said. */
  for (size_t i = 0; i < e->n_keyid; i++) {
    static const size_t want[] = {3, 4, 2};
    const bcastdec_keyid_entry *k = &e->keyid[i];
    if (k->type.v < 3 && k->value.len != want[k->type.v])
      bcastdec__finding(m, BCASTDEC__F_EXT_LAYOUT, k->sp,
                        "Key ID entry %s has %zu bytes, %zu expected (assumed layout)",
                        bcastdec_keyid_type_name((unsigned)k->type.v), k->value.len,
                        want[k->type.v]);
  }
}

/* TLVs tag(1) len(1) value, to the end of the data [A]. */
static void dec_tlvs(bcastdec_mikey_msg *m, bcastdec__rd *c, bcastdec_ext *e) {
  size_t cap = 0;
  while (c->err == BCASTDEC_OK && bcastdec__rd_left(c) > 0) {
    if (!bcastdec__msg_grow(m, (void **)&e->tlv, &cap, sizeof *e->tlv, e->n_tlv + 1)) {
      e->n_tlv = 0;
      return;
    }
    bcastdec_tlv *t = &e->tlv[e->n_tlv];
    const uint8_t *start = c->p;
    bcastdec__rd_u8(c, &t->tag);
    bcastdec__rd_u8(c, &t->len);
    bcastdec__rd_bytes(c, (size_t)t->len.v, &t->value);
    t->sp = bcastdec__rd_span(c, start, (size_t)(c->p - start));
    if (c->err == BCASTDEC_OK) e->n_tlv++;
  }
}

/*
 * OMA BCAST extension data [A]: subtype(1), then
 *   LTKM (1): security_policy_extension(1), TLVs
 *   STKM (2): flags(1) = protection_after_reception(2) access_criteria_flag(1)
 *             traffic_protection_protocol(3) traffic_authentication_flag(1)
 *             next_tek_flag(1), then TLVs
 *   others: raw
 */
static void dec_bcast(bcastdec_mikey_msg *m, bcastdec__rd *c, bcastdec_ext *e) {
  const uint8_t *after_sub;
  bcastdec__rd_u8(c, &e->subtype);
  if (c->err != BCASTDEC_OK) {
    layout_problem(m, e, c, "OMA BCAST");
    return;
  }
  after_sub = c->p;
  switch (e->subtype.v) {
  case BCASTDEC_BCAST_LTKM:
    bcastdec__rd_u8(c, &e->spe);
    dec_tlvs(m, c, e);
    break;
  case BCASTDEC_BCAST_STKM:
    bcastdec__rd_u8(c, &e->stkm_flags);
    bcastdec__bits(&e->stkm_flags, 6, 3, &e->par);
    bcastdec__bits(&e->stkm_flags, 5, 1, &e->acf);
    bcastdec__bits(&e->stkm_flags, 2, 7, &e->tpp);
    bcastdec__bits(&e->stkm_flags, 1, 1, &e->taf);
    bcastdec__bits(&e->stkm_flags, 0, 1, &e->ntf);
    dec_tlvs(m, c, e);
    break;
  default:
    bcastdec__rd_rest(c, &e->rest);
    return;
  }
  if (c->err != BCASTDEC_OK) {
    /* keep the subtype; the rest of the data is shown raw */
    e->n_tlv = 0;
    e->spe.sp.len = 0;
    e->stkm_flags.sp.len = 0;
    layout_problem(m, e, c, "OMA BCAST");
    bcastdec__rd raw = *c;
    raw.err = BCASTDEC_OK;
    raw.p = after_sub;
    bcastdec__rd_rest(&raw, &e->rest);
  }
}

void bcastdec__ext_decode(bcastdec_mikey_msg *m, bcastdec__rd *data, bcastdec_ext *e,
                          const bcastdec_opts *o) {
  unsigned type = (unsigned)e->type.v;
  if (type == o->keyid_ext_type) {
    e->kind = BCASTDEC_EXT_KEYID;
    e->assumed = 1;
    dec_keyid(m, data, e);
  } else if (type == o->bcast_ext_type) {
    e->kind = BCASTDEC_EXT_BCAST;
    e->assumed = 1;
    dec_bcast(m, data, e);
  } else if (type == 0) {
    e->kind = BCASTDEC_EXT_VENDOR;
  } else if (type == 1) {
    e->kind = BCASTDEC_EXT_SDP_IDS;
  } else {
    e->kind = BCASTDEC_EXT_RAW;
    const char *nm = bcastdec_gen_ext_name(type, o);
    bcastdec__finding(m, BCASTDEC__F_EXT_UNKNOWN, e->type.sp,
                      "General Extension type %u (%s) shown raw", type,
                      nm != NULL ? nm : "unknown");
  }
}
