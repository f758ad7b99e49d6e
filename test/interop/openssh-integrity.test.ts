import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { corruptingProxy } from '../helpers/corrupting-proxy.js';
import { ssh, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// OpenSSH's integrity.sh the other way round: a proxy flips one bit of what the real ssh sends,
// deep inside encrypted channel data, under every AEAD cipher and every MAC. The server must
// refuse the packet with DISCONNECT MAC_ERROR, never deliver corrupted data, and keep serving.

const modes: [string, string[]][] = [
  ['chacha20-poly1305@openssh.com', []],
  ['aes128-gcm@openssh.com', []],
  ['aes256-gcm@openssh.com', []],
  ...[
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ].map((mac): [string, string[]] => [
    `aes128-ctr + ${mac}`,
    ['-o', 'Ciphers=aes128-ctr', '-o', `MACs=${mac}`],
  ]),
];

describe('integrity: one flipped bit in client data', () => {
  let server: TestServer;
  let dir: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-integrity-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    server = await startTestServer({ users: [{ name: 'alice', keys: [key] }] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, options] of modes) {
    it(name, async () => {
      const cipher = options.length === 0 ? ['-o', `Ciphers=${name}`] : options;
      const results = await Promise.all(
        [200_000, 700_001].map(async (offset) => {
          const proxy = await corruptingProxy(server.port, offset);
          try {
            return await ssh(proxy.port, ['-v', ...cipher, '-i', keyFile, 'alice@127.0.0.1', 'wc -c'], {
              input: randomBytes(1024 * 1024),
            });
          } finally {
            await proxy.close();
          }
        }),
      );
      for (const r of results) {
        expect(r.code).not.toBe(0);
        expect(r.stdout.toString().trim()).not.toBe(String(1024 * 1024));
        expect(r.stderr).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:5: /);
      }
      const clean = await ssh(server.port, [...cipher, '-i', keyFile, 'alice@127.0.0.1', 'wc -c'], {
        input: randomBytes(1024 * 1024),
      });
      expect(clean.stdout.toString().trim()).toBe(String(1024 * 1024));
    });
  }
});
