/* SPDX-License-Identifier: MIT */
#ifndef BCASTDEC_TOOLS_RENDER_H
#define BCASTDEC_TOOLS_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include <bcastdec/bcastdec.h>

#include "json.h"

void render_text(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o);
void render_json(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o);

/* The same, as a member |key| (NULL inside an array) of an open JSON value,
 * and as a subtree indented by |depth| levels. */
void render_json_member(jw *w, const char *key, const bcastdec_mikey_msg *m, const char *source,
                        size_t index, const bcastdec_opts *o);
void render_text_nested(FILE *f, int depth, const bcastdec_mikey_msg *m, const char *source,
                        size_t index, const bcastdec_opts *o);

#endif
