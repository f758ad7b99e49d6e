import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { run } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// PuTTY 0.78 (Debian putty-tools) with its default, modern algorithms: plink runs a command and
// psftp moves files. The legacy-algorithm PuTTY tests live in legacy-putty.test.ts.

describe('PuTTY plink and psftp', () => {
  let server: TestServer;
  let dir: string;
  let home: string;
  const common = () => [
    '-batch',
    '-pw',
    'pw',
    '-P',
    String(server.port),
    '-hostkey',
    fingerprintSha256(server.hostKeys[0]!.publicKey),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-putty-'));
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw' }] });
    home = join(server.dataDir, 'homes', 'alice');
    mkdirSync(home, { recursive: true, mode: 0o700 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plink runs a command and reports its exit status', async () => {
    const r = await run('plink', [...common(), 'alice@127.0.0.1', 'echo from plink; exit 4']);
    expect(r.stdout.toString()).toBe('from plink\n');
    expect(r.code).toBe(4);
  });

  it('psftp puts and gets a file byte-exact', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(dir, 'up'), data);
    writeFileSync(
      join(dir, 'batch'),
      `put ${join(dir, 'up')} putty.bin\nget putty.bin ${join(dir, 'down')}\nls\n`,
    );
    const r = await run('psftp', [...common(), '-b', join(dir, 'batch'), 'alice@127.0.0.1']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(home, 'putty.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(dir, 'down')).equals(data)).toBe(true);
    expect(r.stdout.toString()).toMatch(/putty\.bin/);
  });
});
