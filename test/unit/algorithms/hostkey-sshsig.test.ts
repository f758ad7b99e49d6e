// Signature encodings checked against the real OpenSSH: ssh-keygen -Y sign/verify (PROTOCOL.sshsig)
// wraps exactly the SSH signature blobs of RFC 8709 / RFC 5656 / RFC 8332, so a signature made by
// ssh-keygen must verify here, and one made here must verify in ssh-keygen.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signatureAlgorithms } from '../../../src/algorithms/hostkey/index.js';
import { formatPublicKeyLine, parsePrivateKey, parsePublicKeyBlob } from '../../../src/keys/index.js';
import { WireReader, WireWriter } from '../../../src/wire/index.js';
import { FIXTURE_DIR } from '../keys/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-sshsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAMESPACE = 'sshd-kit-test';
const message = Buffer.from('a message to sign\n');
writeFileSync(join(dir, 'msg'), message);

/** The bytes an SSHSIG signature covers (PROTOCOL.sshsig "Signed Data"). */
function signedData(hashAlg: 'sha256' | 'sha512', msg: Uint8Array): Buffer {
  const w = new WireWriter();
  w.raw(Buffer.from('SSHSIG')).text(NAMESPACE).bytes(new Uint8Array(0)).text(hashAlg);
  w.bytes(createHash(hashAlg).update(msg).digest());
  return Buffer.from(w.finish());
}

function parseSshsig(armored: string): { publicKey: Uint8Array; hashAlg: string; signature: Uint8Array } {
  const b64 = armored.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const r = new WireReader(Buffer.from(b64, 'base64'));
  expect(r.fixed(6).toString()).toBe('SSHSIG');
  expect(r.u32()).toBe(1);
  const publicKey = r.bytes();
  expect(r.text()).toBe(NAMESPACE);
  r.bytes();
  const hashAlg = r.text();
  const signature = r.bytes();
  r.end();
  return { publicKey, hashAlg, signature };
}

function armorSshsig(publicKey: Uint8Array, signature: Uint8Array): string {
  const w = new WireWriter();
  w.raw(Buffer.from('SSHSIG'))
    .u32(1)
    .bytes(publicKey)
    .text(NAMESPACE)
    .bytes(new Uint8Array(0))
    .text('sha512');
  w.bytes(signature);
  const lines = w
    .finish()
    .toString('base64')
    .match(/.{1,76}/g)!;
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

const fixtureFor: Record<string, string> = {
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa-256',
  'ecdsa-sha2-nistp384': 'ecdsa-384',
  'ecdsa-sha2-nistp521': 'ecdsa-521',
  'rsa-sha2-512': 'rsa-2048',
  'rsa-sha2-256': 'rsa-2048',
};

describe('signatures interoperate with ssh-keygen -Y', () => {
  // Security keys sign only in their authenticator: test/interop/sk-provider.test.ts has ssh-keygen's.
  for (const { algorithm: alg } of signatureAlgorithms.filter((e) => !e.algorithm.securityKeyDetails)) {
    // A checkout does not keep the fixture's mode 0600, without which ssh-keygen ignores the key.
    const keyFile = join(dir, `key-${alg.name}`);
    copyFileSync(join(FIXTURE_DIR, fixtureFor[alg.name]!), keyFile);
    chmodSync(keyFile, 0o600);
    const key = parsePrivateKey(readFileSync(keyFile));

    if (alg.name !== 'rsa-sha2-256') {
      // ssh-keygen signs RSA keys with rsa-sha2-512 only.
      it(`${alg.name}: a signature by ssh-keygen verifies here`, () => {
        const sigFile = join(dir, `msg-${alg.name}`);
        writeFileSync(sigFile, message);
        execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyFile, '-n', NAMESPACE, sigFile], {
          stdio: 'pipe',
        });
        const sig = parseSshsig(readFileSync(`${sigFile}.sig`, 'utf8'));
        expect(Buffer.from(sig.publicKey).equals(Buffer.from(key.publicKey.blob))).toBe(true);
        const pub = parsePublicKeyBlob(sig.publicKey);
        const data = signedData(sig.hashAlg as 'sha512', message);
        expect(alg.verify(pub, data, sig.signature)).toBe(true);
        expect(alg.verify(pub, signedData('sha512', Buffer.from('tampered')), sig.signature)).toBe(false);
      });
    }

    it(`${alg.name}: a signature made here verifies in ssh-keygen`, () => {
      const signature = alg.sign(key, signedData('sha512', message));
      const sigFile = join(dir, `ours-${alg.name}.sig`);
      writeFileSync(sigFile, armorSshsig(key.publicKey.blob, signature));
      const signers = join(dir, `signers-${alg.name}`);
      writeFileSync(signers, `tester ${formatPublicKeyLine(key.publicKey, '')}\n`);
      const verify = (msg: Buffer) =>
        spawnSync(
          'ssh-keygen',
          ['-Y', 'verify', '-f', signers, '-I', 'tester', '-n', NAMESPACE, '-s', sigFile],
          {
            input: msg,
            encoding: 'utf8',
          },
        );
      const good = verify(message);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/^Good "sshd-kit-test" signature for tester/);
      expect(verify(Buffer.from('tampered')).status).not.toBe(0);
    });
  }
});
