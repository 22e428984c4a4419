/* SPDX-License-Identifier: MIT */
/*
 * Decode session: the key chain SMK -> SEK/PEK -> TEK (PROFILE.md sections
 * 2-4 and 6).
 *
 * For each message: find candidate keys (by identifiers first, then by
 * searching the class), derive the KEMAC transport keys (RFC 3830 4.1.4),
 * verify the MAC before trusting anything (RFC 3830 5.2), decrypt
 * (AES-CM-128, RFC 3830 4.2.3), parse the Key data chain, learn the keys it
 * delivers, check the replay counter per key, and remember LTKMs that asked
 * for a verification message (HDR V = 1) so that the answer can be checked.
 *
 * Decryption depends on no assumed ([A]) rule: when identifiers cannot be
 * matched, every key of the class is tried and the MAC decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcastdec_crypto.h"
#include "bcastdec_crypto_fast.h"
#include "bcastdec_internal.h"

/* Upper bound on keys tried by search for one message (keeps a decode of an
 * unknown message bounded with very large key files). */
#define SEARCH_LIMIT 65536u
#define PENDING_MAX 4096u
#define ID_MAX 255u

/* Replay counters: open-addressing map from a key address to a counter. */
typedef struct replay_slot {
  uint8_t *name; /* the key's address (see check_replay); NULL = empty */
  size_t len;
  uint64_t hash; /* bcastdec__hash(name): most probes end here, without |name| */
  uint64_t last;
  int seen;
} replay_slot;

/*
 * PRF pad states of the PSKs (SMK, SEK/PEK) that messages name by their
 * identifiers, so that the HMAC key setup of the MIKEY PRF runs once per
 * key rather than once per message.  Open addressing on the key's address
 * in its store; a slot also keeps the key bytes and PRF it was computed
 * for, so a key replaced in place (same address, new bytes) is noticed (a
 * constant-time compare) and recomputed.  Key-equivalent: wiped when
 * dropped, on session reset and free.  Keys longer than one PRF piece and
 * keys tried by search are not cached.
 */
#define PADS_MIN 64u
#define PADS_MAX 4096u
typedef struct pads_slot {
  const bcastdec_key *k; /* NULL = empty */
  uint8_t prf, key_len;
  uint8_t key[BCASTDEC__PRF_PIECE_LEN];
  bcastdec__hmac_pads pads;
} pads_slot;

/* An LTKM with V = 1 waiting for its verification message. */
typedef struct pending {
  uint32_t csb_id;
  uint32_t ref;
  uint8_t auth[BCASTDEC__AUTH_KEY_LEN]; /* the LTKM's transport auth key */
  uint8_t t_raw[8];
  uint8_t t_len;
  uint64_t t_value;
  uint8_t idi[ID_MAX], idr[ID_MAX];
  uint8_t idi_len, idr_len;
  bcastdec_key_ref key; /* the SMK that opened the LTKM (no key bytes) */
} pending;

struct bcastdec_session {
  const bcastdec_keystore *ks;
  bcastdec_keystore *learned;
  bcastdec_opts opts;
  bcastdec__crypto *crypto;
  replay_slot *replay;
  size_t replay_cap, replay_n;
  pending *pend;
  size_t pend_n, pend_head; /* ring buffer of PENDING_MAX */
  pads_slot *pads;
  size_t pads_cap, pads_n;
};

/* ------------------------------------------------------------------------ */

bcastdec_session *bcastdec_session_new(const bcastdec_keystore *ks, const bcastdec_opts *opts) {
  bcastdec_session *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->ks = ks;
  bcastdec_opts_init(&s->opts);
  if (opts != NULL) {
    s->opts.keyid_ext_type = opts->keyid_ext_type;
    s->opts.bcast_ext_type = opts->bcast_ext_type;
    s->opts.stkm_try_ltkm_rand = opts->stkm_try_ltkm_rand;
  }
  s->learned = bcastdec_keystore_new();
  s->crypto = bcastdec__crypto_new();
  if (s->learned == NULL || s->crypto == NULL) {
    bcastdec_session_free(s);
    return NULL;
  }
  return s;
}

static void replay_clear(bcastdec_session *s) {
  for (size_t i = 0; i < s->replay_cap; i++) free(s->replay[i].name);
  free(s->replay);
  s->replay = NULL;
  s->replay_cap = s->replay_n = 0;
}

static void pads_clear(bcastdec_session *s) {
  if (s->pads != NULL) bcastdec_memzero(s->pads, s->pads_cap * sizeof *s->pads);
  free(s->pads);
  s->pads = NULL;
  s->pads_cap = s->pads_n = 0;
}

static void pending_clear(bcastdec_session *s) {
  if (s->pend != NULL) bcastdec_memzero(s->pend, PENDING_MAX * sizeof *s->pend);
  free(s->pend);
  s->pend = NULL;
  s->pend_n = s->pend_head = 0;
}

void bcastdec_session_free(bcastdec_session *s) {
  if (s == NULL) return;
  replay_clear(s);
  pending_clear(s);
  pads_clear(s);
  bcastdec_keystore_free(s->learned);
  bcastdec__crypto_free(s->crypto);
  free(s);
}

void bcastdec_session_reset(bcastdec_session *s) {
  if (s == NULL) return;
  replay_clear(s);
  pending_clear(s);
  pads_clear(s);
  bcastdec__keystore_clear(s->learned); /* keeps the memory for the next capture */
}

const bcastdec_keystore *bcastdec_session_learned(const bcastdec_session *s) {
  return s != NULL ? s->learned : NULL;
}

/* ------------------------------------------------------------------------ */
/* Replay counters                                                           */
/* ------------------------------------------------------------------------ */

/* The counter slot of |name| (up to ~520 bytes); created when |create|. */
static replay_slot *replay_find(bcastdec_session *s, const uint8_t *name, size_t len,
                                int create) {
  if (s->replay_cap == 0 || (create && (s->replay_n + 1) * 2 > s->replay_cap)) {
    if (!create) return NULL;
    size_t ncap = s->replay_cap ? s->replay_cap * 2 : 64;
    replay_slot *n = calloc(ncap, sizeof *n);
    if (n == NULL) return NULL;
    for (size_t i = 0; i < s->replay_cap; i++) {
      if (s->replay[i].name == NULL) continue;
      size_t j = (size_t)s->replay[i].hash & (ncap - 1);
      while (n[j].name != NULL) j = (j + 1) & (ncap - 1);
      n[j] = s->replay[i];
    }
    free(s->replay);
    s->replay = n;
    s->replay_cap = ncap;
  }
  uint64_t h = bcastdec__hash(name, len);
  size_t j = (size_t)h & (s->replay_cap - 1);
  while (s->replay[j].name != NULL) {
    if (s->replay[j].hash == h && s->replay[j].len == len &&
        memcmp(s->replay[j].name, name, len) == 0)
      return &s->replay[j];
    j = (j + 1) & (s->replay_cap - 1);
  }
  if (!create) return NULL;
  uint8_t *copy = malloc(len + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, name, len);
  s->replay[j].name = copy;
  s->replay[j].len = len;
  s->replay[j].hash = h;
  s->replay[j].last = 0;
  s->replay[j].seen = 0;
  s->replay_n++;
  return &s->replay[j];
}

/* ------------------------------------------------------------------------ */
/* PRF pad states per key                                                    */
/* ------------------------------------------------------------------------ */

/* Home slot of (key address, PRF) in a table of |cap| slots. */
static size_t pads_home(size_t cap, const bcastdec_key *k, unsigned prf) {
  uint64_t h = ((uint64_t)(uintptr_t)k ^ prf) * 0x9e3779b97f4a7c15u;
  return (size_t)(h >> 32) & (cap - 1);
}

/* Makes room for one more slot: doubles the table up to PADS_MAX, then
 * starts over empty.  0 on NOMEM. */
static int pads_room(bcastdec_session *s) {
  if (s->pads != NULL && (s->pads_n + 1) * 2 <= s->pads_cap) return 1;
  if (s->pads != NULL && s->pads_cap >= PADS_MAX) {
    bcastdec_memzero(s->pads, s->pads_cap * sizeof *s->pads);
    s->pads_n = 0;
    return 1;
  }
  size_t ncap = s->pads_cap ? s->pads_cap * 2 : PADS_MIN;
  pads_slot *n = calloc(ncap, sizeof *n);
  if (n == NULL) return 0;
  for (size_t i = 0; i < s->pads_cap; i++) {
    if (s->pads[i].k == NULL) continue;
    size_t j = pads_home(ncap, s->pads[i].k, s->pads[i].prf);
    while (n[j].k != NULL) j = (j + 1) & (ncap - 1);
    n[j] = s->pads[i];
  }
  pads_clear(s);
  s->pads = n;
  s->pads_cap = ncap;
  s->pads_n = 0;
  for (size_t i = 0; i < ncap; i++) s->pads_n += n[i].k != NULL;
  return 1;
}

/* The pad states of |k| under PRF |prf|, computed on first use; NULL when
 * |k| is not cached (then the caller derives without them). */
static const bcastdec__hmac_pads *pads_of(bcastdec_session *s, const bcastdec_key *k,
                                          unsigned prf) {
  if (k->key_len == 0 || k->key_len > BCASTDEC__PRF_PIECE_LEN || prf > 0xff) return NULL;
  if (s->pads == NULL && !pads_room(s)) return NULL;
  size_t j = pads_home(s->pads_cap, k, prf);
  pads_slot *p;
  for (;;) {
    p = &s->pads[j];
    if (p->k == NULL) break;
    if (p->k == k && p->prf == prf) {
      if (p->key_len == k->key_len && bcastdec_ct_equal(p->key, k->key, k->key_len))
        return &p->pads;
      goto fill; /* the key was replaced in place */
    }
    j = (j + 1) & (s->pads_cap - 1);
  }
  if ((s->pads_n + 1) * 2 > s->pads_cap) {
    if (!pads_room(s)) return NULL;
    j = pads_home(s->pads_cap, k, prf);
    while (s->pads[j].k != NULL) j = (j + 1) & (s->pads_cap - 1);
    p = &s->pads[j];
  }
  s->pads_n++;
fill:
  bcastdec_memzero(p, sizeof *p);
  if (bcastdec__prf_pads_init(prf, k->key, k->key_len, &p->pads) != BCASTDEC_OK) {
    bcastdec_memzero(p, sizeof *p);
    p->k = k; /* keeps the probe chain intact; key_len 0: tried again on next use */
    p->prf = (uint8_t)prf;
    return NULL;
  }
  p->k = k;
  p->prf = (uint8_t)prf;
  p->key_len = k->key_len;
  memcpy(p->key, k->key, k->key_len);
  return &p->pads;
}

/* ------------------------------------------------------------------------ */
/* Key naming (never the key bytes)                                          */
/* ------------------------------------------------------------------------ */

/* Appends |src| (up to |n| bytes) to the label, always NUL-terminated. */
static size_t lab_put(bcastdec_key_ref *r, size_t at, const char *src, size_t n) {
  size_t room = sizeof r->label - 1 - at;
  if (n > room) n = room;
  memcpy(r->label + at, src, n);
  r->label[at + n] = '\0';
  return at + n;
}

static size_t lab_hex(bcastdec_key_ref *r, size_t at, uint32_t v, int digits) {
  static const char hx[] = "0123456789abcdef";
  char b[8];
  for (int i = 0; i < digits; i++) b[i] = hx[(v >> (4 * (digits - 1 - i))) & 15];
  return lab_put(r, at, b, (size_t)digits);
}

/* "SMK <identity>", "SEK b8709d/68c90000", "TEK b8709d/68c90000/0001":
 * built without printf, because it runs for every decrypted message. */
static void key_ref(bcastdec_key_ref *r, const bcastdec_key *k) {
  const char *role = bcastdec_role_name(k->role);
  size_t at;
  r->role = k->role;
  r->origin = k->origin;
  r->origin_ref = k->origin_ref;
  if (role == NULL) role = "key";
  at = lab_put(r, 0, role, strlen(role));
  at = lab_put(r, at, " ", 1);
  if (k->role == BCASTDEC_ROLE_SMK || k->role == BCASTDEC_ROLE_SRK) {
    const char *id = k->identity != NULL ? k->identity : "?";
    size_t n = strlen(id);
    lab_put(r, at, id, n < 80 ? n : 80);
    return;
  }
  at = lab_hex(r, at, (uint32_t)k->kdid[0] << 16 | (uint32_t)k->kdid[1] << 8 | k->kdid[2], 6);
  at = lab_put(r, at, "/", 1);
  at = lab_hex(r, at, k->sekpek_id, 8);
  if (k->role == BCASTDEC_ROLE_TEK) {
    at = lab_put(r, at, "/", 1);
    lab_hex(r, at, k->tek_id, 4);
  }
}

static const char *origin_text(const bcastdec_key_ref *r, char *buf, size_t cap) {
  switch (r->origin) {
  case BCASTDEC_ORIGIN_FILE: snprintf(buf, cap, "key file line %u", (unsigned)r->origin_ref); break;
  case BCASTDEC_ORIGIN_GBA: snprintf(buf, cap, "GBA line %u", (unsigned)r->origin_ref); break;
  case BCASTDEC_ORIGIN_LEARNED:
    snprintf(buf, cap, "learned from message %u", (unsigned)r->origin_ref);
    break;
  default: snprintf(buf, cap, "added by the program"); break;
  }
  return buf;
}

/* ------------------------------------------------------------------------ */
/* Trying keys                                                               */
/* ------------------------------------------------------------------------ */

typedef struct attempt {
  bcastdec_session *s;
  bcastdec_mikey_msg *m;
  const bcastdec_payload *kemac;
  const uint8_t *rand;
  size_t rand_len;
  /* result */
  const bcastdec_key *winner;
  uint8_t found_by;
  uint8_t rand_variant;
  bcastdec__tkeys tk; /* transport keys of the winner (wiped by the caller) */
  size_t tried;       /* keys tried so far */
} attempt;

static void note_tried(attempt *a, const bcastdec_key *k) {
  bcastdec_mikey_msg *m = a->m;
  for (size_t i = 0; i < m->n_tried; i++) /* same key seen by two routes */
    if (m->tried[i].role == k->role && m->tried[i].origin == k->origin &&
        m->tried[i].origin_ref == k->origin_ref) {
      bcastdec_key_ref r;
      key_ref(&r, k);
      if (strcmp(r.label, m->tried[i].label) == 0) return;
    }
  if (m->n_tried < BCASTDEC_TRIED_MAX) key_ref(&m->tried[m->n_tried++], k);
  m->n_tried_total++;
}

/*
 * Verifies the KEMAC MAC with |k| and one RAND; 1 on success.  A candidate
 * addressed by the message's identifiers is expected to verify, so all three
 * transport keys are derived at once; a searched candidate gets the auth key
 * first and the others only when its MAC verifies.
 */
static int try_rand(attempt *a, const bcastdec_key *k, const uint8_t *rand, size_t rand_len,
                    int likely) {
  const bcastdec_mikey_msg *m = a->m;
  unsigned prf = (unsigned)m->hdr.prf.v;
  uint32_t csb = (uint32_t)m->hdr.csb_id.v;
  const bcastdec__hmac_pads *pads = likely ? pads_of(a->s, k, prf) : NULL;
  bcastdec_status st =
      pads != NULL
          ? bcastdec__derive_transport_pads(pads, csb, rand, rand_len, 1, &a->tk)
          : bcastdec__derive_transport(prf, k->key, k->key_len, csb, rand, rand_len, likely,
                                       &a->tk);
  if (st != BCASTDEC_OK) return 0;
  bcastdec__iov iov = {m->wire, a->kemac->u.kemac.mac.sp.off};
  int ok = bcastdec__hmac_sha1_verify(a->tk.auth, sizeof a->tk.auth, &iov, 1,
                                      a->kemac->u.kemac.mac.p);
  if (ok && !likely &&
      bcastdec__derive_transport(prf, k->key, k->key_len, csb, rand, rand_len, 1, &a->tk) !=
          BCASTDEC_OK)
    ok = 0;
  if (!ok) bcastdec_memzero(&a->tk, sizeof a->tk);
  return ok;
}

/* Tries one candidate with the RAND variants the message allows. */
static int try_key(attempt *a, const bcastdec_key *k, uint8_t found_by) {
  if (k == NULL || a->winner != NULL) return a->winner != NULL;
  a->tried++;
  int ok = 0, likely = found_by != BCASTDEC_FOUND_SEARCH;
  uint8_t variant;
  if (a->rand != NULL) {
    variant = BCASTDEC_RANDV_MESSAGE;
    ok = try_rand(a, k, a->rand, a->rand_len, likely);
  } else {
    variant = BCASTDEC_RANDV_EMPTY;
    ok = try_rand(a, k, NULL, 0, likely);
    if (!ok && a->s->opts.stkm_try_ltkm_rand && k->ltkm_rand != NULL && k->ltkm_rand_len > 0) {
      variant = BCASTDEC_RANDV_LTKM;
      ok = try_rand(a, k, k->ltkm_rand, k->ltkm_rand_len, likely);
    }
  }
  if (!ok) {
    note_tried(a, k);
    return 0;
  }
  a->winner = k;
  a->found_by = found_by;
  a->rand_variant = variant;
  return 1;
}

static int same_key(const bcastdec_key *a, const bcastdec_key *b) {
  return a == b;
}

/* Every SMK of the store, except the ones already tried by identity. */
static void search_smk(attempt *a, const bcastdec_key *skip1, const bcastdec_key *skip2,
                       const bcastdec_key *skip3) {
  const bcastdec_keystore *ks = a->s->ks;
  size_t n = 0;
  for (const bcastdec_key *k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_SMK, NULL);
       k != NULL && a->winner == NULL && n < SEARCH_LIMIT;
       k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_SMK, k), n++) {
    if (same_key(k, skip1) || same_key(k, skip2) || same_key(k, skip3)) continue;
    try_key(a, k, BCASTDEC_FOUND_SEARCH);
  }
}

static void search_sekpek(attempt *a, const bcastdec_keystore *ks, const bcastdec_key *skip1,
                          const bcastdec_key *skip2) {
  size_t n = 0;
  for (const bcastdec_key *k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_ANY_SEKPEK, NULL);
       k != NULL && a->winner == NULL && n < SEARCH_LIMIT;
       k = bcastdec_keystore_next(ks, BCASTDEC_ROLE_ANY_SEKPEK, k), n++) {
    if (same_key(k, skip1) || same_key(k, skip2)) continue;
    try_key(a, k, BCASTDEC_FOUND_SEARCH);
  }
}

static size_t id_text(const bcastdec_mikey_msg *m, int idx, const uint8_t **p) {
  if (idx < 0) return 0;
  const bcastdec_payload *pl = &m->payloads[idx];
  *p = pl->u.id.id.p;
  return pl->u.id.id.len;
}

/* LTKM: SMK by IDr, by the Digest username, the "*" SMK, then every SMK. */
static void find_smk(attempt *a, const bcastdec_msg_ctx *ctx) {
  const bcastdec_keystore *ks = a->s->ks;
  const bcastdec_key *by_idr = NULL, *by_user = NULL, *wild;
  const uint8_t *idr = NULL;
  size_t idr_len = id_text(a->m, a->m->i_idr, &idr);
  if (idr_len > 0) {
    by_idr = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, (const char *)idr, idr_len);
    try_key(a, by_idr, BCASTDEC_FOUND_IDR);
  }
  if (a->winner != NULL) return;
  if (ctx != NULL && ctx->digest_username != NULL) {
    by_user = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, ctx->digest_username,
                                                strlen(ctx->digest_username));
    if (by_user != by_idr) try_key(a, by_user, BCASTDEC_FOUND_DIGEST_USER);
  }
  if (a->winner != NULL) return;
  wild = bcastdec_keystore_find_subscriber(ks, BCASTDEC_ROLE_SMK, "*", 1);
  try_key(a, wild, BCASTDEC_FOUND_WILDCARD);
  if (a->winner == NULL) search_smk(a, by_idr, by_user, wild);
}

/* STKM: SEK/PEK by (Key Domain ID, SEK/PEK ID), learned first (the newest
 * delivery), then the key file; then every SEK/PEK. */
static void find_sekpek(attempt *a) {
  const bcastdec_key *learned = NULL, *file = NULL;
  bcastdec_mikey_msg *m = a->m;
  if (m->has_kdid && m->has_sekpek_id) {
    learned = bcastdec_keystore_find_sekpek(a->s->learned, m->kdid, m->sekpek_id);
    if (!try_key(a, learned, BCASTDEC_FOUND_KEYID)) {
      file = bcastdec_keystore_find_sekpek(a->s->ks, m->kdid, m->sekpek_id);
      try_key(a, file, BCASTDEC_FOUND_KEYID);
    }
  }
  if (a->winner == NULL) search_sekpek(a, a->s->learned, learned, file);
  if (a->winner == NULL) search_sekpek(a, a->s->ks, learned, file);
}

/* ------------------------------------------------------------------------ */
/* After a verified MAC                                                      */
/* ------------------------------------------------------------------------ */

static uint64_t t64_of(const bcastdec_mikey_msg *m) {
  /* RFC 3830 4.2.3: T as a 64-bit number; a 32-bit COUNTER or NTP-UTC-32 is
   * zero-extended on the left. */
  return m->has_counter ? m->counter : 0;
}

static bcastdec_status decrypt(attempt *a) {
  bcastdec_mikey_msg *m = a->m;
  const bcastdec_payload *pl = a->kemac;
  size_t n = pl->u.kemac.encr_data.len;
  m->plain = bcastdec__msg_alloc(m, n + 1);
  if (m->plain == NULL) return BCASTDEC_ERR_NOMEM;
  m->plain_len = n;
  if (pl->u.kemac.encr_alg.v == BCASTDEC_ENCR_NULL) {
    memcpy(m->plain, pl->u.kemac.encr_data.p, n);
  } else {
    uint8_t iv[16];
    bcastdec__kemac_iv(a->tk.salt, (uint32_t)m->hdr.csb_id.v, t64_of(m), iv);
    bcastdec_status st = bcastdec__aes_cm128(a->s->crypto, a->tk.encr, iv,
                                             pl->u.kemac.encr_data.p, m->plain, n);
    bcastdec_memzero(iv, sizeof iv);
    if (st != BCASTDEC_OK) return st;
  }
  return bcastdec__key_data_parse(m);
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Turns the Key data items into keys with identifiers, and learns them. */
static bcastdec_status take_keys(attempt *a, const bcastdec_msg_ctx *ctx) {
  bcastdec_mikey_msg *m = a->m;
  bcastdec__msgpriv *pv = m->priv_;
  for (size_t i = 0; i < m->n_key_data; i++) {
    const bcastdec_key_data *kd = &m->key_data[i];
    bcastdec_out_key ok;
    memset(&ok, 0, sizeof ok);
    ok.key_data_index = (uint8_t)(i < 255 ? i : 255);
    ok.key = kd->key;
    int tek = kd->type.v == BCASTDEC_KD_TEK || kd->type.v == BCASTDEC_KD_TEK_SALT;
    if (kd->type.v == BCASTDEC_KD_TGK_SALT || kd->type.v == BCASTDEC_KD_TEK_SALT)
      ok.salt = kd->salt;
    ok.role = tek ? BCASTDEC_ROLE_TEK : BCASTDEC_ROLE_SEK;

    /* identifiers: the Key ID extension, else the key validity SPI */
    int have_kd = m->has_kdid, have_sp = m->has_sekpek_id, have_tek = m->has_tek_id;
    memcpy(ok.kdid, m->kdid, 3);
    ok.sekpek_id = m->sekpek_id;
    ok.tek_id = m->tek_id;
    if (kd->kv.v == BCASTDEC_KV_SPI && (kd->spi.len == 4 || kd->spi.len == 6)) {
      uint32_t spi_sp = be32(kd->spi.p);
      if (have_sp && spi_sp != m->sekpek_id)
        bcastdec__finding(m, BCASTDEC__F_KV_MISMATCH, kd->spi.sp,
                          "SPI names SEK/PEK ID %08x, the Key ID extension %08x",
                          (unsigned)spi_sp, (unsigned)m->sekpek_id);
      if (!have_sp) {
        ok.sekpek_id = spi_sp;
        have_sp = 1;
      }
      if (kd->spi.len == 6) {
        uint16_t spi_tek = (uint16_t)(kd->spi.p[4] << 8 | kd->spi.p[5]);
        if (have_tek && spi_tek != m->tek_id)
          bcastdec__finding(m, BCASTDEC__F_KV_MISMATCH, kd->spi.sp,
                            "MKI names TEK ID %04x, the Key ID extension %04x",
                            (unsigned)spi_tek, (unsigned)m->tek_id);
        if (!have_tek) {
          ok.tek_id = spi_tek;
          have_tek = 1;
        }
      }
    }
    ok.has_ids = (uint8_t)(have_kd && have_sp);
    ok.has_tek_id = (uint8_t)have_tek;
    if (!tek && ok.has_ids) {
      const bcastdec_key *known = bcastdec_keystore_find_sekpek(a->s->ks, ok.kdid, ok.sekpek_id);
      if (known != NULL && known->role == BCASTDEC_ROLE_PEK) ok.role = BCASTDEC_ROLE_PEK;
    }
    if (!bcastdec__msg_grow(m, (void **)&m->keys, &pv->cap_keys, sizeof *m->keys,
                            m->n_keys + 1))
      return BCASTDEC_ERR_NOMEM;
    m->keys[m->n_keys++] = ok;

    /* learn it */
    if ((ctx != NULL && ctx->no_learn) || !ok.has_ids || (tek && !ok.has_tek_id)) continue;
    if (ok.key.len == 0 || ok.key.len > BCASTDEC_KEY_MAX || ok.salt.len > BCASTDEC_SALT_MAX)
      continue;
    bcastdec_key k;
    memset(&k, 0, sizeof k);
    k.role = ok.role;
    k.origin = BCASTDEC_ORIGIN_LEARNED;
    k.origin_ref = m->ref;
    memcpy(k.kdid, ok.kdid, 3);
    k.sekpek_id = ok.sekpek_id;
    k.tek_id = ok.tek_id;
    k.key_len = (uint8_t)ok.key.len;
    memcpy(k.key, ok.key.p, ok.key.len);
    k.salt_len = (uint8_t)ok.salt.len;
    if (ok.salt.len) memcpy(k.salt, ok.salt.p, ok.salt.len);
    if (!tek && m->i_rand >= 0) {
      k.ltkm_rand = m->payloads[m->i_rand].u.rand.rand.p;
      k.ltkm_rand_len = m->payloads[m->i_rand].u.rand.rand.len;
    }
    bcastdec_status st = bcastdec_keystore_add(a->s->learned, &k);
    bcastdec_memzero(&k, sizeof k);
    if (st == BCASTDEC_ERR_NOMEM) return st;
  }
  return BCASTDEC_OK;
}

/*
 * Replay counters are kept per SMK (LTKM) and per SEK/PEK (STKM).  The
 * address of an SMK is its identity plus the IDr it served, so that an SMK
 * valid for several subscribers ("*") counts per subscriber.
 */
static void check_replay(attempt *a, const bcastdec_msg_ctx *ctx) {
  bcastdec_mikey_msg *m = a->m;
  uint8_t name[2 + 2 * 256 + 8];
  size_t n = 0;
  if (!m->has_counter) return;
  if (a->winner->role == BCASTDEC_ROLE_SMK) {
    /* An SMK comes from the session's key store, whose entries neither move
     * nor change identity while the session lives: the entry's address
     * stands for its identity.  The usual IDr is the identity itself (the
     * SMK found by IDr): then the address alone, else address and IDr. */
    const uint8_t *idr = NULL;
    size_t il = id_text(m, m->i_idr, &idr);
    const char *id = a->winner->identity != NULL ? a->winner->identity : "";
    const void *addr = a->winner;
    if (il > 255) il = 255;
    name[n++] = 'M';
    memcpy(name + n, &addr, sizeof addr);
    n += sizeof addr;
    size_t l = strlen(id);
    if (il != l || (il > 0 && memcmp(id, idr, il) != 0)) {
      name[n++] = (uint8_t)il;
      if (il) memcpy(name + n, idr, il);
      n += il;
    }
  } else {
    name[n++] = 'S';
    memcpy(name + n, a->winner->kdid, 3);
    n += 3;
    for (int i = 3; i >= 0; i--) name[n++] = (uint8_t)(a->winner->sekpek_id >> (8 * i));
  }
  int learn = ctx == NULL || !ctx->no_learn;
  replay_slot *slot = replay_find(a->s, name, n, learn);
  if (slot == NULL) return;
  if (slot->seen && m->counter <= slot->last) {
    m->replay = 1;
    m->replay_last = slot->last;
    const bcastdec_payload *t = &m->payloads[m->i_t];
    bcastdec__finding(m, BCASTDEC__F_REPLAY, t->u.t.value.sp,
                      "counter %llu is not above %llu, the last accepted for %s",
                      (unsigned long long)m->counter, (unsigned long long)slot->last,
                      m->key_used.label);
    return;
  }
  if (learn) {
    slot->last = m->counter;
    slot->seen = 1;
  }
}

static void remember_v(attempt *a, const bcastdec_msg_ctx *ctx) {
  bcastdec_session *s = a->s;
  bcastdec_mikey_msg *m = a->m;
  if ((ctx != NULL && ctx->no_learn) || !m->hdr.v_flag.v || m->i_t < 0) return;
  if (s->pend == NULL) {
    s->pend = calloc(PENDING_MAX, sizeof *s->pend);
    if (s->pend == NULL) return;
  }
  pending *p = &s->pend[(s->pend_head + s->pend_n) % PENDING_MAX];
  if (s->pend_n < PENDING_MAX) s->pend_n++;
  else s->pend_head = (s->pend_head + 1) % PENDING_MAX; /* the oldest is dropped */
  memset(p, 0, sizeof *p);
  p->csb_id = (uint32_t)m->hdr.csb_id.v;
  p->ref = m->ref;
  memcpy(p->auth, a->tk.auth, sizeof p->auth);
  const bcastdec_payload *t = &m->payloads[m->i_t];
  p->t_len = (uint8_t)t->u.t.raw.len;
  memcpy(p->t_raw, t->u.t.raw.p, p->t_len);
  p->t_value = t->u.t.value.v;
  const uint8_t *id;
  size_t n = id_text(m, m->i_idi, &id);
  if (n <= ID_MAX) {
    p->idi_len = (uint8_t)n;
    if (n) memcpy(p->idi, id, n);
  }
  n = id_text(m, m->i_idr, &id);
  if (n <= ID_MAX) {
    p->idr_len = (uint8_t)n;
    if (n) memcpy(p->idr, id, n);
  }
  p->key = m->key_used;
}

/* ------------------------------------------------------------------------ */
/* Verification messages (data type 1): HDR, T, [IDr], V                     */
/* ------------------------------------------------------------------------ */

static void process_verification(bcastdec_session *s, bcastdec_mikey_msg *m,
                                 const bcastdec_msg_ctx *ctx) {
  if (m->i_v < 0) {
    m->outcome = BCASTDEC_OUT_NONE;
    return;
  }
  const bcastdec_payload *v = &m->payloads[m->i_v];
  if (v->u.v.auth_alg.v == BCASTDEC_MAC_NULL) {
    m->outcome = BCASTDEC_OUT_NONE;
    bcastdec__finding(m, BCASTDEC__F_NO_MAC, v->sp, "verification message without MAC");
    return;
  }
  if ((size_t)m->i_v != m->n_payloads - 1)
    bcastdec__finding(m, BCASTDEC__F_KEMAC_NOT_LAST, v->sp,
                      "V is not the last payload, so its MAC cannot cover the message");
  uint32_t csb = (uint32_t)m->hdr.csb_id.v;
  /* newest first: a CSB ID reused later belongs to the newer LTKM */
  for (size_t k = s->pend_n; k-- > 0;) {
    pending *p = &s->pend[(s->pend_head + k) % PENDING_MAX];
    if (p->csb_id != csb) continue;
    uint8_t t8[8];
    for (int i = 0; i < 8; i++) t8[i] = (uint8_t)(p->t_value >> (56 - 8 * i));
    bcastdec__iov a[2] = {{m->wire, v->u.v.mac.sp.off}, {t8, 8}};
    bcastdec__iov b[4] = {{m->wire, v->u.v.mac.sp.off},
                          {p->idi, p->idi_len},
                          {p->idr, p->idr_len},
                          {p->t_raw, p->t_len}};
    uint8_t which = BCASTDEC_VINPUT_NONE;
    if (bcastdec__hmac_sha1_verify(p->auth, sizeof p->auth, a, 2, v->u.v.mac.p))
      which = BCASTDEC_VINPUT_T64;
    else if (bcastdec__hmac_sha1_verify(p->auth, sizeof p->auth, b, 4, v->u.v.mac.p))
      which = BCASTDEC_VINPUT_IDS_T;
    if (which == BCASTDEC_VINPUT_NONE) {
      m->outcome = BCASTDEC_OUT_MAC_FAILED;
      m->mac = BCASTDEC_MAC_FAILED;
      m->answers_ref = p->ref;
      bcastdec__finding(m, BCASTDEC__F_VERIF_MAC_FAILED, v->u.v.mac.sp,
                        "MAC does not verify with the keys of the LTKM of message %u (%s)",
                        (unsigned)p->ref, p->key.label);
      return;
    }
    m->outcome = BCASTDEC_OUT_DECRYPTED;
    m->mac = BCASTDEC_MAC_VERIFIED;
    m->verif_input = which;
    m->found_by = BCASTDEC_FOUND_LTKM;
    m->answers_ref = p->ref;
    m->key_used = p->key;
    if (ctx == NULL || !ctx->no_learn) {
      /* answered: forget it (move the newest entry into its place) */
      pending *last = &s->pend[(s->pend_head + s->pend_n - 1) % PENDING_MAX];
      if (p != last) *p = *last;
      bcastdec_memzero(last, sizeof *last);
      s->pend_n--;
    }
    return;
  }
  m->outcome = BCASTDEC_OUT_NO_KEY;
  m->mac = BCASTDEC_MAC_NO_KEY;
  bcastdec__finding(m, BCASTDEC__F_VERIF_NO_LTKM, m->hdr.csb_id.sp,
                    "no LTKM with V = 1 and CSB ID %08x seen before", (unsigned)csb);
}

/* ------------------------------------------------------------------------ */
/* Key messages (data type 0): LTKM, STKM                                    */
/* ------------------------------------------------------------------------ */

/* Removes every finding |id| from |m| (a judgement the key chain revised). */
static void drop_finding(bcastdec_mikey_msg *m, bcastdec__fid id) {
  size_t k = 0;
  for (size_t i = 0; i < m->n_findings; i++)
    if (m->findings[i].info != &bcastdec__findings[id]) m->findings[k++] = m->findings[i];
  m->n_findings = k;
}

static bcastdec_status process_key_message(bcastdec_session *s, bcastdec_mikey_msg *m,
                                           const bcastdec_msg_ctx *ctx) {
  attempt a;
  bcastdec_status st = BCASTDEC_OK;
  memset(&a, 0, sizeof a);
  a.s = s;
  a.m = m;
  if (m->i_kemac < 0) {
    m->outcome = BCASTDEC_OUT_NONE;
    return BCASTDEC_OK;
  }
  a.kemac = &m->payloads[m->i_kemac];
  const bcastdec_payload *kp = a.kemac;
  unsigned encr = (unsigned)kp->u.kemac.encr_alg.v, mac = (unsigned)kp->u.kemac.mac_alg.v;

  if (encr != BCASTDEC_ENCR_NULL && encr != BCASTDEC_ENCR_AES_CM_128) {
    const char *nm = bcastdec_encr_alg_name(encr);
    m->outcome = BCASTDEC_OUT_UNSUPPORTED;
    bcastdec__finding(m, BCASTDEC__F_ENCR_UNSUPPORTED, kp->u.kemac.encr_alg.sp,
                      "encryption algorithm %u (%s) is not supported", encr,
                      nm != NULL ? nm : "unknown");
    return BCASTDEC_OK;
  }
  /* visible without any key: the key data travel in clear */
  if (encr == BCASTDEC_ENCR_NULL)
    bcastdec__finding(m, BCASTDEC__F_NULL_ENCRYPTION, kp->u.kemac.encr_alg.sp, NULL);
  if (mac == BCASTDEC_MAC_NULL) {
    bcastdec__finding(m, BCASTDEC__F_NO_MAC, kp->u.kemac.mac_alg.sp, NULL);
    if (encr != BCASTDEC_ENCR_NULL) {
      /* encrypted but unauthenticated: no way to tell the right key */
      m->outcome = BCASTDEC_OUT_UNSUPPORTED;
      return BCASTDEC_OK;
    }
    st = decrypt(&a);
    if (st != BCASTDEC_OK) return st;
    m->outcome = m->plain_status == BCASTDEC_OK ? BCASTDEC_OUT_DECRYPTED : BCASTDEC_OUT_MALFORMED;
    if (m->plain_status != BCASTDEC_OK)
      bcastdec__finding(m, BCASTDEC__F_PLAIN_MALFORMED, kp->u.kemac.encr_data.sp, NULL);
    return take_keys(&a, ctx);
  }
  if (m->hdr.prf.v != BCASTDEC_PRF_MIKEY_1 && m->hdr.prf.v != BCASTDEC_PRF_HMAC_SHA256) {
    m->outcome = BCASTDEC_OUT_UNSUPPORTED;
    bcastdec__finding(m, BCASTDEC__F_PRF_UNSUPPORTED, m->hdr.prf.sp,
                      "PRF function %u is not supported", (unsigned)m->hdr.prf.v);
    return BCASTDEC_OK;
  }

  if (m->i_rand >= 0) {
    a.rand = m->payloads[m->i_rand].u.rand.rand.p;
    a.rand_len = m->payloads[m->i_rand].u.rand.rand.len;
  }
  if (m->kind == BCASTDEC_KIND_STKM) {
    find_sekpek(&a);
  } else if (m->kind == BCASTDEC_KIND_UNKNOWN) {
    find_smk(&a, ctx);
    if (a.winner == NULL) find_sekpek(&a);
  } else {
    find_smk(&a, ctx);
  }

  if (a.winner == NULL) {
    if (a.tried == 0) {
      m->outcome = BCASTDEC_OUT_NO_KEY;
      m->mac = BCASTDEC_MAC_NO_KEY;
      if (m->kind == BCASTDEC_KIND_STKM && m->has_kdid && m->has_sekpek_id) {
        char hx[8];
        bcastdec__hex(hx, sizeof hx, m->kdid, 3);
        bcastdec__finding(m, BCASTDEC__F_MISSING_LTKM, m->payloads[m->i_keyid].sp,
                          "no LTKM delivered SEK/PEK %s/%08x: an LTKM Request should follow",
                          hx, (unsigned)m->sekpek_id);
      } else {
        bcastdec__finding(m, BCASTDEC__F_NO_KEY, kp->sp, "no %s known for this %s",
                          m->kind == BCASTDEC_KIND_STKM ? "SEK/PEK" : "SMK",
                          bcastdec_kind_name(m->kind));
      }
    } else {
      m->outcome = BCASTDEC_OUT_MAC_FAILED;
      m->mac = BCASTDEC_MAC_FAILED;
      char list[160];
      size_t o = 0;
      list[0] = '\0';
      for (size_t i = 0; i < m->n_tried && o + 2 < sizeof list; i++) {
        int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", m->tried[i].label);
        if (w < 0) break;
        o += (size_t)w;
      }
      if (o >= sizeof list) o = sizeof list - 1;
      bcastdec__finding(m, BCASTDEC__F_MAC_FAILED, kp->u.kemac.mac.sp,
                        "MAC does not verify with %zu key%s: %s%s", m->n_tried_total,
                        m->n_tried_total == 1 ? "" : "s", list,
                        m->n_tried_total > m->n_tried ? ", ..." : "");
    }
    goto out;
  }

  m->mac = BCASTDEC_MAC_VERIFIED;
  m->found_by = a.found_by;
  m->rand_variant = a.rand_variant;
  key_ref(&m->key_used, a.winner);
  if (a.found_by == BCASTDEC_FOUND_SEARCH) {
    char o[64];
    bcastdec__finding(m, BCASTDEC__F_FOUND_BY_SEARCH, kp->u.kemac.mac.sp,
                      "%s (%s) found by trying every key of its class", m->key_used.label,
                      origin_text(&m->key_used, o, sizeof o));
  }
  if (a.rand_variant == BCASTDEC_RANDV_LTKM)
    bcastdec__finding(m, BCASTDEC__F_RAND_VARIANT, kp->u.kemac.mac.sp, NULL);
  st = decrypt(&a);
  if (st != BCASTDEC_OK) goto out;
  if (m->plain_status != BCASTDEC_OK) {
    m->outcome = BCASTDEC_OUT_MALFORMED;
    bcastdec__finding(m, BCASTDEC__F_PLAIN_MALFORMED, kp->u.kemac.encr_data.sp,
                      "decrypted Key data chain is %s", bcastdec_status_name(m->plain_status));
  } else {
    m->outcome = BCASTDEC_OUT_DECRYPTED;
  }
  st = take_keys(&a, ctx);
  if (st != BCASTDEC_OK) goto out;
  if (m->n_key_data == 0 && m->plain_status == BCASTDEC_OK) {
    bcastdec__finding(m, BCASTDEC__F_NO_KEY_DATA, kp->sp, NULL);
    /* a verified token-only LTKM has no SEK/PEK ID by design (seed 000):
     * the parser's keyid.missing no longer applies */
    if (m->kind == BCASTDEC_KIND_LTKM) drop_finding(m, BCASTDEC__F_KEYID_MISSING);
  }
  /* seed rule: an LTKM whose tokens are not tied to a SEK/PEK ID cannot be
   * re-requested, so it SHOULD ask for a verification message */
  if (m->kind == BCASTDEC_KIND_LTKM && !m->hdr.v_flag.v && m->plain_status == BCASTDEC_OK &&
      (m->n_keys == 0 || (!m->has_sekpek_id && m->i_bcast >= 0)))
    bcastdec__finding(m, BCASTDEC__F_TOKEN_ONLY_NO_ACK, m->hdr.v_flag.sp, NULL);
  check_replay(&a, ctx);
  if (a.winner->role == BCASTDEC_ROLE_SMK) remember_v(&a, ctx);
out:
  bcastdec_memzero(&a.tk, sizeof a.tk);
  return st;
}

bcastdec_status bcastdec_session_process(bcastdec_session *s, const uint8_t *buf, size_t len,
                                         const bcastdec_msg_ctx *ctx, bcastdec_mikey_msg **out) {
  if (out == NULL) return BCASTDEC_ERR_ARG;
  *out = NULL;
  if (s == NULL || (buf == NULL && len != 0) || len > UINT32_MAX) return BCASTDEC_ERR_ARG;
  bcastdec_mikey_msg *m = bcastdec__msg_new(buf != NULL ? buf : (const uint8_t *)"", len);
  if (m == NULL) return BCASTDEC_ERR_NOMEM;
  m->ref = ctx != NULL ? ctx->ref : 0;
  bcastdec_status st = bcastdec__mikey_parse(m, &s->opts);
  if (st != BCASTDEC_OK) goto fail;

  if (m->status != BCASTDEC_OK) {
    m->outcome = m->status == BCASTDEC_ERR_UNSUPPORTED ? BCASTDEC_OUT_UNSUPPORTED
                                                        : BCASTDEC_OUT_MALFORMED;
  } else if (m->kind == BCASTDEC_KIND_VERIFICATION) {
    process_verification(s, m, ctx);
  } else if (m->hdr.data_type.v == BCASTDEC_DT_PSK_INIT) {
    st = process_key_message(s, m, ctx);
    if (st != BCASTDEC_OK) goto fail;
  } else {
    m->outcome = BCASTDEC_OUT_NONE;
  }
  ((bcastdec__msgpriv *)m->priv_)->opts = NULL;
  *out = m;
  return BCASTDEC_OK;
fail:
  bcastdec_mikey_msg_free(m);
  return st;
}
