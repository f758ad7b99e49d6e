import type { AlgorithmEntry, KexAlgorithm } from '../types.js';

/** SHA-1 Diffie-Hellman, opt-in (issue 8), in preference order. */
export const legacyKexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [];
