import type { AlgorithmEntry, CompressionAlgorithm } from '../types.js';
import { zlibCompression, zlibOpenSshCompression } from './zlib.js';

export { ZlibCompressor, ZlibDecompressor, zlibCompression, zlibOpenSshCompression } from './zlib.js';

/** No compression (RFC 4253 §6.2). */
export const noCompression: CompressionAlgorithm = {
  name: 'none',
  delayed: false,
  createCompressor: () => undefined,
  createDecompressor: () => undefined,
};

/**
 * Compression algorithms in preference order: `none` first, then the zlib streams (issue 8),
 * offered only when the config names them; `zlib@openssh.com` (delayed) before pre-auth `zlib`.
 */
export const compressionAlgorithms: readonly AlgorithmEntry<CompressionAlgorithm>[] = [
  { algorithm: noCompression, status: 'default' },
  { algorithm: zlibOpenSshCompression, status: 'optional' },
  { algorithm: zlibCompression, status: 'optional' },
];
