import type { AlgorithmEntry, CipherAlgorithm } from '../types.js';

/** The seed's CBC ciphers, opt-in (issue 8), in preference order. */
export const legacyCipherAlgorithms: readonly AlgorithmEntry<CipherAlgorithm>[] = [];
