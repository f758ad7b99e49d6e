import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { HostKeySigner, SignatureAlgorithm } from '../algorithms/types.js';
import type { Certificate } from '../keys/certificate.js';
import type { PrivateKey } from '../keys/types.js';

/** A host key and the public half the server presents for it: the key itself, or a certificate of it. */
interface Presented {
  readonly key: PrivateKey;
  readonly publicKeyBlob: Uint8Array;
}

/**
 * The server's host keys and host certificates, and the signature algorithms each can serve
 * (RFC 4253 §6.6, RFC 8332: one RSA key serves `rsa-sha2-512` and `rsa-sha2-256`; PROTOCOL.certkeys:
 * a certificate serves its `*-cert-v01@openssh.com` forms, signed by the key it certifies).
 */
export class HostKeySet {
  constructor(
    private readonly keys: readonly PrivateKey[],
    private readonly algorithms: AlgorithmRegistry<SignatureAlgorithm>,
    private readonly certificates: readonly Certificate[] = [],
  ) {}

  /** The key for a plain signature algorithm, if we hold one of its type. */
  keyFor(algorithm: string): PrivateKey | undefined {
    const alg = this.algorithms.get(algorithm);
    return alg && !alg.certified ? this.keys.find((k) => k.type === alg.keyType) : undefined;
  }

  private presented(algorithm: string): Presented | undefined {
    const alg = this.algorithms.get(algorithm);
    if (!alg?.certified) {
      const key = this.keyFor(algorithm);
      return key && { key, publicKeyBlob: key.publicKey.blob };
    }
    for (const cert of this.certificates) {
      if (cert.type !== alg.keyType) continue;
      const key = this.keys.find((k) => Buffer.from(k.publicKey.blob).equals(cert.key.blob));
      if (key) return { key, publicKeyBlob: cert.blob };
    }
    return undefined;
  }

  /** Of `wanted` (in order), the algorithms we have a key (or, for a certificate form, a certificate) for. */
  usable(wanted: readonly string[]): string[] {
    return wanted.filter((name) => this.presented(name) !== undefined);
  }

  /** A signer for the negotiated algorithm: K_S is the key's blob, or its certificate's. */
  signer(algorithm: string): HostKeySigner | undefined {
    const alg = this.algorithms.get(algorithm);
    const presented = this.presented(algorithm);
    if (!alg || !presented) return undefined;
    const { key, publicKeyBlob } = presented;
    return { publicKeyBlob, sign: async (data) => alg.sign(key, data) };
  }

  /** Every host key. */
  list(): readonly PrivateKey[] {
    return this.keys;
  }
}
