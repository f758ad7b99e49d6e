import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { query10, requireOpenSsh10, ssh10 } from '../helpers/openssh10.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Key exchange methods that OpenSSH 9.2 (Debian 12) lacks, tested with OpenSSH 10 from a Debian 13
// tree (.ci/setup-openssh10): mlkem768x25519-sha256 and the un-suffixed sntrup761 name.

describe('OpenSSH 10 client: post-quantum key exchange', () => {
  let server: TestServer;
  let onlyIn10: string[];

  beforeAll(async () => {
    requireOpenSsh10();
    const registered = createDefaultRegistries().kex.names('default');
    const in92 = new Set(execFileSync('ssh', ['-Q', 'kex'], { encoding: 'utf8' }).split('\n'));
    const in10 = new Set(await query10('kex'));
    onlyIn10 = registered.filter((n) => in10.has(n) && !in92.has(n));
    server = await startTestServer();
  });

  afterAll(() => server?.close());

  it('includes ML-KEM', () => {
    expect(onlyIn10).toContain('mlkem768x25519-sha256');
  });

  it('negotiates each method only OpenSSH 10 has', async () => {
    for (const kex of onlyIn10) {
      const r = await ssh10(server.port, [
        '-vv',
        '-o',
        `KexAlgorithms=${kex}`,
        '-o',
        'PreferredAuthentications=none',
        'probe@127.0.0.1',
        'true',
      ]);
      expect(r.stderr).toContain(`kex: algorithm: ${kex}`);
      expect(r.stderr).toContain('SSH2_MSG_SERVICE_ACCEPT received');
    }
  });

  it('is what a default OpenSSH 10 client picks', async () => {
    const r = await ssh10(server.port, [
      '-vv',
      '-o',
      'PreferredAuthentications=none',
      'probe@127.0.0.1',
      'true',
    ]);
    expect(r.stderr).toContain('kex: algorithm: mlkem768x25519-sha256');
  });
});
