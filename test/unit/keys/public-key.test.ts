import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fingerprintMd5,
  fingerprintSha256,
  formatFingerprintLine,
  formatPublicKeyLine,
  KeyFormatError,
  parsePublicKeyBlob,
  parsePublicKeyFile,
  parsePublicKeyLine,
  publicKeyFromKeyObject,
} from '../../../src/keys/index.js';
import { WireWriter } from '../../../src/wire/index.js';
import { fixtures, readFixture } from './fixtures.js';

const withPub = fixtures.filter((f) => f.publicKeyFile !== undefined);

describe('OpenSSH public key lines', () => {
  it.each(withPub)('$publicKeyFile parses with the fingerprint ssh-keygen prints', (f) => {
    const key = parsePublicKeyFile(readFixture(f.publicKeyFile!));
    expect(fingerprintSha256(key)).toBe(f.fingerprint);
    expect(formatFingerprintLine(key)).toBe(f.sshKeygenLine);
    expect(key.bits).toBe(f.bits);
    // Round trip: the line we format is the line ssh-keygen wrote.
    expect(formatPublicKeyLine(key)).toBe(readFixture(f.publicKeyFile!).trim());
    expect(parsePublicKeyBlob(key.blob).keyObject.equals(key.keyObject)).toBe(true);
  });

  it('formats MD5 fingerprints as ssh-keygen -E md5', () => {
    const key = parsePublicKeyFile(readFixture('ed25519.pub'));
    expect(fingerprintMd5(key)).toBe('MD5:ae:8f:39:2e:b7:06:57:9c:9d:b3:75:9f:4c:36:21:72');
  });

  it('keeps comments with spaces, and no comment when there is none', () => {
    const [type, b64] = readFixture('ed25519.pub').split(' ');
    expect(parsePublicKeyLine(`  ${type}\t${b64}   my  laptop key  `).comment).toBe('my  laptop key');
    expect(parsePublicKeyLine(`${type} ${b64}`).comment).toBeUndefined();
    expect(formatFingerprintLine(parsePublicKeyLine(`${type} ${b64}`))).toMatch(/ no comment \(ED25519\)$/);
  });

  it('derives the same key from a node:crypto KeyObject', () => {
    for (const f of ['ed25519.pub', 'ecdsa-384.pub', 'rsa-2048.pub']) {
      const key = parsePublicKeyFile(readFixture(f));
      expect(publicKeyFromKeyObject(key.keyObject).blob).toEqual(key.blob);
    }
  });

  const ed = parsePublicKeyFile(readFixture('ed25519.pub'));
  const rsa = parsePublicKeyFile(readFixture('rsa-2048.pub'));
  const ec = parsePublicKeyFile(readFixture('ecdsa-256.pub'));
  const blob = (write: (w: WireWriter) => void): Buffer => {
    const w = new WireWriter();
    write(w);
    return Buffer.from(w.finish());
  };

  it.each([
    ['empty', ''],
    ['one word', 'ssh-ed25519'],
    ['unknown type', 'ssh-foo AAAA'],
    ['options before the key', `restrict ssh-ed25519 ${Buffer.from(ed.blob).toString('base64')}`],
    ['bad base64', 'ssh-ed25519 AAAA$$$$'],
    ['base64 with a bad length', `ssh-ed25519 ${Buffer.from(ed.blob).toString('base64').slice(0, -1)}`],
    ['type on the line differs from the blob', `ssh-rsa ${Buffer.from(ed.blob).toString('base64')}`],
  ])('rejects a line with %s', (_, line) => {
    expect(() => parsePublicKeyLine(line)).toThrow(KeyFormatError);
  });

  it.each([
    ['truncated', Buffer.from(ed.blob).subarray(0, 30)],
    ['trailing bytes', Buffer.concat([ed.blob, Buffer.from([0])])],
    ['empty', Buffer.alloc(0)],
    ['ed25519 key of 31 bytes', blob((w) => w.text('ssh-ed25519').bytes(Buffer.alloc(31, 1)))],
    [
      'ecdsa curve id not matching the type',
      Buffer.from(Buffer.from(ec.blob).toString('latin1').replace('nistp256', 'nistp384'), 'latin1'),
    ],
    [
      'ecdsa point off the curve',
      blob((w) =>
        w
          .text('ecdsa-sha2-nistp256')
          .text('nistp256')
          .bytes(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)])),
      ),
    ],
    [
      'ecdsa compressed point',
      blob((w) =>
        w
          .text('ecdsa-sha2-nistp256')
          .text('nistp256')
          .bytes(Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 7)])),
      ),
    ],
    [
      'rsa of 512 bits',
      blob((w) =>
        w
          .text('ssh-rsa')
          .mpint(65537n)
          .mpint((1n << 511n) + 1n),
      ),
    ],
    [
      'rsa with an even exponent',
      blob((w) =>
        w
          .text('ssh-rsa')
          .mpint(65536n)
          .mpint((1n << 2047n) + 1n),
      ),
    ],
    [
      'rsa with exponent 1',
      blob((w) =>
        w
          .text('ssh-rsa')
          .mpint(1n)
          .mpint((1n << 2047n) + 1n),
      ),
    ],
    [
      'rsa with an even modulus',
      blob((w) =>
        w
          .text('ssh-rsa')
          .mpint(65537n)
          .mpint(1n << 2047n),
      ),
    ],
    [
      'rsa with a non-minimal mpint',
      Buffer.from(Buffer.from(rsa.blob).toString('hex').replace('00000003010001', '0000000400010001'), 'hex'),
    ],
    [
      'a negative mpint',
      blob((w) =>
        w
          .text('ssh-rsa')
          .mpint(-3n)
          .mpint((1n << 2047n) + 1n),
      ),
    ],
    ['an unknown type', blob((w) => w.text('ssh-foo').bytes(Buffer.alloc(32)))],
  ])('rejects a blob: %s', (_, b) => {
    expect(() => parsePublicKeyBlob(b)).toThrow(KeyFormatError);
  });

  it('parses ssh-dss blobs (for legacy verification)', () => {
    const key = parsePublicKeyFile(readFixture('dsa.pub'));
    expect(key.type).toBe('ssh-dss');
    expect(key.keyObject.asymmetricKeyType).toBe('dsa');
  });

  it('refuses node keys we cannot express as SSH keys', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(() => publicKeyFromKeyObject(publicKey)).toThrow(KeyFormatError);
    const ed448 = generateKeyPairSync('ed448').publicKey;
    expect(() => publicKeyFromKeyObject(ed448)).toThrow(KeyFormatError);
  });
});
