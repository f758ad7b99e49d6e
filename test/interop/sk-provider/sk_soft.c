/*
 * sk_soft: a software stand-in for a FIDO/U2F security key, loaded by OpenSSH
 * (ssh, ssh-keygen -w, SSH_SK_PROVIDER) as a SecurityKeyProvider middleware.
 * It lets the interop tests make sk-ssh-ed25519@openssh.com and
 * sk-ecdsa-sha2-nistp256@openssh.com keys and signatures without hardware.
 *
 * FOR TESTS ONLY. There is no secret anywhere: the key handle that OpenSSH
 * stores in the private key file IS the private key (DER, XORed with a fixed
 * public pad so that it is not mistaken for a plain key), nothing is touched
 * and no PIN is checked.
 *
 * It implements the provider interface of OpenSSH 9.x (API version
 * 0x000a0000): the structures below must keep exactly that layout.
 *
 * Signatures are real FIDO-format signatures. The authenticator signs
 *   SHA256(application) || flags (1 byte) || counter (uint32, big-endian)
 *   || SHA256(data)
 * where data is what OpenSSH hands to sk_sign (the message itself; the
 * provider hashes it). Ed25519 signs those 69 bytes directly; ECDSA P-256
 * signs their SHA-256.
 *
 * Switches, read from the environment at each signature:
 *   SK_SOFT_FLAGS=n          flags byte to report (default 0x01, user present;
 *                            0x00 "not touched", 0x05 present and verified)
 *   SK_SOFT_COUNTER=n        report this fixed counter
 *   SK_SOFT_COUNTER_FILE=p   otherwise keep the counter in file p (read, add
 *                            one, write back); without either, the counter
 *                            counts from 1 within the process, and OpenSSH
 *                            starts a fresh ssh-sk-helper for each signature
 *   SK_SOFT_BAD_SIGNATURE=1  flip one bit of the signature
 * Numbers take C syntax (0x05, 5).
 *
 * Build: cc -shared -fPIC -O2 -o sk_soft.so sk_soft.c -lcrypto
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

/* ---- OpenSSH provider interface, version 0x000a0000 ---- */

#define SK_SOFT_API_VERSION 0x000a0000u

#define ALG_ECDSA_P256 0x00
#define ALG_ED25519 0x01

#define FLAG_USER_PRESENCE 0x01
#define FLAG_RESIDENT_KEY 0x20

#define ERR_GENERAL (-1)
#define ERR_UNSUPPORTED (-2)

struct sk_enroll_response {
	uint8_t flags;
	uint8_t *public_key;
	size_t public_key_len;
	uint8_t *key_handle;
	size_t key_handle_len;
	uint8_t *signature;
	size_t signature_len;
	uint8_t *attestation_cert;
	size_t attestation_cert_len;
	uint8_t *authdata;
	size_t authdata_len;
};

struct sk_sign_response {
	uint8_t flags;
	uint32_t counter;
	uint8_t *sig_r;
	size_t sig_r_len;
	uint8_t *sig_s;
	size_t sig_s_len;
};

struct sk_option {
	char *name;
	char *value;
	uint8_t required;
};

struct sk_resident_key; /* resident keys are not supported */

uint32_t sk_api_version(void);
int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response);
int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags, const char *pin, struct sk_option **options,
    struct sk_sign_response **sign_response);
int sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks);

/* ---- helpers ---- */

/* Key handle: one byte naming the algorithm, then the DER private key ^ pad. */
static const uint8_t handle_pad[16] = "sk_soft/testpad!";

static void
xor_pad(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] ^= handle_pad[i % sizeof(handle_pad)];
}

static unsigned long
env_number(const char *name, unsigned long fallback, int *found)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (found != NULL)
		*found = 0;
	if (v == NULL || *v == '\0')
		return fallback;
	n = strtoul(v, &end, 0);
	if (*end != '\0')
		return fallback;
	if (found != NULL)
		*found = 1;
	return n;
}

static uint32_t
next_counter(void)
{
	static uint32_t in_process;
	const char *path = getenv("SK_SOFT_COUNTER_FILE");
	unsigned long n = 0;
	int fixed;
	FILE *f;

	n = env_number("SK_SOFT_COUNTER", 0, &fixed);
	if (fixed)
		return (uint32_t)n;
	if (path == NULL || *path == '\0')
		return ++in_process;
	n = 0;
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	n++;
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%lu\n", n);
		fclose(f);
	}
	return (uint32_t)n;
}

/* Refuses any option OpenSSH marks as required: none is understood here. */
static int
options_ok(struct sk_option **options)
{
	for (size_t i = 0; options != NULL && options[i] != NULL; i++)
		if (options[i]->required)
			return 0;
	return 1;
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len == 0 ? 1 : len);

	if (q != NULL && len != 0)
		memcpy(q, p, len);
	return q;
}

/* ---- enrollment ---- */

uint32_t
sk_api_version(void)
{
	return SK_SOFT_API_VERSION;
}

static int
public_key_bytes(uint32_t alg, EVP_PKEY *key, uint8_t *out, size_t *len)
{
	if (alg == ALG_ED25519) {
		*len = 32;
		return EVP_PKEY_get_raw_public_key(key, out, len) == 1 &&
		    *len == 32;
	}
	/* P-256: the uncompressed SEC1 point, 0x04 || X || Y. */
	return EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, 65, len) == 1 &&
	    *len == 65 && out[0] == 0x04;
}

int
sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response)
{
	struct sk_enroll_response *r = NULL;
	EVP_PKEY *key = NULL;
	uint8_t pub[65], *der = NULL;
	size_t pub_len = 0;
	int der_len = 0, ret = ERR_GENERAL;

	(void)challenge;
	(void)challenge_len;
	(void)application;
	(void)pin;
	if (enroll_response == NULL)
		return ERR_GENERAL;
	*enroll_response = NULL;
	if (!options_ok(options) || (flags & FLAG_RESIDENT_KEY) != 0)
		return ERR_UNSUPPORTED;
	if (alg == ALG_ED25519)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (alg == ALG_ECDSA_P256)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		return ERR_UNSUPPORTED;
	if (key == NULL || !public_key_bytes(alg, key, pub, &pub_len))
		goto out;
	if ((der_len = i2d_PrivateKey(key, &der)) <= 0)
		goto out;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto out;
	r->flags = flags;
	r->public_key_len = pub_len;
	r->key_handle_len = (size_t)der_len + 1;
	if ((r->public_key = dup_bytes(pub, pub_len)) == NULL ||
	    (r->key_handle = malloc(r->key_handle_len)) == NULL)
		goto out;
	r->key_handle[0] = (uint8_t)alg;
	memcpy(r->key_handle + 1, der, (size_t)der_len);
	xor_pad(r->key_handle + 1, (size_t)der_len);
	/* No attestation: signature, certificate and authdata stay empty. */
	*enroll_response = r;
	r = NULL;
	ret = 0;
out:
	if (r != NULL) {
		free(r->public_key);
		free(r->key_handle);
		free(r);
	}
	OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
	EVP_PKEY_free(key);
	return ret;
}

/* ---- signing ---- */

static EVP_PKEY *
key_from_handle(uint32_t alg, const uint8_t *handle, size_t len)
{
	EVP_PKEY *key = NULL;
	uint8_t *der;
	const uint8_t *p;

	if (handle == NULL || len < 2 || handle[0] != alg)
		return NULL;
	if ((der = dup_bytes(handle + 1, len - 1)) == NULL)
		return NULL;
	xor_pad(der, len - 1);
	p = der;
	key = d2i_AutoPrivateKey(NULL, &p, (long)(len - 1));
	OPENSSL_clear_free(der, len - 1);
	if (key != NULL &&
	    EVP_PKEY_get_base_id(key) !=
	    (alg == ALG_ED25519 ? EVP_PKEY_ED25519 : EVP_PKEY_EC)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

/* Signs tbs; fills r (and s for ECDSA) as OpenSSH wants them. */
static int
sign_bytes(uint32_t alg, EVP_PKEY *key, const uint8_t *tbs, size_t tbs_len,
    struct sk_sign_response *resp)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sig[128];
	size_t sig_len = sizeof(sig);
	ECDSA_SIG *ec = NULL;
	const BIGNUM *r, *s;
	const uint8_t *p = sig;
	int ok = 0;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL,
	    alg == ALG_ED25519 ? NULL : EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, tbs, tbs_len) != 1)
		goto out;
	if (alg == ALG_ED25519) {
		/* The whole 64-byte signature goes in sig_r; sig_s is unused. */
		resp->sig_r_len = sig_len;
		ok = (resp->sig_r = dup_bytes(sig, sig_len)) != NULL;
		goto out;
	}
	/* ECDSA: OpenSSL gives DER; OpenSSH wants r and s as big-endian. */
	if ((ec = d2i_ECDSA_SIG(NULL, &p, (long)sig_len)) == NULL)
		goto out;
	ECDSA_SIG_get0(ec, &r, &s);
	resp->sig_r_len = (size_t)BN_num_bytes(r);
	resp->sig_s_len = (size_t)BN_num_bytes(s);
	if ((resp->sig_r = malloc(resp->sig_r_len + 1)) == NULL ||
	    (resp->sig_s = malloc(resp->sig_s_len + 1)) == NULL)
		goto out;
	BN_bn2bin(r, resp->sig_r);
	BN_bn2bin(s, resp->sig_s);
	ok = 1;
out:
	ECDSA_SIG_free(ec);
	EVP_MD_CTX_free(ctx);
	return ok;
}

int
sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags, const char *pin, struct sk_option **options,
    struct sk_sign_response **sign_response)
{
	struct sk_sign_response *resp = NULL;
	EVP_PKEY *key = NULL;
	uint8_t tbs[32 + 1 + 4 + 32];
	uint32_t counter;
	int ret = ERR_GENERAL;

	(void)flags; /* what the key asked for; we report SK_SOFT_FLAGS */
	(void)pin;
	if (sign_response == NULL)
		return ERR_GENERAL;
	*sign_response = NULL;
	if (!options_ok(options))
		return ERR_UNSUPPORTED;
	if (alg != ALG_ED25519 && alg != ALG_ECDSA_P256)
		return ERR_UNSUPPORTED;
	if (application == NULL || (data == NULL && data_len != 0))
		return ERR_GENERAL;
	if ((key = key_from_handle(alg, key_handle, key_handle_len)) == NULL)
		return ERR_GENERAL;
	if ((resp = calloc(1, sizeof(*resp))) == NULL)
		goto out;
	resp->flags = (uint8_t)env_number("SK_SOFT_FLAGS", FLAG_USER_PRESENCE,
	    NULL);
	resp->counter = counter = next_counter();

	SHA256((const uint8_t *)application, strlen(application), tbs);
	tbs[32] = resp->flags;
	tbs[33] = (uint8_t)(counter >> 24);
	tbs[34] = (uint8_t)(counter >> 16);
	tbs[35] = (uint8_t)(counter >> 8);
	tbs[36] = (uint8_t)counter;
	SHA256(data, data_len, tbs + 37);

	if (!sign_bytes(alg, key, tbs, sizeof(tbs), resp))
		goto out;
	if (env_number("SK_SOFT_BAD_SIGNATURE", 0, NULL) != 0) {
		uint8_t *victim = alg == ALG_ED25519 ?
		    &resp->sig_r[0] : &resp->sig_s[resp->sig_s_len - 1];
		*victim ^= 0x01;
	}
	*sign_response = resp;
	resp = NULL;
	ret = 0;
out:
	if (resp != NULL) {
		free(resp->sig_r);
		free(resp->sig_s);
		free(resp);
	}
	EVP_PKEY_free(key);
	return ret;
}

int
sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks)
{
	(void)pin;
	(void)options;
	if (rks != NULL)
		*rks = NULL;
	if (nrks != NULL)
		*nrks = 0;
	return ERR_UNSUPPORTED;
}
