/* SPDX-License-Identifier: MIT */
/*
 * Key store and key-file parser (bcastdec_keystore.c): every line kind and
 * alias, the error messages and their line numbers (none may contain key
 * text), NUL bytes, UTF-16, the line length limit, duplicates within a file,
 * rollback, replacement across loads, lookups, iteration, GBA derivation
 * (mbms-mikey.md section 11 values) and a 10,000-key round trip.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen for the file tests */

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bcastdec/bcastdec.h>

#include "check.h"

/* Key material used in error lines: no diagnostic may contain any 4-character
 * window of it (the pattern repeats every 6 characters). */
#define SECRET16 "5ec7e75ec7e75ec7e75ec7e75ec7e75e"
#define SECRET32 SECRET16 SECRET16
#define K16A "000102030405060708090a0b0c0d0e0f"
#define K16B "f0e0d0c0b0a090807060504030201000"

static int contains_secret(const char *msg) {
  static const char *const win[] = {"5ec7", "ec7e", "c7e7", "7e75", "e75e", "75ec"};
  char low[sizeof(((bcastdec_diag *)0)->msg)];
  size_t i;
  for (i = 0; msg[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)msg[i]);
  low[i] = '\0';
  for (i = 0; i < sizeof win / sizeof win[0]; i++)
    if (strstr(low, win[i]) != NULL) return 1;
  return 0;
}

static bcastdec_status load(bcastdec_keystore *ks, const char *text, bcastdec_diag *d) {
  return bcastdec_keystore_load_text(ks, text, strlen(text), "t.keys", d);
}

static const uint8_t KD1[3] = {0x00, 0x00, 0x01};
static const uint8_t KD2[3] = {0xb8, 0x70, 0x9d};

/* ------------------------------------------------------------------------ */

TEST(test_free_null_and_empty) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  bcastdec_keystore_free(NULL);
  CHECK_EQ(bcastdec_keystore_count(NULL, 0), 0);
  CHECK(bcastdec_keystore_next(NULL, 0, NULL) == NULL);
  CHECK(bcastdec_keystore_find_sekpek(NULL, KD1, 1) == NULL);
  CHECK(bcastdec_keystore_find_tek(NULL, KD1, 1, 1) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(NULL, BCASTDEC_ROLE_SMK, "*", 1) == NULL);
  CHECK(ks != NULL);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 0);
  CHECK(bcastdec_keystore_next(ks, 0, NULL) == NULL);
  CHECK(bcastdec_keystore_find_sekpek(ks, KD1, 1) == NULL);
  CHECK_EQ(bcastdec_keystore_load_text(ks, "", 0, "t", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_load_text(ks, NULL, 0, "t", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_load_text(ks, NULL, 5, "t", &d), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_keystore_load_text(NULL, "x", 1, "t", &d), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_keystore_add_line(ks, NULL, &d), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_keystore_load_file(ks, NULL, &d), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_keystore_add(ks, NULL), BCASTDEC_ERR_ARG);
  /* a file of only comments and blanks loads nothing */
  CHECK_EQ(load(ks, "# nothing\n\n   \n\t# still nothing\n", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 0);
  bcastdec_keystore_free(ks);
}

TEST(test_every_line_kind_and_alias) {
  static const char text[] =
      "SMK user1@realm " K16A "\n"                                    /* 1 */
      "MUK oKGio6SlpqeoqaqrrK2urw==@bsf.example " K16B "\n"           /* 2 */
      "SRK user1@realm " K16B "\n"                                    /* 3 */
      "MRK user2@realm " K16A "\n"                                    /* 4 */
      "SEK 000001 00000001 " K16A "\n"                                /* 5 */
      "MSK b8709d 68c90000 " K16B "\n"                                /* 6 */
      "PEK 000001 00000002 " K16B "\n"                                /* 7 */
      "TEK 000001 00000001 0001 " K16A " 0102030405060708090a0b0c0d0e\n" /* 8 */
      "MTK b8709d 68c90000 ffff " K16B "\n";                          /* 9 */
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;

  CHECK_EQ(load(ks, text, &d), BCASTDEC_OK);
  CHECK_EQ(d.line, 0);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 9);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SMK), 2);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SRK), 2);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SEK), 2);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_PEK), 1);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_TEK), 2);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_ANY_SEKPEK), 3);

  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "user1@realm", 11);
  CHECK(k != NULL);
  if (k) {
    CHECK_EQ(k->role, BCASTDEC_ROLE_SMK);
    CHECK_EQ(k->origin, BCASTDEC_ORIGIN_FILE);
    CHECK_EQ(k->origin_ref, 1);
    CHECK_STR(k->identity, "user1@realm");
    CHECK_HEX(k->key, k->key_len, K16A);
    CHECK_EQ(k->salt_len, 0);
    CHECK(k->ltkm_rand == NULL);
  }
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK,
                                        "oKGio6SlpqeoqaqrrK2urw==@bsf.example", 36);
  CHECK(k != NULL && k->origin_ref == 2);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "user1@realm", 11);
  CHECK(k != NULL && k->role == BCASTDEC_ROLE_SRK && k->origin_ref == 3);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "user2@realm", 11);
  CHECK(k != NULL && k->origin_ref == 4);

  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL);
  if (k) {
    CHECK_EQ(k->role, BCASTDEC_ROLE_SEK);
    CHECK_EQ(k->origin_ref, 5);
    CHECK(k->identity == NULL);
    CHECK_HEX(k->kdid, 3, "000001");
    CHECK_EQ(k->sekpek_id, 1);
    CHECK_HEX(k->key, k->key_len, K16A);
  }
  k = bcastdec_keystore_find_sekpek(ks, KD2, 0x68c90000u);
  CHECK(k != NULL && k->role == BCASTDEC_ROLE_SEK && k->origin_ref == 6);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 2);
  CHECK(k != NULL && k->role == BCASTDEC_ROLE_PEK && k->origin_ref == 7);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);

  k = bcastdec_keystore_find_tek(ks, KD1, 1, 1);
  CHECK(k != NULL);
  if (k) {
    CHECK_EQ(k->role, BCASTDEC_ROLE_TEK);
    CHECK_EQ(k->origin_ref, 8);
    CHECK_EQ(k->tek_id, 1);
    CHECK_EQ(k->sekpek_id, 1);
    CHECK_HEX(k->key, k->key_len, K16A);
    CHECK_HEX(k->salt, k->salt_len, "0102030405060708090a0b0c0d0e");
  }
  k = bcastdec_keystore_find_tek(ks, KD2, 0x68c90000u, 0xffff);
  CHECK(k != NULL && k->origin_ref == 9 && k->salt_len == 0);
  bcastdec_keystore_free(ks);
}

TEST(test_case_insensitive_and_hex_forms) {
  static const char text[] =
      "Bcastdec-Keys 1\n"
      "smk a@b 0X000102030405060708090A0B0C0D0E0F\n"
      "Sek 0xB8709D 0x68C90000 0x" K16B "\n"
      "tEk B8709d 68c90000 0X00aB 000102030405060708090A0b0C0d0E0f 0xAABB\n"
      "gba id ks=" K16A K16B " RAND=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf IMPI=x@y NaF=n.example "
      "Mode=ME\n";
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(load(ks, text, &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 5);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "a@b", 3);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  k = bcastdec_keystore_find_sekpek(ks, KD2, 0x68c90000u);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  k = bcastdec_keystore_find_tek(ks, KD2, 0x68c90000u, 0x00ab);
  CHECK(k != NULL);
  if (k) {
    CHECK_HEX(k->key, k->key_len, K16A);
    CHECK_HEX(k->salt, k->salt_len, "aabb");
  }
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "id", 2) != NULL);
  bcastdec_keystore_free(ks);
}

TEST(test_comments_blank_crlf_whitespace) {
  /* BOM, CRLF, tabs, indented comments, trailing comments, blank lines with
   * spaces, a last line without newline */
  static const char text[] =
      "\xef\xbb\xbf# key file\r\n"
      "\r\n"
      "   \t  \r\n"
      "  # indented comment\r\n"
      "bcastdec-keys 1 # version line with a comment\r\n"
      "\tSEK\t000001   00000001\t\t" K16A "   # trailing comment\r\n"
      "SEK 000001 00000002 " K16B "#not-a-comment-start\n" /* line 7: error */;
  static const char ok_text[] =
      "\xef\xbb\xbf# key file\r\n"
      "\r\n"
      "   \t  \r\n"
      "  # indented comment\r\n"
      "bcastdec-keys 1 # version line with a comment\r\n"
      "\tSEK\t000001   00000001\t\t" K16A "   # trailing comment\r\n"
      "TEK 000001 00000001 0002 " K16B "  #\r\n"
      "SMK last@line " K16A; /* no newline at the end */
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;

  CHECK_EQ(load(ks, ok_text, &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 3);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL && k->origin_ref == 6 && k->key_len == 16);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  k = bcastdec_keystore_find_tek(ks, KD1, 1, 2);
  CHECK(k != NULL && k->origin_ref == 7 && k->salt_len == 0);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "last@line", 9);
  CHECK(k != NULL && k->origin_ref == 8);

  /* '#' only starts a comment at the start of a field */
  CHECK_EQ(load(ks, text, &d), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 7);
  CHECK(strstr(d.msg, "t.keys:7: SEK key: bad hex digit at character 33") == d.msg);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 3);
  bcastdec_keystore_free(ks);
}

TEST(test_version_line) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  CHECK_EQ(load(ks, "# c\n\nbcastdec-keys 1\nSEK 000001 00000001 " K16A "\n", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 1);
  CHECK_EQ(load(ks, "SEK 000001 00000003 " K16A "\n", &d), BCASTDEC_OK); /* optional */
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);

  CHECK_EQ(load(ks, "# c\nbcastdec-keys 2\nSEK 000001 00000009 " K16A "\n", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 2);
  CHECK_STR(d.msg,
            "t.keys:2: unsupported key-file format version 2 (this library reads version 1)");
  CHECK_EQ(load(ks, "SEK 000001 00000009 " K16A "\nbcastdec-keys 1\n", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 2);
  CHECK(strstr(d.msg, "must be the first line that is not a comment") != NULL);
  CHECK_EQ(load(ks, "bcastdec-keys 1\nbcastdec-keys 1\n", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 2);
  CHECK_EQ(load(ks, "bcastdec-keys\n", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "t.keys:1: 'bcastdec-keys' takes one field (the format version), found 0");
  CHECK_EQ(load(ks, "bcastdec-keys one\n", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "t.keys:1: bad format version (expected a number)");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  bcastdec_keystore_free(ks);
}

/* One bad line at line 3, after two good ones. */
typedef struct bad_case {
  const char *line;
  const char *msg; /* expected message after "t.keys:3: " */
} bad_case;

TEST(test_errors_line_numbers_and_no_key_text) {
  static char long_id[400], long_key[4200];
  static const bad_case cases[] = {
      {"FOO 1 2", "unknown keyword 'FOO' (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {SECRET16 " " SECRET16,
       "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"SMK user@realm", "SMK: expected 2 fields after the keyword (identity, key), found 1"},
      {"SRK user@realm " SECRET16 " extra",
       "SRK: expected 2 fields after the keyword (identity, key), found 3"},
      {"SEK 000001 00000001",
       "SEK: expected 3 fields after the keyword (kdid, sekpek-id, key), found 2"},
      {"PEK 000001 00000001 " SECRET16 " " SECRET16,
       "PEK: expected 3 fields after the keyword (kdid, sekpek-id, key), found 4"},
      {"TEK 000001 00000001 0001",
       "TEK: expected 4 or 5 fields after the keyword (kdid, sekpek-id, tek-id, key, [salt]), "
       "found 3"},
      {"TEK 1 2 3 4 5 6 7 8 9 10",
       "TEK: expected 4 or 5 fields after the keyword (kdid, sekpek-id, tek-id, key, [salt]), "
       "found 10"},
      {"SEK 000001 00000001 5ec7e75ec7e75ec7e75ec7e75ec7e75",
       "SEK key: odd number of hex digits"},
      {"SEK 000001 00000001 5ec7e75ec7e75ec7g75ec7e75ec7e75e",
       "SEK key: bad hex digit at character 17"},
      {"SEK 000001 00000001 0x5ec7e75ec7e75ec7e75ec7e75ec7e75Z",
       "SEK key: bad hex digit at character 34"},
      {"SEK 000001 00000001 0x", "SEK key: empty hex value"},
      {"SEK 000001 00000001 5ec7e75ec7e75ec7",
       "SEK key too short: 8 bytes (allowed 16 to 32)"},
      {"PEK 000001 00000001 " SECRET32 "5e",
       "PEK key too long: 33 bytes (allowed 16 to 32)"},
      {"SMK u@r " SECRET32 SECRET32 "5e", "SMK key too long: 65 bytes (allowed 16 to 64)"},
      {"SMK u@r 5ec7e75ec7e7", "SMK key too short: 6 bytes (allowed 16 to 64)"},
      {"TEK 000001 00000001 0001 5ec7e75ec7e7", "TEK key too short: 6 bytes (allowed 16 to 32)"},
      {"TEK 000001 00000001 0001 " SECRET16 " " SECRET32 "5e",
       "salt too long: 33 bytes (allowed 1 to 32)"},
      {"TEK 000001 00000001 0001 " SECRET16 " 5ec7e", "salt: odd number of hex digits"},
      {"SEK 0001 00000001 " SECRET16, "bad kdid length: 4 hex digits, need 6"},
      {"SEK 00000g 00000001 " SECRET16, "kdid: bad hex digit at character 6"},
      {"SEK 0x00000001 00000001 " SECRET16, "bad kdid length: 8 hex digits, need 6"},
      {"SEK 000001 0001 " SECRET16, "bad sekpek-id length: 4 hex digits, need 8"},
      {"TEK 000001 00000001 1 " SECRET16, "bad tek-id length: 1 hex digits, need 4"},
      {"TEK 000001 00000001 x001 " SECRET16, "tek-id: bad hex digit at character 1"},
      {"SEK 000001\x01 00000001 " SECRET16,
       "control character 0x01 at column 11 (only space and tab separate fields)"},
      {"SEK 000001 00000001 " SECRET16 "\x7f",
       "control character 0x7f at column 53 (only space and tab separate fields)"},
      {"SEK 000001 00000001\v" SECRET16,
       "control character 0x0b at column 20 (only space and tab separate fields)"},
      {"SEK 000001\r00000001 " SECRET16,
       "carriage return at column 11 (a line ends with LF or CR LF; a lone CR does not end a "
       "line)"},
      {"SEK 000001 00000001 " SECRET16 "\r\r",
       "carriage return at column 53 (a line ends with LF or CR LF; a lone CR does not end a "
       "line)"},
      /* unknown keywords: quoted only when they cannot be a piece of a key */
      {"SMKK u@r " SECRET16,
       "unknown keyword 'SMKK' (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"5ec7e75ec7e75ec7 " SECRET16, /* the tail of a key wrapped onto the next line */
       "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"5ec7e75ec7e75ec7e75ec7e75ec7e75e",
       "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"cafe", "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"SEK2 000001 00000001 " SECRET16,
       "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"unknown-keyword-x " SECRET16,
       "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x eccede=n.example",
       "GBA: unknown parameter in field 5 (expected ks, rand, impi, naf, mode)"},
      {"SMK", "SMK: expected 2 fields after the keyword (identity, key), found 0"},
      {"GBA", "GBA: expected an identity and 4 or 5 name=value fields (ks, rand, impi, naf, "
              "[mode]), found 0 fields after the keyword"},
      {"TEK 000001 00000001 0001 " SECRET16 " " SECRET16 " " SECRET16,
       "TEK: expected 4 or 5 fields after the keyword (kdid, sekpek-id, tek-id, key, [salt]), "
       "found 6"},
      {"SEK 000001 00000001 0x" SECRET16 "5",
       "SEK key: odd number of hex digits"},
      {"TEK 000001 00000001 0001 " SECRET16 " 0x", "salt: empty hex value"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x naf=", "GBA: naf is empty"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x naf=n mode=", 
       "GBA: mode must be 'u' (GBA_U) or 'me' (GBA_ME)"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x naf=n =x",
       "GBA: unknown parameter in field 6 (expected ks, rand, impi, naf, mode)"},
      /* duplicates of line 1 (SEK 000001 0000000a) and line 2 (SMK good@realm) */
      {"SEK 000001 0000000A " SECRET16,
       "duplicate SEK 000001 0000000a (first given on line 1; a key may appear only once per "
       "file)"},
      {"MSK 0x000001 0x0000000a " SECRET32,
       "duplicate SEK 000001 0000000a (first given on line 1; a key may appear only once per "
       "file)"},
      {"PEK 000001 0000000a " SECRET16,
       "duplicate PEK 000001 0000000a: line 1 gives a SEK for the same kdid and sekpek-id "
       "(SEK and PEK share them; a key may appear only once per file)"},
      {"SMK good@realm " SECRET16,
       "duplicate SMK for this identity (first given on line 2; a key may appear only once per "
       "file)"},
      {"MUK good@realm " SECRET16,
       "duplicate SMK for this identity (first given on line 2; a key may appear only once per "
       "file)"},
      {"GBA good@realm ks=" SECRET32 " rand=a0a1 impi=i@x naf=n.example",
       "GBA: duplicate SMK for this identity (first given on line 2; a key may appear only "
       "once per file)"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x naf=n.example mode=u extra",
       "GBA: expected an identity and 4 or 5 name=value fields (ks, rand, impi, naf, [mode]), "
       "found 7 fields after the keyword"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x",
       "GBA: expected an identity and 4 or 5 name=value fields (ks, rand, impi, naf, [mode]), "
       "found 4 fields after the keyword"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x nfa=n.example",
       "GBA: unknown parameter 'nfa' (expected ks, rand, impi, naf, mode)"},
      {"GBA b-tid " SECRET32 " rand=a0a1 impi=i@x naf=n.example", "GBA: field 2 is not name=value"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x rand=a0",
       "GBA: parameter 'rand' given twice"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x mode=u", "GBA: missing parameter 'naf'"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi=i@x naf=n mode=gba",
       "GBA: mode must be 'u' (GBA_U) or 'me' (GBA_ME)"},
      {"GBA b-tid ks=" SECRET16 " rand=a0a1 impi=i@x naf=n", "GBA ks too short: 16 bytes (must be 32)"},
      {"GBA b-tid ks=" SECRET32 "5e rand=a0a1 impi=i@x naf=n",
       "GBA ks too long: 33 bytes (must be 32)"},
      {"GBA b-tid ks=5ec7e75ec7x7 rand=a0a1 impi=i@x naf=n", "GBA ks: bad hex digit at character 11"},
      {"GBA b-tid ks=" SECRET32 " rand= impi=i@x naf=n", "GBA rand: empty hex value"},
      {"GBA b-tid ks=" SECRET32 " rand=a0a1 impi= naf=n", "GBA: impi is empty"},
      {NULL, "identity longer than 255 characters"},
      {NULL, "SEK key too long: 2038 bytes (allowed 16 to 32)"}, /* a 4096-byte line */
  };
  size_t nc = sizeof cases / sizeof cases[0];
  memset(long_id, 'i', sizeof long_id);
  memcpy(long_id, "SMK ", 4);
  snprintf(long_id + 300, sizeof long_id - 300, " %s", SECRET16);
  for (size_t i = 0; i < 2038; i++) memcpy(long_key + 20 + 2 * i, &SECRET16[(2 * i) % 6], 2);
  memcpy(long_key, "SEK 000001 00000001 ", 20);
  long_key[20 + 4076] = '\0';

  for (size_t i = 0; i < nc; i++) {
    char text[12000], want[300];
    const char *line = cases[i].line;
    bcastdec_keystore *ks = bcastdec_keystore_new();
    bcastdec_diag d;
    bcastdec_status st;
    if (line == NULL) line = i == nc - 2 ? long_id : long_key;
    snprintf(text, sizeof text,
             "SEK 000001 0000000a " K16A "\nSMK good@realm " K16B "\n%s\nSEK 000001 0000000b " K16A
             "\n",
             line);
    st = load(ks, text, &d);
    snprintf(want, sizeof want, "t.keys:3: %s", cases[i].msg);
    if (st != BCASTDEC_ERR_SYNTAX || d.line != 3 || strcmp(d.msg, want) != 0 ||
        contains_secret(d.msg))
      fprintf(stderr, "  case %zu: status %d line %u msg \"%s\"\n", i, (int)st, d.line, d.msg);
    CHECK_EQ(st, BCASTDEC_ERR_SYNTAX);
    CHECK_EQ(d.line, 3);
    CHECK_STR(d.msg, want);
    CHECK(!contains_secret(d.msg));
    CHECK_EQ(bcastdec_keystore_count(ks, 0), 0); /* nothing of the file stays */
    bcastdec_keystore_free(ks);
  }
}

/* Builds "<prefix><fill...>" of exactly |len| bytes (no NUL inside). */
static char *line_of(const char *prefix, char fill, size_t len) {
  size_t pl = strlen(prefix);
  char *p = malloc(len + 1);
  if (p == NULL) return NULL;
  memset(p, fill, len);
  memcpy(p, prefix, pl < len ? pl : len);
  p[len] = '\0';
  return p;
}

TEST(test_nul_bytes_and_long_lines) {
  static const char with_nul_in_key[] = "SEK 000001 00000001 5ec7e75ec7e7\0" "5ec7e75ec7e75ec7e75e\n";
  static const char with_nul_in_comment[] = "# a comment \0 with a NUL\nSEK 000001 00000001 " K16A "\n";
  static const char utf16le[] = "S\0E\0K\0 \0";
  static const char utf16_bom[] = "\xff\xfeS\0E\0K\0";
  static const char utf16be_bom[] = "\xfe\xff\0S\0E\0K";
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  char *line, *text;
  size_t n;

  CHECK_EQ(bcastdec_keystore_load_text(ks, with_nul_in_key, sizeof with_nul_in_key - 1, "n",
                                       &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "n:1: NUL byte at column 33 (a key file is ASCII or UTF-8 text; is it UTF-16 "
                   "or binary?)");
  CHECK(!contains_secret(d.msg));
  /* a NUL is an error even in a comment: the file is not text */
  CHECK_EQ(bcastdec_keystore_load_text(ks, with_nul_in_comment, sizeof with_nul_in_comment - 1,
                                       NULL, &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 1);
  CHECK(strstr(d.msg, "<text>:1: NUL byte at column 13 ") == d.msg);
  CHECK_EQ(bcastdec_keystore_load_text(ks, utf16le, sizeof utf16le - 1, "u", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK(strstr(d.msg, "u:1: NUL byte at column 2 ") == d.msg);
  CHECK_EQ(bcastdec_keystore_load_text(ks, utf16_bom, sizeof utf16_bom - 1, "u", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 1);
  CHECK_STR(d.msg, "u:1: UTF-16 byte order mark: save the key file as ASCII or UTF-8 text");
  CHECK_EQ(bcastdec_keystore_load_text(ks, utf16be_bom, sizeof utf16be_bom - 1, "u", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "u:1: UTF-16 byte order mark: save the key file as ASCII or UTF-8 text");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 0);

  /* Lines of up to 4096 bytes (without the line end) load ... */
  line = line_of("TEK 000001 00000001 0009 " K16A " #", 'c', 4096);
  text = malloc(3 * 4200);
  CHECK(line != NULL && text != NULL);
  if (line == NULL || text == NULL) {
    free(line);
    free(text);
    bcastdec_keystore_free(ks);
    return;
  }
  n = (size_t)sprintf(text, "# first\n%s\r\n", line);
  CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, NULL, &d), BCASTDEC_OK);
  CHECK(bcastdec_keystore_find_tek(ks, KD1, 1, 9) != NULL);
  n = (size_t)sprintf(text, "%s", line); /* no line end at all */
  CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, NULL, &d), BCASTDEC_OK);
  free(line);
  /* ... a key line padded with spaces to exactly the limit, too */
  line = line_of("SEK 000001 00000001 " K16A, ' ', 4096);
  if (line) CHECK_EQ(bcastdec_keystore_add_line(ks, line, &d), BCASTDEC_OK);
  free(line);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);

  /* ... one byte more is an error naming the line, wherever the excess is:
   * a comment, indentation, or trailing blanks after a valid line.  Nothing
   * is cut off and read as a shorter, different line. */
  line = line_of("# a long comment ", 'c', 4097);
  n = (size_t)sprintf(text, "SEK 000002 00000001 " K16A "\n\n%s\nSEK 000002 00000002 " K16A "\n",
                      line ? line : "");
  CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, "big.keys", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 3);
  CHECK_STR(d.msg, "big.keys:3: line too long: 4097 bytes (at most 4096; is this a key file?)");
  free(line);
  line = line_of("SEK 000002 00000003 " K16A, ' ', 4097);
  n = (size_t)sprintf(text, "%s\r\n", line ? line : "");
  CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, "big.keys", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "big.keys:1: line too long: 4097 bytes (at most 4096; is this a key file?)");
  if (line) CHECK_EQ(bcastdec_keystore_add_line(ks, line, &d), BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "<line>:1: line too long: 4097 bytes (at most 4096; is this a key file?)");
  free(line);
  /* a key run into the limit: the message quotes nothing of it */
  line = malloc(4300);
  if (line != NULL) {
    memcpy(line, "SEK 000002 00000004 ", 20);
    for (size_t i = 20; i < 4280; i++) line[i] = SECRET16[i % 6];
    line[4280] = '\0';
    CHECK_EQ(bcastdec_keystore_load_text(ks, line, 4280, "big.keys", &d), BCASTDEC_ERR_SYNTAX);
    CHECK_STR(d.msg,
              "big.keys:1: line too long: 4280 bytes (at most 4096; is this a key file?)");
    CHECK(!contains_secret(d.msg));
    free(line);
  }
  CHECK(bcastdec_keystore_find_sekpek(ks, (const uint8_t[3]){0, 0, 2}, 1) == NULL);
  free(text);

  /* 200,000 spaces of indentation */
  text = malloc(200100);
  if (text != NULL) {
    memset(text, ' ', 200000);
    n = 200000 + (size_t)sprintf(text + 200000, "SEK 000003 00000001 %s\n", K16A);
    CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, NULL, &d), BCASTDEC_ERR_SYNTAX);
    CHECK_STR(d.msg, "<text>:1: line too long: 200052 bytes (at most 4096; is this a key file?)");
    free(text);
  }

  /* CR-only line ends: the first comment must not swallow the keys after it */
  CHECK_EQ(load(ks, "# old Mac file\rSEK 000004 00000001 " K16A "\r", &d), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 1);
  CHECK_STR(d.msg, "t.keys:1: carriage return at column 15 (a line ends with LF or CR LF; a "
                   "lone CR does not end a line)");
  text = malloc(60 * 100 + 1);
  if (text != NULL) { /* ... also when the whole file is longer than a line may be */
    n = 0;
    for (int i = 0; i < 100; i++)
      n += (size_t)sprintf(text + n, "SEK 000004 %08x %s\r", (unsigned)i, K16A);
    CHECK_EQ(bcastdec_keystore_load_text(ks, text, n, "cr.keys", &d), BCASTDEC_ERR_SYNTAX);
    CHECK(strstr(d.msg, "cr.keys:1: carriage return at column 53 ") == d.msg);
    free(text);
  }
  /* add_line: one line; a LF inside, even in a comment, is an error */
  CHECK_EQ(bcastdec_keystore_add_line(ks, "# c\nSEK 000004 00000001 " K16A, &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "<line>:1: line feed at column 4 (one line was expected)");
  CHECK(bcastdec_keystore_find_sekpek(ks, (const uint8_t[3]){0, 0, 4}, 1) == NULL);

  /* diag may be NULL */
  CHECK_EQ(bcastdec_keystore_load_text(ks, "FOO\n", 4, NULL, NULL), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_keystore_load_text(ks, "\0", 1, NULL, NULL), BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  bcastdec_keystore_free(ks);
}

/* Tabs, runs of blanks and trailing blanks (before LF or CR LF) separate
 * fields like one space; a field never includes them. */
TEST(test_tabs_and_trailing_whitespace) {
  static const char text[] =
      "SMK\tu@r\t" K16A "\t \n"
      "SEK 000001 00000001 " K16B "    \r\n"
      "TEK\t\t000001  00000001\t0001 " K16A "\t0a0b \t\r\n"
      "GBA g@r\tks=" K16A K16B "\trand=a0a1\timpi=i@x\tnaf=n.example\tmode=me \t\n"
      "\t \t\n";
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(load(ks, text, &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 5);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "u@r", 3);
  CHECK(k != NULL && k->key_len == 16);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL && k->key_len == 16);
  k = bcastdec_keystore_find_tek(ks, KD1, 1, 1);
  CHECK(k != NULL && k->salt_len == 2);
  if (k) CHECK_HEX(k->salt, k->salt_len, "0a0b");
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "g@r", 3) != NULL);
  bcastdec_keystore_free(ks);
}

TEST(test_rollback_on_error) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SEK 000001 00000001 " K16A, &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SMK u@r " K16A, &d), BCASTDEC_OK);
  /* replaces the SEK, adds a TEK and an SMK, then fails */
  CHECK_EQ(load(ks,
                "SEK 000001 00000001 " K16B "\n"
                "TEK 000001 00000001 0001 " K16B "\n"
                "GBA u2@r ks=" K16A K16B " rand=a0a1 impi=i@x naf=n.example\n"
                "SMK u@r " K16B "\n"
                "SEK 000001 00000002 " K16B " oops\n",
                &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 5);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL && k->origin == BCASTDEC_ORIGIN_FILE && k->origin_ref == 1);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "u@r", 3);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  CHECK(bcastdec_keystore_find_tek(ks, KD1, 1, 1) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "u2@r", 4) == NULL);
  CHECK(bcastdec_keystore_find_sekpek(ks, KD1, 2) == NULL);

  /* add_line is all-or-nothing too */
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SEK 000001 00000001 " K16B " x", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "<line>:1: SEK: expected 3 fields after the keyword (kdid, sekpek-id, key), "
                   "found 4");
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  bcastdec_keystore_free(ks);
}

TEST(test_replacement_semantics) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *sek, *k;
  CHECK_EQ(load(ks,
                "SEK 000001 00000001 " K16A "\n"
                "TEK 000001 00000001 0001 " K16A " 0102\n"
                "SMK u@r " K16A "\n"
                "SRK u@r " K16A "\n"
                "SMK U@r " K16A "\n",
                &d),
           BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 5); /* SMK/SRK and case differ: 5 addresses */
  sek = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(sek != NULL);

  /* merge path (store not empty): a PEK at the SEK's address replaces it */
  CHECK_EQ(load(ks,
                "PEK 000001 00000001 " K16B "\n"
                "TEK 000001 00000001 0001 " K16B "\n"
                "SMK u@r " K16B "\n"
                "SEK 000002 00000001 " K16B "\n",
                &d),
           BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 6);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SEK), 1);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_PEK), 1);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_TEK), 1);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SMK), 2);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k == sek); /* replaced in place */
  if (k) {
    CHECK_EQ(k->role, BCASTDEC_ROLE_PEK);
    CHECK_EQ(k->origin_ref, 1);
    CHECK_HEX(k->key, k->key_len, K16B);
  }
  k = bcastdec_keystore_find_tek(ks, KD1, 1, 1);
  CHECK(k != NULL && k->salt_len == 0); /* the salt went with the old key ... */
  if (k) CHECK(k->salt[0] == 0 && k->salt[1] == 0); /* ... and was wiped */
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "u@r", 3);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "u@r", 3);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);

  /* order: replaced entries keep their place, the new one is last */
  k = bcastdec_keystore_next(ks, 0, NULL);
  CHECK(k == sek);
  for (int i = 0; i < 5 && k != NULL; i++) k = bcastdec_keystore_next(ks, 0, k);
  CHECK(k != NULL && k->role == BCASTDEC_ROLE_SEK && k->kdid[2] == 2);

  /* across loads the later one wins: the same file loaded twice */
  CHECK_EQ(load(ks, "SEK 000009 00000001 " K16A "\n", &d), BCASTDEC_OK);
  CHECK_EQ(load(ks, "\nSEK 000009 00000001 " K16B "\n", &d), BCASTDEC_OK);
  k = bcastdec_keystore_find_sekpek(ks, (const uint8_t[3]){0, 0, 9}, 1);
  CHECK(k != NULL && k->origin_ref == 2);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 7);

  /* within one file a second key for an address is an error naming both
   * lines, and nothing of the file is kept */
  CHECK_EQ(load(ks, "SEK 00000a 00000001 " K16A "\nSEK 00000a 00000001 " K16B "\n", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_EQ(d.line, 2);
  CHECK_STR(d.msg, "t.keys:2: duplicate SEK 00000a 00000001 (first given on line 1; a key may "
                   "appear only once per file)");
  CHECK(bcastdec_keystore_find_sekpek(ks, (const uint8_t[3]){0, 0, 10}, 1) == NULL);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 7);
  bcastdec_keystore_free(ks);

  /* every kind of duplicate, also when the file is the first thing loaded */
  {
    static const struct {
      const char *text;
      unsigned line;
      const char *msg;
    } dups[] = {
        {"SEK 000001 00000001 " K16A "\n# c\nPEK 000001 00000001 " SECRET16 "\n", 3,
         "duplicate PEK 000001 00000001: line 1 gives a SEK for the same kdid and sekpek-id "
         "(SEK and PEK share them; a key may appear only once per file)"},
        {"PEK 000001 00000001 " K16A "\nPEK 000001 00000001 " SECRET16 "\n", 2,
         "duplicate PEK 000001 00000001 (first given on line 1; a key may appear only once per "
         "file)"},
        {"TEK 000001 00000001 0001 " K16A "\nTEK 000001 00000001 0002 " K16A "\n"
         "MTK 000001 00000001 0x0001 " SECRET16 " 0102\n",
         3,
         "duplicate TEK 000001 00000001 0001 (first given on line 1; a key may appear only once "
         "per file)"},
        {"SMK u@r " K16A "\nSRK u@r " K16A "\nMUK u@r " SECRET16 "\n", 3,
         "duplicate SMK for this identity (first given on line 1; a key may appear only once "
         "per file)"},
        {"SMK u@r " K16A "\nMRK u@r " K16A "\nSRK u@r " SECRET16 "\n", 3,
         "duplicate SRK for this identity (first given on line 2; a key may appear only once "
         "per file)"},
        {"SMK * " K16A "\nSMK * " SECRET16 "\n", 2,
         "duplicate SMK for this identity (first given on line 1; a key may appear only once "
         "per file)"},
        {"SRK g@r " K16A "\nGBA g@r ks=" SECRET32 " rand=a0a1 impi=i@x naf=n\n", 2,
         "GBA: duplicate SRK for this identity (first given on line 1; a key may appear only "
         "once per file)"},
        {"GBA g@r ks=" K16A K16B " rand=a0a1 impi=i@x naf=n\nSRK g@r " SECRET16 "\n", 2,
         "duplicate SRK for this identity (first given on line 1; a key may appear only once "
         "per file)"},
        {"GBA g@r ks=" K16A K16B " rand=a0a1 impi=i@x naf=n\n"
         "GBA g@r ks=" K16A K16B " rand=a0a1 impi=i@x naf=n\n",
         2,
         "GBA: duplicate SMK for this identity (first given on line 1; a key may appear only "
         "once per file)"},
    };
    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) {
      char want[300];
      ks = bcastdec_keystore_new();
      snprintf(want, sizeof want, "t.keys:%u: %s", dups[i].line, dups[i].msg);
      CHECK_EQ(load(ks, dups[i].text, &d), BCASTDEC_ERR_SYNTAX);
      CHECK_EQ(d.line, dups[i].line);
      CHECK_STR(d.msg, want);
      CHECK(!contains_secret(d.msg));
      CHECK_EQ(bcastdec_keystore_count(ks, 0), 0);
      bcastdec_keystore_free(ks);
    }
  }

  /* identities are case-sensitive and SMK/SRK are separate: no duplicates */
  ks = bcastdec_keystore_new();
  CHECK_EQ(load(ks, "SMK u@r " K16A "\nSMK U@r " K16A "\nSRK u@r " K16A "\nSMK * " K16A "\n"
                    "SEK 000001 00000001 " K16A "\nSEK 000001 00000002 " K16A "\n"
                    "SEK 000002 00000001 " K16A "\nTEK 000001 00000001 0001 " K16A "\n",
                &d),
           BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 8);
  bcastdec_keystore_free(ks);
}

TEST(test_lookups_hit_and_miss) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  CHECK_EQ(load(ks,
                "SEK b8709d 68c90000 " K16A "\n"
                "TEK b8709d 68c90000 0001 " K16A "\n"
                "SMK user@realm " K16A "\n"
                "SMK * " K16B "\n",
                &d),
           BCASTDEC_OK);
  CHECK(bcastdec_keystore_find_sekpek(ks, KD2, 0x68c90000u) != NULL);
  CHECK(bcastdec_keystore_find_sekpek(ks, KD2, 0x68c90001u) == NULL);
  CHECK(bcastdec_keystore_find_sekpek(ks, KD1, 0x68c90000u) == NULL);
  CHECK(bcastdec_keystore_find_sekpek(ks, NULL, 0x68c90000u) == NULL);
  CHECK(bcastdec_keystore_find_tek(ks, KD2, 0x68c90000u, 1) != NULL);
  CHECK(bcastdec_keystore_find_tek(ks, KD2, 0x68c90000u, 2) == NULL);
  CHECK(bcastdec_keystore_find_tek(ks, KD2, 0x68c90001u, 1) == NULL);
  CHECK(bcastdec_keystore_find_tek(ks, KD1, 0x68c90000u, 1) == NULL);
  /* the SEK is not a TEK with id 0, nor the TEK a SEK */
  CHECK(bcastdec_keystore_find_tek(ks, KD2, 0x68c90000u, 0) == NULL);

  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "user@realm", 10) != NULL);
  /* identity_len bounds the comparison: a prefix of a longer buffer */
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "user@realmXYZ", 10) != NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "user@realm", 9) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "USER@realm", 10) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "user@realm", 10) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SEK, "user@realm", 10) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, NULL, 0) == NULL);
  CHECK(bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "other", 5) == NULL);
  {
    const bcastdec_key *w = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "*", 1);
    CHECK(w != NULL);
    if (w) {
      CHECK_STR(w->identity, "*");
      CHECK_HEX(w->key, w->key_len, K16B);
    }
  }
  bcastdec_keystore_free(ks);
}

TEST(test_iteration_order_and_filters) {
  static const char text[] = "SEK 000001 00000001 " K16A "\n"         /* 1 */
                             "SMK a@r " K16A "\n"                     /* 2 */
                             "TEK 000001 00000001 0001 " K16A "\n"    /* 3 */
                             "PEK 000001 00000002 " K16A "\n"         /* 4 */
                             "SRK a@r " K16A "\n"                     /* 5 */
                             "SEK 000001 00000003 " K16A "\n"         /* 6 */
                             "TEK 000001 00000001 0002 " K16A "\n"    /* 7 */
                             "SMK b@r " K16A "\n";                    /* 8 */
  static const struct {
    unsigned role;
    const char *lines;
  } want[] = {
      {0, "12345678"},
      {BCASTDEC_ROLE_SMK, "28"},
      {BCASTDEC_ROLE_SRK, "5"},
      {BCASTDEC_ROLE_SEK, "16"},
      {BCASTDEC_ROLE_PEK, "4"},
      {BCASTDEC_ROLE_TEK, "37"},
      {BCASTDEC_ROLE_ANY_SEKPEK, "146"},
      {BCASTDEC_ROLE_SEK | 0x100u, "146"},
      {9, ""},
      {0x200, ""},
  };
  bcastdec_keystore *ks = bcastdec_keystore_new(), *other = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(load(ks, text, &d), BCASTDEC_OK);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char got[16];
    size_t n = 0;
    for (k = bcastdec_keystore_next(ks, want[i].role, NULL); k != NULL && n < 15;
         k = bcastdec_keystore_next(ks, want[i].role, k))
      got[n++] = (char)('0' + k->origin_ref);
    got[n] = '\0';
    CHECK_STR(got, want[i].lines);
    CHECK_EQ(bcastdec_keystore_count(ks, want[i].role), strlen(want[i].lines));
  }
  /* changing the filter mid-walk continues in insertion order */
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "a@r", 3);
  k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_TEK, k);
  CHECK(k != NULL && k->origin_ref == 3);
  k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_SEK, k);
  CHECK(k != NULL && k->origin_ref == 6);
  /* a key of another store is not a position in this one */
  CHECK_EQ(load(other, "SEK 000001 00000001 " K16A "\nSEK 000001 00000002 " K16A "\n", &d),
           BCASTDEC_OK);
  k = bcastdec_keystore_next(other, 0, NULL);
  k = bcastdec_keystore_next(other, 0, k);
  CHECK(k != NULL);
  CHECK(bcastdec_keystore_next(ks, 0, k) == NULL);
  bcastdec_keystore_free(other);
  bcastdec_keystore_free(ks);
}

#define GBA_KS "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define GBA_RAND "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define GBA_IMPI "001010123456789@ims.mnc001.mcc001.3gppnetwork.org"
#define KS_EXT_NAF "ecfa2226e7bef439693a479848a60b73c053632c1725dd8c08246bbf6cc9abee"
#define KS_INT_NAF "fcd19d262b4a7cd1f6ad01be4912ab5970b55e8cc881c8c0d00a22e7aa86042a"
#define BTID "oKGio6SlpqeoqaqrrK2urw==@bsf.mnc001.mcc001.pub.3gppnetwork.org"

TEST(test_gba_derivation) {
  static const char text[] =
      "# mbms-mikey.md section 11 values\n"
      "GBA " BTID " ks=" GBA_KS " rand=" GBA_RAND " impi=" GBA_IMPI " naf=bmsc.example.com\n"
      "GBA me@id naf=bmsc.example.com impi=" GBA_IMPI " mode=me rand=" GBA_RAND " ks=" GBA_KS
      "\n"
      "GBA u@id ks=" GBA_KS " rand=" GBA_RAND " impi=" GBA_IMPI " naf=bmsc.example.com mode=u\n";
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  size_t bl = strlen(BTID);

  CHECK_EQ(load(ks, text, &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SMK), 3);
  CHECK_EQ(bcastdec_keystore_count(ks, BCASTDEC_ROLE_SRK), 3);
  /* default mode GBA_U */
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, BTID, bl);
  CHECK(k != NULL);
  if (k) {
    CHECK_EQ(k->origin, BCASTDEC_ORIGIN_GBA);
    CHECK_EQ(k->origin_ref, 2);
    CHECK_STR(k->identity, BTID);
    CHECK_HEX(k->key, k->key_len, KS_INT_NAF);
  }
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, BTID, bl);
  CHECK(k != NULL && k->origin == BCASTDEC_ORIGIN_GBA && k->origin_ref == 2);
  if (k) CHECK_HEX(k->key, k->key_len, KS_EXT_NAF);
  /* GBA_ME: Ks_NAF for both */
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "me@id", 5);
  CHECK(k != NULL && k->origin_ref == 3);
  if (k) CHECK_HEX(k->key, k->key_len, KS_EXT_NAF);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "me@id", 5);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, KS_EXT_NAF);
  /* explicit mode=u */
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "u@id", 4);
  CHECK(k != NULL && k->origin_ref == 4);
  if (k) CHECK_HEX(k->key, k->key_len, KS_INT_NAF);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "u@id", 4);
  CHECK(k != NULL);
  if (k) CHECK_HEX(k->key, k->key_len, KS_EXT_NAF);
  bcastdec_keystore_free(ks);
}

TEST(test_smk_16_and_32_bytes) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(load(ks, "SMK a " K16A "\nSMK b " K16A K16B "\nSRK c " K16A K16B K16A K16B "\n", &d),
           BCASTDEC_OK);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "a", 1);
  CHECK(k != NULL && k->key_len == 16);
  if (k) CHECK_HEX(k->key, k->key_len, K16A);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "b", 1);
  CHECK(k != NULL && k->key_len == 32);
  if (k) CHECK_HEX(k->key, k->key_len, K16A K16B);
  k = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SRK, "c", 1);
  CHECK(k != NULL && k->key_len == 64);
  bcastdec_keystore_free(ks);
}

TEST(test_add_api) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_key k;
  const bcastdec_key *got;
  uint8_t rnd[16];
  char id[300];

  memset(&k, 0, sizeof k);
  k.role = BCASTDEC_ROLE_SEK;
  k.key_len = 16;
  memset(k.key, 0x11, 16);
  memcpy(k.kdid, KD1, 3);
  k.sekpek_id = 7;
  k.tek_id = 99;                 /* not part of a SEK: dropped */
  k.origin = BCASTDEC_ORIGIN_LEARNED;
  k.origin_ref = 42;
  memset(rnd, 0xa5, sizeof rnd);
  k.ltkm_rand = rnd;
  k.ltkm_rand_len = sizeof rnd;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
  memset(rnd, 0, sizeof rnd);    /* the store holds its own copy */
  got = bcastdec_keystore_find_sekpek(ks, KD1, 7);
  CHECK(got != NULL);
  if (got) {
    CHECK(got->ltkm_rand != NULL && got->ltkm_rand != rnd);
    CHECK_EQ(got->ltkm_rand_len, 16);
    if (got->ltkm_rand) CHECK_HEX(got->ltkm_rand, 16, "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
    CHECK_EQ(got->origin, BCASTDEC_ORIGIN_LEARNED);
    CHECK_EQ(got->origin_ref, 42);
    CHECK_EQ(got->tek_id, 0);
  }
  /* replacing with a key without RAND drops the RAND */
  k.ltkm_rand = NULL;
  k.ltkm_rand_len = 0;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
  CHECK(got != NULL && got->ltkm_rand == NULL && got->ltkm_rand_len == 0);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 1);

  /* impossible combinations */
  k.key_len = 15;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.key_len = 33;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.key_len = 16;
  k.role = 0;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.role = 6;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.role = BCASTDEC_ROLE_TEK;
  k.salt_len = BCASTDEC_SALT_MAX + 1;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.salt_len = 0;
  k.ltkm_rand_len = 4; /* length without bytes */
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.ltkm_rand_len = 0;
  k.origin = 9;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.origin = BCASTDEC_ORIGIN_API;
  k.role = BCASTDEC_ROLE_SMK;
  k.key_len = 64;
  k.identity = NULL;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  k.identity = "";
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  memset(id, 'x', sizeof id);
  id[256] = '\0';
  k.identity = id;
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_ERR_ARG);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 1);

  /* a valid SMK: identity copied, chain ids dropped */
  id[255] = '\0';
  CHECK_EQ(bcastdec_keystore_add(ks, &k), BCASTDEC_OK);
  id[0] = 'y';
  got = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, id, 255);
  CHECK(got == NULL);
  id[0] = 'x';
  got = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, id, 255);
  CHECK(got != NULL && got->identity != id && got->sekpek_id == 0 && got->key_len == 64);
  if (got) CHECK_EQ(strlen(got->identity), 255);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  bcastdec_memzero(&k, sizeof k);
  bcastdec_keystore_free(ks);
}

TEST(test_add_line) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  const bcastdec_key *k;
  CHECK_EQ(bcastdec_keystore_add_line(ks, "MSK 000001 00000001 " K16A "\n", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "  # only a comment", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "bcastdec-keys 1", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_add_line(
               ks, "GBA g ks=" GBA_KS " rand=" GBA_RAND " impi=" GBA_IMPI " naf=bmsc.example.com",
               &d),
           BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 3);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL && k->origin == BCASTDEC_ORIGIN_FILE && k->origin_ref == 1);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SEK 000001 00000002 " K16A "\nSEK 000001 00000003 " K16A,
                                      &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK_STR(d.msg, "<line>:1: line feed at column 53 (one line was expected)");
  CHECK_EQ(d.line, 1);
  CHECK_EQ(bcastdec_keystore_add_line(ks, "SEK 000001 00000002 " SECRET16 "5", &d),
           BCASTDEC_ERR_SYNTAX);
  CHECK(!contains_secret(d.msg));
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 3);
  /* each line is its own load: a later line for an address replaces the key */
  CHECK_EQ(bcastdec_keystore_add_line(ks, "PEK 000001 00000001 " K16B, &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 3);
  k = bcastdec_keystore_find_sekpek(ks, KD1, 1);
  CHECK(k != NULL && k->role == BCASTDEC_ROLE_PEK);
  if (k) CHECK_HEX(k->key, k->key_len, K16B);
  bcastdec_keystore_free(ks);
}

static int write_file(char *path, const char *text) {
  int fd;
  FILE *f;
  strcpy(path, "/tmp/bcastdec-test-keystore-XXXXXX");
  fd = mkstemp(path);
  if (fd < 0) return 0;
  f = fdopen(fd, "wb");
  if (f == NULL) {
    close(fd);
    return 0;
  }
  fputs(text, f);
  return fclose(f) == 0;
}

TEST(test_load_file) {
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag d;
  char path[64], want[300];

  CHECK(write_file(path, "bcastdec-keys 1\r\nSEK 000001 00000001 " K16A "\r\n"
                         "TEK 000001 00000001 0001 " K16A " 0011\r\n"));
  CHECK_EQ(bcastdec_keystore_load_file(ks, path, &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  remove(path);

  CHECK(write_file(path, "SEK 000001 00000002 " K16A "\n\nSEK 000001 00000003 " SECRET16 "0\n"));
  CHECK_EQ(bcastdec_keystore_load_file(ks, path, &d), BCASTDEC_ERR_SYNTAX);
  snprintf(want, sizeof want, "%s:3: SEK key: odd number of hex digits", path);
  CHECK_STR(d.msg, want);
  CHECK_EQ(d.line, 3);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  remove(path);

  /* an empty file */
  CHECK(write_file(path, ""));
  CHECK_EQ(bcastdec_keystore_load_file(ks, path, &d), BCASTDEC_OK);
  remove(path);

  CHECK_EQ(bcastdec_keystore_load_file(ks, "/nonexistent/dir/x.keys", &d), BCASTDEC_ERR_IO);
  snprintf(want, sizeof want, "/nonexistent/dir/x.keys: cannot open: %s", strerror(ENOENT));
  CHECK_STR(d.msg, want);
  CHECK_EQ(d.line, 0);
  CHECK_EQ(bcastdec_keystore_load_file(ks, "/tmp", &d), BCASTDEC_ERR_IO);
  snprintf(want, sizeof want, "/tmp: read error: %s", strerror(EISDIR));
  CHECK_STR(d.msg, want);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), 2);
  bcastdec_keystore_free(ks);
}

/* xorshift64*: deterministic test data */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

#define NRAND 10000

TEST(test_random_10000_keys) {
  static bcastdec_key keys[NRAND];
  static char ids[NRAND][40];
  static char text[NRAND * 120];
  bcastdec_keystore *ks = bcastdec_keystore_new(), *ks2 = bcastdec_keystore_new();
  bcastdec_diag d;
  size_t tl = 0, found = 0, same = 0, order = 0;
  const bcastdec_key *it;

  for (uint32_t i = 0; i < NRAND; i++) {
    bcastdec_key *k = &keys[i];
    uint64_t r = rng();
    memset(k, 0, sizeof *k);
    k->role = (uint8_t)(1 + r % 5);
    k->key_len = k->role <= BCASTDEC_ROLE_SRK ? (r & 8 ? 32 : 16) : 16;
    for (size_t j = 0; j < k->key_len; j++) k->key[j] = (uint8_t)rng();
    k->kdid[0] = (uint8_t)(r >> 8);
    k->kdid[1] = (uint8_t)(r >> 16);
    k->kdid[2] = (uint8_t)(r >> 24);
    k->sekpek_id = (uint32_t)(r >> 32 & 0xffff0000u) | i; /* unique per key */
    if (k->role == BCASTDEC_ROLE_TEK) {
      k->tek_id = (uint16_t)(r >> 40);
      k->salt_len = 14;
      for (size_t j = 0; j < 14; j++) k->salt[j] = (uint8_t)rng();
    }
    if (k->role <= BCASTDEC_ROLE_SRK) {
      snprintf(ids[i], sizeof ids[i], "u%08x-%u@realm", (unsigned)(r >> 32), (unsigned)i);
      k->identity = ids[i];
    }
    CHECK_EQ(bcastdec_keystore_add(ks, k), BCASTDEC_OK);

    /* the same key as a key-file line */
    {
      static const char *const kw[] = {"", "SMK", "SRK", "SEK", "PEK", "TEK"};
      char hex[2 * BCASTDEC_KEY_MAX + 1], salt[2 * BCASTDEC_SALT_MAX + 1];
      for (size_t j = 0; j < k->key_len; j++) sprintf(hex + 2 * j, "%02X", k->key[j]);
      for (size_t j = 0; j < k->salt_len; j++) sprintf(salt + 2 * j, "%02x", k->salt[j]);
      hex[2 * k->key_len] = salt[2 * k->salt_len] = '\0';
      if (k->role <= BCASTDEC_ROLE_SRK)
        tl += (size_t)sprintf(text + tl, "%s %s %s\n", kw[k->role], k->identity, hex);
      else if (k->role == BCASTDEC_ROLE_TEK)
        tl += (size_t)sprintf(text + tl, "TEK %02x%02x%02x %08x %04x %s %s\n", k->kdid[0],
                              k->kdid[1], k->kdid[2], (unsigned)k->sekpek_id, k->tek_id, hex,
                              salt);
      else
        tl += (size_t)sprintf(text + tl, "%s %02x%02x%02x %08x %s\n", kw[k->role], k->kdid[0],
                              k->kdid[1], k->kdid[2], (unsigned)k->sekpek_id, hex);
    }
  }
  CHECK_EQ(bcastdec_keystore_count(ks, 0), NRAND);
  CHECK_EQ(bcastdec_keystore_load_text(ks2, text, tl, "random", &d), BCASTDEC_OK);
  CHECK_STR(d.msg, "");
  CHECK_EQ(bcastdec_keystore_count(ks2, 0), NRAND);

  for (uint32_t i = 0; i < NRAND; i++) {
    const bcastdec_key *k = &keys[i], *a, *b;
    if (k->role <= BCASTDEC_ROLE_SRK) {
      a = bcastdec_keystore_find_subscriber(ks, k->role, k->identity, strlen(k->identity));
      b = bcastdec_keystore_find_subscriber(ks2, k->role, k->identity, strlen(k->identity));
    } else if (k->role == BCASTDEC_ROLE_TEK) {
      a = bcastdec_keystore_find_tek(ks, k->kdid, k->sekpek_id, k->tek_id);
      b = bcastdec_keystore_find_tek(ks2, k->kdid, k->sekpek_id, k->tek_id);
    } else {
      a = bcastdec_keystore_find_sekpek(ks, k->kdid, k->sekpek_id);
      b = bcastdec_keystore_find_sekpek(ks2, k->kdid, k->sekpek_id);
    }
    if (a != NULL && b != NULL) found++;
    if (a != NULL && b != NULL && a->role == k->role && b->role == k->role &&
        a->key_len == k->key_len && b->key_len == k->key_len &&
        memcmp(a->key, k->key, k->key_len) == 0 && memcmp(b->key, k->key, k->key_len) == 0 &&
        a->salt_len == k->salt_len && b->salt_len == k->salt_len &&
        memcmp(a->salt, k->salt, k->salt_len) == 0 && memcmp(b->salt, k->salt, k->salt_len) == 0 &&
        b->origin == BCASTDEC_ORIGIN_FILE && b->origin_ref == i + 1)
      same++;
  }
  CHECK_EQ(found, NRAND);
  CHECK_EQ(same, NRAND);
  /* insertion order */
  it = bcastdec_keystore_next(ks2, 0, NULL);
  for (uint32_t i = 0; i < NRAND && it != NULL; i++, it = bcastdec_keystore_next(ks2, 0, it))
    if (it->origin_ref == i + 1) order++;
  CHECK_EQ(order, NRAND);
  CHECK(it == NULL);
  /* merging the file into the API-built store replaces every key */
  CHECK_EQ(bcastdec_keystore_load_text(ks, text, tl, "random", &d), BCASTDEC_OK);
  CHECK_EQ(bcastdec_keystore_count(ks, 0), NRAND);
  it = bcastdec_keystore_next(ks, 0, NULL);
  CHECK(it != NULL && it->origin == BCASTDEC_ORIGIN_FILE);
  bcastdec_memzero(keys, sizeof keys);
  bcastdec_keystore_free(ks);
  bcastdec_keystore_free(ks2);
}

RUN_TESTS("keystore", TCASE(test_free_null_and_empty), TCASE(test_every_line_kind_and_alias),
          TCASE(test_case_insensitive_and_hex_forms), TCASE(test_comments_blank_crlf_whitespace),
          TCASE(test_version_line), TCASE(test_errors_line_numbers_and_no_key_text),
          TCASE(test_nul_bytes_and_long_lines), TCASE(test_tabs_and_trailing_whitespace),
          TCASE(test_rollback_on_error),
          TCASE(test_replacement_semantics), TCASE(test_lookups_hit_and_miss),
          TCASE(test_iteration_order_and_filters), TCASE(test_gba_derivation),
          TCASE(test_smk_16_and_32_bytes), TCASE(test_add_api), TCASE(test_add_line),
          TCASE(test_load_file), TCASE(test_random_10000_keys))
