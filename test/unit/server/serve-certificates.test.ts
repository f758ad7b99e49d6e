// Host certificates as the server loads and serves them, the files it watches for certificate
// trust and revocation, and how it fails when one of them goes bad while serving.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureFor } from '../../../src/algorithms/hostkey/index.js';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { parseCertificateFile } from '../../../src/keys/certificate-line.js';
import { KeyFormatError } from '../../../src/keys/errors.js';
import { parsePrivateKey } from '../../../src/keys/private-key.js';
import type { PrivateKey } from '../../../src/keys/types.js';
import { silentLogger } from '../../../src/log/logger.js';
import { ConfigError } from '../../../src/server/config.js';
import { HostKeySet } from '../../../src/server/host-keys.js';
import { certificateTrust, loadHostCertificates } from '../../../src/server/serve-certificates.js';
import { HostKeyLoadError } from '../../../src/server/serve-host-keys.js';
import { WatchedFile } from '../../../src/server/watched-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-serve-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const keygen = (...args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });

const registries = createDefaultRegistries();
let ed25519: PrivateKey;
let rsa: PrivateKey;

beforeAll(() => {
  keygen('-t', 'ed25519', '-N', '', '-f', at('ca'));
  keygen('-t', 'ed25519', '-N', '', '-f', at('host_ed25519'));
  keygen('-t', 'rsa', '-b', '2048', '-N', '', '-f', at('host_rsa'));
  keygen('-s', at('ca'), '-I', 'host', '-h', '-n', 'example.test', at('host_ed25519.pub'));
  keygen('-s', at('ca'), '-I', 'host-rsa', '-h', at('host_rsa.pub'));
  // More certificates of the same keys: ssh-keygen names each after the .pub it signs.
  copyFileSync(at('host_rsa.pub'), at('user.pub'));
  keygen('-s', at('ca'), '-I', 'user', at('user.pub'));
  copyFileSync(at('host_ed25519.pub'), at('expired.pub'));
  keygen('-s', at('ca'), '-I', 'expired', '-h', '-V', '-2d:-1d', at('expired.pub'));
  ed25519 = parsePrivateKey(readFileSync(at('host_ed25519')));
  rsa = parsePrivateKey(readFileSync(at('host_rsa')));
});

const certificateOf = (name: string) => parseCertificateFile(readFileSync(at(name), 'utf8'));

describe('HostKeySet with host certificates', () => {
  it('offers a certificate form only for a certificate of a key it holds, and signs with that key', () => {
    const set = new HostKeySet([ed25519, rsa], registries.hostKey, [certificateOf('host_ed25519-cert.pub')]);
    const names = registries.hostKey.names();
    expect(set.usable(names)).toEqual([
      'ssh-ed25519-cert-v01@openssh.com',
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
    const signer = set.signer('ssh-ed25519-cert-v01@openssh.com')!;
    const cert = certificateOf('host_ed25519-cert.pub');
    expect(Buffer.from(signer.publicKeyBlob).equals(Buffer.from(cert.blob))).toBe(true);
    // The plain key's own algorithm still presents the plain key.
    expect(
      Buffer.from(set.signer('ssh-ed25519')!.publicKeyBlob).equals(Buffer.from(ed25519.publicKey.blob)),
    ).toBe(true);
    // Without the key it certifies, a certificate is not offered.
    expect(new HostKeySet([rsa], registries.hostKey, [cert]).usable(names)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it('an RSA certificate serves both SHA-2 certificate forms, each signature named as its plain form', async () => {
    const cert = certificateOf('host_rsa-cert.pub');
    const set = new HostKeySet([rsa], registries.hostKey, [cert]);
    for (const [name, plain] of [
      ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-512'],
      ['rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-256'],
    ] as const) {
      const signature = await set.signer(name)!.sign(Buffer.from('H'));
      expect(signatureFor(plain, signature)).toBeDefined();
      expect(registries.hostKey.get(name)!.verify(cert.key, Buffer.from('H'), signature)).toBe(true);
    }
    // ssh-rsa-cert-v01 is legacy: not in the defaults, so not offered unless configured.
    expect(set.usable(registries.hostKey.names())).not.toContain('ssh-rsa-cert-v01@openssh.com');
    expect(set.usable(['ssh-rsa-cert-v01@openssh.com'])).toEqual(['ssh-rsa-cert-v01@openssh.com']);
  });
});

describe('loadHostCertificates', () => {
  const load = (paths: string[]) =>
    loadHostCertificates(paths, [ed25519, rsa], registries.hostKey, silentLogger);

  it('loads host certificates of the host keys', async () => {
    const certs = await load([at('host_ed25519-cert.pub'), at('host_rsa-cert.pub')]);
    expect(certs.map((c) => c.keyId)).toEqual(['host', 'host-rsa']);
  });

  it('serves an expired one (clients will say why), but refuses what can never work', async () => {
    expect((await load([at('expired-cert.pub')]))[0]!.keyId).toBe('expired');
    await expect(load([at('user-cert.pub')])).rejects.toThrow(/is a user certificate/);
    await expect(load([at('missing-cert.pub')])).rejects.toThrow(
      /cannot read host certificate .* \(ENOENT\)/,
    );
    await expect(load([at('ca.pub')])).rejects.toThrow(HostKeyLoadError);
    const other = certificateOf('host_ed25519-cert.pub');
    await expect(
      loadHostCertificates([at('host_ed25519-cert.pub')], [rsa], registries.hostKey, silentLogger),
    ).rejects.toThrow(/certifies SHA256:\S+, which is not one of the server's host keys/);
    // A flipped bit in the CA's signature.
    const forged = Buffer.from(other.blob);
    forged[forged.length - 5]! ^= 1;
    writeFileSync(at('forged-cert.pub'), `${other.type} ${forged.toString('base64')}\n`);
    await expect(load([at('forged-cert.pub')])).rejects.toThrow(
      /the CA's signature on the certificate does not verify/,
    );
  });
});

describe('WatchedFile and certificateTrust', () => {
  it('parses once per version of the file, and again when it changes', async () => {
    const path = at('watched.txt');
    writeFileSync(path, 'one');
    let parses = 0;
    const file = new WatchedFile(path, (data) => {
      parses++;
      return data.toString();
    });
    expect(await file.get()).toBe('one');
    expect(await file.get()).toBe('one');
    expect(parses).toBe(1);
    writeFileSync(`${path}.new`, 'two!');
    renameSync(`${path}.new`, path);
    expect(await file.get()).toBe('two!');
    expect(parses).toBe(2);
  });

  it('reads the CA file at start (one-line errors), then follows its changes', async () => {
    await expect(
      certificateTrust({ trustedUserCAKeys: at('nope.pub'), revokedKeys: undefined }),
    ).rejects.toThrow(ConfigError);
    writeFileSync(at('cas.pub'), readFileSync(at('ca.pub')));
    const trust = await certificateTrust({ trustedUserCAKeys: at('cas.pub'), revokedKeys: undefined });
    expect(trust.revokedKeys).toBeUndefined();
    expect((await trust.trustedUserCAKeys!()).map((k) => k.type)).toEqual(['ssh-ed25519']);
    writeFileSync(
      at('cas.pub'),
      `${readFileSync(at('ca.pub'), 'utf8')}# and one more\n${readFileSync(at('host_rsa.pub'), 'utf8')}`,
    );
    expect((await trust.trustedUserCAKeys!()).map((k) => k.type)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    // A file broken while serving: the error reaches the backend, which fails closed.
    writeFileSync(at('cas.pub'), 'ssh-ed25519 !!!\n');
    await expect(trust.trustedUserCAKeys!()).rejects.toThrow(KeyFormatError);
  });
});
