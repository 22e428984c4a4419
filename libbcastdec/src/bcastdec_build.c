/* SPDX-License-Identifier: MIT */
/*
 * Builder of Smartcard Profile key messages (LTKM, STKM): PROFILE.md
 * sections 1-5.  Payload order HDR, EXT(Key ID), T, RAND, IDi, IDr,
 * EXT(BCAST), KEMAC; the KEMAC MAC covers everything before it.
 */
#include "bcastdec_build.h"

#include <string.h>

#include "bcastdec_crypto.h"

typedef struct wr {
  uint8_t *p;
  size_t n, cap;
  int bad;
} wr;

static void put(wr *w, const void *src, size_t n) {
  if (w->bad || n > w->cap - w->n) {
    w->bad = 1;
    return;
  }
  if (n) memcpy(w->p + w->n, src, n);
  w->n += n;
}

static void u8(wr *w, unsigned v) {
  uint8_t b = (uint8_t)v;
  put(w, &b, 1);
}

static void be16(wr *w, unsigned v) {
  u8(w, v >> 8);
  u8(w, v);
}

static void be32(wr *w, uint32_t v) {
  be16(w, v >> 16);
  be16(w, v & 0xffff);
}

/* Patches the next-payload byte at |at| (the previous payload's first byte,
 * or HDR byte 2). */
static void link(wr *w, size_t at, unsigned type) {
  if (!w->bad) w->p[at] = (uint8_t)type;
}

bcastdec_status bcastdec__build_key_msg(const bcastdec__build *b, uint8_t *out, size_t cap,
                                        size_t *len) {
  wr w = {out, 0, cap, 0};
  uint8_t plain[512];
  size_t pn = 0;
  bcastdec__tkeys tk;
  bcastdec_status st = BCASTDEC_OK;
  size_t prev = 2; /* where the next-payload byte to patch lives */
  memset(&tk, 0, sizeof tk);

  /* HDR */
  u8(&w, 1);
  u8(&w, b->data_type);
  u8(&w, 0);
  u8(&w, (unsigned)(b->v_flag ? 0x80 : 0) | (b->prf & 0x7f));
  be32(&w, b->csb_id);
  u8(&w, 0);
  u8(&w, BCASTDEC_MAP_EMPTY);

  if (b->has_keyid) {
    link(&w, prev, BCASTDEC_PT_GEN_EXT);
    prev = w.n;
    u8(&w, 0);
    u8(&w, b->keyid_ext_type ? b->keyid_ext_type : 3);
    be16(&w, (3 + 3) + (3 + 4) + (b->has_tek_id ? 3 + 2 : 0));
    u8(&w, BCASTDEC_KEYID_KDID);
    be16(&w, 3);
    put(&w, b->kdid, 3);
    u8(&w, BCASTDEC_KEYID_SEKPEK);
    be16(&w, 4);
    be32(&w, b->sekpek_id);
    if (b->has_tek_id) {
      u8(&w, BCASTDEC_KEYID_TEK);
      be16(&w, 2);
      be16(&w, b->tek_id);
    }
  }
  if (b->has_t) {
    link(&w, prev, BCASTDEC_PT_T);
    prev = w.n;
    u8(&w, 0);
    u8(&w, b->ts_type);
    if (b->ts_type == BCASTDEC_TS_COUNTER || b->ts_type == BCASTDEC_TS_NTP_UTC_32) {
      be32(&w, (uint32_t)b->t);
    } else {
      be32(&w, (uint32_t)(b->t >> 32));
      be32(&w, (uint32_t)b->t);
    }
  }
  if (b->rand != NULL) {
    link(&w, prev, BCASTDEC_PT_RAND);
    prev = w.n;
    u8(&w, 0);
    u8(&w, (unsigned)b->rand_len);
    put(&w, b->rand, b->rand_len);
  }
  const char *ids[2] = {b->idi, b->idr};
  for (int i = 0; i < 2; i++) {
    if (ids[i] == NULL) continue;
    size_t n = strlen(ids[i]);
    link(&w, prev, BCASTDEC_PT_ID);
    prev = w.n;
    u8(&w, 0);
    u8(&w, i == 0 ? 1 : 0); /* IDi URI, IDr NAI */
    be16(&w, (unsigned)n);
    put(&w, ids[i], n);
  }
  if (b->bcast_subtype) {
    link(&w, prev, BCASTDEC_PT_GEN_EXT);
    prev = w.n;
    u8(&w, 0);
    u8(&w, b->bcast_ext_type ? b->bcast_ext_type : 5);
    be16(&w, (unsigned)(2 + b->bcast_tlvs_len));
    u8(&w, b->bcast_subtype);
    u8(&w, b->bcast_byte);
    put(&w, b->bcast_tlvs, b->bcast_tlvs_len);
  }

  /* Key data plaintext */
  if (b->raw_plain != NULL) {
    if (b->raw_plain_len > sizeof plain) {
      st = BCASTDEC_ERR_ARG;
      goto out;
    }
    memcpy(plain, b->raw_plain, b->raw_plain_len);
    pn = b->raw_plain_len;
  } else if (b->n_key_data) {
    wr pw = {plain, 0, sizeof plain, 0};
    u8(&pw, 0);
    u8(&pw, (unsigned)(b->kd_type << 4 | (b->kv & 15)));
    be16(&pw, (unsigned)b->key_len);
    put(&pw, b->key, b->key_len);
    if (b->kd_type == BCASTDEC_KD_TGK_SALT || b->kd_type == BCASTDEC_KD_TEK_SALT) {
      be16(&pw, (unsigned)b->salt_len);
      put(&pw, b->salt, b->salt_len);
    }
    if (b->kv == BCASTDEC_KV_SPI) {
      u8(&pw, (unsigned)b->kv1_len);
      put(&pw, b->kv1, b->kv1_len);
    } else if (b->kv == BCASTDEC_KV_INTERVAL) {
      u8(&pw, (unsigned)b->kv1_len);
      put(&pw, b->kv1, b->kv1_len);
      u8(&pw, (unsigned)b->kv2_len);
      put(&pw, b->kv2, b->kv2_len);
    }
    if (pw.bad) {
      st = BCASTDEC_ERR_ARG;
      goto out;
    }
    pn = pw.n;
  }
  const uint8_t *dr = b->derive_rand != NULL ? b->derive_rand : b->rand;
  size_t drl = b->derive_rand != NULL ? b->derive_rand_len : (b->rand != NULL ? b->rand_len : 0);
  if (b->psk != NULL) {
    st = bcastdec__derive_transport(b->prf, b->psk, b->psk_len, b->csb_id, dr, drl, 1, &tk);
    if (st != BCASTDEC_OK) goto out;
  }
  if (b->encr_alg == BCASTDEC_ENCR_AES_CM_128 && pn) {
    uint8_t iv[16];
    uint64_t t64 = b->has_t ? (b->ts_type == BCASTDEC_TS_COUNTER || b->ts_type == BCASTDEC_TS_NTP_UTC_32
                                   ? (uint32_t)b->t
                                   : b->t)
                            : 0;
    bcastdec__kemac_iv(tk.salt, b->csb_id, t64, iv);
    st = bcastdec__aes_cm128(NULL, tk.encr, iv, plain, plain, pn);
    if (st != BCASTDEC_OK) goto out;
  }
  link(&w, prev, BCASTDEC_PT_KEMAC);
  u8(&w, 0);
  u8(&w, b->encr_alg);
  be16(&w, (unsigned)pn);
  put(&w, plain, pn);
  u8(&w, b->mac_alg);
  if (b->mac_alg == BCASTDEC_MAC_HMAC_SHA1_160) {
    uint8_t mac[20];
    if (w.bad) {
      st = BCASTDEC_ERR_ARG;
      goto out;
    }
    bcastdec__iov iov = {w.p, w.n};
    bcastdec__hmac_sha1(tk.auth, sizeof tk.auth, &iov, 1, mac);
    put(&w, mac, sizeof mac);
  }
  if (w.bad) st = BCASTDEC_ERR_ARG;
  *len = w.n;
out:
  bcastdec_memzero(plain, sizeof plain);
  bcastdec_memzero(&tk, sizeof tk);
  return st;
}
