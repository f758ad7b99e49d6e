import { createHash } from 'node:crypto';
import type { KexAlgorithm } from '../types.js';
import { encodeStringSecret } from './exchange-hash.js';
import { kexFailed } from './kex-errors.js';
import { createOneRoundKex, hybridWire, type KeyAgreement } from './one-round-kex.js';
import type { RandomSource } from './random.js';
import { X25519_LENGTH, x25519Generate, x25519SharedSecret } from './x25519.js';

/** A value or a promise of it (a KEM may run in WebAssembly or a worker). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A key encapsulation mechanism as the SSH hybrids use it (ML-KEM-768, sntrup761). Implementations
 * may throw on malformed input; the key exchange turns that into KEY_EXCHANGE_FAILED. Lengths are
 * checked before any call.
 */
export interface Kem {
  /** Bytes of an encapsulation (public) key. */
  readonly publicKeyLength: number;
  /** Bytes of a ciphertext. */
  readonly ciphertextLength: number;
  keygen(): MaybePromise<{ publicKey: Uint8Array; secretKey: Uint8Array }>;
  encapsulate(publicKey: Uint8Array): MaybePromise<{ ciphertext: Uint8Array; sharedSecret: Uint8Array }>;
  decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): MaybePromise<Uint8Array>;
}

/** What {@link createHybridKemKex} needs. */
export interface HybridKemKexSpec {
  /** Wire name, e.g. `mlkem768x25519-sha256`. */
  readonly name: string;
  /** HASH for the combined secret, H and key derivation. */
  readonly hash: KexAlgorithm['hash'];
  readonly kem: Kem;
  /** Source of the X25519 private keys (default: node:crypto's key generation). */
  readonly random?: RandomSource;
}

/**
 * A post-quantum KEM combined with X25519 (draft-ietf-sshm-mlkem-hybrid-kex §2, OpenSSH PROTOCOL
 * and kexsntrup761x25519.c): the client sends C_INIT = KEM public key || X25519 public key; the
 * server replies S_REPLY = KEM ciphertext || X25519 public key; K = HASH(KEM secret || X25519
 * secret), encoded as an SSH `string`. Wrong lengths, a KEM that refuses its input and an all-zero
 * X25519 result are KEY_EXCHANGE_FAILED.
 */
export function hybridKemAgreement(spec: HybridKemKexSpec): KeyAgreement {
  const { name, hash, kem } = spec;
  const combine = (kemSecret: Uint8Array, ecdhSecret: Uint8Array): Buffer =>
    encodeStringSecret(createHash(hash).update(kemSecret).update(ecdhSecret).digest());
  const kemCall = async <T>(what: string, call: () => MaybePromise<T>): Promise<T> => {
    try {
      return await call();
    } catch (cause) {
      throw kexFailed(`${name}: ${what} failed`, cause);
    }
  };
  return {
    async client() {
      const kemKeys = await kem.keygen();
      const own = x25519Generate(spec.random);
      return {
        publicValue: Buffer.concat([kemKeys.publicKey, own.publicKey]),
        finish: async (serverReply) => {
          if (serverReply.length !== kem.ciphertextLength + X25519_LENGTH) {
            throw kexFailed(`${name}: server reply of ${serverReply.length} bytes`);
          }
          const ciphertext = serverReply.subarray(0, kem.ciphertextLength);
          const kemSecret = await kemCall('decapsulation', () =>
            kem.decapsulate(ciphertext, kemKeys.secretKey),
          );
          const ecdhSecret = x25519SharedSecret(own, serverReply.subarray(kem.ciphertextLength), name);
          return combine(kemSecret, ecdhSecret);
        },
      };
    },
    async server(clientInit) {
      if (clientInit.length !== kem.publicKeyLength + X25519_LENGTH) {
        throw kexFailed(`${name}: client value of ${clientInit.length} bytes`);
      }
      const publicKey = clientInit.subarray(0, kem.publicKeyLength);
      const own = x25519Generate(spec.random);
      const ecdhSecret = x25519SharedSecret(own, clientInit.subarray(kem.publicKeyLength), name);
      const { ciphertext, sharedSecret } = await kemCall('encapsulation', () => kem.encapsulate(publicKey));
      if (ciphertext.length !== kem.ciphertextLength) throw kexFailed(`${name}: KEM made a bad ciphertext`);
      return {
        publicValue: Buffer.concat([ciphertext, own.publicKey]),
        sharedSecret: combine(sharedSecret, ecdhSecret),
      };
    },
  };
}

/**
 * A hybrid KEM + X25519 key exchange method (see {@link hybridKemAgreement}); messages are
 * SSH_MSG_KEX_HYBRID_INIT/REPLY (30/31), H hashes C_INIT and S_REPLY as strings and K as a string.
 * `sntrup761x25519-sha512` is `createHybridKemKex({ name, hash: 'sha512', kem: sntrup761 })`.
 */
export function createHybridKemKex(spec: HybridKemKexSpec): KexAlgorithm {
  return createOneRoundKex({
    name: spec.name,
    hash: spec.hash,
    wire: hybridWire,
    agreement: hybridKemAgreement(spec),
  });
}
