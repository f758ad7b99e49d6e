import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordFields, UserauthRequest } from '../../src/auth/messages.js';
import {
  ChannelClose,
  ChannelDataCodec,
  ChannelEof,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelRequestMessage,
  ChannelWindowAdjust,
} from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { echoSession } from '../helpers/echo-session.js';

// A whole session, both sides ours, for the legacy ciphers no installed client speaks
// (cast128-cbc, serpent256-cbc; blowfish-cbc too, which PuTTY also covers): key exchange, user
// authentication, a channel moving 512 KiB each way, a rekey in the middle and a clean close,
// under each cipher with a legacy MAC and, in a second run, with pre-auth zlib compression.

const CASES = [
  ['cast128-cbc', 'hmac-md5', 'none'],
  ['serpent256-cbc', 'hmac-sha1-96', 'none'],
  ['blowfish-cbc', 'hmac-md5-96-etm@openssh.com', 'none'],
  ['cast128-cbc', 'hmac-sha1-96-etm@openssh.com', 'zlib'],
  ['serpent256-cbc', 'hmac-md5-etm@openssh.com', 'zlib'],
  ['blowfish-cbc', 'hmac-sha1-96', 'zlib'],
] as const;

const OUR_WINDOW = 64 << 20;

/** Reads server payloads until one of type `type`, handling window adjusts (and skipping EOF) on the way. */
async function expectMessage(
  client: RawClient,
  type: number,
  onAdjust: (n: number) => void,
): Promise<Buffer> {
  for (;;) {
    const p = await client.next(20_000);
    if (!p)
      throw new Error(
        `connection closed while waiting for message ${type}: ${client.disconnectReason?.message}`,
      );
    if (p[0] === Msg.ChannelWindowAdjust) onAdjust(ChannelWindowAdjust.decode(p).bytesToAdd);
    else if (p[0] === type) return p;
    else if (p[0] !== Msg.GlobalRequest && p[0] !== Msg.ChannelEof)
      throw new Error(`unexpected message ${p[0]} while waiting for ${type}`);
  }
}

describe('whole sessions under the legacy ciphers no installed client speaks', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      users: [{ name: 'alice', password: 'legacy password' }],
      server: {
        algorithms: {
          ciphers: [...new Set(CASES.map((c) => c[0]))],
          macs: [...new Set(CASES.map((c) => c[1]))],
          kexAlgorithms: ['diffie-hellman-group14-sha1', 'curve25519-sha256'],
          compression: ['none', 'zlib'],
        },
      },
      setup: (s) => s.channelTypes.add(echoSession, 'test', { replace: true }),
    });
  });

  afterAll(() => server?.close());

  it.each(CASES)(
    '%s + %s, compression %s',
    async (cipher, mac, compression) => {
      const client = new RawClient(server.port, {
        offer: {
          kex: ['diffie-hellman-group14-sha1'],
          cipher: [cipher],
          mac: [mac],
          compression: [compression],
        },
      });
      try {
        await client.established;
        expect(client.transport.negotiated).toMatchObject({
          cipherClientToServer: cipher,
          cipherServerToClient: cipher,
          macClientToServer: mac,
          macServerToClient: mac,
          compressionClientToServer: compression,
          compressionServerToClient: compression,
        });
        await client.requestService('ssh-userauth');
        client.transport.send(
          UserauthRequest.encode({
            userName: 'alice',
            serviceName: 'ssh-connection',
            methodName: 'password',
            methodFields: PasswordFields.encode({
              changePassword: false,
              password: Buffer.from('legacy password'),
              newPassword: new Uint8Array(0),
            }),
          }),
        );
        let peerWindow = 0;
        const adjust = (n: number) => (peerWindow += n);
        await expectMessage(client, Msg.UserauthSuccess, adjust);
        client.transport.setAuthenticated();

        client.transport.send(
          ChannelOpen.encode({
            channelType: 'session',
            senderChannel: 7,
            initialWindowSize: OUR_WINDOW,
            maximumPacketSize: 32768,
            typeSpecific: new Uint8Array(0),
          }),
        );
        const confirm = ChannelOpenConfirmation.decode(
          await expectMessage(client, Msg.ChannelOpenConfirmation, adjust),
        );
        const remote = confirm.senderChannel;
        peerWindow += confirm.initialWindowSize;
        const maxPacket = Math.min(confirm.maximumPacketSize, 32768);
        client.transport.send(
          ChannelRequestMessage.encode({
            recipientChannel: remote,
            requestType: 'exec',
            wantReply: true,
            typeSpecific: new Uint8Array([0, 0, 0, 3, ...Buffer.from('cat')]),
          }),
        );
        await expectMessage(client, Msg.ChannelSuccess, adjust);

        // Send 512 KiB in packets of varying size (every padding length and block alignment
        // occurs), rekeying half-way, and read the echo as it comes.
        const data = Buffer.concat([randomBytes(256 << 10), Buffer.alloc(256 << 10, cipher)]);
        const received: Buffer[] = [];
        let receivedBytes = 0;
        let sent = 0;
        let size = 1;
        let rekeyed = false;
        while (receivedBytes < data.length) {
          while (sent < data.length && peerWindow > 0) {
            const n = Math.min(size, data.length - sent, peerWindow, maxPacket);
            client.transport.send(ChannelDataCodec.encode(remote, data.subarray(sent, sent + n)));
            sent += n;
            peerWindow -= n;
            size = (size * 7 + 13) % maxPacket || 1;
            if (!rekeyed && sent > data.length / 2) {
              client.transport.rekey();
              rekeyed = true;
            }
          }
          const p = await client.next(20_000);
          if (!p) throw new Error(`closed mid-transfer: ${client.disconnectReason?.message}`);
          if (p[0] === Msg.ChannelWindowAdjust) adjust(ChannelWindowAdjust.decode(p).bytesToAdd);
          else if (p[0] === Msg.ChannelData) {
            const chunk = ChannelDataCodec.decode(p).data;
            received.push(Buffer.from(chunk));
            receivedBytes += chunk.length;
          }
        }
        expect(Buffer.concat(received).equals(data)).toBe(true);
        expect(rekeyed).toBe(true);

        client.transport.send(ChannelEof.encode({ recipientChannel: remote }));
        const status = await expectMessage(client, Msg.ChannelRequest, adjust);
        const request = ChannelRequestMessage.decode(status);
        expect(request.requestType).toBe('exit-status');
        expect(Buffer.from(request.typeSpecific).readUInt32BE(0)).toBe(0);
        client.transport.send(ChannelClose.encode({ recipientChannel: remote }));
        await expectMessage(client, Msg.ChannelClose, adjust);
        expect(client.transport.isOpen).toBe(true);
      } finally {
        client.close();
      }
    },
    60_000,
  );
});
