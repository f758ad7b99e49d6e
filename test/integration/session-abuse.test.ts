import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BreakRequest,
  EnvRequest,
  ExecRequest,
  PtyRequest,
  SignalRequest,
  SubsystemRequest,
  WindowChangeRequest,
  X11Request,
} from '../../src/session/messages.js';
import { encodeTerminalModes } from '../../src/session/terminal-modes.js';
import { ExitStatusRequest } from '../../src/connection/channel.js';
import { RawSession, startSessionServer, type SessionServer } from './session-helpers.js';

// Security catalogue C09–C12, C15: session requests no well-behaved client sends, from our own
// raw client. Each is answered (failure, or clamped), and the server keeps serving.

const MAX_U32 = 0xffffffff;
const pty = (over: Partial<Parameters<typeof PtyRequest.encode>[0]> = {}) =>
  PtyRequest.encode({
    term: 'xterm',
    cols: 80,
    rows: 24,
    widthPx: 0,
    heightPx: 0,
    modes: encodeTerminalModes({}),
    ...over,
  });
const env = (name: string, value = 'v') => EnvRequest.encode({ name, value });
const exec = (command: string) => ExecRequest.encode({ command });

describe('session channel abuse (raw client)', () => {
  let ts: SessionServer;
  const sessions: RawSession[] = [];
  const open = async (user = 'alice') => {
    const s = await RawSession.open(ts.port, user);
    sessions.push(s);
    return s;
  };
  beforeAll(async () => {
    ts = await startSessionServer({ server: { session: { acceptEnv: ['*'] } } });
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close();
  });
  afterAll(() => ts?.close());

  it('C09: a second pty is refused', async () => {
    const s = await open();
    expect(await s.request('pty-req', pty())).toBe('success');
    expect(await s.request('pty-req', pty())).toBe('failure');
  });

  it('C09: pty and window sizes of 2^32-1 are clamped, not allocated', async () => {
    const s = await open();
    const huge = { cols: MAX_U32, rows: MAX_U32, widthPx: MAX_U32, heightPx: MAX_U32 };
    expect(await s.request('pty-req', pty(huge))).toBe('success');
    expect(await s.request('window-change', WindowChangeRequest.encode(huge), false)).toBeUndefined();
    expect(await s.request('exec', exec('stty size'))).toBe('success');
    const r = await s.untilClosed();
    expect(r.text).toBe('1024 2048\r\n');
    expect(r.exitStatus).toBe(0);
  });

  it('C09: 200 KiB of garbage modes are parsed in bounded time; a long or odd TERM is refused', async () => {
    const s = await open();
    const t0 = Date.now();
    expect(await s.request('pty-req', pty({ modes: randomBytes(200 * 1024) }))).toBe('success');
    expect(Date.now() - t0).toBeLessThan(2000);
    const s2 = await open();
    expect(await s2.request('pty-req', pty({ term: 'x'.repeat(100 * 1024) }))).toBe('failure');
    expect(await s2.request('pty-req', pty({ term: 'xterm;rm -rf /' }))).toBe('failure');
    expect(await s2.request('pty-req', Buffer.from('garbage'))).toBe('failure');
  });

  it('C09: an sftp-only account gets no pty, shell or exec', async () => {
    const s = await open('bob');
    expect(await s.request('pty-req', pty())).toBe('failure');
    expect(await s.request('shell', new Uint8Array(0))).toBe('failure');
    expect(await s.request('exec', exec(`touch ${join(ts.dataDir, 'bob-marker')}`))).toBe('failure');
    expect(existsSync(join(ts.dataDir, 'bob-marker'))).toBe(false);
  });

  it('C10: env names with "=" or NUL, reserved names and too many variables are refused', async () => {
    const before = JSON.stringify(process.env);
    const s = await open();
    expect(await s.request('env', env('A=B'))).toBe('failure');
    expect(await s.request('env', env('A\0B'))).toBe('failure');
    expect(await s.request('env', env('GOOD', 'a\0b'))).toBe('failure');
    for (const name of [
      'LD_PRELOAD',
      'NODE_OPTIONS',
      'PATH',
      'BASH_ENV',
      '__proto__',
      'HOME',
      'SSH_AUTH_SOCK',
    ])
      expect(await s.request('env', env(name)), name).toBe('failure');
    const replies: string[] = [];
    for (let i = 0; i < 200; i++) replies.push((await s.request('env', env(`LC_V${i}`)))!);
    expect(replies.filter((r) => r === 'success')).toHaveLength(128);
    expect(replies.slice(128).every((r) => r === 'failure')).toBe(true);
    expect(await s.request('exec', exec('echo "$LC_V0|$LC_V127|$LC_V128|${LD_PRELOAD-unset}"'))).toBe(
      'success',
    );
    expect((await s.untilClosed()).text).toBe('v|v||unset\n');
    expect(JSON.stringify(process.env)).toBe(before);
  });

  it('C11: exec with NUL or past the argument limit is refused, and the channel stays usable', async () => {
    const s = await open();
    expect(await s.request('exec', exec('echo a\0b'))).toBe('failure');
    // Past the kernel's 128 KiB argument limit: the process cannot be created, the request fails.
    expect(await s.request('exec', exec(`echo ${'x'.repeat(200 * 1024)}`))).toBe('failure');
    expect(await s.request('exec', exec('echo after'))).toBe('success');
    expect((await s.untilClosed()).text).toBe('after\n');
  });

  it('C12: one of shell/exec/subsystem per channel; unknown subsystems refused', async () => {
    const s = await open();
    expect(await s.request('subsystem', SubsystemRequest.encode({ name: 'no-such' }))).toBe('failure');
    expect(await s.request('exec', exec('read x; echo $x'))).toBe('success');
    expect(await s.request('shell', new Uint8Array(0))).toBe('failure');
    expect(await s.request('exec', exec('id'))).toBe('failure');
    expect(await s.request('subsystem', SubsystemRequest.encode({ name: 'sftp' }))).toBe('failure');
    expect(await s.request('pty-req', pty())).toBe('failure');
    expect(await s.request('env', env('LC_LATE'))).toBe('failure');
  });

  it('C15: client exit-status/exit-signal, x11, early signal and break are refused; the session goes on', async () => {
    const s = await open();
    expect(await s.request('exit-status', ExitStatusRequest.encode({ exitStatus: 0 }))).toBe('failure');
    expect(
      await s.request(
        'x11-req',
        X11Request.encode({
          singleConnection: false,
          authProtocol: 'MIT-MAGIC-COOKIE-1',
          authCookie: Buffer.from('00'),
          screenNumber: 0,
        }),
      ),
    ).toBe('failure');
    expect(await s.request('signal', SignalRequest.encode({ name: 'TERM' }))).toBe('failure');
    expect(await s.request('break', BreakRequest.encode({ breakLength: 0 }))).toBe('failure');
    expect(await s.request('auth-agent-req@openssh.com', new Uint8Array(0))).toBe('failure');
    expect(await s.request('exec', exec('echo ok'))).toBe('success');
    expect((await s.untilClosed()).text).toBe('ok\n');
  });

  it('signals outside the allow-list are refused; a death by signal is reported without SIG', async () => {
    const s = await open();
    expect(await s.request('exec', exec('echo $$; exec sleep 5'))).toBe('success');
    await s.readUntil((t) => t.includes('\n'));
    expect(await s.request('signal', SignalRequest.encode({ name: 'SEGV' }))).toBe('failure');
    expect(await s.request('signal', SignalRequest.encode({ name: 'TERM' }))).toBe('success');
    expect((await s.untilClosed()).exitSignal).toBe('TERM');
  });

  it('break on a pty interrupts the foreground process', async () => {
    const s = await open();
    expect(await s.request('pty-req', pty())).toBe('success');
    const script = 'trap "echo caught-int; exit 9" INT; echo ready; while :; do sleep 0.05; done';
    expect(await s.request('exec', exec(script))).toBe('success');
    await s.readUntil((t) => t.includes('ready'));
    expect(await s.request('break', BreakRequest.encode({ breakLength: 500 }))).toBe('success');
    const r = await s.untilClosed();
    expect(r.text).toContain('caught-int');
    expect(r.exitStatus).toBe(9);
  });

  it('eow@openssh.com stops reading the process output, which then ends', async () => {
    const s = await open();
    expect(await s.request('eow@openssh.com', new Uint8Array(0))).toBe('failure');
    expect(await s.request('exec', exec('yes'))).toBe('success');
    await s.readUntil((t) => t.length > 1000);
    expect(await s.request('eow@openssh.com', new Uint8Array(0))).toBe('success');
    const r = await s.untilClosed();
    expect(r.exitStatus ?? r.exitSignal).toBeDefined();
  });

  it('serves a fresh login after all of the above', async () => {
    const s = await open();
    expect(await s.request('exec', exec('echo fresh'))).toBe('success');
    const r = await s.untilClosed();
    expect(r.text).toBe('fresh\n');
    expect(r.exitStatus).toBe(0);
  });
});
