import type { AlgorithmEntry, CompressionAlgorithm } from '../types.js';

/** No compression (RFC 4253 §6.2). */
export const noCompression: CompressionAlgorithm = {
  name: 'none',
  delayed: false,
  createCompressor: () => undefined,
  createDecompressor: () => undefined,
};

/** Compression algorithms in preference order (zlib ones added by issue 8). */
export const compressionAlgorithms: readonly AlgorithmEntry<CompressionAlgorithm>[] = [
  { algorithm: noCompression, status: 'default' },
];
