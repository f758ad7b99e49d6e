import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Msg } from '../../src/protocol/numbers.js';
import { DisconnectReason } from '../../src/protocol/numbers.js';
import { Ignore } from '../../src/transport/messages.js';
import { clientKexInit, PlainPeer } from '../helpers/plain-peer.js';
import { passwordRequest } from '../helpers/raw-auth.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Bad input at the transport layer (issue 3, security catalogue §5(a)): each case ends in the
// right DISCONNECT reason, or a plain close before identification, and the server keeps serving.

const BANNER = 'SSH-2.0-abuse\r\n';

describe('transport under abuse', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'pw' }],
      server: { loginGraceTime: 3 },
    });
  });
  afterAll(() => server?.close());

  const stillServes = async () => {
    const { client } = await connectSsh2(server.port, { password: 'pw' });
    await endSsh2(client);
  };

  it('closes a connection whose banner never ends', async () => {
    const peer = new PlainPeer(server.port);
    peer.write('SSH-2.0-');
    const slow = setInterval(() => peer.write('x'), 100);
    await peer.waitClosed(10_000);
    clearInterval(slow);
    await stillServes();
  });

  it('closes a connection that sends no identification at all', async () => {
    const peer = new PlainPeer(server.port);
    await peer.waitClosed(10_000);
    expect(peer.serverIdentification).toMatch(/^SSH-2\.0-sshd-kit_/);
  });

  it.each([
    ['a non-SSH line', 'HELLO\r\n'],
    ['an SSH-1.5 identification', 'SSH-1.5-old\r\n'],
    ['NUL in the identification', 'SSH-2.0-a\u0000b\r\n'],
  ])('closes on %s without processing anything else', async (_name, line) => {
    const peer = new PlainPeer(server.port);
    peer.write(line);
    await peer.waitClosed();
    expect(peer.received.filter((p) => p[0] !== Msg.KexInit && p[0] !== Msg.Disconnect)).toEqual([]);
    await stillServes();
  });

  it.each([
    ['0', 0],
    ['5', 5],
    ['2^32-1', 0xffffffff],
  ])('disconnects with PROTOCOL_ERROR on packet length %s', async (_name, length) => {
    const peer = new PlainPeer(server.port);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(length, 0);
    header[4] = 4;
    peer.write(Buffer.concat([Buffer.from(BANNER), header]));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects with PROTOCOL_ERROR on padding below 4', async () => {
    const peer = new PlainPeer(server.port);
    const packet = Buffer.alloc(16);
    packet.writeUInt32BE(12, 0);
    packet[4] = 3;
    packet[5] = Msg.Ignore;
    peer.write(Buffer.concat([Buffer.from(BANNER), packet]));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.ProtocolError);
  });

  it('refuses a strict-KEX client whose first packet is not KEXINIT', async () => {
    const peer = new PlainPeer(server.port);
    peer.write(BANNER);
    peer.sendPacket(Ignore.encode({ data: Buffer.from('x') }));
    peer.sendPacket(clientKexInit({ strict: true }));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.ProtocolError);
  });

  it('lets a non-strict client send IGNORE before KEXINIT', async () => {
    const peer = new PlainPeer(server.port);
    peer.write(BANNER);
    peer.sendPacket(Ignore.encode({ data: Buffer.from('x') }));
    peer.sendPacket(clientKexInit({ strict: false }));
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.disconnectReason()).toBeUndefined();
    peer.socket.destroy();
  });

  it('refuses IGNORE in the middle of a strict key exchange', async () => {
    const peer = new PlainPeer(server.port);
    peer.write(BANNER);
    peer.sendPacket(clientKexInit({ strict: true }));
    peer.sendPacket(Ignore.encode({ data: Buffer.from('x') }));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects with KEY_EXCHANGE_FAILED when nothing is in common', async () => {
    const peer = new PlainPeer(server.port);
    peer.write(BANNER);
    peer.sendPacket(clientKexInit({ kex: ['no-such-kex@example.com'] }));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.KeyExchangeFailed);
  });

  it('skips empty names in KEXINIT lists, as libssh 0.10 sends a trailing comma, and logs in', async () => {
    // The name-lists as libssh 0.10.6 (Debian 12) sends its ciphers: "…,aes128-ctr," and worse.
    const client = new RawClient(server.port, {
      offer: { cipher: ['aes256-ctr', 'aes128-ctr', ''], mac: ['', 'hmac-sha2-256-etm@openssh.com', '', ''] },
    });
    await client.established;
    expect(client.transport.negotiated?.cipherClientToServer).toBe('aes256-ctr');
    await client.requestService('ssh-userauth');
    client.transport.send(passwordRequest('alice', 'pw'));
    expect((await client.next())?.[0]).toBe(Msg.UserauthSuccess);
    client.close();
  });

  it('disconnects with KEY_EXCHANGE_FAILED for an unsupported cipher list', async () => {
    const peer = new PlainPeer(server.port);
    peer.write(BANNER);
    peer.sendPacket(clientKexInit({ cipher: ['arcfour'] }));
    await peer.waitClosed();
    expect(peer.disconnectReason()).toBe(DisconnectReason.KeyExchangeFailed);
  });

  it.each(['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr'])(
    'disconnects with MAC_ERROR on a flipped bit under %s',
    async (cipher) => {
      const client = new RawClient(server.port, {
        offer: { cipher: [cipher], mac: ['hmac-sha2-256-etm@openssh.com'] },
      });
      await client.established;
      client.corruptNextPacket(20);
      client.transport.requestService('ssh-userauth');
      const reason = await client.closed;
      expect(reason?.reason).toBe(DisconnectReason.MacError);
      expect(reason?.sentByPeer).toBe(true);
      await stillServes();
    },
  );

  it('answers an unknown message number with UNIMPLEMENTED and keeps going', async () => {
    const client = new RawClient(server.port);
    await client.established;
    await client.requestService('ssh-userauth');
    client.transport.send(Buffer.from([250]));
    await new Promise((r) => setTimeout(r, 200));
    expect(client.unimplemented.length).toBe(1);
    expect(client.transport.isOpen).toBe(true);
    client.close();
  });

  it('ends a flood of IGNORE before authentication with PROTOCOL_ERROR (catalogue A33)', async () => {
    const client = new RawClient(server.port);
    await client.established;
    await client.requestService('ssh-userauth');
    const ignore = Ignore.encode({ data: Buffer.alloc(8 * 1024) });
    for (let i = 0; i < 128 && client.transport.isOpen; i++) client.transport.send(ignore);
    const reason = await client.closed;
    expect(reason?.sentByPeer).toBe(true);
    expect(reason?.reason).toBe(DisconnectReason.ProtocolError);
    expect(reason?.description).toMatch(/ignored messages before authentication/);
    await stillServes();
  });

  it('ends back-to-back key re-exchanges from an authenticated client with PROTOCOL_ERROR (A17)', async () => {
    const client = new RawClient(server.port);
    await client.established;
    await client.requestService('ssh-userauth');
    client.transport.send(passwordRequest('alice', 'pw'));
    expect((await client.next())?.[0]).toBe(Msg.UserauthSuccess);
    let started = 0;
    const deadline = Date.now() + 10_000;
    while (client.transport.isOpen && Date.now() < deadline) {
      if (client.transport.canSend) {
        client.transport.rekey();
        started++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const reason = await client.closed;
    expect(reason?.sentByPeer).toBe(true);
    expect(reason?.reason).toBe(DisconnectReason.ProtocolError);
    expect(reason?.description).toMatch(/too many key re-exchanges/);
    // The burst of 10 went through; the 11th was refused.
    expect(started).toBeGreaterThanOrEqual(11);
    expect(started).toBeLessThan(20);
    await stillServes();
  });

  it('disconnects with PROTOCOL_ERROR for message type 0', async () => {
    const client = new RawClient(server.port);
    await client.established;
    client.transport.send(Buffer.from([0]));
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects with PROTOCOL_ERROR for connection messages before authentication', async () => {
    const client = new RawClient(server.port);
    await client.established;
    await client.requestService('ssh-userauth');
    client.transport.send(
      Buffer.from([
        Msg.ChannelOpen,
        0,
        0,
        0,
        7,
        ...Buffer.from('session'),
        0,
        0,
        0,
        0,
        0,
        0,
        0x80,
        0,
        0,
        0,
        0x80,
        0,
      ]),
    );
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects with PROTOCOL_ERROR for a userauth request before SERVICE_REQUEST', async () => {
    const client = new RawClient(server.port);
    await client.established;
    client.transport.send(Buffer.from([Msg.UserauthRequest]));
    expect((await client.closed)?.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('disconnects with SERVICE_NOT_AVAILABLE for an unknown service', async () => {
    const client = new RawClient(server.port);
    await client.established;
    await client.requestService('ssh-connection').catch(() => undefined);
    expect((await client.closed)?.reason).toBe(DisconnectReason.ServiceNotAvailable);
  });
});
