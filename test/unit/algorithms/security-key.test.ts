// FIDO security-key signatures (PROTOCOL.u2f), verified against an authenticator played here with
// node:crypto: the signed bytes are SHA-256(application) || flags || counter || SHA-256(message).
// test/interop/sk-provider.test.ts and openssh-security-keys.test.ts check the same against real
// OpenSSH signatures.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { EcdsaSignature } from '../../../src/algorithms/hostkey/ecdsa.js';
import { skEcdsaSha2Nistp256, skSshEd25519 } from '../../../src/algorithms/hostkey/security-key.js';
import {
  parsePublicKeyBlob,
  publicPartsOfKeyObject,
  publicKeyFromParts,
} from '../../../src/keys/public-key.js';
import type { PublicKey } from '../../../src/keys/types.js';
import { WireWriter } from '../../../src/wire/index.js';

/** An authenticator: a key pair and the application it was enrolled for. */
function authenticator(kind: 'ed25519' | 'ec', application = 'ssh:') {
  const { privateKey, publicKey } =
    kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const parts = publicPartsOfKeyObject(publicKey);
  const key: PublicKey =
    parts.type === 'ssh-ed25519'
      ? publicKeyFromParts({ type: 'sk-ssh-ed25519@openssh.com', ed25519: parts.ed25519, application })
      : publicKeyFromParts({
          type: 'sk-ecdsa-sha2-nistp256@openssh.com',
          q: (parts as { q: Uint8Array }).q,
          application,
        });
  return { key, privateKey, application };
}

/** What the authenticator returns for `message`: the SSH signature blob. */
function signAs(
  a: { key: PublicKey; privateKey: KeyObject; application: string },
  message: Uint8Array,
  flags = 0x01,
  counter = 7,
  signedApplication = a.application,
): Uint8Array {
  const head = Buffer.alloc(37);
  createHash('sha256').update(signedApplication).digest().copy(head);
  head[32] = flags;
  head.writeUInt32BE(counter, 33);
  const signed = Buffer.concat([head, createHash('sha256').update(message).digest()]);
  let inner: Uint8Array;
  if (a.key.type === 'sk-ssh-ed25519@openssh.com') inner = sign(null, signed, a.privateKey);
  else {
    const rs = sign('sha256', signed, { key: a.privateKey, dsaEncoding: 'ieee-p1363' });
    inner = EcdsaSignature.encode({ r: rs.subarray(0, 32), s: rs.subarray(32) });
  }
  return new WireWriter().text(a.key.type).bytes(inner).byte(flags).u32(counter).finish();
}

const message = Buffer.from('a session id and a USERAUTH_REQUEST');

describe.each([
  ['sk-ssh-ed25519@openssh.com', skSshEd25519, 'ed25519'],
  ['sk-ecdsa-sha2-nistp256@openssh.com', skEcdsaSha2Nistp256, 'ec'],
] as const)('%s', (name, algorithm, kind) => {
  const a = authenticator(kind);

  it('verifies an authenticator signature and reports its flags and counter', () => {
    const sig = signAs(a, message, 0x05, 123456);
    expect(algorithm.verify(a.key, message, sig)).toBe(true);
    expect(algorithm.securityKeyDetails!(sig)).toEqual({ flags: 0x05, counter: 123456 });
    // The flags and counter are signed: changing either breaks the signature.
    const w = Buffer.from(sig);
    w[w.length - 5]! ^= 0x04;
    expect(algorithm.verify(a.key, message, w)).toBe(false);
    const c = Buffer.from(sig);
    c[c.length - 1]! ^= 0x01;
    expect(algorithm.verify(a.key, message, c)).toBe(false);
  });

  it('refuses another message, another application, a flipped bit, truncation and trailing bytes', () => {
    const sig = signAs(a, message);
    expect(algorithm.verify(a.key, Buffer.from('other'), sig)).toBe(false);
    expect(algorithm.verify(a.key, message, signAs(a, message, 1, 7, 'ssh:other'))).toBe(false);
    for (let i = 0; i < sig.length; i++) {
      const bad = Buffer.from(sig);
      bad[i]! ^= 0x10;
      expect(algorithm.verify(a.key, message, bad), `bit ${i}`).toBe(false);
    }
    for (const n of [0, 4, 20, sig.length - 1])
      expect(algorithm.verify(a.key, message, sig.subarray(0, n))).toBe(false);
    expect(algorithm.verify(a.key, message, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
    expect(algorithm.securityKeyDetails!(Buffer.concat([sig, Buffer.from([0])]))).toBeUndefined();
  });

  it('refuses a plain key, another security key, and never signs', () => {
    const sig = signAs(a, message);
    expect(algorithm.verify(authenticator(kind).key, message, sig)).toBe(false);
    // The same key pair as a plain key.
    const plain = publicKeyFromParts(publicPartsOfKeyObject(a.key.keyObject));
    expect(algorithm.verify(plain, message, sig)).toBe(false);
    expect(() => algorithm.sign({} as never, message)).toThrow(TypeError);
  });

  it('its key blob round-trips and carries the application', () => {
    const other = authenticator(kind, 'ssh:work');
    const parsed = parsePublicKeyBlob(other.key.blob);
    expect(parsed.type).toBe(name);
    expect(parsed.application).toBe('ssh:work');
    expect(Buffer.from(parsed.blob).equals(Buffer.from(other.key.blob))).toBe(true);
  });

  it('is accepted for user keys by default, and its certificate form signs as it', () => {
    const registry = createDefaultRegistries().hostKey;
    const cert = registry.get(name.replace('@openssh.com', '-cert-v01@openssh.com'))!;
    expect(registry.statusOf(name)).toBe('default');
    expect(cert.certified).toBe(algorithm);
    const sig = signAs(a, message, 0x01, 9);
    expect(cert.verify(a.key, message, sig)).toBe(true);
    expect(cert.securityKeyDetails!(sig)).toEqual({ flags: 0x01, counter: 9 });
  });
});
