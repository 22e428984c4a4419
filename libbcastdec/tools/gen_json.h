/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-gen: a small pretty-printing JSON writer into a gn_buf (two
 * spaces per level; arrays of scalars on one line), so expected.json files
 * diff well in review.
 */
#ifndef BCASTDEC_GEN_JSON_H
#define BCASTDEC_GEN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "gen_net.h"

#define GJ_MAX_DEPTH 16

typedef struct gj {
  gn_buf *b;
  int depth;
  int n[GJ_MAX_DEPTH];       /* members written in the container at each depth */
  int inline_[GJ_MAX_DEPTH]; /* 1: container written on one line */
  char close[GJ_MAX_DEPTH];  /* the bracket that closes it */
} gj;

void gj_init(gj *j, gn_buf *b);
/* |key| NULL inside arrays and for the top-level value.  |one_line| 1 keeps
 * the container on one line (short arrays/objects of scalars). */
void gj_obj(gj *j, const char *key, int one_line);
void gj_arr(gj *j, const char *key, int one_line);
void gj_end(gj *j);
void gj_str(gj *j, const char *key, const char *v);
void gj_uint(gj *j, const char *key, uint64_t v);
void gj_bool(gj *j, const char *key, int v);
void gj_null(gj *j, const char *key);
void gj_hex(gj *j, const char *key, const uint8_t *p, size_t n);

#endif /* BCASTDEC_GEN_JSON_H */
