import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { authenticatedWith, ssh, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { echoSession } from '../helpers/echo-session.js';

// sntrup761x25519-sha512@openssh.com with the installed OpenSSH client (9.2 on Debian 12, whose
// default KexAlgorithms list starts with it): it logs in and moves data in both directions. The
// session is a minimal `cat` registered by the test, so only the key exchange is under test here.

const clientKex = execFileSync('ssh', ['-Q', 'kex'], { encoding: 'utf8' }).trim().split('\n');

/** The key exchange `ssh -v` reports (first one: rekeys repeat it). */
const negotiatedKex = (stderr: string): string | undefined => /kex: algorithm: (\S+)/.exec(stderr)?.[1];

describe('OpenSSH client: sntrup761x25519-sha512@openssh.com', () => {
  let server: TestServer;
  let dir: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-sntrup-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id_ed25519', key);
    server = await startTestServer({
      users: [{ name: 'alice', keys: [key] }],
      setup: (s) => s.channelTypes.add(echoSession, 'test', { replace: true }),
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates it when asked, logs in and moves 1 MiB both ways', async () => {
    const data = randomBytes(1024 * 1024);
    const r = await ssh(
      server.port,
      [
        '-vv',
        '-o',
        'KexAlgorithms=sntrup761x25519-sha512@openssh.com',
        '-i',
        keyFile,
        'alice@127.0.0.1',
        'cat',
      ],
      { input: data, timeoutMs: 60_000 },
    );
    expect(negotiatedKex(r.stderr)).toBe('sntrup761x25519-sha512@openssh.com');
    expect(authenticatedWith(r.stderr)).toBe('publickey');
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('is what a default client negotiates (its first sntrup761 name)', async () => {
    // Debian 12's 9.2p1 lists the IANA name first (a backport); upstream 9.2 only has @openssh.com.
    const defaults = /^kexalgorithms (\S+)$/m
      .exec(execFileSync('ssh', ['-G', '-F', '/dev/null', 'localhost'], { encoding: 'utf8' }))![1]!
      .split(',');
    const expected = defaults.find((n) => n.startsWith('sntrup761x25519-sha512'));
    expect(expected).toBeDefined();
    const r = await ssh(server.port, ['-vv', '-i', keyFile, 'alice@127.0.0.1', 'cat'], {
      input: 'hello\n',
      timeoutMs: 60_000,
    });
    expect(negotiatedKex(r.stderr)).toBe(expected);
    expect(r.stdout.toString()).toBe('hello\n');
  });

  it.runIf(clientKex.includes('sntrup761x25519-sha512'))(
    'negotiates the IANA name sntrup761x25519-sha512 too',
    async () => {
      const r = await ssh(
        server.port,
        ['-vv', '-o', 'KexAlgorithms=sntrup761x25519-sha512', '-i', keyFile, 'alice@127.0.0.1', 'cat'],
        { input: 'data\n', timeoutMs: 60_000 },
      );
      expect(negotiatedKex(r.stderr)).toBe('sntrup761x25519-sha512');
      expect(r.stdout.toString()).toBe('data\n');
    },
  );

  it('survives a rekey under sntrup761 (RekeyLimit)', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const r = await ssh(
      server.port,
      [
        '-vv',
        '-o',
        'KexAlgorithms=sntrup761x25519-sha512@openssh.com',
        '-o',
        'RekeyLimit=1M',
        '-i',
        keyFile,
        'alice@127.0.0.1',
        'cat',
      ],
      { input: data, timeoutMs: 60_000 },
    );
    expect(r.stderr).toMatch(/SSH2_MSG_KEXINIT sent[\s\S]*SSH2_MSG_KEXINIT sent/);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  });
});
