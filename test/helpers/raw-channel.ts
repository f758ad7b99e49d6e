import {
  ChannelDataCodec,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelWindowAdjust,
} from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { passwordRequest } from './raw-auth.js';
import { RawClient } from './raw-client.js';

/** A RawClient logged in with a password. */
export async function loggedInClient(port: number, user = 'alice', password = 'pw'): Promise<RawClient> {
  const client = new RawClient(port);
  await client.established;
  await client.requestService('ssh-userauth');
  client.transport.send(passwordRequest(user, password));
  const reply = await client.next();
  if (reply?.[0] !== Msg.UserauthSuccess) throw new Error(`login failed (${reply?.[0]})`);
  return client;
}

/** Opens a channel from the raw client; resolves with the server's channel number and window. */
export async function openRawChannel(
  client: RawClient,
  type: string,
  options: { id?: number; window?: number; maxPacket?: number; data?: Uint8Array } = {},
): Promise<{ serverId: number; window: number; maxPacket: number } | { failure: Buffer }> {
  client.transport.send(
    ChannelOpen.encode({
      channelType: type,
      senderChannel: options.id ?? 0,
      initialWindowSize: options.window ?? 1024 * 1024,
      maximumPacketSize: options.maxPacket ?? 32768,
      typeSpecific: options.data ?? new Uint8Array(0),
    }),
  );
  const reply = await client.next();
  if (reply?.[0] !== Msg.ChannelOpenConfirmation) return { failure: reply ?? Buffer.alloc(0) };
  const c = ChannelOpenConfirmation.decode(reply);
  return { serverId: c.senderChannel, window: c.initialWindowSize, maxPacket: c.maximumPacketSize };
}

/** Sends CHANNEL_DATA. */
export function sendData(client: RawClient, serverId: number, data: Uint8Array): void {
  client.transport.send(ChannelDataCodec.encode(serverId, data));
}

/** Sends CHANNEL_WINDOW_ADJUST. */
export function adjustWindow(client: RawClient, serverId: number, bytes: number): void {
  client.transport.send(ChannelWindowAdjust.encode({ recipientChannel: serverId, bytesToAdd: bytes }));
}
