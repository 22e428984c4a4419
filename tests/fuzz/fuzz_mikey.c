/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the MIKEY entry points: bcastdec_mikey_decode() and
 * bcastdec_session_process() with a fixed key store, so that the MAC,
 * decryption and key-data paths are reached too.  The walker checks that
 * every span lies inside its buffer: a wrong span is a crash here, not a
 * mis-highlight in Wireshark.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keys of the seeds: the mbms-mikey.md section 11 PSK as wildcard SMK and
 * as the SEK of the example service. */
static const char KEYS[] =
    "SMK * 000102030405060708090a0b0c0d0e0f\n"
    "SMK oKGio6SlpqeoqaqrrK2urw==@bsf.example 000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f\n"
    "SEK b8709d 68c90000 000102030405060708090a0b0c0d0e0f\n";

static bcastdec_keystore *keystore(void) { return fuzz_keystore(KEYS, sizeof KEYS - 1); }

static void span(const bcastdec_mikey_msg *m, bcastdec_span s) {
  uint64_t end = (uint64_t)s.off + s.len;
  if (s.src == BCASTDEC_SRC_WIRE && end > m->wire_len) abort();
  if (s.src == BCASTDEC_SRC_PLAIN && end > m->plain_len) abort();
  if (s.src > BCASTDEC_SRC_PLAIN) abort();
}

static void bytes(const bcastdec_mikey_msg *m, const bcastdec_bytes *b) {
  span(m, b->sp);
  if (b->len != b->sp.len) abort();
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < b->len; i++) sink ^= b->p[i]; /* touch: ASan checks */
  (void)sink;
}

static void walk(const bcastdec_mikey_msg *m) {
  span(m, m->hdr.sp);
  span(m, m->err_sp);
  span(m, m->rest);
  bytes(m, &m->hdr.map_info);
  for (size_t i = 0; i < m->hdr.n_generic; i++) {
    bytes(m, &m->hdr.generic[i].policies);
    bytes(m, &m->hdr.generic[i].session_data);
    bytes(m, &m->hdr.generic[i].spi);
  }
  for (size_t i = 0; i < m->n_payloads; i++) {
    const bcastdec_payload *p = &m->payloads[i];
    span(m, p->sp);
    if (bcastdec_payload_name(p->type) == NULL) abort();
    switch (p->type) {
    case BCASTDEC_PT_T: bytes(m, &p->u.t.raw); break;
    case BCASTDEC_PT_RAND: bytes(m, &p->u.rand.rand); break;
    case BCASTDEC_PT_ID:
    case BCASTDEC_PT_IDR: bytes(m, &p->u.id.id); break;
    case BCASTDEC_PT_KEMAC:
      bytes(m, &p->u.kemac.encr_data);
      bytes(m, &p->u.kemac.mac);
      break;
    case BCASTDEC_PT_V: bytes(m, &p->u.v.mac); break;
    case BCASTDEC_PT_SP:
      for (size_t k = 0; k < p->u.sp.n_param; k++) bytes(m, &p->u.sp.param[k].value);
      break;
    case BCASTDEC_PT_GEN_EXT:
      bytes(m, &p->u.ext.data);
      bytes(m, &p->u.ext.rest);
      for (size_t k = 0; k < p->u.ext.n_keyid; k++) bytes(m, &p->u.ext.keyid[k].value);
      for (size_t k = 0; k < p->u.ext.n_tlv; k++) bytes(m, &p->u.ext.tlv[k].value);
      break;
    default: break;
    }
  }
  for (size_t i = 0; i < m->n_key_data; i++) {
    const bcastdec_key_data *kd = &m->key_data[i];
    span(m, kd->sp);
    bytes(m, &kd->key);
    bytes(m, &kd->salt);
    bytes(m, &kd->spi);
    bytes(m, &kd->vf);
    bytes(m, &kd->vt);
  }
  for (size_t i = 0; i < m->n_keys; i++) {
    bytes(m, &m->keys[i].key);
    bytes(m, &m->keys[i].salt);
    if (m->keys[i].key_data_index >= m->n_key_data) abort();
  }
  for (size_t i = 0; i < m->n_findings; i++) {
    span(m, m->findings[i].sp);
    if (m->findings[i].info == NULL || memchr(m->findings[i].text, 0, BCASTDEC_FINDING_TEXT_MAX) == NULL)
      abort();
  }
  if (m->outcome > BCASTDEC_OUT_MALFORMED || m->mac > BCASTDEC_MAC_NO_KEY) abort();
  if (m->n_tried > BCASTDEC_TRIED_MAX) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bcastdec_mikey_msg *m = NULL;
  if (bcastdec_mikey_decode(&m, data, size, NULL) == BCASTDEC_OK) {
    walk(m);
    bcastdec_mikey_msg_free(m);
  }
  /* A session sees the input twice (learning, replay) and once more
   * without learning; a split point from the first byte lets one input
   * carry an LTKM followed by an STKM. */
  bcastdec_session *s = bcastdec_session_new(keystore(), NULL);
  if (s == NULL) return 0;
  size_t cut = size > 1 ? 1 + data[0] % (size - 1) : size;
  const uint8_t *parts[4] = {data, data, data + (size > 1 ? 1 : 0), data + (size > 1 ? 1 : 0)};
  size_t lens[4] = {size, size, size > 1 ? cut - 1 : 0, size > 1 ? size - cut : 0};
  if (size > 1) parts[3] = data + cut;
  for (int i = 0; i < 4; i++) {
    bcastdec_msg_ctx ctx = {(uint32_t)i, i == 1 ? "oKGio6SlpqeoqaqrrK2urw==@bsf.example" : NULL,
                            (uint8_t)(i == 1)};
    m = NULL;
    if (bcastdec_session_process(s, parts[i], lens[i], &ctx, &m) == BCASTDEC_OK) {
      walk(m);
      bcastdec_mikey_msg_free(m);
    }
  }
  bcastdec_session_free(s);
  return 0;
}
