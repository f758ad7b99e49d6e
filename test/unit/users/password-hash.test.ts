import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_PARAMS,
  MAX_PASSWORD_BYTES,
  dummyVerify,
  hashPassword,
  isPasswordHash,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../../../src/users/password-hash.js';
import { PasswordHashError } from '../../../src/users/errors.js';

const FAST = { ln: 10, r: 8, p: 1 } as const;

// scrypt(P="password", S="NaCl-salt-16byte", N=1024, r=8, p=1, dkLen=32), computed with Python's
// hashlib.scrypt, a call path independent of node:crypto's.
const KNOWN_HASH = 'mY+0WQT2BY9S6u9B7FUL4OzBDML77wSrkQ0E4kT87Qk';

describe('hashPassword / verifyPassword', () => {
  it('round-trips and rejects a wrong password', async () => {
    const hash = await hashPassword('correct horse', FAST);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('uses a fresh salt each time', async () => {
    const a = await hashPassword('same', FAST);
    const b = await hashPassword('same', FAST);
    expect(a).not.toBe(b);
    expect(parsePasswordHash(a).salt.equals(parsePasswordHash(b).salt)).toBe(false);
  });

  it('treats bytes and strings alike, including non-ASCII and NUL', async () => {
    const pw = 'pässwörd\u0000ünïcode ✓';
    const hash = await hashPassword(pw, FAST);
    expect(await verifyPassword(Buffer.from(pw, 'utf8'), hash)).toBe(true);
    expect(await verifyPassword('pässwörd', hash)).toBe(false);
  });

  it('defaults to ln=15,r=8,p=1 and verifies with the parameters in the string', async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ ln: 15, r: 8, p: 1 });
    const hash = await hashPassword('pw');
    expect(hash.startsWith('$scrypt$ln=15,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('pw', hash)).toBe(true);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash(await hashPassword('pw', FAST))).toBe(true);
  });

  it('checks a known hash computed independently (RFC 7914 scrypt via Python hashlib)', async () => {
    const salt = Buffer.from('NaCl-salt-16byte').toString('base64').replace(/=+$/, '');
    const known = `$scrypt$ln=10,r=8,p=1$${salt}$${KNOWN_HASH}`;
    expect(await verifyPassword('password', known)).toBe(true);
    expect(await verifyPassword('Password', known)).toBe(false);
  });
});

describe('password length limit (OpenSSH MAX_PASSWORD_LEN, CVE-2016-6515 class)', () => {
  it('refuses to hash more than 1024 bytes, measured in UTF-8 bytes', async () => {
    await expect(hashPassword('x'.repeat(MAX_PASSWORD_BYTES), FAST)).resolves.toMatch(/^\$scrypt\$/);
    await expect(hashPassword('x'.repeat(MAX_PASSWORD_BYTES + 1), FAST)).rejects.toThrow(PasswordHashError);
    await expect(hashPassword('é'.repeat(513), FAST)).rejects.toThrow(/longer than 1024 bytes/);
  });

  it('answers false for a 1 MiB password without running scrypt', async () => {
    const hash = await hashPassword('pw'); // default cost: a real verify takes tens of ms
    const huge = 'a'.repeat(1024 * 1024);
    const t0 = performance.now();
    expect(await verifyPassword(huge, hash)).toBe(false);
    expect(await dummyVerify(huge)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(20);
  });
});

describe('parsePasswordHash', () => {
  it.each([
    ['', 'not a $id$params$salt$hash'],
    ['plaintext', 'not a $id$params$salt$hash'],
    ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'not a $id'],
    ['$bcrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'unsupported algorithm'],
    ['$scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'parameters must be'],
    ['$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'out of range'],
    ['$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'out of range'],
    ['$scrypt$ln=20,r=32,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', 'out of range'],
    ['$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==', 'bad base64'],
    ['$scrypt$ln=10,r=8,p=1$c2Fs$aGFzaGhhc2hoYXNoaGFzaA', 'salt must be'],
    ['$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaA', 'hash must be'],
    ['$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaB', 'non-canonical'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePasswordHash(text)).toThrow(message);
    expect(isPasswordHash(text)).toBe(false);
  });

  it('makes verifyPassword throw rather than answer for a malformed stored hash', async () => {
    await expect(verifyPassword('pw', '$scrypt$broken')).rejects.toThrow(PasswordHashError);
  });
});

describe('dummyVerify', () => {
  it('always answers false', async () => {
    expect(await dummyVerify('anything', FAST)).toBe(false);
  });

  it('costs about what a real verify costs (unknown users look like wrong passwords)', async () => {
    const hash = await hashPassword('secret');
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const real: number[] = [];
    const dummy: number[] = [];
    await dummyVerify('warm-up');
    for (let i = 0; i < 7; i++) {
      let t = performance.now();
      await verifyPassword('wrong', hash);
      real.push(performance.now() - t);
      t = performance.now();
      await dummyVerify('wrong');
      dummy.push(performance.now() - t);
    }
    const ratio = median(dummy) / median(real);
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });
});
