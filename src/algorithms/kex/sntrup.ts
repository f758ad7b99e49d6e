import type { AlgorithmEntry, KexAlgorithm } from '../types.js';

/** sntrup761x25519 hybrids (issue 10), in preference order. */
export const sntrupKexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [];
