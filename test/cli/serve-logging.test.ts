// Secrets never reach the log: a password login (and a publickey one) through the real `serve`
// process at log level trace, with the whole output searched for the password, private key
// material and anything that looks like raw key bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh-key-v1.js';
import { askpass, authenticatedWith, ssh, writeClientKey } from '../helpers/openssh.js';
import { ensureBuilt, tempDirs } from './helpers.js';
import { addUser, expectNoSecret, seedHostKeys, startServe, type ServeProcess } from './serve-helpers.js';

const tmp = tempDirs('sshd-kit-serve-log-');
beforeAll(ensureBuilt, 180_000);
const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

/** The base64 body of an OpenSSH private key file, in 40-character pieces. */
function privateKeyPieces(text: string): string[] {
  const body = text
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .join('');
  const pieces: string[] = [];
  for (let i = 0; i + 40 <= body.length; i += 40) pieces.push(body.slice(i, i + 40));
  return pieces;
}

describe('serve logs at trace level', () => {
  it('hold no password, no private key and no raw key bytes', async () => {
    const base = tmp();
    const dir = join(base, 'data');
    seedHostKeys(dir);
    const password = 'Tr0ub4dor&3-unique-password-9f2c';
    const clientKey = await generatePrivateKey('ed25519', { comment: 'client' });
    await addUser(dir, 'alice', { password, keys: [clientKey] });
    const keyFile = await writeClientKey(base, 'id', clientKey);
    const p = startServe(dir, ['--log-level', 'trace']);
    running.push(p);
    const port = await p.port();

    const ap = await askpass(base, password);
    const pw = await ssh(
      port,
      ['-v', ...ap.options, '-o', 'PreferredAuthentications=password', 'alice@127.0.0.1', 'echo in'],
      { env: ap.env },
    );
    expect(authenticatedWith(pw.stderr)).toBe('password');
    const wrong = await askpass(base, `${password}-wrong`);
    await ssh(
      port,
      [...wrong.options, '-o', 'PreferredAuthentications=password', 'alice@127.0.0.1', 'true'],
      {
        env: wrong.env,
      },
    );
    const pk = await ssh(port, ['-i', keyFile, 'alice@127.0.0.1', 'echo in']);
    expect(pk.stdout.toString()).toBe('in\n');
    await p.waitFor(
      (l) => l.msg === 'auth attempt' && l['result'] === 'failure' && l['method'] === 'password',
    );
    p.signal('SIGTERM');
    await p.exited;

    const out = p.stdout + p.stderr;
    expect(p.lines().some((l) => l.level === 10 || l.level === 20)).toBe(true); // trace/debug lines were written
    expectNoSecret(out, password);
    expectNoSecret(out, 'Tr0ub4dor');
    expectNoSecret(out, 'PRIVATE KEY');
    for (const hostKey of ['ssh_host_ed25519_key', 'ssh_host_ecdsa_key', 'ssh_host_rsa_key'])
      for (const piece of privateKeyPieces(readFileSync(join(dir, hostKey), 'utf8')))
        expectNoSecret(out, piece);
    for (const piece of privateKeyPieces(encodeOpenSshPrivateKey(clientKey))) expectNoSecret(out, piece);
    // No run of hex or base64 long enough to be a key, an IV or a shared secret (fingerprints are 43).
    expect(out.match(/[0-9a-f]{40,}/gi) ?? []).toEqual([]);
    expect(out.match(/[A-Za-z0-9+/]{48,}/g) ?? []).toEqual([]);
  });
});
