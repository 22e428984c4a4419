/* SPDX-License-Identifier: MIT */
/*
 * Following subscribers across a capture (bcastdec/flow.h): who asked for a
 * Registration, who registered, who deregistered, which LTKM still waits for
 * its verification message, which purchase still waits for its LTKM.
 *
 * State: a table of subscribers (by identity, and by terminal address), the
 * requests waiting for their responses, the SEK/PEK IDs seen, and the
 * end-of-capture expectations in ref order (binary search by ref).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bcastdec/digest.h>
#include <bcastdec/flow.h>
#include <bcastdec/xml.h>

#include "bcastdec_internal.h"

/* ------------------------------------------------------------------------ */
/* A small string -> index hash table (open addressing, linear probing)     */
/* ------------------------------------------------------------------------ */

typedef struct strmap_slot {
  int idx;      /* index into the owner's array, -1 free */
  uint32_t tag; /* high bits of the key's hash: most probes end here */
} strmap_slot;

typedef struct strmap {
  size_t cap;   /* power of two, 0 when empty */
  size_t n;
  strmap_slot *slot;
} strmap;

/* --- subscribers --- */

typedef struct sub {
  char *id;              /* identity (B-TID/NAI), or "@" address when unnamed */
  uint8_t nai;           /* the identity is an NAI ((R-)UIM/CSIM)            */
  uint32_t dereg_ref;    /* a Deregistration not undone by a Registration    */
  int reg_item;          /* open "registration missing" item, -1             */
  int ltkm_item;         /* open "no LTKM after purchase" item, -1           */
} sub;

/* End-of-capture expectations. */
enum { EX_VERIFICATION = 1, EX_NO_LTKM = 2, EX_REGISTRATION = 3 };

typedef struct expect {
  uint32_t ref;          /* where the finding goes                          */
  uint8_t what;          /* EX_*                                            */
  uint8_t done;          /* 1: met; 2: reported at once elsewhere           */
  int sub;
} expect;

typedef struct req {     /* a request waiting for its response */
  uint32_t ref;
  uint8_t kind;          /* bcastdec_xml_kind of its body                   */
  uint8_t purchase;      /* the body is a purchase/subscription request     */
  int sub;
} req;

typedef struct addr {
  char *addr;
  int sub;
} addr;

struct bcastdec_flow {
  sub *subs;
  size_t n_subs, cap_subs;
  strmap by_id;
  addr *addrs;
  size_t n_addrs, cap_addrs;
  strmap by_addr;
  expect *ex;
  size_t n_ex, cap_ex;
  req *reqs;             /* FIFO of recent requests (bounded)              */
  size_t n_reqs, cap_reqs;
  uint64_t *ids;         /* SEK/PEK IDs seen: kdid << 32 | sekpek id, +1   */
  size_t n_ids, cap_ids; /* open addressing; 0 = free                      */
  uint32_t last_http_ref, last_mikey_ref;
};

#define MAX_PENDING_REQUESTS 4096u

/* Slot of |key| (hash |h|) in |m|, or of the free slot where it would go. */
static size_t strmap_find(const strmap *m, const char *key, uint64_t h,
                          const char *(*name)(const void *, int), const void *owner) {
  size_t mask = m->cap - 1, i = (size_t)h & mask;
  uint32_t tag = (uint32_t)(h >> 32);
  while (m->slot[i].idx >= 0 &&
         (m->slot[i].tag != tag || strcmp(name(owner, m->slot[i].idx), key) != 0))
    i = (i + 1) & mask;
  return i;
}

static uint64_t strmap_hash(const char *key) { return bcastdec__hash(key, strlen(key)); }

static int strmap_get(const strmap *m, const char *key, const char *(*name)(const void *, int),
                      const void *owner) {
  if (m->cap == 0) return -1;
  return m->slot[strmap_find(m, key, strmap_hash(key), name, owner)].idx;
}

static int strmap_put(strmap *m, const char *key, int idx,
                      const char *(*name)(const void *, int), const void *owner) {
  if ((m->n + 1) * 2 > m->cap) { /* keep the load under 1/2 */
    size_t ncap = m->cap ? m->cap * 2 : 64;
    strmap_slot *ns = malloc(ncap * sizeof *ns);
    if (ns == NULL) return 0;
    for (size_t i = 0; i < ncap; i++) ns[i].idx = -1;
    for (size_t i = 0; i < m->cap; i++) {
      if (m->slot[i].idx < 0) continue;
      /* (the slot keeps only the hash's high bits: the name is hashed again) */
      uint64_t h = strmap_hash(name(owner, m->slot[i].idx));
      size_t j = (size_t)h & (ncap - 1);
      while (ns[j].idx >= 0) j = (j + 1) & (ncap - 1);
      ns[j] = m->slot[i];
    }
    free(m->slot);
    m->slot = ns;
    m->cap = ncap;
  }
  uint64_t h = strmap_hash(key);
  size_t i = strmap_find(m, key, h, name, owner);
  if (m->slot[i].idx < 0) m->n++;
  m->slot[i].idx = idx;
  m->slot[i].tag = (uint32_t)(h >> 32);
  return 1;
}

static const char *sub_name(const void *owner, int i) {
  return ((const bcastdec_flow *)owner)->subs[i].id;
}
static const char *addr_name(const void *owner, int i) {
  return ((const bcastdec_flow *)owner)->addrs[i].addr;
}

static char *dup_str(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d != NULL) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */
/* ------------------------------------------------------------------------ */

bcastdec_flow *bcastdec_flow_new(void) { return calloc(1, sizeof(bcastdec_flow)); }

void bcastdec_flow_reset(bcastdec_flow *f) {
  if (f == NULL) return;
  for (size_t i = 0; i < f->n_subs; i++) free(f->subs[i].id);
  for (size_t i = 0; i < f->n_addrs; i++) free(f->addrs[i].addr);
  free(f->subs);
  free(f->by_id.slot);
  free(f->addrs);
  free(f->by_addr.slot);
  free(f->ex);
  free(f->reqs);
  free(f->ids);
  memset(f, 0, sizeof *f);
}

void bcastdec_flow_free(bcastdec_flow *f) {
  if (f == NULL) return;
  bcastdec_flow_reset(f);
  free(f);
}

size_t bcastdec_flow_subscribers(const bcastdec_flow *f) { return f != NULL ? f->n_subs : 0; }

/* ------------------------------------------------------------------------ */
/* Subscribers                                                              */
/* ------------------------------------------------------------------------ */

static int sub_add(bcastdec_flow *f, const char *id, size_t n) {
  if (!bcastdec__grow((void **)&f->subs, &f->cap_subs, sizeof *f->subs, f->n_subs + 1)) return -1;
  sub *s = &f->subs[f->n_subs];
  memset(s, 0, sizeof *s);
  s->id = dup_str(id, n);
  if (s->id == NULL) return -1;
  s->nai = id[0] != '@' && bcastdec_digest_username_kind(id, n) == BCASTDEC_DIGEST_USER_NAI;
  s->reg_item = s->ltkm_item = -1;
  if (!strmap_put(&f->by_id, s->id, (int)f->n_subs, sub_name, f)) {
    free(s->id);
    return -1;
  }
  return (int)f->n_subs++;
}

/* Links |terminal| to subscriber |si| (the last one seen there wins). */
static void addr_link(bcastdec_flow *f, const char *terminal, int si) {
  if (terminal == NULL || *terminal == '\0' || si < 0) return;
  int a = strmap_get(&f->by_addr, terminal, addr_name, f);
  if (a >= 0) {
    f->addrs[a].sub = si;
    return;
  }
  if (!bcastdec__grow((void **)&f->addrs, &f->cap_addrs, sizeof *f->addrs, f->n_addrs + 1))
    return;
  char *d = dup_str(terminal, strlen(terminal));
  if (d == NULL) return;
  f->addrs[f->n_addrs].addr = d;
  f->addrs[f->n_addrs].sub = si;
  if (!strmap_put(&f->by_addr, d, (int)f->n_addrs, addr_name, f)) {
    free(d);
    return;
  }
  f->n_addrs++;
}

/*
 * The subscriber named |id| (length |n|; NULL: unnamed), else the one last
 * seen at |terminal|, else a new one named "@terminal".  |create| 0: only
 * look up.  Returns -1 when there is none (or on NOMEM).
 */
static int sub_get(bcastdec_flow *f, const char *id, size_t n, const char *terminal, int create) {
  char key[256];
  int si = -1;
  if (id != NULL && n != 0 && n < sizeof key) {
    memcpy(key, id, n);
    key[n] = '\0';
    if (memchr(key, '\0', n) != NULL) return -1;
    si = strmap_get(&f->by_id, key, sub_name, f);
    if (si < 0 && create) si = sub_add(f, key, n);
    if (si >= 0) addr_link(f, terminal, si);
    return si;
  }
  if (terminal == NULL || *terminal == '\0') return -1;
  int a = strmap_get(&f->by_addr, terminal, addr_name, f);
  if (a >= 0) return f->addrs[a].sub;
  if (!create) return -1;
  int w = snprintf(key, sizeof key, "@%s", terminal);
  if (w <= 0 || (size_t)w >= sizeof key) return -1;
  si = strmap_get(&f->by_id, key, sub_name, f);
  if (si < 0) si = sub_add(f, key, (size_t)w);
  addr_link(f, terminal, si);
  return si;
}

/* The subscriber's name for finding texts. */
static const char *sub_label(const bcastdec_flow *f, int si) {
  if (si < 0) return "?";
  const char *id = f->subs[si].id;
  return id;
}

/* ------------------------------------------------------------------------ */
/* Expectations                                                             */
/* ------------------------------------------------------------------------ */

static int expect_add(bcastdec_flow *f, uint32_t ref, uint8_t what, int si) {
  if (!bcastdec__grow((void **)&f->ex, &f->cap_ex, sizeof *f->ex, f->n_ex + 1)) return -1;
  size_t at = f->n_ex; /* refs arrive in order; keep the array sorted anyway */
  while (at > 0 && f->ex[at - 1].ref > ref) at--;
  if (at < f->n_ex) {
    memmove(&f->ex[at + 1], &f->ex[at], (f->n_ex - at) * sizeof *f->ex);
    /* items moved: fix the subscribers' open-item indexes */
    for (size_t i = 0; i < f->n_subs; i++) {
      if (f->subs[i].reg_item >= (int)at) f->subs[i].reg_item++;
      if (f->subs[i].ltkm_item >= (int)at) f->subs[i].ltkm_item++;
    }
  }
  f->ex[at].ref = ref;
  f->ex[at].what = what;
  f->ex[at].done = 0;
  f->ex[at].sub = si;
  f->n_ex++;
  return (int)at;
}

/* First item with ref >= |ref|. */
static size_t expect_lower(const bcastdec_flow *f, uint32_t ref) {
  size_t lo = 0, hi = f->n_ex;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->ex[mid].ref < ref) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* An LTKM or an LTKM Request for |si| meets the purchase's expectation. */
static void ltkm_expectation_met(bcastdec_flow *f, int si) {
  if (si >= 0 && f->subs[si].ltkm_item >= 0) {
    f->ex[f->subs[si].ltkm_item].done = 1;
    f->subs[si].ltkm_item = -1;
  }
}

/* ------------------------------------------------------------------------ */
/* SEK/PEK IDs seen (rule 16)                                               */
/* ------------------------------------------------------------------------ */

static uint64_t id_key(const uint8_t kdid[3], uint32_t sekpek) {
  return (((uint64_t)kdid[0] << 56) | ((uint64_t)kdid[1] << 48) | ((uint64_t)kdid[2] << 40) |
          ((uint64_t)sekpek << 8)) | 1u; /* never 0 (= free) */
}

static size_t id_slot(const bcastdec_flow *f, uint64_t k) {
  size_t mask = f->cap_ids - 1, i = (size_t)((k >> 8) * 0x9E3779B97F4A7C15ULL >> 20) & mask;
  while (f->ids[i] != 0 && f->ids[i] != k) i = (i + 1) & mask;
  return i;
}

static int id_seen(const bcastdec_flow *f, const bcastdec_flow_http *ev, const uint8_t kdid[3],
                   uint32_t sekpek) {
  if (f->cap_ids != 0 && f->ids[id_slot(f, id_key(kdid, sekpek))] != 0) return 1;
  return (ev->ks != NULL && bcastdec_keystore_find_sekpek(ev->ks, kdid, sekpek) != NULL) ||
         (ev->learned != NULL && bcastdec_keystore_find_sekpek(ev->learned, kdid, sekpek) != NULL);
}

static void id_add(bcastdec_flow *f, const uint8_t kdid[3], uint32_t sekpek) {
  uint64_t k = id_key(kdid, sekpek);
  if ((f->n_ids + 1) * 2 > f->cap_ids) {
    size_t ncap = f->cap_ids ? f->cap_ids * 2 : 64;
    uint64_t *old = f->ids;
    size_t ocap = f->cap_ids;
    uint64_t *n = calloc(ncap, sizeof *n);
    if (n == NULL) return;
    f->ids = n;
    f->cap_ids = ncap;
    for (size_t i = 0; i < ocap; i++)
      if (old[i] != 0) f->ids[id_slot(f, old[i])] = old[i];
    free(old);
  }
  size_t i = id_slot(f, k);
  if (f->ids[i] == 0) {
    f->ids[i] = k;
    f->n_ids++;
  }
}

/* ------------------------------------------------------------------------ */
/* Feeding                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct outbuf {
  bcastdec_finding *out;
  size_t cap, n;
} outbuf;

static void add(outbuf *o, bcastdec__fid id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void add(outbuf *o, bcastdec__fid id, const char *fmt, ...) {
  if (o->out != NULL && o->n < o->cap) {
    va_list ap;
    va_start(ap, fmt);
    bcastdec__finding_vfill(&o->out[o->n], id, bcastdec__wire_span(0, 0), fmt, ap);
    va_end(ap);
  }
  o->n++;
}

/* Refs do not decrease; a message from before the last one fed (a later
 * pass feeding again) changes nothing. */
static int already_fed(uint32_t ref, uint32_t *last_ref) {
  if (ref < *last_ref) return 1;
  *last_ref = ref;
  return 0;
}

/* The root element's local name, or "". */
static const char *root_name(const bcastdec_xml *x) {
  return x != NULL && x->n_elems != 0 && x->elems[0].name != NULL ? x->elems[0].name : "";
}

static int name_is(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (ca != cb) return 0;
  }
  return *a == *b;
}

/* Provisioning bodies after which keys are due: a Service Request, Token
 * Purchase or Subscription Renewal (request or response). */
static int is_purchase(const bcastdec_xml *x) {
  if (x == NULL || x->kind != BCASTDEC_XML_SPROV) return 0;
  static const char *const names[] = {"ServiceRequest", "ServiceResponse", "TokenPurchaseRequest",
                                      "TokenPurchaseResponse", "SubscriptionRenewalRequest",
                                      "SubscriptionRenewalResponse"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (name_is(root_name(x), names[i])) return 1;
  return 0;
}

/* globalStatusCode absent or 0 */
static int body_success(const bcastdec_xml *x) {
  if (x == NULL) return 1;
  int g = bcastdec_xml_find_field(x, BCASTDEC_XF_GLOBAL_STATUS_CODE, -1);
  return g < 0 || !x->fields[g].valid || x->fields[g].num == 0;
}

static int registration_required(const bcastdec_xml *x) {
  if (x == NULL) return 0;
  for (int i = bcastdec_xml_find_field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, -1); i >= 0;
       i = bcastdec_xml_find_field(x, BCASTDEC_XF_REGISTRATION_REQUIRED, i))
    if (x->fields[i].valid && x->fields[i].num == 1) return 1;
  return 0;
}

static void request_push(bcastdec_flow *f, uint32_t ref, uint8_t kind, uint8_t purchase, int si) {
  if (f->n_reqs == MAX_PENDING_REQUESTS) { /* never answered: forget the oldest */
    memmove(&f->reqs[0], &f->reqs[1], (f->n_reqs - 1) * sizeof *f->reqs);
    f->n_reqs--;
  }
  if (!bcastdec__grow((void **)&f->reqs, &f->cap_reqs, sizeof *f->reqs, f->n_reqs + 1)) return;
  f->reqs[f->n_reqs].ref = ref;
  f->reqs[f->n_reqs].kind = kind;
  f->reqs[f->n_reqs].purchase = purchase;
  f->reqs[f->n_reqs].sub = si;
  f->n_reqs++;
}

/* Takes the request |ref| out of the queue; 0 when it is not there. */
static int request_pop(bcastdec_flow *f, uint32_t ref, req *out) {
  for (size_t i = f->n_reqs; i-- > 0;) {
    if (f->reqs[i].ref != ref) continue;
    *out = f->reqs[i];
    memmove(&f->reqs[i], &f->reqs[i + 1], (f->n_reqs - i - 1) * sizeof *f->reqs);
    f->n_reqs--;
    return 1;
  }
  return 0;
}

/* A purchase or registration that succeeded: an LTKM is due. */
static void expect_ltkm(bcastdec_flow *f, uint32_t ref, int si) {
  if (si < 0) return;
  if (f->subs[si].ltkm_item >= 0) f->ex[f->subs[si].ltkm_item].done = 1; /* superseded */
  f->subs[si].ltkm_item = expect_add(f, ref, EX_NO_LTKM, si);
}

size_t bcastdec_flow_http_msg(bcastdec_flow *f, const bcastdec_flow_http *ev, bcastdec_finding *out,
                              size_t cap) {
  outbuf o = {out, cap, 0};
  if (f == NULL || ev == NULL) return 0;
  if (already_fed(ev->ref, &f->last_http_ref)) return 0;
  const bcastdec_xml *x = ev->xml;
  const char *user = ev->username;
  size_t ulen = user != NULL ? strlen(user) : 0;

  if (!ev->is_response) {
    int si = sub_get(f, user, ulen, ev->terminal, 1);
    uint8_t kind = x != NULL ? x->kind : BCASTDEC_XML_UNKNOWN;
    if (kind == BCASTDEC_XML_REGISTER && si >= 0) {
      /* rule 11: a Registration answers registrationRequired ... */
      if (f->subs[si].reg_item >= 0) {
        if (f->ex[f->subs[si].reg_item].done == 0) f->ex[f->subs[si].reg_item].done = 1;
        f->subs[si].reg_item = -1;
      }
      /* ... and never comes from an (R-)UIM/CSIM terminal (named by the
       * request itself: not the unauthenticated first try) */
      if (f->subs[si].nai && ulen != 0)
        add(&o, BCASTDEC__F_FLOW_REGISTRATION_NAI,
            "Registration from NAI subscriber %.80s: an (R-)UIM/CSIM terminal never registers",
            sub_label(f, si));
    }
    if (kind == BCASTDEC_XML_MSK_REQUEST) {
      /* rule 13: the LTKM Request is the other way to get the keys */
      ltkm_expectation_met(f, si);
      /* rule 16: the SEK/PEK IDs asked for should be known */
      int kd = -1;
      for (size_t i = 0; i < x->n_fields; i++) {
        const bcastdec_xml_field *fl = &x->fields[i];
        if (!fl->valid || fl->bytes == NULL) continue;
        if (fl->id == BCASTDEC_XF_KEY_DOMAIN_ID && fl->bytes_len == 3) kd = (int)i;
        if (fl->id != BCASTDEC_XF_MSK_ID || fl->bytes_len != 4 || kd < 0) continue;
        const uint8_t *k = x->fields[kd].bytes, *b = fl->bytes;
        uint32_t id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (!id_seen(f, ev, k, id))
          add(&o, BCASTDEC__F_FLOW_REQUEST_UNKNOWN_ID,
              "LTKM Request for SEK/PEK %02x%02x%02x/%08x, an ID no earlier LTKM or STKM and "
              "no key file named (the Service Guide is not decoded)",
              k[0], k[1], k[2], (unsigned)id);
      }
    }
    request_push(f, ev->ref, kind, (uint8_t)is_purchase(x), si);
    return o.n;
  }

  /* a response */
  req rq;
  int have_req = ev->request_ref != 0 && request_pop(f, ev->request_ref, &rq);
  int si = have_req && rq.sub >= 0 ? rq.sub : sub_get(f, user, ulen, ev->terminal, 1);
  int ok = ev->status_code / 100 == 2 && body_success(x);
  uint8_t rq_kind = have_req ? rq.kind : BCASTDEC_XML_UNKNOWN;
  if (si < 0 || !ok) return o.n;

  if (is_purchase(x) || (have_req && rq.purchase)) {
    if (registration_required(x) && !f->subs[si].nai) {
      /* rule 11: a Registration must follow (before the LTKM) */
      if (f->subs[si].reg_item >= 0) f->ex[f->subs[si].reg_item].done = 1;
      f->subs[si].reg_item = expect_add(f, ev->ref, EX_REGISTRATION, si);
      if (f->subs[si].reg_item < 0) return o.n;
    }
    expect_ltkm(f, ev->ref, si); /* rule 13 */
  } else if (rq_kind == BCASTDEC_XML_REGISTER) {
    f->subs[si].dereg_ref = 0;
    expect_ltkm(f, ev->ref, si);
  } else if (rq_kind == BCASTDEC_XML_DEREGISTER) {
    /* what was due and did not come before the Deregistration stays unmet
     * (nothing later can meet it) */
    f->subs[si].dereg_ref = ev->ref;
    f->subs[si].ltkm_item = -1;
    f->subs[si].reg_item = -1;
  }
  return o.n;
}

/* The identity an LTKM was meant for: the exchange's Digest user (inline),
 * its IDr, or the SMK that verified it. */
static const char *ltkm_identity(const bcastdec_flow_mikey *ev, size_t *n) {
  const bcastdec_mikey_msg *m = ev->msg;
  if (ev->path == BCASTDEC_FLOW_INLINE && ev->username != NULL) {
    *n = strlen(ev->username);
    return ev->username;
  }
  if (m->i_idr >= 0 && (size_t)m->i_idr < m->n_payloads) {
    const bcastdec_bytes *b = &m->payloads[m->i_idr].u.id.id;
    if (b->p != NULL && b->len != 0) {
      *n = b->len;
      return (const char *)b->p;
    }
  }
  if (m->mac == BCASTDEC_MAC_VERIFIED && m->key_used.role == BCASTDEC_ROLE_SMK &&
      m->found_by != BCASTDEC_FOUND_WILDCARD && strncmp(m->key_used.label, "SMK ", 4) == 0) {
    *n = strlen(m->key_used.label + 4);
    return m->key_used.label + 4;
  }
  *n = 0;
  return NULL;
}

size_t bcastdec_flow_mikey_msg(bcastdec_flow *f, const bcastdec_flow_mikey *ev,
                               bcastdec_finding *out, size_t cap) {
  outbuf o = {out, cap, 0};
  if (f == NULL || ev == NULL || ev->msg == NULL) return 0;
  if (already_fed(ev->ref, &f->last_mikey_ref)) return 0;
  const bcastdec_mikey_msg *m = ev->msg;

  /* the IDs seen (rule 16); a decrypted message's SEK/PEK is in the key
   * file or the session's learned keys already, which the check also asks */
  if (m->has_kdid && m->has_sekpek_id && m->outcome != BCASTDEC_OUT_DECRYPTED)
    id_add(f, m->kdid, m->sekpek_id);

  if (m->kind == BCASTDEC_KIND_LTKM) {
    size_t n = 0;
    const char *id = ltkm_identity(ev, &n);
    int si = sub_get(f, id, n, ev->terminal, 1);
    if (si < 0) return o.n;
    sub *s = &f->subs[si];
    /* rule 14: no push after a Deregistration */
    if (ev->path == BCASTDEC_FLOW_UDP && s->dereg_ref != 0)
      add(&o, BCASTDEC__F_FLOW_AFTER_DEREGISTRATION,
          "LTKM pushed to %.80s after its Deregistration (frame %u)", sub_label(f, si),
          (unsigned)s->dereg_ref);
    /* rule 11: the Registration should have come before the LTKM */
    if (s->reg_item >= 0 && f->ex[s->reg_item].done == 0) {
      add(&o, BCASTDEC__F_FLOW_REGISTRATION_MISSING,
          "LTKM for %.80s before the Registration that registrationRequired=true in frame %u "
          "asked for",
          sub_label(f, si), (unsigned)f->ex[s->reg_item].ref);
      f->ex[s->reg_item].done = 2;
    }
    ltkm_expectation_met(f, si); /* rule 13 */
    /* rule 21: V = 1 asks for a verification message */
    if (m->hdr.v_flag.sp.len != 0 && m->hdr.v_flag.v == 1)
      (void)expect_add(f, ev->ref, EX_VERIFICATION, si);
  } else if (m->kind == BCASTDEC_KIND_VERIFICATION) {
    /* the LTKM it answers: by the session's link, else the terminal's
     * oldest unanswered one */
    size_t i = f->n_ex;
    if (m->answers_ref != 0) {
      for (i = expect_lower(f, m->answers_ref); i < f->n_ex && f->ex[i].ref == m->answers_ref; i++)
        if (f->ex[i].what == EX_VERIFICATION && f->ex[i].done == 0) break;
      if (i < f->n_ex && f->ex[i].ref != m->answers_ref) i = f->n_ex;
    } else {
      int si = sub_get(f, NULL, 0, ev->terminal, 0);
      for (i = 0; i < f->n_ex; i++)
        if (f->ex[i].what == EX_VERIFICATION && f->ex[i].done == 0 && f->ex[i].sub == si &&
            si >= 0)
          break;
    }
    if (i < f->n_ex) f->ex[i].done = 1;
  }
  return o.n;
}

size_t bcastdec_flow_end_findings(const bcastdec_flow *f, uint32_t ref, bcastdec_finding *out,
                                  size_t cap) {
  outbuf o = {out, cap, 0};
  if (f == NULL) return 0;
  for (size_t i = expect_lower(f, ref); i < f->n_ex && f->ex[i].ref == ref; i++) {
    const expect *e = &f->ex[i];
    if (e->done) continue;
    switch (e->what) {
    case EX_VERIFICATION:
      add(&o, BCASTDEC__F_FLOW_VERIFICATION_MISSING,
          "LTKM with V = 1 for %.80s: no verification message answered it in the capture",
          sub_label(f, e->sub));
      break;
    case EX_NO_LTKM:
      add(&o, BCASTDEC__F_FLOW_NO_LTKM,
          "Purchase or Registration of %.80s succeeded here, but neither an LTKM nor an LTKM "
          "Request followed in the capture (or before its Deregistration)",
          sub_label(f, e->sub));
      break;
    case EX_REGISTRATION:
      add(&o, BCASTDEC__F_FLOW_REGISTRATION_MISSING,
          "registrationRequired=true for %.80s, but no Registration followed in the capture",
          sub_label(f, e->sub));
      break;
    default:
      break;
    }
  }
  return o.n;
}

size_t bcastdec_flow_end_refs(const bcastdec_flow *f, uint32_t *out, size_t cap) {
  size_t n = 0;
  uint32_t last = 0;
  if (f == NULL) return 0;
  for (size_t i = 0; i < f->n_ex; i++) {
    if (f->ex[i].done || (n != 0 && f->ex[i].ref == last)) continue;
    last = f->ex[i].ref;
    if (out != NULL && n < cap) out[n] = last;
    n++;
  }
  return n;
}
