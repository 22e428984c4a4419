/* SPDX-License-Identifier: MIT */
/* bcastdec-gen: scenario file reader (see gen_scenario.h). */
#include "gen_scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GS_MAX_FILE (1024u * 1024u)

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

static int split_line(gs_line *l, char *s, char *err, size_t errlen, const char *path) {
  /* keyword */
  while (is_blank(*s))
    s++;
  l->kw = s;
  while (*s && !is_blank(*s))
    s++;
  if (*s)
    *s++ = '\0';
  while (is_blank(*s))
    s++;
  if (strcmp(l->kw, "title") == 0 || strcmp(l->kw, "comment") == 0 ||
      strcmp(l->kw, "pending") == 0) {
    size_t len = strlen(s);
    while (len > 0 && is_blank(s[len - 1]))
      s[--len] = '\0';
    l->text = s;
    return 0;
  }
  while (*s) {
    if (*s == '#')
      break;
    if (l->n == GS_MAX_WORDS) {
      snprintf(err, errlen, "%s:%u: more than %d words", path, l->lineno, GS_MAX_WORDS);
      return -1;
    }
    gs_word *w = &l->w[l->n++];
    w->key = s;
    while (*s && !is_blank(*s)) {
      if (*s == '=' && w->val == NULL) {
        *s = '\0';
        w->val = s + 1;
      }
      s++;
    }
    if (*s)
      *s++ = '\0';
    while (is_blank(*s))
      s++;
    if (*w->key == '\0') {
      snprintf(err, errlen, "%s:%u: a word starts with '='", path, l->lineno);
      return -1;
    }
  }
  return 0;
}

int gs_read(gs_file *f, const char *path, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char *buf = malloc(GS_MAX_FILE + 1);
  size_t len = buf ? fread(buf, 1, GS_MAX_FILE + 1, fp) : 0;
  int rerr = ferror(fp);
  fclose(fp);
  if (buf == NULL || rerr || len > GS_MAX_FILE) {
    snprintf(err, errlen, "%s: %s", path,
             buf == NULL ? "out of memory"
             : rerr      ? "read error"
                         : "file too large");
    free(buf);
    return -1;
  }
  buf[len] = '\0';
  f->storage = buf;

  size_t cap = 16;
  f->lines = calloc(cap, sizeof *f->lines);
  if (f->lines == NULL)
    goto oom;
  unsigned lineno = 0;
  char *p = buf;
  while (*p) {
    char *eol = strchr(p, '\n');
    char *next = eol ? eol + 1 : p + strlen(p);
    if (eol)
      *eol = '\0';
    lineno++;
    size_t ll = strlen(p);
    if (ll > 0 && p[ll - 1] == '\r')
      p[--ll] = '\0';
    for (size_t i = 0; i < ll; i++)
      if ((unsigned char)p[i] < 0x20 && p[i] != '\t') {
        snprintf(err, errlen, "%s:%u: control character at column %zu", path, lineno, i + 1);
        gs_free(f);
        return -1;
      }
    char *q = p;
    while (is_blank(*q))
      q++;
    if (*q != '\0' && *q != '#') {
      if (f->n == cap) {
        gs_line *nl = realloc(f->lines, 2 * cap * sizeof *nl);
        if (nl == NULL)
          goto oom;
        memset(nl + cap, 0, cap * sizeof *nl);
        f->lines = nl;
        cap *= 2;
      }
      gs_line *l = &f->lines[f->n++];
      l->lineno = lineno;
      if (split_line(l, q, err, errlen, path) != 0) {
        gs_free(f);
        return -1;
      }
    }
    p = next;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", path);
  gs_free(f);
  return -1;
}

void gs_free(gs_file *f) {
  free(f->lines);
  free(f->storage);
  memset(f, 0, sizeof *f);
}

/* Words without '=' are positional unless gs_opt() took them as a flag
 * (used == 2); so callers look their flags up first. */
const char *gs_pos(gs_line *l, size_t i) {
  for (size_t k = 0; k < l->n; k++)
    if (l->w[k].val == NULL && l->w[k].used != 2 && i-- == 0) {
      l->w[k].used = 1;
      return l->w[k].key;
    }
  return NULL;
}

size_t gs_npos(const gs_line *l) {
  size_t n = 0;
  for (size_t k = 0; k < l->n; k++)
    if (l->w[k].val == NULL && l->w[k].used != 2)
      n++;
  return n;
}

const char *gs_opt(gs_line *l, const char *key) {
  for (size_t k = 0; k < l->n; k++)
    if (strcmp(l->w[k].key, key) == 0 && l->w[k].used != 1) {
      l->w[k].used = l->w[k].val ? 1 : 2;
      return l->w[k].val ? l->w[k].val : "";
    }
  return NULL;
}

const gs_word *gs_unused(const gs_line *l) {
  for (size_t k = 0; k < l->n; k++)
    if (!l->w[k].used)
      return &l->w[k];
  return NULL;
}
