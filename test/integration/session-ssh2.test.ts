import { createHash, randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLineIo } from '../../src/session/line-io.js';
import type { SessionIo, ShellHandler, SubsystemHandler, TerminalSize } from '../../src/session/types.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import {
  alive,
  collect,
  eventually,
  exec2,
  ioDescriptorCount,
  startSessionServer,
  type SessionServer,
} from './session-helpers.js';

// The session channel driven by the ssh2 npm client: many channels at once, window changes,
// signals, hang-ups, and the programmable shell/exec/subsystem API.

/** Reads a channel until `pattern` appears in what it sent. */
function waitFor(channel: ClientChannel, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${JSON.stringify(text)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        channel.off('data', onData);
        resolve(text);
      }
    };
    channel.on('data', onData);
  });
}

/** A REPL served by a shell handler through the line-oriented helper (the seed's send/recv). */
const replShell: ShellHandler = {
  name: 'repl@test',
  serves: ['shell'],
  accept: () => ({
    kind: 'run',
    async run(io: SessionIo) {
      const sizes: TerminalSize[] = [];
      io.onResize((s) => sizes.push(s));
      const term = createLineIo(io);
      await term.send(`hello ${io.pty?.term ?? 'no-pty'} ${io.size?.cols ?? 0}x${io.size?.rows ?? 0}\n`);
      for (;;) {
        const line = await term.recv({ prompt: 'repl> ' });
        if (line === null || line === 'quit') return 0;
        if (line === 'size') await term.send(`size ${sizes.at(-1)?.cols}x${sizes.at(-1)?.rows}\n`);
        else if (line === 'fail') throw new Error('handler failure on purpose');
        else await term.send(`you said: ${line}\n`);
      }
    },
  }),
};

/** An exec router that serves only `hello ...` and declines everything else. */
const helloExec: ShellHandler = {
  name: 'hello@test',
  serves: ['exec'],
  accept: (command) =>
    command.kind === 'exec' && command.command.startsWith('hello ')
      ? {
          kind: 'run',
          async run(io) {
            io.stdout.write(`hi ${command.command.slice(6)} from a handler\n`);
            io.stderr.write('handler stderr\n');
            return 42;
          },
        }
      : { kind: 'decline' },
};

/** Serves `boom` by throwing in accept, `reject` by rejecting in run. */
const faultyExec: ShellHandler = {
  name: 'faulty@test',
  serves: ['exec'],
  accept: (command) => {
    if (command.kind === 'exec' && command.command === 'boom') throw new Error('accept throws');
    if (command.kind === 'exec' && command.command === 'reject') {
      return { kind: 'run', run: () => Promise.reject(new Error('run rejects')) };
    }
    return { kind: 'decline' };
  },
};

/** A subsystem that echoes its input, upper-cased. */
const shoutSubsystem: SubsystemHandler = {
  name: 'shout@test',
  requires: 'none',
  start: (io) =>
    new Promise((resolve) => {
      io.stdin.on('data', (d: Buffer) => io.stdout.write(d.toString().toUpperCase()));
      io.stdin.on('end', () => resolve(0));
    }),
};

describe('session channel × ssh2 client', () => {
  let ts: SessionServer;
  let client: Client;
  beforeAll(async () => {
    ts = await startSessionServer({
      server: { connectionLimits: { maxPerType: { session: 64 } } },
      setup(server) {
        server.shells.add(faultyExec, 'test');
        server.shells.add(helloExec, 'test');
        server.shells.add(replShell, 'test');
        server.subsystems.add(shoutSubsystem, 'test');
      },
    });
    client = (await connectSsh2(ts.port, { username: 'alice', password: 'pw' })).client;
  });
  afterAll(async () => {
    if (client) await endSsh2(client);
    await ts?.close();
  });

  it('runs 50 channels at once on one connection, each with its own output and status', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => exec2(client, `echo out-${n}; echo err-${n} >&2; exit ${n % 7}`)),
    );
    results.forEach((r, n) => {
      expect(r.stdout.toString()).toBe(`out-${n}\n`);
      expect(r.stderr.toString()).toBe(`err-${n}\n`);
      expect(r.code).toBe(n % 7);
    });
  });

  it('resizes the pty on window-change', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(
        'stty size; read x; stty size',
        { pty: { rows: 30, cols: 100, term: 'vt100' } },
        (err, c) => (err ? reject(err) : resolve(c)),
      ),
    );
    const first = await waitFor(channel, /\d+ \d+\r\n/);
    expect(first).toContain('30 100');
    channel.setWindow(50, 132, 0, 0);
    await new Promise((r) => setTimeout(r, 100));
    const done = collect(channel);
    channel.write('\n');
    const r = await done;
    expect(r.stdout.toString()).toContain('50 132');
    expect(r.code).toBe(0);
  });

  it('a pty loses no output when the client reads slowly and the process exits meanwhile', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec('seq 1 200000', { pty: { term: 'xterm' } }, (err, c) => (err ? reject(err) : resolve(c))),
    );
    channel.pause();
    setTimeout(() => channel.resume(), 1000);
    const r = await collect(channel);
    const lines = r.stdout.toString().split('\r\n');
    expect(lines.length).toBe(200_001);
    expect(lines.at(-2)).toBe('200000');
    expect(lines.every((l, i) => i === 200_000 || l === String(i + 1))).toBe(true);
    expect(r.code).toBe(0);
  });

  it('carries 5 MB of input through a raw pty byte-exact', async () => {
    const data = randomBytes(4 * 1024 * 1024)
      .toString('base64')
      .slice(0, 5_000_000);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(
        'stty raw -echo; echo ready; head -c 5000000 | sha256sum',
        { pty: { term: 'xterm' } },
        (err, c) => (err ? reject(err) : resolve(c)),
      ),
    );
    await waitFor(channel, /ready/);
    const done = collect(channel);
    channel.write(data);
    const r = await done;
    expect(r.stdout.toString()).toContain(createHash('sha256').update(data).digest('hex'));
  });

  it('delivers an allowed signal to the process', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec('trap "echo got-usr1; exit 7" USR1; echo ready; while :; do sleep 0.05; done', (err, c) =>
        err ? reject(err) : resolve(c),
      ),
    );
    await waitFor(channel, /ready/);
    const done = collect(channel);
    channel.signal('USR1');
    const r = await done;
    expect(r.stdout.toString()).toContain('got-usr1');
    expect(r.code).toBe(7);
  });

  it('reports death by signal as exit-signal', async () => {
    const r = await exec2(client, 'kill -KILL $$');
    // ssh2 reports the wire name KILL with its own SIG prefix.
    expect(r.signal).toBe('SIGKILL');
  });

  it('closing the channel hangs up the process group', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec('sleep 300 & echo $! $$; wait', (err, c) => (err ? reject(err) : resolve(c))),
    );
    const line = await waitFor(channel, /^\d+ \d+\n/);
    const pids = line.trim().split(' ').map(Number);
    expect(pids.every(alive)).toBe(true);
    channel.close();
    expect(await eventually(() => !pids.some(alive), 5000)).toBe(true);
  });

  it('an exec handler serves its commands and declines the rest', async () => {
    const served = await exec2(client, 'hello world');
    expect(served.stdout.toString()).toBe('hi world from a handler\n');
    expect(served.stderr.toString()).toBe('handler stderr\n');
    expect(served.code).toBe(42);
    const declined = await exec2(client, 'echo from-a-process');
    expect(declined.stdout.toString()).toBe('from-a-process\n');
  });

  it('a shell handler runs an interactive REPL on a pty, with resize events', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ rows: 20, cols: 70, term: 'xterm' }, (err, c) => (err ? reject(err) : resolve(c))),
    );
    expect(await waitFor(channel, /repl> $/)).toContain('hello xterm 70x20\r\n');
    channel.write('pi\x7fong\r');
    expect(await waitFor(channel, /you said: pong\r\nrepl> $/)).toContain('pi\b \bong');
    channel.setWindow(40, 120, 0, 0);
    channel.write('size\r');
    expect(await waitFor(channel, /size 120x40\r\n/)).toBeTruthy();
    const done = collect(channel);
    channel.write('quit\r');
    expect((await done).code).toBe(0);
  });

  it('a subsystem handler serves its subsystem; an unknown one is refused', async () => {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.subsys('shout@test', (err, c) => (err ? reject(err) : resolve(c))),
    );
    const r = await collect(channel, 'quiet words');
    expect(r.stdout.toString()).toBe('QUIET WORDS');
    expect(r.code).toBe(0);
    await expect(
      new Promise((resolve, reject) =>
        client.subsys('nope@test', (err, c) => (err ? reject(err) : resolve(c))),
      ),
    ).rejects.toThrow();
  });

  it('a handler that throws or rejects fails only its channel', async () => {
    await expect(exec2(client, 'boom')).rejects.toThrow();
    const rejected = await exec2(client, 'reject');
    expect(rejected.code).toBeUndefined();
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ term: 'xterm' }, (err, c) => (err ? reject(err) : resolve(c))),
    );
    await waitFor(channel, /repl> $/);
    const done = collect(channel);
    channel.write('fail\r');
    expect((await done).code).toBeUndefined();
    // The same connection still works.
    expect((await exec2(client, 'echo alive')).stdout.toString()).toBe('alive\n');
  });

  it('leaves no descriptors or processes behind', async () => {
    const before = ioDescriptorCount();
    const other = (await connectSsh2(ts.port, { username: 'alice', password: 'pw' })).client;
    const pids = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const opts = i % 2 ? { pty: { term: 'xterm' } } : {};
        const r = await exec2(other, 'echo $$', opts);
        return Number(r.stdout.toString().trim());
      }),
    );
    await endSsh2(other);
    expect(await eventually(() => ioDescriptorCount() <= before, 5000)).toBe(true);
    expect(pids.some(alive)).toBe(false);
  });
});
