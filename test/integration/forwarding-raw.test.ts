import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelOpen,
  ChannelOpenFailureMessage,
  ChannelRequestMessage,
  GlobalRequest,
  RequestSuccess,
} from '../../src/connection/messages.js';
import {
  DirectTcpipOpen,
  ForwardedTcpipOpen,
  TcpipForwardReply,
  TcpipForwardRequest,
} from '../../src/forwarding/messages.js';
import { ChannelOpenFailure, Msg } from '../../src/protocol/numbers.js';
import { loggedInClient, openRawChannel } from '../helpers/raw-channel.js';
import type { RawClient } from '../helpers/raw-client.js';
import {
  startEcho,
  startForwardingServer,
  type EchoServer,
  type ForwardingFixture,
} from './forwarding-helpers.js';

// Our own client, to see the wire: the tcpip-forward reply (RFC 4254 §7.1), the forwarded-tcpip
// open, malformed opens, and the agent channel type each agent request name leads to.

/** The next payload of type `type`, skipping window adjusts and the like. */
async function nextOf(client: RawClient, type: number): Promise<Buffer> {
  for (;;) {
    const p = await client.next();
    if (!p) throw new Error('connection closed');
    if (p[0] === type) return p;
  }
}

function globalRequest(client: RawClient, name: string, data: Uint8Array, wantReply = true): void {
  client.transport.send(GlobalRequest.encode({ requestName: name, wantReply, requestSpecific: data }));
}

describe('forwarding on the wire', () => {
  let fx: ForwardingFixture;
  let echo: EchoServer;
  let client: RawClient;

  beforeAll(async () => {
    fx = await startForwardingServer();
    echo = await startEcho();
    client = await loggedInClient(fx.port);
  });
  afterAll(async () => {
    client.close();
    await echo.close();
    await fx.close();
  });

  it('tcpip-forward: port 0 is answered with the port bound, a fixed port with nothing', async () => {
    globalRequest(
      client,
      'tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'localhost', portToBind: 0 }),
    );
    const reply = RequestSuccess.decode(await client.next().then((p) => p!));
    const { portBound } = TcpipForwardReply.decode(reply.responseSpecific);
    expect(portBound).toBeGreaterThan(1023);

    // A connection to it comes to us as forwarded-tcpip naming the address as we sent it.
    const socket = connect(portBound, '127.0.0.1');
    socket.on('error', () => undefined);
    const open = ChannelOpen.decode(await nextOf(client, Msg.ChannelOpen));
    expect(open.channelType).toBe('forwarded-tcpip');
    const info = ForwardedTcpipOpen.decode(open.typeSpecific);
    expect(info).toMatchObject({
      connectedAddress: 'localhost',
      connectedPort: portBound,
      originatorAddress: '127.0.0.1',
    });
    expect(info.originatorPort).toBe(socket.localPort);
    client.transport.send(
      ChannelOpenFailureMessage.encode({
        recipientChannel: open.senderChannel,
        reasonCode: ChannelOpenFailure.AdministrativelyProhibited,
        description: 'no',
        languageTag: '',
      }),
    );
    // Refused by the client: the connection is dropped.
    await new Promise((resolve) => socket.once('close', resolve));

    // Cancelled, then asked for again as a fixed port: success without data.
    globalRequest(
      client,
      'cancel-tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'localhost', portToBind: portBound }),
    );
    expect((await client.next())![0]).toBe(Msg.RequestSuccess);
    globalRequest(
      client,
      'tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'localhost', portToBind: portBound }),
    );
    const again = RequestSuccess.decode(await client.next().then((p) => p!));
    expect(again.responseSpecific.length).toBe(0);
  });

  it('refusals are REQUEST_FAILURE, replies stay in order, port 0 without want-reply is ignored', async () => {
    globalRequest(
      client,
      'tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'localhost', portToBind: 0 }),
      false,
    );
    globalRequest(
      client,
      'cancel-tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'nowhere', portToBind: 1 }),
    );
    globalRequest(
      client,
      'tcpip-forward',
      TcpipForwardRequest.encode({ addressToBind: 'localhost', portToBind: 22 }),
    );
    globalRequest(client, 'tcpip-forward', new Uint8Array([1, 2, 3]));
    globalRequest(client, 'streamlocal-forward@openssh.com', new Uint8Array(0));
    for (let i = 0; i < 4; i++) expect((await client.next())![0]).toBe(Msg.RequestFailure);
  });

  it('a malformed direct-tcpip open is CONNECT_FAILED; the connection goes on', async () => {
    const bad = await openRawChannel(client, 'direct-tcpip', {
      id: 7,
      data: new Uint8Array([0, 0, 0, 9, 1]),
    });
    expect('failure' in bad && ChannelOpenFailureMessage.decode(bad.failure).reasonCode).toBe(
      ChannelOpenFailure.ConnectFailed,
    );
    const good = await openRawChannel(client, 'direct-tcpip', {
      id: 8,
      data: DirectTcpipOpen.encode({
        hostToConnect: '127.0.0.1',
        portToConnect: echo.port,
        originatorAddress: '127.0.0.1',
        originatorPort: 1,
      }),
    });
    expect('serverId' in good).toBe(true);
  });

  for (const [request, channelType] of [
    ['auth-agent-req@openssh.com', 'auth-agent@openssh.com'],
    ['agent-req', 'agent-connect'],
  ] as const) {
    it(`${request} leads to ${channelType} channels from the session's SSH_AUTH_SOCK`, async () => {
      const own = await loggedInClient(fx.port);
      try {
        const session = await openRawChannel(own, 'session', { id: 1 });
        if (!('serverId' in session)) throw new Error('session refused');
        const send = (requestType: string, data: Uint8Array = new Uint8Array(0)) =>
          own.transport.send(
            ChannelRequestMessage.encode({
              recipientChannel: session.serverId,
              requestType,
              wantReply: true,
              typeSpecific: data,
            }),
          );
        send(request);
        expect((await own.next())![0]).toBe(Msg.ChannelSuccess);
        send(request);
        expect((await own.next())![0]).toBe(Msg.ChannelFailure);
        const command = Buffer.from('ssh-add -l');
        const exec = Buffer.alloc(4 + command.length);
        exec.writeUInt32BE(command.length);
        command.copy(exec, 4);
        send('exec', exec);
        const open = ChannelOpen.decode(await nextOf(own, Msg.ChannelOpen));
        expect(open.channelType).toBe(channelType);
        expect(open.typeSpecific.length).toBe(0);
      } finally {
        own.close();
      }
    });
  }
});
