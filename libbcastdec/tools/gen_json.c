/* SPDX-License-Identifier: MIT */
/* bcastdec-gen: pretty JSON writer (see gen_json.h). */
#include "gen_json.h"

#include <string.h>

void gj_init(gj *j, gn_buf *b) {
  memset(j, 0, sizeof *j);
  j->b = b;
}

static void newline(gj *j) {
  gn_buf_puts(j->b, "\n");
  for (int i = 0; i < j->depth; i++)
    gn_buf_puts(j->b, "  ");
}

static void string(gj *j, const char *s) {
  static const char hex[] = "0123456789abcdef";
  gn_buf_puts(j->b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      char e[2] = {'\\', (char)*p};
      gn_buf_put(j->b, e, 2);
    } else if (*p < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
      gn_buf_put(j->b, e, 6);
    } else {
      gn_buf_put(j->b, p, 1);
    }
  }
  gn_buf_puts(j->b, "\"");
}

/* Separator, indentation and key before a member. */
static void member(gj *j, const char *key) {
  if (j->depth > 0) {
    if (j->n[j->depth]++ > 0)
      gn_buf_puts(j->b, ",");
    if (j->inline_[j->depth]) {
      if (j->n[j->depth] > 1)
        gn_buf_puts(j->b, " ");
    } else {
      newline(j);
    }
  }
  if (key != NULL) {
    string(j, key);
    gn_buf_puts(j->b, ": ");
  }
}

static void open_(gj *j, const char *key, int one_line, const char *bracket) {
  member(j, key);
  gn_buf_puts(j->b, bracket);
  if (j->depth + 1 < GJ_MAX_DEPTH) {
    j->depth++;
    j->n[j->depth] = 0;
    j->inline_[j->depth] = one_line || j->inline_[j->depth - 1];
    j->close[j->depth] = bracket[0] == '{' ? '}' : ']';
  }
}

void gj_obj(gj *j, const char *key, int one_line) {
  open_(j, key, one_line, "{");
}
void gj_arr(gj *j, const char *key, int one_line) {
  open_(j, key, one_line, "[");
}

void gj_end(gj *j) {
  if (j->depth == 0)
    return;
  int had = j->n[j->depth] > 0, inl = j->inline_[j->depth];
  char close = j->close[j->depth];
  j->depth--;
  if (had && !inl)
    newline(j);
  gn_buf_put(j->b, &close, 1);
  if (j->depth == 0)
    gn_buf_puts(j->b, "\n");
}

void gj_str(gj *j, const char *key, const char *v) {
  member(j, key);
  string(j, v);
}

void gj_uint(gj *j, const char *key, uint64_t v) {
  member(j, key);
  gn_buf_printf(j->b, "%llu", (unsigned long long)v);
}

void gj_bool(gj *j, const char *key, int v) {
  member(j, key);
  gn_buf_puts(j->b, v ? "true" : "false");
}

void gj_null(gj *j, const char *key) {
  member(j, key);
  gn_buf_puts(j->b, "null");
}

void gj_hex(gj *j, const char *key, const uint8_t *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  member(j, key);
  gn_buf_puts(j->b, "\"");
  for (size_t i = 0; i < n; i++) {
    char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
    gn_buf_put(j->b, h, 2);
  }
  gn_buf_puts(j->b, "\"");
}
