/* SPDX-License-Identifier: MIT */
/* Minimal streaming JSON writer for the bcastdec CLI (one object per line). */
#ifndef BCASTDEC_TOOLS_JSON_H
#define BCASTDEC_TOOLS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jw {
  FILE *f;
  int depth;
  int first[32]; /* 1 while the container at that depth has no member yet */
} jw;

void jw_init(jw *w, FILE *f);
void jw_obj(jw *w, const char *key); /* key NULL inside arrays / at top */
void jw_arr(jw *w, const char *key);
void jw_end_obj(jw *w);
void jw_end_arr(jw *w);
void jw_str(jw *w, const char *key, const char *v);
void jw_strn(jw *w, const char *key, const char *v, size_t n);
void jw_uint(jw *w, const char *key, uint64_t v);
void jw_bool(jw *w, const char *key, int v);
void jw_null(jw *w, const char *key);
void jw_hex(jw *w, const char *key, const uint8_t *p, size_t n);

#endif
