import type { AlgorithmEntry, CipherAlgorithm } from '../types.js';

/** Modern ciphers (issue 3), in preference order. */
export const cipherAlgorithms: readonly AlgorithmEntry<CipherAlgorithm>[] = [];
