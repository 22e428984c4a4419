/* SPDX-License-Identifier: MIT */
/*
 * MIKEY message parsing (RFC 3830 section 6; RFC 4563 empty map; RFC 6043
 * GENERIC-ID map and IDR).  Pure decoding: no keys, no state.  Every field
 * is recorded with its span; the first problem stops the chain and is kept
 * as the message status, everything decoded before it stays available.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define BCASTDEC__SPARE_BOX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BCASTDEC__SPARE_BOX 0
#endif
#endif
#if !defined(BCASTDEC__SPARE_BOX) && !defined(__STDC_NO_ATOMICS__)
#define BCASTDEC__SPARE_BOX 1
#include <stdatomic.h>
#endif

#include "bcastdec_crypto.h"
#include "bcastdec_internal.h"

/* ------------------------------------------------------------------------ */
/* Message allocation: one malloc for the message and a first arena block.   */
/* ------------------------------------------------------------------------ */

/* Enough for a decrypted LTKM or STKM (payloads, key data, keys) without a
 * second block. */
#define BCASTDEC__ARENA_INLINE 8192

typedef struct msgbox {
  bcastdec_mikey_msg m;
  bcastdec__msgpriv pv;
  _Alignas(16) unsigned char inline_buf[BCASTDEC__ARENA_INLINE];
} msgbox;

/*
 * One spare box for the whole process: messages are usually decoded and
 * freed one after another, and malloc/free of a box this size (a fresh
 * region of the heap each time, once small allocations that outlive the
 * message took the old one) costs as much as parsing the message.  A freed
 * box holds nothing secret (bcastdec_mikey_msg_free wiped the plaintext and
 * the key data).  Taken and given back with an atomic exchange, so any
 * thread may decode.  Not under AddressSanitizer, which should see every
 * message freed.
 */
#if BCASTDEC__SPARE_BOX
static _Atomic(msgbox *) spare_box;
static msgbox *box_take(void) { return atomic_exchange(&spare_box, NULL); }
static void box_give(msgbox *b) { free(atomic_exchange(&spare_box, b)); }
#else
static msgbox *box_take(void) { return NULL; }
static void box_give(msgbox *b) { free(b); }
#endif

bcastdec_mikey_msg *bcastdec__msg_new(const uint8_t *buf, size_t len) {
  msgbox *b = box_take();
  if (b == NULL) b = malloc(sizeof *b);
  if (b == NULL) return NULL;
  /* the |tried| array at the end is guarded by n_tried: not zeroed */
  memset(&b->m, 0, offsetof(bcastdec_mikey_msg, tried));
  b->m.priv_ = NULL;
  memset(&b->pv, 0, sizeof b->pv);
  b->pv.first.data = b->inline_buf;
  b->pv.first.cap = sizeof b->inline_buf;
  b->pv.cur = &b->pv.first;
  b->m.priv_ = &b->pv;
  b->m.wire = buf;
  b->m.wire_len = len;
  b->m.i_t = b->m.i_rand = b->m.i_kemac = b->m.i_v = -1;
  b->m.i_keyid = b->m.i_bcast = b->m.i_idi = b->m.i_idr = b->m.i_err = -1;
  return &b->m;
}

void *bcastdec__msg_alloc(bcastdec_mikey_msg *m, size_t size) {
  bcastdec__msgpriv *pv = m->priv_;
  size = (size + 15u) & ~(size_t)15u;
  if (size > pv->cur->cap - pv->cur->used) {
    size_t cap = size > 16384 ? size : 16384;
    bcastdec__blk *nb = malloc(sizeof *nb + cap + 16);
    if (nb == NULL) return NULL;
    nb->data = (unsigned char *)(((uintptr_t)(nb + 1) + 15u) & ~(uintptr_t)15u);
    nb->cap = cap;
    nb->used = 0;
    nb->next = pv->extra;
    pv->extra = nb;
    pv->cur = nb;
  }
  void *p = pv->cur->data + pv->cur->used;
  pv->cur->used += size;
  return p;
}

int bcastdec__msg_grow(bcastdec_mikey_msg *m, void **arr, size_t *cap, size_t elem,
                       size_t need) {
  if (need <= *cap) return 1;
  size_t ncap = *cap ? *cap * 2 : 8;
  while (ncap < need) ncap *= 2;
  void *n = bcastdec__msg_alloc(m, ncap * elem);
  if (n == NULL) return 0;
  if (*cap) memcpy(n, *arr, *cap * elem);
  *arr = n;
  *cap = ncap;
  return 1;
}

void bcastdec_mikey_msg_free(bcastdec_mikey_msg *m) {
  if (m == NULL) return;
  msgbox *b = (msgbox *)m;
  if (m->plain != NULL) bcastdec_memzero(m->plain, m->plain_len);
  /* the key data and key views point into |plain|; wipe their copies too */
  if (m->key_data != NULL) bcastdec_memzero(m->key_data, m->n_key_data * sizeof *m->key_data);
  for (bcastdec__blk *x = b->pv.extra; x != NULL;) {
    bcastdec__blk *next = x->next;
    free(x);
    x = next;
  }
  box_give(b);
}

void bcastdec__hex(char *out, size_t cap, const uint8_t *p, size_t n) {
  static const char hx[] = "0123456789abcdef";
  size_t o = 0;
  if (cap == 0) return;
  for (size_t i = 0; i < n && o + 2 < cap; i++) {
    out[o++] = hx[p[i] >> 4];
    out[o++] = hx[p[i] & 15];
  }
  out[o] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Common header (RFC 3830 6.1)                                              */
/* ------------------------------------------------------------------------ */

/*
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  version      !  data type    ! next payload  !V! PRF func    !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                         CSB ID                                !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! #CS           ! CS ID map type! CS ID map info                ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int dec_hdr(bcastdec_mikey_msg *m, bcastdec__rd *r) {
  bcastdec_hdr *h = &m->hdr;
  const uint8_t *start = r->p;
  bcastdec_num vprf;

  bcastdec__rd_u8(r, &h->version);
  bcastdec__rd_u8(r, &h->data_type);
  bcastdec__rd_u8(r, &h->next_payload);
  bcastdec__rd_u8(r, &vprf);
  bcastdec__bits(&vprf, 7, 1, &h->v_flag);
  bcastdec__bits(&vprf, 0, 0x7f, &h->prf);
  bcastdec__rd_be32(r, &h->csb_id);
  bcastdec__rd_u8(r, &h->n_cs);
  bcastdec__rd_u8(r, &h->map_type);
  if (r->err != BCASTDEC_OK) goto out;

  if (h->version.v != 1) {
    /* Another MIKEY version may lay out everything differently. */
    bcastdec__finding(m, BCASTDEC__F_VERSION, h->version.sp, "HDR version %u is not 1",
                      (unsigned)h->version.v);
    bcastdec__rd_fail(r, BCASTDEC_ERR_UNSUPPORTED);
    m->err_text = "unsupported MIKEY version";
    goto out;
  }

  const uint8_t *info = r->p;
  size_t ncs = (size_t)h->n_cs.v;
  switch (h->map_type.v) {
  case BCASTDEC_MAP_SRTP_ID: /* #CS x (Policy_no(1) SSRC(4) ROC(4)) */
    h->srtp = bcastdec__msg_alloc(m, ncs * sizeof *h->srtp + 1);
    if (h->srtp == NULL) return 0;
    for (size_t i = 0; i < ncs && r->err == BCASTDEC_OK; i++) {
      bcastdec__rd_u8(r, &h->srtp[i].policy);
      bcastdec__rd_be32(r, &h->srtp[i].ssrc);
      bcastdec__rd_be32(r, &h->srtp[i].roc);
      if (r->err == BCASTDEC_OK) h->n_srtp++;
    }
    break;
  case BCASTDEC_MAP_EMPTY: /* RFC 4563 section 5: no map info */
    break;
  case BCASTDEC_MAP_GENERIC_ID: /* RFC 6043 section 6.1 */
    h->generic = bcastdec__msg_alloc(m, ncs * sizeof *h->generic + 1);
    if (h->generic == NULL) return 0;
    for (size_t i = 0; i < ncs && r->err == BCASTDEC_OK; i++) {
      bcastdec_cs_generic *g = &h->generic[i];
      bcastdec_num sp;
      memset(g, 0, sizeof *g);
      bcastdec__rd_u8(r, &g->cs_id);
      bcastdec__rd_u8(r, &g->prot_type);
      bcastdec__rd_u8(r, &sp);
      bcastdec__bits(&sp, 7, 1, &g->s_flag);
      bcastdec__bits(&sp, 0, 0x7f, &g->n_p);
      bcastdec__rd_bytes(r, (size_t)g->n_p.v, &g->policies);
      bcastdec__rd_be16(r, &g->session_data_len);
      bcastdec__rd_bytes(r, (size_t)g->session_data_len.v, &g->session_data);
      bcastdec__rd_u8(r, &g->spi_len);
      bcastdec__rd_bytes(r, (size_t)g->spi_len.v, &g->spi);
      if (r->err == BCASTDEC_OK) h->n_generic++;
    }
    break;
  default:
    /* The map info length is unknown for other types: nothing after it
     * can be located. */
    bcastdec__rd_fail(r, BCASTDEC_ERR_UNSUPPORTED);
    m->err_text = "unknown CS ID map type";
    goto out;
  }
  h->map_info.p = info;
  h->map_info.len = (size_t)(r->p - info);
  h->map_info.sp = bcastdec__rd_span(r, info, h->map_info.len);
out:
  h->sp = bcastdec__rd_span(r, start, (size_t)(r->p - start));
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Payloads (RFC 3830 6.2-6.15, RFC 6043 6.6)                                */
/* ------------------------------------------------------------------------ */

typedef int (*dec_fn)(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl);

/* T (6.6): next(1) TS type(1) TS value(8 or 4) */
static int dec_t(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  size_t n;
  (void)m;
  switch (bcastdec__rd_u8(r, &pl->u.t.ts_type)) {
  case BCASTDEC_TS_NTP_UTC:
  case BCASTDEC_TS_NTP: n = 8; break;
  case BCASTDEC_TS_COUNTER:
  case BCASTDEC_TS_NTP_UTC_32: n = 4; break;
  default:
    if (r->err == BCASTDEC_OK) {
      bcastdec__rd_fail(r, BCASTDEC_ERR_UNSUPPORTED);
      m->err_text = "unknown timestamp type (its length is unknown)";
    }
    return 1;
  }
  const uint8_t *at = r->p;
  bcastdec__rd_num(r, n, &pl->u.t.value);
  pl->u.t.raw.p = at;
  pl->u.t.raw.len = pl->u.t.value.sp.len;
  pl->u.t.raw.sp = pl->u.t.value.sp;
  return 1;
}

/* RAND (6.11): next(1) RAND len(1) RAND */
static int dec_rand(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  (void)m;
  bcastdec__rd_u8(r, &pl->u.rand.len);
  bcastdec__rd_bytes(r, (size_t)pl->u.rand.len.v, &pl->u.rand.rand);
  return 1;
}

/* ID (6.7): next(1) ID type(1) ID len(2) ID data */
static int dec_id(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  (void)m;
  bcastdec__rd_u8(r, &pl->u.id.id_type);
  bcastdec__rd_be16(r, &pl->u.id.id_len);
  bcastdec__rd_bytes(r, (size_t)pl->u.id.id_len.v, &pl->u.id.id);
  return 1;
}

/* IDR (RFC 6043 6.6): next(1) ID role(1) ID type(1) ID len(2) ID data */
static int dec_idr(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  bcastdec__rd_u8(r, &pl->u.id.role);
  return dec_id(m, r, pl);
}

static size_t mac_len(bcastdec_mikey_msg *m, bcastdec__rd *r, unsigned alg) {
  switch (alg) {
  case BCASTDEC_MAC_NULL: return 0;
  case BCASTDEC_MAC_HMAC_SHA1_160: return 20;
  default:
    if (r->err == BCASTDEC_OK) {
      bcastdec__rd_fail(r, BCASTDEC_ERR_UNSUPPORTED);
      m->err_text = "unknown MAC algorithm (its length is unknown)";
    }
    return 0;
  }
}

/* KEMAC (6.2): next(1) Encr alg(1) Encr data len(2) Encr data Mac alg(1) MAC */
static int dec_kemac(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  bcastdec__rd_u8(r, &pl->u.kemac.encr_alg);
  bcastdec__rd_be16(r, &pl->u.kemac.encr_len);
  bcastdec__rd_bytes(r, (size_t)pl->u.kemac.encr_len.v, &pl->u.kemac.encr_data);
  unsigned alg = bcastdec__rd_u8(r, &pl->u.kemac.mac_alg);
  size_t n = r->err == BCASTDEC_OK ? mac_len(m, r, alg) : 0;
  bcastdec__rd_bytes(r, n, &pl->u.kemac.mac);
  return 1;
}

/* V (6.9): next(1) Auth alg(1) Ver data */
static int dec_v(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  unsigned alg = bcastdec__rd_u8(r, &pl->u.v.auth_alg);
  size_t n = r->err == BCASTDEC_OK ? mac_len(m, r, alg) : 0;
  bcastdec__rd_bytes(r, n, &pl->u.v.mac);
  return 1;
}

/* SP (6.10): next(1) Policy no(1) Prot type(1) Policy param length(2)
 *            { type(1) length(1) value }... */
static int dec_sp(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  bcastdec__rd_u8(r, &pl->u.sp.policy_no);
  bcastdec__rd_u8(r, &pl->u.sp.prot_type);
  bcastdec__rd_be16(r, &pl->u.sp.param_len);
  const uint8_t *at = r->p;
  bcastdec__rd c = bcastdec__rd_sub(r, (size_t)pl->u.sp.param_len.v);
  pl->u.sp.params.p = at;
  pl->u.sp.params.len = (size_t)(c.end - c.p);
  pl->u.sp.params.sp = bcastdec__rd_span(r, at, pl->u.sp.params.len);
  size_t cap = 0;
  while (c.err == BCASTDEC_OK && bcastdec__rd_left(&c) > 0) {
    if (!bcastdec__msg_grow(m, (void **)&pl->u.sp.param, &cap, sizeof *pl->u.sp.param,
                            pl->u.sp.n_param + 1))
      return 0;
    bcastdec_tlv *t = &pl->u.sp.param[pl->u.sp.n_param];
    const uint8_t *ts = c.p;
    bcastdec__rd_u8(&c, &t->tag);
    bcastdec__rd_u8(&c, &t->len);
    bcastdec__rd_bytes(&c, (size_t)t->len.v, &t->value);
    t->sp = bcastdec__rd_span(&c, ts, (size_t)(c.p - ts));
    if (c.err == BCASTDEC_OK) pl->u.sp.n_param++;
  }
  bcastdec__rd_inherit(r, &c);
  return 1;
}

/* ERR (6.12): next(1) Error no(1) Reserved(2) */
static int dec_err(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  (void)m;
  bcastdec__rd_u8(r, &pl->u.err.err_no);
  bcastdec__rd_bytes(r, 2, &pl->u.err.reserved);
  return 1;
}

/* General Extension (6.15): next(1) Type(1) Length(2) Data */
static int dec_ext(bcastdec_mikey_msg *m, bcastdec__rd *r, bcastdec_payload *pl) {
  bcastdec_ext *e = &pl->u.ext;
  bcastdec__rd_u8(r, &e->type);
  bcastdec__rd_be16(r, &e->len);
  const uint8_t *at = r->p;
  bcastdec__rd c = bcastdec__rd_sub(r, (size_t)e->len.v);
  if (r->err != BCASTDEC_OK) {
    e->data.p = at;
    e->data.sp = bcastdec__rd_span(r, at, 0);
    return 1;
  }
  e->data.p = at;
  e->data.len = (size_t)e->len.v;
  e->data.sp = bcastdec__rd_span(r, at, e->data.len);
  bcastdec__ext_decode(m, &c, e, ((bcastdec__msgpriv *)m->priv_)->opts);
  return 1;
}

/* Decoder per payload type, and the size of the union member it fills
 * (only that much is zeroed: the union is large and a message has many). */
#define MEMBER_SIZE(m) sizeof(((bcastdec_payload *)0)->u.m)
static const struct {
  uint8_t type;
  dec_fn fn;
  size_t size;
} decoders[] = {
    {BCASTDEC_PT_KEMAC, dec_kemac, MEMBER_SIZE(kemac)}, {BCASTDEC_PT_T, dec_t, MEMBER_SIZE(t)},
    {BCASTDEC_PT_ID, dec_id, MEMBER_SIZE(id)},          {BCASTDEC_PT_V, dec_v, MEMBER_SIZE(v)},
    {BCASTDEC_PT_SP, dec_sp, MEMBER_SIZE(sp)},          {BCASTDEC_PT_RAND, dec_rand, MEMBER_SIZE(rand)},
    {BCASTDEC_PT_ERR, dec_err, MEMBER_SIZE(err)},       {BCASTDEC_PT_IDR, dec_idr, MEMBER_SIZE(id)},
    {BCASTDEC_PT_GEN_EXT, dec_ext, MEMBER_SIZE(ext)},
};

static int find_decoder(unsigned type) {
  for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++)
    if (decoders[i].type == type) return (int)i;
  return -1;
}

/* Records shortcuts to payloads the key chain needs. */
static void index_payload(bcastdec_mikey_msg *m, int idx, const bcastdec__msgpriv *pv) {
  bcastdec_payload *pl = &m->payloads[idx];
  int *slot = NULL;
  switch (pl->type) {
  case BCASTDEC_PT_T: slot = &m->i_t; break;
  case BCASTDEC_PT_RAND: slot = &m->i_rand; break;
  case BCASTDEC_PT_KEMAC: slot = &m->i_kemac; break;
  case BCASTDEC_PT_V: slot = &m->i_v; break;
  case BCASTDEC_PT_ERR: slot = &m->i_err; break;
  case BCASTDEC_PT_ID: slot = m->i_idi < 0 ? &m->i_idi : &m->i_idr; break;
  case BCASTDEC_PT_IDR:
    if (pl->u.id.role.v == 1) slot = &m->i_idi;
    else if (pl->u.id.role.v == 2) slot = &m->i_idr;
    break;
  case BCASTDEC_PT_GEN_EXT:
    if (pl->u.ext.kind == BCASTDEC_EXT_KEYID) slot = &m->i_keyid;
    else if (pl->u.ext.kind == BCASTDEC_EXT_BCAST) slot = &m->i_bcast;
    break;
  default: break;
  }
  (void)pv;
  if (slot == NULL) return;
  if (*slot >= 0) {
    if (pl->type != BCASTDEC_PT_ERR)
      bcastdec__finding(m, BCASTDEC__F_DUPLICATE_PAYLOAD, pl->sp,
                        "second %s payload; the first one is used",
                        bcastdec_payload_name(pl->type));
    return;
  }
  *slot = idx;
}

/* Identifiers carried by the Key ID extension. */
static void take_key_ids(bcastdec_mikey_msg *m) {
  if (m->i_keyid < 0) return;
  const bcastdec_ext *e = &m->payloads[m->i_keyid].u.ext;
  for (size_t i = 0; i < e->n_keyid; i++) {
    const bcastdec_keyid_entry *k = &e->keyid[i];
    const uint8_t *v = k->value.p;
    switch (k->type.v) {
    case BCASTDEC_KEYID_KDID:
      if (k->value.len == 3 && !m->has_kdid) {
        memcpy(m->kdid, v, 3);
        m->has_kdid = 1;
      }
      break;
    case BCASTDEC_KEYID_SEKPEK:
      if (k->value.len == 4 && !m->has_sekpek_id) {
        m->sekpek_id = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        m->has_sekpek_id = 1;
      }
      break;
    case BCASTDEC_KEYID_TEK:
      if (k->value.len == 2 && !m->has_tek_id) {
        m->tek_id = (uint16_t)(v[0] << 8 | v[1]);
        m->has_tek_id = 1;
      }
      break;
    default: break;
    }
  }
}

static void classify(bcastdec_mikey_msg *m) {
  switch (m->hdr.data_type.v) {
  case BCASTDEC_DT_PSK_RESP: m->kind = BCASTDEC_KIND_VERIFICATION; return;
  case BCASTDEC_DT_ERROR: m->kind = BCASTDEC_KIND_ERROR; return;
  case BCASTDEC_DT_PSK_INIT: break;
  default: m->kind = BCASTDEC_KIND_UNKNOWN; return;
  }
  if (m->i_bcast >= 0) {
    const bcastdec_ext *e = &m->payloads[m->i_bcast].u.ext;
    if (e->subtype.sp.len != 0) {
      switch (e->subtype.v) {
      case BCASTDEC_BCAST_LTKM: m->kind = BCASTDEC_KIND_LTKM; return;
      case BCASTDEC_BCAST_STKM: m->kind = BCASTDEC_KIND_STKM; return;
      case BCASTDEC_BCAST_REPORTING: m->kind = BCASTDEC_KIND_LTKM_REPORTING; return;
      case BCASTDEC_BCAST_PARENTAL: m->kind = BCASTDEC_KIND_PARENTAL; return;
      default: break;
      }
    }
  }
  /* Without the BCAST extension: an MTK-style message names a TEK; an
   * MSK-style message carries RAND and identities. */
  if (m->has_tek_id) m->kind = BCASTDEC_KIND_STKM;
  else if (m->i_rand >= 0 || m->i_idr >= 0) m->kind = BCASTDEC_KIND_LTKM;
  else m->kind = BCASTDEC_KIND_UNKNOWN;
}

static void status_finding(bcastdec_mikey_msg *m) {
  bcastdec__fid f;
  const char *what = m->err_text;
  switch (m->status) {
  case BCASTDEC_ERR_TRUNCATED:
    f = BCASTDEC__F_TRUNCATED;
    if (what == NULL) what = "message ends before a length says it should";
    break;
  case BCASTDEC_ERR_MALFORMED:
    f = BCASTDEC__F_MALFORMED;
    if (what == NULL) what = "a length does not fit its container";
    break;
  case BCASTDEC_ERR_UNSUPPORTED:
    f = BCASTDEC__F_UNSUPPORTED;
    if (what == NULL) what = "unsupported content";
    break;
  default: return;
  }
  if (m->hdr.version.v != 1 && m->status == BCASTDEC_ERR_UNSUPPORTED) return; /* said */
  bcastdec__finding(m, f, m->err_sp, "%s at offset %u", what, (unsigned)m->err_sp.off);
}

bcastdec_status bcastdec__mikey_parse(bcastdec_mikey_msg *m, const bcastdec_opts *o) {
  bcastdec__msgpriv *pv = m->priv_;
  bcastdec__rd r = bcastdec__rd_init(m->wire, m->wire_len, BCASTDEC_SRC_WIRE);
  pv->opts = o;
  pv->parsed_with = *o;

  if (!dec_hdr(m, &r)) return BCASTDEC_ERR_NOMEM;
  unsigned next = (unsigned)m->hdr.next_payload.v;
  while (r.err == BCASTDEC_OK && next != BCASTDEC_PT_LAST) {
    int di = find_decoder(next);
    if (di < 0) {
      /* No generic length in MIKEY: nothing after an unknown payload can
       * be located (RFC 3830 6). */
      bcastdec__rd_fail(&r, BCASTDEC_ERR_UNSUPPORTED);
      const char *nm = bcastdec_payload_name(next);
      m->err_text = nm != NULL ? "payload type not decoded by bcastdec"
                               : "unknown payload type";
      break;
    }
    if (!bcastdec__msg_grow(m, (void **)&m->payloads, &pv->cap_payloads, sizeof *m->payloads,
                            m->n_payloads + 1))
      return BCASTDEC_ERR_NOMEM;
    bcastdec_payload *pl = &m->payloads[m->n_payloads];
    memset(pl, 0, offsetof(bcastdec_payload, u));
    memset(&pl->u, 0, decoders[di].size);
    pl->type = (uint8_t)next;
    const uint8_t *start = r.p;
    bcastdec__rd_u8(&r, &pl->next);
    if (!decoders[di].fn(m, &r, pl)) return BCASTDEC_ERR_NOMEM;
    pl->sp = bcastdec__rd_span(&r, start, (size_t)(r.p - start));
    m->n_payloads++;
    index_payload(m, (int)m->n_payloads - 1, pv);
    next = (unsigned)pl->next.v;
  }
  if (r.err == BCASTDEC_OK && bcastdec__rd_left(&r) > 0) {
    /* Bytes after the last payload: the MAC (if any) did not cover them. */
    bcastdec__rd_fail(&r, BCASTDEC_ERR_MALFORMED);
    m->err_text = "bytes after the last payload";
  }

  m->status = r.err;
  if (r.err != BCASTDEC_OK) {
    const uint8_t *at = r.err_at != NULL ? r.err_at : r.p;
    if (at > r.end) at = r.end;
    m->err_sp = bcastdec__rd_span(&r, at, 0);
    if (r.err == BCASTDEC_ERR_UNSUPPORTED || r.err == BCASTDEC_ERR_MALFORMED) {
      /* everything from the problem on is shown raw */
      m->rest = bcastdec__rd_span(&r, at, (size_t)(r.end - at));
    }
    status_finding(m);
  }

  /* --- semantic checks on what was decoded --- */
  take_key_ids(m);
  classify(m);
  if (m->i_t >= 0) {
    const bcastdec_payload *t = &m->payloads[m->i_t];
    m->has_counter = t->u.t.value.sp.len != 0;
    m->counter = t->u.t.value.v;
    if (t->u.t.ts_type.v != BCASTDEC_TS_COUNTER && m->has_counter)
      bcastdec__finding(m, BCASTDEC__F_TS_NOT_COUNTER, t->u.t.ts_type.sp,
                        "timestamp type %s, the profile uses COUNTER",
                        bcastdec_ts_type_name((unsigned)t->u.t.ts_type.v));
  }
  if (m->hdr.sp.len < 10) return BCASTDEC_OK; /* header incomplete: nothing more to say */

  unsigned dt = (unsigned)m->hdr.data_type.v;
  if (dt != BCASTDEC_DT_PSK_INIT && dt != BCASTDEC_DT_PSK_RESP && dt != BCASTDEC_DT_ERROR) {
    const char *nm = bcastdec_data_type_name(dt);
    bcastdec__finding(m, BCASTDEC__F_DATA_TYPE, m->hdr.data_type.sp,
                      "data type %u (%s) is not used by the Smartcard Profile", dt,
                      nm != NULL ? nm : "unknown");
  }
  if (!(m->hdr.map_type.v == BCASTDEC_MAP_EMPTY && m->hdr.n_cs.v == 0) &&
      !(m->hdr.map_type.v == BCASTDEC_MAP_SRTP_ID && m->kind == BCASTDEC_KIND_STKM))
    bcastdec__finding(m, BCASTDEC__F_CS_MAP, m->hdr.map_type.sp,
                      "#CS %u with CS ID map type %u", (unsigned)m->hdr.n_cs.v,
                      (unsigned)m->hdr.map_type.v);
  if (m->status != BCASTDEC_OK) return BCASTDEC_OK; /* chain incomplete */

  if (m->i_kemac >= 0 && (size_t)m->i_kemac != m->n_payloads - 1)
    bcastdec__finding(m, BCASTDEC__F_KEMAC_NOT_LAST, m->payloads[m->i_kemac].sp, NULL);
  if (dt == BCASTDEC_DT_PSK_INIT && m->i_kemac < 0)
    bcastdec__finding(m, BCASTDEC__F_KEMAC_MISSING, m->hdr.sp, NULL);
  if ((dt == BCASTDEC_DT_PSK_INIT || dt == BCASTDEC_DT_PSK_RESP) && m->i_t < 0)
    bcastdec__finding(m, BCASTDEC__F_NO_TIMESTAMP, m->hdr.sp, NULL);
  if ((m->kind == BCASTDEC_KIND_LTKM || m->kind == BCASTDEC_KIND_STKM) &&
      !(m->has_kdid && m->has_sekpek_id))
    bcastdec__finding(m, BCASTDEC__F_KEYID_MISSING,
                      m->i_keyid >= 0 ? m->payloads[m->i_keyid].sp : m->hdr.sp, NULL);
  if (m->kind == BCASTDEC_KIND_ERROR && m->i_err >= 0) {
    unsigned e = (unsigned)m->payloads[m->i_err].u.err.err_no.v;
    const char *nm = bcastdec_err_name(e);
    bcastdec__finding(m, BCASTDEC__F_ERROR_MESSAGE, m->payloads[m->i_err].sp,
                      "MIKEY error %u (%s)", e, nm != NULL ? nm : "unknown");
  }
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Key data sub-payloads (6.13), inside the decrypted KEMAC                  */
/* ------------------------------------------------------------------------ */

/*
 * next(1) Type(4 bits)|KV(4 bits) Key data len(2) Key data
 * [Salt len(2) Salt data]           (Type TGK+SALT or TEK+SALT)
 * [KV data]  SPI: SPI len(1) SPI;  Interval: VF len(1) VF VT len(1) VT
 */
bcastdec_status bcastdec__key_data_parse(bcastdec_mikey_msg *m) {
  bcastdec__msgpriv *pv = m->priv_;
  bcastdec__rd r = bcastdec__rd_init(m->plain, m->plain_len, BCASTDEC_SRC_PLAIN);
  /* A length inside verified plaintext that runs past its end is a lie by
   * the sender, not a short capture. */
  r.short_err = BCASTDEC_ERR_MALFORMED;
  unsigned next = BCASTDEC_PT_KEY_DATA;
  while (r.err == BCASTDEC_OK && bcastdec__rd_left(&r) > 0) {
    if (next != BCASTDEC_PT_KEY_DATA) {
      bcastdec__rd_fail(&r, BCASTDEC_ERR_MALFORMED);
      break;
    }
    if (!bcastdec__msg_grow(m, (void **)&m->key_data, &pv->cap_key_data, sizeof *m->key_data,
                            m->n_key_data + 1))
      return BCASTDEC_ERR_NOMEM;
    bcastdec_key_data *kd = &m->key_data[m->n_key_data];
    memset(kd, 0, sizeof *kd);
    const uint8_t *start = r.p;
    bcastdec_num tk;
    next = bcastdec__rd_u8(&r, &kd->next);
    bcastdec__rd_u8(&r, &tk);
    bcastdec__bits(&tk, 4, 0x0f, &kd->type);
    bcastdec__bits(&tk, 0, 0x0f, &kd->kv);
    bcastdec__rd_be16(&r, &kd->key_len);
    bcastdec__rd_bytes(&r, (size_t)kd->key_len.v, &kd->key);
    if (kd->type.v == BCASTDEC_KD_TGK_SALT || kd->type.v == BCASTDEC_KD_TEK_SALT) {
      bcastdec__rd_be16(&r, &kd->salt_len);
      bcastdec__rd_bytes(&r, (size_t)kd->salt_len.v, &kd->salt);
    } else if (kd->type.v > BCASTDEC_KD_TEK_SALT) {
      bcastdec__rd_fail(&r, BCASTDEC_ERR_UNSUPPORTED);
    }
    switch (kd->kv.v) {
    case BCASTDEC_KV_NULL: break;
    case BCASTDEC_KV_SPI:
      bcastdec__rd_u8(&r, &kd->spi_len);
      bcastdec__rd_bytes(&r, (size_t)kd->spi_len.v, &kd->spi);
      break;
    case BCASTDEC_KV_INTERVAL:
      bcastdec__rd_u8(&r, &kd->vf_len);
      bcastdec__rd_bytes(&r, (size_t)kd->vf_len.v, &kd->vf);
      bcastdec__rd_u8(&r, &kd->vt_len);
      bcastdec__rd_bytes(&r, (size_t)kd->vt_len.v, &kd->vt);
      break;
    default: bcastdec__rd_fail(&r, BCASTDEC_ERR_UNSUPPORTED); break;
    }
    kd->sp = bcastdec__rd_span(&r, start, (size_t)(r.p - start));
    if (r.err == BCASTDEC_OK) m->n_key_data++;
  }
  if (r.err == BCASTDEC_OK && next != BCASTDEC_PT_LAST && m->n_key_data > 0)
    bcastdec__rd_fail(&r, BCASTDEC_ERR_MALFORMED); /* chain announces a missing item */
  m->plain_status = r.err;
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Public entry point                                                        */
/* ------------------------------------------------------------------------ */

bcastdec_status bcastdec_mikey_decode(bcastdec_mikey_msg **out, const uint8_t *buf, size_t len,
                                      const bcastdec_opts *opts) {
  bcastdec_opts d;
  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if (buf == NULL && len != 0) return BCASTDEC_ERR_ARG;
  if (len > UINT32_MAX) return BCASTDEC_ERR_ARG;
  if (opts == NULL) {
    bcastdec_opts_init(&d);
    opts = &d;
  }
  bcastdec_mikey_msg *m = bcastdec__msg_new(buf != NULL ? buf : (const uint8_t *)"", len);
  if (m == NULL) return BCASTDEC_ERR_NOMEM;
  bcastdec_status st = bcastdec__mikey_parse(m, opts);
  ((bcastdec__msgpriv *)m->priv_)->opts = NULL; /* |opts| may not outlive the call */
  if (st != BCASTDEC_OK) {
    bcastdec_mikey_msg_free(m);
    return st;
  }
  *out = m;
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Packed messages: the wire bytes are parsed again, the rest is kept        */
/* ------------------------------------------------------------------------ */

/* Where a kept key/salt view points: nowhere, into |plain|, into the wire. */
enum { PK_NULL = 0, PK_PLAIN = 1, PK_WIRE = 2 };

typedef struct pk_view {
  uint32_t off;
  uint8_t where;
} pk_view;

/*
 * One allocation: this header, then key_used's label (NUL-terminated), the
 * tried[] entries, the findings, the keys (views as pk_view pairs) and the
 * plaintext, each at a multiple of 8.  Kept for every message of a capture,
 * so it holds only what parsing the wire bytes again does not give back.
 */
struct bcastdec_packed_msg {
  uint32_t size; /* of this allocation (wiped on free) */
  uint32_t wire_len;
  uint64_t wire_hash; /* bcastdec__hash(): unpack checks it is given the packed bytes */
  uint64_t replay_last;
  uint64_t n_tried_total;
  uint32_t ref, answers_ref;
  uint32_t key_used_ref;
  uint32_t plain_len;
  uint32_t n_keys, n_findings;
  bcastdec_opts opts;
  int8_t plain_status;
  uint8_t outcome, mac, found_by, rand_variant, verif_input, replay, has_plain;
  uint8_t key_used_role, key_used_origin, n_tried;
  uint8_t label_len; /* length of key_used.label */
};

static size_t pk_up(size_t n) { return (n + 7u) & ~(size_t)7u; }

typedef struct pk_layout {
  size_t label, tried, findings, keys, views, plain, total;
} pk_layout;

static int pk_lay(pk_layout *l, size_t label_len, size_t n_tried, size_t n_findings,
                  size_t n_keys, size_t plain_len) {
  if (n_tried > BCASTDEC_TRIED_MAX || n_findings > ((size_t)1 << 20) ||
      n_keys > ((size_t)1 << 20) || plain_len > ((size_t)1 << 30))
    return 0;
  l->label = pk_up(sizeof(bcastdec_packed_msg));
  l->tried = l->label + pk_up(label_len + 1);
  l->findings = l->tried + pk_up(n_tried * sizeof(bcastdec_key_ref));
  l->keys = l->findings + pk_up(n_findings * sizeof(bcastdec_finding));
  l->views = l->keys + pk_up(n_keys * sizeof(bcastdec_out_key));
  l->plain = l->views + pk_up(2 * n_keys * sizeof(pk_view));
  l->total = l->plain + plain_len;
  return l->total <= UINT32_MAX;
}

static pk_view pk_where(const bcastdec_mikey_msg *m, const uint8_t *p) {
  pk_view v = {0, PK_NULL};
  if (p == NULL) return v;
  if (m->plain != NULL && p >= m->plain && p <= m->plain + m->plain_len) {
    v.where = PK_PLAIN;
    v.off = (uint32_t)(p - m->plain);
  } else if (p >= m->wire && p <= m->wire + m->wire_len) {
    v.where = PK_WIRE;
    v.off = (uint32_t)(p - m->wire);
  }
  return v;
}

static const uint8_t *pk_at(const bcastdec_mikey_msg *m, pk_view v) {
  switch (v.where) {
  case PK_PLAIN: return m->plain + v.off;
  case PK_WIRE: return m->wire + v.off;
  default: return NULL;
  }
}

static size_t pk_label_len(const bcastdec_mikey_msg *m) {
  size_t n = 0;
  while (n < sizeof m->key_used.label - 1 && m->key_used.label[n] != '\0') n++;
  return n;
}

size_t bcastdec_mikey_msg_packed_size(const bcastdec_mikey_msg *m) {
  pk_layout l;
  if (m == NULL || m->priv_ == NULL || m->wire_len > UINT32_MAX) return 0;
  if (!pk_lay(&l, pk_label_len(m), m->n_tried, m->n_findings, m->n_keys,
              m->plain != NULL ? m->plain_len : 0))
    return 0;
  return l.total;
}

bcastdec_packed_msg *bcastdec_mikey_msg_pack(const bcastdec_mikey_msg *m) {
  size_t n = bcastdec_mikey_msg_packed_size(m);
  void *b = n != 0 ? malloc(n) : NULL;
  if (b == NULL) return NULL;
  return bcastdec_mikey_msg_pack_into(m, b, n);
}

bcastdec_packed_msg *bcastdec_mikey_msg_pack_into(const bcastdec_mikey_msg *m, void *buf,
                                                  size_t size) {
  pk_layout l;
  if (m == NULL || m->priv_ == NULL || m->wire_len > UINT32_MAX || buf == NULL ||
      ((uintptr_t)buf & 7u) != 0)
    return NULL;
  const bcastdec__msgpriv *pv = m->priv_;
  size_t plain_len = m->plain != NULL ? m->plain_len : 0;
  size_t label_len = pk_label_len(m);
  if (!pk_lay(&l, label_len, m->n_tried, m->n_findings, m->n_keys, plain_len) || size < l.total)
    return NULL;
  unsigned char *b = buf;
  memset(b, 0, l.plain); /* padding included; the plaintext follows */
  bcastdec_packed_msg *p = (bcastdec_packed_msg *)b;
  p->size = (uint32_t)l.total;
  p->wire_len = (uint32_t)m->wire_len;
  p->wire_hash = bcastdec__hash(m->wire, m->wire_len);
  p->replay_last = m->replay_last;
  p->n_tried_total = m->n_tried_total;
  p->ref = m->ref;
  p->answers_ref = m->answers_ref;
  p->key_used_ref = m->key_used.origin_ref;
  p->plain_len = (uint32_t)plain_len;
  p->n_keys = (uint32_t)m->n_keys;
  p->n_findings = (uint32_t)m->n_findings;
  p->opts = pv->parsed_with;
  p->plain_status = (int8_t)m->plain_status;
  p->outcome = m->outcome;
  p->mac = m->mac;
  p->found_by = m->found_by;
  p->rand_variant = m->rand_variant;
  p->verif_input = m->verif_input;
  p->replay = m->replay;
  p->has_plain = m->plain != NULL;
  p->key_used_role = m->key_used.role;
  p->key_used_origin = m->key_used.origin;
  p->n_tried = (uint8_t)m->n_tried;
  p->label_len = (uint8_t)label_len;
  memcpy(b + l.label, m->key_used.label, label_len);
  if (m->n_tried) memcpy(b + l.tried, m->tried, m->n_tried * sizeof *m->tried);
  if (m->n_findings) memcpy(b + l.findings, m->findings, m->n_findings * sizeof *m->findings);
  bcastdec_out_key *ks = (bcastdec_out_key *)(b + l.keys);
  pk_view *vw = (pk_view *)(b + l.views);
  for (size_t i = 0; i < m->n_keys; i++) {
    ks[i] = m->keys[i];
    vw[2 * i] = pk_where(m, m->keys[i].key.p);
    vw[2 * i + 1] = pk_where(m, m->keys[i].salt.p);
    ks[i].key.p = NULL; /* rebuilt from the views */
    ks[i].salt.p = NULL;
  }
  if (plain_len) memcpy(b + l.plain, m->plain, plain_len);
  return p;
}

bcastdec_status bcastdec_mikey_msg_unpack(const bcastdec_packed_msg *p, const uint8_t *wire,
                                          size_t len, bcastdec_mikey_msg **out) {
  pk_layout l;
  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if (p == NULL || (wire == NULL && len != 0) || len != p->wire_len ||
      !pk_lay(&l, p->label_len, p->n_tried, p->n_findings, p->n_keys, p->plain_len))
    return BCASTDEC_ERR_ARG;
  if (wire == NULL) wire = (const uint8_t *)"";
  if (bcastdec__hash(wire, len) != p->wire_hash) return BCASTDEC_ERR_ARG; /* not its message */
  const unsigned char *b = (const unsigned char *)p;
  bcastdec_mikey_msg *m = bcastdec__msg_new(wire, len);
  if (m == NULL) return BCASTDEC_ERR_NOMEM;
  bcastdec__msgpriv *pv = m->priv_;
  bcastdec_status st = bcastdec__mikey_parse(m, &p->opts);
  pv->opts = NULL;
  if (st != BCASTDEC_OK) goto fail;
  m->ref = p->ref;
  if (p->has_plain) {
    st = BCASTDEC_ERR_NOMEM;
    m->plain = bcastdec__msg_alloc(m, (size_t)p->plain_len + 1);
    if (m->plain == NULL) goto fail;
    m->plain_len = p->plain_len;
    if (p->plain_len) memcpy(m->plain, b + l.plain, p->plain_len);
    st = bcastdec__key_data_parse(m);
    if (st != BCASTDEC_OK) goto fail;
  }
  m->plain_status = (bcastdec_status)p->plain_status;
  m->outcome = p->outcome;
  m->mac = p->mac;
  m->found_by = p->found_by;
  m->rand_variant = p->rand_variant;
  m->verif_input = p->verif_input;
  m->replay = p->replay;
  m->replay_last = p->replay_last;
  m->answers_ref = p->answers_ref;
  m->key_used.role = p->key_used_role;
  m->key_used.origin = p->key_used_origin;
  m->key_used.origin_ref = p->key_used_ref;
  memcpy(m->key_used.label, b + l.label, p->label_len); /* the rest is zero */
  m->n_tried = p->n_tried;
  m->n_tried_total = (size_t)p->n_tried_total;
  if (p->n_tried) memcpy(m->tried, b + l.tried, p->n_tried * sizeof *m->tried);
  st = BCASTDEC_ERR_NOMEM;
  if (p->n_keys) {
    if (!bcastdec__msg_grow(m, (void **)&m->keys, &pv->cap_keys, sizeof *m->keys, p->n_keys))
      goto fail;
    memcpy(m->keys, b + l.keys, p->n_keys * sizeof *m->keys);
    const pk_view *vw = (const pk_view *)(b + l.views);
    for (size_t i = 0; i < p->n_keys; i++) {
      m->keys[i].key.p = pk_at(m, vw[2 * i]);
      m->keys[i].salt.p = pk_at(m, vw[2 * i + 1]);
    }
  }
  m->n_keys = p->n_keys;
  /* the findings as they were (parsing above raised its own again) */
  m->n_findings = 0;
  if (p->n_findings) {
    if (!bcastdec__msg_grow(m, (void **)&m->findings, &pv->cap_findings, sizeof *m->findings,
                            p->n_findings))
      goto fail;
    memcpy(m->findings, b + l.findings, p->n_findings * sizeof *m->findings);
  }
  m->n_findings = p->n_findings;
  *out = m;
  return BCASTDEC_OK;
fail:
  bcastdec_mikey_msg_free(m);
  return st;
}

size_t bcastdec_packed_msg_size(const bcastdec_packed_msg *p) {
  return p != NULL ? p->size : 0;
}

void bcastdec_packed_msg_free(bcastdec_packed_msg *p) {
  if (p == NULL) return;
  bcastdec_memzero(p, p->size);
  free(p);
}
