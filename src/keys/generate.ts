import { generateKeyPair as generateKeyPairCb, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { ecdsaCurveForBits } from './curves.js';
import { MAX_RSA_BITS, MIN_RSA_BITS } from './public-key.js';
import { privateKeyFromKeyObject } from './private-key.js';
import type { PrivateKey } from './types.js';

const generateKeyPair = promisify(generateKeyPairCb);

/** The key algorithms we generate, by their `ssh-keygen -t` names. */
export const GENERATED_KEY_KINDS = ['ed25519', 'ecdsa', 'rsa'] as const;
/** One of {@link GENERATED_KEY_KINDS}. */
export type GeneratedKeyKind = (typeof GENERATED_KEY_KINDS)[number];

/** Default sizes, as `ssh-keygen` (ECDSA P-256, RSA 3072). */
export const DEFAULT_KEY_BITS: Readonly<Record<GeneratedKeyKind, number>> = {
  ed25519: 256,
  ecdsa: 256,
  rsa: 3072,
};

/**
 * Checks a requested key size for a kind and returns it (or the default). Throws a RangeError whose
 * message names the allowed values.
 */
export function checkKeyBits(kind: GeneratedKeyKind, bits: number | undefined): number {
  if (bits === undefined) return DEFAULT_KEY_BITS[kind];
  if (kind === 'ed25519') {
    if (bits !== 256) throw new RangeError('ed25519 keys have a fixed size; leave out the bits');
    return 256;
  }
  if (kind === 'ecdsa') {
    if (ecdsaCurveForBits(bits) === undefined) throw new RangeError('ecdsa keys are 256, 384 or 521 bits');
    return bits;
  }
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > MAX_RSA_BITS || bits % 8 !== 0) {
    throw new RangeError(`rsa keys are ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits, a multiple of 8`);
  }
  return bits;
}

/**
 * Generates a new private key. Asynchronous (node:crypto runs it off the event loop), so an RSA key,
 * which can take seconds, leaves room for a spinner.
 */
export async function generatePrivateKey(
  kind: GeneratedKeyKind,
  options: { bits?: number; comment?: string } = {},
): Promise<PrivateKey> {
  const bits = checkKeyBits(kind, options.bits);
  let privateKey: KeyObject;
  if (kind === 'ed25519') {
    ({ privateKey } = await generateKeyPair('ed25519'));
  } else if (kind === 'ecdsa') {
    ({ privateKey } = await generateKeyPair('ec', { namedCurve: ecdsaCurveForBits(bits)!.nodeCurve }));
  } else {
    ({ privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 65537 }));
  }
  return privateKeyFromKeyObject(privateKey, options.comment ?? '');
}
