/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz targets (header-only: each target is one
 * translation unit plus the replay driver). */
#ifndef BCASTDEC_FUZZ_COMMON_H
#define BCASTDEC_FUZZ_COMMON_H

#include <stdlib.h>

#include <bcastdec/bcastdec.h>

/* A key store loaded once from |keys| (a key file text); aborts when the
 * text does not load, so a broken fixture cannot hide behind "no key". */
static inline bcastdec_keystore *fuzz_keystore(const char *keys, size_t len) {
  static bcastdec_keystore *ks;
  if (ks == NULL) {
    ks = bcastdec_keystore_new();
    if (ks == NULL || bcastdec_keystore_load_text(ks, keys, len, "fuzz", NULL) != BCASTDEC_OK)
      abort();
  }
  return ks;
}

#endif
