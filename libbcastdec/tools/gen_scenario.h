/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-gen: scenario file reader.  The format is documented in
 * samples/README.md: one directive or step per line, a keyword followed by
 * blank-separated words; a word is either positional ("alice") or an option
 * ("kdid=b8709d", "inline").  '#' starts a comment where a word starts.
 * "title", "comment" and "pending" take the rest of the line as text.
 *
 * The reader only splits lines; the generator interprets them and marks
 * each word it used, so that a misspelt option is an error, not a silent
 * no-op (gs_unused()).
 */
#ifndef BCASTDEC_GEN_SCENARIO_H
#define BCASTDEC_GEN_SCENARIO_H

#include <stddef.h>

#define GS_MAX_WORDS 32

typedef struct gs_word {
  char *key; /* the word, or the part before '=' */
  char *val; /* the part after '=', or NULL */
  int used;
} gs_word;

typedef struct gs_line {
  unsigned lineno;
  char *kw;   /* keyword, lowercase as written */
  char *text; /* title/comment/pending: the rest of the line; else NULL */
  size_t n;
  gs_word w[GS_MAX_WORDS];
} gs_line;

typedef struct gs_file {
  gs_line *lines;
  size_t n;
  char *storage;
} gs_file;

/* Reads |path|.  Returns 0, or -1 with a message in |err| ("FILE:LINE: ..."). */
int gs_read(gs_file *f, const char *path, char *err, size_t errlen);
void gs_free(gs_file *f);

/* The i-th positional word (0-based), marked used; NULL when absent.
 * Look flags up with gs_opt() first: a flag is then no longer positional. */
const char *gs_pos(gs_line *l, size_t i);
/* Number of positional words. */
size_t gs_npos(const gs_line *l);
/* Value of option |key| (marked used); NULL when absent.  A flag without
 * '=' has the value "". */
const char *gs_opt(gs_line *l, const char *key);
/* The first word not used, or NULL. */
const gs_word *gs_unused(const gs_line *l);

#endif /* BCASTDEC_GEN_SCENARIO_H */
