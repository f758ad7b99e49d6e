import type { AlgorithmEntry, MacAlgorithm } from '../types.js';
import { hmacSha1, hmacSha1Etm, hmacSha256, hmacSha256Etm, hmacSha512, hmacSha512Etm } from './hmac.js';

export {
  hmacMac,
  hmacSha1,
  hmacSha1Etm,
  hmacSha256,
  hmacSha256Etm,
  hmacSha512,
  hmacSha512Etm,
} from './hmac.js';

/** MACs (issue 3), in OpenSSH 10's server preference order (encrypt-then-MAC first). */
export const macAlgorithms: readonly AlgorithmEntry<MacAlgorithm>[] = [
  { algorithm: hmacSha256Etm, status: 'default' },
  { algorithm: hmacSha512Etm, status: 'default' },
  { algorithm: hmacSha1Etm, status: 'default' },
  { algorithm: hmacSha256, status: 'default' },
  { algorithm: hmacSha512, status: 'default' },
  { algorithm: hmacSha1, status: 'default' },
];
