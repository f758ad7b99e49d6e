import type { KexAlgorithm } from '../types.js';
import { encodeMpintSecret } from './exchange-hash.js';
import { createOneRoundKex, ecdhWire, type KeyAgreement } from './one-round-kex.js';
import type { RandomSource } from './random.js';
import { x25519Generate, x25519SharedSecret } from './x25519.js';

/**
 * X25519 key agreement as RFC 8731 §3 uses it: 32-byte public values, K = the 32-byte X25519
 * output read as an unsigned big-endian integer and encoded as an `mpint`.
 */
export function x25519Agreement(name: string, random?: RandomSource): KeyAgreement {
  return {
    async client() {
      const own = x25519Generate(random);
      return {
        publicValue: own.publicKey,
        finish: async (serverValue) => encodeMpintSecret(x25519SharedSecret(own, serverValue, name)),
      };
    },
    async server(clientValue) {
      const own = x25519Generate(random);
      const secret = x25519SharedSecret(own, clientValue, name);
      return { publicValue: own.publicKey, sharedSecret: encodeMpintSecret(secret) };
    },
  };
}

/** Options of {@link createCurve25519Kex}. */
export interface Curve25519KexOptions {
  /** Source of the ephemeral private keys (default: node:crypto's key generation). */
  readonly random?: RandomSource;
}

/** `curve25519-sha256` / `curve25519-sha256@libssh.org` (RFC 8731). */
export function createCurve25519Kex(name: string, options: Curve25519KexOptions = {}): KexAlgorithm {
  return createOneRoundKex({
    name,
    hash: 'sha256',
    wire: ecdhWire,
    agreement: x25519Agreement(name, options.random),
  });
}

/** curve25519-sha256 (RFC 8731). */
export const curve25519Sha256 = createCurve25519Kex('curve25519-sha256');
/** curve25519-sha256@libssh.org, the pre-RFC name of the same method (RFC 8731 §1). */
export const curve25519Sha256Libssh = createCurve25519Kex('curve25519-sha256@libssh.org');
