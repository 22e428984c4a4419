/* SPDX-License-Identifier: MIT
 *
 * srtp_record.c - protects a few RTP packets with libsrtp2 (Debian
 * libsrtp2-dev), AES-CM-128 + HMAC-SHA1-80, one master key per STKM:
 * key = TEK, salt = the STKM's 14-byte salt, MKI = SEK/PEK ID || TEK ID
 * (PROFILE.md section 4).  Built and run by record.sh only; not part of the
 * CMake build.
 *
 * usage: srtp_record SSRC TEK:SALT:MKI:COUNT...   (hex, COUNT decimal)
 * prints per packet: key-index rtp-hex srtp-hex
 */
#include <srtp2/srtp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 8

static size_t unhex(const char *s, size_t n, unsigned char *out, size_t max) {
  size_t i;
  if (n % 2 || n / 2 > max)
    return 0;
  for (i = 0; i < n / 2; i++) {
    unsigned int v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1)
      return 0;
    out[i] = (unsigned char)v;
  }
  return n / 2;
}

static void die(const char *what, int err) {
  fprintf(stderr, "srtp_record: %s (%d)\n", what, err);
  exit(1);
}

int main(int argc, char **argv) {
  unsigned char keysalt[MAX_KEYS][SRTP_MAX_KEY_LEN], mki[MAX_KEYS][SRTP_MAX_MKI_LEN];
  srtp_master_key_t mk[MAX_KEYS], *mkp[MAX_KEYS];
  int count[MAX_KEYS];
  srtp_policy_t policy;
  srtp_t session;
  uint32_t ssrc;
  uint16_t seq = 1000;
  uint32_t ts = 90000;
  int nkeys = argc - 2, k, i, err;

  if (argc < 3 || nkeys > MAX_KEYS) {
    fprintf(stderr, "usage: srtp_record SSRC TEK:SALT:MKI:COUNT...\n");
    return 2;
  }
  ssrc = (uint32_t)strtoul(argv[1], NULL, 0);
  for (k = 0; k < nkeys; k++) {
    const char *a = argv[k + 2], *c1 = strchr(a, ':'), *c2, *c3;
    size_t kl, sl, ml;
    if (!c1 || !(c2 = strchr(c1 + 1, ':')) || !(c3 = strchr(c2 + 1, ':')))
      die("bad key argument", k);
    kl = unhex(a, (size_t)(c1 - a), keysalt[k], 16);
    sl = unhex(c1 + 1, (size_t)(c2 - c1 - 1), keysalt[k] + 16, 14);
    ml = unhex(c2 + 1, (size_t)(c3 - c2 - 1), mki[k], SRTP_MAX_MKI_LEN);
    if (kl != 16 || sl != 14 || ml == 0)
      die("need a 16-byte TEK, a 14-byte salt and an MKI", k);
    count[k] = atoi(c3 + 1);
    mk[k].key = keysalt[k];
    mk[k].mki_id = mki[k];
    mk[k].mki_size = (unsigned int)ml;
    mkp[k] = &mk[k];
  }
  if ((err = srtp_init()) != srtp_err_status_ok)
    die("srtp_init", err);
  memset(&policy, 0, sizeof policy);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = ssrc_specific;
  policy.ssrc.value = ssrc;
  policy.keys = mkp;
  policy.num_master_keys = (unsigned long)nkeys;
  policy.window_size = 128;
  if ((err = srtp_create(&session, &policy)) != srtp_err_status_ok)
    die("srtp_create", err);
  for (k = 0; k < nkeys; k++) {
    for (i = 0; i < count[k]; i++) {
      unsigned char pkt[256 + SRTP_MAX_TRAILER_LEN];
      char text[64];
      int len, tl, j;
      pkt[0] = 0x80;
      pkt[1] = 96;
      pkt[2] = (unsigned char)(seq >> 8);
      pkt[3] = (unsigned char)seq;
      pkt[4] = (unsigned char)(ts >> 24);
      pkt[5] = (unsigned char)(ts >> 16);
      pkt[6] = (unsigned char)(ts >> 8);
      pkt[7] = (unsigned char)ts;
      pkt[8] = (unsigned char)(ssrc >> 24);
      pkt[9] = (unsigned char)(ssrc >> 16);
      pkt[10] = (unsigned char)(ssrc >> 8);
      pkt[11] = (unsigned char)ssrc;
      tl = snprintf(text, sizeof text, "bcastdec SRTP sample, TEK %d, packet %d", k + 1, i + 1);
      memcpy(pkt + 12, text, (size_t)tl);
      len = 12 + tl;
      printf("%d ", k);
      for (j = 0; j < len; j++)
        printf("%02x", pkt[j]);
      err = srtp_protect_mki(session, pkt, &len, 1, (unsigned int)k);
      if (err != srtp_err_status_ok)
        die("srtp_protect_mki", err);
      printf(" ");
      for (j = 0; j < len; j++)
        printf("%02x", pkt[j]);
      printf("\n");
      seq++;
      ts += 3000;
    }
  }
  srtp_dealloc(session);
  srtp_shutdown();
  return 0;
}
