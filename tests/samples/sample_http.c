/* SPDX-License-Identifier: MIT */
/*
 * sample_http - runs libbcastdec's HTTP-side decoders over the HTTP
 * exchanges of a sample capture, for tests/samples/check_samples.py (mode
 * "http").
 *
 *   sample_http KEYS REQUEST RESPONSE [REQUEST RESPONSE]...
 *
 * Each REQUEST / RESPONSE is a file holding one HTTP message as the TCP
 * stream carried it.  For every pair one JSON line goes to stdout:
 *   {"digest": OUTCOME, "rspauth": OUTCOME,
 *    "request": [finding ids], "response": [finding ids]}
 * with the findings of the HTTP splitter, the Digest parser and verifier
 * (password = the key file's SRK), the XML decoder (LTKMs of an MSK
 * response go through one decode session with the key file, as a decoder
 * of the capture would run them) and the exchange checks
 * (bcastdec_http_check_exchange).  MIKEY findings of those LTKMs are not
 * listed: the "mikey" mode checks them.
 *
 * The exchange checks run, like a careful caller would run them, on the
 * requests the profile protects with HTTP Digest (seed 000 5.4.7.2.3):
 * bodies of the provisioning, (de)registration and MSK request media types.
 * The web shop's own purchase and the Smartcard Profile Trigger (BSM to
 * terminal) are not Digest-protected by the seed's flows.  The challenge a
 * retry answers is the previous pair's, when that ended in 401 for the same
 * request target.  Exit 0, or 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>
#include <bcastdec/http.h>
#include <bcastdec/xml.h>

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *p = malloc(cap);
  while (p != NULL) {
    size_t r = fread(p + n, 1, cap - n, f);
    n += r;
    if (n < cap)
      break;
    uint8_t *q = realloc(p, cap *= 2);
    if (q == NULL)
      free(p);
    p = q;
  }
  fclose(f);
  *len = n;
  return p;
}

typedef struct ids {
  const char *id[64];
  size_t n;
} ids;

static void add(ids *s, const bcastdec_finding *f, size_t n) {
  for (size_t i = 0; i < n && s->n < 64; i++)
    s->id[s->n++] = f[i].info->id;
}

static void print_ids(const char *key, const ids *s) {
  printf("\"%s\": [", key);
  for (size_t i = 0; i < s->n; i++)
    printf("%s\"%s\"", i ? ", " : "", s->id[i]);
  printf("]");
}

/* The text of header |name| as a NUL-terminated copy, or NULL. */
static char *header(const bcastdec_http_msg *m, const char *name) {
  const bcastdec_http_header *h = bcastdec_http_header_find(m, name, NULL);
  if (h == NULL)
    return NULL;
  size_t len = 0;
  const char *t = bcastdec_http_header_text(m, h, &len);
  char *c = malloc(len + 1);
  if (c != NULL) {
    memcpy(c, t, len);
    c[len] = '\0';
  }
  return c;
}

static char *media_type(const bcastdec_http_msg *m) {
  size_t len = 0;
  const char *t = bcastdec_http_media_type(m, &len);
  if (t == NULL)
    return NULL;
  char *c = malloc(len + 1);
  if (c != NULL) {
    memcpy(c, t, len);
    c[len] = '\0';
  }
  return c;
}

/* XML bodies: every +xml type and the generic XML types. */
static int is_xml(const char *mt) {
  if (mt == NULL)
    return 0;
  size_t l = strlen(mt);
  return (l > 4 && strcmp(mt + l - 4, "+xml") == 0) || strcmp(mt, "application/xml") == 0 ||
         strcmp(mt, "text/xml") == 0;
}

/* Decodes an XML body; the caller frees the result (NULL: none). */
static bcastdec_xml *xml_body(const bcastdec_http_msg *m, int is_response, bcastdec_session *s,
                              const char *user, ids *out) {
  char *mt = media_type(m);
  if (!is_xml(mt) || m->body.len == 0) {
    free(mt);
    return NULL;
  }
  bcastdec_xml *x = NULL;
  if (bcastdec_xml_decode(&x, m->body.p, m->body.len, mt, NULL) == BCASTDEC_OK) {
    if (x->n_ltkms > 0) {
      char *ct = header(m, "Content-Type");
      bcastdec_xml_http h;
      memset(&h, 0, sizeof h);
      h.is_response = (uint8_t)is_response;
      h.status_code = (uint16_t)m->status_code.v;
      h.has_authentication_info = bcastdec_http_header_find(m, "Authentication-Info", NULL) != NULL;
      h.content_type = ct;
      bcastdec_msg_ctx ctx;
      memset(&ctx, 0, sizeof ctx);
      ctx.digest_username = user;
      if (bcastdec_xml_process_ltkms(x, s, &ctx, &h) != BCASTDEC_OK)
        fprintf(stderr, "process_ltkms failed\n");
      free(ct);
    }
    add(out, x->findings, x->n_findings);
  }
  free(mt);
  return x;
}

/* Requests the profile protects with HTTP Digest, by their media type. */
static int digest_protected(const bcastdec_http_msg *rq) {
  char *mt = media_type(rq);
  unsigned k = bcastdec_xml_kind_from_media_type(mt);
  free(mt);
  return k == BCASTDEC_XML_SPROV || k == BCASTDEC_XML_REGISTER || k == BCASTDEC_XML_DEREGISTER ||
         k == BCASTDEC_XML_MSK_REQUEST;
}

static int same_target(const bcastdec_http_msg *a, const bcastdec_http_msg *b) {
  return a != NULL && b != NULL && a->target.len == b->target.len &&
         memcmp(a->wire + a->target.off, b->wire + b->target.off, a->target.len) == 0;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc % 2 != 0) {
    fprintf(stderr, "usage: sample_http KEYS REQUEST RESPONSE [REQUEST RESPONSE]...\n");
    return 2;
  }
  bcastdec_keystore *ks = bcastdec_keystore_new();
  bcastdec_diag diag;
  if (ks == NULL || bcastdec_keystore_load_file(ks, argv[1], &diag) != BCASTDEC_OK) {
    fprintf(stderr, "sample_http: %s\n", ks ? diag.msg : "out of memory");
    bcastdec_keystore_free(ks);
    return 2;
  }
  bcastdec_session *s = bcastdec_session_new(ks, NULL);
  /* the previous pair, kept for the retry checks */
  uint8_t *pq = NULL, *pr = NULL;
  bcastdec_http_msg *prq = NULL, *prs = NULL;
  bcastdec_digest_msg *pchal = NULL;
  for (int a = 2; a + 1 < argc; a += 2) {
    size_t ql = 0, rl = 0;
    uint8_t *q = slurp(argv[a], &ql), *r = slurp(argv[a + 1], &rl);
    bcastdec_http_msg *rq = NULL, *rs = NULL;
    ids fq = {{0}, 0}, fr = {{0}, 0};
    const char *digest = "none", *rspauth = "none";
    bcastdec_digest_msg *authz = NULL, *chal = NULL, *info = NULL;
    char *user = NULL;
    if (q == NULL || r == NULL || bcastdec_http_parse(q, ql, &rq) != BCASTDEC_OK ||
        bcastdec_http_parse(r, rl, &rs) != BCASTDEC_OK) {
      fprintf(stderr, "sample_http: cannot read or parse %s / %s\n", argv[a], argv[a + 1]);
      printf("{\"error\": true}\n");
      goto next;
    }
    add(&fq, rq->findings, rq->n_findings);
    add(&fr, rs->findings, rs->n_findings);

    char *v = header(rq, "Authorization");
    bcastdec_digest_result res;
    memset(&res, 0, sizeof res);
    if (v != NULL &&
        bcastdec_digest_parse(&authz, BCASTDEC_DIGEST_AUTHORIZATION, v, strlen(v)) == BCASTDEC_OK) {
      add(&fq, authz->findings, authz->n_findings);
      if (bcastdec_digest_verify(authz, "POST", rq->body.p, rq->body.len, ks, NULL, 0, &res) ==
          BCASTDEC_OK) {
        digest = bcastdec_digest_outcome_name(res.outcome);
        add(&fq, res.findings, res.n_findings);
      }
      const bcastdec_digest_auth *au = bcastdec_digest_msg_auth(authz);
      if (au != NULL && au->username != NULL)
        user = strdup(au->username);
    }
    free(v);
    v = header(rs, "WWW-Authenticate");
    if (v != NULL &&
        bcastdec_digest_parse(&chal, BCASTDEC_DIGEST_WWW_AUTHENTICATE, v, strlen(v)) == BCASTDEC_OK)
      add(&fr, chal->findings, chal->n_findings);
    free(v);
    v = header(rs, "Authentication-Info");
    if (v != NULL && authz != NULL &&
        bcastdec_digest_parse(&info, BCASTDEC_DIGEST_AUTHENTICATION_INFO, v, strlen(v)) ==
          BCASTDEC_OK) {
      bcastdec_digest_result r2;
      add(&fr, info->findings, info->n_findings);
      if (bcastdec_digest_verify_rspauth(
            info, authz, rs->body.p, rs->body.len, ks, NULL, 0,
            res.password_form ? res.password_form : BCASTDEC_DIGEST_PW_ANY, &r2) == BCASTDEC_OK) {
        rspauth = bcastdec_digest_outcome_name(r2.outcome);
        add(&fr, r2.findings, r2.n_findings);
      }
    }
    free(v);
    bcastdec_xml *xq = xml_body(rq, 0, s, user, &fq);
    bcastdec_xml *xr = xml_body(rs, 1, s, user, &fr);
    if (digest_protected(rq)) {
      bcastdec_http_exchange ex;
      bcastdec_finding f[16];
      memset(&ex, 0, sizeof ex);
      ex.request = rq;
      ex.response = rs;
      ex.authorization = authz;
      ex.challenge = chal;
      if (prs != NULL && prs->status_code.v == 401 && same_target(prq, rq))
        ex.prev_challenge = pchal;
      ex.response_xml = xr;
      size_t n = bcastdec_http_check_exchange(&ex, f, 16);
      for (size_t i = 0; i < n && i < 16; i++) {
        /* request-side findings have spans in the request */
        int on_request = f[i].info == NULL
                           ? 0
                           : strcmp(f[i].info->id, "http.retry_without_authorization") == 0 ||
                               strcmp(f[i].info->id, "http.retry_mismatch") == 0;
        add(on_request ? &fq : &fr, &f[i], 1);
      }
    }
    bcastdec_xml_free(xq);
    bcastdec_xml_free(xr);

    printf("{\"digest\": \"%s\", \"rspauth\": \"%s\", ", digest ? digest : "?",
           rspauth ? rspauth : "?");
    print_ids("request", &fq);
    printf(", ");
    print_ids("response", &fr);
    printf("}\n");
  next:
    bcastdec_digest_msg_free(authz);
    bcastdec_digest_msg_free(info);
    bcastdec_digest_msg_free(pchal);
    bcastdec_http_msg_free(prq);
    bcastdec_http_msg_free(prs);
    free(pq);
    free(pr);
    /* keep this pair (its bytes back the parsed messages) */
    pchal = chal;
    prq = rq;
    prs = rs;
    pq = q;
    pr = r;
    free(user);
  }
  bcastdec_digest_msg_free(pchal);
  bcastdec_http_msg_free(prq);
  bcastdec_http_msg_free(prs);
  free(pq);
  free(pr);
  bcastdec_session_free(s);
  bcastdec_keystore_free(ks);
  return 0;
}
