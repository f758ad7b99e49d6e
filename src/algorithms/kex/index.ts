import type { AlgorithmEntry, KexAlgorithm } from '../types.js';
import { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.js';
import { dhGexSha256 } from './dh-gex.js';
import { dhGroup14Sha256, dhGroup16Sha512, dhGroup18Sha512 } from './dh-group-kex.js';
import { ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521 } from './ecdh-nist.js';
import { mlKem768X25519Sha256 } from './mlkem.js';

export {
  createCurve25519Kex,
  curve25519Sha256,
  curve25519Sha256Libssh,
  x25519Agreement,
} from './curve25519.js';
export { createDhGexKex, chooseGexGroup, dhGexSha256, GEX_MAX_BITS, GEX_MIN_BITS } from './dh-gex.js';
export {
  createDhGroupKex,
  dhAgreement,
  dhGroup14Sha256,
  dhGroup16Sha512,
  dhGroup18Sha512,
} from './dh-group-kex.js';
export { gexGroups, rfc3526Group, type DhGroup, type Rfc3526GroupId } from './dh-groups.js';
export { checkDhPublic, DH_EXPONENT_BITS, runDhJobSync } from './dh-engine.js';
export { DhWorkerPool, type DhWorkerPoolOptions } from './dh-worker-pool.js';
export { createEcdhNistKex, ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521 } from './ecdh-nist.js';
export { computeExchangeHash, encodeMpintSecret, encodeStringSecret } from './exchange-hash.js';
export {
  createHybridKemKex,
  hybridKemAgreement,
  type HybridKemKexSpec,
  type Kem,
  type MaybePromise,
} from './hybrid-kem.js';
export { createMlKem768, createMlKem768X25519Kex, mlKem768X25519Sha256, mlKemKeyIsReduced } from './mlkem.js';
export {
  createOneRoundKex,
  type AgreementClient,
  type AgreementServer,
  type KeyAgreement,
} from './one-round-kex.js';
export { secureRandom, type RandomSource } from './random.js';
export {
  X25519_LENGTH,
  x25519Generate,
  x25519KeyPair,
  x25519SharedSecret,
  type X25519KeyPair,
} from './x25519.js';

/**
 * Key exchange methods (issue 3), in OpenSSH 10's server preference order; finite-field DH is
 * opt-in (DESIGN.md "Algorithms"). The sntrup761 hybrids slot in after ML-KEM (defaults.ts).
 */
export const kexAlgorithms: readonly AlgorithmEntry<KexAlgorithm>[] = [
  { algorithm: mlKem768X25519Sha256, status: 'default' },
  { algorithm: curve25519Sha256, status: 'default' },
  { algorithm: curve25519Sha256Libssh, status: 'default' },
  { algorithm: ecdhSha2Nistp256, status: 'default' },
  { algorithm: ecdhSha2Nistp384, status: 'default' },
  { algorithm: ecdhSha2Nistp521, status: 'default' },
  { algorithm: dhGexSha256, status: 'optional' },
  { algorithm: dhGroup16Sha512, status: 'optional' },
  { algorithm: dhGroup18Sha512, status: 'optional' },
  { algorithm: dhGroup14Sha256, status: 'optional' },
];
