import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import {
  encodeSignatureBlob,
  rsaSha2256,
  rsaSha2512,
  SignatureBlob,
  signatureAlgorithms,
  sshEd25519,
} from '../../../src/algorithms/hostkey/index.js';
import { parsePrivateKey, type PrivateKey, type PublicKey } from '../../../src/keys/index.js';
import { readFixture } from '../keys/fixtures.js';

const keyFor: Record<string, PrivateKey> = {
  'ssh-ed25519': parsePrivateKey(readFixture('ed25519')),
  'ecdsa-sha2-nistp256': parsePrivateKey(readFixture('ecdsa-256')),
  'ecdsa-sha2-nistp384': parsePrivateKey(readFixture('ecdsa-384')),
  'ecdsa-sha2-nistp521': parsePrivateKey(readFixture('ecdsa-521')),
  'ssh-rsa': parsePrivateKey(readFixture('rsa-2048')),
};
const dsa = parsePrivateKey(readFixture('dsa'));
const data = Buffer.from('exchange hash H, or a session id and a USERAUTH_REQUEST');

describe('signature algorithms', () => {
  it('are registered as defaults in OpenSSH order', () => {
    expect(signatureAlgorithms.map((e) => [e.algorithm.name, e.status])).toEqual([
      ['ssh-ed25519', 'default'],
      ['ecdsa-sha2-nistp256', 'default'],
      ['ecdsa-sha2-nistp384', 'default'],
      ['ecdsa-sha2-nistp521', 'default'],
      ['sk-ssh-ed25519@openssh.com', 'default'],
      ['sk-ecdsa-sha2-nistp256@openssh.com', 'default'],
      ['rsa-sha2-512', 'default'],
      ['rsa-sha2-256', 'default'],
    ]);
    // The certificate forms come first, as in OpenSSH's defaults, each signing as its plain form.
    const names = createDefaultRegistries().hostKey.names();
    expect(names.slice(8, 16)).toEqual(signatureAlgorithms.map((e) => e.algorithm.name));
    expect(names.slice(0, 8)).toEqual([
      'ssh-ed25519-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ecdsa-sha2-nistp384-cert-v01@openssh.com',
      'ecdsa-sha2-nistp521-cert-v01@openssh.com',
      'sk-ssh-ed25519-cert-v01@openssh.com',
      'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
    ]);
    const registry = createDefaultRegistries().hostKey;
    expect(names.slice(0, 8).map((n) => registry.get(n)?.certified?.name)).toEqual(names.slice(8, 16));
    expect(registry.statusOf('ssh-rsa-cert-v01@openssh.com')).toBe('legacy');
  });

  // Security keys only verify (their signatures come from the authenticator): security-key.test.ts.
  const signing = signatureAlgorithms.filter((e) => !e.algorithm.securityKeyDetails);
  for (const { algorithm: alg } of signing) {
    describe(alg.name, () => {
      const key = keyFor[alg.keyType]!;
      const sig = alg.sign(key, data);

      it('signs and verifies; the blob names the algorithm', () => {
        expect(SignatureBlob.decode(sig).algorithm).toBe(alg.name);
        expect(alg.verify(key.publicKey, data, sig)).toBe(true);
      });

      it('rejects other data, a flipped bit anywhere, truncation and trailing bytes', () => {
        expect(alg.verify(key.publicKey, Buffer.from('other data'), sig)).toBe(false);
        for (let i = 0; i < sig.length; i++) {
          const bad = Buffer.from(sig);
          bad[i] = bad[i]! ^ 0x04;
          expect(alg.verify(key.publicKey, data, bad), `bit flip at ${i}`).toBe(false);
        }
        for (const n of [0, 3, 4, 20, sig.length - 1])
          expect(alg.verify(key.publicKey, data, sig.subarray(0, n))).toBe(false);
        expect(alg.verify(key.publicKey, data, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
      });

      it('rejects keys of every other type (and the other ECDSA curves)', () => {
        for (const [type, other] of Object.entries(keyFor)) {
          if (type === alg.keyType) continue;
          expect(alg.verify(other.publicKey, data, sig), type).toBe(false);
        }
        expect(alg.verify(dsa.publicKey, data, sig)).toBe(false);
      });

      it('refuses to sign with a key of another type', () => {
        const other = alg.keyType === 'ssh-ed25519' ? keyFor['ssh-rsa']! : keyFor['ssh-ed25519']!;
        expect(() => alg.sign(other, data)).toThrow(TypeError);
      });

      it('never throws on garbage', () => {
        for (const junk of [new Uint8Array(0), Buffer.alloc(7, 0xff), Buffer.alloc(300, 0x41)]) {
          expect(alg.verify(key.publicKey, data, junk)).toBe(false);
        }
        const inner = SignatureBlob.decode(sig).signature;
        expect(
          alg.verify(key.publicKey, data, encodeSignatureBlob(alg.name, Buffer.alloc(inner.length))),
        ).toBe(false);
      });
    });
  }

  it('an rsa-sha2-256 signature does not pass as rsa-sha2-512, renamed or not', () => {
    const key = keyFor['ssh-rsa']!;
    const s256 = rsaSha2256.sign(key, data);
    expect(rsaSha2512.verify(key.publicKey, data, s256)).toBe(false);
    const renamed = encodeSignatureBlob('rsa-sha2-512', SignatureBlob.decode(s256).signature);
    expect(rsaSha2512.verify(key.publicKey, data, renamed)).toBe(false);
    const sha1Named = encodeSignatureBlob(
      'ssh-rsa',
      SignatureBlob.decode(rsaSha2512.sign(key, data)).signature,
    );
    expect(rsaSha2512.verify(key.publicKey, data, sha1Named)).toBe(false);
  });

  it('ECDSA signatures from one curve do not verify under another curve name', () => {
    const s = signatureAlgorithms[1]!.algorithm.sign(keyFor['ecdsa-sha2-nistp256']!, data);
    const renamed = encodeSignatureBlob('ecdsa-sha2-nistp384', SignatureBlob.decode(s).signature);
    expect(
      signatureAlgorithms[2]!.algorithm.verify(keyFor['ecdsa-sha2-nistp384']!.publicKey, data, renamed),
    ).toBe(false);
  });

  it('accepts an RSA signature shorter than the modulus (left-padded, as OpenSSH)', () => {
    // PKCS#1 v1.5 signing is deterministic: with the fixture key, some message among the first
    // thousands has a signature starting with a zero byte (about 1 in 256).
    const key = keyFor['ssh-rsa']!;
    let found = false;
    for (let i = 0; i < 4000 && !found; i++) {
      const d = Buffer.from(`message ${i}`);
      const inner = SignatureBlob.decode(rsaSha2512.sign(key, d)).signature;
      if (inner[0] !== 0) continue;
      found = true;
      expect(
        rsaSha2512.verify(key.publicKey, d, encodeSignatureBlob('rsa-sha2-512', inner.subarray(1))),
      ).toBe(true);
    }
    expect(found).toBe(true);
  });

  it('refuses RSA keys under 1024 bits', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 768 });
    const small: PublicKey = { type: 'ssh-rsa', blob: new Uint8Array(0), keyObject: publicKey, bits: 768 };
    const priv: PrivateKey = { type: 'ssh-rsa', publicKey: small, keyObject: privateKey, comment: '' };
    const sig = rsaSha2512.sign(priv, data);
    expect(rsaSha2512.verify(small, data, sig)).toBe(false);
  });

  it('rejects an ed25519 signature of the wrong length', () => {
    const key = keyFor['ssh-ed25519']!;
    const inner = SignatureBlob.decode(sshEd25519.sign(key, data)).signature;
    expect(
      sshEd25519.verify(
        key.publicKey,
        data,
        encodeSignatureBlob('ssh-ed25519', Buffer.concat([inner, Buffer.from([0])])),
      ),
    ).toBe(false);
  });
});
