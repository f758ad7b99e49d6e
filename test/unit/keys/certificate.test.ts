// OpenSSH certificates (PROTOCOL.certkeys) made by the real `ssh-keygen -s`: every certified key
// type under every CA type parses with the fields ssh-keygen was asked for, re-encodes to the same
// bytes and verifies; malformed and mutated blobs are refused with a KeyFormatError and nothing else.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { verifyCertificateSignature } from '../../../src/algorithms/hostkey/certificate.js';
import { SignatureBlob } from '../../../src/algorithms/hostkey/signature-blob.js';
import {
  CERTIFICATE_KEY_TYPES,
  certificateTypeFor,
  encodeCertificate,
  MAX_PRINCIPALS,
  parseCertificate,
  type Certificate,
} from '../../../src/keys/certificate.js';
import { KeyFormatError } from '../../../src/keys/errors.js';
import { fingerprintSha256 } from '../../../src/keys/fingerprint.js';
import { parsePublicKeyLine } from '../../../src/keys/public-key-line.js';
import type { PublicKey } from '../../../src/keys/types.js';
import { WireReader, WireWriter } from '../../../src/wire/index.js';
import { KEYGEN_USER_KEYS, keygenAll } from '../../helpers/certificates.js';

const registry = createDefaultRegistries().hostKey;
/** What the server allows a CA to sign with by default: the default plain signature algorithms. */
const DEFAULT_CA_ALGORITHMS = registry.names('default').filter((n) => !registry.get(n)?.certified);

let dir: string;
const sshKeygen = (...args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Key files by label: `<dir>/<label>` and `<dir>/<label>.pub`. */
const USER_KEYS = KEYGEN_USER_KEYS;
type UserKeyLabel = keyof typeof USER_KEYS;
const CA_KEYS = {
  'ca-ed25519': ['-t', 'ed25519'],
  'ca-ecdsa-256': ['-t', 'ecdsa', '-b', '256'],
  'ca-ecdsa-384': ['-t', 'ecdsa', '-b', '384'],
  'ca-rsa': ['-t', 'rsa', '-b', '2048'],
} as const;
type CaLabel = keyof typeof CA_KEYS;

const publicKeyOf = (label: string): PublicKey =>
  parsePublicKeyLine(readFileSync(join(dir, `${label}.pub`), 'utf8'));

let signed = 0;
/**
 * `ssh-keygen -s <ca> <args> <copy of key.pub>`: the certificate it writes, as its blob, and the
 * path of the `-cert.pub` file.
 */
function certify(ca: CaLabel, key: UserKeyLabel, args: readonly string[]): { blob: Buffer; file: string } {
  const base = join(dir, `signed-${++signed}`);
  copyFileSync(join(dir, `${key}.pub`), `${base}.pub`);
  sshKeygen('-q', '-s', join(dir, ca), ...args, `${base}.pub`);
  const file = `${base}-cert.pub`;
  const [type, b64] = readFileSync(file, 'utf8').trim().split(' ');
  const blob = Buffer.from(b64!, 'base64');
  expect(type).toBe(certificateTypeFor(publicKeyOf(key).type));
  return { blob, file };
}

const parse = (ca: CaLabel, key: UserKeyLabel, args: readonly string[] = ['-I', 'id']): Certificate =>
  parseCertificate(certify(ca, key, args).blob);

/** The signature algorithm named in the CA's signature blob. */
const signedWith = (cert: Certificate) => SignatureBlob.decode(cert.signature).algorithm;

/** parseCertificate must refuse `blob` with a KeyFormatError (and nothing else). */
function expectRefused(blob: Uint8Array, message?: RegExp): void {
  let thrown: unknown;
  try {
    parseCertificate(blob);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(KeyFormatError);
  if (message) expect((thrown as Error).message).toMatch(message);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sshd-kit-certs-'));
  keygenAll(dir, { ...USER_KEYS, ...CA_KEYS });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificates ssh-keygen makes', () => {
  const CA_SIGNATURES: readonly { ca: CaLabel; args: string[]; algorithm: string }[] = [
    { ca: 'ca-ed25519', args: [], algorithm: 'ssh-ed25519' },
    { ca: 'ca-ecdsa-256', args: [], algorithm: 'ecdsa-sha2-nistp256' },
    { ca: 'ca-ecdsa-384', args: [], algorithm: 'ecdsa-sha2-nistp384' },
    { ca: 'ca-rsa', args: [], algorithm: 'rsa-sha2-512' },
    { ca: 'ca-rsa', args: ['-t', 'rsa-sha2-256'], algorithm: 'rsa-sha2-256' },
  ];
  const matrix = Object.keys(USER_KEYS).flatMap((key) =>
    CA_SIGNATURES.map((s) => ({ key: key as UserKeyLabel, ...s })),
  );

  it.each(matrix)(
    '$key certified by $ca signing with $algorithm: fields, key, CA, fingerprint, round trip, signature',
    ({ key, ca, args, algorithm }) => {
      const { blob, file } = certify(ca, key, [...args, '-I', `${key} by ${ca}`, '-n', 'alice', '-z', '7']);
      const cert = parseCertificate(blob);
      const plain = publicKeyOf(key);
      expect(cert.type).toBe(certificateTypeFor(plain.type));
      expect(CERTIFICATE_KEY_TYPES[cert.type]).toBe(plain.type);
      expect(Buffer.from(cert.blob).equals(blob)).toBe(true);
      // The certified key is the plain key of the .pub file, byte for byte.
      expect(cert.key.type).toBe(plain.type);
      expect(cert.key.bits).toBe(plain.bits);
      expect(Buffer.from(cert.key.blob).equals(Buffer.from(plain.blob))).toBe(true);
      expect(Buffer.from(cert.signatureKey.blob).equals(Buffer.from(publicKeyOf(ca).blob))).toBe(true);
      expect(cert).toMatchObject({
        role: 'user',
        keyId: `${key} by ${ca}`,
        serial: 7n,
        principals: ['alice'],
      });
      expect(cert.nonce.length).toBe(32);
      // ssh-keygen -l prints the certified key's fingerprint for the certificate and the plain key.
      const fp = fingerprintSha256(cert.key);
      expect(sshKeygen('-l', '-f', file).split(' ')[1]).toBe(fp);
      expect(sshKeygen('-l', '-f', join(dir, `${key}.pub`)).split(' ')[1]).toBe(fp);
      expect(sshKeygen('-L', '-f', file)).toContain(
        `Signing CA: ${ca === 'ca-ed25519' ? 'ED25519' : ca === 'ca-rsa' ? 'RSA' : 'ECDSA'} ${fingerprintSha256(cert.signatureKey)} (using ${algorithm})`,
      );
      // What the CA signed is everything before the signature string.
      expect(
        Buffer.from(cert.signedData).equals(blob.subarray(0, blob.length - 4 - cert.signature.length)),
      ).toBe(true);
      expect(signedWith(cert)).toBe(algorithm);
      expect(Buffer.from(encodeCertificate(cert, cert.key, cert.signature)).equals(blob)).toBe(true);
      expect(verifyCertificateSignature(cert, registry, DEFAULT_CA_ALGORITHMS)).toBe(true);
      // Only the algorithm the CA signed with counts, not any algorithm of the CA key's type.
      expect(
        verifyCertificateSignature(
          cert,
          registry,
          DEFAULT_CA_ALGORITHMS.filter((n) => n !== algorithm),
        ),
      ).toBe(false);
    },
  );

  it('an RSA CA signing with ssh-rsa (SHA-1) verifies only when ssh-rsa is allowed', () => {
    const cert = parse('ca-rsa', 'ed25519', ['-t', 'ssh-rsa', '-I', 'sha1']);
    expect(signedWith(cert)).toBe('ssh-rsa');
    expect(DEFAULT_CA_ALGORITHMS).not.toContain('ssh-rsa');
    expect(verifyCertificateSignature(cert, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
    expect(verifyCertificateSignature(cert, registry, [...DEFAULT_CA_ALGORITHMS, 'ssh-rsa'])).toBe(true);
    // A certificate algorithm in the list is not a CA signature algorithm.
    const ed = parse('ca-ed25519', 'ed25519');
    expect(verifyCertificateSignature(ed, registry, ['ssh-ed25519-cert-v01@openssh.com'])).toBe(false);
    expect(verifyCertificateSignature(ed, registry, [])).toBe(false);
  });

  it('the default CA algorithm list is the plain default signature algorithms', () => {
    expect(DEFAULT_CA_ALGORITHMS).toEqual([
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'sk-ssh-ed25519@openssh.com',
      'sk-ecdsa-sha2-nistp256@openssh.com',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it('any flipped bit of what the CA signed is refused or fails verification', () => {
    const cert = parse('ca-ed25519', 'ecdsa-256', ['-I', 'flip', '-n', 'alice,bob', '-z', '3']);
    let parsed = 0;
    for (let i = 0; i < cert.signedData.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const b = Buffer.from(cert.blob);
        b[i]! ^= bit;
        let mutated: Certificate;
        try {
          mutated = parseCertificate(b);
        } catch (err) {
          expect(err).toBeInstanceOf(KeyFormatError);
          continue;
        }
        parsed++;
        expect(verifyCertificateSignature(mutated, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
      }
    }
    // Most flips (nonce, key, serial, key id, times) still parse: the signature is what refuses them.
    expect(parsed).toBeGreaterThan(cert.signedData.length / 2);
  });

  it('a signature by another CA, or over other fields, does not verify', () => {
    const a = parse('ca-ed25519', 'ed25519', ['-I', 'a']);
    const b = parse('ca-ecdsa-256', 'ed25519', ['-I', 'a']);
    const swapped = parseCertificate(encodeCertificate(a, a.key, b.signature));
    expect(verifyCertificateSignature(swapped, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
    const claimed = parseCertificate(
      encodeCertificate({ ...a, signatureKey: b.signatureKey }, a.key, a.signature),
    );
    expect(verifyCertificateSignature(claimed, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
    const reSerialled = parseCertificate(
      encodeCertificate({ ...a, serial: a.serial + 1n }, a.key, a.signature),
    );
    expect(verifyCertificateSignature(reSerialled, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
    const garbage = parseCertificate(encodeCertificate(a, a.key, Buffer.from('not a signature blob')));
    expect(verifyCertificateSignature(garbage, registry, DEFAULT_CA_ALGORITHMS)).toBe(false);
  });

  it('serial (-z), key id (-I), principals (-n) and validity (-V)', () => {
    const cert = parse('ca-ed25519', 'ed25519', [
      '-z',
      '9007199254740993', // 2^53 + 1: kept exactly, as a bigint
      '-I',
      'alice@laptop "ünïcode"',
      '-n',
      'alice,root,ops team',
      '-V',
      '20200101000000Z:20300101000000Z',
    ]);
    expect(cert.serial).toBe(9007199254740993n);
    expect(cert.keyId).toBe('alice@laptop "ünïcode"');
    expect(cert.principals).toEqual(['alice', 'root', 'ops team']);
    expect(cert.validAfter).toBe(BigInt(Date.UTC(2020, 0, 1) / 1000));
    expect(cert.validBefore).toBe(BigInt(Date.UTC(2030, 0, 1) / 1000));

    const maxSerial = parse('ca-ed25519', 'ed25519', ['-z', '18446744073709551615', '-I', 'max']);
    expect(maxSerial.serial).toBe(2n ** 64n - 1n);
  });

  it('without -V or -n: valid always to forever, for no principal in particular', () => {
    const cert = parse('ca-ed25519', 'ed25519', ['-I', '']);
    expect(cert).toMatchObject({ keyId: '', serial: 0n, principals: [], validAfter: 0n });
    expect(cert.validBefore).toBe(2n ** 64n - 1n);
  });

  it('a relative -V is around now', () => {
    const cert = parse('ca-ed25519', 'ed25519', ['-I', 'rel', '-V', '-1h:+1d']);
    const now = BigInt(Math.floor(Date.now() / 1000));
    expect(Number(now - 3600n - cert.validAfter)).toBeLessThanOrEqual(120);
    expect(Number(cert.validAfter - (now - 3600n))).toBeLessThanOrEqual(120);
    expect(Number(cert.validBefore - (now + 86400n))).toBeLessThanOrEqual(120);
    expect(Number(now + 86400n - cert.validBefore)).toBeLessThanOrEqual(120);
  });

  it("ssh-keygen's default user extensions", () => {
    const cert = parse('ca-ed25519', 'ed25519');
    expect(cert.criticalOptions).toEqual([]);
    expect(cert.extensions).toEqual([
      { name: 'permit-X11-forwarding' },
      { name: 'permit-agent-forwarding' },
      { name: 'permit-port-forwarding' },
      { name: 'permit-pty' },
      { name: 'permit-user-rc' },
    ]);
  });

  it('critical options and extensions with -O (ssh-keygen writes them sorted by name)', () => {
    const cert = parse('ca-ecdsa-256', 'rsa-2048', [
      '-I',
      'opts',
      '-O',
      'clear',
      '-O',
      'force-command=/usr/bin/uptime -p',
      '-O',
      'source-address=10.0.0.0/8,127.0.0.1/32',
      '-O',
      'permit-pty',
      '-O',
      'extension:custom@example.com=x',
      '-O',
      'critical:custom@example.com',
    ]);
    expect(cert.criticalOptions).toEqual([
      { name: 'custom@example.com' },
      { name: 'force-command', value: '/usr/bin/uptime -p' },
      { name: 'source-address', value: '10.0.0.0/8,127.0.0.1/32' },
    ]);
    expect(cert.extensions).toEqual([{ name: 'custom@example.com', value: 'x' }, { name: 'permit-pty' }]);
    expect(
      Buffer.from(encodeCertificate(cert, cert.key, cert.signature)).equals(Buffer.from(cert.blob)),
    ).toBe(true);
    expect(verifyCertificateSignature(cert, registry, DEFAULT_CA_ALGORITHMS)).toBe(true);
  });

  it('-O clear leaves no extension; -O no-pty takes one away; an empty value is kept as ""', () => {
    expect(parse('ca-ed25519', 'ed25519', ['-I', 'c', '-O', 'clear']).extensions).toEqual([]);
    const noPty = parse('ca-ed25519', 'ed25519', ['-I', 'c', '-O', 'no-pty', '-O', 'no-port-forwarding']);
    expect(noPty.extensions.map((e) => e.name)).toEqual([
      'permit-X11-forwarding',
      'permit-agent-forwarding',
      'permit-user-rc',
    ]);
    const empty = parse('ca-ed25519', 'ed25519', [
      '-I',
      'c',
      '-O',
      'clear',
      '-O',
      'extension:e@example.com=',
    ]);
    expect(empty.extensions).toEqual([{ name: 'e@example.com', value: '' }]);
    expect(
      Buffer.from(encodeCertificate(empty, empty.key, empty.signature)).equals(Buffer.from(empty.blob)),
    ).toBe(true);
  });

  it('host certificates (-h)', () => {
    const cert = parse('ca-rsa', 'ecdsa-384', ['-h', '-I', 'host', '-n', 'server.example,10.1.2.3']);
    expect(cert).toMatchObject({ role: 'host', principals: ['server.example', '10.1.2.3'] });
    expect(cert.extensions).toEqual([]);
    expect(verifyCertificateSignature(cert, registry, DEFAULT_CA_ALGORITHMS)).toBe(true);
  });

  it(`${MAX_PRINCIPALS} principals parse; one more is refused`, () => {
    const names = Array.from({ length: MAX_PRINCIPALS }, (_, i) => `p${i}`);
    const cert = parse('ca-ed25519', 'ed25519', ['-I', 'many', '-n', names.join(',')]);
    expect(cert.principals).toEqual(names);
    expectRefused(
      encodeCertificate({ ...cert, principals: [...names, 'one-more'] }, cert.key, cert.signature),
      /principals/,
    );
  });

  it('the returned certificate is frozen', () => {
    const cert = parse('ca-ed25519', 'ed25519');
    expect(Object.isFrozen(cert)).toBe(true);
  });
});

describe('malformed certificates', () => {
  let real: Certificate[];
  beforeAll(() => {
    real = (Object.keys(USER_KEYS) as UserKeyLabel[]).map((key) =>
      parse('ca-ed25519', key, ['-I', 'malformed', '-n', 'alice', '-O', 'force-command=true']),
    );
  });
  const ed = () => real[0]!;

  it('truncated at every length', () => {
    for (const cert of real) {
      for (let n = 0; n < cert.blob.length; n++) expectRefused(cert.blob.subarray(0, n));
    }
  });

  it('with trailing bytes', () => {
    for (const cert of real) {
      for (const extra of [[0], [0, 0, 0, 0], [0, 0, 0, 1, 0x41], [0xff]])
        expectRefused(Buffer.concat([cert.blob, Buffer.from(extra)]));
    }
  });

  /** Offset of the u32 type (user/host) field of an ssh-ed25519 certificate. */
  const roleOffset = (blob: Uint8Array): number => {
    const r = new WireReader(blob);
    r.text(); // type
    r.bytes(); // nonce
    r.bytes(); // ed25519 key
    r.u64(); // serial
    return r.offset;
  };

  it('a type other than 1 (user) or 2 (host)', () => {
    const at = roleOffset(ed().blob);
    expect(Buffer.from(ed().blob).readUInt32BE(at)).toBe(1);
    for (const role of [0, 3, 0x101, 0xffffffff]) {
      const b = Buffer.from(ed().blob);
      b.writeUInt32BE(role, at);
      expectRefused(b, new RegExp(`unknown type ${role}`));
    }
    const host = Buffer.from(ed().blob);
    host.writeUInt32BE(2, at);
    expect(parseCertificate(host).role).toBe('host');
  });

  it('an unknown or unsupported certificate type name', () => {
    const rest = ed().blob.subarray(4 + 'ssh-ed25519-cert-v01@openssh.com'.length);
    for (const name of [
      'ssh-ed25519-cert-v02@openssh.com',
      'ssh-ed25519-cert-v00@openssh.com',
      'ssh-dss-cert-v01@openssh.com',
      'sk-ssh-ed25519-cert-v01@openssh.com',
      'ssh-ed25519',
      '',
    ])
      expectRefused(Buffer.concat([new WireWriter().text(name).finish(), rest]));
    // The type name and the structure must agree: an ecdsa name over an ed25519 body is refused.
    expectRefused(
      Buffer.concat([new WireWriter().text('ecdsa-sha2-nistp256-cert-v01@openssh.com').finish(), rest]),
    );
  });

  it('an ecdsa certificate whose curve does not match its type', () => {
    const p256 = real[1]!;
    expect(p256.type).toBe('ecdsa-sha2-nistp256-cert-v01@openssh.com');
    const b = Buffer.from(p256.blob);
    const at = b.indexOf('nistp256', 4 + p256.type.length);
    b.write('nistp384', at);
    expectRefused(b, /curve/);
  });

  it('a certificate whose CA key is itself a certificate', () => {
    const inner = real[1]!;
    const asCa = { ...ed().signatureKey, blob: inner.blob };
    expectRefused(
      encodeCertificate({ ...ed(), signatureKey: asCa }, ed().key, ed().signature),
      /its CA key is not a plain public key \(unsupported key type "ecdsa-sha2-nistp256-cert-v01@openssh.com"\)/,
    );
  });

  it('a repeated critical option or extension', () => {
    const c = ed();
    const twice = [
      { name: 'force-command', value: 'true' },
      { name: 'force-command', value: 'false' },
    ];
    expectRefused(encodeCertificate({ ...c, criticalOptions: twice }, c.key, c.signature), /repeats/);
    expectRefused(
      encodeCertificate(
        { ...c, criticalOptions: [{ name: 'x@example.com' }, { name: 'x@example.com' }] },
        c.key,
        c.signature,
      ),
      /repeats/,
    );
    expectRefused(
      encodeCertificate(
        { ...c, extensions: [{ name: 'permit-pty' }, { name: 'permit-pty' }] },
        c.key,
        c.signature,
      ),
      /repeats/,
    );
  });

  it('non-canonical encodings: a reserved field, an option value with trailing data, a padded mpint', () => {
    const c = ed();
    // The reserved string (just before the CA key) must be empty.
    const signed = Buffer.from(c.signedData);
    const caKeyField = new WireWriter().bytes(c.signatureKey.blob).finish();
    const reservedAt = signed.length - caKeyField.length - 4;
    expect(signed.readUInt32BE(reservedAt)).toBe(0);
    const withReserved = Buffer.concat([
      signed.subarray(0, reservedAt),
      new WireWriter().bytes(Buffer.from('x')).finish(),
      caKeyField,
      new WireWriter().bytes(c.signature).finish(),
    ]);
    expectRefused(withReserved);

    // force-command's data is one string; a second one after it is refused.
    const options = new WireWriter()
      .text('force-command')
      .bytes(new WireWriter().text('true').text('extra').finish())
      .finish();
    const optionsField = new WireWriter()
      .bytes(new WireWriter().text('force-command').bytes(new WireWriter().text('true').finish()).finish())
      .finish();
    const at = signed.indexOf(optionsField);
    expect(at).toBeGreaterThan(0);
    const trailing = Buffer.concat([
      Buffer.from(c.blob).subarray(0, at),
      new WireWriter().bytes(options).finish(),
      Buffer.from(c.blob).subarray(at + optionsField.length),
    ]);
    expectRefused(trailing, /trailing data/);

    // An RSA certificate whose exponent has a needless leading zero.
    const rsa = real[4]!;
    const r = new WireReader(rsa.blob);
    r.text();
    r.bytes();
    const eAt = r.offset;
    const e = r.bytes();
    const padded = Buffer.concat([
      Buffer.from(rsa.blob).subarray(0, eAt),
      new WireWriter().bytes(Buffer.concat([Buffer.from([0]), e])).finish(),
      Buffer.from(rsa.blob).subarray(r.offset),
    ]);
    expectRefused(padded);
  });

  it('an option or principal that is not UTF-8, or an option whose data is not a string', () => {
    const c = ed();
    const badUtf8 = (field: 'keyId') => {
      const b = Buffer.from(c.blob);
      const at = b.indexOf(Buffer.from(c[field]));
      b[at] = 0xff;
      return b;
    };
    expectRefused(badUtf8('keyId'));
    const principal = Buffer.from(c.blob);
    principal[principal.indexOf(Buffer.from('alice'))] = 0xc3; // a lone UTF-8 lead byte
    expectRefused(principal);
    // An option's data of 3 bytes cannot hold a string.
    const optionsField = new WireWriter()
      .bytes(new WireWriter().text('force-command').bytes(new WireWriter().text('true').finish()).finish())
      .finish();
    const at = Buffer.from(c.blob).indexOf(optionsField);
    const short = Buffer.concat([
      Buffer.from(c.blob).subarray(0, at),
      new WireWriter()
        .bytes(
          new WireWriter()
            .text('force-command')
            .bytes(Buffer.from([0, 0, 9]))
            .finish(),
        )
        .finish(),
      Buffer.from(c.blob).subarray(at + optionsField.length),
    ]);
    expectRefused(short);
  });

  it('a NUL inside the key id, a principal or an option name (OpenSSH reads C strings there)', () => {
    const c = ed();
    const reencoded = (fields: Partial<Certificate>) =>
      encodeCertificate({ ...c, ...fields }, c.key, c.signature);
    expectRefused(reencoded({ keyId: 'alice\0admin' }), /key id contains a NUL/);
    expectRefused(reencoded({ principals: ['alice', 'ro\0ot'] }), /principal contains a NUL/);
    expectRefused(reencoded({ principals: ['alice\0'] }), /principal contains a NUL/);
    expectRefused(reencoded({ extensions: [{ name: 'permit-pty\0x' }] }), /extension name contains a NUL/);
    expectRefused(
      reencoded({ criticalOptions: [{ name: 'force-command\0', value: 'true' }] }),
      /critical option name contains a NUL/,
    );
    // A NUL in an option's value is the option's business (an unknown extension may hold anything).
    const value = parseCertificate(reencoded({ extensions: [{ name: 'x@example.com', value: 'a\0b' }] }));
    expect(value.extensions).toEqual([{ name: 'x@example.com', value: 'a\0b' }]);
  });

  it('seeded mutations of real certificates either parse canonically or throw KeyFormatError', () => {
    // mulberry32: the same mutations on every run.
    let seed = 0x5eed_cafe;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
    };
    const below = (n: number) => Math.floor(random() * n);
    const others = [
      parse('ca-ecdsa-384', 'ed25519', ['-I', 'm', '-O', 'clear', '-O', 'extension:a@b=c']),
      parse('ca-rsa', 'ecdsa-521', ['-I', 'm', '-h', '-n', 'h1,h2']),
    ];
    const pool = [...real, ...others];
    let parsedCount = 0;
    let refused = 0;
    for (let round = 0; round < 4000; round++) {
      const source = pool[below(pool.length)]!;
      const b = Buffer.from(source.blob);
      let mutated: Buffer = b;
      const edits = 1 + below(3);
      for (let e = 0; e < edits; e++) {
        const kind = below(6);
        if (kind === 0) mutated[below(mutated.length)] = below(256);
        else if (kind === 1) mutated[below(mutated.length)]! ^= 1 << below(8);
        else if (kind === 2 && mutated.length >= 4) {
          // A length field made small, large, or off by one.
          const at = below(mutated.length - 3);
          const v = mutated.readUInt32BE(at);
          mutated.writeUInt32BE([0, 1, 0xffffffff, v + 1, v - 1, below(2 ** 32)][below(6)]! >>> 0, at);
        } else if (kind === 3) mutated = mutated.subarray(0, below(mutated.length + 1));
        else if (kind === 4) mutated = Buffer.concat([mutated, Buffer.from([below(256), below(256)])]);
        else {
          // A slice of the blob repeated in place (a duplicated field).
          const from = below(mutated.length);
          const len = below(64);
          mutated = Buffer.concat([mutated.subarray(0, from + len), mutated.subarray(from)]);
        }
        if (mutated.length === 0) break;
      }
      let cert: Certificate;
      try {
        cert = parseCertificate(mutated);
      } catch (err) {
        if (!(err instanceof KeyFormatError)) throw err;
        refused++;
        continue;
      }
      parsedCount++;
      // What parses is canonical, and its signature check never throws nor passes for other data.
      expect(Buffer.from(encodeCertificate(cert, cert.key, cert.signature)).equals(mutated)).toBe(true);
      if (verifyCertificateSignature(cert, registry, DEFAULT_CA_ALGORITHMS))
        expect(Buffer.from(cert.signedData).equals(Buffer.from(source.signedData))).toBe(true);
    }
    expect(refused).toBeGreaterThan(1000);
    expect(parsedCount).toBeGreaterThan(100);
  });
});
