import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { run, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Two more independent SSH implementations as clients (security catalogue §6 interop guard):
// paramiko and AsyncSSH from Debian, each logging in with a password and with a key, running a
// command with its exit status and stderr apart, and using SFTP (including SYMLINK, whose
// argument order differs between clients).

const PYTHON = '/usr/bin/python3';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'python');

describe.each([
  ['paramiko', 'paramiko_client.py'],
  ['AsyncSSH', 'asyncssh_client.py'],
])('%s', (name, script) => {
  let server: TestServer;
  let dir: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-python-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id', key);
    server = await startTestServer({ users: [{ name: 'alice', password: 'pw', keys: [key] }] });
    mkdirSync(join(server.dataDir, 'homes', 'alice'), { recursive: true, mode: 0o700 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, runs a command, and moves files over SFTP', async () => {
    const r = await run(
      PYTHON,
      [
        join(FIXTURES, script),
        '127.0.0.1',
        String(server.port),
        'alice',
        'pw',
        keyFile,
        String(2 * 1024 * 1024),
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
    expect(out).toMatchObject({
      stdout: 'hi\n',
      stderr: 'err\n',
      status: 3,
      roundtrip: true,
      key_login: 'key\n',
    });
    expect(out.readlink).toMatch(/(^|\/)(paramiko|asyncssh)\.bin$/);
    expect(out.listing).toEqual(
      expect.arrayContaining([`${name.toLowerCase()}.bin`, `${name.toLowerCase()}.link`]),
    );
  });
});
