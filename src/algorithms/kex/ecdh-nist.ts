import { createECDH } from 'node:crypto';
import type { KexAlgorithm } from '../types.js';
import { encodeMpintSecret } from './exchange-hash.js';
import { kexFailed } from './kex-errors.js';
import { createOneRoundKex, ecdhWire, type KeyAgreement } from './one-round-kex.js';
import type { RandomSource } from './random.js';

/** A NIST prime curve as node:crypto names it, with its field size. */
interface NistCurve {
  readonly opensslName: 'prime256v1' | 'secp384r1' | 'secp521r1';
  /** Bytes of one coordinate. */
  readonly coordinateBytes: number;
}

function newEcdh(curve: NistCurve, random: RandomSource | undefined): ReturnType<typeof createECDH> {
  const ecdh = createECDH(curve.opensslName);
  if (!random) {
    ecdh.generateKeys();
    return ecdh;
  }
  // A caller-supplied source (tests): a scalar of the curve's size; P-521 keeps its top 9 bits.
  for (;;) {
    const k = Buffer.from(random(curve.coordinateBytes));
    if (curve.coordinateBytes === 66) k[0]! &= 0x01;
    if (!k.some((b) => b !== 0)) continue;
    try {
      ecdh.setPrivateKey(k);
      return ecdh;
    } catch {
      // Out of range for the group order: draw again.
    }
  }
}

/**
 * Elliptic-curve Diffie-Hellman over a NIST curve (RFC 5656 §4): public values are uncompressed
 * points (SEC 1 §2.3.3), K is the x-coordinate of the shared point as an `mpint` (RFC 5656 §4).
 * Points that are not uncompressed, have the wrong length or are not on the curve are refused.
 */
export function nistEcdhAgreement(name: string, curve: NistCurve, random?: RandomSource): KeyAgreement {
  const pointLength = 1 + 2 * curve.coordinateBytes;
  const agree = (ecdh: ReturnType<typeof createECDH>, peer: Uint8Array): Buffer => {
    if (peer.length !== pointLength || peer[0] !== 0x04) {
      throw kexFailed(`${name}: public value is not an uncompressed ${pointLength}-byte point`);
    }
    try {
      return ecdh.computeSecret(peer);
    } catch (cause) {
      throw kexFailed(`${name}: public value is not a point on the curve`, cause);
    }
  };
  return {
    async client() {
      const ecdh = newEcdh(curve, random);
      return {
        publicValue: ecdh.getPublicKey(undefined, 'uncompressed'),
        finish: async (serverValue) => encodeMpintSecret(agree(ecdh, serverValue)),
      };
    },
    async server(clientValue) {
      const ecdh = newEcdh(curve, random);
      const secret = agree(ecdh, clientValue);
      return {
        publicValue: ecdh.getPublicKey(undefined, 'uncompressed'),
        sharedSecret: encodeMpintSecret(secret),
      };
    },
  };
}

/** Options of {@link createEcdhNistKex}. */
export interface EcdhNistKexOptions {
  /** Source of the ephemeral private keys (default: node:crypto's own key generation). */
  readonly random?: RandomSource;
}

const curves = {
  nistp256: { opensslName: 'prime256v1', coordinateBytes: 32, hash: 'sha256' },
  nistp384: { opensslName: 'secp384r1', coordinateBytes: 48, hash: 'sha384' },
  nistp521: { opensslName: 'secp521r1', coordinateBytes: 66, hash: 'sha512' },
} as const;

/** `ecdh-sha2-<curve>` (RFC 5656 §4, §6.2: the hash follows the curve size). */
export function createEcdhNistKex(
  curve: keyof typeof curves,
  options: EcdhNistKexOptions = {},
): KexAlgorithm {
  const c = curves[curve];
  const name = `ecdh-sha2-${curve}`;
  return createOneRoundKex({
    name,
    hash: c.hash,
    wire: ecdhWire,
    agreement: nistEcdhAgreement(name, c, options.random),
  });
}

/** ecdh-sha2-nistp256 (RFC 5656). */
export const ecdhSha2Nistp256 = createEcdhNistKex('nistp256');
/** ecdh-sha2-nistp384 (RFC 5656). */
export const ecdhSha2Nistp384 = createEcdhNistKex('nistp384');
/** ecdh-sha2-nistp521 (RFC 5656). */
export const ecdhSha2Nistp521 = createEcdhNistKex('nistp521');
