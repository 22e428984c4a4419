/* SPDX-License-Identifier: MIT */
/* Unit tests of the HTTP/1.x message splitter (bcastdec/http.h). */
#include <bcastdec/http.h>

#include "check.h"

static bcastdec_http_msg *parse(const char *text, size_t len) {
  bcastdec_http_msg *m = NULL;
  bcastdec_status st = bcastdec_http_parse((const uint8_t *)text, len, &m);
  CHECK_EQ(st, BCASTDEC_OK);
  CHECK(m != NULL);
  return m;
}

static bcastdec_http_msg *parse_str(const char *text) { return parse(text, strlen(text)); }

static int span_is(const bcastdec_http_msg *m, bcastdec_span sp, const char *s) {
  return sp.len == strlen(s) && memcmp(m->wire + sp.off, s, sp.len) == 0 &&
         sp.src == BCASTDEC_SRC_WIRE;
}

static int has_finding(const bcastdec_http_msg *m, const char *id) {
  for (size_t i = 0; i < m->n_findings; i++)
    if (strcmp(m->findings[i].info->id, id) == 0) return 1;
  return 0;
}

static const char REQ[] =
    "POST /bsm/ltkm HTTP/1.1\r\n"
    "Host: bsm.operator.example\r\n"
    "content-type: application/mbms-msk+xml; charset=utf-8\r\n"
    "Authorization: Digest username=\"u@realm\", realm=\"r\"\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "<a>body</a>";

TEST(test_request_with_body) {
  bcastdec_http_msg *m = parse_str(REQ);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->is_request, 1);
  CHECK(span_is(m, m->method, "POST"));
  CHECK(span_is(m, m->target, "/bsm/ltkm"));
  CHECK(span_is(m, m->version, "HTTP/1.1"));
  CHECK(span_is(m, m->start_line, "POST /bsm/ltkm HTTP/1.1"));
  CHECK_EQ(m->n_headers, 4);
  const bcastdec_http_header *h = bcastdec_http_header_find(m, "CONTENT-TYPE", NULL);
  CHECK(h != NULL);
  if (h != NULL) CHECK(span_is(m, h->name, "content-type"));
  size_t n = 0;
  const char *mt = bcastdec_http_media_type(m, &n);
  CHECK(mt != NULL && n == strlen("application/mbms-msk+xml") &&
        memcmp(mt, "application/mbms-msk+xml", n) == 0);
  h = bcastdec_http_header_find(m, "authorization", NULL);
  CHECK(h != NULL);
  if (h != NULL) CHECK(span_is(m, h->value, "Digest username=\"u@realm\", realm=\"r\""));
  CHECK(bcastdec_http_header_find(m, "authorization", h) == NULL);
  CHECK_EQ(m->body.len, 11);
  CHECK(memcmp(m->body.p, "<a>body</a>", 11) == 0);
  CHECK(span_is(m, m->body.sp, "<a>body</a>"));
  CHECK_EQ(m->wire_len, sizeof REQ - 1);
  CHECK_EQ(m->n_findings, 0);
  CHECK_EQ(bcastdec_http_msg_max_severity(m), -1);
  bcastdec_http_msg_free(m);
}

/* Every proper prefix of a request with Content-Length is TRUNCATED, and
 * the parts before the cut are still decoded. */
TEST(test_request_truncated_at_every_offset) {
  size_t len = sizeof REQ - 1;
  for (size_t cut = 0; cut < len; cut++) {
    char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
    memcpy(copy, REQ, cut);
    bcastdec_http_msg *m = parse(copy, cut);
    if (m->status != BCASTDEC_ERR_TRUNCATED) {
      fprintf(stderr, "  cut at %zu: status %d\n", cut, m->status);
      check_failures_++;
    }
    CHECK(has_finding(m, "http.truncated"));
    CHECK(m->wire_len <= cut);
    if (cut >= 25) CHECK(span_is(m, m->method, "POST")); /* the whole start line */
    bcastdec_http_msg_free(m);
    free(copy);
  }
}

TEST(test_response_chunked) {
  static const char R[] = "HTTP/1.1 200 OK\r\n"
                          "Transfer-Encoding: chunked\r\n"
                          "\r\n"
                          "5;ext=1\r\nhello\r\n"
                          "7\r\n, world\r\n"
                          "0\r\n"
                          "X-Trailer: t\r\n"
                          "\r\n"
                          "HTTP/1.1 204 No Content\r\n\r\n";
  bcastdec_http_msg *m = parse(R, sizeof R - 1);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->is_request, 0);
  CHECK_EQ(m->status_code.v, 200);
  CHECK(span_is(m, m->status_code.sp, "200"));
  CHECK(span_is(m, m->reason, "OK"));
  CHECK_EQ(m->chunked, 1);
  CHECK_EQ(m->body.len, 12);
  CHECK(memcmp(m->body.p, "hello, world", 12) == 0);
  /* the next message follows */
  size_t used = (size_t)(m->wire - (const uint8_t *)R) + m->wire_len;
  CHECK(used < sizeof R - 1);
  bcastdec_http_msg *n = parse(R + used, sizeof R - 1 - used);
  CHECK_EQ(n->status, BCASTDEC_OK);
  CHECK_EQ(n->status_code.v, 204);
  CHECK_EQ(n->body.len, 0);
  CHECK_EQ((size_t)(n->wire - (const uint8_t *)R) + n->wire_len, sizeof R - 1);
  bcastdec_http_msg_free(n);
  bcastdec_http_msg_free(m);
}

TEST(test_chunked_truncated_and_broken) {
  static const char CUT[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc";
  bcastdec_http_msg *m = parse(CUT, sizeof CUT - 1);
  CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
  CHECK_EQ(m->body.len, 3);
  CHECK(memcmp(m->body.p, "abc", 3) == 0);
  bcastdec_http_msg_free(m);

  static const char LONG[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n";
  m = parse(LONG, sizeof LONG - 1);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  CHECK(has_finding(m, "http.malformed"));
  bcastdec_http_msg_free(m);

  static const char BADSZ[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  m = parse(BADSZ, sizeof BADSZ - 1);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  bcastdec_http_msg_free(m);

  static const char HUGE[] =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffff\r\nab\r\n";
  m = parse(HUGE, sizeof HUGE - 1);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  bcastdec_http_msg_free(m);
}

TEST(test_response_body_to_eof) {
  static const char R[] = "HTTP/1.0 200 OK\r\nContent-Type: application/mbms-msk-response+xml\r\n"
                          "\r\n<x/>";
  bcastdec_http_msg *m = parse(R, sizeof R - 1);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->body_to_eof, 1);
  CHECK_EQ(m->body.len, 4);
  bcastdec_http_msg_free(m);
  /* a request without a length has no body: the rest is the next message */
  static const char Q[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
  m = parse(Q, sizeof Q - 1);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->body.len, 0);
  CHECK_EQ(m->wire_len, strlen("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  bcastdec_http_msg_free(m);
}

TEST(test_lenient_forms) {
  /* leading empty lines, bare LF, folded header, odd spacing */
  static const char R[] = "\r\n\nHTTP/1.1 401 Unauthorized\n"
                          "WWW-Authenticate:   Digest realm=\"r\",\n"
                          "\t nonce=\"n\"  \n"
                          "Content-Length:0\n"
                          "\n";
  bcastdec_http_msg *m = parse(R, sizeof R - 1);
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->status_code.v, 401);
  CHECK(has_finding(m, "http.bare_lf"));
  CHECK(has_finding(m, "http.obs_fold"));
  CHECK_EQ(bcastdec_http_msg_max_severity(m), BCASTDEC_SEV_WARNING);
  const bcastdec_http_header *h = bcastdec_http_header_find(m, "www-authenticate", NULL);
  CHECK(h != NULL);
  if (h != NULL) {
    size_t n;
    const char *t = bcastdec_http_header_text(m, h, &n);
    CHECK(n == strlen("Digest realm=\"r\", nonce=\"n\"") &&
          memcmp(t, "Digest realm=\"r\", nonce=\"n\"", n) == 0);
    CHECK(h->value.len > 0 && m->wire[h->value.off] == 'D');
  }
  CHECK_EQ((size_t)(m->wire - (const uint8_t *)R) + m->wire_len, sizeof R - 1);
  bcastdec_http_msg_free(m);
}

static void expect_status(const char *text, bcastdec_status want, const char *id) {
  bcastdec_http_msg *m = parse_str(text);
  if (m->status != want || !has_finding(m, id)) {
    fprintf(stderr, "  input %.40s...: status %d, want %d (%s)\n", text, m->status, want, id);
    check_failures_++;
  }
  bcastdec_http_msg_free(m);
}

TEST(test_malformed) {
  expect_status("POST /x\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("POST  /x HTTP/1.1\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("POST /x FTP/1.1\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("HTTP/1.1 20 OK\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("HTTP/1.1 200OK\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("GET / HTTP/1.1\r\nNoColon\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("GET / HTTP/1.1\r\nName : v\r\n\r\n", BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("GET / HTTP/1.1\r\n folded-first\r\n\r\n", BCASTDEC_ERR_MALFORMED,
                "http.malformed");
  expect_status("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
                BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("POST / HTTP/1.1\r\nContent-Length: 2x\r\n\r\nab", BCASTDEC_ERR_MALFORMED,
                "http.malformed");
  expect_status("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                BCASTDEC_ERR_MALFORMED, "http.malformed");
  expect_status("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n",
                BCASTDEC_ERR_MALFORMED, "http.malformed");
  /* the same length repeated is fine */
  bcastdec_http_msg *m = parse_str("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc");
  CHECK_EQ(m->status, BCASTDEC_OK);
  CHECK_EQ(m->body.len, 3);
  bcastdec_http_msg_free(m);
}

TEST(test_unsupported) {
  expect_status("HTTP/2.0 200 OK\r\n\r\n", BCASTDEC_ERR_UNSUPPORTED, "http.unsupported");
  expect_status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", BCASTDEC_ERR_UNSUPPORTED, "http.unsupported");
  bcastdec_http_msg *m =
      parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\x1f\x8b");
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->body.len, 2); /* shown as it is */
  bcastdec_http_msg_free(m);
}

TEST(test_limits) {
  /* a line longer than the limit is malformed, not read forever */
  size_t n = 70000;
  char *big = malloc(n + 32);
  memcpy(big, "GET /", 5);
  memset(big + 5, 'a', n);
  memcpy(big + 5 + n, " HTTP/1.1\r\n\r\n", 13);
  bcastdec_http_msg *m = parse(big, n + 18);
  CHECK_EQ(m->status, BCASTDEC_ERR_MALFORMED);
  bcastdec_http_msg_free(m);
  free(big);
  /* too many header fields */
  size_t cap = 300 * 8 + 64, k = 0;
  char *many = malloc(cap);
  k += (size_t)sprintf(many + k, "GET / HTTP/1.1\r\n");
  for (int i = 0; i < 300; i++) k += (size_t)sprintf(many + k, "X%d: 1\r\n", i % 10);
  k += (size_t)sprintf(many + k, "\r\n");
  m = parse(many, k);
  CHECK_EQ(m->status, BCASTDEC_ERR_UNSUPPORTED);
  CHECK_EQ(m->n_headers, 256);
  CHECK_EQ(m->wire_len, k); /* the block is still read to its end */
  bcastdec_http_msg_free(m);
  free(many);
}

TEST(test_empty_and_args) {
  bcastdec_http_msg *m = parse("", 0);
  CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
  bcastdec_http_msg_free(m);
  m = parse_str("\r\n\r\n");
  CHECK_EQ(m->status, BCASTDEC_ERR_TRUNCATED);
  bcastdec_http_msg_free(m);
  CHECK_EQ(bcastdec_http_parse((const uint8_t *)"x", 1, NULL), BCASTDEC_ERR_ARG);
  bcastdec_http_msg *o = NULL;
  CHECK_EQ(bcastdec_http_parse(NULL, 5, &o), BCASTDEC_ERR_ARG);
  CHECK(o == NULL);
  bcastdec_http_msg_free(NULL);
}

RUN_TESTS("http", TCASE(test_request_with_body), TCASE(test_request_truncated_at_every_offset),
          TCASE(test_response_chunked), TCASE(test_chunked_truncated_and_broken),
          TCASE(test_response_body_to_eof), TCASE(test_lenient_forms), TCASE(test_malformed),
          TCASE(test_unsupported), TCASE(test_limits), TCASE(test_empty_and_args))
