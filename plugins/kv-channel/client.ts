/**
 * The client side of `kv@sshd-kit` with the `ssh2` npm client.
 *
 *   const client = await connect(...);           // an ssh2 Client, 'ready'
 *   const kv = await openKv(client);
 *   await kv.send('SET colour blue');             // 'OK'
 *   await kv.send('GET colour');                  // 'VALUE blue'
 *   kv.close();
 *
 * ssh2 has no public API to open a channel type of our own, so `openChannel` writes the
 * CHANNEL_OPEN (RFC 4254 §5.1) through ssh2's packet writer and then lets ssh2 run the channel
 * (windows, data, EOF, close) as it runs its own. It reaches into ssh2 internals (written
 * against ssh2 1.17): pin the ssh2 version you use it with.
 */
import { createRequire } from 'node:module';
import type { Client, ClientChannel } from 'ssh2';

const require = createRequire(import.meta.url);
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
  sendPacket(protocol: unknown, packet: Buffer): void;
};
const { MAX_WINDOW, PACKET_SIZE } = require('ssh2/lib/Channel.js') as {
  MAX_WINDOW: number;
  PACKET_SIZE: number;
};

interface Ssh2Internals {
  _chanMgr: { add(opened: unknown): number };
  _protocol: {
    _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer } };
  };
}

const SSH_MSG_CHANNEL_OPEN = 90;

/** Opens a channel of any type; rejects with ssh2's "(SSH) Channel open failure" error on refusal. */
export function openChannel(
  client: Client,
  type: string,
  data: Uint8Array = new Uint8Array(0),
): Promise<ClientChannel> {
  const internals = client as unknown as Ssh2Internals;
  return new Promise((resolve, reject) => {
    const opened = (err: Error | undefined, channel: ClientChannel) => (err ? reject(err) : resolve(channel));
    (opened as unknown as { type: string }).type = type;
    const local = internals._chanMgr.add(opened);
    if (local === -1) return reject(new Error('no free channel numbers'));
    const name = Buffer.from(type, 'utf8');
    const body = Buffer.alloc(1 + 4 + name.length + 12 + data.length);
    let o = body.writeUInt8(SSH_MSG_CHANNEL_OPEN, 0);
    o = body.writeUInt32BE(name.length, o);
    o += name.copy(body, o);
    o = body.writeUInt32BE(local, o); // sender channel
    o = body.writeUInt32BE(MAX_WINDOW, o); // initial window size
    o = body.writeUInt32BE(PACKET_SIZE, o); // maximum packet size
    Buffer.from(data).copy(body, o);
    const writer = internals._protocol._packetRW.write;
    const start = writer.allocStart;
    const packet = writer.alloc(body.length);
    body.copy(packet, start);
    sendPacket(internals._protocol, writer.finalize(packet));
  });
}

/** A kv@sshd-kit session: one reply line per command, in order. */
export interface Kv {
  send(command: string): Promise<string>;
  close(): void;
}

/** Opens a kv@sshd-kit channel. */
export async function openKv(client: Client): Promise<Kv> {
  const channel = await openChannel(client, 'kv@sshd-kit');
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  channel.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    for (let nl = partial.indexOf('\n'); nl !== -1; nl = partial.indexOf('\n')) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    send: (command) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        channel.write(`${command}\n`);
      }),
    close: () => channel.end(),
  };
}
