import { connect, type Socket } from 'node:net';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { serializePrivateKey } from '../../src/keys/private-key.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { PROXY_V2_SIGNATURE } from '../../src/server/proxy-protocol.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { endSsh2 } from '../helpers/ssh2-client.js';
import { memoryLogger } from './plugin-helpers.js';
import { eventually, exec2, startSessionServer, type SessionServer } from './session-helpers.js';

// A server behind a load balancer that speaks the PROXY protocol (HAProxy's proxy-protocol.txt):
// only 127.0.0.1 is a trusted proxy here. The client address in its header is the connection's
// for the session's environment, `from=`, per-source penalties and logs; the proxy's own
// connections are never penalised; other sources' headers are not believed.

const v1 = (source: string, port = 51234) => Buffer.from(`PROXY TCP4 ${source} 10.0.0.1 ${port} 22\r\n`);

/** A v2 PROXY header for TCP over IPv6 (16-byte addresses), or LOCAL when `block` is empty. */
function v2(block: Buffer): Buffer {
  const fixed = Buffer.from([block.length === 0 ? 0x20 : 0x21, block.length === 0 ? 0x00 : 0x21, 0, 0]);
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
}

/** A header, or one made for the socket it is sent on. */
type HeaderSource = Buffer | ((socket: Socket) => Buffer);

/** A v1 header naming the connection it is sent on, as HAProxy's v1 health checks send. */
const itself = (socket: Socket) =>
  Buffer.from(
    `PROXY TCP4 ${socket.localAddress} ${socket.remoteAddress} ${socket.localPort} ${socket.remotePort}\r\n`,
  );

/** Opens a socket from `localAddress` and writes `header` first, as a proxy does. */
function proxySocket(
  port: number,
  header: HeaderSource | undefined,
  localAddress = '127.0.0.1',
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      if (header) socket.write(typeof header === 'function' ? header(socket) : header);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Logs in with ssh2 over a proxied socket. */
function loginThrough(socket: Socket, username: string, key: PrivateKey): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('ready', () => resolve(client));
    client.on('error', reject);
    client.connect({ sock: socket, username, privateKey: serializePrivateKey(key), readyTimeout: 20_000 });
  });
}

/** What the server sends on `socket` until it closes it (or `ms` pass: then `undefined`). */
function untilClosed(socket: Socket, ms = 10_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, ms);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

/** Whether a proxied connection from `header`'s client gets the server's identification line. */
async function greeted(port: number, header: HeaderSource): Promise<boolean> {
  const socket = await proxySocket(port, header);
  const first = await new Promise<string>((resolve) => {
    socket.once('data', (d) => resolve(d.toString('latin1')));
    socket.once('close', () => resolve(''));
    socket.on('error', () => undefined);
  });
  socket.destroy();
  return first.startsWith('SSH-2.0-');
}

describe('behind a PROXY protocol load balancer', () => {
  let fx: SessionServer;
  let dave: PrivateKey;
  const log = memoryLogger();

  beforeAll(async () => {
    fx = await startSessionServer({
      server: {
        proxyProtocolFrom: '127.0.0.1',
        // Loopback is exempt by default: here only the clients' addresses from the headers count.
        penalties: { exempt: '', min: 4, authfail: 2, noauth: 1 },
        loginGraceTime: 5,
        log,
      },
    });
    dave = await generatePrivateKey('ed25519');
    await fx.store.add({
      name: 'dave',
      authorizedKeys: [
        parseAuthorizedKeyLine(`from="203.0.113.0/24" ${formatPublicKeyLine(dave.publicKey, 'dave')}`),
      ],
    });
  });
  afterAll(() => fx?.close());

  it('gives a session the client address of a v1 header', async () => {
    const client = await loginThrough(await proxySocket(fx.port, v1('203.0.113.7')), 'dave', dave);
    const r = await exec2(client, 'echo "$SSH_CLIENT|$SSH_CONNECTION"');
    expect(r.stdout.toString()).toBe('203.0.113.7 51234 22|203.0.113.7 51234 10.0.0.1 22\n');
    await endSsh2(client);
    const open = log.lines.find((l) => l.msg === 'connection open' && l.fields['remote'] === '203.0.113.7');
    expect(open?.fields).toMatchObject({ port: 51234, proxy: '127.0.0.1' });
  });

  it('gives a session the IPv6 client address of a v2 header', async () => {
    const block = Buffer.alloc(36);
    block.set([0x20, 0x01, 0x0d, 0xb8], 0);
    block[15] = 7;
    block[31] = 1;
    block.writeUInt16BE(40000, 32);
    block.writeUInt16BE(2222, 34);
    const client = await loginThrough(await proxySocket(fx.port, v2(block)), 'dave', dave).catch(
      (err: Error) => err,
    );
    // dave's key is limited to 203.0.113.0/24: refused from 2001:db8::7, as the header says.
    expect(client).toBeInstanceOf(Error);
    const alice = await generatePrivateKey('ed25519');
    await fx.store.addKey('alice', parseAuthorizedKeyLine(formatPublicKeyLine(alice.publicKey, 'alice-v6')));
    const ok = await loginThrough(await proxySocket(fx.port, v2(block)), 'alice', alice);
    const r = await exec2(ok, 'echo "$SSH_CONNECTION"');
    expect(r.stdout.toString()).toBe('2001:db8::7 40000 ::1 2222\n');
    await endSsh2(ok);
  });

  it('reads a header that arrives a byte at a time, and the identification line glued to its end', async () => {
    const header = v1('203.0.113.77', 4242);
    const socket = await proxySocket(fx.port, undefined);
    const closed = untilClosed(socket);
    for (const byte of header.subarray(0, -1)) {
      socket.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2));
    }
    socket.write(Buffer.concat([header.subarray(-1), Buffer.from('SSH-2.0-glued_1.0\r\n')]));
    const conn = () =>
      log.lines.find((l) => l.msg === 'connection open' && l.fields['remote'] === '203.0.113.77')?.fields[
        'conn'
      ];
    const identified = () =>
      log.lines.some((l) => l.msg === 'peer identification' && l.fields['conn'] === conn());
    expect(await eventually(identified)).toBe(true);
    expect(
      log.lines.find((l) => l.msg === 'peer identification' && l.fields['conn'] === conn())?.fields['peer'],
    ).toBe('SSH-2.0-glued_1.0');
    socket.destroy();
    await closed;
  });

  it('judges from= by the header: a key limited to 203.0.113.0/24 is refused from elsewhere', async () => {
    const err = await loginThrough(await proxySocket(fx.port, v1('198.51.100.20')), 'dave', dave).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/authentication methods failed/);
  });

  it('penalises the client of the header, not the proxy; the proxy’s own connections never', async () => {
    const attacker = '198.51.100.9';
    for (let i = 0; i < 3; i++) {
      const err = await loginThrough(await proxySocket(fx.port, v1(attacker)), 'dave', dave).catch(
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
    }
    await eventually(() => fx.server.penalties!.isRefused(attacker));
    expect(await greeted(fx.port, v1(attacker))).toBe(false);
    expect(await greeted(fx.port, v1('198.51.100.10'))).toBe(true);
    // Health checks, whose connections end before any login (noauth: 1 s each): v2 LOCAL headers,
    // and v1 headers naming the connection itself.
    for (const check of [v2(Buffer.alloc(0)), itself]) {
      for (let i = 0; i < 6; i++) expect(await greeted(fx.port, check)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(fx.server.penalties!.isRefused('127.0.0.1')).toBe(false);
      expect(await greeted(fx.port, check)).toBe(true);
    }
    // The same address with another port is a client like any other, and penalised as one.
    const other = (s: Socket) =>
      Buffer.from(`PROXY TCP4 127.0.0.1 127.0.0.1 ${s.localPort! + 1} ${fx.port}\r\n`);
    for (let i = 0; i < 5; i++) await greeted(fx.port, other);
    await eventually(() => fx.server.penalties!.isRefused('127.0.0.1'));
    expect(await greeted(fx.port, other)).toBe(false);
  });

  it('drops a trusted proxy’s connection without a header, with a bad one, or with none in time', async () => {
    const before = log.lines.length;
    const plain = await proxySocket(fx.port, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'));
    expect(await untilClosed(plain)).toBe('');
    const bad = await proxySocket(fx.port, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 99999 22\r\n'));
    expect(await untilClosed(bad)).toBe('');
    const silent = await proxySocket(fx.port, undefined);
    const started = Date.now();
    expect(await untilClosed(silent)).toBe('');
    expect(Date.now() - started).toBeGreaterThan(4000);
    const partial = await proxySocket(fx.port, Buffer.from('PROXY TCP4 203.0.113.7'));
    partial.end();
    expect(await untilClosed(partial)).toBe('');
    // A connect-only health check (or a port probe) sends nothing: not worth a warning.
    const probe = await proxySocket(fx.port, undefined);
    probe.end();
    expect(await untilClosed(probe)).toBe('');
    const lines = log.lines.slice(before).filter((l) => l.fields['proxy'] === '127.0.0.1');
    expect(lines.map((l) => `${l.level}: ${l.msg}`)).toEqual([
      'warn: dropped: no PROXY protocol header (the stream starts "SSH-2.0-OpenSSH_")',
      'warn: dropped: PROXY v1 header: "99999" is not a port',
      'warn: dropped: no PROXY header within 5 s',
      'warn: dropped: the connection ended inside its PROXY header',
      'debug: closed: the connection ended before sending anything',
    ]);
  });

  it('does not believe a header from a source that is not a trusted proxy', async () => {
    const socket = await proxySocket(fx.port, undefined, '127.0.0.2');
    const closed = untilClosed(socket);
    socket.write(Buffer.concat([v1('203.0.113.7'), Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')]));
    // Served at once as itself (its banner sent unasked), and the header is a bad identification line.
    expect(await closed).toMatch(/^SSH-2\.0-/);
    const open = log.lines.filter((l) => l.msg === 'connection open' && l.fields['remote'] === '127.0.0.2');
    expect(open).toHaveLength(1);
    expect(open[0]!.fields['proxy']).toBeUndefined();
  });
});
