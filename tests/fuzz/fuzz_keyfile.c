/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the key-file parser (format: keys/README.md), from memory
 * through the public API:
 *
 *  1. bcastdec_keystore_load_text() of the whole input into a store that
 *     already holds one key.  On error: the diagnostic is a NUL-terminated
 *     "fuzz:LINE: ..." naming a line of the input, it quotes no run of more
 *     than 16 hex digits (every key is at least 32), and the store still
 *     holds exactly its one key.  On success: every key read back through
 *     the iteration and lookup functions is well-formed.
 *  2. bcastdec_keystore_add_line() of each line on its own (lines without a
 *     NUL byte).  When the whole input loaded, every line must load on its
 *     own too and yield the same number of keys (a file may not repeat an
 *     address, so nothing was replaced).
 *
 * Everything is freed; stores are wiped by bcastdec_keystore_free().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz"

static const uint8_t PRESET_KDID[3] = {0xfe, 0xdc, 0xba};

/* A store with one key that no input can replace without loading. */
static bcastdec_keystore *preset_store(void) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_key k;
  if (ks == NULL) return NULL;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SEK;
  k.key_len = 16;
  memcpy(k.kdid, PRESET_KDID, 3);
  k.sekpek_id = 0x01020304u;
  if (bcastdec_keystore_add(ks, &k) != BCASTDEC_OK) abort();
  return ks;
}

static int is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static void check_diag(const bcastdec_diag *d, size_t lines) {
  size_t n = 0, run = 0;
  const char *msg = d->msg;
  if (memchr(msg, '\0', sizeof d->msg) == NULL) abort();
  /* a syntax error names a line of the input */
  if (d->line == 0 || d->line > lines) abort();
  if (strncmp(msg, NAME ":", sizeof NAME) != 0) abort();
  for (; msg[n] != '\0'; n++) {
    run = is_hex((unsigned char)msg[n]) ? run + 1 : 0;
    if (run > 16) abort(); /* could be a piece of a key */
  }
  if (n == 0) abort();
}

static size_t role_min(unsigned role) { return role == 0 ? 0 : 16; }
static size_t role_max(unsigned role) {
  return role == BCASTDEC_ROLE_SMK || role == BCASTDEC_ROLE_SRK ? 64 : 32;
}

/* Walks every key and finds each one again by its address. */
static size_t check_store(const bcastdec_keystore *ks) {
  size_t n = 0, by_role = 0;
  for (const bcastdec_key *k = bcastdec_keystore_next(ks, 0, NULL); k != NULL;
       k = bcastdec_keystore_next(ks, 0, k)) {
    const bcastdec_key *again = NULL;
    if (k->role < BCASTDEC_ROLE_SMK || k->role > BCASTDEC_ROLE_TEK) abort();
    if (k->key_len < role_min(k->role) || k->key_len > role_max(k->role)) abort();
    if (k->salt_len > BCASTDEC_SALT_MAX) abort();
    if (k->salt_len > 0 && k->role != BCASTDEC_ROLE_TEK) abort();
    if (k->ltkm_rand != NULL || k->ltkm_rand_len != 0) abort();
    switch (k->role) {
    case BCASTDEC_ROLE_SMK:
    case BCASTDEC_ROLE_SRK: {
      size_t il;
      if (k->identity == NULL) abort();
      il = strlen(k->identity);
      if (il == 0 || il > 255) abort();
      again = bcastdec_keystore_find_subscriber(ks, k->role, k->identity, il);
      break;
    }
    case BCASTDEC_ROLE_SEK:
    case BCASTDEC_ROLE_PEK:
      if (k->identity != NULL) abort();
      again = bcastdec_keystore_find_sekpek(ks, k->kdid, k->sekpek_id);
      break;
    default:
      if (k->identity != NULL) abort();
      again = bcastdec_keystore_find_tek(ks, k->kdid, k->sekpek_id, k->tek_id);
      break;
    }
    if (again != k) abort();
    if (k->origin != BCASTDEC_ORIGIN_API &&
        (k->origin != BCASTDEC_ORIGIN_FILE && k->origin != BCASTDEC_ORIGIN_GBA))
      abort();
    n++;
  }
  for (unsigned r = BCASTDEC_ROLE_SMK; r <= BCASTDEC_ROLE_TEK; r++)
    by_role += bcastdec_keystore_count(ks, r);
  if (n != bcastdec_keystore_count(ks, 0) || n != by_role) abort();
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  bcastdec_keystore *ks, *ks2;
  bcastdec_diag d;
  bcastdec_status st;
  size_t lines = 1, whole = 0;
  char *buf;

  for (size_t i = 0; i < size; i++) lines += data[i] == '\n';

  /* 1. the whole input as one file */
  ks = preset_store();
  if (ks == NULL) return 0;
  memset(&d, 0x55, sizeof d); /* the loader must reset it */
  st = bcastdec_keystore_load_text(ks, text, size, NAME, &d);
  if (st == BCASTDEC_OK) {
    if (d.line != 0 || d.msg[0] != '\0') abort();
    whole = check_store(ks);
    if (whole == 0) abort(); /* the preset key at least */
  } else if (st == BCASTDEC_ERR_SYNTAX) {
    check_diag(&d, lines);
    if (check_store(ks) != 1) abort(); /* nothing of the input stays */
    if (bcastdec_keystore_find_sekpek(ks, PRESET_KDID, 0x01020304u) == NULL) abort();
  } else if (st != BCASTDEC_ERR_NOMEM) {
    abort();
  }
  /* without a diag, the same result */
  ks2 = bcastdec_keystore_new();
  if (ks2 != NULL) {
    bcastdec_status st2 = bcastdec_keystore_load_text(ks2, text, size, NAME, NULL);
    if (st2 != st && st2 != BCASTDEC_ERR_NOMEM && st != BCASTDEC_ERR_NOMEM) abort();
    bcastdec_keystore_free(ks2);
  }
  bcastdec_keystore_free(ks);

  /* 2. line by line, as a UAT table would give them */
  buf = malloc(size + 1);
  ks = preset_store();
  if (buf != NULL && ks != NULL) {
    size_t pos = 0, ln = 0;
    int all_ok = 1;
    if (size >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
      pos = 3; /* a UTF-8 BOM belongs to the file, not to its first line */
    while (pos < size || (pos == size && ln == 0)) {
      const uint8_t *nl = memchr(data + pos, '\n', size - pos);
      size_t end = nl != NULL ? (size_t)(nl - data) : size;
      ln++;
      memcpy(buf, data + pos, end - pos);
      buf[end - pos] = '\0';
      if (memchr(buf, '\0', end - pos) == NULL) {
        st = bcastdec_keystore_add_line(ks, buf, &d);
        if (st == BCASTDEC_ERR_SYNTAX) {
          if (d.line != 1 || memchr(d.msg, '\0', sizeof d.msg) == NULL) abort();
          all_ok = 0;
        } else if (st != BCASTDEC_OK) {
          all_ok = 0;
          if (st != BCASTDEC_ERR_NOMEM) abort();
        }
      } else {
        all_ok = 0;
      }
      if (nl == NULL) break;
      pos = end + 1;
    }
    if (whole != 0 && !all_ok) {
      /* the version line must come first in a file but is fine alone, and
       * a UTF-16 mark only fails a whole file: neither makes a line fail */
      abort();
    }
    if (whole != 0 && check_store(ks) != whole) abort();
    if (whole == 0) (void)check_store(ks);
  }
  bcastdec_keystore_free(ks);
  if (buf != NULL) {
    bcastdec_memzero(buf, size + 1);
    free(buf);
  }
  return 0;
}
