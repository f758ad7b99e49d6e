import type { AlgorithmEntry, KexAlgorithm } from '../types.js';

/** Key exchange methods (issue 3), in preference order. */
export const kexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [];
