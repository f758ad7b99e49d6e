/**
 * `kv@sshd-kit`: a channel type of our own (RFC 4254 §5.1), serving a small key-value store per
 * user over a line protocol. A client opens the channel (see ./client.ts for the ssh2 side) and
 * sends one command per line; each gets one reply line:
 *
 *   SET key value   -> OK            GET key  -> VALUE value | NOT_FOUND
 *   DEL key         -> OK | NOT_FOUND            KEYS     -> KEYS k1 k2 ...
 *   anything else   -> ERR <why>
 *
 * Options: maxKeys (per user, default 1000), maxLine (bytes, default 8192).
 */
import { ChannelOpenFailure, definePlugin, type Channel } from 'sshd-kit';

/** Splits a stream into lines of at most `max` bytes; a longer line comes back as `null`. */
async function* lines(input: AsyncIterable<Buffer>, max: number): AsyncGenerator<string | null> {
  let buffered = Buffer.alloc(0);
  let overlong = false;
  for await (const chunk of input) {
    buffered = Buffer.concat([buffered, chunk]);
    for (let nl = buffered.indexOf(10); nl !== -1; nl = buffered.indexOf(10)) {
      const line = buffered.subarray(0, nl);
      buffered = buffered.subarray(nl + 1);
      if (overlong) overlong = false;
      else yield line.length > max ? null : line.toString('utf8').replace(/\r$/, '');
    }
    // Never hold more than one line's worth of bytes, whatever the client sends.
    if (buffered.length > max) {
      buffered = Buffer.alloc(0);
      if (!overlong) yield null;
      overlong = true;
    }
  }
}

type Store = Map<string, string>;

function execute(line: string, store: Store, maxKeys: number): string {
  const [command = '', key, ...rest] = line.split(' ');
  switch (command.toUpperCase()) {
    case 'SET':
      if (!key || rest.length === 0) return 'ERR usage: SET key value';
      if (!store.has(key) && store.size >= maxKeys) return `ERR full (${maxKeys} keys)`;
      store.set(key, rest.join(' '));
      return 'OK';
    case 'GET':
      if (!key) return 'ERR usage: GET key';
      return store.has(key) ? `VALUE ${store.get(key)}` : 'NOT_FOUND';
    case 'DEL':
      if (!key) return 'ERR usage: DEL key';
      return store.delete(key) ? 'OK' : 'NOT_FOUND';
    case 'KEYS':
      return ['KEYS', ...[...store.keys()].sort()].join(' ');
    default:
      return `ERR unknown command ${JSON.stringify(command.slice(0, 32))}`;
  }
}

async function serve(channel: Channel, store: Store, maxKeys: number, maxLine: number): Promise<void> {
  for await (const line of lines(channel.input, maxLine)) {
    const reply = line === null ? `ERR line longer than ${maxLine} bytes` : execute(line, store, maxKeys);
    // write() returns false when the client's window is full: wait, so memory stays bounded.
    if (!channel.output.write(`${reply}\n`)) await new Promise((r) => channel.output.once('drain', r));
  }
  // Returning closes the channel (after the output is flushed).
}

const positive = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;

export default definePlugin({
  name: 'kv-channel',
  apiVersion: 1,
  description: 'the kv@sshd-kit channel type: a per-user key-value store',
  setup(ctx) {
    const maxKeys = positive(ctx.options['maxKeys'], 1000);
    const maxLine = positive(ctx.options['maxLine'], 8192);
    const stores = new Map<string, Store>();
    ctx.channelTypes.add({
      name: 'kv@sshd-kit',
      async open(_request, conn) {
        // A decision, not a callback: refuse with an RFC 4254 reason code, or accept with `run`.
        if (!conn.user.policy.exec) {
          return {
            ok: false,
            reason: ChannelOpenFailure.AdministrativelyProhibited,
            description: 'kv needs the exec permission',
          };
        }
        let store = stores.get(conn.user.name);
        if (!store) stores.set(conn.user.name, (store = new Map()));
        ctx.log.debug({ user: conn.user.name }, 'kv channel open');
        return { ok: true, run: (channel) => serve(channel, store, maxKeys, maxLine) };
      },
    });
  },
});
