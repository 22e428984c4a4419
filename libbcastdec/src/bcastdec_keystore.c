/* SPDX-License-Identifier: MIT */
/*
 * Key store and key-file parser (format version 1, documented for users in
 * keys/README.md; GBA derivation: PROFILE.md section 9).
 *
 * Store layout
 *  - Entries live in fixed-size chunks that never move (big stores: see
 *    "Memory of big stores"), so the pointers
 *    handed out by the find/next functions stay valid for the life of the
 *    store.  An entry's index in the chunk sequence is its insertion order.
 *  - One open-addressing hash table (linear probing, power-of-two size,
 *    load factor at most 0.7) maps an address to an entry.  Addresses come
 *    in three classes: subscriber (role SMK or SRK, identity bytes),
 *    SEK/PEK (kdid, SEK/PEK ID; SEK and PEK share the namespace) and TEK
 *    (kdid, SEK/PEK ID, TEK ID).  A slot holds the 32-bit hash and the entry
 *    number, so probing rarely touches an entry.
 *  - Each class keeps a singly linked list in insertion order, so iterating
 *    the few SMKs of a store full of TEKs does not walk every key.
 *  - Adding a key whose address is taken overwrites that entry in place: it
 *    keeps its place in the insertion order and its pointer.
 *
 * Loading
 *  - A file is parsed into a temporary store.  Only when every line parsed is
 *    the temporary moved (target empty) or merged (capacity reserved first,
 *    so the merge itself cannot fail) into the caller's store; on any error
 *    the temporary is wiped and freed and the caller's store is untouched.
 *  - Parsing works on the text in place (no per-line copy).  The buffer a
 *    file is read into is wiped before it is freed; decoded keys live on the
 *    stack and are wiped on every path.
 *  - Diagnostics never quote a key field.  The only texts echoed are an
 *    unknown keyword or GBA parameter name, and only when it is short and
 *    cannot be a piece of hex (see echo_ok()); identities are not echoed.
 *  - Lines are at most KS_LINE_MAX bytes; a NUL byte or a lone CR anywhere,
 *    a UTF-16 byte order mark, or a control character outside a comment is
 *    an error.
 *  - Within one load (file, text or line) every key address may be given
 *    once: a duplicate is an error naming the first line.  Across loads and
 *    through bcastdec_keystore_add() a later key replaces an earlier one.
 */
#define _DEFAULT_SOURCE 1 /* madvise(), MAP_ANONYMOUS: "Memory of big stores" */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <bcastdec/bcastdec.h>

#include "bcastdec_internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define KS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KS_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------------ */
/* Limits                                                                   */
/* ------------------------------------------------------------------------ */

#define KS_IDENTITY_MAX 255 /* B-TID, NAI, "*"; also IMPI and NAF FQDN */
#define KS_GBA_KS_LEN 32    /* Ks = CK || IK */
#define KS_GBA_RAND_MAX 64
#define KS_MAX_FIELDS 8     /* fields kept per line; more are only counted */
#define KS_KEYWORD_ECHO_MAX 16
#define KS_LINE_MAX 4096    /* bytes per line, without the line end */

/* Key lengths per role (bytes), shared by the key file and the API. */
static const struct {
  uint8_t min, max;
} key_len_range[6] = {
    {0, 0},   /* 0: not a role */
    {16, 64}, /* SMK */
    {16, 64}, /* SRK */
    {16, 32}, /* SEK */
    {16, 32}, /* PEK */
    {16, 32}, /* TEK */
};

/* Whether a RAND of |len| bytes is kept in the key tail of a |cls| entry. */
#define RAND_INLINE(cls, len) ((cls) != CLS_SUB && (len) <= KS_RAND_INLINE)

static const char *const role_label[6] = {"?", "SMK", "SRK", "SEK", "PEK", "TEK"};

/* ------------------------------------------------------------------------ */
/* Store                                                                    */
/* ------------------------------------------------------------------------ */

enum { CLS_NONE = 0, CLS_SUB = 1, CLS_SEKPEK = 2, CLS_TEK = 3, CLS_N = 4 };

#define CHUNK_BITS 12
#define CHUNK_LEN (1u << CHUNK_BITS)
#define CHUNK_MASK (CHUNK_LEN - 1u)
#define ENTRIES_MAX (UINT32_MAX - 1u) /* entry refs are seq + 1 in a uint32 */

/* The key of a SEK, PEK or TEK is at most KS_RAND_OFF bytes (key_len_range
 * below), so the LTKM RAND of a learned key, when it fits (MIKEY sends 16
 * bytes), is kept in the unused tail of the entry's k.key: no allocation
 * per learned key, and wiped with the key. */
#define KS_RAND_OFF 32
#define KS_RAND_INLINE (BCASTDEC_KEY_MAX - KS_RAND_OFF)

/* k.identity (subscriber keys, NUL-terminated) points to a heap copy owned
 * by the entry; k.ltkm_rand to k.key + KS_RAND_OFF or to a heap copy owned
 * by the entry. */
typedef struct ks_entry {
  bcastdec_key k;      /* first member: callers hold &e->k */
  uint32_t seq;        /* insertion index */
  uint32_t next_cls;   /* seq + 1 of the next entry of the class, 0: none */
  uint32_t hash;
  uint16_t id_len;
  uint8_t cls;
} ks_entry;

typedef struct ks_slot {
  uint32_t hash;
  uint32_t ref; /* seq + 1; 0: empty */
} ks_slot;

struct bcastdec_keystore {
  ks_entry **chunks;
  size_t n_chunks, cap_chunks;
  uint32_t n;            /* entries in use */
  ks_slot *slots;
  size_t cap_slots;      /* 0 or a power of two */
  uint32_t head[CLS_N], tail[CLS_N]; /* seq + 1 */
  size_t n_role[6];
};

/* The lookup key of an entry. */
typedef struct ks_addr {
  uint8_t cls;
  uint8_t role;      /* CLS_SUB: SMK or SRK */
  const char *id;    /* CLS_SUB */
  size_t id_len;
  uint32_t kdid;     /* 24 bits */
  uint32_t sekpek_id;
  uint16_t tek_id;
  uint32_t hash;
} ks_addr;

static inline ks_entry *ent(const bcastdec_keystore *ks, uint32_t seq) {
  return &ks->chunks[seq >> CHUNK_BITS][seq & CHUNK_MASK];
}

static uint8_t role_class(unsigned role) {
  switch (role) {
  case BCASTDEC_ROLE_SMK:
  case BCASTDEC_ROLE_SRK: return CLS_SUB;
  case BCASTDEC_ROLE_SEK:
  case BCASTDEC_ROLE_PEK: return CLS_SEKPEK;
  case BCASTDEC_ROLE_TEK: return CLS_TEK;
  default: return CLS_NONE;
  }
}

/* 64-bit finaliser (multiply-xorshift); spreads every input bit. */
static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= UINT64_C(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

static void addr_hash(ks_addr *a) {
  uint64_t h;
  if (a->cls == CLS_SUB) {
    /* the identity eight bytes at a time (B-TIDs are dozens of bytes),
     * each word folded in with a multiply; the tail zero-padded */
    const unsigned char *p = (const unsigned char *)a->id;
    size_t n = a->id_len;
    h = UINT64_C(0xcbf29ce484222325) ^ a->role ^ ((uint64_t)n << 40);
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t v;
      memcpy(&v, p, 8);
      h = (h ^ v) * UINT64_C(0x9e3779b97f4a7c15);
      h ^= h >> 29;
    }
    if (n > 0) {
      uint64_t v = 0;
      memcpy(&v, p, n);
      h = (h ^ v) * UINT64_C(0x9e3779b97f4a7c15);
    }
    h = mix64(h);
  } else {
    h = mix64(((uint64_t)a->kdid << 32) | a->sekpek_id);
    h = mix64(h + (((uint64_t)a->cls << 16) | a->tek_id));
  }
  a->hash = (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t kdid24(const uint8_t kdid[3]) {
  return (uint32_t)kdid[0] << 16 | (uint32_t)kdid[1] << 8 | kdid[2];
}

static void addr_of_key(ks_addr *a, const bcastdec_key *k, const char *id, size_t id_len) {
  memset(a, 0, sizeof *a);
  a->cls = role_class(k->role);
  if (a->cls == CLS_SUB) {
    a->role = k->role;
    a->id = id;
    a->id_len = id_len;
  } else {
    a->kdid = kdid24(k->kdid);
    a->sekpek_id = k->sekpek_id;
    if (a->cls == CLS_TEK) a->tek_id = k->tek_id;
  }
  addr_hash(a);
}

static int addr_match(const ks_entry *e, const ks_addr *a) {
  if (e->hash != a->hash || e->cls != a->cls) return 0;
  switch (a->cls) {
  case CLS_SUB:
    return e->k.role == a->role && e->id_len == a->id_len &&
           memcmp(e->k.identity, a->id, a->id_len) == 0;
  case CLS_SEKPEK:
    return kdid24(e->k.kdid) == a->kdid && e->k.sekpek_id == a->sekpek_id;
  default:
    return kdid24(e->k.kdid) == a->kdid && e->k.sekpek_id == a->sekpek_id &&
           e->k.tek_id == a->tek_id;
  }
}

/* Slot holding |a|'s entry (*found = 1) or the empty slot where it would go.
 * The table must have been allocated. */
static size_t slot_find(const bcastdec_keystore *ks, const ks_addr *a, int *found) {
  size_t mask = ks->cap_slots - 1, i = a->hash & mask;
  for (;;) {
    const ks_slot *s = &ks->slots[i];
    if (s->ref == 0) {
      *found = 0;
      return i;
    }
    if (s->hash == a->hash && addr_match(ent(ks, s->ref - 1), a)) {
      *found = 1;
      return i;
    }
    i = (i + 1) & mask;
  }
}

static const ks_entry *lookup(const bcastdec_keystore *ks, ks_addr *a) {
  int found;
  size_t i;
  if (ks == NULL || ks->n == 0 || ks->head[a->cls] == 0) return NULL; /* no key of the class */
  addr_hash(a);
  i = slot_find(ks, a, &found);
  return found ? ent(ks, ks->slots[i].ref - 1) : NULL;
}

/* Makes room for |extra| more entries without any further allocation.
 * Returns 0 on NOMEM (the store is unchanged apart from spare capacity). */
static int ks_reserve_slots(bcastdec_keystore *ks, size_t need);

/*
 * Memory of big stores.  A store that grows past its first chunk (a big key
 * file, or the learned keys of a long capture: one per LTKM) writes its
 * entries into memory never touched before, page after page, and its hash
 * table is reallocated as it doubles.  The first touch of a page (a page
 * fault; under some hypervisors also a shadow page-table fill) costs more
 * than the key work of the message that touches it.  So on Linux the later
 * chunks (SLAB_CHUNKS at a time) and the hash tables of at least
 * BIG_TABLE_BYTES come from anonymous mappings aligned to and sized in
 * 2 MiB that ask for transparent huge pages (MADV_HUGEPAGE, a hint): one
 * fault per 2 MiB where the kernel allows.  Anonymous mappings are zeroed
 * by the kernel.  Elsewhere plain malloc/calloc.  The first chunk and small
 * tables stay malloc'ed, so small stores cost what they did.
 */
#define BIG_ALIGN ((size_t)2 << 20)
#define BIG_TABLE_BYTES ((size_t)256 << 10)
#define SLAB_CHUNKS (BIG_ALIGN / (CHUNK_LEN * sizeof(ks_entry)) > 0 \
                         ? BIG_ALIGN / (CHUNK_LEN * sizeof(ks_entry)) : 1)

#if defined(__linux__) && defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
#define KS_MMAP 1
#endif

/* |n| bytes of zeroed memory, 2 MiB-aligned where mappings are used; NULL
 * on NOMEM.  Freed with big_free(p, n), the same |n|. */
static void *big_alloc(size_t n) {
#ifdef KS_MMAP
  size_t len, span;
  uint8_t *p;
  uintptr_t a;
  if (n > SIZE_MAX - 2 * BIG_ALIGN) return NULL;
  len = (n + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1);
  span = len + BIG_ALIGN;
  p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  a = ((uintptr_t)p + BIG_ALIGN - 1) & ~(uintptr_t)(BIG_ALIGN - 1);
  if (a > (uintptr_t)p) munmap(p, (size_t)(a - (uintptr_t)p));
  if ((uintptr_t)p + span > a + len) munmap((void *)(a + len), (uintptr_t)p + span - (a + len));
  (void)madvise((void *)a, len, MADV_HUGEPAGE);
  return (void *)a;
#else
  return calloc(1, n);
#endif
}

static void big_free(void *p, size_t n) {
  if (p == NULL) return;
#ifdef KS_MMAP
  munmap(p, (n + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1));
#else
  (void)n;
  free(p);
#endif
}

#define SLAB_BYTES (SLAB_CHUNKS * CHUNK_LEN * sizeof(ks_entry))

/* Hash tables: calloc when small, big_alloc from BIG_TABLE_BYTES on. */
static ks_slot *table_alloc(size_t cap) {
  size_t n = cap * sizeof(ks_slot);
  return n >= BIG_TABLE_BYTES ? big_alloc(n) : calloc(cap, sizeof(ks_slot));
}

static void table_free(ks_slot *t, size_t cap) {
  size_t n = cap * sizeof(ks_slot);
  if (n >= BIG_TABLE_BYTES)
    big_free(t, n);
  else
    free(t);
}

/* Chunk |c| of a store: the first is a malloc, the others live in slabs. */
static int chunk_starts_slab(size_t c) { return c > 0 && (c - 1) % SLAB_CHUNKS == 0; }

static int ks_reserve(bcastdec_keystore *ks, size_t extra) {
  size_t need, need_chunks;
  if (extra > ENTRIES_MAX - ks->n) return 0;
  need = (size_t)ks->n + extra;

  need_chunks = (need + CHUNK_LEN - 1) / CHUNK_LEN;
  if (need_chunks > ks->cap_chunks) {
    size_t nc = ks->cap_chunks ? ks->cap_chunks * 2 : 16;
    ks_entry **p;
    while (nc < need_chunks) nc *= 2;
    p = realloc(ks->chunks, nc * sizeof *p); /* pointers only, no secrets */
    if (p == NULL) return 0;
    ks->chunks = p;
    ks->cap_chunks = nc;
  }
  while (ks->n_chunks < need_chunks) {
    /* not zeroed: entry_new() clears each entry as it is taken, and no
     * entry at or past ks->n is ever read */
    ks_entry *c;
    if (ks->n_chunks == 0)
      c = malloc(CHUNK_LEN * sizeof *c);
    else if (chunk_starts_slab(ks->n_chunks))
      c = big_alloc(SLAB_BYTES);
    else
      c = ks->chunks[ks->n_chunks - 1] + CHUNK_LEN; /* the rest of its slab */
    if (c == NULL) return 0;
    ks->chunks[ks->n_chunks++] = c;
  }

  return ks_reserve_slots(ks, need);
}

/* Grows the hash table to hold |need| entries at a load factor <= 0.7. */
static int ks_reserve_slots(bcastdec_keystore *ks, size_t need) {
  size_t cap = ks->cap_slots ? ks->cap_slots : 16;
  while (need > cap / 10 * 7) {
    if (cap > SIZE_MAX / 2 / sizeof(ks_slot)) return 0;
    cap *= 2;
  }
  if (cap != ks->cap_slots) {
    ks_slot *s = table_alloc(cap);
    if (s == NULL) return 0;
    for (size_t i = 0; i < ks->cap_slots; i++) {
      size_t j;
      if (ks->slots[i].ref == 0) continue;
      j = ks->slots[i].hash & (cap - 1);
      while (s[j].ref != 0) j = (j + 1) & (cap - 1);
      s[j] = ks->slots[i];
    }
    table_free(ks->slots, ks->cap_slots);
    ks->slots = s;
    ks->cap_slots = cap;
  }
  return 1;
}

/* Takes a new entry for |a| into slot |i| (capacity reserved). */
static ks_entry *entry_new(bcastdec_keystore *ks, const ks_addr *a, size_t i) {
  uint32_t seq = ks->n++;
  ks_entry *e = ent(ks, seq);
  memset(e, 0, sizeof *e);
  e->seq = seq;
  e->cls = a->cls;
  e->hash = a->hash;
  ks->slots[i].hash = a->hash;
  ks->slots[i].ref = seq + 1;
  if (ks->tail[a->cls] != 0)
    ent(ks, ks->tail[a->cls] - 1)->next_cls = seq + 1;
  else
    ks->head[a->cls] = seq + 1;
  ks->tail[a->cls] = seq + 1;
  return e;
}

/* Wipes an entry's RAND copy and frees it when it is on the heap. */
static void entry_drop_rand(ks_entry *e) {
  bcastdec_key *d = &e->k;
  if (d->ltkm_rand == d->key + KS_RAND_OFF) {
    bcastdec_memzero(d->key + KS_RAND_OFF, KS_RAND_INLINE);
  } else if (d->ltkm_rand != NULL) {
    void *r = (void *)(uintptr_t)d->ltkm_rand; /* the entry's own copy */
    bcastdec_memzero(r, d->ltkm_rand_len);
    free(r);
  }
  d->ltkm_rand = NULL;
  d->ltkm_rand_len = 0;
}

/*
 * Writes key |k| into entry |e| (new or replaced).  The RAND is either
 * |rand_heap| (taken over) or, when that is NULL, |rand_len| bytes at
 * |rand_src| (RAND_INLINE for the entry's class: copied into its key tail;
 * must not point into |e|).  The entry's identity is kept (a replacement
 * has the same identity).
 */
static void entry_store(bcastdec_keystore *ks, ks_entry *e, const bcastdec_key *k,
                        uint8_t *rand_heap, const uint8_t *rand_src, size_t rand_len) {
  bcastdec_key *d = &e->k;
  const char *identity = d->identity;
  if (d->role != 0) { /* replacing */
    ks->n_role[d->role]--;
    entry_drop_rand(e);
    bcastdec_memzero(d, sizeof *d);
  }
  d->role = k->role;
  d->origin = k->origin;
  d->key_len = k->key_len;
  d->salt_len = k->salt_len;
  d->origin_ref = k->origin_ref;
  d->identity = identity;
  if (e->cls != CLS_SUB) {
    memcpy(d->kdid, k->kdid, 3);
    d->sekpek_id = k->sekpek_id;
    if (e->cls == CLS_TEK) d->tek_id = k->tek_id;
  }
  memcpy(d->key, k->key, k->key_len);
  memcpy(d->salt, k->salt, k->salt_len);
  if (rand_heap != NULL) {
    d->ltkm_rand = rand_heap;
    d->ltkm_rand_len = rand_len;
  } else if (rand_len > 0) {
    memcpy(d->key + KS_RAND_OFF, rand_src, rand_len);
    d->ltkm_rand = d->key + KS_RAND_OFF;
    d->ltkm_rand_len = rand_len;
  }
  ks->n_role[d->role]++;
}

/* Validates a key given to the store; returns the identity length through
 * |id_len| for subscriber keys.  0 when the key is impossible. */
static int key_ok(const bcastdec_key *k, size_t *id_len) {
  uint8_t cls = role_class(k->role);
  *id_len = 0;
  if (cls == CLS_NONE) return 0;
  if (k->key_len < key_len_range[k->role].min || k->key_len > key_len_range[k->role].max)
    return 0;
  if (k->salt_len > BCASTDEC_SALT_MAX) return 0;
  if (k->origin > BCASTDEC_ORIGIN_LEARNED) return 0;
  if (k->ltkm_rand_len > BCASTDEC_RAND_MAX) return 0;
  if (k->ltkm_rand_len > 0 && k->ltkm_rand == NULL) return 0;
  if (cls == CLS_SUB) {
    size_t n;
    if (k->identity == NULL) return 0;
    n = strlen(k->identity);
    if (n == 0 || n > KS_IDENTITY_MAX) return 0;
    *id_len = n;
  }
  return 1;
}

/*
 * Inserts or replaces a validated key.  |id|/|id_len| is the identity of a
 * subscriber key (copied).  The store is unchanged on NOMEM.
 */
static bcastdec_status ks_insert(bcastdec_keystore *ks, const bcastdec_key *k, const char *id,
                                 size_t id_len) {
  ks_addr a;
  ks_entry *e;
  uint8_t *rnd = NULL;
  uint8_t rnd_in[KS_RAND_INLINE]; /* |k| may be an entry of |ks| itself */
  int found = 0;
  size_t i = 0;

  addr_of_key(&a, k, id, id_len);
  if (ks->cap_slots != 0) i = slot_find(ks, &a, &found);
  if (k->ltkm_rand_len > 0 && !RAND_INLINE(a.cls, k->ltkm_rand_len)) {
    rnd = malloc(k->ltkm_rand_len);
    if (rnd == NULL) return BCASTDEC_ERR_NOMEM;
    memcpy(rnd, k->ltkm_rand, k->ltkm_rand_len);
  } else if (k->ltkm_rand_len > 0) {
    memcpy(rnd_in, k->ltkm_rand, k->ltkm_rand_len);
  }
  if (found) {
    e = ent(ks, ks->slots[i].ref - 1);
  } else {
    char *idc = NULL;
    size_t cap0 = ks->cap_slots;
    if (a.cls == CLS_SUB) {
      idc = malloc(id_len + 1);
      if (idc == NULL) goto nomem;
      memcpy(idc, id, id_len);
      idc[id_len] = '\0';
    }
    if (!ks_reserve(ks, 1)) {
      free(idc);
      goto nomem;
    }
    if (ks->cap_slots != cap0) i = slot_find(ks, &a, &found);
    e = entry_new(ks, &a, i);
    e->k.identity = idc;
    e->id_len = (uint16_t)id_len;
  }
  entry_store(ks, e, k, rnd, rnd_in, k->ltkm_rand_len);
  if (rnd == NULL && k->ltkm_rand_len > 0) bcastdec_memzero(rnd_in, k->ltkm_rand_len);
  return BCASTDEC_OK;

nomem:
  if (rnd == NULL && k->ltkm_rand_len > 0) bcastdec_memzero(rnd_in, k->ltkm_rand_len);
  if (rnd != NULL) {
    bcastdec_memzero(rnd, k->ltkm_rand_len);
    free(rnd);
  }
  return BCASTDEC_ERR_NOMEM;
}

/* Wipes every entry and frees what it owns.  With |keep| the chunks and the
 * (emptied) hash table stay allocated for reuse; else everything is freed. */
static void ks_wipe(bcastdec_keystore *ks, int keep) {
  for (size_t c = 0; c < ks->n_chunks; c++) {
    ks_entry *chunk = ks->chunks[c];
    size_t used = 0;
    if ((size_t)ks->n > c * CHUNK_LEN) {
      used = ks->n - c * CHUNK_LEN;
      if (used > CHUNK_LEN) used = CHUNK_LEN;
    }
    for (size_t j = 0; j < used; j++) {
      ks_entry *e = &chunk[j];
      entry_drop_rand(e);
      free((void *)(uintptr_t)e->k.identity); /* the entry's own copy */
    }
    bcastdec_memzero(chunk, used * sizeof *chunk);
  }
  if (keep) {
    if (ks->slots != NULL) memset(ks->slots, 0, ks->cap_slots * sizeof *ks->slots);
    ks->n = 0;
    memset(ks->head, 0, sizeof ks->head);
    memset(ks->tail, 0, sizeof ks->tail);
    memset(ks->n_role, 0, sizeof ks->n_role);
    return;
  }
  for (size_t c = 0; c < ks->n_chunks; c++) { /* a slab holds several chunks */
    if (c == 0)
      free(ks->chunks[c]);
    else if (chunk_starts_slab(c))
      big_free(ks->chunks[c], SLAB_BYTES);
  }
  free(ks->chunks);
  table_free(ks->slots, ks->cap_slots);
  memset(ks, 0, sizeof *ks);
}

static void ks_release(bcastdec_keystore *ks) { ks_wipe(ks, 0); }

void bcastdec__keystore_clear(bcastdec_keystore *ks) {
  if (ks != NULL) ks_wipe(ks, 1);
}

/*
 * Moves every key of |src| into |dst| (later keys replace earlier ones);
 * |src| is left for the caller to free.  NOMEM leaves |dst| unchanged.
 */
static bcastdec_status ks_absorb(bcastdec_keystore *dst, bcastdec_keystore *src) {
  if (src->n == 0) return BCASTDEC_OK;
  if (dst->n == 0) {
    bcastdec_keystore tmp = *dst;
    *dst = *src;
    *src = tmp; /* src now holds dst's empty spare capacity */
    return BCASTDEC_OK;
  }
  if (!ks_reserve(dst, src->n)) return BCASTDEC_ERR_NOMEM;
  for (uint32_t s = 0; s < src->n; s++) {
    ks_entry *se = ent(src, s), *de;
    ks_addr a;
    int found;
    size_t i;
    const uint8_t *rsrc = se->k.ltkm_rand;
    uint8_t *rheap = rsrc == se->k.key + KS_RAND_OFF ? NULL : (uint8_t *)(uintptr_t)rsrc;
    addr_of_key(&a, &se->k, se->k.identity, se->id_len);
    i = slot_find(dst, &a, &found);
    if (found) {
      de = ent(dst, dst->slots[i].ref - 1);
    } else {
      de = entry_new(dst, &a, i);
      de->k.identity = se->k.identity; /* ownership moves */
      de->id_len = se->id_len;
      se->k.identity = NULL;
    }
    entry_store(dst, de, &se->k, rheap, rsrc, se->k.ltkm_rand_len);
    if (rheap != NULL) {
      se->k.ltkm_rand = NULL; /* moved; the key bytes are wiped with src */
      se->k.ltkm_rand_len = 0;
    } /* an inline RAND was copied and is wiped with src */
  }
  return BCASTDEC_OK;
}

/* ------------------------------------------------------------------------ */
/* Public store API                                                         */
/* ------------------------------------------------------------------------ */

bcastdec_keystore *bcastdec_keystore_new(void) {
  return calloc(1, sizeof(bcastdec_keystore));
}

void bcastdec_keystore_free(bcastdec_keystore *ks) {
  if (ks == NULL) return;
  ks_release(ks);
  free(ks);
}

bcastdec_status bcastdec_keystore_add(bcastdec_keystore *ks, const bcastdec_key *k) {
  size_t id_len;
  if (ks == NULL || k == NULL || !key_ok(k, &id_len)) return BCASTDEC_ERR_ARG;
  return ks_insert(ks, k, k->identity, id_len);
}

const bcastdec_key *bcastdec_keystore_find_subscriber(const bcastdec_keystore *ks,
                                                      unsigned role, const char *identity,
                                                      size_t identity_len) {
  ks_addr a;
  const ks_entry *e;
  if (role_class(role) != CLS_SUB || identity == NULL) return NULL;
  memset(&a, 0, sizeof a);
  a.cls = CLS_SUB;
  a.role = (uint8_t)role;
  a.id = identity;
  a.id_len = identity_len;
  e = lookup(ks, &a);
  return e != NULL ? &e->k : NULL;
}

const bcastdec_key *bcastdec_keystore_find_sekpek(const bcastdec_keystore *ks,
                                                  const uint8_t kdid[3], uint32_t sekpek_id) {
  ks_addr a;
  const ks_entry *e;
  if (kdid == NULL) return NULL;
  memset(&a, 0, sizeof a);
  a.cls = CLS_SEKPEK;
  a.kdid = kdid24(kdid);
  a.sekpek_id = sekpek_id;
  e = lookup(ks, &a);
  return e != NULL ? &e->k : NULL;
}

const bcastdec_key *bcastdec_keystore_find_tek(const bcastdec_keystore *ks,
                                               const uint8_t kdid[3], uint32_t sekpek_id,
                                               uint16_t tek_id) {
  ks_addr a;
  const ks_entry *e;
  if (kdid == NULL) return NULL;
  memset(&a, 0, sizeof a);
  a.cls = CLS_TEK;
  a.kdid = kdid24(kdid);
  a.sekpek_id = sekpek_id;
  a.tek_id = tek_id;
  e = lookup(ks, &a);
  return e != NULL ? &e->k : NULL;
}

/* Role filters: 0 all; 1..5 one role; BCASTDEC_ROLE_ANY_SEKPEK (also written
 * BCASTDEC_ROLE_SEK | 0x100 or BCASTDEC_ROLE_PEK | 0x100) SEK and PEK. */
static int is_any_sekpek(unsigned role) {
  return (role & ~0xffu) == BCASTDEC_ROLE_ANY_SEKPEK &&
         ((role & 0xffu) == 0 || (role & 0xffu) == BCASTDEC_ROLE_SEK ||
          (role & 0xffu) == BCASTDEC_ROLE_PEK);
}

static int role_matches(unsigned filter, unsigned role) {
  if (filter == 0) return 1;
  if (is_any_sekpek(filter)) return role == BCASTDEC_ROLE_SEK || role == BCASTDEC_ROLE_PEK;
  return filter == role;
}

size_t bcastdec_keystore_count(const bcastdec_keystore *ks, unsigned role) {
  if (ks == NULL) return 0;
  if (role == 0) return ks->n;
  if (is_any_sekpek(role))
    return ks->n_role[BCASTDEC_ROLE_SEK] + ks->n_role[BCASTDEC_ROLE_PEK];
  if (role_class(role) == CLS_NONE) return 0;
  return ks->n_role[role];
}

const bcastdec_key *bcastdec_keystore_next(const bcastdec_keystore *ks, unsigned role,
                                           const bcastdec_key *prev) {
  uint8_t cls;
  uint32_t ref; /* seq + 1 of the candidate, 0: end */
  if (ks == NULL || ks->n == 0) return NULL;
  if (role == 0)
    cls = CLS_NONE;
  else if (is_any_sekpek(role))
    cls = CLS_SEKPEK;
  else if ((cls = role_class(role)) == CLS_NONE)
    return NULL;

  if (prev == NULL) {
    ref = cls == CLS_NONE ? 1 : ks->head[cls];
  } else {
    const ks_entry *pe = (const ks_entry *)(const void *)prev;
    if (pe->seq >= ks->n || ent(ks, pe->seq) != pe) return NULL; /* not ours */
    if (cls != CLS_NONE && pe->cls == cls) {
      ref = pe->next_cls;
    } else { /* filter changed mid-walk: continue in insertion order */
      for (uint32_t s = pe->seq + 1; s < ks->n; s++) {
        const ks_entry *e = ent(ks, s);
        if (role_matches(role, e->k.role)) return &e->k;
      }
      return NULL;
    }
  }

  if (cls == CLS_NONE) return ref <= ks->n ? &ent(ks, ref - 1)->k : NULL;
  while (ref != 0) {
    const ks_entry *e = ent(ks, ref - 1);
    if (role_matches(role, e->k.role)) return &e->k;
    ref = e->next_cls;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Key-file parser                                                          */
/* ------------------------------------------------------------------------ */

typedef struct kf_ctx {
  const char *name;
  unsigned line;
  bcastdec_diag *diag;
  int seen_content; /* a line other than blank/comment was seen */
} kf_ctx;

typedef struct kf_field {
  const char *p;
  size_t n;
} kf_field;

static void diag_clear(bcastdec_diag *d) {
  if (d == NULL) return;
  d->line = 0;
  d->msg[0] = '\0';
}

static bcastdec_status kf_fail(const kf_ctx *c, bcastdec_status st, const char *fmt, ...)
    KS_PRINTF(3, 4);

/* Records "NAME:LINE: message" and returns |st|. */
static bcastdec_status kf_fail(const kf_ctx *c, bcastdec_status st, const char *fmt, ...) {
  va_list ap;
  int n;
  if (c->diag == NULL) return st;
  c->diag->line = c->line;
  if (c->line != 0)
    n = snprintf(c->diag->msg, sizeof c->diag->msg, "%s:%u: ", c->name, c->line);
  else
    n = snprintf(c->diag->msg, sizeof c->diag->msg, "%s: ", c->name);
  if (n >= 0 && (size_t)n < sizeof c->diag->msg) {
    va_start(ap, fmt);
    vsnprintf(c->diag->msg + n, sizeof c->diag->msg - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return st;
}

/* Value of a hex digit, -1 for anything else.  Written without branches or
 * table lookups indexed by the (secret) character. */
static inline int hexval(unsigned char ch) {
  unsigned c = ch, l = c | 0x20u;
  unsigned dig = (unsigned)(c - 0x30u < 10u), let = (unsigned)(l - 0x61u < 6u);
  unsigned v = dig * (c - 0x30u) + let * (l - 0x57u);
  return (int)v + (int)(dig | let) - 1;
}

static int ascii_ieq(const char *p, size_t n, const char *lit) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
    if (b == '\0') return 0;
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
    if (a != b) return 0;
  }
  return lit[i] == '\0';
}

enum { HEX_OK = 0, HEX_EMPTY, HEX_BAD, HEX_ODD, HEX_LONG };

/*
 * Decodes a hex field (optional 0x prefix, any case) into |out| (|cap|
 * bytes).  Checks in this order: empty, bad digit (*where = 1-based
 * character in the field), odd digit count, more than |cap| bytes
 * (*len = the byte count the field would have).
 */
static int hex_field(const kf_field *f, uint8_t *out, size_t cap, size_t *len, size_t *where) {
  const unsigned char *p = (const unsigned char *)f->p;
  size_t n = f->n, skip = 0, nb, i;
  if (n >= 2 && p[0] == '0' && (p[1] | 0x20) == 'x') skip = 2;
  p += skip;
  n -= skip;
  *len = 0;
  if (n == 0) return HEX_EMPTY;
  nb = n / 2;
  for (i = 0; i + 1 < n; i += 2) {
    int hi = hexval(p[i]), lo = hexval(p[i + 1]);
    if (hi < 0 || lo < 0) {
      *where = skip + i + (hi < 0 ? 1 : 2);
      return HEX_BAD;
    }
    if (i / 2 < cap) out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  if (n & 1u) {
    if (hexval(p[n - 1]) < 0) {
      *where = skip + n;
      return HEX_BAD;
    }
    return HEX_ODD;
  }
  *len = nb;
  return nb > cap ? HEX_LONG : HEX_OK;
}

/* Parses a byte-string field of |min|..|max| bytes; |what| and |what2|
 * (concatenated) name it. */
static bcastdec_status kf_hex(const kf_ctx *c, const kf_field *f, const char *what,
                              const char *what2, uint8_t *out, size_t min, size_t max,
                              size_t *len) {
  size_t where = 0;
  int r = hex_field(f, out, max, len, &where);
  switch (r) {
  case HEX_OK: break;
  case HEX_EMPTY:
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s%s: empty hex value", what, what2);
  case HEX_BAD:
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s%s: bad hex digit at character %zu", what, what2,
                   where);
  case HEX_ODD:
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s%s: odd number of hex digits", what, what2);
  default: break; /* HEX_LONG */
  }
  if (*len >= min && *len <= max) return BCASTDEC_OK;
  if (min == max)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s%s too %s: %zu bytes (must be %zu)", what, what2,
                   *len < min ? "short" : "long", *len, min);
  return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s%s too %s: %zu bytes (allowed %zu to %zu)", what,
                 what2, *len < min ? "short" : "long", *len, min, max);
}

/* The key field of a SMK/SRK/SEK/PEK/TEK line. */
static bcastdec_status kf_key(const kf_ctx *c, const kf_field *f, unsigned role, uint8_t *out,
                              size_t *len) {
  return kf_hex(c, f, role_label[role], " key", out, key_len_range[role].min,
                key_len_range[role].max, len);
}

/* Parses an identifier of exactly |digits| hex digits (optional 0x). */
static bcastdec_status kf_id(const kf_ctx *c, const kf_field *f, const char *what,
                             unsigned digits, uint32_t *v) {
  const unsigned char *p = (const unsigned char *)f->p;
  size_t n = f->n, skip = 0;
  uint32_t x = 0;
  if (n >= 2 && p[0] == '0' && (p[1] | 0x20) == 'x') skip = 2;
  for (size_t i = skip; i < n; i++) {
    int d = hexval(p[i]);
    if (d < 0)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX, "%s: bad hex digit at character %zu", what,
                     i + 1);
    x = x << 4 | (uint32_t)d;
  }
  if (n - skip != digits)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "bad %s length: %zu hex digits, need %u", what,
                   n - skip, digits);
  *v = x;
  return BCASTDEC_OK;
}

static bcastdec_status kf_identity(const kf_ctx *c, const kf_field *f) {
  if (f->n > KS_IDENTITY_MAX)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "identity longer than %d characters",
                   KS_IDENTITY_MAX);
  return BCASTDEC_OK;
}

/*
 * Whether a word from a bad line may be quoted in a diagnostic: at most
 * KS_KEYWORD_ECHO_MAX characters (a 16-byte key needs 32 hex digits), only
 * letters, '-' and '_', and at least one letter that is not a hex digit.
 * So no piece of a hex key is ever quoted, even the tail of a key that was
 * wrapped onto the next line ("8899aabbccddeeff", "deadbeef").
 */
static int echo_ok(const char *p, size_t n) {
  int non_hex = 0;
  if (n == 0 || n > KS_KEYWORD_ECHO_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i], l = (unsigned char)(ch | 0x20);
    if (l >= 'a' && l <= 'z') {
      if (l > 'f') non_hex = 1;
    } else if (ch != '-' && ch != '_') {
      return 0;
    }
  }
  return non_hex;
}

static bcastdec_status kf_unknown_keyword(const kf_ctx *c, const kf_field *f) {
  if (echo_ok(f->p, f->n))
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "unknown keyword '%.*s' (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)",
                   (int)f->n, f->p);
  return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                 "unknown keyword (expected SMK, SRK, SEK, PEK, TEK, GBA or an alias)");
}

enum { KW_SMK = 1, KW_SRK, KW_SEK, KW_PEK, KW_TEK, KW_GBA, KW_VERSION };

static int keyword(const kf_field *f) {
  static const struct {
    const char *lit;
    uint8_t kw;
  } t[] = {
      {"sek", KW_SEK}, {"tek", KW_TEK}, {"msk", KW_SEK}, {"mtk", KW_TEK},
      {"pek", KW_PEK}, {"smk", KW_SMK}, {"muk", KW_SMK}, {"srk", KW_SRK},
      {"mrk", KW_SRK}, {"gba", KW_GBA}, {"bcastdec-keys", KW_VERSION},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (ascii_ieq(f->p, f->n, t[i].lit)) return t[i].kw;
  return 0;
}

static bcastdec_status kf_version(kf_ctx *c, const kf_field *fl, size_t nf) {
  unsigned long v = 0;
  if (c->seen_content)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "'bcastdec-keys' must be the first line that is not a comment");
  if (nf != 2)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "'bcastdec-keys' takes one field (the format version), found %zu", nf - 1);
  for (size_t i = 0; i < fl[1].n; i++) {
    unsigned char ch = (unsigned char)fl[1].p[i];
    if (ch < '0' || ch > '9' || v > 1000000)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX, "bad format version (expected a number)");
    v = v * 10 + (ch - '0');
  }
  if (v != 1)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "unsupported key-file format version %lu (this library reads version 1)",
                   v);
  return BCASTDEC_OK;
}

#define KS_DUP_RULE "a key may appear only once per file"

/* A second SMK/SRK for an identity in the same load.  The identity is not
 * quoted: the first line number is enough to find it. */
static bcastdec_status kf_dup_subscriber(const bcastdec_keystore *ks, const kf_ctx *c,
                                         unsigned role, const kf_field *id, const char *pre) {
  const bcastdec_key *old = bcastdec_keystore_find_subscriber(ks, role, id->p, id->n);
  if (old == NULL) return BCASTDEC_OK;
  return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                 "%sduplicate %s for this identity (first given on line %u; " KS_DUP_RULE ")",
                 pre, role_label[role], (unsigned)old->origin_ref);
}

/* SMK|SRK <identity> <key> */
static bcastdec_status kf_subscriber(bcastdec_keystore *ks, kf_ctx *c, unsigned role,
                                     const kf_field *fl, size_t nf, bcastdec_key *k) {
  bcastdec_status st;
  size_t len;
  if (nf != 3)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "%s: expected 2 fields after the keyword (identity, key), found %zu",
                   role_label[role], nf - 1);
  if ((st = kf_identity(c, &fl[1])) != BCASTDEC_OK) return st;
  if ((st = kf_key(c, &fl[2], role, k->key, &len)) != BCASTDEC_OK) return st;
  if ((st = kf_dup_subscriber(ks, c, role, &fl[1], "")) != BCASTDEC_OK) return st;
  k->role = (uint8_t)role;
  k->key_len = (uint8_t)len;
  st = ks_insert(ks, k, fl[1].p, fl[1].n);
  if (st != BCASTDEC_OK) return kf_fail(c, st, "out of memory");
  return BCASTDEC_OK;
}

/* SEK|PEK <kdid> <sekpek-id> <key>;  TEK <kdid> <sekpek-id> <tek-id> <key> [<salt>] */
static bcastdec_status kf_chain(bcastdec_keystore *ks, kf_ctx *c, unsigned role,
                                const kf_field *fl, size_t nf, bcastdec_key *k) {
  bcastdec_status st;
  uint32_t kdid, id, tek = 0;
  size_t len, salt_len = 0;
  const kf_field *kf;
  if (role == BCASTDEC_ROLE_TEK) {
    if (nf != 5 && nf != 6)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "TEK: expected 4 or 5 fields after the keyword (kdid, sekpek-id, "
                     "tek-id, key, [salt]), found %zu",
                     nf - 1);
  } else if (nf != 4) {
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "%s: expected 3 fields after the keyword (kdid, sekpek-id, key), found %zu",
                   role_label[role], nf - 1);
  }
  if ((st = kf_id(c, &fl[1], "kdid", 6, &kdid)) != BCASTDEC_OK) return st;
  if ((st = kf_id(c, &fl[2], "sekpek-id", 8, &id)) != BCASTDEC_OK) return st;
  kf = &fl[3];
  if (role == BCASTDEC_ROLE_TEK) {
    if ((st = kf_id(c, &fl[3], "tek-id", 4, &tek)) != BCASTDEC_OK) return st;
    kf = &fl[4];
  }
  if ((st = kf_key(c, kf, role, k->key, &len)) != BCASTDEC_OK) return st;
  if (role == BCASTDEC_ROLE_TEK && nf == 6) {
    st = kf_hex(c, &fl[5], "salt", "", k->salt, 1, BCASTDEC_SALT_MAX, &salt_len);
    if (st != BCASTDEC_OK) return st;
  }
  k->role = (uint8_t)role;
  k->key_len = (uint8_t)len;
  k->salt_len = (uint8_t)salt_len;
  k->kdid[0] = (uint8_t)(kdid >> 16);
  k->kdid[1] = (uint8_t)(kdid >> 8);
  k->kdid[2] = (uint8_t)kdid;
  k->sekpek_id = id;
  k->tek_id = (uint16_t)tek;
  if (role == BCASTDEC_ROLE_TEK) {
    const bcastdec_key *old = bcastdec_keystore_find_tek(ks, k->kdid, id, k->tek_id);
    if (old != NULL)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "duplicate TEK %06" PRIx32 " %08" PRIx32 " %04" PRIx32
                     " (first given on line %u; " KS_DUP_RULE ")",
                     kdid, id, tek, (unsigned)old->origin_ref);
  } else {
    const bcastdec_key *old = bcastdec_keystore_find_sekpek(ks, k->kdid, id);
    if (old != NULL && old->role == role)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "duplicate %s %06" PRIx32 " %08" PRIx32 " (first given on line %u; " KS_DUP_RULE
                     ")",
                     role_label[role], kdid, id, (unsigned)old->origin_ref);
    if (old != NULL)
      return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "duplicate %s %06" PRIx32 " %08" PRIx32 ": line %u gives a %s for the same "
                     "kdid and sekpek-id (SEK and PEK share them; " KS_DUP_RULE ")",
                     role_label[role], kdid, id, (unsigned)old->origin_ref,
                     role_label[old->role]);
  }
  st = ks_insert(ks, k, NULL, 0);
  if (st != BCASTDEC_OK) return kf_fail(c, st, "out of memory");
  return BCASTDEC_OK;
}

/* Copies a text parameter into a NUL-terminated buffer of KS_IDENTITY_MAX+1. */
static bcastdec_status kf_text(const kf_ctx *c, const char *p, size_t n, const char *what,
                               char *out) {
  if (n == 0) return kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: %s is empty", what);
  if (n > KS_IDENTITY_MAX)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: %s longer than %d characters", what,
                   KS_IDENTITY_MAX);
  memcpy(out, p, n);
  out[n] = '\0';
  return BCASTDEC_OK;
}

/*
 * GBA <identity> ks=<hex> rand=<hex> impi=<text> naf=<fqdn> [mode=u|me]
 * (parameters in any order, names case-insensitive).  GBA_U: SMK =
 * Ks_int_NAF, SRK = Ks_ext_NAF.  GBA_ME: SMK = SRK = Ks_NAF (PROFILE.md 9 [A]).
 */
static bcastdec_status kf_gba(bcastdec_keystore *ks, kf_ctx *c, const kf_field *fl, size_t nf,
                              bcastdec_key *k) {
  enum { P_KS, P_RAND, P_IMPI, P_NAF, P_MODE, P_N };
  static const char *const pname[P_N] = {"ks", "rand", "impi", "naf", "mode"};
  bcastdec_status st = BCASTDEC_OK;
  uint8_t gks[KS_GBA_KS_LEN], rnd[KS_GBA_RAND_MAX], ext[32], in[32];
  char impi[KS_IDENTITY_MAX + 1], naf[KS_IDENTITY_MAX + 1];
  const kf_field *val[P_N] = {NULL, NULL, NULL, NULL, NULL};
  kf_field vf[P_N];
  size_t len, rand_len = 0;
  int mode_me = 0;

  if (nf != 6 && nf != 7) {
    st = kf_fail(c, BCASTDEC_ERR_SYNTAX,
                 "GBA: expected an identity and 4 or 5 name=value fields (ks, rand, impi, "
                 "naf, [mode]), found %zu fields after the keyword",
                 nf - 1);
    goto out;
  }
  if ((st = kf_identity(c, &fl[1])) != BCASTDEC_OK) goto out;
  for (size_t i = 2; i < nf; i++) {
    const char *eq = memchr(fl[i].p, '=', fl[i].n);
    size_t nn, j;
    if (eq == NULL) {
      st = kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: field %zu is not name=value", i);
      goto out;
    }
    nn = (size_t)(eq - fl[i].p);
    for (j = 0; j < P_N; j++)
      if (ascii_ieq(fl[i].p, nn, pname[j])) break;
    if (j == P_N) {
      if (echo_ok(fl[i].p, nn))
        st = kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "GBA: unknown parameter '%.*s' (expected ks, rand, impi, naf, mode)",
                     (int)nn, fl[i].p);
      else
        st = kf_fail(c, BCASTDEC_ERR_SYNTAX,
                     "GBA: unknown parameter in field %zu (expected ks, rand, impi, naf, mode)",
                     i);
      goto out;
    }
    if (val[j] != NULL) {
      st = kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: parameter '%s' given twice", pname[j]);
      goto out;
    }
    vf[j].p = eq + 1;
    vf[j].n = fl[i].n - nn - 1;
    val[j] = &vf[j];
  }
  for (size_t j = 0; j < P_MODE; j++) {
    if (val[j] == NULL) {
      st = kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: missing parameter '%s'", pname[j]);
      goto out;
    }
  }
  if (val[P_MODE] != NULL) {
    if (ascii_ieq(val[P_MODE]->p, val[P_MODE]->n, "me")) {
      mode_me = 1;
    } else if (!ascii_ieq(val[P_MODE]->p, val[P_MODE]->n, "u")) {
      st = kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: mode must be 'u' (GBA_U) or 'me' (GBA_ME)");
      goto out;
    }
  }
  st = kf_hex(c, val[P_KS], "GBA ks", "", gks, KS_GBA_KS_LEN, KS_GBA_KS_LEN, &len);
  if (st != BCASTDEC_OK) goto out;
  st = kf_hex(c, val[P_RAND], "GBA rand", "", rnd, 1, KS_GBA_RAND_MAX, &rand_len);
  if (st != BCASTDEC_OK) goto out;
  if ((st = kf_text(c, val[P_IMPI]->p, val[P_IMPI]->n, "impi", impi)) != BCASTDEC_OK) goto out;
  if ((st = kf_text(c, val[P_NAF]->p, val[P_NAF]->n, "naf", naf)) != BCASTDEC_OK) goto out;
  if ((st = kf_dup_subscriber(ks, c, BCASTDEC_ROLE_SMK, &fl[1], "GBA: ")) != BCASTDEC_OK ||
      (st = kf_dup_subscriber(ks, c, BCASTDEC_ROLE_SRK, &fl[1], "GBA: ")) != BCASTDEC_OK)
    goto out;

  st = bcastdec_gba_derive(gks, sizeof gks, rnd, rand_len, impi, naf, ext, in);
  if (st == BCASTDEC_ERR_NOMEM) {
    st = kf_fail(c, st, "out of memory");
    goto out;
  }
  if (st != BCASTDEC_OK) {
    st = kf_fail(c, BCASTDEC_ERR_SYNTAX, "GBA: key derivation failed (%s)",
                 bcastdec_strerror(st));
    goto out;
  }

  k->origin = BCASTDEC_ORIGIN_GBA;
  k->key_len = 32;
  k->role = BCASTDEC_ROLE_SMK;
  memcpy(k->key, mode_me ? ext : in, 32);
  st = ks_insert(ks, k, fl[1].p, fl[1].n);
  if (st == BCASTDEC_OK) {
    k->role = BCASTDEC_ROLE_SRK;
    memcpy(k->key, ext, 32);
    st = ks_insert(ks, k, fl[1].p, fl[1].n);
  }
  if (st != BCASTDEC_OK) st = kf_fail(c, st, "out of memory");

out:
  bcastdec_memzero(gks, sizeof gks);
  bcastdec_memzero(rnd, sizeof rnd);
  bcastdec_memzero(ext, sizeof ext);
  bcastdec_memzero(in, sizeof in);
  return st;
}

/*
 * One line, without its '\n'.  Rejects a NUL, CR (other than one before the
 * '\n') or LF byte anywhere and a line longer than KS_LINE_MAX, splits
 * the line into fields (space/tab separated; a field starting with '#'
 * starts a comment), rejects other control characters outside comments and
 * dispatches on the keyword.
 */
static bcastdec_status kf_line(bcastdec_keystore *ks, kf_ctx *c, const char *p, size_t n) {
  kf_field fl[KS_MAX_FIELDS];
  size_t nf = 0, i = 0;
  bcastdec_key k;
  bcastdec_status st;
  const char *bad; /* a NUL, CR or LF byte */
  int kw;

  if (n > 0 && p[n - 1] == '\r') n--; /* CRLF */
  bad = memchr(p, '\0', n);
  if (bad != NULL)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "NUL byte at column %zu (a key file is ASCII or UTF-8 text; is it UTF-16 or "
                   "binary?)",
                   (size_t)(bad - p) + 1);
  /* A lone CR (or, given to add_line, a LF) even in a comment: in a file
   * with CR-only line ends the first comment would otherwise swallow every
   * key after it. */
  bad = memchr(p, '\r', n);
  if (bad != NULL)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "carriage return at column %zu (a line ends with LF or CR LF; a lone CR "
                   "does not end a line)",
                   (size_t)(bad - p) + 1);
  bad = memchr(p, '\n', n); /* bcastdec_keystore_add_line() only */
  if (bad != NULL)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX, "line feed at column %zu (one line was expected)",
                   (size_t)(bad - p) + 1);
  if (n > KS_LINE_MAX)
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "line too long: %zu bytes (at most %d; is this a key file?)", n, KS_LINE_MAX);
  while (i < n) {
    unsigned char ch = (unsigned char)p[i];
    size_t start;
    if (ch == ' ' || ch == '\t') {
      i++;
      continue;
    }
    if (ch == '#') break; /* comment to the end of the line */
    start = i;
    for (; i < n; i++) {
      ch = (unsigned char)p[i];
      if (ch == ' ' || ch == '\t') break;
      if (ch < 0x20 || ch == 0x7f)
        return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                       "control character 0x%02x at column %zu (only space and tab separate "
                       "fields)",
                       ch, i + 1);
    }
    if (nf < KS_MAX_FIELDS) {
      fl[nf].p = p + start;
      fl[nf].n = i - start;
    }
    nf++;
  }
  if (nf == 0) return BCASTDEC_OK;

  kw = keyword(&fl[0]);
  if (kw == KW_VERSION) {
    st = kf_version(c, fl, nf);
    c->seen_content = 1;
    return st;
  }
  c->seen_content = 1;
  if (kw == 0) return kf_unknown_keyword(c, &fl[0]);
  /* Every handler checks |nf| (the true count) before it reads fl[]; no
   * valid line has more than KS_MAX_FIELDS - 1 fields. */

  memset(&k, 0, sizeof k);
  k.origin = BCASTDEC_ORIGIN_FILE;
  k.origin_ref = c->line;
  switch (kw) {
  case KW_SMK: st = kf_subscriber(ks, c, BCASTDEC_ROLE_SMK, fl, nf, &k); break;
  case KW_SRK: st = kf_subscriber(ks, c, BCASTDEC_ROLE_SRK, fl, nf, &k); break;
  case KW_SEK: st = kf_chain(ks, c, BCASTDEC_ROLE_SEK, fl, nf, &k); break;
  case KW_PEK: st = kf_chain(ks, c, BCASTDEC_ROLE_PEK, fl, nf, &k); break;
  case KW_TEK: st = kf_chain(ks, c, BCASTDEC_ROLE_TEK, fl, nf, &k); break;
  default: st = kf_gba(ks, c, fl, nf, &k); break;
  }
  bcastdec_memzero(&k, sizeof k);
  return st;
}

/* Parses |len| bytes of text into |ks| line by line; stops at the first
 * error. */
static bcastdec_status kf_parse(bcastdec_keystore *ks, kf_ctx *c, const char *text,
                                size_t len) {
  const char *p = text, *end = text + len;
  if (len >= 2 && (((unsigned char)p[0] == 0xff && (unsigned char)p[1] == 0xfe) ||
                   ((unsigned char)p[0] == 0xfe && (unsigned char)p[1] == 0xff))) {
    c->line = 1;
    return kf_fail(c, BCASTDEC_ERR_SYNTAX,
                   "UTF-16 byte order mark: save the key file as ASCII or UTF-8 text");
  }
  if (len >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
      (unsigned char)p[2] == 0xbf)
    p += 3; /* UTF-8 byte order mark */
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl != NULL ? nl : end;
    bcastdec_status st;
    if (c->line < UINT_MAX) c->line++;
    st = kf_line(ks, c, p, (size_t)(le - p));
    if (st != BCASTDEC_OK) return st;
    p = nl != NULL ? nl + 1 : end;
  }
  return BCASTDEC_OK;
}

/*
 * Sizes the hash table of a fresh store for the keys |text| can hold, so a
 * big file is not rehashed while it loads.  An estimate only: at most one
 * key per line, and no key line is shorter than KS_MIN_KEY_LINE.  Failure
 * is harmless (the table then grows as usual).
 */
#define KS_MIN_KEY_LINE 40
static void ks_presize(bcastdec_keystore *ks, const char *text, size_t len) {
  size_t lines = 1, est;
  const char *p = text, *end = text + len;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    lines++;
    p++;
  }
  est = len / KS_MIN_KEY_LINE + 1;
  if (lines < est) est = lines;
  if (est > 64) (void)ks_reserve_slots(ks, est);
}

/* Parses into a temporary store and moves the keys into |ks| on success. */
static bcastdec_status kf_load(bcastdec_keystore *ks, const char *text, size_t len,
                               const char *name, bcastdec_diag *diag) {
  kf_ctx c;
  bcastdec_keystore *tmp;
  bcastdec_status st;

  c.name = name;
  c.line = 0;
  c.diag = diag;
  c.seen_content = 0;
  tmp = bcastdec_keystore_new();
  if (tmp == NULL) return kf_fail(&c, BCASTDEC_ERR_NOMEM, "out of memory");
  ks_presize(tmp, text, len);
  st = kf_parse(tmp, &c, text, len);
  if (st == BCASTDEC_OK) {
    st = ks_absorb(ks, tmp);
    if (st != BCASTDEC_OK) st = kf_fail(&c, st, "out of memory");
  }
  bcastdec_keystore_free(tmp);
  return st;
}

bcastdec_status bcastdec_keystore_load_text(bcastdec_keystore *ks, const char *text, size_t len,
                                            const char *name, bcastdec_diag *diag) {
  diag_clear(diag);
  if (name == NULL) name = "<text>";
  if (ks == NULL || (text == NULL && len > 0)) {
    if (diag != NULL) snprintf(diag->msg, sizeof diag->msg, "%s: invalid argument", name);
    return BCASTDEC_ERR_ARG;
  }
  if (len == 0) return BCASTDEC_OK;
  return kf_load(ks, text, len, name, diag);
}

bcastdec_status bcastdec_keystore_add_line(bcastdec_keystore *ks, const char *line,
                                           bcastdec_diag *diag) {
  kf_ctx c;
  bcastdec_keystore *tmp;
  bcastdec_status st;
  size_t n;

  diag_clear(diag);
  if (ks == NULL || line == NULL) {
    if (diag != NULL) snprintf(diag->msg, sizeof diag->msg, "<line>: invalid argument");
    return BCASTDEC_ERR_ARG;
  }
  n = strlen(line);
  if (n > 0 && line[n - 1] == '\n') n--; /* one trailing newline is tolerated */

  c.name = "<line>";
  c.line = 1;
  c.diag = diag;
  c.seen_content = 0;
  tmp = bcastdec_keystore_new();
  if (tmp == NULL) return kf_fail(&c, BCASTDEC_ERR_NOMEM, "out of memory");
  st = kf_line(tmp, &c, line, n);
  if (st == BCASTDEC_OK) {
    st = ks_absorb(ks, tmp);
    if (st != BCASTDEC_OK) st = kf_fail(&c, st, "out of memory");
  }
  bcastdec_keystore_free(tmp);
  return st;
}

/* Frees a read buffer after wiping all of it. */
static void buf_wipe_free(char *buf, size_t cap) {
  if (buf == NULL) return;
  bcastdec_memzero(buf, cap);
  free(buf);
}

bcastdec_status bcastdec_keystore_load_file(bcastdec_keystore *ks, const char *path,
                                            bcastdec_diag *diag) {
  FILE *f;
  char *buf = NULL;
  size_t cap = 0, used = 0;
  long size;
  bcastdec_status st;

  diag_clear(diag);
  if (ks == NULL || path == NULL) {
    if (diag != NULL)
      snprintf(diag->msg, sizeof diag->msg, "%s: invalid argument", path ? path : "<file>");
    return BCASTDEC_ERR_ARG;
  }
  f = fopen(path, "rb");
  if (f == NULL) {
    int e = errno;
    if (diag != NULL)
      snprintf(diag->msg, sizeof diag->msg, "%s: cannot open: %s", path, strerror(e));
    return BCASTDEC_ERR_IO;
  }

  /* The first read goes into a small buffer, so a path that cannot be read
   * (a directory) fails before anything big is allocated.  After that the
   * buffer grows straight to the size the file reported (one more read for
   * a regular file), else by doubling; a grown-out buffer is wiped. */
  size = -1;
  if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  if (fseek(f, 0, SEEK_SET) != 0) size = -1;
  clearerr(f);
  cap = 65536;

  for (;;) {
    size_t got;
    if (buf == NULL || used == cap) {
      size_t ncap = cap;
      char *nb;
      if (buf != NULL) {
        ncap = cap <= SIZE_MAX / 2 ? cap * 2 : 0;
        if (size >= 0 && (unsigned long)size < SIZE_MAX - 1 && (size_t)size + 1 > ncap)
          ncap = (size_t)size + 1; /* room to see the end of the file */
      }
      nb = ncap != 0 ? malloc(ncap) : NULL;
      if (nb == NULL) {
        buf_wipe_free(buf, cap);
        fclose(f);
        if (diag != NULL) snprintf(diag->msg, sizeof diag->msg, "%s: out of memory", path);
        return BCASTDEC_ERR_NOMEM;
      }
      if (buf != NULL) memcpy(nb, buf, used);
      buf_wipe_free(buf, cap);
      buf = nb;
      cap = ncap;
    }
    errno = 0;
    got = fread(buf + used, 1, cap - used, f);
    used += got;
    if (used < cap) { /* a short read: end of file or an error */
      if (ferror(f)) {
        int e = errno != 0 ? errno : EIO;
        buf_wipe_free(buf, cap);
        fclose(f);
        if (diag != NULL)
          snprintf(diag->msg, sizeof diag->msg, "%s: read error: %s", path, strerror(e));
        return BCASTDEC_ERR_IO;
      }
      break;
    }
  }
  fclose(f);

  st = used > 0 ? kf_load(ks, buf, used, path, diag) : BCASTDEC_OK;
  buf_wipe_free(buf, cap);
  return st;
}
