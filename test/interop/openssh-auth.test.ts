import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { askpass, authenticatedWith, ssh, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// User authentication with the real OpenSSH client (RFC 4252, RFC 4256). Success is read from
// `ssh -v` ("Authenticated to ... using"), so these tests do not depend on what runs afterwards.

const keySpecs = [
  ['ed25519', 'ed25519', undefined],
  ['ecdsa-p256', 'ecdsa', 256],
  ['ecdsa-p384', 'ecdsa', 384],
  ['ecdsa-p521', 'ecdsa', 521],
  ['rsa-2048', 'rsa', 2048],
] as const;

describe('OpenSSH ssh logs in', () => {
  let server: TestServer;
  let dir: string;
  const keys = new Map<string, PrivateKey>();
  const keyFiles = new Map<string, string>();
  let strangerKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-auth-'));
    for (const [label, kind, bits] of keySpecs) {
      const key = await generatePrivateKey(kind, bits ? { bits } : {});
      keys.set(label, key);
      keyFiles.set(label, await writeClientKey(dir, `id_${label}`, key));
    }
    strangerKey = await writeClientKey(dir, 'id_stranger', await generatePrivateKey('ed25519'));
    server = await startTestServer({
      users: [
        { name: 'alice', password: 'correct horse', keys: [...keys.values()] },
        {
          name: 'carol',
          password: 'second factor',
          keys: [keys.get('ed25519')!],
          authMethods: [['publickey', 'password']],
        },
        { name: 'dave', password: 'correct horse', keys: [keys.get('ed25519')!], disabled: true },
      ],
    });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const withPassword = async (user: string, password: string, method: string) => {
    const ap = await askpass(dir, password);
    return ssh(
      server.port,
      ['-v', ...ap.options, '-o', `PreferredAuthentications=${method}`, `${user}@127.0.0.1`, 'true'],
      {
        env: ap.env,
      },
    );
  };

  it('with a password', async () => {
    expect(authenticatedWith((await withPassword('alice', 'correct horse', 'password')).stderr)).toBe(
      'password',
    );
  });

  it('with keyboard-interactive', async () => {
    const r = await withPassword('alice', 'correct horse', 'keyboard-interactive');
    expect(authenticatedWith(r.stderr)).toBe('keyboard-interactive');
  });

  for (const [label] of keySpecs) {
    it(`with a ${label} key`, async () => {
      const r = await ssh(server.port, ['-v', '-i', keyFiles.get(label)!, 'alice@127.0.0.1', 'true']);
      expect(authenticatedWith(r.stderr)).toBe('publickey');
      if (label.startsWith('rsa')) expect(r.stderr).toMatch(/rsa-sha2-512/);
    });
  }

  it('with a publickey,password chain (partial success)', async () => {
    const ap = await askpass(dir, 'second factor');
    const r = await ssh(
      server.port,
      ['-v', ...ap.options, '-i', keyFiles.get('ed25519')!, 'carol@127.0.0.1', 'true'],
      {
        env: ap.env,
      },
    );
    expect(r.stderr).toMatch(/Authenticated using "publickey" with partial success/);
    expect(authenticatedWith(r.stderr)).toBe('password');
  });

  it('refuses the chain with the key alone', async () => {
    const r = await ssh(server.port, ['-v', '-i', keyFiles.get('ed25519')!, 'carol@127.0.0.1', 'true']);
    expect(authenticatedWith(r.stderr)).toBeUndefined();
    expect(r.stderr).toMatch(/Permission denied/);
  });

  it('answers a wrong password, an unknown user, a wrong key and a disabled user the same way', async () => {
    const outcomes = await Promise.all([
      withPassword('alice', 'wrong', 'password'),
      withPassword('nobody', 'correct horse', 'password'),
      withPassword('dave', 'correct horse', 'password'),
      ssh(server.port, ['-v', '-i', strangerKey, 'alice@127.0.0.1', 'true']),
      ssh(server.port, ['-v', '-i', keyFiles.get('ed25519')!, 'dave@127.0.0.1', 'true']),
    ]);
    for (const r of outcomes) {
      expect(r.code).toBe(255);
      expect(authenticatedWith(r.stderr)).toBeUndefined();
      expect(r.stderr).toMatch(/Permission denied \(publickey,password,keyboard-interactive\)/);
    }
  });
});
