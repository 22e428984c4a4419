/* SPDX-License-Identifier: MIT */
/*
 * Text codecs used by the CLI, the key file and the XML side: hexadecimal
 * and base64 (RFC 4648 section 4, whitespace ignored); and the small helpers
 * the result types share (growing arrays, value-name tables).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_internal.h"

uint64_t bcastdec__hash(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
  for (; n >= 8; n -= 8, p += 8) {
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  w = 0;
  if (n > 0) memcpy(&w, p, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
  return h ^ (h >> 29);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bcastdec_status bcastdec_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                                    size_t *out_len) {
  size_t n = 0;
  int hi = -1;
  if (out_len == NULL || (in == NULL && len != 0)) return BCASTDEC_ERR_ARG;
  *out_len = 0;
  if (len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) {
    in += 2;
    len -= 2;
  }
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') continue;
    int v = hexval((unsigned char)c);
    if (v < 0) return BCASTDEC_ERR_SYNTAX;
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n >= cap) return BCASTDEC_ERR_ARG;
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  if (hi >= 0) return BCASTDEC_ERR_SYNTAX; /* odd number of digits */
  *out_len = n;
  return BCASTDEC_OK;
}

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bcastdec_status bcastdec_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                                       size_t *out_len) {
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  size_t n = 0;
  if (out_len == NULL || (in == NULL && len != 0)) return BCASTDEC_ERR_ARG;
  *out_len = 0;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '=') {
      pad++;
      continue;
    }
    int v = b64val(c);
    if (v < 0 || pad) return BCASTDEC_ERR_SYNTAX; /* bad digit, or data after '=' */
    acc = (acc << 6 | (uint32_t)v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap) return BCASTDEC_ERR_ARG;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  /* leftover bits must be zero padding of a 2- or 3-character tail */
  if (bits >= 6 || pad > 2 || (acc & ((1u << bits) - 1)) != 0) return BCASTDEC_ERR_SYNTAX;
  *out_len = n;
  return BCASTDEC_OK;
}

int bcastdec__grow(void **arr, size_t *cap, size_t elem, size_t need) {
  if (need <= *cap) return 1;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) return 0;
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / elem) return 0;
  void *n = realloc(*arr, ncap * elem);
  if (n == NULL) return 0;
  *arr = n;
  *cap = ncap;
  return 1;
}

const char *bcastdec__lookup(const bcastdec__vs *t, size_t n, unsigned v) {
  for (size_t i = 0; i < n; i++)
    if (t[i].v == v) return t[i].name;
  return NULL;
}
