/*
 * HMAC-SHA-256 of two messages at once with the SHA extensions (see hmac-sha256-x2.h).
 *
 * The state lives in two registers as the instructions want it (ABEF and CDGH, FIPS 180-4 §6.2
 * names a..h). Each message is read as up to three runs of 64-byte blocks: a first block joining
 * the sequence number to the start of the data, the data's whole blocks where they lie, and one
 * or two final blocks with the rest of the data and the padding (§5.1.1). Checked against
 * OpenSSL's HMAC for many lengths and keys in test/unit/algorithms/hmac-pair.test.ts.
 */
#include "hmac-sha256-x2.h"
#include <openssl/crypto.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,ssse3,sse4.1")))

/* FIPS 180-4 §4.2.2. */
static const uint32_t ROUND_CONSTANTS[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 §5.3.3. */
static const uint32_t INITIAL_STATE[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                          0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

int hmac_sha256_x2_supported(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  return ssse3 && sse41 && ((ebx >> 29) & 1);
}

/* A state in registers: abef = {f, e, b, a} and cdgh = {h, g, d, c} from the low lane up. */
struct regs {
  __m128i abef, cdgh;
};

SHA_TARGET static inline struct regs load_state(const uint32_t s[8]) {
  __m128i badc = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s), 0xB1);
  __m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s + 4)), 0x1B);
  struct regs r = {_mm_alignr_epi8(badc, hgfe, 8), _mm_blend_epi16(hgfe, badc, 0xF0)};
  return r;
}

SHA_TARGET static inline void store_state(struct regs r, uint32_t s[8]) {
  __m128i abef = _mm_shuffle_epi32(r.abef, 0x1B); /* {a, b, e, f} */
  __m128i cdgh = _mm_shuffle_epi32(r.cdgh, 0xB1); /* {g, h, c, d} */
  _mm_storeu_si128((__m128i *)s, _mm_blend_epi16(abef, cdgh, 0xF0));
  _mm_storeu_si128((__m128i *)(s + 4), _mm_alignr_epi8(cdgh, abef, 8));
}

/* The message schedule's next four words from the last sixteen (FIPS 180-4 §6.2.2 step 1). */
SHA_TARGET static inline __m128i next_words(__m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  __m128i sum = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
  return _mm_sha256msg2_epu32(sum, w3);
}

/* Four rounds with words `w` (already in the schedule) and their constants. */
SHA_TARGET static inline void four_rounds(struct regs *r, __m128i w, int i) {
  __m128i wk = _mm_add_epi32(w, _mm_load_si128((const __m128i *)(ROUND_CONSTANTS + 4 * i)));
  r->cdgh = _mm_sha256rnds2_epu32(r->cdgh, r->abef, wk);
  r->abef = _mm_sha256rnds2_epu32(r->abef, r->cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

SHA_TARGET static inline __m128i load_words(const unsigned char *p) {
  const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), big_endian);
}

/*
 * One block into one state. The schedule's last sixteen words are four named registers, each
 * replaced in turn (an array indexed by round would live in memory).
 */
SHA_TARGET static inline void compress1(struct regs *r, const unsigned char *block) {
  struct regs saved = *r;
  __m128i w0 = load_words(block), w1 = load_words(block + 16), w2 = load_words(block + 32),
          w3 = load_words(block + 48);
  four_rounds(r, w0, 0);
  four_rounds(r, w1, 1);
  four_rounds(r, w2, 2);
  four_rounds(r, w3, 3);
  for (int i = 4; i < 16; i += 4) {
    w0 = next_words(w0, w1, w2, w3);
    four_rounds(r, w0, i);
    w1 = next_words(w1, w2, w3, w0);
    four_rounds(r, w1, i + 1);
    w2 = next_words(w2, w3, w0, w1);
    four_rounds(r, w2, i + 2);
    w3 = next_words(w3, w0, w1, w2);
    four_rounds(r, w3, i + 3);
  }
  r->abef = _mm_add_epi32(r->abef, saved.abef);
  r->cdgh = _mm_add_epi32(r->cdgh, saved.cdgh);
}

/* One block into each of two states, their rounds interleaved. */
SHA_TARGET static inline void compress2(struct regs *a, const unsigned char *block_a, struct regs *b,
                                        const unsigned char *block_b) {
  struct regs saved_a = *a, saved_b = *b;
  __m128i u0 = load_words(block_a), u1 = load_words(block_a + 16), u2 = load_words(block_a + 32),
          u3 = load_words(block_a + 48);
  __m128i v0 = load_words(block_b), v1 = load_words(block_b + 16), v2 = load_words(block_b + 32),
          v3 = load_words(block_b + 48);
  four_rounds(a, u0, 0);
  four_rounds(b, v0, 0);
  four_rounds(a, u1, 1);
  four_rounds(b, v1, 1);
  four_rounds(a, u2, 2);
  four_rounds(b, v2, 2);
  four_rounds(a, u3, 3);
  four_rounds(b, v3, 3);
  for (int i = 4; i < 16; i += 4) {
    u0 = next_words(u0, u1, u2, u3);
    v0 = next_words(v0, v1, v2, v3);
    four_rounds(a, u0, i);
    four_rounds(b, v0, i);
    u1 = next_words(u1, u2, u3, u0);
    v1 = next_words(v1, v2, v3, v0);
    four_rounds(a, u1, i + 1);
    four_rounds(b, v1, i + 1);
    u2 = next_words(u2, u3, u0, u1);
    v2 = next_words(v2, v3, v0, v1);
    four_rounds(a, u2, i + 2);
    four_rounds(b, v2, i + 2);
    u3 = next_words(u3, u0, u1, u2);
    v3 = next_words(v3, v0, v1, v2);
    four_rounds(a, u3, i + 3);
    four_rounds(b, v3, i + 3);
  }
  a->abef = _mm_add_epi32(a->abef, saved_a.abef);
  a->cdgh = _mm_add_epi32(a->cdgh, saved_a.cdgh);
  b->abef = _mm_add_epi32(b->abef, saved_b.abef);
  b->cdgh = _mm_add_epi32(b->cdgh, saved_b.cdgh);
}

/*
 * The blocks of `prefix || data` padded as the end of a message that `preceding` bytes (whole
 * blocks, already in the state) started: a first block joining a prefix to the data, then the
 * data's whole blocks where they lie, then the rest with the padding (FIPS 180-4 §5.1.1).
 */
struct blocks {
  unsigned char first[64];
  int has_first;
  const unsigned char *run;
  size_t run_blocks;
  unsigned char last[128];
  size_t last_blocks;
};

static void blocks_init(struct blocks *b, const unsigned char *prefix, size_t prefix_length,
                        const unsigned char *data, size_t length, uint64_t preceding) {
  size_t used = 0, rest;
  unsigned char *at = b->last;
  b->has_first = 0;
  if (prefix_length > 0 && prefix_length + length >= 64) {
    memcpy(b->first, prefix, prefix_length);
    memcpy(b->first + prefix_length, data, 64 - prefix_length);
    b->has_first = 1;
    used = 64 - prefix_length;
  } else if (prefix_length > 0) {
    memcpy(at, prefix, prefix_length);
    at += prefix_length;
  }
  b->run = data + used;
  b->run_blocks = (length - used) / 64;
  rest = (length - used) % 64;
  memcpy(at, b->run + 64 * b->run_blocks, rest);
  at += rest;
  size_t tail = (size_t)(at - b->last);
  b->last_blocks = tail + 9 <= 64 ? 1 : 2;
  memset(at, 0, 64 * b->last_blocks - tail);
  *at = 0x80;
  uint64_t bits = (preceding + prefix_length + length) * 8;
  for (int i = 0; i < 8; i++) b->last[64 * b->last_blocks - 1 - i] = (unsigned char)(bits >> (8 * i));
}

static size_t blocks_count(const struct blocks *b) { return (size_t)b->has_first + b->run_blocks + b->last_blocks; }

static const unsigned char *block_at(const struct blocks *b, size_t i) {
  if (b->has_first) {
    if (i == 0) return b->first;
    i--;
  }
  return i < b->run_blocks ? b->run + 64 * i : b->last + 64 * (i - b->run_blocks);
}

/*
 * The state after the blocks of both `a` and `b` (they may differ in number), two at a time. The
 * states are worked on in locals: through the pointers every round would go by way of memory.
 */
SHA_TARGET static void hash_pair(struct regs *ra, const struct blocks *a, struct regs *rb, const struct blocks *b) {
  struct regs la = *ra, lb = *rb;
  size_t na = blocks_count(a), nb = blocks_count(b), i = 0;
  for (; i < na && i < nb; i++) compress2(&la, block_at(a, i), &lb, block_at(b, i));
  for (size_t j = i; j < na; j++) compress1(&la, block_at(a, j));
  for (size_t j = i; j < nb; j++) compress1(&lb, block_at(b, j));
  *ra = la;
  *rb = lb;
}

static void big_endian_words(const uint32_t s[8], unsigned char out[32]) {
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(s[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s[i] >> 8);
    out[4 * i + 3] = (unsigned char)s[i];
  }
}

/* SHA-256 of one message (keys longer than a block). */
SHA_TARGET static void sha256(const unsigned char *data, size_t length, unsigned char digest[32]) {
  struct blocks b;
  uint32_t s[8];
  struct regs r = load_state(INITIAL_STATE);
  blocks_init(&b, NULL, 0, data, length, 0);
  for (size_t i = 0; i < blocks_count(&b); i++) compress1(&r, block_at(&b, i));
  store_state(r, s);
  big_endian_words(s, digest);
  OPENSSL_cleanse(&b, sizeof b);
}

SHA_TARGET void hmac_sha256_x2_key_init(struct hmac_sha256_x2_key *k, const unsigned char *key, size_t length) {
  unsigned char block[64] = {0}, pad[64];
  if (length > 64)
    sha256(key, length, block);
  else if (length > 0)
    memcpy(block, key, length);
  for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
  struct regs inner = load_state(INITIAL_STATE), outer = load_state(INITIAL_STATE);
  compress1(&inner, pad);
  for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
  compress1(&outer, pad);
  store_state(inner, k->inner);
  store_state(outer, k->outer);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

SHA_TARGET void hmac_sha256_x2(const struct hmac_sha256_x2_key *k, const struct hmac_sha256_x2_message messages[2],
                               unsigned char *const macs[2]) {
  struct blocks inner[2];
  unsigned char prefix[2][4], digest[2][32];
  uint32_t s[8];
  for (int m = 0; m < 2; m++) {
    uint32_t seq = messages[m].seq;
    prefix[m][0] = (unsigned char)(seq >> 24);
    prefix[m][1] = (unsigned char)(seq >> 16);
    prefix[m][2] = (unsigned char)(seq >> 8);
    prefix[m][3] = (unsigned char)seq;
    blocks_init(&inner[m], prefix[m], 4, messages[m].data, messages[m].length, 64);
  }
  struct regs a = load_state(k->inner), b = load_state(k->inner);
  hash_pair(&a, &inner[0], &b, &inner[1]);
  store_state(a, s);
  big_endian_words(s, digest[0]);
  store_state(b, s);
  big_endian_words(s, digest[1]);
  /* The outer hash: the key's outer block (in k->outer), then the inner digest, one block each. */
  struct blocks outer[2];
  blocks_init(&outer[0], NULL, 0, digest[0], 32, 64);
  blocks_init(&outer[1], NULL, 0, digest[1], 32, 64);
  a = load_state(k->outer);
  b = load_state(k->outer);
  hash_pair(&a, &outer[0], &b, &outer[1]);
  store_state(a, s);
  big_endian_words(s, macs[0]);
  store_state(b, s);
  big_endian_words(s, macs[1]);
  /* The blocks copied plaintext (MAC-then-encrypt MACs the plaintext) and the inner digests. */
  OPENSSL_cleanse(inner, sizeof inner);
  OPENSSL_cleanse(outer, sizeof outer);
  OPENSSL_cleanse(digest, sizeof digest);
}

#else

int hmac_sha256_x2_supported(void) { return 0; }

void hmac_sha256_x2_key_init(struct hmac_sha256_x2_key *k, const unsigned char *key, size_t length) {
  (void)key;
  (void)length;
  memset(k, 0, sizeof *k);
}

void hmac_sha256_x2(const struct hmac_sha256_x2_key *k, const struct hmac_sha256_x2_message messages[2],
                    unsigned char *const macs[2]) {
  (void)k;
  (void)messages;
  memset(macs[0], 0, HMAC_SHA256_LENGTH);
  memset(macs[1], 0, HMAC_SHA256_LENGTH);
}

#endif
