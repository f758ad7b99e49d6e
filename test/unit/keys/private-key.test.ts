import { describe, expect, it } from 'vitest';
import {
  encodeOpenSshPrivateKey,
  fingerprintSha256,
  formatFingerprintLine,
  inspectPrivateKey,
  KeyFormatError,
  parsePrivateKey,
  PassphraseRequiredError,
  WrongPassphraseError,
} from '../../../src/keys/index.js';
import { FIXTURE_PASSPHRASE, fixtures, readFixture } from './fixtures.js';

describe('private key files written by ssh-keygen and openssl', () => {
  it.each(fixtures)('$file loads with the right fingerprint', (f) => {
    const key = parsePrivateKey(readFixture(f.file), {
      passphrase: f.encrypted ? FIXTURE_PASSPHRASE : undefined,
    });
    if (f.fingerprint !== undefined) expect(fingerprintSha256(key.publicKey)).toBe(f.fingerprint);
    // OpenSSH files keep the comment inside; PEM files have none (their .pub has ssh-keygen's default).
    if (f.format === 'openssh') expect(formatFingerprintLine(key.publicKey)).toBe(f.sshKeygenLine);
    expect(key.keyObject.type).toBe('private');
    const info = inspectPrivateKey(readFixture(f.file));
    expect(info.encrypted).toBe(f.encrypted);
    expect(info.format).toBe(f.format);
    if (info.publicKey !== undefined)
      expect(fingerprintSha256(info.publicKey)).toBe(fingerprintSha256(key.publicKey));
  });

  const encrypted = fixtures.filter((f) => f.encrypted);
  it.each(encrypted)('$file: no passphrase and a wrong passphrase are told apart', (f) => {
    expect(() => parsePrivateKey(readFixture(f.file))).toThrow(PassphraseRequiredError);
    expect(() => parsePrivateKey(readFixture(f.file), { passphrase: 'not it' })).toThrow(
      WrongPassphraseError,
    );
  });
});

describe('openssh-key-v1 written by us', () => {
  const sources = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa-2048'];
  it.each(sources)('%s round-trips, plain and encrypted', (name) => {
    const key = parsePrivateKey(readFixture(name));
    const plain = encodeOpenSshPrivateKey(key);
    expect(plain).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n(.{70}\n)*.{1,70}\n-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    const again = parsePrivateKey(plain);
    expect(again.publicKey.blob).toEqual(key.publicKey.blob);
    expect(again.comment).toBe(key.comment);
    expect(again.keyObject.equals(key.keyObject)).toBe(true);

    const enc = encodeOpenSshPrivateKey(key, { passphrase: 'pw', rounds: 2, comment: 'new comment' });
    expect(inspectPrivateKey(enc)).toMatchObject({ encrypted: true, format: 'openssh' });
    const dec = parsePrivateKey(enc, { passphrase: 'pw' });
    expect(dec.keyObject.equals(key.keyObject)).toBe(true);
    expect(dec.comment).toBe('new comment');
    expect(() => parsePrivateKey(enc, { passphrase: 'wrong' })).toThrow(WrongPassphraseError);
  });

  it('writes aes256-gcm@openssh.com too', () => {
    const key = parsePrivateKey(readFixture('ed25519'));
    const enc = encodeOpenSshPrivateKey(key, {
      passphrase: 'pw',
      rounds: 1,
      cipher: 'aes256-gcm@openssh.com',
    });
    expect(parsePrivateKey(enc, { passphrase: 'pw' }).keyObject.equals(key.keyObject)).toBe(true);
    expect(() => parsePrivateKey(enc, { passphrase: 'nope' })).toThrow(WrongPassphraseError);
  });
});

describe('corrupt and truncated private keys', () => {
  const body = (text: string): Buffer =>
    Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const armor = (raw: Uint8Array): string =>
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${Buffer.from(raw).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;

  it('a file cut anywhere is a KeyFormatError', () => {
    const text = readFixture('ed25519');
    for (let n = 0; n < text.length - 1; n += 7) {
      expect(() => parsePrivateKey(text.slice(0, n)), `cut at ${n}`).toThrow(KeyFormatError);
    }
    const raw = body(text);
    for (let n = 0; n < raw.length; n++) {
      expect(() => parsePrivateKey(armor(raw.subarray(0, n))), `body cut at ${n}`).toThrow(KeyFormatError);
    }
  });

  it('any flipped byte of a plain key gives a KeyFormatError or changes only the comment', () => {
    const raw = body(readFixture('ecdsa-256'));
    const original = parsePrivateKey(readFixture('ecdsa-256'));
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 0x01;
      try {
        const k = parsePrivateKey(armor(bad));
        // The only bytes that may change without detection are the comment's.
        expect(k.keyObject.equals(original.keyObject)).toBe(true);
        expect(k.comment).not.toBe(original.comment);
      } catch (err) {
        expect(err, `byte ${i}`).toBeInstanceOf(KeyFormatError);
      }
    }
  });

  it('a flipped byte in an encrypted section is a wrong passphrase or a format error, never a crash', () => {
    const raw = body(readFixture('ed25519-enc-gcm'));
    for (const i of [raw.length - 1, raw.length - 20, raw.length - 60]) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 0x80;
      expect(() => parsePrivateKey(armor(bad), { passphrase: FIXTURE_PASSPHRASE })).toThrow(
        /wrong passphrase|corrupt|invalid/,
      );
    }
  });

  it.each([
    ['garbage', 'hello'],
    ['a public key', readFixture('ed25519.pub')],
    ['a truncated PEM', readFixture('rsa-2048-pkcs1.pem').slice(0, 500)],
    [
      'a PEM with a corrupt body',
      readFixture('rsa-2048-pkcs1.pem').replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA'),
    ],
    ['bad base64 in the body', readFixture('ed25519').replace(/\nb3Bl/, '\nb3B!')],
  ])('rejects %s with a KeyFormatError', (_, text) => {
    expect(() => parsePrivateKey(text)).toThrow(KeyFormatError);
  });
});
