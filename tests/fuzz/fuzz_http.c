/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the HTTP/1.x splitter: splits the input into as many
 * messages as it holds and checks that every span lies inside its message
 * and that the splitter always makes progress.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/http.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void span(const bcastdec_http_msg *m, bcastdec_span s) {
  if ((uint64_t)s.off + s.len > m->wire_len + 0u && s.len != 0) abort();
  if (s.src != BCASTDEC_SRC_WIRE && s.len != 0) abort();
}

static void touch(const void *p, size_t n) {
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < n; i++) sink ^= ((const uint8_t *)p)[i];
  (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *p = data, *end = data + size;
  for (int guard = 0; guard < 64; guard++) {
    bcastdec_http_msg *m = NULL;
    if (bcastdec_http_parse(p, (size_t)(end - p), &m) != BCASTDEC_OK) return 0; /* NOMEM */
    if (m->wire < p || m->wire + m->wire_len > end) abort();
    span(m, m->start_line);
    span(m, m->method);
    span(m, m->target);
    span(m, m->version);
    span(m, m->reason);
    span(m, m->status_code.sp);
    span(m, m->header_block);
    span(m, m->err_sp);
    for (size_t i = 0; i < m->n_headers; i++) {
      span(m, m->headers[i].name);
      span(m, m->headers[i].value);
      size_t n;
      const char *t = bcastdec_http_header_text(m, &m->headers[i], &n);
      touch(t, n);
    }
    span(m, m->body.sp);
    touch(m->body.p, m->body.len);
    if (!m->chunked && m->body.len != m->body.sp.len) abort();
    size_t n;
    const char *mt = bcastdec_http_media_type(m, &n);
    if (mt != NULL) touch(mt, n);
    for (size_t i = 0; i < m->n_findings; i++)
      if (m->findings[i].info == NULL || strlen(m->findings[i].text) == 0) abort();
    const uint8_t *next = m->wire + m->wire_len;
    int stop = m->status != BCASTDEC_OK || next == p;
    bcastdec_http_msg_free(m);
    if (stop || next >= end) break;
    p = next;
  }
  return 0;
}
