import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { HostKeySigner, SignatureAlgorithm } from '../algorithms/types.js';
import type { PrivateKey } from '../keys/types.js';

/**
 * The server's host keys and the signature algorithms each can serve (RFC 4253 §6.6, RFC 8332:
 * one RSA key serves `rsa-sha2-512` and `rsa-sha2-256`).
 */
export class HostKeySet {
  constructor(
    private readonly keys: readonly PrivateKey[],
    private readonly algorithms: AlgorithmRegistry<SignatureAlgorithm>,
  ) {}

  /** The key for a signature algorithm, if we hold one of its type. */
  keyFor(algorithm: string): PrivateKey | undefined {
    const alg = this.algorithms.get(algorithm);
    return alg ? this.keys.find((k) => k.type === alg.keyType) : undefined;
  }

  /** Of `wanted` (in order), the algorithms we have a key for. */
  usable(wanted: readonly string[]): string[] {
    return wanted.filter((name) => this.keyFor(name) !== undefined);
  }

  /** A signer for the negotiated algorithm. */
  signer(algorithm: string): HostKeySigner | undefined {
    const alg = this.algorithms.get(algorithm);
    const key = this.keyFor(algorithm);
    if (!alg || !key) return undefined;
    return { publicKeyBlob: key.publicKey.blob, sign: async (data) => alg.sign(key, data) };
  }

  /** Every host key. */
  list(): readonly PrivateKey[] {
    return this.keys;
  }
}
