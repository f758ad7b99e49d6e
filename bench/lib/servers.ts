/**
 * The three servers under test, each started as our own process on a loopback port:
 * OpenSSH's sshd (Debian's binary, `-D -e -f cfg`, never a system service), the ssh2-based
 * reference server in `bench/servers/ssh2-server.ts`, and sshd-kit's built `serve` command.
 * They share one home directory (on tmpfs), one client key and one ed25519 host key type.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HERMETIC_SSH_OPTIONS } from '../../test/helpers/openssh.js';

/** Repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Names of the servers, in the order they are run and shown. */
export const SERVER_NAMES = ['openssh', 'ssh2', 'sshd-kit'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** Where the benchmark keeps keys, configs and the files it transfers. */
export interface Workspace {
  readonly dir: string;
  /** The home every server serves (sshd-kit's jail root; absolute paths for the others). */
  readonly home: string;
  readonly clientKey: string;
  readonly clientPub: string;
  readonly logs: string;
}

/** A running server. */
export interface RunningServer {
  readonly name: ServerName;
  readonly pid: number;
  readonly port: number;
  /** The login name the client uses. */
  readonly user: string;
  /** How the client names a file in the shared home over SFTP. */
  sftpPath(file: string): string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? ''}`);
}

/** Creates (once) the workspace: client key, host keys, sshd-kit data dir and user. */
export function prepareWorkspace(dir: string): Workspace {
  const ws: Workspace = {
    dir,
    home: join(dir, 'home'),
    clientKey: join(dir, 'client', 'id_ed25519'),
    clientPub: join(dir, 'client', 'id_ed25519.pub'),
    logs: join(dir, 'logs'),
  };
  for (const d of [ws.home, dirname(ws.clientKey), ws.logs, join(dir, 'openssh'), join(dir, 'ssh2')])
    mkdirSync(d, { recursive: true, mode: 0o700 });
  if (!existsSync(ws.clientKey))
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-client', '-f', ws.clientKey]);
  for (const who of ['openssh', 'ssh2']) {
    const key = join(dir, who, 'ssh_host_ed25519_key');
    if (!existsSync(key)) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  }
  writeFileSync(join(dir, 'openssh', 'authorized_keys'), readFileSync(ws.clientPub));
  prepareOpenSshUser(ws);
  const kitData = join(dir, 'sshd-kit');
  if (!existsSync(join(kitData, 'users.db'))) {
    mkdirSync(kitData, { recursive: true, mode: 0o700 });
    run(process.execPath, [
      join(REPO, 'bin', 'run.js'),
      'user',
      'add',
      'bench',
      '--no-password',
      '--key',
      ws.clientPub,
      '--home',
      ws.home,
      '--data-dir',
      kitData,
    ]);
  }
  return ws;
}

/** The account OpenSSH logs the client in as when we run as root (see {@link prepareOpenSshUser}). */
export const OPENSSH_BENCH_USER = 'sshdkitbench';

/**
 * As root, OpenSSH logs in a dedicated account whose shell is /bin/sh and whose home is the
 * shared home, created once with useradd: root's own shell (bash, which reads ~/.bashrc when run
 * by sshd) would charge OpenSSH for whatever root's dot files do, and the other two servers run
 * commands with /bin/sh. Not as root, OpenSSH logs in the current user.
 */
function prepareOpenSshUser(ws: Workspace): void {
  if (process.getuid?.() !== 0) return;
  const exists = spawnSync('id', ['-u', OPENSSH_BENCH_USER]).status === 0;
  if (!exists) run('useradd', ['--system', '-M', '-d', ws.home, '-s', '/bin/sh', OPENSSH_BENCH_USER]);
  // '*': no password, but not a locked account ('!'), which sshd refuses without PAM.
  run('usermod', ['-d', ws.home, '-s', '/bin/sh', '-p', '*', OPENSSH_BENCH_USER]);
  run('chown', [OPENSSH_BENCH_USER, ws.home]);
  // sshd reads authorized_keys as the user: the path to it must be open to them.
  chmodSync(ws.dir, 0o711);
  chmodSync(join(ws.dir, 'openssh'), 0o711);
  chmodSync(join(ws.dir, 'openssh', 'authorized_keys'), 0o644);
}

function opensshUser(): string {
  return process.getuid?.() === 0 ? OPENSSH_BENCH_USER : userInfo().username;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

/** Resolves once something on `port` answers with an SSH identification line. */
async function waitForBanner(port: number, child: ChildProcess, name: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} while starting`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(port, '127.0.0.1');
      sock.setTimeout(2000);
      sock.once('data', (d) => {
        sock.destroy();
        res(d.toString('latin1').startsWith('SSH-'));
      });
      sock.once('error', () => res(false));
      sock.once('timeout', () => {
        sock.destroy();
        res(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start on port ${port}`);
}

/** Starts a process with a raised fd limit (`ulimit -n` in a shell that then execs it). */
function spawnServer(ws: Workspace, name: string, argv: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(ws.logs, `${name}.log`), 'a');
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('/bin/sh', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n 20000; exec ${quoted}`], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        res();
      });
      child.kill('SIGTERM');
    });
}

async function startOpenSsh(ws: Workspace): Promise<RunningServer> {
  const port = await freePort();
  const dir = join(ws.dir, 'openssh');
  const cfg = join(dir, 'sshd_config');
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
      'PidFile none',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      'LogLevel ERROR',
      'MaxStartups 100:30:200',
      'MaxSessions 10',
      'UseDNS no',
      '',
    ].join('\n'),
  );
  // sshd becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER survives exec): a session's
  // processes outlive the monitor that forked them, and would otherwise be reaped by init, taking
  // their CPU time out of the listener's cutime.
  const child = spawnServer(ws, 'openssh', [
    'python3',
    '-c',
    'import ctypes, os, sys; ctypes.CDLL(None).prctl(36, 1, 0, 0, 0); os.execv(sys.argv[1], sys.argv[1:])',
    '/usr/sbin/sshd',
    '-D',
    '-e',
    '-f',
    cfg,
  ]);
  await waitForBanner(port, child, 'sshd');
  return {
    name: 'openssh',
    pid: child.pid!,
    port,
    user: opensshUser(),
    sftpPath: (f) => join(ws.home, f),
    stop: stopper(child),
  };
}

async function startSsh2(ws: Workspace): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnServer(ws, 'ssh2', [
    process.execPath,
    '--import',
    'tsx',
    join(REPO, 'bench', 'servers', 'ssh2-server.ts'),
    '--port',
    String(port),
    '--host-key',
    join(ws.dir, 'ssh2', 'ssh_host_ed25519_key'),
    '--authorized-key',
    ws.clientPub,
  ]);
  await waitForBanner(port, child, 'ssh2 server');
  return {
    name: 'ssh2',
    pid: child.pid!,
    port,
    user: 'bench',
    sftpPath: (f) => join(ws.home, f),
    stop: stopper(child),
  };
}

async function startSshdKit(ws: Workspace): Promise<RunningServer> {
  const port = await freePort();
  const data = join(ws.dir, 'sshd-kit');
  const cfg = join(data, 'bench-config.yaml');
  writeFileSync(
    cfg,
    [
      `port: ${port}`,
      'listenAddress: [127.0.0.1]',
      'maxStartups: "100:30:200"',
      'log:',
      '  level: warn',
      '  format: json',
      '',
    ].join('\n'),
  );
  // SSHD_KIT_ROOT points at another checkout's build, to compare two versions.
  const root = process.env.SSHD_KIT_ROOT ?? REPO;
  if (!existsSync(join(root, 'dist', 'commands', 'serve.js')))
    throw new Error(`sshd-kit is measured from ${root}/dist/: run \`npm run build\` first`);
  const child = spawnServer(ws, 'sshd-kit', [
    process.execPath,
    // bench/profile.ts runs it with --cpu-prof.
    ...(process.env.SSHD_KIT_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
    join(root, 'bin', 'run.js'),
    'serve',
    '--data-dir',
    data,
    '--config',
    cfg,
  ]);
  await waitForBanner(port, child, 'sshd-kit');
  return {
    name: 'sshd-kit',
    pid: child.pid!,
    port,
    user: 'bench',
    sftpPath: (f) => `/${f}`,
    stop: stopper(child),
  };
}

/** Starts one server. */
export function startServer(name: ServerName, ws: Workspace): Promise<RunningServer> {
  switch (name) {
    case 'openssh':
      return startOpenSsh(ws);
    case 'ssh2':
      return startSsh2(ws);
    case 'sshd-kit':
      return startSshdKit(ws);
  }
}

/** Arguments for `sftp -b -` against `server`: commands come on standard input, one per line. */
export function sftpBatchArgs(
  ws: Workspace,
  server: RunningServer,
  algorithms: { cipher: string; mac?: string },
): string[] {
  return [
    ...opensshClientArgs(ws, algorithms),
    '-b',
    '-',
    '-P',
    String(server.port),
    `${server.user}@127.0.0.1`,
  ];
}

/** OpenSSH client options: the tests' hermetic set, batch mode, our key, and the algorithms under test. */
export function opensshClientArgs(ws: Workspace, algorithms: { cipher: string; mac?: string }): string[] {
  return [
    ...HERMETIC_SSH_OPTIONS,
    '-o',
    'BatchMode=yes',
    '-o',
    'KexAlgorithms=curve25519-sha256',
    '-o',
    'HostKeyAlgorithms=ssh-ed25519',
    '-o',
    `Ciphers=${algorithms.cipher}`,
    ...(algorithms.mac ? ['-o', `MACs=${algorithms.mac}`] : []),
    '-i',
    ws.clientKey,
  ];
}
