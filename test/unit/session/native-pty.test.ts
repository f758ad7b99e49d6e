import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import { spawnWithNativePty } from '../../../src/session/native-pty-process.js';
import type { LaunchSpec, PtySpec, SessionProcess } from '../../../src/session/process.js';
import {
  loadNativePtySpawn,
  NATIVE_SPAWN_ENV,
  nativePtySpawn,
  type NativePtyHandle,
} from '../../../src/session/spawn.js';

const native = nativePtySpawn;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A command run by /bin/sh on a pty, in a fresh directory. */
function spec(command: string): LaunchSpec {
  const cwd = mkdtempSync(join(tmpdir(), 'sshd-kit-pty-'));
  dirs.push(cwd);
  return {
    shell: '/bin/sh',
    target: { kind: 'command', command },
    env: { PATH: '/usr/bin:/bin', HOME: cwd, TERM: 'xterm' },
    cwd,
    killGraceMs: 1000,
    log: silentLogger,
  };
}

const pty: PtySpec = {
  info: { term: 'xterm', size: { cols: 91, rows: 17, widthPx: 0, heightPx: 0 }, modes: {} },
  size: { cols: 91, rows: 17, widthPx: 0, heightPx: 0 },
};

/** An output that collects what it is given and, while `blocked`, reports itself full. */
class SlowOutput extends Writable {
  readonly chunks: Buffer[] = [];
  blocked = false;
  private pending: (() => void) | undefined;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    if (this.blocked) this.pending = done;
    else done();
  }

  unblock(): void {
    this.blocked = false;
    const p = this.pending;
    this.pending = undefined;
    p?.();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function start(command: string, output = new SlowOutput({ highWaterMark: 1024 }), addon = native!) {
  const input = new PassThrough();
  const proc: SessionProcess = spawnWithNativePty(addon, spec(command), pty, {
    input,
    output,
    stderr: new PassThrough(),
  });
  return { proc, input, output };
}

describe(`the native pty (${NATIVE_SPAWN_ENV})`, () => {
  it('is loaded when the addon is built, and switched off with the others', () => {
    expect(loadNativePtySpawn({ [NATIVE_SPAWN_ENV]: '0' })).toBeUndefined();
  });

  it.skipIf(!native)(
    'runs the process on its own pty: controlling terminal, session leader, size, SSH_TTY',
    async () => {
      const { proc, output } = start(
        'tty; echo "tty=$SSH_TTY"; stty size; echo "ids=$(ps -o sid= -o tpgid= -p $$)"; echo "pid=$$"',
      );
      expect(await proc.done).toBe(0);
      const text = output.text().replace(/\r/g, '');
      const tty = /^(\/dev\/pts\/\d+)$/m.exec(text)?.[1];
      expect(tty).toBeDefined();
      expect(text).toContain(`tty=${tty}`);
      expect(text).toContain('17 91\n');
      const [sid, tpgid] = /ids=\s*(\d+)\s+(\d+)/.exec(text)!.slice(1).map(Number);
      const pid = Number(/pid=(\d+)/.exec(text)![1]);
      // Its own session, and the terminal's foreground group: the pty is its controlling terminal.
      expect(sid).toBe(proc.pid);
      expect(pid).toBe(proc.pid);
      expect(tpgid).toBe(proc.pid);
    },
  );

  it.skipIf(!native)(
    'loses no output when the channel is full while the process writes and exits',
    async () => {
      const output = new SlowOutput({ highWaterMark: 1024 });
      output.blocked = true;
      const { proc } = start('head -c 300000 /dev/zero | tr "\\0" a; echo; echo end-of-output', output);
      // Held back well past the exit: nothing may be dropped meanwhile.
      await new Promise((r) => setTimeout(r, 500));
      const drain = setInterval(() => output.unblock(), 2);
      const status = await proc.done;
      clearInterval(drain);
      expect(status).toBe(0);
      const text = output.text();
      expect(text.split('a').length - 1).toBe(300000);
      expect(text.replace(/\r/g, '')).toMatch(/end-of-output\n$/);
    },
  );

  it.skipIf(!native)(
    'ends as soon as the process exits, though a background job still holds the terminal',
    async () => {
      const t0 = Date.now();
      const { proc, output } = start('(trap "" HUP; exec sleep 5) & echo started');
      expect(await proc.done).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(output.text()).toContain('started');
    },
  );

  it.skipIf(!native)('ends promptly after the exit (node-pty took 200 ms more every time)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      expect(await start('exit 4').proc.done).toBe(4);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(150);
  });

  it.skipIf(!native)('ends when a background job keeps writing after the exit (bounded output)', async () => {
    const { proc, output } = start('t=$(tty); (trap "" HUP; exec yes > "$t") & sleep 0.1; echo exited');
    expect(await proc.done).toBe(0);
    expect(output.text()).toContain('exited');
    // What came after the exit is capped (1 MiB), not read for ever.
    expect(Buffer.concat(output.chunks).length).toBeLessThan(64 * 1024 * 1024);
  });

  it.skipIf(!native)('carries input larger than the pty buffer byte-exact, waiting for room', async () => {
    const size = 400_000;
    // Raw mode first: a canonical-mode line holds at most 4095 bytes.
    let waits = 0;
    const counting = {
      ...native!,
      ptyWaitWritable: (handle: NativePtyHandle) => {
        waits++;
        native!.ptyWaitWritable(handle);
      },
    };
    const { proc, input, output } = start(
      `stty raw -echo; echo ready; head -c ${size} | od -An -tx1 -v | tr -s ' \\n' '\\n\\n' | grep -c .`,
      undefined,
      counting,
    );
    await until(() => output.text().includes('ready'));
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = 33 + (i % 90);
    input.write(data);
    expect(await proc.done).toBe(0);
    expect(output.text()).toContain(String(size));
    // The pty's input buffer is a few KiB: the rest waited for room, and nothing was dropped.
    expect(waits).toBeGreaterThan(0);
  });

  it.skipIf(!native)(
    'gives the pty the size in characters and pixels, at the start and on resize',
    async () => {
      const show = `python3 -c 'import fcntl, struct, termios; print("ws", *struct.unpack("4H", fcntl.ioctl(0, termios.TIOCGWINSZ, bytes(8))))'`;
      const input = new PassThrough();
      const output = new SlowOutput({ highWaterMark: 1024 });
      const size = { cols: 91, rows: 17, widthPx: 728, heightPx: 408 };
      const proc = spawnWithNativePty(
        native!,
        spec(`show() { ${show}; }; trap show WINCH; show; while :; do sleep 0.05; done`),
        { info: { ...pty.info, size }, size },
        { input, output, stderr: new PassThrough() },
      );
      await until(() => output.text().includes('ws 17 91 728 408'));
      proc.resize({ cols: 120, rows: 40, widthPx: 960, heightPx: 800 });
      await until(() => output.text().includes('ws 40 120 960 800'));
      proc.hangUp();
      await proc.done;
    },
  );

  it.skipIf(!native)('resizes, signals and sends a break to the process', async () => {
    const { proc, input, output } = start(
      'trap "echo got-usr1" USR1; trap "echo got-int; exit 3" INT; echo ready; while :; do sleep 0.05; done',
    );
    await until(() => output.text().includes('ready'));
    proc.resize({ cols: 120, rows: 40, widthPx: 0, heightPx: 0 });
    proc.signal('USR1');
    await until(() => output.text().includes('got-usr1'));
    expect(proc.sendBreak()).toBe(true);
    expect(await proc.done).toBe(3);
    expect(output.text()).toContain('got-int');
    input.end();
  });

  it.skipIf(!native)('hangs up the process group when the client goes away', async () => {
    const { proc, output } = start('trap "echo hup; exit 9" HUP; echo ready; while :; do sleep 0.05; done');
    await until(() => output.text().includes('ready'));
    proc.hangUp();
    expect(await proc.done).toBe(9);
  });

  it.skipIf(!native)('finishes when the client goes away with the channel full', async () => {
    const output = new SlowOutput({ highWaterMark: 1024 });
    output.blocked = true;
    const { proc } = start('trap "" HUP; head -c 200000 /dev/zero; exit 6', output);
    await until(() => output.chunks.length > 0);
    // The channel never drains: hanging up must not wait for it.
    proc.hangUp();
    expect(await proc.done).toBe(6);
  });

  it.skipIf(!native)('refuses a relative program and calls on a closed pty', () => {
    const noop = () => undefined;
    expect(() => native!.spawnPty('sh', ['sh'], [], '/', [80, 24, 0, 0], noop, noop, noop)).toThrow(
      /absolute path/,
    );
    const started = native!.spawnPty('/bin/true', ['true'], [], '/', [80, 24, 0, 0], noop, noop, noop);
    expect(Array.isArray(started)).toBe(true);
    const [, handle] = started as [number, NativePtyHandle];
    native!.ptyClose(handle);
    expect(() => native!.ptyWrite(handle, Buffer.from('x'))).toThrow(/closed/);
    expect(() => native!.ptyResize({} as typeof handle, [1, 1, 0, 0])).toThrow(/not a pty handle/);
  });
});

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
