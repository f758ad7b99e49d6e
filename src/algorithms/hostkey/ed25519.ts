import { sign, verify } from 'node:crypto';
import type { PrivateKey, PublicKey } from '../../keys/types.js';
import type { SignatureAlgorithm } from '../types.js';
import { encodeSignatureBlob, signatureFor } from './signature-blob.js';

/** `ssh-ed25519` (RFC 8709 §6): a 64-byte Ed25519 signature (RFC 8032) over the data itself. */
export const sshEd25519: SignatureAlgorithm = {
  name: 'ssh-ed25519',
  keyType: 'ssh-ed25519',
  sign(key: PrivateKey, data: Uint8Array): Uint8Array {
    if (key.type !== 'ssh-ed25519') throw new TypeError(`ssh-ed25519 cannot sign with a ${key.type} key`);
    return encodeSignatureBlob('ssh-ed25519', sign(null, data, key.keyObject));
  },
  verify(key: PublicKey, data: Uint8Array, signatureBlob: Uint8Array): boolean {
    try {
      if (key.type !== 'ssh-ed25519' || key.keyObject.asymmetricKeyType !== 'ed25519') return false;
      const sig = signatureFor('ssh-ed25519', signatureBlob);
      if (sig === undefined || sig.length !== 64) return false;
      return verify(null, data, key.keyObject, sig);
    } catch {
      return false;
    }
  },
};
