import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadNativeProcessSpawn,
  NATIVE_SPAWN_ENV,
  nativeProcessSpawn,
  spawnPiped,
  type NativeProcessSpawn,
  type PipedChild,
  type PipedSpawnOptions,
} from '../../../src/session/spawn.js';

const switchedOff = process.env[NATIVE_SPAWN_ENV] === '0';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Finished {
  stdout: string;
  stderr: string;
  exit: [number | null, NodeJS.Signals | null];
  close: [number | null, NodeJS.Signals | null];
  /** 'exit' and 'close', in the order they came (stdout/stderr ends in between). */
  events: string[];
}

/** Runs a child to its 'close', collecting its output. */
function finish(child: PipedChild, input?: string): Promise<Finished> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const events: string[] = [];
  let exit: Finished['exit'] = [null, null];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdout.on('end', () => events.push('stdout end'));
  // A child that exits without reading its input makes the write fail with EPIPE.
  child.stdin.on('error', () => undefined);
  if (input !== undefined) child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      exit = [code, signal];
      events.push('exit');
    });
    child.on('close', (code, signal) => {
      events.push('close');
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        exit,
        close: [code, signal],
        events,
      });
    });
  });
}

function shell(script: string, env: Record<string, string> = {}, cwd = '/'): PipedSpawnOptions {
  return { file: '/bin/sh', argv: ['-sh', '-c', script], env, cwd };
}

describe('the native process start', () => {
  it.skipIf(switchedOff)('is built by npm ci and loads in this checkout', () => {
    expect(nativeProcessSpawn).toBeDefined();
    expect(loadNativeProcessSpawn({ [NATIVE_SPAWN_ENV]: '0' })).toBeUndefined();
  });

  // Loaded whatever SSHD_KIT_NATIVE_SPAWN says; missing only when the addon was not built at all.
  const native = loadNativeProcessSpawn({});
  it.skipIf(!native)('refuses bad arguments with a thrown error, never a crash', () => {
    const bad: unknown[][] = [
      [],
      ['sh', ['sh'], [], '/', () => undefined],
      ['/bin/sh', [], [], '/', () => undefined],
      ['/bin/sh', ['sh'], [1], '/', () => undefined],
      ['/bin/sh', ['sh', 'a\0b'], [], '/', () => undefined],
      ['/bin/sh', ['sh'], [], '/', 'not a function'],
      ['/bin/sh', 'sh', [], '/', () => undefined],
    ];
    for (const args of bad)
      expect(() => (native!.spawnProcess as (...a: unknown[]) => unknown)(...args)).toThrow(/spawnProcess/);
  });
});

// null, not undefined: an undefined argument would take the default, the native start.
const paths: [string, NativeProcessSpawn | null][] = [['node:child_process', null]];
if (nativeProcessSpawn) paths.unshift(['the native addon', nativeProcessSpawn]);

describe.each(paths)('spawnPiped through %s', (_name, native) => {
  it('runs exactly argv, env and cwd, and reports the exit code after the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-spawn-'));
    dirs.push(dir);
    const script = 'echo "$0|$FOO|${HOME-unset}|$(pwd)"; echo oops >&2; exit 3';
    const r = await finish(spawnPiped(shell(script, { FOO: 'bar baz' }, dir), native));
    expect(r.stdout).toBe(`-sh|bar baz|unset|${dir}\n`);
    expect(r.stderr).toBe('oops\n');
    expect(r.exit).toEqual([3, null]);
    expect(r.close).toEqual([3, null]);
    expect(r.events.at(-1)).toBe('close');
    expect(r.events).toContain('stdout end');
  });

  it('pipes stdin through to EOF, a megabyte both ways', async () => {
    const input = 'x'.repeat(1024 * 1024 - 1) + '\n';
    const r = await finish(spawnPiped(shell('cat; echo done >&2'), native), input);
    expect(r.stdout).toBe(input);
    expect(r.stderr).toBe('done\n');
    expect(r.exit).toEqual([0, null]);
  });

  it.each([
    ['copy each chunk (read into)', true],
    ['keep the chunks they are given (piped)', false],
  ])(
    'writes stdout and stderr into sinks that %s, reports their ends, and leaves the sinks open',
    async (_kind, copyBeforeCallback) => {
      // A sink that does not copy keeps each chunk as given: a reused read buffer would overwrite it.
      const sink = (into: Buffer[]) =>
        new Writable({
          write(chunk: Buffer, _enc, done) {
            into.push(copyBeforeCallback ? Buffer.from(chunk) : chunk);
            done();
          },
        });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const outputs = { stdout: sink(out), stderr: sink(err), copyBeforeCallback };
      // Lines that differ, so a chunk overwritten by a later read would show.
      const script = 'seq 1 300000; head -c 200000 /dev/zero | tr "\\0" e >&2';
      const child = spawnPiped({ ...shell(script), outputs }, native);
      const r = await finish(child);
      expect(r.events).toContain('stdout end');
      expect(r.exit).toEqual([0, null]);
      const stdout = Buffer.concat(out);
      expect(
        stdout.equals(Buffer.from(Array.from({ length: 300000 }, (_, i) => `${i + 1}\n`).join(''))),
      ).toBe(true);
      const stderr = Buffer.concat(err);
      expect(stderr.length).toBe(200000);
      expect(stderr.every((b) => b === 0x65)).toBe(true);
      expect(outputs.stdout.writableEnded || outputs.stderr.writableEnded).toBe(false);
    },
  );

  it('gives the child its own session, every signal at its default and none blocked, and stdio on 0-2', async () => {
    // Node ignores SIGPIPE in the server; a child must not inherit that (`yes | head` would spin).
    // The shell reads its own status with a builtin: while it waits for a child (grep, say) dash
    // blocks every signal, so a child reading /proc/$$/status would race with that.
    const script =
      'set -- $(cat /proc/$$/stat); echo "sid=$6 pid=$$"; ' +
      'while read -r key value; do case $key in SigBlk:|SigIgn:) echo "$key $value";; esac; done < /proc/$$/status; ' +
      'ls /proc/$$/fd';
    const child = spawnPiped(shell(script), native);
    const r = await finish(child);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`sid=${child.pid} pid=${child.pid}`);
    // Signals 1-31 (glibc keeps its internal 32 and 33 to itself; they are no shell's business).
    const classic = (line: string) => BigInt(`0x${line.split(/\s+/)[1]}`) & 0x7fffffffn;
    expect(lines[1]).toMatch(/^SigBlk:/);
    expect(classic(lines[1]!)).toBe(0n);
    expect(lines[2]).toMatch(/^SigIgn:/);
    expect(classic(lines[2]!)).toBe(0n);
    // $$ is the shell, so ls lists the shell's descriptors, not its own. node passes on whatever
    // the server inherited without close-on-exec; the native start closes everything past 2.
    const fds = lines.slice(3);
    expect(fds.slice(0, 3)).toEqual(['0', '1', '2']);
    if (native) expect(fds).toEqual(['0', '1', '2']);
  });

  it('reports a signal as the end, reaps the child, and closes its stdio', async () => {
    const child = spawnPiped(shell('echo ready; exec sleep 30'), native);
    child.stdout.once('data', () => process.kill(child.pid!, 'SIGTERM'));
    const r = await finish(child);
    expect(r.stdout).toBe('ready\n');
    expect(r.exit).toEqual([null, 'SIGTERM']);
    expect(r.close).toEqual([null, 'SIGTERM']);
    // Reaped: no zombie is left behind under the test process.
    expect(existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it('reports a missing program or directory as an error event (ENOENT), and E2BIG as a throw', async () => {
    const missing = spawnPiped({ file: '/nonexistent/sh', argv: ['sh'], env: {}, cwd: '/' }, native);
    await expect(finish(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    const noDir = spawnPiped(shell('true', {}, '/nonexistent-dir'), native);
    await expect(finish(noDir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => spawnPiped(shell(`echo ${'x'.repeat(200 * 1024)}`), native)).toThrow(
      expect.objectContaining({ code: 'E2BIG' }),
    );
  });

  it('leaves no descriptor of a finished child open in the server', async () => {
    const before = openSockets();
    for (let i = 0; i < 20; i++) await finish(spawnPiped(shell('echo hi'), native), '');
    // Each finished child's three sockets are closed (allow for the test runner's own traffic).
    expect(openSockets() - before).toBeLessThan(3);
  });
});

/** Sockets this process has open. */
function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // the directory's own descriptor, closed by now
    }
  }).length;
}
