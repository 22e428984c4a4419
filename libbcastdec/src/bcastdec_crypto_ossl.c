/* SPDX-License-Identifier: MIT */
/*
 * OpenSSL backend of the crypto interface (bcastdec_crypto.h,
 * bcastdec_crypto_fast.h).  The only file of libbcastdec that includes
 * OpenSSL headers.
 *
 *  - HMAC-SHA-1 / HMAC-SHA-256 (RFC 2104) with precomputed pad states;
 *  - AES-128 in counter mode (RFC 3711 4.1.1 AES-CM, as RFC 3830 4.2.3
 *    uses it for the KEMAC) over the one-block AES_encrypt();
 *  - constant-time compare and wiping for the whole library.
 *
 * Speed: the key path of one LTKM takes six HMACs under the same PSK piece
 * and one HMAC under the auth key, all over inputs of a few dozen bytes.
 * The EVP_MAC interface fetches and allocates per context, which costs more
 * than the hashing itself at these sizes, so the HMACs are built on the
 * low-level SHA1_Transform / SHA256_Transform compression functions (the
 * same SHA-NI / AVX code the providers use): the ipad/opad states are plain
 * structs copied by value.  Those functions are deprecated in OpenSSL 3.0
 * but exported; OPENSSL_SUPPRESS_DEPRECATED below silences the deprecation
 * warnings in this one file only, for that reason.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/aes.h>
#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <bcastdec/bcastdec.h>

#include "bcastdec_crypto.h"
#include "bcastdec_crypto_fast.h"

#define HMAC_BLOCK 64 /* SHA-1 and SHA-256 block size, RFC 2104 "B" */

/* ------------------------------------------------------------------------ */
/* Wiping and comparing (public)                                            */
/* ------------------------------------------------------------------------ */

/*
 * Wiping: memset through a volatile function pointer, so the compiler cannot
 * drop it as a dead store, followed by a compiler barrier.  OpenSSL's
 * OPENSSL_cleanse() does the same job with a byte loop that was 10% of a
 * full LTKM decode in bcastdec-bench; this runs at memset speed.
 */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void bcastdec_memzero(void *p, size_t n) {
  if (p == NULL || n == 0) return;
  wipe_memset(p, 0, n);
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
}

int bcastdec_ct_equal(const void *a, const void *b, size_t n) {
  if (n == 0) return 1;
  if (a == NULL || b == NULL) return 0;
  return CRYPTO_memcmp(a, b, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* HMAC with precomputed pads                                               */
/* ------------------------------------------------------------------------ */

/*
 * The hash is driven block by block through SHA1_Transform /
 * SHA256_Transform (the one-block compression functions) with the message
 * padding of FIPS 180-4 5.1.1 done here: the messages of the key path are
 * a few dozen bytes, and SHA*_Update/_Final would add buffering copies and
 * their own wipes to every HMAC.  A pad state is the chaining value after
 * the one 64-byte block K0 XOR ipad (or opad), so finishing a MAC only
 * needs the message length plus one block.
 */
typedef union hctx {
  SHA_CTX s1;
  SHA256_CTX s2;
} hctx;

_Static_assert(2 * sizeof(hctx) <= BCASTDEC__HMAC_STATE_SIZE, "HMAC pad states do not fit");

/* Layout of a bcastdec__hmac_work (whose declared type is a byte union;
 * may_alias keeps type-based alias analysis from reordering around it). */
#if defined(__GNUC__) || defined(__clang__)
#define MAY_ALIAS __attribute__((__may_alias__))
#else
#define MAY_ALIAS
#endif
typedef struct MAY_ALIAS hwork {
  hctx c;
  uint8_t blk[HMAC_BLOCK];
  uint8_t k0[HMAC_BLOCK]; /* K0; the inner digest while MACing */
} hwork;

_Static_assert(sizeof(hwork) <= BCASTDEC__HMAC_WORK_SIZE, "HMAC scratch does not fit");

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void hash_init(unsigned hash, hctx *c) {
  if (hash == BCASTDEC__HASH_SHA1)
    SHA1_Init(&c->s1);
  else
    SHA256_Init(&c->s2);
}

static void compress(unsigned hash, hctx *c, const uint8_t *block) {
  if (hash == BCASTDEC__HASH_SHA1)
    SHA1_Transform(&c->s1, block);
  else
    SHA256_Transform(&c->s2, block);
}

static void chaining_value(unsigned hash, const hctx *c, uint8_t *out) {
  if (hash == BCASTDEC__HASH_SHA1) {
    put_be32(out, c->s1.h0);
    put_be32(out + 4, c->s1.h1);
    put_be32(out + 8, c->s1.h2);
    put_be32(out + 12, c->s1.h3);
    put_be32(out + 16, c->s1.h4);
  } else {
    for (size_t i = 0; i < 8; i++) put_be32(out + 4 * i, c->s2.h[i]);
  }
}

/* Last block: 0x80, zeros, the 64-bit message length in bits, starting at
 * blk[fill] (fill < 64); may take one more block. */
static void hash_pad(unsigned hash, hctx *c, uint8_t blk[HMAC_BLOCK], size_t fill,
                     uint64_t total) {
  blk[fill++] = 0x80;
  if (fill > HMAC_BLOCK - 8) {
    memset(blk + fill, 0, HMAC_BLOCK - fill);
    compress(hash, c, blk);
    fill = 0;
  }
  memset(blk + fill, 0, HMAC_BLOCK - 8 - fill);
  put_be32(blk + HMAC_BLOCK - 8, (uint32_t)(total >> 29));
  put_be32(blk + HMAC_BLOCK - 4, (uint32_t)(total << 3));
  compress(hash, c, blk);
}

/*
 * Absorbs the pieces into |c|, which has already absorbed |done| bytes (a
 * multiple of the block size), pads (FIPS 180-4 5.1.1) and writes the
 * digest.  |blk| is scratch.
 */
static void hash_finish(unsigned hash, hctx *c, uint8_t blk[HMAC_BLOCK], uint64_t done,
                        const bcastdec__iov *iov, size_t n_iov, uint8_t *out) {
  uint64_t total = done;
  size_t fill = 0;

  for (size_t i = 0; i < n_iov; i++) {
    const uint8_t *p = iov[i].p;
    size_t len = iov[i].len;
    total += len;
    if (fill > 0 && len > 0) {
      size_t take = HMAC_BLOCK - fill < len ? HMAC_BLOCK - fill : len;
      memcpy(blk + fill, p, take);
      fill += take;
      p += take;
      len -= take;
      if (fill == HMAC_BLOCK) {
        compress(hash, c, blk);
        fill = 0;
      }
    }
    for (; len >= HMAC_BLOCK; p += HMAC_BLOCK, len -= HMAC_BLOCK) compress(hash, c, p);
    if (len > 0) {
      memcpy(blk, p, len);
      fill = len;
    }
  }
  hash_pad(hash, c, blk, fill, total);
  chaining_value(hash, c, out);
}

bcastdec_status bcastdec__hmac_pads_init(bcastdec__hmac_pads *k, unsigned hash,
                                         const uint8_t *key, size_t key_len,
                                         bcastdec__hmac_work *work) {
  hwork *w = (hwork *)(void *)work->u.b;

  if (k == NULL || (key == NULL && key_len > 0)) return BCASTDEC_ERR_ARG;
  if (hash != BCASTDEC__HASH_SHA1 && hash != BCASTDEC__HASH_SHA256)
    return BCASTDEC_ERR_UNSUPPORTED;
  k->hash = hash;
  k->out_len = hash == BCASTDEC__HASH_SHA1 ? SHA_DIGEST_LENGTH : SHA256_DIGEST_LENGTH;

  /* RFC 2104 section 2: K0 = key, or H(key) when longer than a block,
   * padded with zeros to the block size. */
  memset(w->k0, 0, sizeof w->k0);
  if (key_len > HMAC_BLOCK) {
    bcastdec__iov v;
    v.p = key;
    v.len = key_len;
    hash_init(hash, &w->c);
    hash_finish(hash, &w->c, w->blk, 0, &v, 1, w->k0);
  } else if (key_len > 0) {
    memcpy(w->k0, key, key_len);
  }
  for (size_t side = 0; side < 2; side++) {
    uint8_t x = side == 0 ? 0x36 : 0x5c; /* ipad, opad */
    for (size_t i = 0; i < HMAC_BLOCK; i++) w->blk[i] = (uint8_t)(w->k0[i] ^ x);
    hash_init(hash, &w->c);
    compress(hash, &w->c, w->blk);
    memcpy(k->st.b + side * sizeof(hctx), &w->c, sizeof(hctx));
  }
  return BCASTDEC_OK;
}

/* Loads the chaining value of a stored pad state into |c|: the compression
 * functions read and write nothing else (the length and buffer fields of
 * the OpenSSL contexts belong to SHA*_Update/_Final, unused here). */
static void load_cv(unsigned hash, hctx *c, const unsigned char *state) {
  if (hash == BCASTDEC__HASH_SHA1)
    memcpy(c, state, offsetof(SHA_CTX, Nl));
  else
    memcpy(c, state, offsetof(SHA256_CTX, Nl));
}

void bcastdec__hmac_pads_mac(const bcastdec__hmac_pads *k, const bcastdec__iov *iov,
                             size_t n_iov, uint8_t *out, bcastdec__hmac_work *work) {
  hwork *w = (hwork *)(void *)work->u.b;
  const unsigned hash = k->hash;
  const size_t h = k->out_len;

  /* inner = H((K0 XOR ipad) || text), written straight into the block of
   * the outer hash */
  load_cv(hash, &w->c, k->st.b);
  hash_finish(hash, &w->c, w->blk, HMAC_BLOCK, iov, n_iov, w->k0);
  /* out = H((K0 XOR opad) || inner): one block */
  load_cv(hash, &w->c, k->st.b + sizeof w->c);
  memcpy(w->blk, w->k0, h);
  hash_pad(hash, &w->c, w->blk, h, HMAC_BLOCK + h);
  chaining_value(hash, &w->c, out);
}

/* ------------------------------------------------------------------------ */
/* One-shot HMACs                                                           */
/* ------------------------------------------------------------------------ */

/* A key of NULL with length 0 is the empty key (RFC 2104 allows it). */
static void hmac_oneshot(unsigned hash, const uint8_t *key, size_t key_len,
                         const bcastdec__iov *iov, size_t n_iov, uint8_t *out) {
  struct {
    bcastdec__hmac_pads k;
    bcastdec__hmac_work w;
  } s;

  if (bcastdec__hmac_pads_init(&s.k, hash, key_len > 0 ? key : NULL, key_len, &s.w) ==
      BCASTDEC_OK)
    bcastdec__hmac_pads_mac(&s.k, iov, n_iov, out, &s.w);
  bcastdec_memzero(&s, sizeof s);
}

void bcastdec__hmac_sha1(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                         size_t n_iov, uint8_t out[20]) {
  hmac_oneshot(BCASTDEC__HASH_SHA1, key, key_len, iov, n_iov, out);
}

void bcastdec__hmac_sha256(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                           size_t n_iov, uint8_t out[32]) {
  hmac_oneshot(BCASTDEC__HASH_SHA256, key, key_len, iov, n_iov, out);
}

int bcastdec__hmac_sha1_verify(const uint8_t *key, size_t key_len, const bcastdec__iov *iov,
                               size_t n_iov, const uint8_t mac[BCASTDEC__MAC_LEN]) {
  uint8_t calc[SHA_DIGEST_LENGTH];
  int ok = 0;

  if (mac == NULL || (key == NULL && key_len > 0)) goto out;
  bcastdec__hmac_sha1(key, key_len, iov, n_iov, calc);
  /* RFC 3830 5.1: the receiver compares the MAC; in constant time here. */
  ok = CRYPTO_memcmp(calc, mac, BCASTDEC__MAC_LEN) == 0;

out:
  bcastdec_memzero(calc, sizeof calc);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Plain hashes (HTTP Digest, RFC 2617 / RFC 7616)                           */
/* ------------------------------------------------------------------------ */

/*
 * MD5 (RFC 1321) and SHA-256 (FIPS 180-4) over the pieces.  Digest inputs
 * are short strings plus, for qop=auth-int, an entity body of any length,
 * so the buffering MD5_Update / SHA256_Update do the work here (the
 * low-level interface, deprecated but exported, as for the HMACs above).
 * The hash state has absorbed the password: it is wiped before returning.
 */
void bcastdec__md5(const bcastdec__iov *iov, size_t n_iov, uint8_t out[BCASTDEC__MD5_LEN]) {
  MD5_CTX c;

  MD5_Init(&c);
  for (size_t i = 0; i < n_iov; i++)
    if (iov[i].len > 0) MD5_Update(&c, iov[i].p, iov[i].len);
  MD5_Final(out, &c);
  bcastdec_memzero(&c, sizeof c);
}

void bcastdec__sha256(const bcastdec__iov *iov, size_t n_iov,
                      uint8_t out[BCASTDEC__SHA256_LEN]) {
  SHA256_CTX c;

  SHA256_Init(&c);
  for (size_t i = 0; i < n_iov; i++)
    if (iov[i].len > 0) SHA256_Update(&c, iov[i].p, iov[i].len);
  SHA256_Final(out, &c);
  bcastdec_memzero(&c, sizeof c);
}

/* ------------------------------------------------------------------------ */
/* AES-CM-128                                                               */
/* ------------------------------------------------------------------------ */

/*
 * The KEMAC of one key message is a few AES blocks under a key derived for
 * that message alone, so the key schedule is per message.  Keying an
 * EVP_CIPHER_CTX costs more than the whole decryption at these sizes (the
 * provider walks its parameter lists on every init: a tenth of a full
 * LTKM decode in bcastdec-bench), so the counter mode runs here over one
 * AES block function with the key schedule on the stack, wiped before
 * returning:
 *  - on x86-64 CPUs with AES-NI, the AESENC instructions (FIPS 197 key
 *    expansion through AESKEYGENASSIST): constant time and a few dozen
 *    cycles for a whole KEMAC;
 *  - elsewhere OpenSSL's AES_set_encrypt_key() / AES_encrypt(), deprecated
 *    in OpenSSL 3.0 but exported, like the SHA compressions above.
 */
struct bcastdec__crypto {
  unsigned char reserved; /* per-session backend state; none needed today */
};

bcastdec__crypto *bcastdec__crypto_new(void) { return calloc(1, sizeof(bcastdec__crypto)); }

void bcastdec__crypto_free(bcastdec__crypto *c) { free(c); }

/* One AES-128 block under an expanded key schedule. */
typedef void aes_block_fn(const void *sched, const uint8_t in[16], uint8_t out[16]);

/*
 * RFC 3711 4.1.1: keystream block i = AES(key, IV + i), the IV taken as a
 * 128-bit big-endian number.  The KEMAC IV ends in two zero bytes (RFC 3830
 * 4.2.3), so a KEMAC shorter than 2^16 blocks never carries into the salt
 * part; the full 128-bit increment is done anyway.
 */
static void ctr_xor(aes_block_fn *enc, const void *sched, const uint8_t iv[16],
                    const uint8_t *in, uint8_t *out, size_t len) {
  uint8_t ctr[16], stream[16];

  memcpy(ctr, iv, sizeof ctr);
  while (len > 0) {
    size_t n = len < 16 ? len : 16;
    enc(sched, ctr, stream);
    for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(in[i] ^ stream[i]);
    in += n;
    out += n;
    len -= n;
    for (size_t i = 16; i-- > 0;)
      if (++ctr[i] != 0) break;
  }
  bcastdec_memzero(stream, sizeof stream);
  bcastdec_memzero(ctr, sizeof ctr); /* derived from the salt key */
}

static void block_portable(const void *sched, const uint8_t in[16], uint8_t out[16]) {
  AES_encrypt(in, out, sched);
}

static void ctr_portable(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                         uint8_t *out, size_t len) {
  AES_KEY ks;

  AES_set_encrypt_key(key, 128, &ks); /* fails only for NULL or bad bits */
  ctr_xor(block_portable, &ks, iv, in, out, len);
  bcastdec_memzero(&ks, sizeof ks);
}

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AESNI_PATH 1
#include <immintrin.h>

#define AESNI __attribute__((__target__("aes,sse2")))

/* One round key of the AES-128 schedule (FIPS 197 5.2): |assist| is
 * AESKEYGENASSIST of the previous round key with that round's Rcon. */
AESNI static __m128i aesni_next_key(__m128i key, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  return _mm_xor_si128(key, assist);
}

#define AESNI_ROUND_KEY(rk, i, rcon) \
  rk[i] = aesni_next_key(rk[i - 1], _mm_aeskeygenassist_si128(rk[i - 1], rcon))

AESNI static void block_aesni(const void *sched, const uint8_t in[16], uint8_t out[16]) {
  const __m128i *rk = sched;
  __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)in), rk[0]);
  for (int r = 1; r < 10; r++) x = _mm_aesenc_si128(x, rk[r]);
  _mm_storeu_si128((__m128i *)(void *)out, _mm_aesenclast_si128(x, rk[10]));
}

AESNI static void ctr_aesni(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                            uint8_t *out, size_t len) {
  __m128i rk[11];

  rk[0] = _mm_loadu_si128((const __m128i *)(const void *)key);
  AESNI_ROUND_KEY(rk, 1, 0x01);
  AESNI_ROUND_KEY(rk, 2, 0x02);
  AESNI_ROUND_KEY(rk, 3, 0x04);
  AESNI_ROUND_KEY(rk, 4, 0x08);
  AESNI_ROUND_KEY(rk, 5, 0x10);
  AESNI_ROUND_KEY(rk, 6, 0x20);
  AESNI_ROUND_KEY(rk, 7, 0x40);
  AESNI_ROUND_KEY(rk, 8, 0x80);
  AESNI_ROUND_KEY(rk, 9, 0x1b);
  AESNI_ROUND_KEY(rk, 10, 0x36);
  ctr_xor(block_aesni, rk, iv, in, out, len);
  bcastdec_memzero(rk, sizeof rk);
}
#endif

/* -1: not decided yet; 0: portable; 1: AES-NI.  A benign race: every
 * thread computes the same value. */
static int aes_impl = -1;

static int aes_impl_now(void) {
  int v = aes_impl;
  if (v < 0) {
#ifdef HAVE_AESNI_PATH
    __builtin_cpu_init();
    v = __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2") ? 1 : 0;
#else
    v = 0;
#endif
    aes_impl = v;
  }
  return v;
}

const char *bcastdec__aes_impl(int force) {
  if (force == 0)
    aes_impl = 0;
  else if (force == 1)
    aes_impl = -1; /* back to what the CPU offers */
  return aes_impl_now() == 1 ? "aes-ni" : "portable";
}

/* AES-CM-128 (RFC 3711 4.1.1) with the best block function available. */
bcastdec_status bcastdec__aes_cm128(bcastdec__crypto *c, const uint8_t key[16],
                                    const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                                    size_t len) {
  (void)c;
  if (key == NULL || iv == NULL || (len > 0 && (in == NULL || out == NULL)))
    return BCASTDEC_ERR_ARG;
  if (len == 0) return BCASTDEC_OK;
#ifdef HAVE_AESNI_PATH
  if (aes_impl_now() == 1) {
    ctr_aesni(key, iv, in, out, len);
    return BCASTDEC_OK;
  }
#endif
  ctr_portable(key, iv, in, out, len);
  return BCASTDEC_OK;
}
