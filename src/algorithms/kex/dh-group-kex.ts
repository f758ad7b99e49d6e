import type { KexAlgorithm } from '../types.js';
import { checkDhPublic, dhPrivateKey, runDh } from './dh-engine.js';
import { rfc3526Group, type DhGroup, type Rfc3526GroupId } from './dh-groups.js';
import { encodeMpintSecret } from './exchange-hash.js';
import { kexFailed } from './kex-errors.js';
import { createOneRoundKex, dhWire, type KeyAgreement } from './one-round-kex.js';
import { secureRandom, type RandomSource } from './random.js';

/**
 * Finite-field Diffie-Hellman over one group (RFC 4253 §8): e = g^x, f = g^y, K = g^xy mod p as an
 * `mpint`. Peer values outside [2, p-2] are refused. The modexps run on the engine the server or
 * client passes (a worker pool) or, without one, synchronously.
 */
export function dhAgreement(name: string, group: DhGroup, random: RandomSource = secureRandom): KeyAgreement {
  const { prime, generator } = group;
  return {
    async client(engine) {
      const privateKey = dhPrivateKey(random);
      const { publicKey } = await runDh(engine, { prime, generator, privateKey, computePublic: true }, name);
      if (!publicKey) throw kexFailed(`${name}: no public value computed`);
      return {
        publicValue: publicKey,
        finish: async (f) => {
          checkDhPublic(f, prime, name);
          const job = { prime, generator, privateKey, computePublic: false, peerPublic: f };
          const { sharedSecret } = await runDh(engine, job, name);
          if (!sharedSecret) throw kexFailed(`${name}: no shared secret computed`);
          return encodeMpintSecret(sharedSecret);
        },
      };
    },
    async server(e, engine) {
      checkDhPublic(e, prime, name);
      const job = { prime, generator, privateKey: dhPrivateKey(random), computePublic: true, peerPublic: e };
      const { publicKey, sharedSecret } = await runDh(engine, job, name);
      if (!publicKey || !sharedSecret) throw kexFailed(`${name}: Diffie-Hellman computation incomplete`);
      return { publicValue: publicKey, sharedSecret: encodeMpintSecret(sharedSecret) };
    },
  };
}

/** Options of {@link createDhGroupKex}. */
export interface DhGroupKexOptions {
  /** Source of the private exponents (default: node:crypto). */
  readonly random?: RandomSource;
}

/** `diffie-hellman-group<N>-<hash>` over an RFC 3526 group (RFC 4253 §8, RFC 8268). */
export function createDhGroupKex(
  name: string,
  group: Rfc3526GroupId,
  hash: KexAlgorithm['hash'],
  options: DhGroupKexOptions = {},
): KexAlgorithm {
  return createOneRoundKex({
    name,
    hash,
    wire: dhWire,
    agreement: dhAgreement(name, rfc3526Group(group), options.random),
  });
}

/** diffie-hellman-group14-sha256 (RFC 8268 §3: 2048-bit MODP group). */
export const dhGroup14Sha256 = createDhGroupKex('diffie-hellman-group14-sha256', 14, 'sha256');
/** diffie-hellman-group16-sha512 (RFC 8268 §3: 4096-bit MODP group). */
export const dhGroup16Sha512 = createDhGroupKex('diffie-hellman-group16-sha512', 16, 'sha512');
/** diffie-hellman-group18-sha512 (RFC 8268 §3: 8192-bit MODP group). */
export const dhGroup18Sha512 = createDhGroupKex('diffie-hellman-group18-sha512', 18, 'sha512');
