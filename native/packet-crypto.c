/*
 * sshd-kit's packet ciphers on OpenSSL's EVP interface, with one cipher context per direction kept
 * for the life of the keys.
 *
 * node:crypto makes a new cipher object (an EVP context, a key schedule and a JavaScript wrapper)
 * for every AES-GCM packet and returns freshly allocated output; here the context is keyed once
 * and each packet only sets its nonce, and output goes into a buffer the caller provides (or over
 * the input, when the caller says so). The OpenSSL linked is the one inside node: its symbols are
 * resolved at load time, so nothing else is linked.
 *
 * Every length is checked here as well as by the TypeScript caller (src/algorithms/cipher/native.ts):
 * a bad call throws, it never reads or writes out of bounds.
 */
#include "addon.h"
#include "hmac-sha256-x2.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TAG_LENGTH 16
#define GCM_IV_LENGTH 12
#define CHACHA_KEY_LENGTH 32
#define POLY_KEY_LENGTH 32

enum kind { KIND_GCM = 1, KIND_CHACHA = 2, KIND_CTR = 3, KIND_HMAC = 4 };

/* One direction of one packet cipher, keyed. */
struct packet_cipher {
  enum kind kind;
  /* AES-GCM and AES-CTR: the cipher. chacha20-poly1305: K_2, for the body and the Poly1305 key. */
  EVP_CIPHER_CTX *main;
  /* chacha20-poly1305 only: K_1, for the packet length. */
  EVP_CIPHER_CTX *header;
  /* chacha20-poly1305: Poly1305, keyed afresh for each packet. HMAC: keyed once, restarted per packet. */
  EVP_MAC_CTX *mac;
  /* HMAC only: the digest's length. */
  size_t mac_length;
  /* HMAC-SHA-256 on a CPU with the SHA extensions: the key for MACing two packets at once. */
  struct hmac_sha256_x2_key *x2;
  /* AES-GCM only: fixed(4) || invocation_counter(8), the nonce of the next packet (RFC 5647 §7.1). */
  unsigned char iv[GCM_IV_LENGTH];
};

/* Tags the externals this module makes, so a handle from elsewhere is refused. */
static const napi_type_tag HANDLE_TAG = {0x5d1c7b0e4a2f4c11ULL, 0x9e3b6a48c2d05f73ULL};

static void free_cipher(struct packet_cipher *c) {
  if (!c) return;
  EVP_CIPHER_CTX_free(c->main);
  EVP_CIPHER_CTX_free(c->header);
  EVP_MAC_CTX_free(c->mac);
  OPENSSL_cleanse(c->iv, sizeof c->iv);
  if (c->x2) OPENSSL_cleanse(c->x2, sizeof *c->x2);
  free(c->x2);
  free(c);
}

static void finalize_cipher(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free_cipher((struct packet_cipher *)data);
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_SSHD_KIT_NATIVE_CRYPTO", message);
  return NULL;
}

#define CALL(env, call)                                     \
  do {                                                      \
    if ((call) != napi_ok) return throw_error(env, #call);  \
  } while (0)

static struct packet_cipher *get_cipher(napi_env env, napi_value value, enum kind kind) {
  bool tagged = false;
  void *data = NULL;
  if (napi_check_object_type_tag(env, value, &HANDLE_TAG, &tagged) != napi_ok || !tagged) return NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  struct packet_cipher *c = (struct packet_cipher *)data;
  return c && c->kind == kind ? c : NULL;
}

/*
 * The handle of `kind` (and, `with_seq`, the sequence number) of a call (handle, [seq,] input,
 * output); `io` receives the input and output arguments. NULL when any is missing or wrong.
 */
static struct packet_cipher *get_handle_call(napi_env env, napi_callback_info info, enum kind kind, int with_seq,
                                             uint32_t *seq, napi_value io[2]) {
  size_t argc = 4;
  napi_value argv[4];
  size_t expected = with_seq ? 4 : 3;
  *seq = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) return NULL;
  if (with_seq && napi_get_value_uint32(env, argv[1], seq) != napi_ok) return NULL;
  io[0] = argv[expected - 2];
  io[1] = argv[expected - 1];
  return get_cipher(env, argv[0], kind);
}

/* Most pieces one call takes (the framer joins a packet of more pieces itself). */
#define MAX_PIECES 16

/*
 * Bytes given in pieces whose concatenation they are: one Uint8Array, or an array of up to
 * MAX_PIECES of them. Sealing reads a plaintext's pieces as it encrypts into `out`, so a payload
 * is not first copied into the packet buffer; opening reads a packet's pieces where the socket
 * left them (a packet split between two reads is not joined first). Each piece must lie either
 * wholly outside `out` or exactly at its own place in it (in place); checked by pieces_fit.
 */
struct pieces {
  unsigned char *data[MAX_PIECES];
  size_t length[MAX_PIECES];
  size_t count, total;
};

static int get_pieces(napi_env env, napi_value value, struct pieces *p) {
  bool is_array;
  uint32_t count;
  p->count = 0;
  p->total = 0;
  if (addon_get_bytes(env, value, &p->data[0], &p->length[0])) {
    p->count = 1;
    p->total = p->length[0];
    return p->total <= INT32_MAX;
  }
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, value, &count) != napi_ok || count == 0 || count > MAX_PIECES)
    return 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, value, i, &element) != napi_ok ||
        !addon_get_bytes(env, element, &p->data[i], &p->length[i]) || p->length[i] > INT32_MAX - p->total)
      return 0;
    p->total += p->length[i];
  }
  p->count = count;
  return 1;
}

/*
 * Whether each piece is apart from out[0, out_length) or exactly where its bytes go in `out`,
 * where byte `shift` of the concatenation goes to out[0] (0 when sealing; 4 when opening, whose
 * output starts after the length field).
 */
static int pieces_fit(const struct pieces *p, const unsigned char *out, size_t out_length, size_t shift) {
  uintptr_t out_start = (uintptr_t)out, out_end = out_start + out_length;
  uintptr_t at = out_start - shift;
  for (size_t i = 0; i < p->count; i++) {
    uintptr_t start = (uintptr_t)p->data[i], end = start + p->length[i];
    if (p->length[i] > 0 && start < out_end && end > out_start && start != at) return 0;
    at += p->length[i];
  }
  return 1;
}

/*
 * Calls `each(context, bytes, length)` on the pieces' bytes [from, from + length) in order
 * (from + length <= total), skipping empty stretches; stops at the first call that returns 0.
 */
static int for_range(const struct pieces *p, size_t from, size_t length,
                     int (*each)(void *context, const unsigned char *bytes, size_t length), void *context) {
  for (size_t i = 0; i < p->count && length > 0; i++) {
    if (from >= p->length[i]) {
      from -= p->length[i];
      continue;
    }
    size_t take = p->length[i] - from < length ? p->length[i] - from : length;
    if (!each(context, p->data[i] + from, take)) return 0;
    from = 0;
    length -= take;
  }
  return 1;
}

static int copy_out(void *dst, const unsigned char *bytes, size_t length) {
  unsigned char **at = (unsigned char **)dst;
  memmove(*at, bytes, length);
  *at += length;
  return 1;
}

/* Copies the pieces' bytes [from, from + n) to `dst`, which may be one of those bytes' own places. */
static void pieces_copy(const struct pieces *p, size_t from, size_t n, unsigned char *dst) {
  for_range(p, from, n, copy_out, &dst);
}

/* A cipher context and where its next output goes. */
struct cipher_run {
  EVP_CIPHER_CTX *ctx;
  unsigned char *out;
};

static int cipher_out(void *run, const unsigned char *bytes, size_t length) {
  struct cipher_run *r = (struct cipher_run *)run;
  int n;
  if (EVP_CipherUpdate(r->ctx, r->out, &n, bytes, (int)length) != 1 || (size_t)n != length) return 0;
  r->out += length;
  return 1;
}

/* Runs `ctx` over the pieces' bytes [from, from + length), writing to `out` (the output of byte `from`). */
static int update_pieces(EVP_CIPHER_CTX *ctx, const struct pieces *p, size_t from, size_t length, unsigned char *out) {
  struct cipher_run run = {ctx, out};
  return for_range(p, from, length, cipher_out, &run);
}

static int mac_in(void *mac, const unsigned char *bytes, size_t length) {
  return EVP_MAC_update((EVP_MAC_CTX *)mac, bytes, length) == 1;
}

/* Feeds the pieces' bytes [from, from + length) to `mac`. */
static int mac_pieces(EVP_MAC_CTX *mac, const struct pieces *p, size_t from, size_t length) {
  return for_range(p, from, length, mac_in, mac);
}

/*
 * The arguments of a sealing, opening or keystream call: handle, [seq,] input (whole or in
 * pieces), output. Byte `shift` of the input is written to out[0] (0 when sealing; 4 when opening,
 * whose output starts after the length field), and each piece lies apart from the output or at
 * its own place in it.
 */
struct pieces_call {
  struct packet_cipher *c;
  uint32_t seq;
  struct pieces in;
  unsigned char *out;
  size_t out_length;
};

static int get_pieces_call(napi_env env, napi_callback_info info, enum kind kind, int with_seq, size_t shift,
                           struct pieces_call *call) {
  napi_value io[2];
  call->c = get_handle_call(env, info, kind, with_seq, &call->seq, io);
  return call->c && get_pieces(env, io[0], &call->in) && addon_get_bytes(env, io[1], &call->out, &call->out_length) &&
         pieces_fit(&call->in, call->out, call->out_length, shift);
}

/* Sealing: plain = uint32 length || the rest, out one tag longer. */
static int seal_lengths_ok(const struct pieces_call *call) {
  return call->in.total >= 4 && call->in.total <= INT32_MAX - TAG_LENGTH &&
         call->out_length == call->in.total + TAG_LENGTH;
}

/* Opening: packet = uint32 length || ciphertext || tag, body (out) the ciphertext's length. */
static int open_lengths_ok(const struct pieces_call *call) {
  return call->in.total >= 4 + TAG_LENGTH && call->out_length == call->in.total - 4 - TAG_LENGTH;
}

/* A new, empty cipher of `kind`, or NULL when out of memory. */
static struct packet_cipher *new_cipher(enum kind kind) {
  struct packet_cipher *c = calloc(1, sizeof *c);
  if (c) c->kind = kind;
  return c;
}

/* Hands `c` to JavaScript as a tagged external, or frees it and throws `failure` when `set_up` is false. */
static napi_value wrap_cipher(napi_env env, struct packet_cipher *c, int set_up, const char *failure) {
  napi_value external;
  if (!set_up) {
    free_cipher(c);
    return throw_error(env, failure);
  }
  if (napi_create_external(env, c, finalize_cipher, NULL, &external) != napi_ok) {
    free_cipher(c);
    return throw_error(env, "napi_create_external failed");
  }
  CALL(env, napi_type_tag_object(env, external, &HANDLE_TAG));
  return external;
}

/* A context for `cipher` keyed with `key` (and `iv`, when given), or NULL. */
static EVP_CIPHER_CTX *keyed_context(const EVP_CIPHER *cipher, const unsigned char *key, const unsigned char *iv,
                                     int encrypt) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return NULL;
  if (EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Adds one to the 64-bit invocation counter of an AES-GCM nonce, wrapping modulo 2^64. */
static void next_gcm_iv(unsigned char *iv) {
  for (int i = GCM_IV_LENGTH - 1; i >= 4; i--)
    if (++iv[i] != 0) break;
}

/* The arguments of a constructor: a key, then (when asked for) an IV and an encrypt flag. */
struct key_args {
  unsigned char *key, *iv;
  size_t key_length, iv_length;
  bool encrypt;
};

static int get_key_args(napi_env env, napi_callback_info info, size_t count, struct key_args *k) {
  size_t argc = 3;
  napi_value argv[3];
  k->iv = NULL;
  k->iv_length = 0;
  k->encrypt = true;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == count &&
         addon_get_bytes(env, argv[0], &k->key, &k->key_length) &&
         (count < 2 || addon_get_bytes(env, argv[1], &k->iv, &k->iv_length)) &&
         (count < 3 || napi_get_value_bool(env, argv[2], &k->encrypt) == napi_ok);
}

/* createGcm(key, iv, encrypt): AES-128-GCM or AES-256-GCM by the key's length. */
static napi_value create_gcm(napi_env env, napi_callback_info info) {
  struct key_args k;
  if (!get_key_args(env, info, 3, &k)) return throw_error(env, "createGcm(key, iv, encrypt)");
  if (k.iv_length != GCM_IV_LENGTH) return throw_error(env, "AES-GCM needs a 12-byte IV");
  const EVP_CIPHER *cipher = k.key_length == 16 ? EVP_aes_128_gcm() : k.key_length == 32 ? EVP_aes_256_gcm() : NULL;
  if (!cipher) return throw_error(env, "AES-GCM needs a 16- or 32-byte key");
  struct packet_cipher *c = new_cipher(KIND_GCM);
  if (!c) return throw_error(env, "out of memory");
  memcpy(c->iv, k.iv, GCM_IV_LENGTH);
  c->main = keyed_context(cipher, k.key, NULL, k.encrypt);
  return wrap_cipher(env, c, c->main != NULL, "AES-GCM key setup failed");
}

/*
 * gcmSeal(handle, plain, out): plain = uint32 length || the rest, whole or in pieces; out
 * (plain's length + 16 bytes) receives the length in clear, the encrypted rest and the tag
 * (RFC 5647 §7.3: the length is the additional authenticated data).
 */
static napi_value gcm_seal(napi_env env, napi_callback_info info) {
  struct pieces_call a;
  int n;
  if (!get_pieces_call(env, info, KIND_GCM, 0, 0, &a)) return throw_error(env, "gcmSeal(handle, plain, out)");
  if (!seal_lengths_ok(&a)) return throw_error(env, "gcmSeal: out must be plain.length + 16 bytes");
  EVP_CIPHER_CTX *ctx = a.c->main;
  size_t total = a.in.total;
  pieces_copy(&a.in, 0, 4, a.out);
  if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, a.c->iv, -1) != 1 || EVP_CipherUpdate(ctx, NULL, &n, a.out, 4) != 1 ||
      !update_pieces(ctx, &a.in, 4, total - 4, a.out + 4) || EVP_CipherFinal_ex(ctx, a.out + total, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, a.out + total) != 1)
    return throw_error(env, "AES-GCM encryption failed");
  next_gcm_iv(a.c->iv);
  return NULL;
}

/*
 * gcmOpen(handle, packet, body): packet = uint32 length || ciphertext || tag, whole or in pieces;
 * body (packet's length - 20 bytes, apart from the packet or its own ciphertext bytes) receives
 * the plaintext. Returns whether the tag verified; on false, body holds nothing to use.
 */
static napi_value gcm_open(napi_env env, napi_callback_info info) {
  struct pieces_call a;
  int n;
  if (!get_pieces_call(env, info, KIND_GCM, 0, 4, &a) || !open_lengths_ok(&a))
    return throw_error(env, "gcmOpen(handle, packet, body): body is packet.length - 20 bytes, in place or apart");
  EVP_CIPHER_CTX *ctx = a.c->main;
  unsigned char length_field[4], tag[TAG_LENGTH];
  pieces_copy(&a.in, 0, 4, length_field);
  pieces_copy(&a.in, 4 + a.out_length, TAG_LENGTH, tag);
  int ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, a.c->iv, -1) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LENGTH, tag) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, length_field, 4) == 1 &&
           update_pieces(ctx, &a.in, 4, a.out_length, a.out) &&
           EVP_CipherFinal_ex(ctx, a.out + a.out_length, &n) == 1;
  next_gcm_iv(a.c->iv);
  napi_value result;
  CALL(env, napi_get_boolean(env, ok, &result));
  return result;
}

/* A context for the MAC named `name` (POLY1305, HMAC), or NULL. */
static EVP_MAC_CTX *mac_context(const char *name) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, name, NULL);
  if (!mac) return NULL;
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  return ctx;
}

/* createChaCha(key): chacha20-poly1305@openssh.com, K_2 = key[0, 32), K_1 = key[32, 64). */
static napi_value create_chacha(napi_env env, napi_callback_info info) {
  struct key_args k;
  if (!get_key_args(env, info, 1, &k)) return throw_error(env, "createChaCha(key)");
  if (k.key_length != 2 * CHACHA_KEY_LENGTH) return throw_error(env, "chacha20-poly1305 needs a 64-byte key");
  struct packet_cipher *c = new_cipher(KIND_CHACHA);
  if (!c) return throw_error(env, "out of memory");
  /* A stream cipher: encryption and decryption are the same operation. */
  c->main = keyed_context(EVP_chacha20(), k.key, NULL, 1);
  c->header = keyed_context(EVP_chacha20(), k.key + CHACHA_KEY_LENGTH, NULL, 1);
  c->mac = mac_context("POLY1305");
  return wrap_cipher(env, c, c->main && c->header && c->mac, "chacha20-poly1305 key setup failed");
}

/*
 * Sets `ctx` to block 0 of the nonce for sequence number `seq`. OpenSSL's chacha20 IV is the
 * 32-bit little-endian block counter and a 96-bit nonce (state words 12..15); OpenSSH's original
 * ChaCha20 has a 64-bit counter and the sequence number as a big-endian uint64 nonce, the same
 * state when the counter is written as a little-endian uint64 (packets never reach 2^32 blocks).
 */
static int start_block0(EVP_CIPHER_CTX *ctx, uint32_t seq) {
  unsigned char iv[16] = {0};
  iv[12] = (unsigned char)(seq >> 24);
  iv[13] = (unsigned char)(seq >> 16);
  iv[14] = (unsigned char)(seq >> 8);
  iv[15] = (unsigned char)seq;
  return EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) == 1;
}

/* XORs the 4-byte packet length with K_1's keystream for `seq`. */
static int crypt_length(struct packet_cipher *c, uint32_t seq, const unsigned char *in, unsigned char *out) {
  int n;
  return start_block0(c->header, seq) && EVP_CipherUpdate(c->header, out, &n, in, 4) == 1;
}

/*
 * Starts K_2 for `seq`: block 0's first 32 bytes key Poly1305 (into `poly_key`), and the stream is
 * left at block 1, where the packet body starts.
 */
static int start_body(struct packet_cipher *c, uint32_t seq, unsigned char *poly_key) {
  static const unsigned char zeros[64] = {0};
  unsigned char block0[64];
  int n;
  int ok = start_block0(c->main, seq) && EVP_CipherUpdate(c->main, block0, &n, zeros, 64) == 1;
  memcpy(poly_key, block0, POLY_KEY_LENGTH);
  OPENSSL_cleanse(block0, sizeof block0);
  return ok;
}

/* The Poly1305 tag, under `key`, of the pieces' first `length` bytes. */
static int poly1305(struct packet_cipher *c, const unsigned char *key, const struct pieces *p, size_t length,
                    unsigned char *tag) {
  size_t n;
  return EVP_MAC_init(c->mac, key, POLY_KEY_LENGTH, NULL) == 1 && mac_pieces(c->mac, p, 0, length) &&
         EVP_MAC_final(c->mac, tag, &n, TAG_LENGTH) == 1 && n == TAG_LENGTH;
}

/* `bytes` as one piece. */
static struct pieces one_piece(unsigned char *bytes, size_t length) {
  struct pieces p = {.count = 1, .total = length};
  p.data[0] = bytes;
  p.length[0] = length;
  return p;
}

/* chachaLength(handle, seq, first): the packet length from its first 4 (encrypted) bytes. */
static napi_value chacha_length(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  unsigned char *first;
  size_t first_length;
  uint32_t seq;
  unsigned char plain[4];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct packet_cipher *c = argc == 3 ? get_cipher(env, argv[0], KIND_CHACHA) : NULL;
  if (!c || napi_get_value_uint32(env, argv[1], &seq) != napi_ok ||
      !addon_get_bytes(env, argv[2], &first, &first_length) || first_length < 4)
    return throw_error(env, "chachaLength(handle, seq, first)");
  if (!crypt_length(c, seq, first, plain)) return throw_error(env, "chacha20 failed");
  uint32_t length = (uint32_t)plain[0] << 24 | (uint32_t)plain[1] << 16 | (uint32_t)plain[2] << 8 | plain[3];
  napi_value result;
  CALL(env, napi_create_uint32(env, length, &result));
  return result;
}

/*
 * chachaSeal(handle, seq, plain, out): plain whole or in pieces; out (plain's length + 16 bytes)
 * receives the encrypted length, the encrypted rest and the Poly1305 tag over both (OpenSSH
 * PROTOCOL.chacha20poly1305).
 */
static napi_value chacha_seal(napi_env env, napi_callback_info info) {
  struct pieces_call a;
  unsigned char poly_key[POLY_KEY_LENGTH], length_field[4];
  if (!get_pieces_call(env, info, KIND_CHACHA, 1, 0, &a)) return throw_error(env, "chachaSeal(handle, seq, plain, out)");
  if (!seal_lengths_ok(&a)) return throw_error(env, "chachaSeal: out must be plain.length + 16 bytes");
  pieces_copy(&a.in, 0, 4, length_field);
  struct pieces sealed = one_piece(a.out, a.in.total);
  int ok = crypt_length(a.c, a.seq, length_field, a.out) && start_body(a.c, a.seq, poly_key) &&
           update_pieces(a.c->main, &a.in, 4, a.in.total - 4, a.out + 4) &&
           poly1305(a.c, poly_key, &sealed, a.in.total, a.out + a.in.total);
  OPENSSL_cleanse(poly_key, sizeof poly_key);
  if (!ok) return throw_error(env, "chacha20-poly1305 encryption failed");
  return NULL;
}

/*
 * chachaOpen(handle, seq, packet, body): packet whole or in pieces; verifies the tag over the
 * encrypted length and rest, then decrypts the rest into body (packet's length - 20 bytes, apart
 * from the packet or its own bytes). Returns whether the tag verified; nothing is decrypted when
 * it did not.
 */
static napi_value chacha_open(napi_env env, napi_callback_info info) {
  struct pieces_call a;
  unsigned char poly_key[POLY_KEY_LENGTH], expected[TAG_LENGTH], tag[TAG_LENGTH];
  if (!get_pieces_call(env, info, KIND_CHACHA, 1, 4, &a) || !open_lengths_ok(&a))
    return throw_error(env, "chachaOpen(handle, seq, packet, body): body is packet.length - 20 bytes, in place or apart");
  size_t mac_end = a.in.total - TAG_LENGTH;
  int keyed = start_body(a.c, a.seq, poly_key) && poly1305(a.c, poly_key, &a.in, mac_end, expected);
  OPENSSL_cleanse(poly_key, sizeof poly_key);
  if (!keyed) return throw_error(env, "Poly1305 failed");
  pieces_copy(&a.in, mac_end, TAG_LENGTH, tag);
  int ok = CRYPTO_memcmp(expected, tag, TAG_LENGTH) == 0;
  if (ok && !update_pieces(a.c->main, &a.in, 4, a.out_length, a.out)) return throw_error(env, "chacha20 failed");
  napi_value result;
  CALL(env, napi_get_boolean(env, ok, &result));
  return result;
}

/* createCtr(key, iv): AES-128/192/256 in SDCTR mode (RFC 4344 §4) by the key's length. */
static napi_value create_ctr(napi_env env, napi_callback_info info) {
  struct key_args k;
  if (!get_key_args(env, info, 2, &k)) return throw_error(env, "createCtr(key, iv)");
  if (k.iv_length != 16) return throw_error(env, "AES-CTR needs a 16-byte IV");
  const EVP_CIPHER *cipher = k.key_length == 16   ? EVP_aes_128_ctr()
                             : k.key_length == 24 ? EVP_aes_192_ctr()
                             : k.key_length == 32 ? EVP_aes_256_ctr()
                                                  : NULL;
  if (!cipher) return throw_error(env, "AES-CTR needs a 16-, 24- or 32-byte key");
  struct packet_cipher *c = new_cipher(KIND_CTR);
  if (!c) return throw_error(env, "out of memory");
  /* CTR encrypts and decrypts alike. */
  c->main = keyed_context(cipher, k.key, k.iv, 1);
  return wrap_cipher(env, c, c->main != NULL, "AES-CTR key setup failed");
}

/*
 * ctrUpdate(handle, in, out): XORs the next bytes of keystream over `in` (whole or in pieces) into
 * out (as long as `in`; a piece may be its own place in out). The counter carries across calls.
 */
static napi_value ctr_update(napi_env env, napi_callback_info info) {
  struct pieces_call a;
  if (!get_pieces_call(env, info, KIND_CTR, 0, 0, &a)) return throw_error(env, "ctrUpdate(handle, in, out)");
  if (a.out_length != a.in.total) return throw_error(env, "ctrUpdate: out must be as long as in");
  if (!update_pieces(a.c->main, &a.in, 0, a.in.total, a.out)) return throw_error(env, "AES-CTR failed");
  return NULL;
}

/*
 * createHmac(digest, key[, interleave]): HMAC (RFC 2104) with an OpenSSL digest name (sha1, sha256,
 * sha512, ...). For SHA-256 on a CPU with the SHA extensions hmacPair computes two MACs at once,
 * unless `interleave` is false (so tests can compare the two ways).
 */
static napi_value create_hmac(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char digest[32];
  size_t digest_name_length;
  unsigned char *key;
  size_t key_length;
  bool interleave = true;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 ||
      napi_get_value_string_utf8(env, argv[0], digest, sizeof digest, &digest_name_length) != napi_ok ||
      digest_name_length >= sizeof digest - 1 || !addon_get_bytes(env, argv[1], &key, &key_length) ||
      (argc == 3 && napi_get_value_bool(env, argv[2], &interleave) != napi_ok))
    return throw_error(env, "createHmac(digest, key[, interleave])");
  struct packet_cipher *c = new_cipher(KIND_HMAC);
  if (!c) return throw_error(env, "out of memory");
  c->mac = mac_context("HMAC");
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
  int keyed = c->mac && EVP_MAC_init(c->mac, key, key_length, params) == 1;
  if (keyed) c->mac_length = EVP_MAC_CTX_get_mac_size(c->mac);
  if (keyed && interleave && strcmp(digest, "sha256") == 0 && hmac_sha256_x2_supported()) {
    c->x2 = malloc(sizeof *c->x2);
    if (c->x2) hmac_sha256_x2_key_init(c->x2, key, key_length);
  }
  return wrap_cipher(env, c, keyed && c->mac_length > 0 && c->mac_length <= EVP_MAX_MD_SIZE,
                     "HMAC key setup failed");
}

/*
 * The HMAC of uint32 seq || data || more (RFC 4253 §6.4) into `digest` (the full length), data
 * given in pieces: the context is restarted with the key it holds.
 */
static int hmac_of(struct packet_cipher *c, uint32_t seq, const struct pieces *data, const unsigned char *more,
                   size_t more_length, unsigned char *digest) {
  unsigned char seq_bytes[4] = {(unsigned char)(seq >> 24), (unsigned char)(seq >> 16), (unsigned char)(seq >> 8),
                                (unsigned char)seq};
  size_t n;
  return EVP_MAC_init(c->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(c->mac, seq_bytes, 4) == 1 &&
         mac_pieces(c->mac, data, 0, data->total) &&
         (more_length == 0 || EVP_MAC_update(c->mac, more, more_length) == 1) &&
         EVP_MAC_final(c->mac, digest, &n, EVP_MAX_MD_SIZE) == 1 && n == c->mac_length;
}

/*
 * hmac(handle, seq, data, more, mac): writes the first mac.length bytes (at most the digest's) of
 * the HMAC of seq || data || more; data whole or in pieces, `more` may be undefined. With `check` true instead compares
 * them, in constant time, with `mac` and returns whether they match.
 */
static napi_value hmac_call(napi_env env, napi_callback_info info, int check) {
  size_t argc = 5;
  napi_value argv[5];
  struct pieces data;
  unsigned char *more = NULL, *mac;
  size_t more_length = 0, mac_length;
  uint32_t seq;
  napi_valuetype more_type;
  unsigned char digest[EVP_MAX_MD_SIZE];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct packet_cipher *c = argc == 5 ? get_cipher(env, argv[0], KIND_HMAC) : NULL;
  if (!c || napi_get_value_uint32(env, argv[1], &seq) != napi_ok || !get_pieces(env, argv[2], &data) ||
      napi_typeof(env, argv[3], &more_type) != napi_ok ||
      (more_type != napi_undefined && !addon_get_bytes(env, argv[3], &more, &more_length)) ||
      !addon_get_bytes(env, argv[4], &mac, &mac_length))
    return throw_error(env, check ? "hmacVerify(handle, seq, data, more, mac)" : "hmac(handle, seq, data, more, out)");
  if (mac_length == 0 || mac_length > c->mac_length) return throw_error(env, "hmac: mac longer than the digest");
  int ok = hmac_of(c, seq, &data, more, more_length, digest);
  if (ok && !check) memcpy(mac, digest, mac_length);
  int match = ok && check && CRYPTO_memcmp(digest, mac, mac_length) == 0;
  OPENSSL_cleanse(digest, sizeof digest);
  if (!ok) return throw_error(env, "HMAC failed");
  if (!check) return NULL;
  napi_value result;
  CALL(env, napi_get_boolean(env, match, &result));
  return result;
}

static napi_value hmac(napi_env env, napi_callback_info info) { return hmac_call(env, info, 0); }

static napi_value hmac_verify(napi_env env, napi_callback_info info) { return hmac_call(env, info, 1); }

/*
 * hmacPair(handle, seqA, dataA, macA, seqB, dataB, macB): as hmac for two packets (data whole, no
 * `more`), computed together where createHmac allowed it and one after the other otherwise.
 */
static napi_value hmac_pair(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  struct hmac_sha256_x2_message messages[2];
  unsigned char *data[2], *mac[2];
  size_t data_length[2], mac_length[2];
  unsigned char digests[2][EVP_MAX_MD_SIZE];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct packet_cipher *c = argc == 7 ? get_cipher(env, argv[0], KIND_HMAC) : NULL;
  int ok = c != NULL;
  for (int m = 0; m < 2 && ok; m++) {
    ok = napi_get_value_uint32(env, argv[1 + 3 * m], &messages[m].seq) == napi_ok &&
         addon_get_bytes(env, argv[2 + 3 * m], &data[m], &data_length[m]) &&
         addon_get_bytes(env, argv[3 + 3 * m], &mac[m], &mac_length[m]) && mac_length[m] > 0 &&
         mac_length[m] <= c->mac_length;
    messages[m].data = data[m];
    messages[m].length = data_length[m];
  }
  if (!ok) return throw_error(env, "hmacPair(handle, seqA, dataA, macA, seqB, dataB, macB)");
  if (c->x2) {
    unsigned char *const outs[2] = {digests[0], digests[1]};
    hmac_sha256_x2(c->x2, messages, outs);
  } else {
    for (int m = 0; m < 2 && ok; m++) {
      struct pieces one = one_piece(data[m], data_length[m]);
      ok = hmac_of(c, messages[m].seq, &one, NULL, 0, digests[m]);
    }
  }
  if (ok) {
    memcpy(mac[0], digests[0], mac_length[0]);
    memcpy(mac[1], digests[1], mac_length[1]);
  }
  OPENSSL_cleanse(digests, sizeof digests);
  if (!ok) return throw_error(env, "HMAC failed");
  return NULL;
}

/* hmacInterleaves(handle): whether hmacPair computes this HMAC's two MACs at once. */
static napi_value hmac_interleaves(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct packet_cipher *c = argc == 1 ? get_cipher(env, argv[0], KIND_HMAC) : NULL;
  if (!c) return throw_error(env, "hmacInterleaves(handle)");
  CALL(env, napi_get_boolean(env, c->x2 != NULL, &result));
  return result;
}

int packet_crypto_register(napi_env env, napi_value exports) {
  static const struct addon_function functions[] = {
      {"createGcm", create_gcm},       {"gcmSeal", gcm_seal},       {"gcmOpen", gcm_open},
      {"createChaCha", create_chacha}, {"chachaLength", chacha_length}, {"chachaSeal", chacha_seal},
      {"chachaOpen", chacha_open},     {"createCtr", create_ctr},       {"ctrUpdate", ctr_update},
      {"createHmac", create_hmac},     {"hmac", hmac},                  {"hmacVerify", hmac_verify},
      {"hmacPair", hmac_pair},         {"hmacInterleaves", hmac_interleaves},
  };
  return addon_export(env, exports, functions, sizeof functions / sizeof functions[0]);
}
