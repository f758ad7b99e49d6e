// ssh-rsa (SHA-1) and ssh-dss checked against signatures made by OpenSSL and OpenSSH
// (test/fixtures/legacy-signatures/README.md), and ours checked by the openssl command.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { encodeSignatureBlob, rsaSha2256, signatureFor } from '../../../src/algorithms/hostkey/index.js';
import {
  dssSignRaw,
  isSshDssKey,
  legacySignatureAlgorithms,
  sshDss,
  sshRsa,
} from '../../../src/algorithms/hostkey/legacy.js';
import { parsePrivateKey, parsePublicKeyBlob, type PublicKey } from '../../../src/keys/index.js';
import { WireReader, WireWriter } from '../../../src/wire/index.js';
import { readFixture } from '../keys/fixtures.js';

const SIG_DIR = fileURLToPath(new URL('../../fixtures/legacy-signatures/', import.meta.url));
const message = readFileSync(join(SIG_DIR, 'message.txt'));
const rsa = parsePrivateKey(readFixture('rsa-2048-pkcs1.pem'));
const dsa = parsePrivateKey(readFixture('dsa'));
const ed25519 = parsePrivateKey(readFixture('ed25519'));
const tmp = mkdtempSync(join(tmpdir(), 'sshd-kit-legacy-sig-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Flips one bit of a copy of `b`. */
const flip = (b: Uint8Array, at: number): Buffer => {
  const c = Buffer.from(b);
  c.writeUInt8(c.readUInt8(at) ^ 0x01, at);
  return c;
};

describe('legacy signature registry entries', () => {
  it('registers ssh-rsa and ssh-dss as legacy, never offered by default', () => {
    expect(legacySignatureAlgorithms.map((e) => [e.algorithm.name, e.algorithm.keyType, e.status])).toEqual([
      ['ssh-rsa', 'ssh-rsa', 'legacy'],
      ['ssh-dss', 'ssh-dss', 'legacy'],
    ]);
    const registry = createDefaultRegistries().hostKey;
    expect(registry.names('default')).not.toContain('ssh-rsa');
    expect(registry.names('default')).not.toContain('ssh-dss');
    expect(registry.get('ssh-rsa')).toBe(sshRsa);
    expect(registry.get('ssh-dss')).toBe(sshDss);
  });
});

describe('ssh-rsa (RFC 4253 §6.6, RSASSA-PKCS1-v1_5 with SHA-1)', () => {
  const openssl = readFileSync(join(SIG_DIR, 'message.txt.rsa-sha1.sig'));

  it('signs exactly as `openssl dgst -sha1 -sign` does, inside an ssh-rsa blob', () => {
    const blob = sshRsa.sign(rsa, message);
    expect(Buffer.from(blob).equals(Buffer.from(encodeSignatureBlob('ssh-rsa', openssl)))).toBe(true);
  });

  it('verifies the OpenSSL signature and refuses it for other data or when corrupted', () => {
    const blob = encodeSignatureBlob('ssh-rsa', openssl);
    expect(sshRsa.verify(rsa.publicKey, message, blob)).toBe(true);
    expect(sshRsa.verify(rsa.publicKey, Buffer.from('other'), blob)).toBe(false);
    expect(sshRsa.verify(rsa.publicKey, message, flip(blob, blob.length - 1))).toBe(false);
    expect(sshRsa.verify(rsa.publicKey, message, Buffer.concat([blob, Buffer.from([0])]))).toBe(false);
  });

  it('keeps SHA-1 and SHA-2 signatures apart in both directions', () => {
    expect(rsaSha2256.verify(rsa.publicKey, message, sshRsa.sign(rsa, message))).toBe(false);
    expect(sshRsa.verify(rsa.publicKey, message, rsaSha2256.sign(rsa, message))).toBe(false);
    // The right bytes under the wrong name are refused too.
    const sha1Bytes = signatureFor('ssh-rsa', sshRsa.sign(rsa, message))!;
    expect(rsaSha2256.verify(rsa.publicKey, message, encodeSignatureBlob('rsa-sha2-256', sha1Bytes))).toBe(
      false,
    );
  });

  it('refuses keys of another type', () => {
    expect(sshRsa.verify(dsa.publicKey, message, sshRsa.sign(rsa, message))).toBe(false);
    expect(() => sshRsa.sign(dsa, message)).toThrow(TypeError);
  });
});

/** PROTOCOL.sshsig: the signature blob inside an SSHSIG envelope and the bytes it covers. */
function openSshsig(
  armored: string,
  msg: Uint8Array,
): { publicKey: PublicKey; signedData: Buffer; blob: Uint8Array } {
  const r = new WireReader(
    Buffer.from(armored.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64'),
  );
  expect(r.fixed(6).toString()).toBe('SSHSIG');
  expect(r.u32()).toBe(1);
  const publicKey = parsePublicKeyBlob(r.bytes());
  const namespace = r.text();
  r.bytes();
  const hashAlg = r.text() as 'sha512';
  const blob = r.bytes();
  r.end();
  const w = new WireWriter();
  w.raw(Buffer.from('SSHSIG')).text(namespace).bytes(new Uint8Array(0)).text(hashAlg);
  w.bytes(createHash(hashAlg).update(msg).digest());
  return { publicKey, signedData: Buffer.from(w.finish()), blob };
}

/** DER SEQUENCE { INTEGER r, INTEGER s } from the 40-byte r || s, for the openssl command. */
function derSignature(rs: Uint8Array): Buffer {
  const int = (v: Uint8Array): Buffer => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const body =
      (v[i]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), v.subarray(i)]) : Buffer.from(v.subarray(i));
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const seq = Buffer.concat([int(rs.subarray(0, 20)), int(rs.subarray(20))]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}

describe('ssh-dss (RFC 4253 §6.6, DSA with SHA-1)', () => {
  it('verifies a signature made by OpenSSH (ssh-keygen -Y sign)', () => {
    const { publicKey, signedData, blob } = openSshsig(
      readFileSync(join(SIG_DIR, 'message.txt.dsa.sig'), 'utf8'),
      message,
    );
    expect(Buffer.from(publicKey.blob).equals(Buffer.from(dsa.publicKey.blob))).toBe(true);
    expect(signatureFor('ssh-dss', blob)).toHaveLength(40);
    expect(sshDss.verify(publicKey, signedData, blob)).toBe(true);
    expect(sshDss.verify(publicKey, message, blob)).toBe(false);
  });

  it('signs what the openssl command verifies (r || s as 40 bytes)', () => {
    const blob = sshDss.sign(dsa, message);
    const rs = signatureFor('ssh-dss', blob)!;
    expect(rs).toHaveLength(40);
    expect(sshDss.verify(dsa.publicKey, message, blob)).toBe(true);
    writeFileSync(join(tmp, 'dsa.pub.pem'), dsa.publicKey.keyObject.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(tmp, 'sig.der'), derSignature(rs));
    writeFileSync(join(tmp, 'message.txt'), message);
    const out = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha1',
        '-verify',
        join(tmp, 'dsa.pub.pem'),
        '-signature',
        join(tmp, 'sig.der'),
        join(tmp, 'message.txt'),
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('Verified OK');
  });

  it('refuses malformed blobs without throwing', () => {
    const good = sshDss.sign(dsa, message);
    const rs = signatureFor('ssh-dss', good)!;
    const q = Buffer.alloc(20, 0xff);
    const cases: Uint8Array[] = [
      encodeSignatureBlob('ssh-dss', rs.subarray(0, 39)),
      encodeSignatureBlob('ssh-dss', Buffer.concat([rs, Buffer.from([0])])),
      encodeSignatureBlob('ssh-rsa', rs),
      encodeSignatureBlob('ssh-dss', Buffer.alloc(40)),
      encodeSignatureBlob('ssh-dss', Buffer.concat([q, rs.subarray(20)])),
      Buffer.concat([good, Buffer.from([0])]),
      good.subarray(0, good.length - 1),
      rs,
      new Uint8Array(0),
    ];
    for (const blob of cases) expect(sshDss.verify(dsa.publicKey, message, blob)).toBe(false);
    for (let at = 0; at < good.length; at++)
      expect(sshDss.verify(dsa.publicKey, message, flip(good, at))).toBe(false);
  });

  it('refuses keys of other types and DSA keys whose q is not 160 bits', () => {
    const blob = sshDss.sign(dsa, message);
    expect(sshDss.verify(rsa.publicKey, message, blob)).toBe(false);
    expect(sshDss.verify(ed25519.publicKey, message, blob)).toBe(false);
    expect(() => sshDss.sign(rsa, message)).toThrow(TypeError);
    const big = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
    expect(isSshDssKey(big.publicKey)).toBe(false);
    expect(() => dssSignRaw(big.privateKey, message)).toThrow(TypeError);
    const fake: PublicKey = { ...dsa.publicKey, keyObject: big.publicKey };
    expect(sshDss.verify(fake, message, blob)).toBe(false);
  });

  it('makes a fresh (randomized) signature each time, each one valid', () => {
    const a = sshDss.sign(dsa, message);
    const b = sshDss.sign(dsa, message);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(sshDss.verify(dsa.publicKey, message, a) && sshDss.verify(dsa.publicKey, message, b)).toBe(true);
  });
});
