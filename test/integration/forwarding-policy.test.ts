import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import type { ForwardingPolicy } from '../../src/forwarding/index.js';
import { encodeOpenSshPrivateKey } from '../../src/keys/openssh-key-v1.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { ChannelOpenFailure } from '../../src/protocol/numbers.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import {
  channelRoundTrip,
  forwardIn,
  forwardInUnix,
  forwardOut,
  forwardOutUnix,
  payload,
  roundTrip,
  startEcho,
  startForwardingServer,
  type EchoServer,
} from './forwarding-helpers.js';

// Each forbidden form is refused with the right code (CHANNEL_OPEN_FAILURE 1 for opens,
// REQUEST_FAILURE for forwards) while the allowed ones on the same connection work.

const PROHIBITED = { reason: ChannelOpenFailure.AdministrativelyProhibited };

async function withServer(
  forwarding: ForwardingPolicy | undefined,
  user: string,
  body: (client: Client, echo: EchoServer, home: string) => Promise<void>,
): Promise<void> {
  const fx = await startForwardingServer(forwarding ? { forwarding } : {});
  const echo = await startEcho();
  const { client } = await connectSsh2(fx.port, { username: user, password: 'pw', strictVendor: false });
  try {
    await body(client, echo, fx.home);
  } finally {
    await endSsh2(client);
    await echo.close();
    await fx.close();
  }
}

const works = async (client: Client, echo: EchoServer) => {
  const data = payload(64 * 1024);
  expect((await channelRoundTrip(await forwardOut(client, '127.0.0.1', echo.port), data)).equals(data)).toBe(
    true,
  );
};

describe('forwarding policy', () => {
  it('an SFTP-only account (portForwarding false) may not forward anything', async () => {
    await withServer(undefined, 'bob', async (client, echo, home) => {
      await expect(forwardOut(client, '127.0.0.1', echo.port)).rejects.toMatchObject(PROHIBITED);
      await expect(forwardIn(client, 'localhost', 0)).rejects.toThrow(/Unable to bind/);
      await expect(forwardOutUnix(client, join(home, 'x.sock'))).rejects.toMatchObject(PROHIBITED);
      await expect(forwardInUnix(client, '/tmp/bob.sock')).rejects.toThrow(/Unable to bind/);
    });
  });

  it('allowTcpForwarding local: -L works, -R is refused', async () => {
    await withServer({ allowTcpForwarding: 'local' }, 'alice', async (client, echo) => {
      await works(client, echo);
      await expect(forwardIn(client, 'localhost', 0)).rejects.toThrow(/Unable to bind/);
    });
  });

  it('allowTcpForwarding remote: -R works, -L is refused', async () => {
    await withServer({ allowTcpForwarding: 'remote' }, 'alice', async (client, echo) => {
      await expect(forwardOut(client, '127.0.0.1', echo.port)).rejects.toMatchObject(PROHIBITED);
      expect(await forwardIn(client, 'localhost', 0)).toBeGreaterThan(1023);
    });
  });

  it('allowTcpForwarding no also leaves unix sockets alone (allowStreamLocalForwarding)', async () => {
    await withServer(
      { allowTcpForwarding: 'no', allowStreamLocalForwarding: 'yes' },
      'alice',
      async (c, e, home) => {
        await expect(forwardOut(c, '127.0.0.1', e.port)).rejects.toMatchObject(PROHIBITED);
        await forwardInUnix(c, join(home, 'ok.sock'));
      },
    );
  });

  it('permitOpen limits targets; permitListen and port 1024 limit listeners', async () => {
    const echo = await startEcho();
    try {
      await withServer(
        { permitOpen: [`127.0.0.1:${echo.port}`], permitListen: ['localhost:*'] },
        'alice',
        async (client, other) => {
          await works(client, echo);
          await expect(forwardOut(client, '127.0.0.1', other.port)).rejects.toMatchObject(PROHIBITED);
          await expect(forwardOut(client, 'localhost', echo.port)).rejects.toMatchObject(PROHIBITED);
          expect(await forwardIn(client, 'localhost', 0)).toBeGreaterThan(1023);
          await expect(forwardIn(client, '0.0.0.0', 0)).rejects.toThrow(/Unable to bind/);
          await expect(forwardIn(client, 'localhost', 80)).rejects.toThrow(/Unable to bind/);
        },
      );
    } finally {
      await echo.close();
    }
  });

  it('per-key permitopen= and permitlisten= narrow the server policy', async () => {
    const fx = await startForwardingServer();
    const echo = await startEcho();
    const other = await startEcho();
    const line = `permitopen="127.0.0.1:${echo.port}",permitlisten="localhost:*" ${formatPublicKeyLine(fx.key.publicKey, 'c')}`;
    await fx.ts.store.add({
      name: 'carol',
      authorizedKeys: [parseAuthorizedKeyLine(line)],
      permissions: { portForwarding: true },
    });
    const { client } = await connectSsh2(fx.port, {
      username: 'carol',
      privateKey: encodeOpenSshPrivateKey(fx.key),
      strictVendor: false,
    });
    try {
      await works(client, echo);
      await expect(forwardOut(client, '127.0.0.1', other.port)).rejects.toMatchObject(PROHIBITED);
      expect(await forwardIn(client, 'localhost', 0)).toBeGreaterThan(1023);
      await expect(forwardIn(client, '127.0.0.1', 0)).rejects.toThrow(/Unable to bind/);
    } finally {
      await endSsh2(client);
      await Promise.all([echo.close(), other.close()]);
      await fx.close();
    }
  });

  it('unix sockets: only under the allowed directories; a missing socket is CONNECT_FAILED', async () => {
    const outside = mkdtempSync('/var/tmp/sshd-kit-outside-');
    try {
      await withServer(undefined, 'alice', async (client, _echo, home) => {
        await expect(forwardOutUnix(client, join(outside, 'x.sock'))).rejects.toMatchObject(PROHIBITED);
        await expect(forwardOutUnix(client, '/tmp/../etc/passwd')).rejects.toMatchObject(PROHIBITED);
        await expect(forwardOutUnix(client, join(home, 'missing.sock'))).rejects.toMatchObject({
          reason: ChannelOpenFailure.ConnectFailed,
        });
        await expect(forwardInUnix(client, join(outside, 'x.sock'))).rejects.toThrow(/Unable to bind/);
        await expect(forwardInUnix(client, 'relative.sock')).rejects.toThrow(/Unable to bind/);
        const inTmp = join(mkdtempSync('/tmp/sshd-kit-fwd-tmp-'), 's.sock');
        await forwardInUnix(client, inTmp);
        rmSync(join(inTmp, '..'), { recursive: true, force: true });
      });
      await withServer({ allowStreamLocalForwarding: 'no' }, 'alice', async (client, echo, home) => {
        await works(client, echo);
        await expect(forwardOutUnix(client, join(home, 'x.sock'))).rejects.toMatchObject(PROHIBITED);
        await expect(forwardInUnix(client, join(home, 'x.sock'))).rejects.toThrow(/Unable to bind/);
      });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a live socket is never replaced by streamlocal-forward', async () => {
    await withServer(undefined, 'alice', async (client, _echo, home) => {
      const live = await startEcho(join(home, 'live.sock'));
      try {
        await expect(forwardInUnix(client, live.path!)).rejects.toThrow(/Unable to bind/);
        const data = payload(1024);
        expect((await roundTrip({ path: live.path! }, data)).equals(data)).toBe(true);
      } finally {
        await live.close();
      }
    });
  });

  it('gatewayPorts: no binds loopback only, yes binds every address, clientspecified what was asked', async () => {
    // 127.0.0.2 reaches a wildcard listener but not one bound to 127.0.0.1.
    const reaches = (host: string, port: number) =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host, port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
    await withServer({ gatewayPorts: 'no' }, 'alice', async (client) => {
      const port = await forwardIn(client, '', 0);
      expect(await reaches('127.0.0.1', port)).toBe(true);
      expect(await reaches('127.0.0.2', port)).toBe(false);
    });
    await withServer({ gatewayPorts: 'yes' }, 'alice', async (client) => {
      const port = await forwardIn(client, 'localhost', 0);
      expect(await reaches('127.0.0.2', port)).toBe(true);
    });
    await withServer({ gatewayPorts: 'clientspecified' }, 'alice', async (client) => {
      const port = await forwardIn(client, '127.0.0.2', 0);
      expect(await reaches('127.0.0.2', port)).toBe(true);
      expect(await reaches('127.0.0.1', port)).toBe(false);
    });
  });
});
