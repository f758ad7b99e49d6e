import type { AlgorithmEntry, SignatureAlgorithm } from '../types.js';

/** ssh-rsa (SHA-1) and ssh-dss, opt-in (issue 8), in preference order. */
export const legacySignatureAlgorithms: readonly AlgorithmEntry<SignatureAlgorithm>[] = [];
