import { cipherAlgorithms } from './cipher/index.js';
import { legacyCipherAlgorithms } from './cipher/legacy.js';
import { compressionAlgorithms } from './compression/index.js';
import { certificateSignatureAlgorithms } from './hostkey/certificate.js';
import { signatureAlgorithms } from './hostkey/index.js';
import { legacySignatureAlgorithms } from './hostkey/legacy.js';
import { kexAlgorithms } from './kex/index.js';
import { legacyKexAlgorithms } from './kex/legacy.js';
import { sntrupKexAlgorithms } from './kex/sntrup.js';
import { macAlgorithms } from './mac/index.js';
import { legacyMacAlgorithms } from './mac/legacy.js';
import { AlgorithmRegistry, type AlgorithmRegistries } from './registry.js';
import type { AlgorithmKinds } from './types.js';

/**
 * Fresh registries holding every built-in algorithm, in OpenSSH 10's server preference order
 * (DESIGN.md "Algorithms"). Each server gets its own copy.
 */
export function createDefaultRegistries(): AlgorithmRegistries {
  const kex = new AlgorithmRegistry<AlgorithmKinds['kex']>('kex');
  kex.registerAll(kexAlgorithms);
  // The sntrup761 hybrids rank right after ML-KEM and before curve25519, as in OpenSSH.
  kex.registerAll(sntrupKexAlgorithms, { before: 'curve25519-sha256' });
  kex.registerAll(legacyKexAlgorithms);

  const hostKey = new AlgorithmRegistry<AlgorithmKinds['hostKey']>('host key');
  hostKey.registerAll(signatureAlgorithms);
  hostKey.registerAll(legacySignatureAlgorithms);
  // Certificate forms come first, as in OpenSSH; a server offers them only with a host certificate.
  hostKey.registerAll(certificateSignatureAlgorithms, { before: 'ssh-ed25519' });

  const cipher = new AlgorithmRegistry<AlgorithmKinds['cipher']>('cipher');
  cipher.registerAll(cipherAlgorithms);
  cipher.registerAll(legacyCipherAlgorithms);

  const mac = new AlgorithmRegistry<AlgorithmKinds['mac']>('mac');
  mac.registerAll(macAlgorithms);
  mac.registerAll(legacyMacAlgorithms);

  const compression = new AlgorithmRegistry<AlgorithmKinds['compression']>('compression');
  compression.registerAll(compressionAlgorithms);

  return { kex, hostKey, cipher, mac, compression };
}
