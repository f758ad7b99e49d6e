import type { AlgorithmEntry, KexAlgorithm } from '../types.js';
import { createDhGexKex } from './dh-gex.js';
import { createDhGroupKex, dhAgreement } from './dh-group-kex.js';
import { rfc3526Group, type DhGroup } from './dh-groups.js';
import { createOneRoundKex, dhWire } from './one-round-kex.js';
import { secureRandom, type RandomSource } from './random.js';

/**
 * The 1024-bit MODP group of RFC 2409 §6.2 ("Second Oakley Group", g = 2), which RFC 4253 §8.1
 * calls group 1: p = 2^1024 − 2^960 − 1 + 2^64 × ([2^894 π] + 129093). The bits of π come from
 * group 14's prime (RFC 3526 §3: 2^2048 − 2^1984 − 1 + 2^64 × ([2^1918 π] + 124476)), which
 * OpenSSL holds as a named group. node:crypto's `modp2` is not one: OpenSSL tests it for
 * primality each time it is asked for (about 30 ms), which every process loading this module paid.
 */
export function oakleyGroup2(): DhGroup {
  const p14 = BigInt(`0x${rfc3526Group(14).prime.toString('hex')}`);
  const pi1918 = ((p14 - 2n ** 2048n + 2n ** 1984n + 1n) >> 64n) - 124476n;
  const p = 2n ** 1024n - 2n ** 960n - 1n + 2n ** 64n * ((pi1918 >> 1024n) + 129093n);
  return {
    name: 'modp2',
    bits: 1024,
    prime: Buffer.from(p.toString(16), 'hex'),
    generator: Buffer.from([2]),
  };
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
