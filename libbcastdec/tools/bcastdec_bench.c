/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-bench - throughput of libbcastdec on one thread.
 *
 *   parse-only LTKM / STKM          bcastdec_mikey_decode()
 *   full LTKM                       session: SMK by IDr, MAC, AES-CM, key
 *                                   data, learning, replay check
 *   full STKM                       session: SEK by Key ID, MAC, AES-CM
 *   key file load                   1,000,000 keys (--keys N)
 *
 * Usage: bcastdec-bench [--seconds S] [--keys N] [--messages N] [--only TEXT]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_build.h"
#include "bcastdec_crypto.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct msgs {
  uint8_t *buf;
  size_t *off, *len;
  size_t n;
} msgs;

/* deterministic filler (xorshift) so runs are comparable */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static void fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    p[i] = (uint8_t)rng;
  }
}

static const char *BTID = "oKGio6SlpqeoqaqrrK2urw==@bsf.mnc001.mcc001.pub.3gppnetwork.org";
static uint8_t smk[32], sek[16];

static int build(msgs *ms, size_t n, int stkm) {
  ms->buf = malloc(n * 256);
  ms->off = malloc(n * sizeof *ms->off);
  ms->len = malloc(n * sizeof *ms->len);
  ms->n = n;
  if (ms->buf == NULL || ms->off == NULL || ms->len == NULL) return 0;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t rand[16], key[16], salt[14], spi[6];
    bcastdec__build b;
    memset(&b, 0, sizeof b);
    fill(rand, sizeof rand);
    fill(key, sizeof key);
    fill(salt, sizeof salt);
    b.csb_id = (uint32_t)i;
    b.has_keyid = 1;
    b.kdid[0] = 0xb8, b.kdid[1] = 0x70, b.kdid[2] = 0x9d;
    b.has_t = 1;
    b.ts_type = BCASTDEC_TS_COUNTER;
    b.t = i + 1;
    b.encr_alg = BCASTDEC_ENCR_AES_CM_128;
    b.mac_alg = BCASTDEC_MAC_HMAC_SHA1_160;
    b.n_key_data = 1;
    b.key = key;
    b.key_len = 16;
    if (!stkm) { /* LTKM: one SEK per message, distinct SEK/PEK IDs */
      b.sekpek_id = 0x68c90000u + (uint32_t)i;
      b.rand = rand;
      b.rand_len = 16;
      b.idi = "bsm.example.com";
      b.idr = BTID;
      b.bcast_subtype = BCASTDEC_BCAST_LTKM;
      b.kd_type = BCASTDEC_KD_TGK;
      b.kv = BCASTDEC_KV_SPI;
      spi[0] = (uint8_t)(b.sekpek_id >> 24), spi[1] = (uint8_t)(b.sekpek_id >> 16);
      spi[2] = (uint8_t)(b.sekpek_id >> 8), spi[3] = (uint8_t)b.sekpek_id;
      b.kv1 = spi;
      b.kv1_len = 4;
      b.psk = smk;
      b.psk_len = sizeof smk;
    } else { /* STKM under one SEK, TEK IDs rising */
      b.sekpek_id = 0x68c90000u;
      b.has_tek_id = 1;
      b.tek_id = (uint16_t)(i + 1);
      b.bcast_subtype = BCASTDEC_BCAST_STKM;
      b.bcast_byte = 0x04;
      b.kd_type = BCASTDEC_KD_TEK_SALT;
      b.salt = salt;
      b.salt_len = 14;
      b.kv = BCASTDEC_KV_SPI;
      spi[0] = 0x68, spi[1] = 0xc9, spi[2] = 0, spi[3] = 0;
      spi[4] = (uint8_t)(b.tek_id >> 8), spi[5] = (uint8_t)b.tek_id;
      b.kv1 = spi;
      b.kv1_len = 6;
      b.psk = sek;
      b.psk_len = sizeof sek;
    }
    size_t len = 0;
    if (bcastdec__build_key_msg(&b, ms->buf + pos, 256, &len) != BCASTDEC_OK) return 0;
    ms->off[i] = pos;
    ms->len[i] = len;
    pos += len;
  }
  return 1;
}

static void bench_parse(const char *name, const msgs *ms, double secs) {
  size_t done = 0, bad = 0;
  double t0 = now(), t;
  do {
    for (size_t i = 0; i < ms->n; i++) {
      bcastdec_mikey_msg *m = NULL;
      if (bcastdec_mikey_decode(&m, ms->buf + ms->off[i], ms->len[i], NULL) != BCASTDEC_OK ||
          m->status != BCASTDEC_OK)
        bad++;
      bcastdec_mikey_msg_free(m);
    }
    done += ms->n;
    t = now() - t0;
  } while (t < secs);
  printf("%-34s %12.0f msg/s  (%zu messages, %.2f s%s)\n", name, (double)done / t, done, t,
         bad ? ", ERRORS" : "");
}

static int bench_full(const char *name, const msgs *ms, const bcastdec_keystore *ks,
                      double secs, int want_keys) {
  size_t done = 0, bad = 0;
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  if (s == NULL) return 0;
  double t0 = now(), t;
  do {
    bcastdec_session_reset(s); /* a new "capture": counters and learned keys */
    for (size_t i = 0; i < ms->n; i++) {
      bcastdec_mikey_msg *m = NULL;
      bcastdec_msg_ctx ctx = {(uint32_t)i, NULL, 0};
      if (bcastdec_session_process(s, ms->buf + ms->off[i], ms->len[i], &ctx, &m) !=
              BCASTDEC_OK ||
          m->outcome != BCASTDEC_OUT_DECRYPTED || m->n_keys != (size_t)want_keys ||
          bcastdec_mikey_msg_max_severity(m) >= BCASTDEC_SEV_WARNING)
        bad++;
      bcastdec_mikey_msg_free(m);
    }
    done += ms->n;
    t = now() - t0;
  } while (t < secs);
  bcastdec_session_free(s);
  printf("%-34s %12.0f msg/s  (%zu messages, %.2f s%s)\n", name, (double)done / t, done, t,
         bad ? ", ERRORS" : "");
  return bad == 0;
}

static int bench_keyfile(size_t nkeys) {
  char path[] = "/tmp/bcastdec-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  FILE *f = fdopen(fd, "w");
  if (f == NULL) return 0;
  fprintf(f, "# bcastdec-bench: %zu generated keys\n", nkeys);
  for (size_t i = 0; i < nkeys; i++) {
    uint8_t k[16];
    fill(k, sizeof k);
    char hx[33];
    for (int j = 0; j < 16; j++) sprintf(hx + 2 * j, "%02x", k[j]);
    if (i % 2 == 0)
      fprintf(f, "SEK %06x %08zx %s\n", (unsigned)(i & 0xffffff), i, hx);
    else
      fprintf(f, "TEK %06x %08zx %04x %s 000102030405060708090a0b0c0d\n",
              (unsigned)(i & 0xffffff), i, (unsigned)(i & 0xffff), hx);
  }
  fclose(f);
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  double t0 = now();
  bcastdec_status st = bcastdec_keystore_load_file(ks, path, &d);
  double t = now() - t0;
  size_t n = bcastdec_keystore_count(ks, 0);
  t0 = now();
  bcastdec_keystore_free(ks);
  double tf = now() - t0;
  unlink(path);
  if (st != BCASTDEC_OK) {
    printf("key file load: failed: %s\n", d.msg);
    return 0;
  }
  printf("%-34s %12.3f s      (%zu keys; %.0f keys/s; free+wipe %.3f s)\n", "key file load", t, n,
         (double)n / t, tf);
  return n == nkeys;
}

int main(int argc, char **argv) {
  double secs = 2.0;
  size_t nkeys = 1000000, nmsg = 10000;
  const char *only = NULL; /* run only the benchmarks whose name contains this */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) secs = atof(argv[++i]);
    else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc) nkeys = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc) nmsg = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else {
      fprintf(stderr, "usage: bcastdec-bench [--seconds S] [--keys N] [--messages N] [--only TEXT]\n");
      return 2;
    }
  }
  if (nmsg == 0 || nmsg > 1000000) nmsg = 10000;
  fill(smk, sizeof smk);
  fill(sek, sizeof sek);
  msgs lt, st;
  if (!build(&lt, nmsg, 0) || !build(&st, nmsg, 1)) {
    fprintf(stderr, "bcastdec-bench: cannot build messages\n");
    return 2;
  }
  printf("bcastdec-bench %s: one thread, %zu distinct messages per kind, LTKM %zu bytes, "
         "STKM %zu bytes, AES %s\n",
         BCASTDEC_VERSION_STRING, nmsg, lt.len[0], st.len[0], bcastdec__aes_impl(-1));

  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_key k;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SMK;
  k.identity = BTID;
  k.key_len = sizeof smk;
  memcpy(k.key, smk, sizeof smk);
  int ok = ks != NULL && bcastdec_keystore_add(ks, &k) == BCASTDEC_OK;
  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SEK;
  k.kdid[0] = 0xb8, k.kdid[1] = 0x70, k.kdid[2] = 0x9d;
  k.sekpek_id = 0x68c90000u;
  k.key_len = sizeof sek;
  memcpy(k.key, sek, sizeof sek);
  ok = ok && bcastdec_keystore_add(ks, &k) == BCASTDEC_OK;
  bcastdec_memzero(&k, sizeof k);
  if (!ok) return 2;

#define WANT(name) (only == NULL || strstr(name, only) != NULL)
  if (WANT("parse-only LTKM")) bench_parse("parse-only LTKM", &lt, secs);
  if (WANT("parse-only STKM")) bench_parse("parse-only STKM", &st, secs);
  if (WANT("full LTKM")) ok = bench_full("full LTKM (verify+decrypt+learn)", &lt, ks, secs, 1) && ok;
  if (WANT("full STKM")) ok = bench_full("full STKM (verify+decrypt+learn)", &st, ks, secs, 1) && ok;
  if (nkeys && WANT("key file load")) ok = bench_keyfile(nkeys) && ok;
  bcastdec_keystore_free(ks);
  free(lt.buf), free(lt.off), free(lt.len);
  free(st.buf), free(st.off), free(st.len);
  return ok ? 0 : 1;
}
