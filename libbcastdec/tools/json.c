/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <inttypes.h>

void jw_init(jw *w, FILE *f) {
  w->f = f;
  w->depth = 0;
  w->first[0] = 1;
}

static void sep(jw *w, const char *key) {
  if (w->depth > 0) {
    if (!w->first[w->depth]) fputc(',', w->f);
    w->first[w->depth] = 0;
  }
  if (key != NULL) {
    fputc('"', w->f);
    fputs(key, w->f); /* keys are program constants, no escaping needed */
    fputs("\":", w->f);
  }
}

static void open_(jw *w, const char *key, char c) {
  sep(w, key);
  fputc(c, w->f);
  if (w->depth < 31) w->depth++;
  w->first[w->depth] = 1;
}

void jw_obj(jw *w, const char *key) { open_(w, key, '{'); }
void jw_arr(jw *w, const char *key) { open_(w, key, '['); }

void jw_end_obj(jw *w) {
  fputc('}', w->f);
  if (w->depth > 0) w->depth--;
  if (w->depth == 0) fputc('\n', w->f);
}

void jw_end_arr(jw *w) {
  fputc(']', w->f);
  if (w->depth > 0) w->depth--;
}

void jw_strn(jw *w, const char *key, const char *v, size_t n) {
  sep(w, key);
  fputc('"', w->f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c == '"' || c == '\\') {
      fputc('\\', w->f);
      fputc(c, w->f);
    } else if (c < 0x20 || c >= 0x7f) {
      /* non-ASCII bytes of identities are shown as escapes, never raw */
      fprintf(w->f, "\\u%04x", c);
    } else {
      fputc(c, w->f);
    }
  }
  fputc('"', w->f);
}

void jw_str(jw *w, const char *key, const char *v) {
  if (v == NULL) {
    jw_null(w, key);
    return;
  }
  size_t n = 0;
  while (v[n]) n++;
  jw_strn(w, key, v, n);
}

void jw_uint(jw *w, const char *key, uint64_t v) {
  sep(w, key);
  fprintf(w->f, "%" PRIu64, v);
}

void jw_bool(jw *w, const char *key, int v) {
  sep(w, key);
  fputs(v ? "true" : "false", w->f);
}

void jw_null(jw *w, const char *key) {
  sep(w, key);
  fputs("null", w->f);
}

void jw_hex(jw *w, const char *key, const uint8_t *p, size_t n) {
  static const char hx[] = "0123456789abcdef";
  sep(w, key);
  fputc('"', w->f);
  for (size_t i = 0; i < n; i++) {
    fputc(hx[p[i] >> 4], w->f);
    fputc(hx[p[i] & 15], w->f);
  }
  fputc('"', w->f);
}
