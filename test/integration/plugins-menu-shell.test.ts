import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { collect, HOST, type ChannelResult } from './session-helpers.js';
import { preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

/** Reads a shell channel's output until `pattern` shows up. */
function reader(channel: ClientChannel): (pattern: RegExp) => Promise<string> {
  let out = '';
  let check: (() => void) | undefined;
  channel.on('data', (d: Buffer) => {
    out += d.toString();
    check?.();
  });
  return (pattern) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${JSON.stringify(out)}`)), 5000);
      check = () => {
        const m = pattern.exec(out);
        if (!m) return;
        clearTimeout(timer);
        out = out.slice(m.index + m[0].length);
        check = undefined;
        resolve(m[0]);
      };
      check();
    });
}

describe('example plugin: menu-shell (interactive shell on createLineIo)', () => {
  let ts: PluginServer;
  const clients: Client[] = [];
  beforeAll(async () => {
    await preparePlugins();
    ts = await startPluginServer([{ path: 'menu-shell', options: { users: ['alice'], title: 'Hi there' } }]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => endSsh2(c)));
    await ts?.close();
  });

  it('runs the menu under ssh -tt: echo, commands, notes and the exit status', async () => {
    const r = await ts.ssh('alice', ['-tt', HOST], {
      input: 'whoami\rnote buy milk\rnotes\rbogus\rexit 3\r',
    });
    const out = r.stdout.toString();
    expect(out).toContain('Hi there, alice. Type help for the commands.\r\n');
    expect(out).toContain('alice> whoami\r\nalice from 127.0.0.1\r\n');
    expect(out).toContain('1. buy milk\r\n');
    expect(out).toContain('unknown command: bogus (try help)\r\n');
    expect(r.code).toBe(3);
  });

  it('works without a pty too (lines on stdin, no echo) and says bye at end of input', async () => {
    const r = await ts.ssh('alice', ['-T', HOST], { input: 'size\nnotes\n' });
    expect(r.stdout.toString()).toBe(
      'Hi there, alice. Type help for the commands.\nalice> no terminal (ssh -t gives one)\nalice> 1. buy milk\nalice> bye\n',
    );
    expect(r.code).toBe(0);
  });

  it('follows window-change and edits lines (backspace, Ctrl-U) on an ssh2 pty', async () => {
    const { client } = await connectSsh2(ts.port, { username: 'alice', password: 'pw' });
    clients.push(client);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ term: 'xterm', cols: 100, rows: 30 }, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    const next = reader(channel);
    const exit = new Promise<number>((resolve) => channel.on('exit', (code: number) => resolve(code)));
    await next(/alice> $/);
    channel.write('size\r');
    expect(await next(/\d+x\d+/)).toBe('100x30');
    channel.setWindow(40, 120, 0, 0);
    await next(/alice> $/);
    channel.write('sizzz\x7f\x7f\x7fze\r');
    expect(await next(/\d+x\d+/)).toBe('120x40');
    channel.write('garbage\x15whoami\r');
    expect(await next(/alice from [\d.]+/)).toBe('alice from 127.0.0.1');
    channel.write('exit\r');
    expect(await exit).toBe(0);
  });

  it('declines other users, who get the normal shell', async () => {
    const { client } = await connectSsh2(ts.port, { username: 'carol', password: 'pw' });
    clients.push(client);
    const r = await new Promise<ChannelResult>((resolve, reject) =>
      client.shell(false, (err, ch) => (err ? reject(err) : resolve(collect(ch, 'echo "from $0"\n')))),
    );
    expect(r.stdout.toString()).toBe('from -sh\n'); // a login shell
    expect(r.code).toBe(0);
  });

  it('leaves exec alone (it serves shells only)', async () => {
    const r = await ts.ssh('alice', ['-T', HOST, 'echo', 'via-exec']);
    expect(r.stdout.toString()).toBe('via-exec\n');
  });
});
