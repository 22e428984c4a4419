/* SPDX-License-Identifier: MIT */
/*
 * Minimal test harness for bcastdec unit tests.  Each test file defines its
 * tests with TEST(name), lists them in a RUN_TESTS(...) main, and prints a
 * closing line "N passed, M failed" that ctest's output shows.
 */
#ifndef BCASTDEC_TEST_CHECK_H
#define BCASTDEC_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_; /* failures inside the running test */

#define TEST(name) static void name(void)

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      check_failures_++;                                                         \
    }                                                                            \
  } while (0)

#define CHECK_EQ(a, b)                                                           \
  do {                                                                           \
    long long ca_ = (long long)(a), cb_ = (long long)(b);                        \
    if (ca_ != cb_) {                                                            \
      fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__,      \
              __LINE__, #a, #b, ca_, cb_);                                       \
      check_failures_++;                                                         \
    }                                                                            \
  } while (0)

#define CHECK_STR(a, b)                                                          \
  do {                                                                           \
    const char *ca_ = (a), *cb_ = (b);                                           \
    if (ca_ == NULL || cb_ == NULL || strcmp(ca_, cb_) != 0) {                   \
      fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,  \
              __LINE__, #a, #b, ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");     \
      check_failures_++;                                                         \
    }                                                                            \
  } while (0)

/* Compares |len| bytes at |buf| with the hex string |hex|. */
#define CHECK_HEX(buf, len, hex)                                                 \
  do {                                                                           \
    if (!check_hex_eq_((const uint8_t *)(buf), (len), (hex))) {                  \
      fprintf(stderr, "  %s:%d: %s != %s\n", __FILE__, __LINE__, #buf, hex);     \
      check_failures_++;                                                         \
    }                                                                            \
  } while (0)

static inline int check_hexval_(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex (spaces allowed) into |out|; returns the byte count or -1. */
static inline long check_unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (; *hex; hex++) {
    if (*hex == ' ' || *hex == '\n') continue;
    int v = check_hexval_(*hex);
    if (v < 0) return -1;
    if (hi < 0) {
      hi = v;
    } else {
      if (n >= cap) return -1;
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return hi < 0 ? (long)n : -1;
}

static inline int check_hex_eq_(const uint8_t *buf, size_t len, const char *hex) {
  uint8_t tmp[4096];
  long n = check_unhex(hex, tmp, sizeof tmp);
  if (n < 0 || (size_t)n != len) {
    fprintf(stderr, "  length %zu, expected %ld\n", len, n);
    return 0;
  }
  if (memcmp(buf, tmp, len) != 0) {
    fprintf(stderr, "  got      ");
    for (size_t i = 0; i < len; i++) fprintf(stderr, "%02x", buf[i]);
    fprintf(stderr, "\n");
    return 0;
  }
  return 1;
}

typedef struct check_case_ {
  const char *name;
  void (*fn)(void);
} check_case_;

#define TCASE(fn) {#fn, fn}

static inline int check_run_(const char *suite, const check_case_ *cases, size_t n) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    check_failures_ = 0;
    cases[i].fn();
    if (check_failures_) {
      failed++;
      fprintf(stderr, "FAIL %s/%s\n", suite, cases[i].name);
    } else {
      passed++;
      printf("ok   %s/%s\n", suite, cases[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#define RUN_TESTS(suite, ...)                                                    \
  int main(void) {                                                               \
    static const check_case_ cases_[] = {__VA_ARGS__};                           \
    return check_run_(suite, cases_, sizeof cases_ / sizeof cases_[0]);          \
  }

#endif /* BCASTDEC_TEST_CHECK_H */
