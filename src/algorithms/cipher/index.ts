import type { AlgorithmEntry, CipherAlgorithm } from '../types.js';
import { aes128Ctr, aes192Ctr, aes256Ctr } from './aes-ctr.js';
import { aes128Gcm, aes256Gcm } from './aes-gcm.js';
import { chacha20Poly1305 } from './chacha20-poly1305.js';

export { aes128Ctr, aes192Ctr, aes256Ctr, createAesCtr } from './aes-ctr.js';
export { aes128Gcm, aes256Gcm, createAesGcm } from './aes-gcm.js';
export { chacha20Poly1305, createChaCha20Poly1305 } from './chacha20-poly1305.js';
export { Poly1305Engine } from './poly1305-wasm.js';

/** Modern ciphers (issue 3), in OpenSSH 10's server preference order. */
export const cipherAlgorithms: readonly AlgorithmEntry<CipherAlgorithm>[] = [
  { algorithm: chacha20Poly1305, status: 'default' },
  { algorithm: aes128Gcm, status: 'default' },
  { algorithm: aes256Gcm, status: 'default' },
  { algorithm: aes128Ctr, status: 'default' },
  { algorithm: aes192Ctr, status: 'default' },
  { algorithm: aes256Ctr, status: 'default' },
];
