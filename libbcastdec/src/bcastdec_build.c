/* SPDX-License-Identifier: MIT */
/*
 * The flat test builder of key messages: maps a bcastdec__build onto the
 * encoder's bcastdec__kmsg (lax mode) so there is one writer of MIKEY key
 * messages, in bcastdec_encode.c.
 */
#include "bcastdec_build.h"

#include <string.h>

bcastdec_status bcastdec__build_key_msg(const bcastdec__build *b, uint8_t *out, size_t cap,
                                        size_t *len) {
  bcastdec_enc_hdr hdr;
  bcastdec_enc_keyid keyid;
  bcastdec_enc_t t;
  bcastdec_enc_id idi, idr;
  bcastdec_enc_bcast bcast;
  bcastdec_enc_key_data kd;
  bcastdec_enc_kemac kemac;
  bcastdec__kmsg k;

  memset(&hdr, 0, sizeof hdr);
  hdr.v_flag = b->v_flag;
  hdr.prf = b->prf;
  hdr.csb_id = b->csb_id;
  hdr.map_type = BCASTDEC_MAP_EMPTY;

  memset(&keyid, 0, sizeof keyid);
  keyid.present = b->has_keyid != 0;
  keyid.ext_type = b->keyid_ext_type ? b->keyid_ext_type : 3;
  keyid.has_kdid = keyid.has_sekpek_id = 1;
  memcpy(keyid.kdid, b->kdid, 3);
  keyid.sekpek_id = b->sekpek_id;
  keyid.has_tek_id = b->has_tek_id != 0;
  keyid.tek_id = b->tek_id;

  memset(&t, 0, sizeof t);
  t.present = b->has_t != 0;
  t.ts_type = b->ts_type;
  t.value = b->t;

  memset(&idi, 0, sizeof idi);
  memset(&idr, 0, sizeof idr);
  if (b->idi != NULL) {
    idi.id = (const uint8_t *)b->idi;
    idi.len = strlen(b->idi);
    idi.type = BCASTDEC_IDT_URI;
  }
  if (b->idr != NULL) {
    idr.id = (const uint8_t *)b->idr;
    idr.len = strlen(b->idr);
    idr.type = BCASTDEC_IDT_NAI;
  }

  memset(&bcast, 0, sizeof bcast);
  bcast.present = b->bcast_subtype != 0;
  bcast.ext_type = b->bcast_ext_type ? b->bcast_ext_type : 5;
  bcast.subtype = b->bcast_subtype;

  memset(&kd, 0, sizeof kd);
  kd.type = b->kd_type;
  kd.kv = b->kv;
  kd.key = b->key;
  kd.key_len = b->key_len;
  if (b->kd_type == BCASTDEC_KD_TGK_SALT || b->kd_type == BCASTDEC_KD_TEK_SALT) {
    kd.salt = b->salt;
    kd.salt_len = b->salt_len;
  }
  if (b->kv == BCASTDEC_KV_SPI) {
    kd.spi = b->kv1;
    kd.spi_len = b->kv1_len;
  } else if (b->kv == BCASTDEC_KV_INTERVAL) {
    kd.vf = b->kv1;
    kd.vf_len = b->kv1_len;
    kd.vt = b->kv2;
    kd.vt_len = b->kv2_len;
  }

  memset(&kemac, 0, sizeof kemac);
  kemac.encr_alg = b->encr_alg;
  kemac.mac_alg = b->mac_alg;
  kemac.key_data = &kd;
  kemac.n_key_data = b->n_key_data ? 1 : 0;

  memset(&k, 0, sizeof k);
  k.data_type = b->data_type;
  k.hdr = &hdr;
  k.keyid = &keyid;
  k.t = &t;
  k.rand = b->rand;
  k.rand_len = b->rand != NULL ? b->rand_len : 0;
  k.idi = &idi;
  k.idr = &idr;
  k.bcast = &bcast;
  k.kemac = &kemac;
  k.kdf_rand_set = b->derive_rand != NULL;
  k.kdf_rand = b->derive_rand;
  k.kdf_rand_len = b->derive_rand != NULL ? b->derive_rand_len : 0;
  k.psk = b->psk;
  k.psk_len = b->psk != NULL ? b->psk_len : 0;
  k.lax = 1;
  k.bcast_byte = &b->bcast_byte;
  k.bcast_tail_set = 1;
  k.bcast_tail = b->bcast_tlvs;
  k.bcast_tail_len = b->bcast_tlvs != NULL ? b->bcast_tlvs_len : 0;
  k.raw_plain_set = b->raw_plain != NULL;
  k.raw_plain = b->raw_plain;
  k.raw_plain_len = b->raw_plain != NULL ? b->raw_plain_len : 0;

  return bcastdec__encode_kmsg(&k, out, cap, len);
}
