import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type NetConnectOpts, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import type { ForwardingPolicy } from '../../src/forwarding/index.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import type { SshServerOptions } from '../../src/server/server.js';
import type { UserPermissions } from '../../src/users/user-store.js';
import { HERMETIC_SSH_OPTIONS, run, writeClientKey, type RunResult } from '../helpers/openssh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A listening echo server (TCP or unix): what comes in goes back, EOF included (half-close kept). */
export interface EchoServer {
  readonly port: number;
  readonly path?: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

function echoServer(): Server & { accepted: number } {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    server.accepted++;
    socket.on('error', () => undefined);
    socket.pipe(socket);
  }) as Server & { accepted: number };
  server.accepted = 0;
  return server;
}

const closeServer = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** Starts a TCP echo server on 127.0.0.1 (or a unix one at `path`). */
export async function startEcho(path?: string): Promise<EchoServer> {
  const server = echoServer();
  await new Promise<void>((resolve) =>
    path ? server.listen(path, () => resolve()) : server.listen(0, '127.0.0.1', () => resolve()),
  );
  return {
    port: path ? 0 : (server.address() as AddressInfo).port,
    ...(path ? { path } : {}),
    get accepted() {
      return server.accepted;
    },
    close: () => closeServer(server),
  };
}

/** An HTTP server on 127.0.0.1 that answers each POST with its body (for curl through SOCKS). */
export async function startHttpEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Connects, sends `data` and EOF, and collects what comes back until the peer's EOF. With an echo
 * behind the forward, the answer is byte-for-byte the data (1 MiB+ each way exercises windows).
 */
export function roundTrip(target: NetConnectOpts, data: Buffer, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ ...target, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`round trip timed out after ${chunks.reduce((n, c) => n + c.length, 0)} bytes`));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', () => socket.end(data));
  });
}

/** 1.5 MiB of random bytes. */
export const payload = (size = 1536 * 1024) => randomBytes(size);

/** Polls until something accepts connections at `target`. */
export async function waitForListener(target: NetConnectOpts, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(target);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening at ${JSON.stringify(target)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await closeServer(s);
  return port;
}

/** A test server whose user `alice` (key `key`, password `pw`) has its own home directory. */
export interface ForwardingFixture {
  readonly ts: TestServer;
  readonly port: number;
  readonly dir: string;
  readonly home: string;
  readonly key: PrivateKey;
  readonly keyPath: string;
  close(): Promise<void>;
}

/** Starts a server with `alice` (port and agent forwarding on, unless `permissions` say) and `bob` (SFTP-only). */
export async function startForwardingServer(
  options: {
    forwarding?: ForwardingPolicy;
    permissions?: Partial<UserPermissions>;
    server?: Partial<SshServerOptions>;
  } = {},
): Promise<ForwardingFixture> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sshd-kit-fwd-')));
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const key = await generatePrivateKey('ed25519', { comment: 'alice' });
  const keyPath = await writeClientKey(dir, 'alice_key', key);
  const ts = await startTestServer({
    users: [
      {
        name: 'alice',
        password: 'pw',
        keys: [key],
        home,
        permissions: { portForwarding: true, agentForwarding: true, ...options.permissions },
      },
      {
        name: 'bob',
        password: 'pw',
        keys: [key],
        permissions: { shell: false, exec: false, sftp: true, portForwarding: false, agentForwarding: false },
      },
    ],
    server: { ...(options.forwarding ? { forwarding: options.forwarding } : {}), ...options.server },
  });
  return {
    ts,
    port: ts.port,
    dir,
    home,
    key,
    keyPath,
    async close() {
      await ts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `ssh` as `user` with the client agent at `agentSock` forwarded (`-A`). OpenSSH 9.2 forwards
 * nothing while `IdentityAgent=none`, so the hermetic options name the agent instead; keys in it
 * are not offered for login (IdentitiesOnly).
 */
export function sshWithAgent(
  fixture: ForwardingFixture,
  agentSock: string,
  command: string,
  user = 'alice',
): Promise<RunResult> {
  const hermetic = HERMETIC_SSH_OPTIONS.map((o) =>
    o === 'IdentityAgent=none' ? `IdentityAgent=${agentSock}` : o,
  );
  return run('ssh', [
    ...hermetic,
    '-o',
    'BatchMode=yes',
    '-A',
    '-i',
    fixture.keyPath,
    '-p',
    String(fixture.port),
    `${user}@127.0.0.1`,
    command,
  ]);
}

/** A running `ssh` client process with its stderr so far. */
export interface SshProcess {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves with the first stderr match of `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts OpenSSH `ssh` as `alice` with hermetic options (LogLevel INFO, to see allocated ports). */
export function spawnSsh(
  fixture: ForwardingFixture,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): SshProcess {
  const hermetic = HERMETIC_SSH_OPTIONS.map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=INFO' : o));
  const child = spawn(
    'ssh',
    [
      ...hermetic,
      '-o',
      'BatchMode=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-i',
      fixture.keyPath,
      '-p',
      String(fixture.port),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env },
  );
  let err = '';
  const waiters: (() => void)[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stdout!.resume();
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return {
    child,
    stderr: () => err,
    exited,
    waitForStderr(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in ssh stderr: ${err}`)), timeoutMs);
        const check = () => {
          const m = pattern.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      // OpenSSH 9.2's client loop checks the flag its SIGTERM handler sets and then sleeps in
      // poll(): a SIGTERM handled between the two goes unnoticed until poll() returns, minutes
      // later on an idle -N connection. So the signal is sent again until ssh is gone (a handful
      // of times, then SIGKILL).
      for (let sent = 0; !done && child.exitCode === null && child.signalCode === null; sent++) {
        child.kill(sent < 20 ? 'SIGTERM' : 'SIGKILL');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 250)))]);
        clearTimeout(timer);
      }
      await exited;
    },
  };
}

// ---- the ssh2 npm client, promisified ----

/** Sends `data` and EOF on a channel stream; resolves with everything read until its EOF. */
export function channelRoundTrip(stream: ClientChannel, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.end(data);
  });
}

/** `direct-tcpip` from the ssh2 client. */
export function forwardOut(client: Client, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 40000, host, port, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

/** `direct-streamlocal@openssh.com` from the ssh2 client. */
export function forwardOutUnix(client: Client, path: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.openssh_forwardOutStreamLocal(path, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

/** `tcpip-forward`; resolves with the port bound. */
export function forwardIn(client: Client, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    client.forwardIn(host, port, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
}

/** `streamlocal-forward@openssh.com`. */
export function forwardInUnix(client: Client, path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.openssh_forwardInStreamLocal(path, (err) => (err ? reject(err) : resolve())),
  );
}
