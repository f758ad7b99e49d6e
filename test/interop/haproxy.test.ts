import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { ssh, writeClientKey } from '../helpers/openssh.js';
import { freePort, waitForListener } from '../integration/forwarding-helpers.js';
import { memoryLogger } from '../integration/plugin-helpers.js';
import { eventually, startSessionServer, type SessionServer } from '../integration/session-helpers.js';

// HAProxy 2.6 (Debian 12) in TCP mode in front of the server, one frontend sending PROXY protocol
// v1 headers (`send-proxy`) and one v2 (`send-proxy-v2`), both health-checking the server every
// 100 ms with their headers. Real `ssh` connects through it from other loopback addresses
// (127.0.0.2, .3), which the server must see, never HAProxy's 127.0.0.1.

describe('behind HAProxy with the PROXY protocol', () => {
  let fx: SessionServer;
  let dir: string;
  let haproxy: Daemon | undefined;
  let ports: { v1: number; v2: number };
  let daveKey: string;
  const log = memoryLogger();

  beforeAll(async () => {
    fx = await startSessionServer({
      server: {
        proxyProtocolFrom: '127.0.0.1',
        // Loopback is exempt by default; here it is not, so a penalised health check would show.
        penalties: { exempt: '' },
        log,
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-haproxy-'));
    const dave = await generatePrivateKey('ed25519');
    daveKey = await writeClientKey(dir, 'dave', dave);
    await fx.store.add({
      name: 'dave',
      authorizedKeys: [
        parseAuthorizedKeyLine(`from="127.0.0.2" ${formatPublicKeyLine(dave.publicKey, 'dave')}`),
      ],
    });
    ports = { v1: await freePort(), v2: await freePort() };
    // The health check waits for the server's identification line, sent after the check's header.
    const backend = (name: string, send: string) =>
      `backend ${name}\n  timeout check 5s\n  option tcp-check\n  tcp-check expect rstring ^SSH-2\\.0-\n` +
      `  server sshd 127.0.0.1:${fx.port} ${send} check inter 100ms\n`;
    const config = [
      'global\n  log stderr format raw local0 notice\n',
      'defaults\n  mode tcp\n  log global\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n',
      `frontend v1\n  bind 127.0.0.1:${ports.v1}\n  default_backend b1\n`,
      backend('b1', 'send-proxy'),
      `frontend v2\n  bind 127.0.0.1:${ports.v2}\n  default_backend b2\n`,
      backend('b2', 'send-proxy-v2'),
    ].join('\n');
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    haproxy = startDaemon('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
    // Probe from an address of its own, so the probes' penalties (they never log in) fall on it.
    for (const port of [ports.v1, ports.v2])
      await waitForListener({ host: '127.0.0.1', port, localAddress: '127.0.0.9' });
  });

  afterAll(async () => {
    await haproxy?.stop();
    await fx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sshThrough = (port: number, from: string, user: string, key: string, command: string) =>
    ssh(port, ['-b', from, '-i', key, '-l', user, '127.0.0.1', command]);

  for (const version of ['v1', 'v2'] as const) {
    it(`${version}: the session sees the client's address, not HAProxy's`, async () => {
      const r = await sshThrough(
        ports[version],
        '127.0.0.2',
        'alice',
        fx.keyFiles.alice,
        'echo "$SSH_CONNECTION"',
      );
      expect(r.stderr).toBe('');
      const [address, sourcePort, local, localPort] = r.stdout.toString().trim().split(' ');
      expect(address).toBe('127.0.0.2');
      expect(Number(sourcePort)).toBeGreaterThan(0);
      // The connection's local end is HAProxy's frontend, where the client connected.
      expect([local, Number(localPort)]).toEqual(['127.0.0.1', ports[version]]);
      expect(r.code).toBe(0);
    });

    it(`${version}: from= is judged by the client's address`, async () => {
      const ok = await sshThrough(ports[version], '127.0.0.2', 'dave', daveKey, 'echo in');
      expect(ok.stdout.toString()).toBe('in\n');
      const refused = await sshThrough(ports[version], '127.0.0.3', 'dave', daveKey, 'echo in');
      expect(refused.code).toBe(255);
      expect(refused.stderr).toMatch(/Permission denied/);
    });
  }

  it("keeps HAProxy's health checks unpenalised and the server up", async () => {
    // Each check connects with its header, reads nothing and closes: at 100 ms, 20 checks per
    // backend in 2 s, 40 s of `noauth` penalty if they counted (15 s refuses).
    const checks = () =>
      log.lines.filter(
        (l) =>
          l.msg === 'connection open' &&
          l.fields['proxy'] === '127.0.0.1' &&
          l.fields['remote'] === '127.0.0.1',
      );
    const before = checks().length;
    expect(await eventually(() => checks().length >= before + 40, 15_000)).toBe(true);
    expect(fx.server.penalties!.isRefused('127.0.0.1')).toBe(false);
    // And they do not fill the log above debug.
    const ids = new Set(checks().map((l) => l.fields['conn']));
    expect(log.lines.filter((l) => ids.has(l.fields['conn']) && l.level !== 'debug')).toEqual([]);
    expect(log.lines.filter((l) => l.level === 'warn' && /PROXY/.test(l.msg ?? ''))).toEqual([]);
    expect(haproxy!.output()).not.toMatch(/is DOWN/);
    const r = await sshThrough(ports.v2, '127.0.0.2', 'alice', fx.keyFiles.alice, 'echo still-up');
    expect(r.stdout.toString()).toBe('still-up\n');
  });
});
