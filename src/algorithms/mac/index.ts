import type { AlgorithmEntry, MacAlgorithm } from '../types.js';

/** MACs (issue 3), in preference order. */
export const macAlgorithms: readonly AlgorithmEntry<MacAlgorithm>[] = [];
