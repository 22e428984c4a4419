/* SPDX-License-Identifier: MIT */
/*
 * Encoder: the inverse of the decoder, same wire profile (PROFILE.md
 * sections 1-5 and 7).
 *
 *  - Key messages (LTKM, STKM): RFC 3830 section 6 payloads in the profile's
 *    order, KEMAC last; transport keys from the PSK (RFC 3830 4.1.4),
 *    AES-CM-128 with the IV of RFC 3830 4.2.3, HMAC-SHA-1-160 over the whole
 *    message before the MAC bytes (RFC 3830 5.2).
 *  - Verification messages (data type 1): HDR, T, [IDr], V, keyed with the
 *    LTKM's auth key; MAC inputs as the decoder accepts them
 *    (mbms-mikey.md 3.4).
 *  - MSK response bodies (TS 26.346 11.8 + the OMA BCAST CR of seed 003):
 *    plain text writing with XML escaping, no XML library.
 *
 * Every writer runs twice: once counting (|p| NULL) to learn the length,
 * once writing; the checks happen before either, so the counting pass
 * cannot fail.
 */
#include <bcastdec/encode.h>

#include <string.h>

#include "bcastdec_build.h"
#include "bcastdec_crypto.h"

#define U16_MAX 0xffffu

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct wr {
  uint8_t *p; /* NULL: count only */
  size_t n;
} wr;

static void put(wr *w, const void *src, size_t n) {
  if (w->p != NULL && n) memcpy(w->p + w->n, src, n);
  w->n += n;
}

static void u8(wr *w, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(w, &b, 1);
}

static void be16(wr *w, size_t v) {
  u8(w, (unsigned)(v >> 8) & 0xff);
  u8(w, (unsigned)v & 0xff);
}

static void be32(wr *w, uint32_t v) {
  be16(w, v >> 16);
  be16(w, v & 0xffff);
}

static void puts_(wr *w, const char *s) {
  put(w, s, strlen(s));
}

/* Sets the next-payload byte at |at| (HDR byte 2, or the first byte of the
 * previous payload) to |type|; the new payload's own byte is written 0. */
static void chain(wr *w, size_t *prev, unsigned type) {
  if (w->p != NULL) w->p[*prev] = (uint8_t)type;
  *prev = w->n;
  u8(w, BCASTDEC_PT_LAST);
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */
/* ------------------------------------------------------------------------ */

static int bytes_ok(const void *p, size_t n, size_t max) {
  return (p != NULL || n == 0) && n <= max;
}

static int ts_len(unsigned ts_type) {
  switch (ts_type) {
  case BCASTDEC_TS_NTP_UTC:
  case BCASTDEC_TS_NTP: return 8;
  case BCASTDEC_TS_COUNTER:
  case BCASTDEC_TS_NTP_UTC_32: return 4;
  default: return 0;
  }
}

static bcastdec_status check_hdr(const bcastdec_enc_hdr *h, int lax) {
  if (h->v_flag > 1) return BCASTDEC_ERR_ARG;
  if (h->prf > 0x7f) return BCASTDEC_ERR_ARG;
  if (!lax && h->prf != BCASTDEC_PRF_MIKEY_1 && h->prf != BCASTDEC_PRF_HMAC_SHA256)
    return BCASTDEC_ERR_UNSUPPORTED;
  switch (h->map_type) {
  case BCASTDEC_MAP_EMPTY:
    if (h->n_srtp != 0 || h->generic_info_len != 0 || h->generic_n_cs != 0)
      return BCASTDEC_ERR_ARG;
    return BCASTDEC_OK;
  case BCASTDEC_MAP_SRTP_ID:
    if ((h->srtp == NULL && h->n_srtp != 0) || h->n_srtp > 255 || h->generic_info_len != 0 ||
        h->generic_n_cs != 0)
      return BCASTDEC_ERR_ARG;
    return BCASTDEC_OK;
  case BCASTDEC_MAP_GENERIC_ID:
    if (!bytes_ok(h->generic_info, h->generic_info_len, U16_MAX) || h->n_srtp != 0)
      return BCASTDEC_ERR_ARG;
    return BCASTDEC_OK;
  default: return BCASTDEC_ERR_UNSUPPORTED; /* the decoder cannot find its end */
  }
}

/* Length of the Key ID extension data, or SIZE_MAX when it does not fit. */
static size_t keyid_len(const bcastdec_enc_keyid *k) {
  size_t n = (k->has_kdid ? 3 + 3 : 0) + (k->has_sekpek_id ? 3 + 4 : 0) +
             (k->has_tek_id ? 3 + 2 : 0);
  if (k->extra == NULL && k->n_extra != 0) return SIZE_MAX;
  for (size_t i = 0; i < k->n_extra; i++) {
    if (!bytes_ok(k->extra[i].value, k->extra[i].len, U16_MAX)) return SIZE_MAX;
    n += 3 + k->extra[i].len;
    if (n > U16_MAX) return SIZE_MAX;
  }
  return n <= U16_MAX ? n : SIZE_MAX;
}

static bcastdec_status check_keyid(const bcastdec_enc_keyid *k) {
  if (k->present > 1 || k->has_kdid > 1 || k->has_sekpek_id > 1 || k->has_tek_id > 1)
    return BCASTDEC_ERR_ARG;
  return keyid_len(k) == SIZE_MAX ? BCASTDEC_ERR_ARG : BCASTDEC_OK;
}

static bcastdec_status check_t(const bcastdec_enc_t *t, int lax) {
  if (t->present > 1) return BCASTDEC_ERR_ARG;
  if (!t->present) return BCASTDEC_OK;
  int n = ts_len(t->ts_type);
  if (n == 0) return BCASTDEC_ERR_UNSUPPORTED; /* no known length */
  if (n == 4 && t->value > 0xffffffffu && !lax) return BCASTDEC_ERR_ARG;
  return BCASTDEC_OK;
}

/* The value the T payload carries (and the KEMAC IV uses). */
static uint64_t t_value(const bcastdec_enc_t *t) {
  return ts_len(t->ts_type) == 4 ? (t->value & 0xffffffffu) : t->value;
}

static bcastdec_status check_id(const bcastdec_enc_id *id) {
  return bytes_ok(id->id, id->len, U16_MAX) ? BCASTDEC_OK : BCASTDEC_ERR_ARG;
}

/* Data of the OMA BCAST extension: its length, or SIZE_MAX on a bad field. */
static size_t bcast_len(const bcastdec__kmsg *k) {
  const bcastdec_enc_bcast *b = k->bcast;
  size_t n = 1;
  int sub = b->subtype == BCASTDEC_BCAST_LTKM || b->subtype == BCASTDEC_BCAST_STKM;
  if (k->bcast_byte != NULL || sub) n++;
  if (k->bcast_tail_set) {
    if (!bytes_ok(k->bcast_tail, k->bcast_tail_len, U16_MAX)) return SIZE_MAX;
    n += k->bcast_tail_len;
  } else if (sub) {
    if (b->tlv == NULL && b->n_tlv != 0) return SIZE_MAX;
    for (size_t i = 0; i < b->n_tlv; i++) {
      if (!bytes_ok(b->tlv[i].value, b->tlv[i].len, 255)) return SIZE_MAX;
      n += 2 + b->tlv[i].len;
      if (n > U16_MAX) return SIZE_MAX;
    }
  } else {
    if (!bytes_ok(b->rest, b->rest_len, U16_MAX)) return SIZE_MAX;
    n += b->rest_len;
  }
  return n <= U16_MAX ? n : SIZE_MAX;
}

static bcastdec_status check_bcast(const bcastdec__kmsg *k) {
  const bcastdec_enc_bcast *b = k->bcast;
  if (b->present > 1) return BCASTDEC_ERR_ARG;
  if (!k->lax) {
    if (b->subtype == 0) return BCASTDEC_ERR_ARG;
    if (b->subtype == BCASTDEC_BCAST_STKM &&
        (b->par > 3 || b->acf > 1 || b->tpp > 7 || b->taf > 1 || b->ntf > 1))
      return BCASTDEC_ERR_ARG;
    /* fields of another subtype would be silently dropped */
    if (b->subtype != BCASTDEC_BCAST_LTKM && b->subtype != BCASTDEC_BCAST_STKM &&
        b->n_tlv != 0)
      return BCASTDEC_ERR_ARG;
    if ((b->subtype == BCASTDEC_BCAST_LTKM || b->subtype == BCASTDEC_BCAST_STKM) &&
        b->rest_len != 0)
      return BCASTDEC_ERR_ARG;
  }
  return bcast_len(k) == SIZE_MAX ? BCASTDEC_ERR_ARG : BCASTDEC_OK;
}

static int has_salt(unsigned type) {
  return type == BCASTDEC_KD_TGK_SALT || type == BCASTDEC_KD_TEK_SALT;
}

/* Length of the KEMAC plaintext, or SIZE_MAX on a bad field. */
static size_t plain_len(const bcastdec__kmsg *k, int lax) {
  const bcastdec_enc_kemac *km = k->kemac;
  size_t n = 0;
  if (k->raw_plain_set)
    return bytes_ok(k->raw_plain, k->raw_plain_len, U16_MAX) ? k->raw_plain_len : SIZE_MAX;
  if (km->key_data == NULL && km->n_key_data != 0) return SIZE_MAX;
  for (size_t i = 0; i < km->n_key_data; i++) {
    const bcastdec_enc_key_data *d = &km->key_data[i];
    if (d->type > 15 || d->kv > 15) return SIZE_MAX;
    if (!bytes_ok(d->key, d->key_len, U16_MAX) || !bytes_ok(d->salt, d->salt_len, U16_MAX) ||
        !bytes_ok(d->spi, d->spi_len, 255) || !bytes_ok(d->vf, d->vf_len, 255) ||
        !bytes_ok(d->vt, d->vt_len, 255))
      return SIZE_MAX;
    if (!lax) {
      if (d->type > BCASTDEC_KD_TEK_SALT || d->kv > BCASTDEC_KV_INTERVAL) return SIZE_MAX;
      if (d->key_len == 0 || d->key_len > BCASTDEC_KEY_MAX || d->salt_len > BCASTDEC_SALT_MAX)
        return SIZE_MAX;
      /* a field the layout has no room for would be silently dropped */
      if ((!has_salt(d->type) && d->salt_len != 0) ||
          (d->kv != BCASTDEC_KV_SPI && d->spi_len != 0) ||
          (d->kv != BCASTDEC_KV_INTERVAL && (d->vf_len != 0 || d->vt_len != 0)))
        return SIZE_MAX;
    }
    n += 4 + d->key_len;
    if (has_salt(d->type)) n += 2 + d->salt_len;
    if (d->kv == BCASTDEC_KV_SPI) n += 1 + d->spi_len;
    else if (d->kv == BCASTDEC_KV_INTERVAL) n += 2 + d->vf_len + d->vt_len;
    if (n > U16_MAX) return SIZE_MAX;
  }
  return n;
}

static bcastdec_status check_kmsg(const bcastdec__kmsg *k) {
  bcastdec_status st;
  const bcastdec_enc_kemac *km = k->kemac;
  if (k->hdr == NULL || km == NULL) return BCASTDEC_ERR_ARG;
  if ((st = check_hdr(k->hdr, k->lax)) != BCASTDEC_OK) return st;
  if (k->keyid != NULL && (st = check_keyid(k->keyid)) != BCASTDEC_OK) return st;
  if (k->t != NULL && (st = check_t(k->t, k->lax)) != BCASTDEC_OK) return st;
  if (!bytes_ok(k->rand, k->rand_len, 255)) return BCASTDEC_ERR_ARG;
  if (k->kdf_rand_set && !bytes_ok(k->kdf_rand, k->kdf_rand_len, BCASTDEC_RAND_MAX))
    return BCASTDEC_ERR_ARG;
  if (k->idi != NULL && (st = check_id(k->idi)) != BCASTDEC_OK) return st;
  if (k->idr != NULL && (st = check_id(k->idr)) != BCASTDEC_OK) return st;
  if (!k->lax && k->idr != NULL && k->idr->id != NULL && k->idr->role == 0 &&
      (k->idi == NULL || k->idi->id == NULL || k->idi->role != 0))
    return BCASTDEC_ERR_ARG; /* the decoder takes the first ID payload for IDi */
  if (k->bcast != NULL && k->bcast->present && (st = check_bcast(k)) != BCASTDEC_OK) return st;
  if (!k->lax) {
    if (km->encr_alg == BCASTDEC_ENCR_AES_KW_128) return BCASTDEC_ERR_UNSUPPORTED;
    if (km->encr_alg != BCASTDEC_ENCR_NULL && km->encr_alg != BCASTDEC_ENCR_AES_CM_128)
      return BCASTDEC_ERR_ARG;
    if (km->mac_alg != BCASTDEC_MAC_NULL && km->mac_alg != BCASTDEC_MAC_HMAC_SHA1_160)
      return BCASTDEC_ERR_ARG;
  }
  if (plain_len(k, k->lax) == SIZE_MAX) return BCASTDEC_ERR_ARG;
  int need_psk =
      km->encr_alg == BCASTDEC_ENCR_AES_CM_128 || km->mac_alg == BCASTDEC_MAC_HMAC_SHA1_160;
  if (k->psk != NULL || k->psk_len != 0 || (need_psk && !k->lax)) {
    if (k->psk == NULL || k->psk_len == 0 || k->psk_len > BCASTDEC_KEY_MAX)
      return BCASTDEC_ERR_ARG;
  }
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Key messages                                                              */
/* ------------------------------------------------------------------------ */

static void w_hdr(wr *w, const bcastdec_enc_hdr *h, unsigned data_type) {
  u8(w, 1); /* MIKEY version */
  u8(w, data_type);
  u8(w, BCASTDEC_PT_LAST); /* next payload, set by the first chain() */
  u8(w, (h->v_flag ? 0x80u : 0) | (h->prf & 0x7fu));
  be32(w, h->csb_id);
  switch (h->map_type) {
  case BCASTDEC_MAP_SRTP_ID:
    u8(w, (unsigned)h->n_srtp);
    u8(w, BCASTDEC_MAP_SRTP_ID);
    for (size_t i = 0; i < h->n_srtp; i++) {
      u8(w, h->srtp[i].policy);
      be32(w, h->srtp[i].ssrc);
      be32(w, h->srtp[i].roc);
    }
    break;
  case BCASTDEC_MAP_GENERIC_ID:
    u8(w, h->generic_n_cs);
    u8(w, BCASTDEC_MAP_GENERIC_ID);
    put(w, h->generic_info, h->generic_info_len);
    break;
  default: /* empty map: #CS 0, no info */
    u8(w, 0);
    u8(w, BCASTDEC_MAP_EMPTY);
    break;
  }
}

static void w_t(wr *w, size_t *prev, const bcastdec_enc_t *t) {
  uint64_t v = t_value(t);
  chain(w, prev, BCASTDEC_PT_T);
  u8(w, t->ts_type);
  if (ts_len(t->ts_type) == 8) be32(w, (uint32_t)(v >> 32));
  be32(w, (uint32_t)v);
}

static void w_id(wr *w, size_t *prev, const bcastdec_enc_id *id) {
  if (id == NULL || id->id == NULL) return;
  chain(w, prev, id->role ? BCASTDEC_PT_IDR : BCASTDEC_PT_ID);
  if (id->role) u8(w, id->role);
  u8(w, id->type);
  be16(w, id->len);
  put(w, id->id, id->len);
}

static void w_key_data(wr *w, const bcastdec__kmsg *k) {
  const bcastdec_enc_kemac *km = k->kemac;
  if (k->raw_plain_set) {
    put(w, k->raw_plain, k->raw_plain_len);
    return;
  }
  for (size_t i = 0; i < km->n_key_data; i++) {
    const bcastdec_enc_key_data *d = &km->key_data[i];
    u8(w, i + 1 < km->n_key_data ? BCASTDEC_PT_KEY_DATA : BCASTDEC_PT_LAST);
    u8(w, (unsigned)(d->type << 4 | (d->kv & 15)));
    be16(w, d->key_len);
    put(w, d->key, d->key_len);
    if (has_salt(d->type)) {
      be16(w, d->salt_len);
      put(w, d->salt, d->salt_len);
    }
    if (d->kv == BCASTDEC_KV_SPI) {
      u8(w, (unsigned)d->spi_len);
      put(w, d->spi, d->spi_len);
    } else if (d->kv == BCASTDEC_KV_INTERVAL) {
      u8(w, (unsigned)d->vf_len);
      put(w, d->vf, d->vf_len);
      u8(w, (unsigned)d->vt_len);
      put(w, d->vt, d->vt_len);
    }
  }
}

/*
 * Writes the message (or counts it when w->p is NULL; |tk| is then
 * unused).  Payload order: HDR, EXT(Key ID), T, RAND, IDi, IDr, EXT(BCAST),
 * KEMAC.
 */
static bcastdec_status w_kmsg(wr *w, const bcastdec__kmsg *k, const bcastdec__tkeys *tk) {
  const bcastdec_enc_kemac *km = k->kemac;
  size_t prev = 2;
  bcastdec_status st = BCASTDEC_OK;

  w_hdr(w, k->hdr, k->data_type);
  if (k->keyid != NULL && k->keyid->present) {
    const bcastdec_enc_keyid *e = k->keyid;
    chain(w, &prev, BCASTDEC_PT_GEN_EXT);
    u8(w, e->ext_type);
    be16(w, keyid_len(e));
    if (e->has_kdid) {
      u8(w, BCASTDEC_KEYID_KDID);
      be16(w, 3);
      put(w, e->kdid, 3);
    }
    if (e->has_sekpek_id) {
      u8(w, BCASTDEC_KEYID_SEKPEK);
      be16(w, 4);
      be32(w, e->sekpek_id);
    }
    if (e->has_tek_id) {
      u8(w, BCASTDEC_KEYID_TEK);
      be16(w, 2);
      be16(w, e->tek_id);
    }
    for (size_t i = 0; i < e->n_extra; i++) {
      u8(w, e->extra[i].type);
      be16(w, e->extra[i].len);
      put(w, e->extra[i].value, e->extra[i].len);
    }
  }
  if (k->t != NULL && k->t->present) w_t(w, &prev, k->t);
  if (k->rand != NULL) {
    chain(w, &prev, BCASTDEC_PT_RAND);
    u8(w, (unsigned)k->rand_len);
    put(w, k->rand, k->rand_len);
  }
  w_id(w, &prev, k->idi);
  w_id(w, &prev, k->idr);
  if (k->bcast != NULL && k->bcast->present) {
    const bcastdec_enc_bcast *b = k->bcast;
    chain(w, &prev, BCASTDEC_PT_GEN_EXT);
    u8(w, b->ext_type);
    be16(w, bcast_len(k));
    u8(w, b->subtype);
    if (k->bcast_byte != NULL) u8(w, *k->bcast_byte);
    else if (b->subtype == BCASTDEC_BCAST_LTKM) u8(w, b->spe);
    else if (b->subtype == BCASTDEC_BCAST_STKM)
      u8(w, (unsigned)(b->par << 6 | b->acf << 5 | b->tpp << 2 | b->taf << 1 | b->ntf));
    if (k->bcast_tail_set) {
      put(w, k->bcast_tail, k->bcast_tail_len);
    } else if (b->subtype == BCASTDEC_BCAST_LTKM || b->subtype == BCASTDEC_BCAST_STKM) {
      for (size_t i = 0; i < b->n_tlv; i++) {
        u8(w, b->tlv[i].tag);
        u8(w, (unsigned)b->tlv[i].len);
        put(w, b->tlv[i].value, b->tlv[i].len);
      }
    } else {
      put(w, b->rest, b->rest_len);
    }
  }

  /* KEMAC (RFC 3830 6.2): next Encr-alg Encr-data-len Encr-data Mac-alg MAC */
  chain(w, &prev, BCASTDEC_PT_KEMAC);
  u8(w, km->encr_alg);
  size_t pn = plain_len(k, 1);
  be16(w, pn);
  size_t at = w->n;
  w_key_data(w, k);
  if (w->p != NULL && km->encr_alg == BCASTDEC_ENCR_AES_CM_128 && pn > 0) {
    uint8_t iv[16];
    uint64_t t64 = k->t != NULL && k->t->present ? t_value(k->t) : 0;
    bcastdec__kemac_iv(tk->salt, k->hdr->csb_id, t64, iv);
    st = bcastdec__aes_cm128(NULL, tk->encr, iv, w->p + at, w->p + at, pn);
    bcastdec_memzero(iv, sizeof iv);
    if (st != BCASTDEC_OK) return st;
  }
  u8(w, km->mac_alg);
  if (km->mac_alg == BCASTDEC_MAC_HMAC_SHA1_160) {
    uint8_t mac[BCASTDEC__MAC_LEN];
    memset(mac, 0, sizeof mac);
    if (w->p != NULL) {
      bcastdec__iov iov = {w->p, w->n};
      bcastdec__hmac_sha1(tk->auth, sizeof tk->auth, &iov, 1, mac);
    }
    put(w, mac, sizeof mac);
  }
  return st;
}

/* The caller's output conventions: size query, too small, wiping. */
static bcastdec_status out_args_ok(const void *out, size_t cap, const size_t *out_len) {
  if (out_len == NULL || (out == NULL && cap != 0)) return BCASTDEC_ERR_ARG;
  return BCASTDEC_OK;
}

bcastdec_status bcastdec__encode_kmsg(const bcastdec__kmsg *k, uint8_t *out, size_t cap,
                                      size_t *out_len) {
  bcastdec__tkeys tk;
  bcastdec_status st;
  wr w = {NULL, 0};

  memset(&tk, 0, sizeof tk);
  if ((st = out_args_ok(out, cap, out_len)) != BCASTDEC_OK) return st;
  *out_len = 0;
  if (k == NULL) return BCASTDEC_ERR_ARG;
  if ((st = check_kmsg(k)) != BCASTDEC_OK) return st;

  (void)w_kmsg(&w, k, NULL); /* counting cannot fail */
  if (out == NULL || cap < w.n) {
    *out_len = w.n;
    return out == NULL ? BCASTDEC_OK : BCASTDEC_ERR_SPACE;
  }
  w.n = 0;

  if (k->psk != NULL) {
    const uint8_t *r = k->kdf_rand_set ? k->kdf_rand : k->rand;
    size_t rl = k->kdf_rand_set ? k->kdf_rand_len : k->rand_len;
    st = bcastdec__derive_transport(k->hdr->prf, k->psk, k->psk_len, k->hdr->csb_id, r, rl,
                                    k->kemac->encr_alg == BCASTDEC_ENCR_AES_CM_128, &tk);
    if (st != BCASTDEC_OK) goto out;
  }
  w.p = out;
  st = w_kmsg(&w, k, &tk);
  if (st == BCASTDEC_OK) *out_len = w.n;
out:
  bcastdec_memzero(&tk, sizeof tk);
  if (st != BCASTDEC_OK) bcastdec_memzero(out, w.n); /* may hold plaintext keys */
  return st;
}

/* ------------------------------------------------------------------------ */
/* LTKM, STKM                                                                */
/* ------------------------------------------------------------------------ */

static void spec_defaults(bcastdec_enc_hdr *h, bcastdec_enc_keyid *k, bcastdec_enc_t *t,
                          bcastdec_enc_bcast *b, bcastdec_enc_kemac *km) {
  h->prf = BCASTDEC_PRF_MIKEY_1;
  h->map_type = BCASTDEC_MAP_EMPTY;
  k->present = 1;
  k->ext_type = 3; /* [A] keyid_ext_type */
  k->has_kdid = k->has_sekpek_id = 1;
  t->present = 1;
  t->ts_type = BCASTDEC_TS_COUNTER;
  b->present = 1;
  b->ext_type = 5; /* [A] bcast_ext_type */
  km->encr_alg = BCASTDEC_ENCR_AES_CM_128;
  km->mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
}

void bcastdec_ltkm_spec_init(bcastdec_ltkm_spec *s) {
  if (s == NULL) return;
  memset(s, 0, sizeof *s);
  s->struct_size = (uint32_t)sizeof *s;
  spec_defaults(&s->hdr, &s->keyid, &s->t, &s->bcast, &s->kemac);
  s->bcast.subtype = BCASTDEC_BCAST_LTKM;
  s->idi.type = BCASTDEC_IDT_URI;
  s->idr.type = BCASTDEC_IDT_NAI;
}

void bcastdec_stkm_spec_init(bcastdec_stkm_spec *s) {
  if (s == NULL) return;
  memset(s, 0, sizeof *s);
  s->struct_size = (uint32_t)sizeof *s;
  spec_defaults(&s->hdr, &s->keyid, &s->t, &s->bcast, &s->kemac);
  s->keyid.has_tek_id = 1;
  s->bcast.subtype = BCASTDEC_BCAST_STKM;
}

bcastdec_status bcastdec_ltkm_encode(const bcastdec_ltkm_spec *s, const uint8_t *smk,
                                     size_t smk_len, uint8_t *out, size_t cap,
                                     size_t *out_len) {
  bcastdec__kmsg k;
  if (out_len != NULL) *out_len = 0;
  if (s == NULL || s->struct_size != sizeof *s) return BCASTDEC_ERR_ARG;
  if (s->bcast.present && s->bcast.subtype == BCASTDEC_BCAST_STKM) return BCASTDEC_ERR_ARG;
  memset(&k, 0, sizeof k);
  k.data_type = BCASTDEC_DT_PSK_INIT;
  k.hdr = &s->hdr;
  k.keyid = &s->keyid;
  k.t = &s->t;
  k.rand = s->rand;
  k.rand_len = s->rand_len;
  k.idi = &s->idi;
  k.idr = &s->idr;
  k.bcast = &s->bcast;
  k.kemac = &s->kemac;
  k.psk = smk;
  k.psk_len = smk_len;
  return bcastdec__encode_kmsg(&k, out, cap, out_len);
}

bcastdec_status bcastdec_stkm_encode(const bcastdec_stkm_spec *s, const uint8_t *sekpek,
                                     size_t sekpek_len, uint8_t *out, size_t cap,
                                     size_t *out_len) {
  bcastdec__kmsg k;
  if (out_len != NULL) *out_len = 0;
  if (s == NULL || s->struct_size != sizeof *s) return BCASTDEC_ERR_ARG;
  if (s->hdr.v_flag != 0) return BCASTDEC_ERR_ARG; /* nobody answers an STKM */
  if (s->bcast.present && s->bcast.subtype != BCASTDEC_BCAST_STKM) return BCASTDEC_ERR_ARG;
  if (s->kdf_rand_set > 1) return BCASTDEC_ERR_ARG;
  memset(&k, 0, sizeof k);
  k.data_type = BCASTDEC_DT_PSK_INIT;
  k.hdr = &s->hdr;
  k.keyid = &s->keyid;
  k.t = &s->t;
  k.rand = s->rand;
  k.rand_len = s->rand_len;
  k.bcast = &s->bcast;
  k.kemac = &s->kemac;
  k.kdf_rand_set = s->kdf_rand_set;
  k.kdf_rand = s->kdf_rand;
  k.kdf_rand_len = s->kdf_rand_len;
  k.psk = sekpek;
  k.psk_len = sekpek_len;
  return bcastdec__encode_kmsg(&k, out, cap, out_len);
}

/* ------------------------------------------------------------------------ */
/* Verification message                                                      */
/* ------------------------------------------------------------------------ */

void bcastdec_verif_spec_init(bcastdec_verif_spec *s) {
  if (s == NULL) return;
  memset(s, 0, sizeof *s);
  s->struct_size = (uint32_t)sizeof *s;
  s->mac_input = BCASTDEC_VINPUT_T64;
  s->t_from_ltkm = 1;
  s->t.present = 1;
  s->t.ts_type = BCASTDEC_TS_COUNTER;
  s->idr.type = BCASTDEC_IDT_NAI;
}

/* What the verification message needs from the LTKM (views into it). */
typedef struct ltkm_view {
  unsigned prf;
  uint32_t csb_id;
  bcastdec_enc_t t;
  const uint8_t *t_raw, *rand, *idi, *idr;
  size_t t_raw_len, rand_len, idi_len, idr_len;
} ltkm_view;

/* HDR, T, [IDr], V: counted or written; the MAC is appended by the caller. */
static void w_verif(wr *w, const bcastdec_verif_spec *s, const ltkm_view *v) {
  bcastdec_enc_hdr h;
  size_t prev = 2;
  memset(&h, 0, sizeof h);
  h.prf = (uint8_t)v->prf;
  h.csb_id = v->csb_id;
  h.map_type = BCASTDEC_MAP_EMPTY;
  w_hdr(w, &h, BCASTDEC_DT_PSK_RESP);
  const bcastdec_enc_t *t = s->t_from_ltkm ? &v->t : &s->t;
  if (t->present) w_t(w, &prev, t);
  w_id(w, &prev, &s->idr);
  chain(w, &prev, BCASTDEC_PT_V);
  u8(w, BCASTDEC_MAC_HMAC_SHA1_160);
}

static const uint8_t *payload_bytes(const bcastdec_mikey_msg *m, int i, size_t *len) {
  *len = 0;
  if (i < 0) return NULL;
  *len = m->payloads[i].u.id.id.len;
  return m->payloads[i].u.id.id.p;
}

bcastdec_status bcastdec_verif_encode(const bcastdec_verif_spec *s, const uint8_t *ltkm,
                                      size_t ltkm_len, const uint8_t *smk, size_t smk_len,
                                      uint8_t *out, size_t cap, size_t *out_len) {
  bcastdec_mikey_msg *m = NULL;
  const bcastdec_payload *tp, *kp;
  bcastdec__tkeys tk;
  ltkm_view v;
  uint8_t mac[BCASTDEC__MAC_LEN], t8[8];
  bcastdec_status st;
  wr w = {NULL, 0};

  memset(&tk, 0, sizeof tk);
  memset(&v, 0, sizeof v);
  if ((st = out_args_ok(out, cap, out_len)) != BCASTDEC_OK) return st;
  *out_len = 0;
  if (s == NULL || s->struct_size != sizeof *s || ltkm == NULL || ltkm_len == 0 ||
      smk == NULL || smk_len == 0 || smk_len > BCASTDEC_KEY_MAX || s->any_v > 1 ||
      s->t_from_ltkm > 1 ||
      (s->mac_input != BCASTDEC_VINPUT_T64 && s->mac_input != BCASTDEC_VINPUT_IDS_T))
    return BCASTDEC_ERR_ARG;
  if (!s->t_from_ltkm && (st = check_t(&s->t, 0)) != BCASTDEC_OK) return st;
  if ((st = check_id(&s->idr)) != BCASTDEC_OK) return st;

  st = bcastdec_mikey_decode(&m, ltkm, ltkm_len, NULL);
  if (st != BCASTDEC_OK) return st;
  if (m->status != BCASTDEC_OK) {
    st = m->status;
    goto out;
  }
  if (m->hdr.data_type.v != BCASTDEC_DT_PSK_INIT || m->i_t < 0 ||
      (!m->hdr.v_flag.v && !s->any_v)) {
    st = BCASTDEC_ERR_ARG;
    goto out;
  }
  v.prf = (unsigned)m->hdr.prf.v;
  if (v.prf != BCASTDEC_PRF_MIKEY_1 && v.prf != BCASTDEC_PRF_HMAC_SHA256) {
    st = BCASTDEC_ERR_UNSUPPORTED;
    goto out;
  }
  v.csb_id = (uint32_t)m->hdr.csb_id.v;
  tp = &m->payloads[m->i_t];
  v.t.present = 1;
  v.t.ts_type = (uint8_t)tp->u.t.ts_type.v;
  v.t.value = tp->u.t.value.v;
  v.t_raw = tp->u.t.raw.p;
  v.t_raw_len = tp->u.t.raw.len;
  if (m->i_rand >= 0) {
    v.rand = m->payloads[m->i_rand].u.rand.rand.p;
    v.rand_len = m->payloads[m->i_rand].u.rand.rand.len;
  }
  v.idi = payload_bytes(m, m->i_idi, &v.idi_len);
  v.idr = payload_bytes(m, m->i_idr, &v.idr_len);

  st = bcastdec__derive_transport(v.prf, smk, smk_len, v.csb_id, v.rand, v.rand_len, 0, &tk);
  if (st != BCASTDEC_OK) goto out;
  /* answer only an LTKM that is authentic */
  if (m->i_kemac >= 0) {
    kp = &m->payloads[m->i_kemac];
    if (kp->u.kemac.mac_alg.v == BCASTDEC_MAC_HMAC_SHA1_160) {
      bcastdec__iov iov = {ltkm, kp->u.kemac.mac.sp.off};
      if (!bcastdec__hmac_sha1_verify(tk.auth, sizeof tk.auth, &iov, 1, kp->u.kemac.mac.p)) {
        st = BCASTDEC_ERR_AUTH;
        goto out;
      }
    }
  }

  w_verif(&w, s, &v);
  w.n += BCASTDEC__MAC_LEN;
  if (out == NULL || cap < w.n) {
    *out_len = w.n;
    st = out == NULL ? BCASTDEC_OK : BCASTDEC_ERR_SPACE;
    w.n = 0;
    goto out;
  }
  w.p = out;
  w.n = 0;
  w_verif(&w, s, &v);
  for (int i = 0; i < 8; i++) t8[i] = (uint8_t)(v.t.value >> (56 - 8 * i));
  if (s->mac_input == BCASTDEC_VINPUT_T64) {
    bcastdec__iov iov[2] = {{out, w.n}, {t8, 8}};
    bcastdec__hmac_sha1(tk.auth, sizeof tk.auth, iov, 2, mac);
  } else {
    bcastdec__iov iov[4] = {
        {out, w.n}, {v.idi, v.idi_len}, {v.idr, v.idr_len}, {v.t_raw, v.t_raw_len}};
    bcastdec__hmac_sha1(tk.auth, sizeof tk.auth, iov, 4, mac);
  }
  put(&w, mac, sizeof mac);
  *out_len = w.n;
out:
  bcastdec_memzero(&tk, sizeof tk);
  bcastdec_memzero(mac, sizeof mac);
  bcastdec_memzero(t8, sizeof t8);
  if (st != BCASTDEC_OK && out != NULL) bcastdec_memzero(out, w.n);
  bcastdec_mikey_msg_free(m);
  return st;
}

/* ------------------------------------------------------------------------ */
/* MSK response XML                                                          */
/* ------------------------------------------------------------------------ */

void bcastdec_msk_response_spec_init(bcastdec_msk_response_spec *s) {
  if (s == NULL) return;
  memset(s, 0, sizeof *s);
  s->struct_size = (uint32_t)sizeof *s;
  s->keyid_ext_type = 3; /* [A] keyid_ext_type */
  s->bcast_ext_type = 5; /* [A] bcast_ext_type */
}

static void base64(wr *w, const uint8_t *p, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char q[4];
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    q[0] = tab[v >> 18];
    q[1] = tab[(v >> 12) & 63];
    q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    q[3] = i + 2 < n ? tab[v & 63] : '=';
    put(w, q, 4);
  }
}

/*
 * Length of the UTF-8 sequence at |s| (|n| bytes left) when it encodes a
 * character XML 1.0 allows (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
 * #x10000-#x10FFFF), else 0.  Overlong forms and surrogates are rejected.
 */
static size_t xml_char_len(const unsigned char *s, size_t n) {
  uint32_t c;
  size_t len;
  if (s[0] < 0x80) {
    c = s[0];
    len = 1;
  } else if ((s[0] & 0xe0) == 0xc0) {
    c = s[0] & 0x1fu;
    len = 2;
  } else if ((s[0] & 0xf0) == 0xe0) {
    c = s[0] & 0x0fu;
    len = 3;
  } else if ((s[0] & 0xf8) == 0xf0) {
    c = s[0] & 0x07u;
    len = 4;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    c = c << 6 | (s[i] & 0x3fu);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min[len]) return 0; /* overlong */
  if (c < 0x20) return c == 0x9 || c == 0xa || c == 0xd ? len : 0;
  if (c >= 0xd800 && c <= 0xdfff) return 0;
  if (c == 0xfffe || c == 0xffff || c > 0x10ffff) return 0;
  return len;
}

static int text_ok(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  while (n > 0) {
    size_t l = xml_char_len(p, n);
    if (l == 0) return 0;
    p += l;
    n -= l;
  }
  return 1;
}

/* Element text: markup characters as references; CR as a character
 * reference so that end-of-line handling keeps it. */
static void escaped(wr *w, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&': puts_(w, "&amp;"); break;
    case '<': puts_(w, "&lt;"); break;
    case '>': puts_(w, "&gt;"); break;
    case '"': puts_(w, "&quot;"); break;
    case '\'': puts_(w, "&apos;"); break;
    case '\r': puts_(w, "&#13;"); break;
    default: put(w, s, 1); break;
    }
  }
}

/* "200 OK" (PROFILE.md section 7): the code 200, then the end or a space. */
static int code_is_200(const char *s) {
  return strncmp(s, "200", 3) == 0 && (s[3] == '\0' || s[3] == ' ');
}

/* Seed 003: the LTKM's Key ID extension names this Response's MSK. */
static bcastdec_status ltkm_matches(const bcastdec_msk_response_spec *s,
                                    const bcastdec_msk_response_item *it) {
  bcastdec_opts o;
  bcastdec_mikey_msg *m = NULL;
  bcastdec_opts_init(&o);
  o.keyid_ext_type = s->keyid_ext_type;
  o.bcast_ext_type = s->bcast_ext_type;
  bcastdec_status st = bcastdec_mikey_decode(&m, it->ltkm, it->ltkm_len, &o);
  if (st != BCASTDEC_OK) return st;
  if (m->status != BCASTDEC_OK || m->hdr.data_type.v != BCASTDEC_DT_PSK_INIT ||
      m->kind != BCASTDEC_KIND_LTKM || !m->has_kdid || !m->has_sekpek_id ||
      memcmp(m->kdid, it->kdid, 3) != 0 || m->sekpek_id != it->msk_id)
    st = BCASTDEC_ERR_ARG;
  bcastdec_mikey_msg_free(m);
  return st;
}

static bcastdec_status check_msk_response(const bcastdec_msk_response_spec *s) {
  int inclusion = 0;
  if (s->items == NULL && s->n_items != 0) return BCASTDEC_ERR_ARG;
  if (s->lenient > 1) return BCASTDEC_ERR_ARG;
  for (size_t i = 0; i < s->n_items; i++) {
    const bcastdec_msk_response_item *it = &s->items[i];
    if (it->response_code == NULL || !text_ok(it->response_code) || it->has_version > 1 ||
        (it->ltkm == NULL && it->ltkm_len != 0))
      return BCASTDEC_ERR_ARG;
    if (it->ltkm != NULL) inclusion = 1;
  }
  if (s->lenient) return BCASTDEC_OK;
  if (s->n_items == 0) return BCASTDEC_ERR_ARG;
  for (size_t i = 0; i < s->n_items; i++) {
    const bcastdec_msk_response_item *it = &s->items[i];
    int ok200 = code_is_200(it->response_code);
    if (it->response_code[0] == '\0') return BCASTDEC_ERR_ARG;
    if (it->ltkm != NULL && !ok200) return BCASTDEC_ERR_ARG; /* "SHALL NOT contain" */
    if (inclusion && ok200 && it->ltkm == NULL) return BCASTDEC_ERR_ARG; /* "exactly one" */
    if (it->ltkm != NULL) {
      bcastdec_status st = it->ltkm_len == 0 ? BCASTDEC_ERR_ARG : ltkm_matches(s, it);
      if (st != BCASTDEC_OK) return st;
    }
  }
  return BCASTDEC_OK;
}

static void w_msk_response(wr *w, const bcastdec_msk_response_spec *s) {
  int inclusion = 0;
  for (size_t i = 0; i < s->n_items; i++)
    if (s->items[i].ltkm != NULL) inclusion = 1;
  puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  puts_(w, "<mbmsMSKResponse xmlns=\"" BCASTDEC_NS_MSK_RESPONSE "\"");
  if (inclusion) puts_(w, "\n    xmlns:bcast=\"" BCASTDEC_NS_BCAST_ORDERQUERIES "\"");
  puts_(w, ">\n");
  for (size_t i = 0; i < s->n_items; i++) {
    const bcastdec_msk_response_item *it = &s->items[i];
    uint8_t id[4] = {(uint8_t)(it->msk_id >> 24), (uint8_t)(it->msk_id >> 16),
                     (uint8_t)(it->msk_id >> 8), (uint8_t)it->msk_id};
    puts_(w, "  <Response>\n    <MSK>\n      <keyDomainID>");
    base64(w, it->kdid, 3);
    puts_(w, "</keyDomainID>\n      <MSKID>");
    base64(w, id, 4);
    puts_(w, "</MSKID>\n    </MSK>\n    <ResponseCode>");
    escaped(w, it->response_code);
    puts_(w, "</ResponseCode>\n");
    if (it->ltkm != NULL) {
      puts_(w, "    <bcast:LTKM");
      if (it->has_version) {
        char num[4];
        size_t k = 0;
        unsigned v = it->version;
        if (v >= 100) num[k++] = (char)('0' + v / 100);
        if (v >= 10) num[k++] = (char)('0' + v / 10 % 10);
        num[k++] = (char)('0' + v % 10);
        puts_(w, " version=\"");
        put(w, num, k);
        puts_(w, "\"");
      }
      puts_(w, ">");
      base64(w, it->ltkm, it->ltkm_len);
      puts_(w, "</bcast:LTKM>\n");
    }
    puts_(w, "  </Response>\n");
  }
  puts_(w, "</mbmsMSKResponse>\n");
}

bcastdec_status bcastdec_msk_response_encode(const bcastdec_msk_response_spec *s, char *out,
                                             size_t cap, size_t *out_len) {
  bcastdec_status st;
  wr w = {NULL, 0};
  if ((st = out_args_ok(out, cap, out_len)) != BCASTDEC_OK) return st;
  *out_len = 0;
  if (s == NULL || s->struct_size != sizeof *s) return BCASTDEC_ERR_ARG;
  if ((st = check_msk_response(s)) != BCASTDEC_OK) return st;
  w_msk_response(&w, s);
  *out_len = w.n;
  if (out == NULL) return BCASTDEC_OK;
  if (cap < w.n + 1) return BCASTDEC_ERR_SPACE;
  w.p = (uint8_t *)out;
  w.n = 0;
  w_msk_response(&w, s);
  out[w.n] = '\0';
  return BCASTDEC_OK;
}
