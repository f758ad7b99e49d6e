import { getDiffieHellman } from 'node:crypto';
import type { AlgorithmEntry, KexAlgorithm } from '../types.js';
import { createDhGexKex } from './dh-gex.js';
import { createDhGroupKex, dhAgreement } from './dh-group-kex.js';
import type { DhGroup } from './dh-groups.js';
import { createOneRoundKex, dhWire } from './one-round-kex.js';
import { secureRandom, type RandomSource } from './random.js';

/**
 * The 1024-bit MODP group of RFC 2409 §6.2 ("Second Oakley Group", g = 2), which RFC 4253 §8.1
 * calls group 1; node:crypto ships it as `modp2` (the test suite rederives it from the RFC's
 * formula).
 */
export function oakleyGroup2(): DhGroup {
  const prime = getDiffieHellman('modp2').getPrime();
  return { name: 'modp2', bits: prime.length * 8, prime, generator: Buffer.from([2]) };
}

/** `diffie-hellman-group1-sha1` (RFC 4253 §8.1): Diffie-Hellman over Oakley group 2 with SHA-1. */
export function createDhGroup1Sha1Kex(options: { random?: RandomSource } = {}): KexAlgorithm {
  const name = 'diffie-hellman-group1-sha1';
  return createOneRoundKex({
    name,
    hash: 'sha1',
    wire: dhWire,
    agreement: dhAgreement(name, oakleyGroup2(), options.random ?? secureRandom),
  });
}

/** diffie-hellman-group14-sha1 (RFC 4253 §8.2): the 2048-bit RFC 3526 group 14 with SHA-1. */
export const dhGroup14Sha1 = createDhGroupKex('diffie-hellman-group14-sha1', 14, 'sha1');
/** diffie-hellman-group1-sha1 (RFC 4253 §8.1): 1024-bit Oakley group 2 with SHA-1. */
export const dhGroup1Sha1 = createDhGroup1Sha1Kex();
/** diffie-hellman-group-exchange-sha1 (RFC 4419 §4.1): group exchange with SHA-1. */
export const dhGexSha1 = createDhGexKex('diffie-hellman-group-exchange-sha1', 'sha1');

/** SHA-1 Diffie-Hellman, opt-in (issue 8), in preference order (strongest group first). */
export const legacyKexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [
  { algorithm: dhGexSha1, status: 'legacy' },
  { algorithm: dhGroup14Sha1, status: 'legacy' },
  { algorithm: dhGroup1Sha1, status: 'legacy' },
];
