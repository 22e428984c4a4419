/* SPDX-License-Identifier: MIT */
/*
 * bcastdec - command-line front end of libbcastdec.
 *
 *   bcastdec mikey [options] INPUT...     decode/decrypt MIKEY LTKMs and STKMs
 *   bcastdec http [options] FILE...       HTTP exchanges: Digest, XML bodies, inline LTKMs
 *   bcastdec xml [options] FILE...        bare XML bodies (MSK responses with LTKMs, ...)
 *   bcastdec keys check FILE...           validate key files
 *   bcastdec keys derive ARGS             GBA-derived SMK/SRK (TS 33.220)
 *   bcastdec assumptions [--json]         the assumed ([A]) rules in force
 *   bcastdec findings                     every finding id the tool reports
 *
 * Exit status: 0 decoded, no error-level finding; 1 decoded with error-level
 * findings; 2 input, key-file or usage error (a truncated or malformed
 * message counts as an input error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>

#include "cli.h"
#include "json.h"
#include "render.h"

#define INPUT_MAX (16u << 20)

static void usage(FILE *f) {
  fputs("usage: bcastdec mikey [--keys FILE]... [--keyid-ext-type N] [--bcast-ext-type N]\n"
        "                      [--no-ltkm-rand] [--digest-user NAME] [--json] INPUT...\n"
        "         INPUT is --hex HEX, --base64 TEXT, or a file of raw bytes ('-' = stdin);\n"
        "         all inputs share one session, in order\n"
        "       bcastdec http [--keys FILE]... [--json] [MIKEY options] FILE...\n"
        "         FILE holds raw HTTP messages; a request and the response after it\n"
        "         form one exchange; all files share one session, in order\n"
        "       bcastdec xml [--keys FILE]... [--json] [--media-type TYPE] [MIKEY options] FILE...\n"
        "       bcastdec keys check FILE...\n"
        "       bcastdec keys derive ks=HEX rand=HEX impi=TEXT naf=FQDN [mode=u|me] [id=IDENTITY]\n"
        "       bcastdec assumptions [--json]\n"
        "       bcastdec findings [--json]\n"
        "       bcastdec --version\n",
        f);
}

int cli_parse_u8(const char *s, uint8_t *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 0);
  if (errno != 0 || *s == '\0' || *end != '\0' || v > 255) return 0;
  *out = (uint8_t)v;
  return 1;
}

/* Reads a whole file (or stdin for "-"); NULL with a message on error. */
uint8_t *cli_read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "bcastdec: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf != NULL) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
    if (n == cap) {
      if (cap >= INPUT_MAX) {
        fprintf(stderr, "bcastdec: %s: larger than %u bytes\n", path, INPUT_MAX);
        free(buf);
        buf = NULL;
        break;
      }
      uint8_t *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  if (buf != NULL && ferror(f)) {
    fprintf(stderr, "bcastdec: %s: read error\n", path);
    free(buf);
    buf = NULL;
  }
  if (f != stdin) fclose(f);
  *len = n;
  return buf;
}

typedef struct input {
  const char *source; /* shown as "source" */
  uint8_t *data;
  size_t len;
} input;

int cli_load_keys(bcastdec_keystore *ks, const char *path) {
  bcastdec_diag d;
  bcastdec_status st = bcastdec_keystore_load_file(ks, path, &d);
  if (st != BCASTDEC_OK) {
    fprintf(stderr, "bcastdec: %s\n", d.msg[0] ? d.msg : bcastdec_strerror(st));
    return 0;
  }
  return 1;
}

static int cmd_mikey(int argc, char **argv) {
  bcastdec_opts o;
  int json = 0, rc = 0;
  const char *digest_user = NULL;
  input *in = calloc((size_t)argc + 1, sizeof *in);
  size_t n_in = 0;
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_session *s = NULL;
  bcastdec_opts_init(&o);
  if (in == NULL || ks == NULL) {
    fprintf(stderr, "bcastdec: out of memory\n");
    rc = EXIT_INPUT;
    goto out;
  }
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--no-ltkm-rand") == 0) {
      o.stkm_try_ltkm_rand = 0;
    } else if (strcmp(a, "--keys") == 0 || strcmp(a, "-k") == 0) {
      if (v == NULL) goto usage;
      if (!cli_load_keys(ks, v)) {
        rc = EXIT_INPUT;
        goto out;
      }
      i++;
    } else if (strcmp(a, "--keyid-ext-type") == 0 || strcmp(a, "--bcast-ext-type") == 0) {
      uint8_t t;
      if (v == NULL || !cli_parse_u8(v, &t)) {
        fprintf(stderr, "bcastdec: %s needs a number 0..255\n", a);
        rc = EXIT_INPUT;
        goto out;
      }
      if (a[2] == 'k') o.keyid_ext_type = t;
      else o.bcast_ext_type = t;
      i++;
    } else if (strcmp(a, "--digest-user") == 0) {
      if (v == NULL) goto usage;
      digest_user = v;
      i++;
    } else if (strcmp(a, "--hex") == 0 || strcmp(a, "--base64") == 0) {
      if (v == NULL) goto usage;
      size_t len = strlen(v), out_len = 0;
      uint8_t *buf = malloc(len + 1);
      if (buf == NULL) {
        rc = EXIT_INPUT;
        goto out;
      }
      bcastdec_status st = a[2] == 'h' ? bcastdec_hex_decode(v, len, buf, len + 1, &out_len)
                                       : bcastdec_base64_decode(v, len, buf, len + 1, &out_len);
      if (st != BCASTDEC_OK) {
        fprintf(stderr, "bcastdec: input %zu: not valid %s\n", n_in, a + 2);
        free(buf);
        rc = EXIT_INPUT;
        goto out;
      }
      in[n_in].source = a + 2;
      in[n_in].data = buf;
      in[n_in].len = out_len;
      n_in++;
      i++;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "bcastdec: unknown option %s\n", a);
      goto usage;
    } else {
      size_t len;
      uint8_t *buf = cli_read_file(a, &len);
      if (buf == NULL) {
        rc = EXIT_INPUT;
        goto out;
      }
      in[n_in].source = a;
      in[n_in].data = buf;
      in[n_in].len = len;
      n_in++;
    }
  }
  if (n_in == 0) {
    fprintf(stderr, "bcastdec: no input\n");
    goto usage;
  }
  s = bcastdec_session_new(ks, &o);
  if (s == NULL) {
    fprintf(stderr, "bcastdec: out of memory\n");
    rc = EXIT_INPUT;
    goto out;
  }
  for (size_t i = 0; i < n_in; i++) {
    bcastdec_mikey_msg *m = NULL;
    bcastdec_msg_ctx ctx = {(uint32_t)i, digest_user, 0};
    bcastdec_status st = bcastdec_session_process(s, in[i].data, in[i].len, &ctx, &m);
    if (st != BCASTDEC_OK) {
      fprintf(stderr, "bcastdec: input %zu: %s\n", i, bcastdec_strerror(st));
      rc = EXIT_INPUT;
      continue;
    }
    if (json) render_json(stdout, m, in[i].source, i, &o);
    else render_text(stdout, m, in[i].source, i, &o);
    /* truncated, malformed or unsupported input outranks findings */
    if (m->status != BCASTDEC_OK) rc = EXIT_INPUT;
    else if (bcastdec_mikey_msg_max_severity(m) == BCASTDEC_SEV_ERROR && rc == 0)
      rc = EXIT_FINDINGS;
    bcastdec_mikey_msg_free(m);
  }
  goto out;
usage:
  usage(stderr);
  rc = EXIT_INPUT;
out:
  if (in != NULL) {
    for (size_t i = 0; i < n_in; i++) free(in[i].data);
    free(in);
  }
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  if (fflush(stdout) != 0 && rc == 0) rc = EXIT_INPUT;
  return rc;
}

static int cmd_keys_check(int argc, char **argv) {
  int rc = 0;
  if (argc == 0) {
    usage(stderr);
    return EXIT_INPUT;
  }
  for (int i = 0; i < argc; i++) {
    bcastdec_keystore *ks = bcastdec_keystore_new();
    if (ks == NULL) return EXIT_INPUT;
    if (!cli_load_keys(ks, argv[i])) {
      rc = EXIT_INPUT;
    } else {
      printf("%s: ok: %zu SMK, %zu SRK, %zu SEK, %zu PEK, %zu TEK\n", argv[i],
             bcastdec_keystore_count(ks, BCASTDEC_ROLE_SMK),
             bcastdec_keystore_count(ks, BCASTDEC_ROLE_SRK),
             bcastdec_keystore_count(ks, BCASTDEC_ROLE_SEK),
             bcastdec_keystore_count(ks, BCASTDEC_ROLE_PEK),
             bcastdec_keystore_count(ks, BCASTDEC_ROLE_TEK));
    }
    bcastdec_keystore_free(ks);
  }
  return rc;
}

static void print_hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

/* keys derive ks=HEX rand=HEX impi=TEXT naf=FQDN [mode=u|me] [id=IDENTITY] */
static int cmd_keys_derive(int argc, char **argv) {
  uint8_t ksb[64], rnd[64], ext[32], in_[32];
  size_t ks_len = 0, rnd_len = 0;
  const char *impi = NULL, *naf = NULL, *id = NULL;
  int mode_u = 1, rc = EXIT_INPUT, have_ks = 0, have_rand = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "ks=", 3) == 0) {
      have_ks = bcastdec_hex_decode(a + 3, strlen(a + 3), ksb, sizeof ksb, &ks_len) == BCASTDEC_OK;
      if (!have_ks) fprintf(stderr, "bcastdec: ks= is not valid hex (up to 64 bytes)\n");
    } else if (strncmp(a, "rand=", 5) == 0) {
      have_rand = bcastdec_hex_decode(a + 5, strlen(a + 5), rnd, sizeof rnd, &rnd_len) == BCASTDEC_OK;
      if (!have_rand) fprintf(stderr, "bcastdec: rand= is not valid hex\n");
    } else if (strncmp(a, "impi=", 5) == 0) {
      impi = a + 5;
    } else if (strncmp(a, "naf=", 4) == 0) {
      naf = a + 4;
    } else if (strncmp(a, "id=", 3) == 0) {
      id = a + 3;
    } else if (strcmp(a, "mode=u") == 0) {
      mode_u = 1;
    } else if (strcmp(a, "mode=me") == 0) {
      mode_u = 0;
    } else {
      fprintf(stderr, "bcastdec: keys derive: unknown argument (expected ks=, rand=, impi=, "
                      "naf=, mode=, id=)\n");
      goto out;
    }
  }
  if (!have_ks || !have_rand || impi == NULL || naf == NULL) {
    usage(stderr);
    goto out;
  }
  if (bcastdec_gba_derive(ksb, ks_len, rnd, rnd_len, impi, naf, ext, in_) != BCASTDEC_OK) {
    fprintf(stderr, "bcastdec: GBA derivation failed (check the lengths)\n");
    goto out;
  }
  /* explicit output: printing the derived keys is the purpose of the command */
  printf("# GBA_%s, NAF %s\n", mode_u ? "U" : "ME", naf);
  printf("Ks_ext_NAF %s", ""), print_hex(ext, 32), printf("\n");
  printf("Ks_int_NAF %s", ""), print_hex(in_, 32), printf("\n");
  const char *who = id != NULL ? id : "<identity>";
  printf("SMK %s ", who), print_hex(mode_u ? in_ : ext, 32), printf("\n");
  printf("SRK %s ", who), print_hex(ext, 32), printf("\n");
  if (!mode_u) printf("# GBA_ME: SMK = SRK = Ks_NAF is an assumption (PROFILE section 9)\n");
  rc = 0;
out:
  bcastdec_memzero(ksb, sizeof ksb);
  bcastdec_memzero(ext, sizeof ext);
  bcastdec_memzero(in_, sizeof in_);
  return rc;
}

static int cmd_assumptions(int argc, char **argv) {
  size_t n;
  const bcastdec_assumption *a = bcastdec_assumptions(&n);
  int json = argc > 0 && strcmp(argv[0], "--json") == 0;
  if (json) {
    jw w;
    jw_init(&w, stdout);
    jw_obj(&w, NULL);
    jw_arr(&w, "assumptions");
    for (size_t i = 0; i < n; i++) {
      jw_obj(&w, NULL);
      jw_str(&w, "name", a[i].name);
      if (a[i].value >= 0) jw_uint(&w, "default", (uint64_t)a[i].value);
      jw_bool(&w, "overridable", a[i].overridable);
      jw_str(&w, "text", a[i].text);
      jw_end_obj(&w);
    }
    jw_end_arr(&w);
    jw_end_obj(&w);
    return 0;
  }
  printf("Assumed rules ([A] in the wire profile); decryption depends on none of them.\n");
  for (size_t i = 0; i < n; i++) {
    if (a[i].value >= 0)
      printf("%-24s default %-5ld %s\n  %s\n", a[i].name, a[i].value,
             a[i].overridable ? "(overridable)" : "", a[i].text);
    else printf("%-24s layout rule\n  %s\n", a[i].name, a[i].text);
  }
  return 0;
}

static int cmd_findings(int argc, char **argv) {
  size_t n;
  const bcastdec_finding_info *t = bcastdec_finding_table(&n);
  static const char *groups[] = {"malformed", "protocol", "decryption", "sequence", "undecoded"};
  int json = argc > 0 && strcmp(argv[0], "--json") == 0;
  jw w;
  if (json) {
    jw_init(&w, stdout);
    jw_obj(&w, NULL);
    jw_arr(&w, "findings");
  }
  int wid = 0; /* the id column fits the longest id */
  for (size_t i = 0; i < n; i++)
    if ((int)strlen(t[i].id) > wid) wid = (int)strlen(t[i].id);
  for (size_t i = 0; i < n; i++) {
    if (json) {
      jw_obj(&w, NULL);
      jw_str(&w, "id", t[i].id);
      jw_str(&w, "severity", bcastdec_severity_name(t[i].severity));
      jw_str(&w, "group", groups[t[i].group]);
      jw_str(&w, "summary", t[i].summary);
      jw_end_obj(&w);
    } else {
      printf("%-*s %-8s %-10s %s\n", wid, t[i].id, bcastdec_severity_name(t[i].severity),
             groups[t[i].group], t[i].summary);
    }
  }
  if (json) {
    jw_end_arr(&w);
    jw_end_obj(&w);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "mikey") == 0) return cmd_mikey(argc - 2, argv + 2);
  if (strcmp(cmd, "http") == 0) return cmd_http(argc - 2, argv + 2);
  if (strcmp(cmd, "xml") == 0) return cmd_xml(argc - 2, argv + 2);
  if (strcmp(cmd, "keys") == 0 && argc >= 3 && strcmp(argv[2], "check") == 0)
    return cmd_keys_check(argc - 3, argv + 3);
  if (strcmp(cmd, "keys") == 0 && argc >= 3 && strcmp(argv[2], "derive") == 0)
    return cmd_keys_derive(argc - 3, argv + 3);
  if (strcmp(cmd, "assumptions") == 0) return cmd_assumptions(argc - 2, argv + 2);
  if (strcmp(cmd, "findings") == 0) return cmd_findings(argc - 2, argv + 2);
  if (strcmp(cmd, "--version") == 0) {
    printf("bcastdec %s\n", BCASTDEC_VERSION_STRING);
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return EXIT_INPUT;
}
