import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HERMETIC_SSH_OPTIONS } from '../helpers/openssh.js';
import { alive, eventually, HOST, startSessionServer, type SessionServer } from './session-helpers.js';

// The session channel against the real OpenSSH client: exec, exit status, stdout/stderr, stdin,
// ptys, env, account permissions, forced commands, rekeying mid-stream and multiplexing.

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('session channel × OpenSSH ssh', () => {
  let ts: SessionServer;
  const secret = 'sshd-kit-secret-value';
  beforeAll(async () => {
    // The server runs in this process: its environment must never reach a session.
    process.env.SSHD_KIT_TEST_SECRET = secret;
    ts = await startSessionServer({ server: { session: { acceptEnv: ['LC_*', 'LANG'] } } });
  });
  afterAll(async () => {
    delete process.env.SSHD_KIT_TEST_SECRET;
    await ts?.close();
  });

  it("ssh host 'echo hi; exit 3' prints hi and exits 3", async () => {
    const r = await ts.ssh('alice', [HOST, 'echo hi; exit 3']);
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.code).toBe(3);
  });

  it('keeps stdout and stderr apart', async () => {
    const r = await ts.ssh('alice', [HOST, 'echo out; echo err >&2; echo out2']);
    expect(r.stdout.toString()).toBe('out\nout2\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(0);
  });

  it('runs in the home directory with an environment built from scratch', async () => {
    const r = await ts.ssh('alice', [HOST, 'pwd; env']);
    const [pwd, ...envLines] = r.stdout.toString().trimEnd().split('\n');
    expect(pwd).toBe(join(ts.dataDir, 'homes', 'alice'));
    // The session made the home, private, under a fresh data directory.
    expect(statSync(pwd!).mode & 0o777).toBe(0o700);
    const env = Object.fromEntries(
      envLines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({ USER: 'alice', LOGNAME: 'alice', HOME: pwd, SHELL: '/bin/sh' });
    expect(env.SSH_CONNECTION).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${ts.port}$`));
    expect(env.SSH_CLIENT).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ ${ts.port}$`));
    expect(env.TERM).toBeUndefined();
    expect(r.stdout.toString()).not.toContain(secret);
  });

  it('pipes 100 MiB of stdin through cat byte-exact', async () => {
    const data = randomBytes(100 * 1024 * 1024);
    const r = await ts.ssh('alice', [HOST, 'cat'], { input: data, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(sha256(r.stdout)).toBe(sha256(data));
  });

  it('rekeys every 1 MiB during a 100 MiB cat round-trip', async () => {
    const data = randomBytes(100 * 1024 * 1024);
    const r = await ts.ssh('alice', ['-o', 'RekeyLimit=1M', HOST, 'cat'], {
      input: data,
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(sha256(data));
  });

  it('ssh -tt gets a pty: tty, TERM, SSH_TTY and the size', async () => {
    const r = await ts.ssh('alice', ['-tt', HOST, 'tty; echo "$TERM|$SSH_TTY"; stty size; exit 2'], {
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    const lines = r.stdout.toString().split('\r\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines[1]).toBe(`xterm-256color|${lines[0]}`);
    expect(lines[2]).toMatch(/^\d+ \d+$/);
    expect(r.code).toBe(2);
  });

  it('ssh -tt without a command runs a login shell on the pty', async () => {
    const r = await ts.ssh('alice', ['-tt', HOST], { input: 'echo sum=$((6*7)); tty\nexit 4\n' });
    const out = r.stdout.toString();
    expect(out).toContain('sum=42');
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(4);
  });

  it('a shell without a pty reads commands from stdin', async () => {
    const r = await ts.ssh('alice', ['-T', HOST], { input: 'echo $0\necho done\n' });
    expect(r.stdout.toString()).toBe('-sh\ndone\n');
    expect(r.code).toBe(0);
  });

  it('SendEnv/SetEnv: allowed variables arrive, refused ones do not', async () => {
    const r = await ts.ssh(
      'alice',
      ['-o', 'SendEnv=LC_SENT NOT_SENT', '-o', 'SetEnv=LC_SET=yes REFUSED=no', HOST, 'env'],
      { env: { ...process.env, LC_SENT: 'sent-value', NOT_SENT: 'x' } },
    );
    const out = r.stdout.toString();
    expect(out).toContain('LC_SENT=sent-value\n');
    expect(out).toContain('LC_SET=yes\n');
    expect(out).not.toContain('REFUSED');
    expect(out).not.toContain('NOT_SENT');
    expect(r.code).toBe(0);
  });

  it('an sftp-only account is refused exec and shell', async () => {
    const marker = join(ts.dataDir, 'homes', 'bob', 'marker');
    const exec = await ts.ssh('bob', [HOST, `echo hi; touch ${marker}`]);
    expect(exec.stdout.toString()).toBe('');
    expect(exec.code).not.toBe(0);
    const shell = await ts.ssh('bob', ['-T', HOST], { input: `touch ${marker}\n` });
    expect(shell.code).not.toBe(0);
    const pty = await ts.ssh('bob', ['-tt', HOST, 'true']);
    expect(pty.code).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('a forced command replaces the request and sees SSH_ORIGINAL_COMMAND', async () => {
    const r = await ts.ssh('carol', [HOST, 'rm -rf /nowhere']);
    expect(r.stdout.toString()).toBe('forced:rm -rf /nowhere\n');
    const shell = await ts.ssh('carol', ['-T', HOST]);
    expect(shell.stdout.toString()).toBe('forced:\n');
  });

  it('a process killed by a signal is reported as such', async () => {
    const r = await ts.ssh('alice', ['-v', HOST, 'kill -TERM $$']);
    expect(r.stderr).toMatch(/exit-signal|Exit status -1|killed/i);
    expect(r.code).toBe(255);
  });

  it('ControlMaster multiplexes several sessions over one connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-cm-'));
    const socket = join(dir, 'cm');
    const common = [...HERMETIC_SSH_OPTIONS, '-p', String(ts.port), '-i', ts.keyFiles.alice, '-l', 'alice'];
    const before = ts.server.connectionCount;
    const master = spawn(
      'ssh',
      [...common, '-o', 'ControlMaster=yes', '-o', `ControlPath=${socket}`, '-N', HOST],
      {
        stdio: 'ignore',
      },
    );
    try {
      expect(await eventually(() => existsSync(socket), 10_000)).toBe(true);
      const runs = await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          ts.ssh('alice', [
            '-o',
            'ControlMaster=no',
            '-o',
            `ControlPath=${socket}`,
            HOST,
            `echo session-${n}; exit ${n}`,
          ]),
        ),
      );
      runs.forEach((r, i) => {
        expect(r.stdout.toString() + r.stderr).toBe(`session-${i + 1}\n`);
        expect(r.code).toBe(i + 1);
      });
      expect(ts.server.connectionCount).toBe(before + 1);
    } finally {
      master.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a client that goes away takes its processes with it', async () => {
    const child = spawn(
      'ssh',
      [
        ...HERMETIC_SSH_OPTIONS,
        '-p',
        String(ts.port),
        '-i',
        ts.keyFiles.alice,
        '-l',
        'alice',
        HOST,
        'sleep 300 & echo $! $$; wait',
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    const pids = await new Promise<number[]>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim().split(' ').map(Number))),
    );
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGKILL');
    expect(await eventually(() => !pids.some(alive), 5000)).toBe(true);
  });

  it('still serves a fresh login', async () => {
    const r = await ts.ssh('alice', [HOST, 'echo still-here']);
    expect(r.stdout.toString()).toBe('still-here\n');
  });
});
