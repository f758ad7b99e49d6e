import type { AlgorithmEntry, SignatureAlgorithm } from '../types.js';

/** Signature algorithms (issue 2/3), in preference order. */
export const signatureAlgorithms: readonly AlgorithmEntry<SignatureAlgorithm>[] = [];
