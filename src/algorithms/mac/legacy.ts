import type { AlgorithmEntry, MacAlgorithm } from '../types.js';

/** Legacy MACs, opt-in (issue 8), in preference order. */
export const legacyMacAlgorithms: readonly AlgorithmEntry<MacAlgorithm>[] = [];
