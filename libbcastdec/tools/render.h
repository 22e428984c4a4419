/* SPDX-License-Identifier: MIT */
#ifndef BCASTDEC_TOOLS_RENDER_H
#define BCASTDEC_TOOLS_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include <bcastdec/bcastdec.h>

void render_text(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o);
void render_json(FILE *f, const bcastdec_mikey_msg *m, const char *source, size_t index,
                 const bcastdec_opts *o);

#endif
