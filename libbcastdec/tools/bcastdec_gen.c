/* SPDX-License-Identifier: MIT */
/*
 * bcastdec-gen - scenario-driven capture generator for the OMA BCAST
 * Smartcard Profile key management.
 *
 *   bcastdec-gen SCENARIO -o OUT.pcapng [--keys OUT.keys] [--expected OUT.json]
 *                [--seed N]
 *
 * Reads a scenario (format: samples/README.md), plays it between simulated
 * terminals (BSP-C), a BSM (BSP-M), a web portal and a broadcast source, and
 * writes
 *   - a pcapng capture: Ethernet/IPv4/UDP/TCP with correct checksums, one TCP
 *     connection per HTTP request/response, HTTP Digest computed for real
 *     from each subscriber's SRK, LTKMs pushed to UDP 4359 or carried inline
 *     in MSK responses, STKMs on the services' UDP ports; every packet has a
 *     comment naming its scenario step;
 *   - the matching key file (keys/README.md format);
 *   - expected.json: the truth the generator knows - every key a message
 *     delivers (frame, step, delivery path), every MIKEY message's expected
 *     outcome, every HTTP exchange, and the finding ids the faults of the
 *     scenario must trigger.
 * The same scenario and seed give the same bytes on every run and host.
 *
 * Messages are built with the public encoder (<bcastdec/encode.h>); faults
 * the encoder refuses to build are made by patching its output and, where
 * the patch is covered by a MAC, computing the MAC again with the internal
 * crypto functions (bcastdec_crypto.h).
 *
 * References: seed 000 (OMA BCAST Services 5.4.7.2.3-5.4.7.2.14 flows),
 * seed 003 (LTKMs in the MSK response), PROFILE.md sections 1-8, RFC 2617 /
 * RFC 7616 (Digest), RFC 3830 (MIKEY).
 *
 * The sample keys are generated from the seed and protect nothing real; the
 * generator prints no key bytes except into the key file and expected.json,
 * the two outputs whose purpose is to hold them.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>
#include <bcastdec/encode.h>

#include "bcastdec_crypto.h"
#include "gen_json.h"
#include "gen_net.h"
#include "gen_scenario.h"

#define MAX_SUBS 16
#define MAX_SVCS 16
#define MAX_REQ_SVCS 8
#define MSG_MAX 2048
#define LTKM_PORT 4359 /* IANA omabcastltkm */
#define HTTP_PORT 80
#define PUSH_HTTP_PORT 8080       /* terminal side of the Smartcard Profile Trigger [A] */
#define DEFAULT_START 1709283600u /* 2024-03-01T09:00:00Z */

/* ------------------------------------------------------------------------ */
/* Model                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct sub {
  char name[32];
  int csim;        /* 0: (U)SIM, B-TID; 1: (R-)UIM/CSIM, NAI */
  char ident[256]; /* B-TID or NAI: Digest username, LTKM IDr */
  uint8_t smk[32], srk[32];
  size_t smk_len, srk_len;
  int kf_smk, kf_srk; /* the key file holds them */
  int nat;            /* the capture sees the NAT's public address */
  gn_host host;
  uint16_t next_port;
  uint64_t ltkm_counter;      /* last T counter sent under this SMK */
  uint8_t last_ltkm[MSG_MAX]; /* for "replay" */
  size_t last_ltkm_len;
  int last_ltkm_msg;       /* index of its expected message */
  uint8_t v_ltkm[MSG_MAX]; /* the last LTKM with V = 1, for "verification" */
  size_t v_ltkm_len;
  /* decoder model: what a decoder of the capture has accepted */
  uint64_t accepted; /* last verified counter under this SMK */
  int has_accepted;
  int v_pending; /* a verified LTKM with V = 1 awaits its answer */
  /* Digest session with the portal (web shop, SMK/SRK aware) */
  char nonce[64], opaque[40];
  uint32_t nc;
  /* flow model: what the flow tracker (bcastdec/flow.h) expects of this
   * subscriber; frames where its findings go */
  uint32_t fl_reg;   /* registrationRequired=true awaiting a Registration, 0 */
  uint32_t fl_ltkm;  /* a purchase/Registration awaiting an LTKM (Request), 0 */
  uint32_t fl_dereg; /* a successful Deregistration, 0 */
  uint32_t fl_v[16]; /* LTKMs with V = 1 awaiting a verification message */
  size_t fl_nv;
} sub;

typedef struct svc {
  char name[32];
  uint8_t kdid[3];
  uint32_t sekpek_id;
  int pek; /* PEK rather than SEK */
  uint8_t key[16];
  int in_keyfile;            /* the key file holds the key (first generation only) */
  char item[160], data[160]; /* GlobalPurchaseItemID, PurchaseDataRef */
  uint16_t port;             /* STKM UDP port */
  uint8_t group[4];          /* STKM multicast group */
  uint64_t stkm_counter;
  uint16_t next_tek;
  uint8_t last_stkm[MSG_MAX];
  size_t last_stkm_len;
  int known;         /* a decoder of the capture knows the current key */
  int fl_seen;       /* an LTKM or STKM named its ids (flow tracker, rule 16) */
  int learned_any;   /* ... or learned some generation of it */
  uint64_t accepted; /* last verified STKM counter under the current key */
  int has_accepted;
  int generation;
} svc;

typedef struct xfind {
  const bcastdec_finding_info *info;
  uint32_t frame;
  unsigned step;
  const char *layer; /* "mikey", "http", "digest", "xml" */
} xfind;

typedef struct xkey {
  uint8_t role; /* BCASTDEC_ROLE_SEK/PEK/TEK */
  uint8_t kdid[3];
  uint32_t sekpek_id;
  uint16_t tek_id;
  uint8_t key[16], salt[14];
  size_t salt_len;
  uint32_t frame;
  unsigned step;
  const char *delivery; /* udp_push, inline, udp_broadcast */
  size_t msg;           /* index into msgs */
} xkey;

#define XMSG_FINDINGS 6
typedef struct xmsg {
  uint32_t frame;
  unsigned step;
  uint8_t kind; /* bcastdec_kind */
  const char *delivery;
  char sub[32], svc[32];
  uint64_t counter;
  uint8_t outcome; /* bcastdec_outcome */
  int replay;
  size_t n_keys;
  size_t first_key;
  size_t n_find;
  const char *find[XMSG_FINDINGS];
  int no_decode; /* an <LTKM> element holding no MIKEY message */
  uint8_t *wire; /* the message as sent (owned) */
  size_t wire_len;
} xmsg;

typedef struct xhttp {
  unsigned step;
  uint32_t request_frame, response_frame;
  char method[8];
  char uri[96];
  char host[64];
  int status;
  char req_type[64], resp_type[64];
  int authorization;
  char username[256];
  const char *digest;  /* expected verification: verified, failed, none */
  const char *rspauth; /* verified, failed, none */
} xhttp;

typedef struct xstep {
  unsigned step, line;
  char text[256];
  char comment[512];
  uint32_t first_frame, last_frame;
} xstep;

typedef struct gen {
  uint64_t seed;
  int seed_given;
  gn_rng rng;
  gn_net net;
  int net_ready;
  char scenario_path[512];
  char title[256];
  char pending[4][256]; /* rules whose finding ids do not exist yet */
  size_t n_pending;
  uint64_t start_s;
  uint16_t mss;
  uint32_t rtt_ms;
  char bsm_fqdn[128];
  char shop_fqdn[128];
  gn_host bsm, shop, bcast_src;
  uint8_t digest_alg; /* bcastdec_digest_alg numbers: 1 MD5 2 MD5-sess 3 SHA-256 4 -sess */
  int qop_int;        /* qop auth-int instead of auth */
  sub subs[MAX_SUBS];
  size_t n_subs;
  svc svcs[MAX_SVCS];
  size_t n_svcs;
  unsigned step;
  gs_line *line;
  char step_text[256];
  char pending_comment[512];
  uint32_t req_id;
  uint32_t step_first_frame;

  xfind *f;
  size_t nf, capf;
  xkey *k;
  size_t nk, capk;
  xmsg *m;
  size_t nm, capm;
  xhttp *h;
  size_t nh, caph;
  xstep *st;
  size_t nst, capst;

  int failed;
  char err[1024];
} gen;

static void fail(gen *G, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
static void fail(gen *G, const char *fmt, ...) {
  if (G->failed)
    return;
  G->failed = 1;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (G->line != NULL)
    snprintf(G->err, sizeof G->err, "%s:%u: %s", G->scenario_path, G->line->lineno, msg);
  else
    snprintf(G->err, sizeof G->err, "%s: %s", G->scenario_path, msg);
}

/* grow-or-fail for the record arrays */
static void *grow(gen *G, void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap)
    return (char *)*arr + n * size;
  size_t nc = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, nc * size);
  if (p == NULL) {
    fail(G, "out of memory");
    return NULL;
  }
  memset((char *)p + *cap * size, 0, (nc - *cap) * size);
  *arr = p;
  *cap = nc;
  return (char *)p + n * size;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void hex_lower(char *out, const uint8_t *p, size_t n) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[p[i] >> 4];
    out[2 * i + 1] = hx[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static size_t base64(char *out, const uint8_t *p, size_t n) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    out[o++] = t[v >> 18 & 63];
    out[o++] = t[v >> 12 & 63];
    out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? t[v & 63] : '=';
  }
  out[o] = '\0';
  return o;
}

static int parse_hex(const char *s, uint8_t *out, size_t want) {
  size_t n = 0;
  if (bcastdec_hex_decode(s, strlen(s), out, want, &n) != BCASTDEC_OK || n != want)
    return -1;
  return 0;
}

static int parse_ip(const char *s, uint8_t ip[4]) {
  unsigned a, b, c, d;
  char tail;
  if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 ||
      d > 255)
    return -1;
  ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
  return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v) {
  char *end;
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 0);
  if (errno || *end || x > max)
    return -1;
  *v = x;
  return 0;
}

static void host_init(gn_host *h, const uint8_t ip[4], uint8_t mac_last, int far, gn_rng *r) {
  memset(h, 0, sizeof *h);
  memcpy(h->ip, ip, 4);
  uint8_t mac[6] = {0x02, 0x42, 0xbc, 0x00, 0x00, mac_last}; /* locally administered */
  memcpy(h->mac, mac, 6);
  h->ip_id = (uint16_t)gn_rng_below(r, 0x10000);
  h->far = (uint8_t)far;
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void http_date(uint64_t unix_s, char *out, size_t cap) {
  static const char *wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = (int64_t)(unix_s / 86400), sod = (int64_t)(unix_s % 86400);
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[days % 7], (int)d, mo[m - 1], (int)y,
           (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

/* ------------------------------------------------------------------------ */
/* Expected results                                                         */
/* ------------------------------------------------------------------------ */

static const bcastdec_finding_info *finding_info(const char *id) {
  size_t n;
  const bcastdec_finding_info *t = bcastdec_finding_table(&n);
  for (size_t i = 0; i < n; i++)
    if (t[i].id != NULL && strcmp(t[i].id, id) == 0)
      return &t[i];
  return NULL;
}

/* Records that |id| must be reported about |frame|.  An id this library does
 * not define is an error of the scenario (the sample could never pass). */
static const char *expect(gen *G, const char *id, uint32_t frame, const char *layer) {
  const bcastdec_finding_info *fi = finding_info(id);
  if (fi == NULL) {
    fail(G, "finding id '%s' is not defined by this libbcastdec", id);
    return NULL;
  }
  xfind *x = grow(G, (void **)&G->f, &G->capf, G->nf, sizeof *x);
  if (x == NULL)
    return NULL;
  x->info = fi;
  x->frame = frame;
  x->step = G->step;
  x->layer = layer;
  G->nf++;
  return fi->id;
}

static xmsg *new_msg(gen *G, uint8_t kind, uint32_t frame, const char *delivery, const sub *u,
                     const svc *v, const uint8_t *wire, size_t len) {
  xmsg *m = grow(G, (void **)&G->m, &G->capm, G->nm, sizeof *m);
  if (m == NULL)
    return NULL;
  memset(m, 0, sizeof *m);
  m->kind = kind;
  m->frame = frame;
  m->step = G->step;
  m->delivery = delivery;
  if (u != NULL)
    snprintf(m->sub, sizeof m->sub, "%s", u->name);
  if (v != NULL)
    snprintf(m->svc, sizeof m->svc, "%s", v->name);
  m->first_key = G->nk;
  m->wire = malloc(len);
  if (m->wire == NULL) {
    fail(G, "out of memory");
    return NULL;
  }
  memcpy(m->wire, wire, len);
  m->wire_len = len;
  G->nm++;
  return m;
}

static void msg_finding(gen *G, xmsg *m, const char *id) {
  const char *fid = expect(G, id, m->frame, "mikey");
  if (fid != NULL && m->n_find < XMSG_FINDINGS)
    m->find[m->n_find++] = fid;
}

static void msg_key(gen *G, xmsg *m, uint8_t role, const svc *v, int has_tek, uint16_t tek,
                    const uint8_t *key, const uint8_t *salt) {
  xkey *k = grow(G, (void **)&G->k, &G->capk, G->nk, sizeof *k);
  if (k == NULL)
    return;
  memset(k, 0, sizeof *k);
  k->role = role;
  memcpy(k->kdid, v->kdid, 3);
  k->sekpek_id = v->sekpek_id;
  k->tek_id = has_tek ? tek : 0;
  memcpy(k->key, key, 16);
  if (salt != NULL) {
    memcpy(k->salt, salt, 14);
    k->salt_len = 14;
  }
  k->frame = m->frame;
  k->step = m->step;
  k->delivery = m->delivery;
  k->msg = (size_t)(m - G->m);
  G->nk++;
  m->n_keys++;
}

/* Decoder model (PROFILE.md section 6): which SMK / SEK-PEK a decoder with
 * the key file and the keys learned so far would try. */
static int any_smk_in_file(const gen *G) {
  for (size_t i = 0; i < G->n_subs; i++)
    if (G->subs[i].kf_smk)
      return 1;
  return 0;
}
static int any_sekpek_known(const gen *G) {
  for (size_t i = 0; i < G->n_svcs; i++)
    if (G->svcs[i].known || G->svcs[i].in_keyfile || G->svcs[i].learned_any)
      return 1;
  return 0;
}

static void http_record(gen *G, const xhttp *x) {
  xhttp *h = grow(G, (void **)&G->h, &G->caph, G->nh, sizeof *h);
  if (h == NULL)
    return;
  *h = *x;
  h->step = G->step;
  G->nh++;
}

/* ------------------------------------------------------------------------ */
/* Packet comments                                                          */
/* ------------------------------------------------------------------------ */

static const char *cm(gen *G, const char *what) {
  static char buf[1024];
  if (G->pending_comment[0] != '\0') {
    snprintf(buf, sizeof buf, "%s | step %u (%s): %s", G->pending_comment, G->step, G->step_text,
             what);
  } else {
    snprintf(buf, sizeof buf, "step %u (%s): %s", G->step, G->step_text, what);
  }
  return buf;
}

/* After the first packets of a step carry the scenario's comment, the rest
 * carry only the step. */
static void comment_used(gen *G) {
  G->pending_comment[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* HTTP Digest (RFC 2617 3.2.2, RFC 7616 3.4)                               */
/* ------------------------------------------------------------------------ */

static const char *alg_name(uint8_t a) {
  switch (a) {
  case 2:
    return "MD5-sess";
  case 3:
    return "SHA-256";
  case 4:
    return "SHA-256-sess";
  default:
    return "MD5";
  }
}

/* H(text) as lowercase hex into |out| (65 bytes). */
static void dh(const gen *G, const char *text, size_t len, char *out) {
  bcastdec__iov iov = {(const uint8_t *)text, len};
  uint8_t d[32];
  if (G->digest_alg >= 3) {
    bcastdec__sha256(&iov, 1, d);
    hex_lower(out, d, 32);
  } else {
    bcastdec__md5(&iov, 1, d);
    hex_lower(out, d, 16);
  }
  bcastdec_memzero(d, sizeof d);
}

typedef struct dg {
  const char *username, *realm, *nonce, *cnonce, *uri, *method;
  char nc[9];
  const uint8_t *srk;
  size_t srk_len;
  int wrong_password;
  const char *req_body, *resp_body;
  size_t req_len, resp_len;
} dg;

/* response (|rsp| 0) or rspauth (|rsp| 1) */
static void digest_value(const gen *G, const dg *d, int rsp, char out[65]) {
  char pw[96], ha1[65], ha2[65], hb[65], *buf;
  size_t cap = 1024 + strlen(d->username) + strlen(d->uri);
  buf = malloc(cap);
  if (buf == NULL) {
    out[0] = '\0';
    return;
  }
  /* password text form: base64(SRK) [A] */
  base64(pw, d->srk, d->srk_len);
  if (d->wrong_password)
    pw[0] = pw[0] == 'A' ? 'B' : 'A';
  int n = snprintf(buf, cap, "%s:%s:%s", d->username, d->realm, pw);
  dh(G, buf, (size_t)n, ha1);
  if (G->digest_alg == 2 || G->digest_alg == 4) {
    n = snprintf(buf, cap, "%s:%s:%s", ha1, d->nonce, d->cnonce);
    dh(G, buf, (size_t)n, ha1);
  }
  const char *qop = G->qop_int ? "auth-int" : "auth";
  if (G->qop_int) {
    const char *body = rsp ? d->resp_body : d->req_body;
    size_t bl = rsp ? d->resp_len : d->req_len;
    dh(G, body ? body : "", body ? bl : 0, hb);
    n = snprintf(buf, cap, "%s:%s:%s", rsp ? "" : d->method, d->uri, hb);
  } else {
    n = snprintf(buf, cap, "%s:%s", rsp ? "" : d->method, d->uri);
  }
  dh(G, buf, (size_t)n, ha2);
  n = snprintf(buf, cap, "%s:%s:%s:%s:%s:%s", ha1, d->nonce, d->nc, d->cnonce, qop, ha2);
  dh(G, buf, (size_t)n, out);
  bcastdec_memzero(pw, sizeof pw);
  bcastdec_memzero(ha1, sizeof ha1);
  bcastdec_memzero(buf, cap);
  free(buf);
}

static const char *realm_of(const sub *u, const char *fqdn, char *buf, size_t cap) {
  /* GBA_U realm for (U)SIM (TS 33.220 via mbms-mikey.md 6); the NAF's FQDN
   * for (R-)UIM/CSIM [A] */
  if (u->csim)
    snprintf(buf, cap, "%s", fqdn);
  else
    snprintf(buf, cap, "3GPP-bootstrapping-uicc@%s", fqdn);
  return buf;
}

/* ------------------------------------------------------------------------ */
/* HTTP exchanges                                                           */
/* ------------------------------------------------------------------------ */

typedef struct xchg {
  const char *what; /* "Service Request", for comments */
  gn_host *server;  /* server side host */
  const char *host; /* Host header */
  const char *uri;
  const char *req_type; /* NULL: no body */
  const char *req_body;
  const char *ua; /* User-Agent */
  /* the answer when the request is accepted */
  int status;
  const char *reason;
  const char *resp_type;
  const char *resp_body;
  /* authentication */
  int digest;  /* 1: 401 challenge, then credentials */
  int preauth; /* credentials with the subscriber's stored nonce */
  int reverse; /* the BSM is the client, the terminal the server */
  /* faults */
  int wrong_password;
  const char *username; /* override */
  int bad_rspauth;
  int no_auth_info;
  int no_challenge;  /* the BSM answers without asking for credentials */
  int no_www_auth;   /* the 401 carries no WWW-Authenticate */
  int retry_no_auth; /* the retry after the 401 has no Authorization */
  int stale_nonce;   /* the Authorization names a nonce the BSM never gave */
  /* results */
  uint32_t request_frame, response_frame;
  int accepted;
} xchg;

static uint16_t client_port(gen *G, sub *u) {
  if (u->next_port == 0)
    u->next_port = (uint16_t)(u->nat ? 61000 : 49152 + gn_rng_below(&G->rng, 8000));
  return u->next_port++;
}

/* One request/response on its own TCP connection. */
static void http_once(gen *G, sub *u, xchg *x, const gn_buf *req, const gn_buf *resp,
                      const char *req_what, const char *resp_what, xhttp *rec) {
  gn_tcp t;
  gn_host *client = x->reverse ? x->server : &u->host;
  gn_host *server = x->reverse ? &u->host : x->server;
  uint16_t cport = x->reverse ? (uint16_t)(40000 + gn_rng_below(&G->rng, 9000)) : client_port(G, u);
  uint16_t sport = x->reverse ? PUSH_HTTP_PORT : HTTP_PORT;
  char what[256];
  snprintf(what, sizeof what, "%s: TCP connection", x->what);
  gn_tcp_open(&G->net, &t, client, cport, server, sport, cm(G, what));
  comment_used(G);
  rec->request_frame = gn_tcp_send(&G->net, &t, 1, req->p, req->len, cm(G, req_what));
  rec->response_frame = gn_tcp_send(&G->net, &t, 0, resp->p, resp->len, cm(G, resp_what));
  gn_tcp_close(&G->net, &t, cm(G, "TCP close"));
}

static void put_request_head(gn_buf *b, const xchg *x, const char *authz) {
  gn_buf_printf(b, "POST %s HTTP/1.1\r\nHost: %s\r\n", x->uri, x->host);
  if (authz != NULL)
    gn_buf_printf(b, "Authorization: %s\r\n", authz);
  gn_buf_printf(b, "User-Agent: %s\r\n",
                x->ua ? x->ua : "bcast-terminal/1.0 (BSP-C; bcastdec-gen)");
  size_t bl = x->req_body ? strlen(x->req_body) : 0;
  if (x->req_type != NULL)
    gn_buf_printf(b, "Content-Type: %s\r\n", x->req_type);
  gn_buf_printf(b, "Content-Length: %zu\r\n\r\n", bl);
  if (bl)
    gn_buf_put(b, x->req_body, bl);
}

static void put_response_head(gen *G, gn_buf *b, int status, const char *reason,
                              const char *extra_hdr, const char *type, const char *body,
                              const char *server_name) {
  char date[64];
  http_date(G->net.now_us / 1000000u, date, sizeof date);
  size_t bl = body ? strlen(body) : 0;
  gn_buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: %s\r\n", status, reason, date,
                server_name);
  if (extra_hdr != NULL)
    gn_buf_puts(b, extra_hdr);
  if (type != NULL)
    gn_buf_printf(b, "Content-Type: %s\r\n", type);
  /* RFC 9110 8.6: no Content-Length in a 204 */
  if (status != 204)
    gn_buf_printf(b, "Content-Length: %zu\r\n", bl);
  gn_buf_puts(b, "Connection: close\r\n\r\n");
  if (bl)
    gn_buf_put(b, body, bl);
}

/* One exchange whose answer carries no body: a 401 with |challenge_hdr|
 * (NULL: none) or the plain answer of |x|. */
static void exchange_record(gen *G, xchg *x, xhttp *rec, int status, const char *authz_user) {
  snprintf(rec->method, sizeof rec->method, "POST");
  snprintf(rec->uri, sizeof rec->uri, "%s", x->uri);
  snprintf(rec->host, sizeof rec->host, "%s", x->host);
  snprintf(rec->req_type, sizeof rec->req_type, "%s", x->req_type ? x->req_type : "");
  rec->status = status;
  if (authz_user != NULL) {
    rec->authorization = 1;
    snprintf(rec->username, sizeof rec->username, "%s", authz_user);
  }
  if (rec->digest == NULL)
    rec->digest = "none";
  if (rec->rspauth == NULL)
    rec->rspauth = "none";
  http_record(G, rec);
}

static void challenge_header(const gen *G, char *out, size_t cap, const char *realm,
                             const char *nonce, const char *opaque, int stale) {
  snprintf(out, cap,
           "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", qop=\"%s\", algorithm=%s, "
           "opaque=\"%s\"%s\r\n",
           realm, nonce, G->qop_int ? "auth-int" : "auth", alg_name(G->digest_alg), opaque,
           stale ? ", stale=true" : "");
}

static void new_nonce(gen *G, char nonce[64]) {
  uint8_t rn[24];
  gn_rng_bytes(&G->rng, rn, sizeof rn);
  base64(nonce, rn, sizeof rn);
}

/* Runs the request |x| for subscriber |u|: plain, or with the Digest
 * challenge/response of seed 000 5.4.7.2.3.  Sets x->accepted. */
static void http_exchange(gen *G, sub *u, xchg *x) {
  gn_buf req = {0}, resp = {0};
  char realm[200], nonce[64], opaque[40], cnonce[40], authz[1400], info[400], rspauth[65];
  char resp_val[65], what_req[160], what_resp[160], chal[600];
  const char *server_name = x->reverse ? "bcast-terminal/1.0" : "bsm/1.0 (BSP-M; bcastdec-gen)";
  xhttp rec;
  memset(&rec, 0, sizeof rec);
  x->accepted = 0;
  const char *fqdn = x->host;

  if (!x->digest || x->no_challenge) {
    /* no Digest: the web shop's own purchase, the trigger - or the fault of
     * a BSM that does not ask for credentials (seed rule 9) */
    put_request_head(&req, x, NULL);
    put_response_head(G, &resp, x->status, x->reason, NULL, x->resp_type, x->resp_body,
                      server_name);
    snprintf(what_req, sizeof what_req, "%s: POST%s", x->what,
             x->no_challenge ? " without Authorization" : "");
    snprintf(what_resp, sizeof what_resp, "%s: %d %s%s", x->what, x->status, x->reason,
             x->no_challenge ? " without a Digest challenge" : "");
    http_once(G, u, x, &req, &resp, what_req, what_resp, &rec);
    snprintf(rec.resp_type, sizeof rec.resp_type, "%s", x->resp_type ? x->resp_type : "");
    exchange_record(G, x, &rec, x->status, NULL);
    x->request_frame = rec.request_frame;
    x->response_frame = rec.response_frame;
    x->accepted = 1;
    if (x->no_challenge)
      expect(G, "http.unauthenticated", rec.response_frame, "http");
    goto out;
  }

  realm_of(u, fqdn, realm, sizeof realm);
  if (x->preauth && u->nonce[0] != '\0') {
    snprintf(nonce, sizeof nonce, "%s", u->nonce);
    snprintf(opaque, sizeof opaque, "%s", u->opaque);
  } else {
    /* 1-2: POST without Authorization -> 401 with the Digest challenge */
    uint8_t ro[8];
    new_nonce(G, nonce);
    gn_rng_bytes(&G->rng, ro, sizeof ro);
    hex_lower(opaque, ro, sizeof ro);
    challenge_header(G, chal, sizeof chal, realm, nonce, opaque, 0);
    put_request_head(&req, x, NULL);
    put_response_head(G, &resp, 401, "Unauthorized", x->no_www_auth ? NULL : chal, NULL, NULL,
                      server_name);
    snprintf(what_req, sizeof what_req, "%s: POST without Authorization", x->what);
    snprintf(what_resp, sizeof what_resp, "%s: 401 Unauthorized%s", x->what,
             x->no_www_auth ? " without a challenge" : ", Digest challenge");
    http_once(G, u, x, &req, &resp, what_req, what_resp, &rec);
    exchange_record(G, x, &rec, 401, NULL);
    snprintf(u->nonce, sizeof u->nonce, "%s", nonce);
    snprintf(u->opaque, sizeof u->opaque, "%s", opaque);
    u->nc = 0;
    req.len = resp.len = 0;
    if (x->no_www_auth) { /* nothing to answer: the terminal gives up */
      expect(G, "http.challenge_missing", rec.response_frame, "http");
      goto out;
    }
    gn_wait(&G->net, 2000 + gn_rng_below(&G->rng, 3000));
    if (x->retry_no_auth) {
      /* the retry forgets the credentials: another 401 */
      memset(&rec, 0, sizeof rec);
      new_nonce(G, nonce);
      challenge_header(G, chal, sizeof chal, realm, nonce, opaque, 0);
      put_request_head(&req, x, NULL);
      put_response_head(G, &resp, 401, "Unauthorized", chal, NULL, NULL, server_name);
      snprintf(what_req, sizeof what_req, "%s: POST again, still without Authorization", x->what);
      snprintf(what_resp, sizeof what_resp, "%s: 401 Unauthorized, Digest challenge", x->what);
      http_once(G, u, x, &req, &resp, what_req, what_resp, &rec);
      exchange_record(G, x, &rec, 401, NULL);
      expect(G, "http.retry_without_authorization", rec.request_frame, "http");
      goto out;
    }
  }

  /* 3: POST with Authorization: Digest username=<B-TID | NAI> */
  uint8_t rc[16];
  char used_nonce[64];
  gn_rng_bytes(&G->rng, rc, sizeof rc);
  hex_lower(cnonce, rc, sizeof rc);
  snprintf(used_nonce, sizeof used_nonce, "%s", nonce);
  if (x->stale_nonce)
    new_nonce(G, used_nonce); /* one the BSM never gave */
  dg d;
  memset(&d, 0, sizeof d);
  d.username = x->username ? x->username : u->ident;
  d.realm = realm;
  d.nonce = used_nonce;
  d.cnonce = cnonce;
  d.uri = x->uri;
  d.method = "POST";
  snprintf(d.nc, sizeof d.nc, "%08x", ++u->nc);
  d.srk = u->srk;
  d.srk_len = u->srk_len;
  d.wrong_password = x->wrong_password;
  d.req_body = x->req_body;
  d.req_len = x->req_body ? strlen(x->req_body) : 0;
  d.resp_body = x->resp_body;
  d.resp_len = x->resp_body ? strlen(x->resp_body) : 0;
  digest_value(G, &d, 0, resp_val);
  snprintf(authz, sizeof authz,
           "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", algorithm=%s, "
           "qop=%s, nc=%s, cnonce=\"%s\", response=\"%s\", opaque=\"%s\"",
           d.username, realm, used_nonce, x->uri, alg_name(G->digest_alg),
           G->qop_int ? "auth-int" : "auth", d.nc, cnonce, resp_val, opaque);
  put_request_head(&req, x, authz);

  /* 4: the BSM verifies; it knows its subscribers by B-TID / NAI and its
   * own nonces */
  int ok = !x->wrong_password && !x->stale_nonce && strcmp(d.username, u->ident) == 0;
  /* what a decoder with the key file concludes */
  int user_known = strcmp(d.username, u->ident) == 0 && u->kf_srk;
  memset(&rec, 0, sizeof rec);
  rec.digest = !user_known ? "no_srk" : x->wrong_password ? "failed" : "verified";
  rec.rspauth = "none";
  if (ok) {
    digest_value(G, &d, 1, rspauth);
    if (x->bad_rspauth)
      rspauth[0] = rspauth[0] == '0' ? '1' : '0';
    info[0] = '\0';
    if (!x->no_auth_info)
      snprintf(info, sizeof info,
               "Authentication-Info: qop=%s, rspauth=\"%s\", cnonce=\"%s\", nc=%s\r\n",
               G->qop_int ? "auth-int" : "auth", rspauth, cnonce, d.nc);
    put_response_head(G, &resp, x->status, x->reason, info[0] ? info : NULL, x->resp_type,
                      x->resp_body, server_name);
    snprintf(rec.resp_type, sizeof rec.resp_type, "%s", x->resp_type ? x->resp_type : "");
    rec.rspauth = x->no_auth_info  ? "none"
                  : !user_known    ? "no_srk"
                  : x->bad_rspauth ? "failed"
                                   : "verified";
    snprintf(what_resp, sizeof what_resp, "%s: %d %s%s", x->what, x->status, x->reason,
             x->no_auth_info ? "" : " with Authentication-Info");
  } else {
    /* authentication failed: a fresh challenge (stale for an unknown nonce) */
    new_nonce(G, nonce);
    challenge_header(G, chal, sizeof chal, realm, nonce, opaque, x->stale_nonce);
    put_response_head(G, &resp, 401, "Unauthorized", chal, NULL, NULL, server_name);
    snprintf(what_resp, sizeof what_resp, "%s: 401 Unauthorized, %s", x->what,
             x->stale_nonce ? "stale nonce" : "authentication failed");
  }
  snprintf(what_req, sizeof what_req, "%s: POST with Authorization (Digest, %s)", x->what,
           u->csim ? "NAI" : "B-TID");
  http_once(G, u, x, &req, &resp, what_req, what_resp, &rec);
  exchange_record(G, x, &rec, ok ? x->status : 401, d.username);
  x->request_frame = rec.request_frame;
  x->response_frame = rec.response_frame;
  x->accepted = ok;
  /* seed rule 10: a B-TID or an NAI */
  if (bcastdec_digest_username_kind(d.username, strlen(d.username)) == BCASTDEC_DIGEST_USER_UNKNOWN)
    expect(G, "digest.username_unknown_form", rec.request_frame, "digest");
  if (!user_known)
    expect(G, "digest.no_srk", rec.request_frame, "digest");
  else if (x->wrong_password)
    expect(G, "digest.failed", rec.request_frame, "digest");
  if (x->stale_nonce)
    expect(G, "http.retry_mismatch", rec.request_frame, "http");
  if (!ok)
    expect(G, "http.auth_rejected", rec.response_frame, "http");
  if (ok && x->bad_rspauth && user_known)
    expect(G, "digest.rspauth_failed", rec.response_frame, "digest");
  bcastdec_memzero(authz, sizeof authz);
out:
  gn_buf_free(&req);
  gn_buf_free(&resp);
}

/* ------------------------------------------------------------------------ */
/* XML bodies (PROFILE.md section 7; spellings other than the seeds' [A])   */
/* ------------------------------------------------------------------------ */

#define NS_BCAST "urn:oma:xml:bcast:pr:orderqueries:1.0"
#define NS_MSK_REQ "urn:3GPP:metadata:2005:MBMS:mskRequest"
#define NS_REGISTER "urn:3GPP:metadata:2005:MBMS:userServiceRegistration"
#define NS_DEREGISTER "urn:3GPP:metadata:2005:MBMS:userServiceDeregistration"
#define NS_REG_RESPONSE "urn:3GPP:metadata:2005:MBMS:userServiceRegistrationResponse"

#define MT_SPROV "application/vnd.oma.bcast.sprov+xml"
#define MT_TRIGGER "application/vnd.oma.bcast.smartcard-trigger+xml"
#define MT_REGISTER "application/mbms-register+xml"
#define MT_DEREGISTER "application/mbms-deregister+xml"
#define MT_REG_RESPONSE "application/mbms-register-response+xml"
#define MT_MSK_REQ "application/mbms-msk+xml"
#define MT_MSK_RESP "application/mbms-msk-response+xml"

/* NUL-terminates |b| and hands its text over (caller frees). */
static char *take_text(gen *G, gn_buf *b) {
  gn_buf_put(b, "", 1);
  if (b->oom) {
    fail(G, "out of memory");
    gn_buf_free(b);
    return NULL;
  }
  char *p = (char *)b->p;
  memset(b, 0, sizeof *b);
  return p;
}

static const char *XML_DECL = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/* Service Request / Token Purchase Request (BCAST Services 5.1.5) */
static char *body_purchase_request(gen *G, const char *root, svc **v, size_t n, uint32_t req_id,
                                   uint64_t tokens) {
  gn_buf b = {0};
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b, "<%s xmlns=\"%s\" requestID=\"%" PRIu32 "\">\n", root, NS_BCAST, req_id);
  for (size_t i = 0; i < n; i++) {
    gn_buf_printf(&b, "  <PurchaseItem globalIDRef=\"%s\">\n", v[i]->item);
    gn_buf_printf(&b, "    <PurchaseDataReference idRef=\"%s\"/>\n", v[i]->data);
    if (tokens)
      gn_buf_printf(&b, "    <TokenQuantity>%" PRIu64 "</TokenQuantity>\n", tokens);
    gn_buf_puts(&b, "  </PurchaseItem>\n");
  }
  gn_buf_printf(&b, "</%s>\n", root);
  return take_text(G, &b);
}

/* Service Response / Token Purchase Response with registrationRequired
 * (seed 000 5.4.7.2.4-5.4.7.2.8) */
static char *body_purchase_response(gen *G, const char *root, svc **v, size_t n, uint32_t req_id,
                                    int registration_required, uint64_t global_status) {
  gn_buf b = {0};
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b,
                "<%s xmlns=\"%s\" requestID=\"%" PRIu32 "\" globalStatusCode=\"%" PRIu64 "\">\n",
                root, NS_BCAST, req_id, global_status);
  for (size_t i = 0; i < n; i++)
    gn_buf_printf(&b, "  <PurchaseItem globalIDRef=\"%s\" itemwiseStatusCode=\"0\"/>\n",
                  v[i]->item);
  gn_buf_printf(&b, "  <registrationRequired>%s</registrationRequired>\n",
                registration_required ? "true" : "false");
  gn_buf_printf(&b, "</%s>\n", root);
  return take_text(G, &b);
}

/* MBMS User Service (De)Registration (TS 33.246 6.3.2.1A/B) carrying the
 * GlobalPurchaseItemID - PurchaseDataRef pairs (seed 000 5.4.7.2.4 step 6) */
static char *body_register(gen *G, int dereg, svc **v, size_t n) {
  gn_buf b = {0};
  const char *root = dereg ? "mbmsUserServiceDeregistration" : "mbmsUserServiceRegistration";
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b, "<%s xmlns=\"%s\"\n    xmlns:bcast=\"%s\">\n", root,
                dereg ? NS_DEREGISTER : NS_REGISTER, NS_BCAST);
  for (size_t i = 0; i < n; i++) {
    gn_buf_printf(&b, "  <serviceId>%s</serviceId>\n", v[i]->item);
    gn_buf_printf(&b,
                  "  <bcast:PurchaseItem>\n    <bcast:GlobalPurchaseItemID>%s"
                  "</bcast:GlobalPurchaseItemID>\n    <bcast:PurchaseDataRef>%s"
                  "</bcast:PurchaseDataRef>\n  </bcast:PurchaseItem>\n",
                  v[i]->item, v[i]->data);
  }
  gn_buf_printf(&b, "</%s>\n", root);
  return take_text(G, &b);
}

static char *body_register_response(gen *G, svc **v, size_t n) {
  gn_buf b = {0};
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b, "<mbmsUserServiceRegistrationResponse xmlns=\"%s\">\n", NS_REG_RESPONSE);
  for (size_t i = 0; i < n; i++)
    gn_buf_printf(&b,
                  "  <status>\n    <serviceId>%s</serviceId>\n"
                  "    <ResponseCode>200 OK</ResponseCode>\n  </status>\n",
                  v[i]->item);
  gn_buf_puts(&b, "</mbmsUserServiceRegistrationResponse>\n");
  return take_text(G, &b);
}

/* MSK request (TS 33.246 6.3.2.2): the (Key Domain ID, SEK/PEK ID) pairs */
static char *body_msk_request(gen *G, svc **v, size_t n) {
  gn_buf b = {0};
  char kd[8], id[12];
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b, "<mbmsMSKRequest xmlns=\"%s\">\n", NS_MSK_REQ);
  for (size_t i = 0; i < n; i++) {
    uint8_t idb[4];
    be32(idb, v[i]->sekpek_id);
    base64(kd, v[i]->kdid, 3);
    base64(id, idb, 4);
    gn_buf_printf(&b,
                  "  <MSK>\n    <keyDomainID>%s</keyDomainID>\n    <MSKID>%s</MSKID>\n"
                  "  </MSK>\n",
                  kd, id);
  }
  gn_buf_puts(&b, "</mbmsMSKRequest>\n");
  return take_text(G, &b);
}

/* Smartcard Profile Trigger (seed 000 5.4.7.2.10 step 3) */
static char *body_trigger(gen *G, svc **v, size_t n) {
  gn_buf b = {0};
  gn_buf_puts(&b, XML_DECL);
  gn_buf_printf(&b, "<SmartcardProfileTrigger xmlns=\"%s\">\n", NS_BCAST);
  for (size_t i = 0; i < n; i++) {
    gn_buf_printf(&b, "  <PurchaseItem globalIDRef=\"%s\">\n", v[i]->item);
    gn_buf_printf(&b, "    <PurchaseDataReference idRef=\"%s\"/>\n  </PurchaseItem>\n", v[i]->data);
  }
  gn_buf_puts(&b, "</SmartcardProfileTrigger>\n");
  return take_text(G, &b);
}

/* ------------------------------------------------------------------------ */
/* MIKEY messages                                                           */
/* ------------------------------------------------------------------------ */

typedef struct ltkm_opts {
  int v_flag;
  uint64_t tokens; /* token quantity TLV (0: none) */
  int token_only;  /* no Key data, no SEK/PEK ID */
  int has_counter;
  uint64_t counter;
  int no_timestamp;
  int null_mac, null_encr;
} ltkm_opts;

typedef struct built {
  uint8_t msg[MSG_MAX];
  size_t len;
  uint8_t rand[16];
  size_t rand_len;
  uint32_t csb;
} built;

static int make_ltkm(gen *G, sub *u, svc *v, const ltkm_opts *o, built *out) {
  bcastdec_ltkm_spec s;
  bcastdec_ltkm_spec_init(&s);
  uint8_t spi[4], tok[4];
  bcastdec_enc_key_data kd;
  bcastdec_enc_tlv tlv;
  be32(spi, v->sekpek_id);
  out->csb = (uint32_t)gn_rng_next(&G->rng);
  gn_rng_bytes(&G->rng, out->rand, 16);
  out->rand_len = 16;
  s.hdr.v_flag = (uint8_t)o->v_flag;
  s.hdr.csb_id = out->csb;
  memcpy(s.keyid.kdid, v->kdid, 3);
  s.keyid.has_kdid = 1;
  s.keyid.has_sekpek_id = !o->token_only;
  s.keyid.sekpek_id = v->sekpek_id;
  if (o->has_counter) {
    s.t.value = o->counter;
    if (o->counter > u->ltkm_counter)
      u->ltkm_counter = o->counter;
  } else {
    s.t.value = ++u->ltkm_counter;
  }
  s.t.present = !o->no_timestamp;
  s.rand = out->rand;
  s.rand_len = 16;
  s.idi.id = (const uint8_t *)G->bsm_fqdn;
  s.idi.len = strlen(G->bsm_fqdn);
  s.idi.type = BCASTDEC_IDT_URI;
  s.idr.id = (const uint8_t *)u->ident;
  s.idr.len = strlen(u->ident);
  s.idr.type = BCASTDEC_IDT_NAI;
  if (o->tokens) {
    be32(tok, (uint32_t)o->tokens);
    tlv.tag = 0x01; /* token quantity [A] */
    tlv.value = tok;
    tlv.len = 4;
    s.bcast.tlv = &tlv;
    s.bcast.n_tlv = 1;
  }
  memset(&kd, 0, sizeof kd);
  kd.type = BCASTDEC_KD_TGK;
  kd.kv = BCASTDEC_KV_SPI;
  kd.key = v->key;
  kd.key_len = 16;
  kd.spi = spi;
  kd.spi_len = 4;
  s.kemac.key_data = o->token_only ? NULL : &kd;
  s.kemac.n_key_data = o->token_only ? 0 : 1;
  if (o->null_mac)
    s.kemac.mac_alg = BCASTDEC_MAC_NULL;
  if (o->null_encr)
    s.kemac.encr_alg = BCASTDEC_ENCR_NULL;
  bcastdec_status st =
    bcastdec_ltkm_encode(&s, u->smk, u->smk_len, out->msg, sizeof out->msg, &out->len);
  if (st != BCASTDEC_OK) {
    fail(G, "LTKM encoder: %s", bcastdec_strerror(st));
    return -1;
  }
  return 0;
}

static int make_stkm(gen *G, svc *v, uint16_t tek_id, const uint8_t tek[16], const uint8_t salt[14],
                     built *out) {
  bcastdec_stkm_spec s;
  bcastdec_stkm_spec_init(&s);
  uint8_t mki[6];
  bcastdec_enc_key_data kd;
  be32(mki, v->sekpek_id);
  mki[4] = (uint8_t)(tek_id >> 8);
  mki[5] = (uint8_t)tek_id;
  out->csb = (uint32_t)gn_rng_next(&G->rng);
  out->rand_len = 0;
  s.hdr.csb_id = out->csb;
  memcpy(s.keyid.kdid, v->kdid, 3);
  s.keyid.sekpek_id = v->sekpek_id;
  s.keyid.tek_id = tek_id;
  s.t.value = ++v->stkm_counter;
  s.bcast.tpp = 1; /* SRTP */
  memset(&kd, 0, sizeof kd);
  kd.type = BCASTDEC_KD_TEK_SALT;
  kd.kv = BCASTDEC_KV_SPI;
  kd.key = tek;
  kd.key_len = 16;
  kd.salt = salt;
  kd.salt_len = 14;
  kd.spi = mki;
  kd.spi_len = 6;
  s.kemac.key_data = &kd;
  s.kemac.n_key_data = 1;
  bcastdec_status st = bcastdec_stkm_encode(&s, v->key, 16, out->msg, sizeof out->msg, &out->len);
  if (st != BCASTDEC_OK) {
    fail(G, "STKM encoder: %s", bcastdec_strerror(st));
    return -1;
  }
  return 0;
}

/* Computes the KEMAC MAC at |mac_off| again after a patch (PROFILE.md 2:
 * HMAC-SHA-1 with the auth key over bytes 0 .. mac_off). */
static void remac(const built *b, uint8_t *msg, size_t mac_off, const uint8_t *psk,
                  size_t psk_len) {
  bcastdec__tkeys tk;
  if (bcastdec__derive_transport(BCASTDEC_PRF_MIKEY_1, psk, psk_len, b->csb, b->rand, b->rand_len,
                                 0, &tk) != BCASTDEC_OK)
    return;
  bcastdec__iov iov = {msg, mac_off};
  bcastdec__hmac_sha1(tk.auth, sizeof tk.auth, &iov, 1, msg + mac_off);
  bcastdec_memzero(&tk, sizeof tk);
}

/* Offset of the KEMAC payload (its next-payload byte), or 0. */
static size_t kemac_offset(const uint8_t *msg, size_t len) {
  bcastdec_mikey_msg *m = NULL;
  size_t off = 0;
  if (bcastdec_mikey_decode(&m, msg, len, NULL) == BCASTDEC_OK && m->i_kemac >= 0)
    off = m->payloads[m->i_kemac].sp.off;
  bcastdec_mikey_msg_free(m);
  return off;
}

/* MIKEY faults of an LTKM push (each names the finding it must raise). */
typedef struct mfaults {
  int corrupt_mac;
  int replay;
  int mikey_version; /* -1: none */
  int data_type;     /* -1: none */
  int kemac_not_last;
  int unknown_ext;
} mfaults;

/* Applies the patches of |f| to |b| (already encoded with |psk|). */
static int patch(gen *G, built *b, const mfaults *f, const uint8_t *psk, size_t psk_len) {
  size_t mac_off = b->len - BCASTDEC__MAC_LEN;
  if (f->unknown_ext) {
    /* an EXT of an unassigned type right after the HDR (10 bytes, empty map) */
    static const uint8_t ext_data[] = {0x67, 0x65, 0x6e, 0x21};
    uint8_t ext[4 + sizeof ext_data];
    if (b->len + sizeof ext > sizeof b->msg)
      return -1;
    ext[0] = b->msg[2]; /* the HDR's next payload moves into the EXT */
    ext[1] = 200;       /* General Extension type not assigned to anything known */
    ext[2] = 0;
    ext[3] = sizeof ext_data;
    memcpy(ext + 4, ext_data, sizeof ext_data);
    memmove(b->msg + 10 + sizeof ext, b->msg + 10, b->len - 10);
    memcpy(b->msg + 10, ext, sizeof ext);
    b->msg[2] = BCASTDEC_PT_GEN_EXT;
    b->len += sizeof ext;
    mac_off += sizeof ext;
    remac(b, b->msg, mac_off, psk, psk_len);
  }
  if (f->kemac_not_last) {
    /* a Vendor ID extension after the KEMAC, which then names it as next */
    static const uint8_t vendor[] = {0x00, 0x00, 0x00, 0x04, 'g', 'e', 'n', '!'};
    size_t ko = kemac_offset(b->msg, b->len);
    if (ko == 0 || b->len + sizeof vendor > sizeof b->msg) {
      fail(G, "kemac_not_last: cannot locate the KEMAC");
      return -1;
    }
    b->msg[ko] = BCASTDEC_PT_GEN_EXT;
    memcpy(b->msg + b->len, vendor, sizeof vendor);
    b->len += sizeof vendor;
    remac(b, b->msg, mac_off, psk, psk_len);
  }
  if (f->mikey_version >= 0) {
    b->msg[0] = (uint8_t)f->mikey_version;
    remac(b, b->msg, mac_off, psk, psk_len);
  }
  if (f->data_type >= 0) {
    b->msg[1] = (uint8_t)f->data_type;
    remac(b, b->msg, mac_off, psk, psk_len);
  }
  if (f->corrupt_mac)
    b->msg[mac_off + BCASTDEC__MAC_LEN - 1] ^= 0x5a;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* What a decoder with the key file must make of each message               */
/* ------------------------------------------------------------------------ */

/* The flow tracker's view of an LTKM (rules 11, 13, 14, 21). */
static void flow_ltkm(gen *G, sub *u, svc *v, const built *b, const ltkm_opts *o, uint32_t frame,
                      const char *delivery) {
  if (strcmp(delivery, "udp_push") == 0 && u->fl_dereg != 0)
    expect(G, "flow.ltkm_after_deregistration", frame, "flow");
  if (u->fl_reg != 0) {
    expect(G, "flow.registration_missing", frame, "flow");
    u->fl_reg = 0;
  }
  u->fl_ltkm = 0;
  if (b->len > 3 && (b->msg[3] & 0x80) != 0 && u->fl_nv < 16) /* HDR V */
    u->fl_v[u->fl_nv++] = frame;
  if (!o->token_only)
    v->fl_seen = 1;
}

static void expect_ltkm(gen *G, sub *u, svc *v, const built *b, uint64_t counter,
                        const ltkm_opts *o, const mfaults *f, uint32_t frame,
                        const char *delivery) {
  xmsg *m = new_msg(G, BCASTDEC_KIND_LTKM, frame, delivery, u, v, b->msg, b->len);
  if (m == NULL)
    return;
  m->counter = counter;
  if (f->mikey_version >= 0 && f->mikey_version != 1) {
    /* RFC 3830 6.1: a version the decoder does not support; nothing after
     * the header can be read */
    m->kind = BCASTDEC_KIND_UNKNOWN;
    m->outcome = BCASTDEC_OUT_UNSUPPORTED;
    msg_finding(G, m, "mikey.version");
    return;
  }
  if (f->data_type >= 0 && f->data_type != BCASTDEC_DT_PSK_INIT &&
      f->data_type != BCASTDEC_DT_PSK_RESP && f->data_type != BCASTDEC_DT_ERROR) {
    /* not a key message of the profile: parsed, not opened */
    m->kind = BCASTDEC_KIND_UNKNOWN;
    m->outcome = BCASTDEC_OUT_NONE;
    msg_finding(G, m, "mikey.data_type");
    return;
  }
  flow_ltkm(G, u, v, b, o, frame, delivery);
  if (f->unknown_ext)
    msg_finding(G, m, "ext.unknown_type");
  if (f->kemac_not_last)
    msg_finding(G, m, "kemac.not_last");
  if (o->no_timestamp)
    msg_finding(G, m, "mikey.no_timestamp");
  /* a token-only LTKM has no Key ID: flagged until its KEMAC verifies and
   * shows it is token-only by design */
  if (o->token_only && !(u->kf_smk && !f->corrupt_mac && !o->null_mac))
    msg_finding(G, m, "keyid.missing");
  if (o->null_encr)
    msg_finding(G, m, "kemac.null_encryption");
  if (o->null_mac) {
    msg_finding(G, m, "kemac.no_mac");
    if (!o->null_encr) { /* encrypted but unauthenticated: no key can be chosen */
      m->outcome = BCASTDEC_OUT_UNSUPPORTED;
      return;
    }
  }
  if (u->kf_smk && !f->corrupt_mac) {
    m->outcome = BCASTDEC_OUT_DECRYPTED;
    if (o->token_only) {
      msg_finding(G, m, "kemac.no_key_data");
      if (!o->v_flag)
        msg_finding(G, m, "ltkm.token_only_no_ack");
    } else {
      msg_key(G, m, v->pek ? BCASTDEC_ROLE_PEK : BCASTDEC_ROLE_SEK, v, 0, 0, v->key, NULL);
      v->known = 1;
      v->learned_any = 1;
    }
    if (!o->no_timestamp) {
      if (u->has_accepted && counter <= u->accepted) {
        m->replay = 1;
        msg_finding(G, m, "replay.counter");
      } else {
        u->accepted = counter;
        u->has_accepted = 1;
      }
    }
    if (o->v_flag && !o->no_timestamp)
      u->v_pending = 1;
  } else if (u->kf_smk || any_smk_in_file(G)) {
    m->outcome = BCASTDEC_OUT_MAC_FAILED;
    msg_finding(G, m, "kemac.mac_failed");
  } else {
    m->outcome = BCASTDEC_OUT_NO_KEY;
    msg_finding(G, m, "kemac.no_key");
  }
}

static void expect_stkm(gen *G, svc *v, const built *b, uint64_t counter, uint16_t tek_id,
                        const uint8_t *tek, const uint8_t *salt, int corrupt, uint32_t frame) {
  xmsg *m = new_msg(G, BCASTDEC_KIND_STKM, frame, "udp_broadcast", NULL, v, b->msg, b->len);
  if (m == NULL)
    return;
  v->fl_seen = 1;
  m->counter = counter;
  if (v->known && !corrupt) {
    m->outcome = BCASTDEC_OUT_DECRYPTED;
    msg_key(G, m, BCASTDEC_ROLE_TEK, v, 1, tek_id, tek, salt);
    if (v->has_accepted && counter <= v->accepted) {
      m->replay = 1;
      msg_finding(G, m, "replay.counter");
    } else {
      v->accepted = counter;
      v->has_accepted = 1;
    }
  } else if (v->known || any_sekpek_known(G)) {
    m->outcome = BCASTDEC_OUT_MAC_FAILED;
    msg_finding(G, m, "kemac.mac_failed");
  } else {
    m->outcome = BCASTDEC_OUT_NO_KEY;
    msg_finding(G, m, "stkm.missing_ltkm");
  }
}

/* ------------------------------------------------------------------------ */
/* Scenario: directives                                                     */
/* ------------------------------------------------------------------------ */

static sub *find_sub(gen *G, const char *name) {
  for (size_t i = 0; i < G->n_subs; i++)
    if (strcmp(G->subs[i].name, name) == 0)
      return &G->subs[i];
  fail(G, "unknown subscriber '%s'", name ? name : "");
  return NULL;
}

static svc *find_svc(gen *G, const char *name) {
  for (size_t i = 0; i < G->n_svcs; i++)
    if (strcmp(G->svcs[i].name, name) == 0)
      return &G->svcs[i];
  fail(G, "unknown service '%s'", name ? name : "");
  return NULL;
}

static int check_name(gen *G, const char *n) {
  if (n == NULL || *n == '\0' || strlen(n) >= 32) {
    fail(G, "a name of 1 to 31 characters is needed");
    return -1;
  }
  return 0;
}

/* key=random|HEX (|len| bytes) */
static int key_opt(gen *G, const char *val, uint8_t *key, size_t len, const char *what) {
  if (val == NULL || strcmp(val, "random") == 0) {
    gn_rng_bytes(&G->rng, key, len);
    return 0;
  }
  if (parse_hex(val, key, len) != 0) {
    fail(G, "%s: 'random' or %zu bytes of hex expected", what, len);
    return -1;
  }
  return 0;
}

static void dir_subscriber(gen *G, gs_line *l) {
  if (G->n_subs == MAX_SUBS)
    return fail(G, "too many subscribers (at most %d)", MAX_SUBS);
  sub *u = &G->subs[G->n_subs];
  memset(u, 0, sizeof *u);
  const char *name = gs_pos(l, 0), *kind = gs_pos(l, 1);
  if (check_name(G, name) != 0)
    return;
  snprintf(u->name, sizeof u->name, "%s", name);
  if (kind != NULL && strcmp(kind, "usim") == 0)
    u->csim = 0;
  else if (kind != NULL && strcmp(kind, "csim") == 0)
    u->csim = 1;
  else
    return fail(G, "subscriber: 'usim' or 'csim' expected after the name");
  const char *btid = gs_opt(l, "btid"), *nai = gs_opt(l, "nai");
  if (!u->csim) {
    if (nai != NULL)
      return fail(G, "a (U)SIM subscriber is named by btid=, not nai=");
    if (btid == NULL || strcmp(btid, "auto") == 0) {
      uint8_t r[16];
      char b64[32];
      gn_rng_bytes(&G->rng, r, sizeof r);
      base64(b64, r, sizeof r);
      snprintf(u->ident, sizeof u->ident, "%s@bsf.mnc001.mcc001.pub.3gppnetwork.org", b64);
    } else {
      snprintf(u->ident, sizeof u->ident, "%s", btid);
    }
  } else {
    if (btid != NULL)
      return fail(G, "an (R-)UIM/CSIM subscriber is named by nai=, not btid=");
    char def[64];
    snprintf(def, sizeof def, "%s@csim.operator.example", name);
    snprintf(u->ident, sizeof u->ident, "%s", nai ? nai : def);
  }
  u->smk_len = u->srk_len = 32;
  if (key_opt(G, gs_opt(l, "smk"), u->smk, 32, "smk") != 0)
    return;
  if (key_opt(G, gs_opt(l, "srk"), u->srk, 32, "srk") != 0)
    return;
  const char *kf = gs_opt(l, "keyfile");
  if (kf == NULL || strcmp(kf, "both") == 0)
    u->kf_smk = u->kf_srk = 1;
  else if (strcmp(kf, "smk") == 0)
    u->kf_smk = 1;
  else if (strcmp(kf, "srk") == 0)
    u->kf_srk = 1;
  else if (strcmp(kf, "none") != 0)
    return fail(G, "keyfile= takes both, smk, srk or none");
  uint8_t ip[4] = {10, 20, 0, (uint8_t)(10 + G->n_subs)};
  const char *ips = gs_opt(l, "ip"), *nat = gs_opt(l, "nat");
  if (ips != NULL && parse_ip(ips, ip) != 0)
    return fail(G, "ip=: dotted IPv4 address expected");
  if (nat != NULL) {
    if (parse_ip(nat, ip) != 0)
      return fail(G, "nat=: dotted IPv4 address expected");
    u->nat = 1;
  }
  host_init(&u->host, ip, (uint8_t)(0x10 + G->n_subs), 1, &G->rng);
  u->ltkm_counter = 100 + gn_rng_below(&G->rng, 900);
  G->n_subs++;
}

static void dir_service(gen *G, gs_line *l) {
  if (G->n_svcs == MAX_SVCS)
    return fail(G, "too many services (at most %d)", MAX_SVCS);
  svc *v = &G->svcs[G->n_svcs];
  memset(v, 0, sizeof *v);
  const char *name = gs_pos(l, 0), *kd = gs_opt(l, "kdid"), *sp = gs_opt(l, "sekpek");
  if (check_name(G, name) != 0)
    return;
  snprintf(v->name, sizeof v->name, "%s", name);
  uint8_t id[4];
  if (kd == NULL || strlen(kd) != 6 || parse_hex(kd, v->kdid, 3) != 0)
    return fail(G, "service: kdid= needs 6 hex digits");
  if (sp == NULL || strlen(sp) != 8 || parse_hex(sp, id, 4) != 0)
    return fail(G, "service: sekpek= needs 8 hex digits");
  v->sekpek_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
  v->pek = gs_opt(l, "pek") != NULL;
  const char *kv = gs_opt(l, "key");
  if (kv == NULL)
    kv = gs_opt(l, "sek");
  if (key_opt(G, kv, v->key, 16, "key") != 0)
    return;
  v->in_keyfile = gs_opt(l, "keyfile") != NULL;
  v->known = v->in_keyfile;
  const char *item = gs_opt(l, "item"), *data = gs_opt(l, "data");
  char def_item[96], def_data[96];
  snprintf(def_item, sizeof def_item, "urn:operator.example:bcast:pi:%s", name);
  snprintf(def_data, sizeof def_data, "urn:operator.example:bcast:pd:%s", name);
  snprintf(v->item, sizeof v->item, "%s", item ? item : def_item);
  snprintf(v->data, sizeof v->data, "%s", data ? data : def_data);
  uint64_t port = 40100 + 2 * G->n_svcs;
  const char *ps = gs_opt(l, "port"), *grp = gs_opt(l, "group");
  if (ps != NULL && (parse_u64(ps, 65535, &port) != 0 || port == 0))
    return fail(G, "port=: 1 to 65535");
  v->port = (uint16_t)port;
  uint8_t g[4] = {239, 255, 10, (uint8_t)(1 + G->n_svcs)};
  if (grp != NULL && parse_ip(grp, g) != 0)
    return fail(G, "group=: dotted IPv4 address expected");
  memcpy(v->group, g, 4);
  v->stkm_counter = 1000 + gn_rng_below(&G->rng, 9000);
  v->next_tek = 1;
  G->n_svcs++;
}

/* ------------------------------------------------------------------------ */
/* Scenario: steps                                                          */
/* ------------------------------------------------------------------------ */

/* positional words from |first| on: service names */
static size_t svc_list(gen *G, gs_line *l, size_t first, svc **out) {
  size_t n = 0;
  const char *name;
  while ((name = gs_pos(l, first + n)) != NULL) {
    if (n == MAX_REQ_SVCS) {
      fail(G, "at most %d services per step", MAX_REQ_SVCS);
      return 0;
    }
    if ((out[n] = find_svc(G, name)) == NULL)
      return 0;
    n++;
  }
  if (n == 0)
    fail(G, "a service name is needed");
  return n;
}

/* Digest faults shared by every provisioning step */
static void digest_faults(gen *G, gs_line *l, xchg *x) {
  const char *c = gs_opt(l, "corrupt");
  x->wrong_password = gs_opt(l, "wrong_password") != NULL;
  x->username = gs_opt(l, "username");
  x->no_challenge = gs_opt(l, "no_challenge") != NULL;
  x->no_www_auth = gs_opt(l, "no_www_authenticate") != NULL;
  x->retry_no_auth = gs_opt(l, "retry_without_authorization") != NULL;
  x->stale_nonce = gs_opt(l, "stale_nonce") != NULL;
  if (c != NULL && strcmp(c, "rspauth") == 0)
    x->bad_rspauth = 1;
  else if (c != NULL)
    fail(G, "corrupt= takes rspauth in an HTTP step");
}

static void step_purchase(gen *G, gs_line *l, int token) {
  svc *v[MAX_REQ_SVCS];
  xchg x;
  memset(&x, 0, sizeof x);
  digest_faults(G, l, &x);
  const char *reg = gs_opt(l, "registration"), *tok = gs_opt(l, "tokens");
  const char *gst = gs_opt(l, "global_status");
  uint64_t tokens = 0, global_status = 0;
  if (gst != NULL && parse_u64(gst, 255, &global_status) != 0)
    return fail(G, "global_status=: 0 to 255");
  if (reg == NULL || (strcmp(reg, "required") != 0 && strcmp(reg, "none") != 0))
    return fail(G, "registration=required or registration=none expected");
  if (tok != NULL && parse_u64(tok, 0xffffffffu, &tokens) != 0)
    return fail(G, "tokens=: a number expected");
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  size_t n = svc_list(G, l, 1, v);
  if (n == 0)
    return;
  int required = strcmp(reg, "required") == 0;
  uint32_t rid = ++G->req_id;
  const char *rq = token ? "TokenPurchaseRequest" : "ServiceRequest";
  const char *rs = token ? "TokenPurchaseResponse" : "ServiceResponse";
  char *req = body_purchase_request(G, rq, v, n, rid, token ? (tokens ? tokens : 10) : 0);
  char *resp = body_purchase_response(G, rs, v, n, rid, required, global_status);
  if (req && resp) {
    x.what = token ? "Token Purchase" : "Service Request";
    x.server = &G->bsm;
    x.host = G->bsm_fqdn;
    x.uri = token ? "/bsm/provisioning/token-purchase" : "/bsm/provisioning/service-request";
    x.req_type = MT_SPROV;
    x.req_body = req;
    x.status = 200;
    x.reason = "OK";
    x.resp_type = MT_SPROV;
    x.resp_body = resp;
    x.digest = 1;
    http_exchange(G, u, &x);
    /* an HTTP 200 whose body says failure (BCAST status codes: 0 = success) */
    if (x.accepted && global_status != 0)
      expect(G, "http.status_mismatch", x.response_frame, "http");
    /* seed 000: no registration for (R-)UIM/CSIM terminals (rule 11) */
    if (x.accepted && required && u->csim)
      expect(G, "http.registration_nai", x.response_frame, "http");
    /* flow model: a Registration (USIM) and keys are due */
    if (x.accepted && global_status == 0) {
      if (required && !u->csim)
        u->fl_reg = x.response_frame;
      u->fl_ltkm = x.response_frame;
    }
  }
  free(req);
  free(resp);
}

static void step_register(gen *G, gs_line *l, int dereg) {
  svc *v[MAX_REQ_SVCS];
  xchg x;
  memset(&x, 0, sizeof x);
  digest_faults(G, l, &x);
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  size_t n = svc_list(G, l, 1, v);
  if (n == 0)
    return;
  char *req = body_register(G, dereg, v, n);
  char *resp = body_register_response(G, v, n);
  if (req && resp) {
    x.what = dereg ? "Deregistration" : "Registration";
    x.server = &G->bsm;
    x.host = G->bsm_fqdn;
    x.uri = dereg ? "/keymanagement?requesttype=deregister" : "/keymanagement?requesttype=register";
    x.req_type = dereg ? MT_DEREGISTER : MT_REGISTER;
    x.req_body = req;
    x.status = 200;
    x.reason = "OK";
    x.resp_type = MT_REG_RESPONSE;
    x.resp_body = resp;
    x.digest = 1;
    http_exchange(G, u, &x);
    /* flow model: any Registration request answers registrationRequired;
     * one from an NAI subscriber is flagged (rule 11) */
    if (!dereg) {
      u->fl_reg = 0;
      if (u->csim && x.request_frame != 0)
        expect(G, "flow.registration_nai", x.request_frame, "flow");
      if (x.accepted) {
        u->fl_dereg = 0;
        u->fl_ltkm = x.response_frame;
      }
    } else if (x.accepted) {
      /* what was due stays unmet: nothing later can meet it */
      u->fl_dereg = x.response_frame;
      if (u->fl_reg != 0)
        expect(G, "flow.registration_missing", u->fl_reg, "flow");
      if (u->fl_ltkm != 0)
        expect(G, "flow.no_ltkm_after_purchase", u->fl_ltkm, "flow");
      u->fl_ltkm = 0;
      u->fl_reg = 0;
    }
  }
  free(req);
  free(resp);
}

/* Replaces the first |from| in |*text| with |to|. */
static int text_replace(gen *G, char **text, const char *from, const char *to) {
  char *p = strstr(*text, from);
  if (p == NULL) {
    fail(G, "internal: '%s' not found in a generated document", from);
    return -1;
  }
  size_t fl = strlen(from), tl = strlen(to), len = strlen(*text);
  char *n = malloc(len - fl + tl + 1);
  if (n == NULL) {
    fail(G, "out of memory");
    return -1;
  }
  size_t pre = (size_t)(p - *text);
  memcpy(n, *text, pre);
  memcpy(n + pre, to, tl);
  memcpy(n + pre + tl, p + fl, len - pre - fl + 1);
  free(*text);
  *text = n;
  return 0;
}

/* LTKM Request (seed 000 5.4.7.2.14), optionally with the LTKMs inline in
 * the MSK response (seed 003), with the inclusion-rule faults. */
static void step_ltkm_request(gen *G, gs_line *l) {
  svc *v[MAX_REQ_SVCS];
  xchg x;
  memset(&x, 0, sizeof x);
  digest_faults(G, l, &x);
  int inl = gs_opt(l, "inline") != NULL;
  const char *ltf = gs_opt(l, "ltkm"), *ns = gs_opt(l, "namespace"), *ver = gs_opt(l, "version");
  const char *ct = gs_opt(l, "content_type"), *stat = gs_opt(l, "status");
  x.no_auth_info = gs_opt(l, "no_auth_info") != NULL;
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  size_t n = svc_list(G, l, 1, v);
  if (n == 0)
    return;
  if (!inl && (ltf || ns || ver || ct || stat || x.no_auth_info))
    return fail(G, "MSK response faults need 'inline'");
  static const char *ltkm_faults[] = {"missing",     "multiple",  "in_error", "position",
                                      "id_mismatch", "not_mikey", NULL};
  if (ltf != NULL) {
    int ok = 0;
    for (int i = 0; ltkm_faults[i]; i++)
      ok |= strcmp(ltf, ltkm_faults[i]) == 0;
    if (!ok)
      return fail(G, "ltkm= takes missing, multiple, in_error, position, id_mismatch or "
                     "not_mikey");
    if ((strcmp(ltf, "missing") == 0 || strcmp(ltf, "in_error") == 0) && n < 2)
      return fail(G, "ltkm=%s needs two services", ltf);
  }
  if (ns != NULL && strcmp(ns, "leading_space") != 0 && strcmp(ns, "other") != 0)
    return fail(G, "namespace= takes leading_space or other");
  uint64_t status = 200;
  if (stat != NULL && (parse_u64(stat, 599, &status) != 0 || status < 200))
    return fail(G, "status=: an HTTP status code 200..599 expected");

  char *req = body_msk_request(G, v, n), *resp = NULL;
  if (req == NULL)
    return;
  /* the LTKMs (built now, so that their counters follow the step order) */
  built *b = calloc(n + 1, sizeof *b);
  uint64_t *ctr = calloc(n + 1, sizeof *ctr);
  bcastdec_msk_response_item items[MAX_REQ_SVCS];
  ltkm_opts lo;
  mfaults nof = {0, 0, -1, -1, 0, 0};
  memset(&lo, 0, sizeof lo);
  memset(items, 0, sizeof items);
  if (b == NULL || ctr == NULL) {
    fail(G, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    items[i].kdid[0] = v[i]->kdid[0];
    items[i].kdid[1] = v[i]->kdid[1];
    items[i].kdid[2] = v[i]->kdid[2];
    items[i].msk_id = v[i]->sekpek_id;
    items[i].response_code = "200 OK";
    if (!inl)
      continue;
    if (make_ltkm(G, u, v[i], &lo, &b[i]) != 0)
      goto out;
    ctr[i] = u->ltkm_counter;
    items[i].ltkm = b[i].msg;
    items[i].ltkm_len = b[i].len;
    if (i == 0 && ltf != NULL && strcmp(ltf, "multiple") == 0) {
      /* a second LTKM for the first Response, next in counter order */
      if (make_ltkm(G, u, v[0], &lo, &b[n]) != 0)
        goto out;
      ctr[n] = u->ltkm_counter;
    }
  }
  int lenient = 0;
  if (ltf != NULL && strcmp(ltf, "missing") == 0) {
    items[n - 1].ltkm = NULL;
    items[n - 1].ltkm_len = 0;
    lenient = 1;
  } else if (ltf != NULL && strcmp(ltf, "in_error") == 0) {
    items[n - 1].response_code = "404 Not Found";
    lenient = 1;
  } else if (ltf != NULL && strcmp(ltf, "id_mismatch") == 0) {
    items[0].msk_id ^= 0x00000100u;
    lenient = 1;
  } else if (ltf != NULL && strcmp(ltf, "not_mikey") == 0) {
    /* the first half of the LTKM: base64 of no whole MIKEY message */
    items[0].ltkm_len = b[0].len / 2;
    lenient = 1;
  }
  if (ver != NULL && strcmp(ver, "0") != 0) {
    uint64_t vv;
    if (parse_u64(ver, 255, &vv) == 0) {
      items[0].has_version = 1;
      items[0].version = (uint8_t)vv;
    }
  }
  bcastdec_msk_response_spec ms;
  bcastdec_msk_response_spec_init(&ms);
  ms.items = items;
  ms.n_items = n;
  ms.lenient = (uint8_t)lenient;
  size_t rl = 0;
  bcastdec_status st = bcastdec_msk_response_encode(&ms, NULL, 0, &rl);
  if (st == BCASTDEC_OK && (resp = malloc(rl + 1)) != NULL)
    st = bcastdec_msk_response_encode(&ms, resp, rl + 1, &rl);
  if (st != BCASTDEC_OK || resp == NULL) {
    fail(G, "MSK response encoder: %s",
         st != BCASTDEC_OK ? bcastdec_strerror(st) : "out of memory");
    goto out;
  }
  /* text patches for what the encoder does not write */
  if (ltf != NULL && strcmp(ltf, "multiple") == 0) {
    char *b64 = malloc(2 * MSG_MAX), *el = malloc(2 * MSG_MAX + 64);
    if (b64 == NULL || el == NULL) {
      free(b64);
      free(el);
      fail(G, "out of memory");
      goto out;
    }
    base64(b64, b[n].msg, b[n].len);
    snprintf(el, 2 * MSG_MAX + 64, "</bcast:LTKM>\n    <bcast:LTKM>%s</bcast:LTKM>\n", b64);
    text_replace(G, &resp, "</bcast:LTKM>\n", el);
    free(b64);
    free(el);
  }
  if (ltf != NULL && strcmp(ltf, "position") == 0) {
    /* the first LTKM moves before <MSK> */
    char *s = strstr(resp, "    <bcast:LTKM>"), *e = s ? strstr(s, "</bcast:LTKM>\n") : NULL;
    if (s == NULL || e == NULL) {
      fail(G, "internal: no LTKM element to move");
      goto out;
    }
    e += strlen("</bcast:LTKM>\n");
    size_t el = (size_t)(e - s);
    char *elem = malloc(el + 1);
    if (elem == NULL) {
      fail(G, "out of memory");
      goto out;
    }
    memcpy(elem, s, el);
    elem[el] = '\0';
    memmove(s, e, strlen(e) + 1);
    char *to = malloc(el + 32);
    if (to != NULL) {
      snprintf(to, el + 32, "<Response>\n%s", elem);
      text_replace(G, &resp, "<Response>\n", to);
    }
    free(to);
    free(elem);
  }
  if (ver != NULL && !items[0].has_version && strcmp(ver, "0") != 0) {
    char to[96];
    snprintf(to, sizeof to, "<bcast:LTKM version=\"%s\">", ver);
    text_replace(G, &resp, "<bcast:LTKM>", to);
  }
  if (ns != NULL) {
    if (strcmp(ns, "leading_space") == 0) /* the seed's own typo */
      text_replace(G, &resp, "xmlns:bcast=\"urn:", "xmlns:bcast=\" urn:");
    else
      text_replace(G, &resp, "xmlns:bcast=\"" NS_BCAST "\"",
                   "xmlns:bcast=\"urn:oma:xml:bcast:sp:orderqueries:1.0\"");
  }
  if (G->failed)
    goto out;

  x.what = "LTKM Request";
  x.server = &G->bsm;
  x.host = G->bsm_fqdn;
  x.uri = "/keymanagement?requesttype=msk-request";
  x.req_type = MT_MSK_REQ;
  x.req_body = req;
  x.status = (int)status;
  x.reason = status == 200 ? "OK" : status == 202 ? "Accepted" : "Status";
  x.resp_type = ct ? ct : MT_MSK_RESP;
  x.resp_body = resp;
  x.digest = 1;
  http_exchange(G, u, &x);
  /* flow model: the LTKM Request is the other way to the keys (rule 13);
   * it should name SEK/PEK IDs seen before or held in the key file (rule 16,
   * a note on every request that carries them) */
  u->fl_ltkm = 0;
  for (size_t i = 0; i < n && x.request_frame != 0; i++)
    if (!v[i]->fl_seen && !v[i]->in_keyfile)
      expect(G, "flow.ltkm_request_unknown_id", x.request_frame, "flow");
  if (!x.accepted || G->failed)
    goto out;

  uint32_t fr = x.response_frame;
  if (!inl) {
    expect(G, "msk.ltkm_not_included", fr, "xml");
    goto out;
  }
  /* XML-level findings of the faults (seed 003 rules 1-8) */
  if (ltf != NULL) {
    if (strcmp(ltf, "missing") == 0)
      expect(G, "msk.ltkm_missing", fr, "xml");
    if (strcmp(ltf, "multiple") == 0)
      expect(G, "msk.ltkm_multiple", fr, "xml");
    if (strcmp(ltf, "in_error") == 0)
      expect(G, "msk.ltkm_in_error_response", fr, "xml");
    if (strcmp(ltf, "position") == 0)
      expect(G, "msk.ltkm_position", fr, "xml");
    if (strcmp(ltf, "id_mismatch") == 0)
      expect(G, "msk.ltkm_id_mismatch", fr, "xml");
    if (strcmp(ltf, "not_mikey") == 0)
      expect(G, "msk.ltkm_not_mikey", fr, "xml");
  }
  if (ns != NULL && strcmp(ns, "leading_space") == 0)
    expect(G, "xml.namespace_inexact", fr, "xml");
  if (ns != NULL && strcmp(ns, "other") == 0)
    expect(G, "msk.ltkm_namespace", fr, "xml");
  if (ver != NULL && strcmp(ver, "0") != 0)
    expect(G, items[0].has_version ? "msk.ltkm_version_unknown" : "msk.ltkm_version_invalid", fr,
           "xml");
  if (x.no_auth_info)
    expect(G, "msk.no_authentication_info", fr, "xml");
  if (ct != NULL && strcmp(ct, MT_MSK_RESP) != 0)
    expect(G, "msk.content_type", fr, "xml");
  if (status != 200)
    expect(G, "msk.http_status", fr, "xml");

  /* the LTKMs, in document order */
  for (size_t i = 0; i < n; i++) {
    if (items[i].ltkm == NULL)
      continue;
    if (ltf != NULL && strcmp(ltf, "not_mikey") == 0 && i == 0) {
      xmsg *m =
        new_msg(G, BCASTDEC_KIND_UNKNOWN, fr, "inline", u, v[0], items[0].ltkm, items[0].ltkm_len);
      if (m != NULL)
        m->no_decode = 1;
      continue;
    }
    expect_ltkm(G, u, v[i], &b[i], ctr[i], &lo, &nof, fr, "inline");
    if (i == 0 && ltf != NULL && strcmp(ltf, "multiple") == 0)
      expect_ltkm(G, u, v[0], &b[n], ctr[n], &lo, &nof, fr, "inline");
  }
out:
  free(b);
  free(ctr);
  free(req);
  free(resp);
}

/* LTKM pushed over UDP to port 4359 (seed 000: "The BSP-M SHOULD push LTKMs
 * to the terminal over UDP"), with the MIKEY-level faults. */
static void step_ltkm_push(gen *G, gs_line *l) {
  ltkm_opts o;
  mfaults f = {0, 0, -1, -1, 0, 0};
  memset(&o, 0, sizeof o);
  const char *vs = gs_opt(l, "v"), *cs = gs_opt(l, "counter"), *ts = gs_opt(l, "tokens");
  const char *cor = gs_opt(l, "corrupt"), *mv = gs_opt(l, "mikey_version");
  const char *dt = gs_opt(l, "data_type"), *mac = gs_opt(l, "mac"), *enc = gs_opt(l, "encr");
  f.replay = gs_opt(l, "replay") != NULL;
  f.kemac_not_last = gs_opt(l, "kemac_not_last") != NULL;
  f.unknown_ext = gs_opt(l, "unknown_ext") != NULL;
  o.token_only = gs_opt(l, "token_only") != NULL;
  o.no_timestamp = gs_opt(l, "no_timestamp") != NULL;
  uint64_t x;
  if (vs != NULL) {
    if (strcmp(vs, "0") != 0 && strcmp(vs, "1") != 0)
      return fail(G, "v= takes 0 or 1");
    o.v_flag = vs[0] == '1';
  }
  if (cs != NULL) {
    if (parse_u64(cs, 0xffffffffu, &x) != 0)
      return fail(G, "counter=: a 32-bit number expected");
    o.has_counter = 1;
    o.counter = x;
  }
  if (ts != NULL) {
    if (parse_u64(ts, 0xffffffffu, &x) != 0 || x == 0)
      return fail(G, "tokens=: 1 to 2^32-1");
    o.tokens = x;
  }
  if (cor != NULL) {
    if (strcmp(cor, "mac") != 0)
      return fail(G, "corrupt= takes mac here");
    f.corrupt_mac = 1;
  }
  if (mv != NULL) {
    if (parse_u64(mv, 255, &x) != 0)
      return fail(G, "mikey_version=: 0 to 255");
    f.mikey_version = (int)x;
  }
  if (dt != NULL) {
    if (parse_u64(dt, 255, &x) != 0)
      return fail(G, "data_type=: 0 to 255");
    f.data_type = (int)x;
  }
  if (mac != NULL) {
    if (strcmp(mac, "null") != 0)
      return fail(G, "mac= takes null");
    o.null_mac = 1;
  }
  if (enc != NULL) {
    if (strcmp(enc, "null") != 0)
      return fail(G, "encr= takes null");
    o.null_encr = 1;
  }
  sub *u = find_sub(G, gs_pos(l, 0));
  svc *v = find_svc(G, gs_pos(l, 1));
  if (u == NULL || v == NULL)
    return;
  if (gs_npos(l) > 2)
    return fail(G, "ltkm_push: one subscriber and one service");

  built *b = calloc(1, sizeof *b);
  if (b == NULL)
    return fail(G, "out of memory");
  uint64_t counter;
  char what[200];
  if (f.replay) {
    if (u->last_ltkm_len == 0) {
      free(b);
      return fail(G, "replay: no earlier LTKM to this subscriber");
    }
    /* the earlier LTKM again, byte for byte */
    const xmsg *prev = &G->m[u->last_ltkm_msg];
    memcpy(b->msg, u->last_ltkm, u->last_ltkm_len);
    b->len = u->last_ltkm_len;
    counter = prev->counter;
    snprintf(what, sizeof what, "LTKM push (replayed: counter %" PRIu64 " again)", counter);
  } else {
    if (make_ltkm(G, u, v, &o, b) != 0 || patch(G, b, &f, u->smk, u->smk_len) != 0) {
      free(b);
      return;
    }
    counter = u->ltkm_counter;
    snprintf(what, sizeof what, "LTKM push to UDP %d (%s %s, counter %" PRIu64 "%s)", LTKM_PORT,
             v->pek ? "PEK" : "SEK", v->name, counter, o.v_flag ? ", V=1" : "");
  }
  uint32_t fr = gn_udp(&G->net, &G->bsm, LTKM_PORT, &u->host, u->host.ip, LTKM_PORT, b->msg, b->len,
                       cm(G, what));
  comment_used(G);
  size_t idx = G->nm;
  expect_ltkm(G, u, v, b, counter, &o, &f, fr, "udp_push");
  if (!f.replay) {
    memcpy(u->last_ltkm, b->msg, b->len);
    u->last_ltkm_len = b->len;
    u->last_ltkm_msg = (int)idx;
    if (o.v_flag) {
      memcpy(u->v_ltkm, b->msg, b->len);
      u->v_ltkm_len = b->len;
    }
  }
  free(b);
}

/* Verification message (MIKEY data type 1) answering the last LTKM with
 * V = 1 (PROFILE.md 8), from the terminal's UDP 4359 to the BSM's. */
static void step_verification(gen *G, gs_line *l) {
  const char *cor = gs_opt(l, "corrupt");
  int unsolicited = gs_opt(l, "unsolicited") != NULL;
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  if (cor != NULL && strcmp(cor, "mac") != 0)
    return fail(G, "corrupt= takes mac here");
  /* unsolicited: answers the last LTKM although it had V = 0 */
  const uint8_t *ltkm = unsolicited ? u->last_ltkm : u->v_ltkm;
  size_t ltkm_len = unsolicited ? u->last_ltkm_len : u->v_ltkm_len;
  if (ltkm_len == 0)
    return fail(G, "verification: no LTKM %sto this subscriber", unsolicited ? "" : "with v=1 ");
  bcastdec_verif_spec vs;
  bcastdec_verif_spec_init(&vs);
  vs.any_v = (uint8_t)unsolicited;
  uint8_t out[512];
  size_t len = 0;
  bcastdec_status st =
    bcastdec_verif_encode(&vs, ltkm, ltkm_len, u->smk, u->smk_len, out, sizeof out, &len);
  if (st != BCASTDEC_OK)
    return fail(G, "verification encoder: %s", bcastdec_strerror(st));
  if (cor != NULL)
    out[len - 1] ^= 0x5a;
  uint32_t fr = gn_udp(&G->net, &u->host, LTKM_PORT, &G->bsm, G->bsm.ip, LTKM_PORT, out, len,
                       cm(G, "verification message (MIKEY data type 1) to the BSM"));
  comment_used(G);
  xmsg *m = new_msg(G, BCASTDEC_KIND_VERIFICATION, fr, "udp_push", u, NULL, out, len);
  if (m == NULL)
    return;
  /* flow model: it answers the LTKM it names, else the terminal's oldest
   * unanswered one */
  if (u->fl_nv != 0) {
    size_t k = 0;
    if (!unsolicited && cor == NULL && u->v_pending)
      k = u->fl_nv - 1;
    memmove(&u->fl_v[k], &u->fl_v[k + 1], (u->fl_nv - k - 1) * sizeof u->fl_v[0]);
    u->fl_nv--;
  }
  if (u->v_pending && !unsolicited && cor == NULL) {
    m->outcome = BCASTDEC_OUT_DECRYPTED;
    u->v_pending = 0;
  } else if (u->v_pending && !unsolicited) {
    m->outcome = BCASTDEC_OUT_MAC_FAILED;
    msg_finding(G, m, "verification.mac_failed");
  } else {
    m->outcome = BCASTDEC_OUT_NO_KEY;
    msg_finding(G, m, "verification.no_ltkm");
  }
}

/* STKMs on the service's UDP port, one new TEK each (PROFILE.md 4). */
static void step_stkm(gen *G, gs_line *l) {
  const char *cs = gs_opt(l, "count"), *ts = gs_opt(l, "tek_id"), *is = gs_opt(l, "interval");
  const char *cor = gs_opt(l, "corrupt");
  int replay = gs_opt(l, "replay") != NULL;
  svc *v = find_svc(G, gs_pos(l, 0));
  if (v == NULL)
    return;
  uint64_t count = 1, tek = v->next_tek, interval = 10;
  if (cs != NULL && (parse_u64(cs, 1000, &count) != 0 || count == 0))
    return fail(G, "count=: 1 to 1000");
  if (ts != NULL && parse_u64(ts, 0xffff, &tek) != 0)
    return fail(G, "tek_id=: 0 to 65535");
  if (is != NULL && parse_u64(is, 86400, &interval) != 0)
    return fail(G, "interval=: seconds");
  if (cor != NULL && strcmp(cor, "mac") != 0)
    return fail(G, "corrupt= takes mac here");
  if (replay && v->last_stkm_len == 0)
    return fail(G, "replay: no earlier STKM of this service");
  for (uint64_t i = 0; i < count; i++) {
    if (i > 0)
      gn_wait(&G->net, interval * 1000000u);
    built b;
    uint8_t key[16], salt[14];
    uint16_t tid = (uint16_t)(tek + i);
    char what[160];
    uint64_t counter;
    if (replay) {
      memcpy(b.msg, v->last_stkm, v->last_stkm_len);
      b.len = v->last_stkm_len;
      counter = v->stkm_counter;
      memset(key, 0, sizeof key);
      memset(salt, 0, sizeof salt);
      tid = (uint16_t)(v->next_tek - 1);
      snprintf(what, sizeof what, "STKM (replayed: counter %" PRIu64 " again)", counter);
    } else {
      gn_rng_bytes(&G->rng, key, 16);
      gn_rng_bytes(&G->rng, salt, 14);
      if (make_stkm(G, v, tid, key, salt, &b) != 0)
        return;
      counter = v->stkm_counter;
      if (cor != NULL)
        b.msg[b.len - 1] ^= 0x5a;
      snprintf(what, sizeof what, "STKM of %s on UDP %u (TEK ID %u, counter %" PRIu64 ")", v->name,
               v->port, tid, counter);
    }
    uint32_t fr =
      gn_udp(&G->net, &G->bcast_src, v->port, NULL, v->group, v->port, b.msg, b.len, cm(G, what));
    comment_used(G);
    if (replay) {
      /* the TEK is that of the earlier STKM */
      const xkey *k = NULL;
      for (size_t j = G->nk; j-- > 0;)
        if (G->k[j].role == BCASTDEC_ROLE_TEK && memcmp(G->k[j].kdid, v->kdid, 3) == 0 &&
            G->k[j].sekpek_id == v->sekpek_id && G->k[j].tek_id == tid) {
          k = &G->k[j];
          break;
        }
      uint8_t kk[16] = {0}, ss[14] = {0};
      if (k != NULL) {
        memcpy(kk, k->key, 16);
        memcpy(ss, k->salt, 14);
      }
      expect_stkm(G, v, &b, counter, tid, kk, ss, 0, fr);
      break;
    }
    expect_stkm(G, v, &b, counter, tid, key, salt, cor != NULL, fr);
    memcpy(v->last_stkm, b.msg, b.len);
    v->last_stkm_len = b.len;
    v->next_tek = (uint16_t)(tid + 1);
  }
}

/* A new SEK/PEK for the service (a key change); the next LTKMs deliver it
 * and the next STKMs use it. */
static void step_key_change(gen *G, gs_line *l) {
  svc *v = find_svc(G, gs_pos(l, 0));
  const char *sp = gs_opt(l, "sekpek"), *k = gs_opt(l, "key");
  if (k == NULL)
    k = gs_opt(l, "sek");
  if (v == NULL)
    return;
  if (sp != NULL) {
    uint8_t id[4];
    if (strlen(sp) != 8 || parse_hex(sp, id, 4) != 0)
      return fail(G, "sekpek= needs 8 hex digits");
    v->sekpek_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
  } else {
    v->sekpek_id++; /* same key group (first two bytes), next key */
  }
  if (key_opt(G, k, v->key, 16, "sek") != 0)
    return;
  v->known = 0;
  v->has_accepted = 0;
  v->generation++;
  v->next_tek = 1;
}

/* Web shop / portal (seed 000 5.4.7.2.9 and 5.4.7.2.10). */
static void step_webshop(gen *G, gs_line *l) {
  svc *v[MAX_REQ_SVCS];
  xchg x;
  memset(&x, 0, sizeof x);
  digest_faults(G, l, &x);
  int aware = gs_opt(l, "aware") != NULL, unaware = gs_opt(l, "unaware") != NULL;
  if (aware == unaware)
    return fail(G, "webshop: 'aware' or 'unaware' expected");
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  size_t n = svc_list(G, l, 1, v);
  if (n == 0)
    return;
  gn_buf form = {0}, page = {0};
  gn_buf_puts(&form, "action=purchase");
  for (size_t i = 0; i < n; i++)
    gn_buf_printf(&form, "&globalPurchaseItemID=%s", v[i]->item);
  char *f = take_text(G, &form);
  gn_buf_puts(&page, "<!DOCTYPE html>\n<html><head><title>Operator TV shop</title></head>\n"
                     "<body><p>Thank you: your purchase is complete.</p></body></html>\n");
  char *pg = take_text(G, &page);
  if (f == NULL || pg == NULL)
    goto out;
  x.server = &G->shop;
  x.host = G->shop_fqdn;
  x.req_type = "application/x-www-form-urlencoded";
  x.req_body = f;
  x.ua = "Mozilla/5.0 (Mobile; bcast-terminal/1.0)";
  x.status = 200;
  x.reason = "OK";
  x.resp_type = "text/html; charset=utf-8";
  x.resp_body = pg;
  if (aware) {
    /* 1-4: the portal runs the Digest challenge with the SRK (login) */
    x.what = "Web portal login (SMK/SRK-aware)";
    x.uri = "/portal/login";
    x.req_body = "action=login";
    x.resp_body = "<!DOCTYPE html>\n<html><head><title>Operator TV shop</title></head>\n"
                  "<body><p>Welcome.</p></body></html>\n";
    x.digest = 1;
    http_exchange(G, u, &x);
    if (!x.accepted)
      goto out;
    gn_wait(&G->net, 3000000u + gn_rng_below(&G->rng, 2000000u));
    /* 8: the purchase, authorised with the portal's nonce (nc 2) */
    x.what = "Web portal purchase";
    x.uri = "/portal/purchase";
    x.req_body = f;
    x.resp_body = pg;
    x.preauth = 1;
    x.wrong_password = 0;
    x.bad_rspauth = 0;
    x.username = NULL;
    http_exchange(G, u, &x);
  } else {
    /* 1: the user buys with the portal's own means; no Digest */
    x.what = "Web portal purchase (SMK/SRK-unaware)";
    x.uri = "/portal/purchase";
    http_exchange(G, u, &x);
  }
out:
  free(f);
  free(pg);
}

/* Smartcard Profile Trigger, BSM -> terminal [A: HTTP POST to the
 * terminal's port 8080], seed 000 5.4.7.2.10 step 3. */
static void step_trigger(gen *G, gs_line *l) {
  svc *v[MAX_REQ_SVCS];
  xchg x;
  memset(&x, 0, sizeof x);
  sub *u = find_sub(G, gs_pos(l, 0));
  if (u == NULL)
    return;
  size_t n = svc_list(G, l, 1, v);
  if (n == 0)
    return;
  char *body = body_trigger(G, v, n);
  if (body == NULL)
    return;
  char host[32];
  snprintf(host, sizeof host, "%u.%u.%u.%u:%d", u->host.ip[0], u->host.ip[1], u->host.ip[2],
           u->host.ip[3], PUSH_HTTP_PORT);
  x.what = "Smartcard Profile Trigger";
  x.server = &G->bsm;
  x.host = host;
  x.uri = "/bcast/trigger";
  x.req_type = MT_TRIGGER;
  x.req_body = body;
  x.ua = "bsm/1.0 (BSP-M; bcastdec-gen)";
  x.status = 204;
  x.reason = "No Content";
  x.reverse = 1;
  http_exchange(G, u, &x);
  free(body);
}

/* ------------------------------------------------------------------------ */
/* Scenario driver                                                          */
/* ------------------------------------------------------------------------ */

typedef struct step_def {
  const char *kw;
  void (*fn)(gen *G, gs_line *l);
} step_def;

static void st_service_request(gen *G, gs_line *l) {
  step_purchase(G, l, 0);
}
static void st_token_purchase(gen *G, gs_line *l) {
  step_purchase(G, l, 1);
}
static void st_registration(gen *G, gs_line *l) {
  step_register(G, l, 0);
}
static void st_deregistration(gen *G, gs_line *l) {
  step_register(G, l, 1);
}
static void st_wait(gen *G, gs_line *l) {
  const char *s = gs_pos(l, 0);
  char *end;
  double sec = s ? strtod(s, &end) : -1;
  if (s == NULL || *end || !(sec >= 0 && sec <= 86400))
    return fail(G, "wait: seconds expected");
  gn_wait(&G->net, (uint64_t)(sec * 1e6));
}

static const step_def STEPS[] = {
  {"service_request", st_service_request},
  {"token_purchase", st_token_purchase},
  {"registration", st_registration},
  {"deregistration", st_deregistration},
  {"ltkm_request", step_ltkm_request},
  {"ltkm_push", step_ltkm_push},
  {"verification", step_verification},
  {"stkm", step_stkm},
  {"key_change", step_key_change},
  {"webshop", step_webshop},
  {"smartcard_trigger", step_trigger},
  {"wait", st_wait},
  {NULL, NULL},
};

static void line_text(const gs_line *l, char *out, size_t cap) {
  size_t o = (size_t)snprintf(out, cap, "%s", l->kw);
  for (size_t i = 0; i < l->n && o < cap; i++)
    o += (size_t)snprintf(out + o, cap - o, l->w[i].val ? " %s=%s" : " %s", l->w[i].key,
                          l->w[i].val ? l->w[i].val : "");
}

static void start_capture(gen *G) {
  if (G->net_ready)
    return;
  gn_init(&G->net, &G->rng, G->start_s * 1000000u, G->title[0] ? G->title : NULL);
  G->net.mss = G->mss;
  G->net.rtt_us = G->rtt_ms * 1000u;
  G->net_ready = 1;
}

static void directive(gen *G, gs_line *l) {
  const char *kw = l->kw;
  if (strcmp(kw, "title") == 0) {
    if (G->net_ready)
      return fail(G, "title must come before the first step");
    snprintf(G->title, sizeof G->title, "%s", l->text);
  } else if (strcmp(kw, "comment") == 0) {
    size_t o = strlen(G->pending_comment);
    snprintf(G->pending_comment + o, sizeof G->pending_comment - o, "%s%s", o ? " / " : "",
             l->text);
  } else if (strcmp(kw, "pending") == 0) {
    if (G->n_pending == 4)
      return fail(G, "at most 4 pending lines");
    snprintf(G->pending[G->n_pending++], sizeof G->pending[0], "%s", l->text);
  } else if (strcmp(kw, "seed") == 0) {
    gs_pos(l, 0); /* read in the first pass */
  } else if (strcmp(kw, "start") == 0) {
    uint64_t v;
    if (G->net_ready)
      return fail(G, "start must come before the first step");
    if (parse_u64(gs_pos(l, 0), 0xffffffffu, &v) != 0)
      return fail(G, "start: Unix seconds expected");
    G->start_s = v;
  } else if (strcmp(kw, "network") == 0) {
    uint64_t v;
    const char *mss = gs_opt(l, "mss"), *rtt = gs_opt(l, "rtt");
    if (G->net_ready)
      return fail(G, "network must come before the first step");
    if (mss != NULL) {
      if (parse_u64(mss, 1460, &v) != 0 || v < 200)
        return fail(G, "mss=: 200 to 1460");
      G->mss = (uint16_t)v;
    }
    if (rtt != NULL) {
      if (parse_u64(rtt, 10000, &v) != 0 || v == 0)
        return fail(G, "rtt=: 1 to 10000 ms");
      G->rtt_ms = (uint32_t)v;
    }
  } else if (strcmp(kw, "bsm") == 0) {
    const char *fq = gs_pos(l, 0), *ip = gs_opt(l, "ip");
    if (fq == NULL || strlen(fq) >= sizeof G->bsm_fqdn)
      return fail(G, "bsm: FQDN expected");
    snprintf(G->bsm_fqdn, sizeof G->bsm_fqdn, "%s", fq);
    if (ip != NULL && parse_ip(ip, G->bsm.ip) != 0)
      return fail(G, "ip=: dotted IPv4 address");
  } else if (strcmp(kw, "portal") == 0) {
    const char *fq = gs_pos(l, 0), *ip = gs_opt(l, "ip");
    if (fq == NULL || strlen(fq) >= sizeof G->shop_fqdn)
      return fail(G, "portal: FQDN expected");
    snprintf(G->shop_fqdn, sizeof G->shop_fqdn, "%s", fq);
    if (ip != NULL && parse_ip(ip, G->shop.ip) != 0)
      return fail(G, "ip=: dotted IPv4 address");
  } else if (strcmp(kw, "digest") == 0) {
    const char *alg = gs_opt(l, "algorithm"), *qop = gs_opt(l, "qop");
    if (alg != NULL) {
      static const char *names[] = {"MD5", "MD5-sess", "SHA-256", "SHA-256-sess"};
      G->digest_alg = 0;
      for (int i = 0; i < 4; i++)
        if (strcmp(alg, names[i]) == 0)
          G->digest_alg = (uint8_t)(i + 1);
      if (G->digest_alg == 0)
        return fail(G, "algorithm= takes MD5, MD5-sess, SHA-256, SHA-256-sess");
    }
    if (qop != NULL) {
      if (strcmp(qop, "auth") != 0 && strcmp(qop, "auth-int") != 0)
        return fail(G, "qop= takes auth or auth-int");
      G->qop_int = strcmp(qop, "auth-int") == 0;
    }
  } else if (strcmp(kw, "subscriber") == 0) {
    dir_subscriber(G, l);
  } else if (strcmp(kw, "service") == 0) {
    dir_service(G, l);
  } else {
    for (const step_def *d = STEPS; d->kw; d++) {
      if (strcmp(kw, d->kw) != 0)
        continue;
      start_capture(G);
      xstep *x = grow(G, (void **)&G->st, &G->capst, G->nst, sizeof *x);
      if (x == NULL)
        return;
      memset(x, 0, sizeof *x);
      G->step++;
      x->step = G->step;
      x->line = l->lineno;
      line_text(l, G->step_text, sizeof G->step_text);
      snprintf(x->text, sizeof x->text, "%s", G->step_text);
      snprintf(x->comment, sizeof x->comment, "%s", G->pending_comment);
      uint32_t before = G->net.frames;
      if (G->step > 1)
        gn_wait(&G->net, 1000000u + gn_rng_below(&G->rng, 250000u));
      d->fn(G, l);
      G->pending_comment[0] = '\0';
      x = &G->st[G->nst++];
      x->first_frame = G->net.frames > before ? before + 1 : 0;
      x->last_frame = G->net.frames > before ? G->net.frames : 0;
      return;
    }
    return fail(G, "unknown keyword '%s'", kw);
  }
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                  */
/* ------------------------------------------------------------------------ */

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static int write_buf(const gn_buf *b, const char *path) {
  if (b->oom) {
    errno = ENOMEM;
    return -1;
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  size_t w = fwrite(b->p, 1, b->len, f);
  int err = ferror(f);
  if (fclose(f) != 0 || w != b->len || err)
    return -1;
  return 0;
}

static void keyfile(const gen *G, gn_buf *b) {
  char hx[129];
  gn_buf_printf(b,
                "bcastdec-keys 1\n"
                "# Generated by bcastdec-gen from %s, seed %" PRIu64 ".\n"
                "# Example data: these keys protect nothing real.\n",
                base_name(G->scenario_path), G->seed);
  for (size_t i = 0; i < G->n_subs; i++) {
    const sub *u = &G->subs[i];
    gn_buf_printf(b, "\n# subscriber %s, %s\n", u->name,
                  u->csim ? "(R-)UIM/CSIM, NAI" : "(U)SIM, B-TID");
    if (u->kf_smk) {
      hex_lower(hx, u->smk, u->smk_len);
      gn_buf_printf(b, "SMK %s %s\n", u->ident, hx);
    }
    if (u->kf_srk) {
      hex_lower(hx, u->srk, u->srk_len);
      gn_buf_printf(b, "SRK %s %s\n", u->ident, hx);
    }
    if (!u->kf_smk && !u->kf_srk)
      gn_buf_puts(b, "# (no keys of this subscriber in this file)\n");
  }
  bcastdec_memzero(hx, sizeof hx);
}

/* The key file needs the first-generation SEK/PEK of the services marked
 * "keyfile"; they are saved before the scenario runs. */
typedef struct kf_sek {
  char name[32];
  int pek;
  uint8_t kdid[3];
  uint32_t id;
  uint8_t key[16];
} kf_sek;

static void keyfile_seks(gn_buf *b, const kf_sek *s, size_t n) {
  char hx[33];
  if (n > 0)
    gn_buf_puts(b, "\n# service keys the scenario puts in the key file\n");
  for (size_t i = 0; i < n; i++) {
    hex_lower(hx, s[i].key, 16);
    gn_buf_printf(b, "# service %s\n", s[i].name);
    gn_buf_printf(b, "%s %02x%02x%02x %08" PRIx32 " %s\n", s[i].pek ? "PEK" : "SEK", s[i].kdid[0],
                  s[i].kdid[1], s[i].kdid[2], s[i].id, hx);
  }
  bcastdec_memzero(hx, sizeof hx);
}

/* The flow tracker's end-of-capture judgements (bcastdec/flow.h). */
static void flow_end(gen *G) {
  for (size_t i = 0; i < G->n_subs; i++) {
    sub *u = &G->subs[i];
    if (u->fl_reg != 0)
      expect(G, "flow.registration_missing", u->fl_reg, "flow");
    if (u->fl_ltkm != 0)
      expect(G, "flow.no_ltkm_after_purchase", u->fl_ltkm, "flow");
    for (size_t k = 0; k < u->fl_nv; k++)
      expect(G, "flow.verification_missing", u->fl_v[k], "flow");
    u->fl_reg = u->fl_ltkm = 0;
    u->fl_nv = 0;
  }
}

static void ip_text(char *out, const uint8_t ip[4]) {
  sprintf(out, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

static void expected_json(const gen *G, gn_buf *b) {
  gj j;
  char t[64];
  gj_init(&j, b);
  gj_obj(&j, NULL, 0);
  gj_str(&j, "generator", "bcastdec-gen");
  gj_str(&j, "scenario", base_name(G->scenario_path));
  gj_str(&j, "title", G->title);
  gj_uint(&j, "seed", G->seed);
  gj_uint(&j, "frames", G->net.frames);

  gj_obj(&j, "ports", 0);
  gj_uint(&j, "ltkm_udp", LTKM_PORT);
  gj_arr(&j, "stkm_udp", 1);
  for (size_t i = 0; i < G->n_svcs; i++)
    gj_uint(&j, NULL, G->svcs[i].port);
  gj_end(&j);
  gj_arr(&j, "http_tcp", 1);
  gj_uint(&j, NULL, HTTP_PORT);
  gj_uint(&j, NULL, PUSH_HTTP_PORT);
  gj_end(&j);
  gj_end(&j);

  gj_arr(&j, "subscribers", 0);
  for (size_t i = 0; i < G->n_subs; i++) {
    const sub *u = &G->subs[i];
    gj_obj(&j, NULL, 0);
    gj_str(&j, "name", u->name);
    gj_str(&j, "profile", u->csim ? "(R-)UIM/CSIM" : "(U)SIM");
    gj_str(&j, "identity", u->ident);
    gj_str(&j, "identity_kind", u->csim ? "nai" : "b-tid");
    ip_text(t, u->host.ip);
    gj_str(&j, "address", t);
    gj_bool(&j, "nat", u->nat);
    gj_bool(&j, "smk_in_keyfile", u->kf_smk);
    gj_bool(&j, "srk_in_keyfile", u->kf_srk);
    gj_end(&j);
  }
  gj_end(&j);

  gj_arr(&j, "services", 0);
  for (size_t i = 0; i < G->n_svcs; i++) {
    const svc *v = &G->svcs[i];
    gj_obj(&j, NULL, 0);
    gj_str(&j, "name", v->name);
    gj_str(&j, "role", v->pek ? "PEK" : "SEK");
    gj_hex(&j, "kdid", v->kdid, 3);
    gj_str(&j, "global_purchase_item_id", v->item);
    gj_str(&j, "purchase_data_ref", v->data);
    ip_text(t, v->group);
    gj_str(&j, "stkm_group", t);
    gj_uint(&j, "stkm_port", v->port);
    gj_bool(&j, "first_key_in_keyfile", v->in_keyfile);
    gj_end(&j);
  }
  gj_end(&j);

  gj_arr(&j, "steps", 0);
  for (size_t i = 0; i < G->nst; i++) {
    const xstep *s = &G->st[i];
    gj_obj(&j, NULL, 0);
    gj_uint(&j, "step", s->step);
    gj_uint(&j, "line", s->line);
    gj_str(&j, "text", s->text);
    if (s->comment[0])
      gj_str(&j, "comment", s->comment);
    gj_uint(&j, "first_frame", s->first_frame);
    gj_uint(&j, "last_frame", s->last_frame);
    gj_end(&j);
  }
  gj_end(&j);

  gj_arr(&j, "http", 0);
  for (size_t i = 0; i < G->nh; i++) {
    const xhttp *h = &G->h[i];
    gj_obj(&j, NULL, 0);
    gj_uint(&j, "step", h->step);
    gj_uint(&j, "request_frame", h->request_frame);
    gj_uint(&j, "response_frame", h->response_frame);
    gj_str(&j, "method", h->method);
    gj_str(&j, "host", h->host);
    gj_str(&j, "uri", h->uri);
    gj_uint(&j, "status", (uint64_t)h->status);
    gj_str(&j, "request_content_type", h->req_type);
    gj_str(&j, "response_content_type", h->resp_type);
    gj_bool(&j, "authorization", h->authorization);
    if (h->authorization)
      gj_str(&j, "digest_username", h->username);
    gj_str(&j, "digest", h->digest);
    gj_str(&j, "rspauth", h->rspauth);
    gj_end(&j);
  }
  gj_end(&j);

  gj_arr(&j, "mikey", 0);
  for (size_t i = 0; i < G->nm; i++) {
    const xmsg *m = &G->m[i];
    gj_obj(&j, NULL, 0);
    gj_uint(&j, "index", i);
    gj_uint(&j, "frame", m->frame);
    gj_uint(&j, "step", m->step);
    gj_str(&j, "kind", bcastdec_kind_name(m->kind) ? bcastdec_kind_name(m->kind) : "unknown");
    gj_str(&j, "delivery", m->delivery);
    gj_uint(&j, "length", m->wire_len);
    if (m->no_decode)
      gj_bool(&j, "decode", 0);
    if (m->sub[0])
      gj_str(&j, "subscriber", m->sub);
    if (m->svc[0])
      gj_str(&j, "service", m->svc);
    if (m->kind != BCASTDEC_KIND_VERIFICATION)
      gj_uint(&j, "counter", m->counter);
    gj_str(&j, "outcome", bcastdec_outcome_name(m->outcome));
    gj_bool(&j, "replay", m->replay);
    gj_arr(&j, "keys", 1);
    for (size_t k = 0; k < m->n_keys; k++)
      gj_uint(&j, NULL, m->first_key + k);
    gj_end(&j);
    gj_arr(&j, "findings", 1);
    for (size_t k = 0; k < m->n_find; k++)
      gj_str(&j, NULL, m->find[k]);
    gj_end(&j);
    gj_end(&j);
  }
  gj_end(&j);

  gj_arr(&j, "keys", 0);
  for (size_t i = 0; i < G->nk; i++) {
    const xkey *k = &G->k[i];
    gj_obj(&j, NULL, 0);
    gj_uint(&j, "index", i);
    gj_str(&j, "role", bcastdec_role_name(k->role));
    gj_hex(&j, "kdid", k->kdid, 3);
    snprintf(t, sizeof t, "%08" PRIx32, k->sekpek_id);
    gj_str(&j, "sekpek_id", t);
    if (k->role == BCASTDEC_ROLE_TEK) {
      snprintf(t, sizeof t, "%04x", k->tek_id);
      gj_str(&j, "tek_id", t);
    }
    gj_hex(&j, "key", k->key, 16);
    if (k->salt_len)
      gj_hex(&j, "salt", k->salt, k->salt_len);
    gj_uint(&j, "frame", k->frame);
    gj_uint(&j, "step", k->step);
    gj_str(&j, "delivery", k->delivery);
    gj_uint(&j, "message", k->msg);
    gj_end(&j);
  }
  gj_end(&j);

  /* findings at warning level and above: exactly these; notes: expected too,
   * but a decoder may add notes of its own */
  for (int pass = 0; pass < 2; pass++) {
    gj_arr(&j, pass == 0 ? "findings" : "notes", 0);
    for (size_t i = 0; i < G->nf; i++) {
      const xfind *f = &G->f[i];
      if ((f->info->severity >= BCASTDEC_SEV_WARNING) != (pass == 0))
        continue;
      gj_obj(&j, NULL, 1);
      gj_str(&j, "id", f->info->id);
      gj_str(&j, "severity", bcastdec_severity_name(f->info->severity));
      gj_uint(&j, "frame", f->frame);
      gj_uint(&j, "step", f->step);
      gj_str(&j, "layer", f->layer);
      gj_end(&j);
    }
    gj_end(&j);
  }
  /* rules the scenario violates whose finding ids do not exist yet */
  gj_arr(&j, "pending", 0);
  for (size_t i = 0; i < G->n_pending; i++)
    gj_str(&j, NULL, G->pending[i]);
  gj_end(&j);
  /* the distinct ids of "findings", sorted */
  gj_arr(&j, "finding_ids", 1);
  const char *done[64];
  size_t nd = 0;
  for (;;) {
    const char *best = NULL;
    for (size_t i = 0; i < G->nf; i++) {
      const char *id = G->f[i].info->id;
      if (G->f[i].info->severity < BCASTDEC_SEV_WARNING)
        continue;
      int seen = 0;
      for (size_t k = 0; k < nd; k++)
        seen |= strcmp(done[k], id) == 0;
      if (!seen && (best == NULL || strcmp(id, best) < 0))
        best = id;
    }
    if (best == NULL || nd == 64)
      break;
    done[nd++] = best;
    gj_str(&j, NULL, best);
  }
  gj_end(&j);
  gj_end(&j);
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f) {
  fprintf(f, "usage: bcastdec-gen SCENARIO -o OUT.pcapng [--keys OUT.keys] [--expected OUT.json]\n"
             "                    [--seed N]\n"
             "Scenario format: samples/README.md\n");
}

static void gen_free(gen *G) {
  for (size_t i = 0; i < G->nm; i++)
    free(G->m[i].wire);
  free(G->m);
  free(G->k);
  free(G->f);
  free(G->h);
  free(G->st);
  if (G->net_ready)
    gn_free(&G->net);
  bcastdec_memzero(G->subs, sizeof G->subs);
  bcastdec_memzero(G->svcs, sizeof G->svcs);
}

int main(int argc, char **argv) {
  const char *scen = NULL, *out = NULL, *keys = NULL, *exp = NULL, *seed_s = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc)
      out = argv[++i];
    else if (strcmp(a, "--keys") == 0 && i + 1 < argc)
      keys = argv[++i];
    else if (strcmp(a, "--expected") == 0 && i + 1 < argc)
      exp = argv[++i];
    else if (strcmp(a, "--seed") == 0 && i + 1 < argc)
      seed_s = argv[++i];
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (a[0] == '-') {
      fprintf(stderr, "bcastdec-gen: unknown option %s\n", a);
      usage(stderr);
      return 2;
    } else if (scen == NULL)
      scen = a;
    else {
      usage(stderr);
      return 2;
    }
  }
  if (scen == NULL || out == NULL) {
    usage(stderr);
    return 2;
  }

  static gen G0;
  gen *G = &G0;
  memset(G, 0, sizeof *G);
  snprintf(G->scenario_path, sizeof G->scenario_path, "%s", scen);
  G->start_s = DEFAULT_START;
  G->mss = 1460;
  G->rtt_ms = 48;
  G->digest_alg = 1;
  snprintf(G->bsm_fqdn, sizeof G->bsm_fqdn, "bsm.operator.example");
  snprintf(G->shop_fqdn, sizeof G->shop_fqdn, "shop.operator.example");
  uint8_t bsm_ip[4] = {198, 51, 100, 10}, shop_ip[4] = {198, 51, 100, 20},
          src_ip[4] = {198, 51, 100, 30};
  memcpy(G->bsm.ip, bsm_ip, 4);
  memcpy(G->shop.ip, shop_ip, 4);

  gs_file f;
  char err[512];
  if (gs_read(&f, scen, err, sizeof err) != 0) {
    fprintf(stderr, "bcastdec-gen: %s\n", err);
    return 2;
  }
  /* the seed first: every random choice depends on it */
  G->seed = 1;
  for (size_t i = 0; i < f.n; i++)
    if (strcmp(f.lines[i].kw, "seed") == 0) {
      G->line = &f.lines[i];
      if (parse_u64(gs_pos(G->line, 0), UINT64_MAX, &G->seed) != 0)
        fail(G, "seed: a number expected");
    }
  G->line = NULL;
  if (seed_s != NULL && parse_u64(seed_s, UINT64_MAX, &G->seed) != 0) {
    fprintf(stderr, "bcastdec-gen: --seed: a number expected\n");
    gs_free(&f);
    return 2;
  }
  gn_rng_seed(&G->rng, G->seed);

  kf_sek seks[MAX_SVCS];
  size_t n_seks = 0;
  for (size_t i = 0; i < f.n && !G->failed; i++) {
    G->line = &f.lines[i];
    if (strcmp(G->line->kw, "bsm") == 0 || strcmp(G->line->kw, "portal") == 0) {
      directive(G, G->line);
      const gs_word *w = G->failed ? NULL : gs_unused(G->line);
      if (w != NULL)
        fail(G, "unknown or misplaced word '%s'", w->key);
    }
  }
  memcpy(bsm_ip, G->bsm.ip, 4);
  memcpy(shop_ip, G->shop.ip, 4);
  host_init(&G->bsm, bsm_ip, 0x01, 0, &G->rng);
  host_init(&G->shop, shop_ip, 0x02, 0, &G->rng);
  host_init(&G->bcast_src, src_ip, 0x03, 0, &G->rng);
  for (size_t i = 0; i < f.n && !G->failed; i++) {
    G->line = &f.lines[i];
    if (strcmp(G->line->kw, "bsm") == 0 || strcmp(G->line->kw, "portal") == 0)
      continue;
    size_t nsv = G->n_svcs;
    directive(G, G->line);
    if (G->n_svcs > nsv && G->svcs[nsv].in_keyfile) {
      const svc *v = &G->svcs[nsv];
      snprintf(seks[n_seks].name, sizeof seks[n_seks].name, "%s", v->name);
      seks[n_seks].pek = v->pek;
      memcpy(seks[n_seks].kdid, v->kdid, 3);
      seks[n_seks].id = v->sekpek_id;
      memcpy(seks[n_seks].key, v->key, 16);
      n_seks++;
    }
    const gs_word *w = G->failed ? NULL : gs_unused(G->line);
    if (w != NULL)
      fail(G, "unknown or misplaced word '%s'", w->key);
  }
  G->line = NULL;
  if (!G->failed && G->step == 0)
    fail(G, "the scenario has no step");

  int rc = 0;
  if (G->failed) {
    fprintf(stderr, "bcastdec-gen: %s\n", G->err);
    rc = 2;
    goto done;
  }
  if (gn_write_file(&G->net, out) != 0) {
    fprintf(stderr, "bcastdec-gen: %s: %s\n", out, strerror(errno));
    rc = 1;
    goto done;
  }
  if (keys != NULL) {
    gn_buf b = {0};
    keyfile(G, &b);
    keyfile_seks(&b, seks, n_seks);
    int w = write_buf(&b, keys);
    bcastdec_memzero(b.p, b.len);
    gn_buf_free(&b);
    if (w != 0) {
      fprintf(stderr, "bcastdec-gen: %s: %s\n", keys, strerror(errno));
      rc = 1;
      goto done;
    }
  }
  if (exp != NULL) {
    gn_buf b = {0};
    flow_end(G);
    expected_json(G, &b);
    int w = write_buf(&b, exp);
    gn_buf_free(&b);
    if (w != 0) {
      fprintf(stderr, "bcastdec-gen: %s: %s\n", exp, strerror(errno));
      rc = 1;
    }
  }
done:
  bcastdec_memzero(seks, sizeof seks);
  gen_free(G);
  gs_free(&f);
  return rc;
}
