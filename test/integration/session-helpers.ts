import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientChannel, ExecOptions } from 'ssh2';
import { PasswordFields, UserauthRequest } from '../../src/auth/messages.js';
import {
  ChannelDataCodec,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelRequestMessage,
} from '../../src/connection/messages.js';
import { ExitSignalRequest, ExitStatusRequest } from '../../src/connection/channel.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { serializePrivateKey } from '../../src/keys/private-key.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { Msg } from '../../src/protocol/numbers.js';
import type { SshServer, SshServerOptions } from '../../src/server/server.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { SFTP_ONLY_PERMISSIONS } from '../../src/users/user-store.js';
import { ssh, type RunResult } from '../helpers/openssh.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A test server with the session users: alice (everything), bob (sftp-only), carol (forced command). */
export interface SessionServer extends TestServer {
  /** Private key files for `ssh -i`, by user. */
  readonly keyFiles: { readonly alice: string; readonly bob: string; readonly carol: string };
  /** `ssh` as `user` with hermetic options. */
  ssh(
    user: 'alice' | 'bob' | 'carol',
    args: readonly string[],
    options?: Parameters<typeof ssh>[2],
  ): Promise<RunResult>;
}

/** Starts a server for session tests; `carolCommand` is carol's authorized_keys `command=`. */
export async function startSessionServer(
  options: {
    server?: Partial<SshServerOptions>;
    carolCommand?: string;
    setup?: (server: SshServer, dataDir: string) => void | Promise<void>;
  } = {},
): Promise<SessionServer> {
  const keyDir = mkdtempSync(join(tmpdir(), 'sshd-kit-session-keys-'));
  const [alice, bob, carol] = await Promise.all([
    generatePrivateKey('ed25519'),
    generatePrivateKey('ed25519'),
    generatePrivateKey('ed25519'),
  ]);
  const write = (name: string, key: PrivateKey) => {
    const file = join(keyDir, name);
    writeFileSync(file, serializePrivateKey(key), { mode: 0o600 });
    return file;
  };
  const keyFiles = { alice: write('alice', alice!), bob: write('bob', bob!), carol: write('carol', carol!) };
  let ts: TestServer;
  try {
    ts = await startTestServer({
      users: [
        { name: 'alice', password: 'pw', keys: [alice!] },
        { name: 'bob', password: 'pw', keys: [bob!], permissions: SFTP_ONLY_PERMISSIONS },
        { name: 'carol', password: 'pw' },
      ],
      ...(options.server ? { server: options.server } : {}),
      ...(options.setup ? { setup: options.setup } : {}),
    });
  } catch (err) {
    rmSync(keyDir, { recursive: true, force: true });
    throw err;
  }
  const command = options.carolCommand ?? 'echo "forced:$SSH_ORIGINAL_COMMAND"';
  await ts.store.addKey(
    'carol',
    parseAuthorizedKeyLine(
      `command="${command.replace(/"/g, '\\"')}" ${formatPublicKeyLine(carol!.publicKey, 'carol')}`,
    ),
  );
  return {
    ...ts,
    keyFiles,
    ssh: (user, args, runOptions) => ssh(ts.port, ['-i', keyFiles[user], '-l', user, ...args], runOptions),
    async close() {
      await ts.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/** `host` for ssh command lines. */
export const HOST = '127.0.0.1';

/** Output and status of one exec or shell over the ssh2 client. */
export interface ChannelResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly code: number | null | undefined;
  readonly signal: string | undefined;
}

/** Collects a channel's output until it closes. */
export function collect(channel: ClientChannel, input?: Buffer | string): Promise<ChannelResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null | undefined;
    let signal: string | undefined;
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => err.push(d));
    channel.on('exit', (c: number | null, s?: string) => {
      code = c;
      signal = s;
    });
    channel.on('close', () =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal }),
    );
    if (input !== undefined) channel.end(input);
  });
}

/** Runs `command` on an ssh2 connection and collects the result. */
export function exec2(
  client: Client,
  command: string,
  options: ExecOptions = {},
  input?: string,
): Promise<ChannelResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, options, (err, channel) => (err ? reject(err) : resolve(collect(channel, input))));
  });
}

/** File descriptors of this process that are sockets, pipes or ptys (to spot leaks). */
export function ioDescriptorCount(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (/^(socket|pipe|anon_inode)|^\/dev\/(pts|ptmx)/.test(readlinkSync(`/proc/self/fd/${fd}`))) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * Whether a process is still running. A zombie counts as gone: an orphaned grandchild is reaped
 * by init, not by us, and init here may take its time.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Our own client on one session channel, for requests no well-behaved client sends: logs in with
 * a password, opens a session, and sends raw channel requests.
 */
export class RawSession {
  private constructor(
    readonly client: RawClient,
    readonly serverChannel: number,
  ) {}

  static async open(port: number, user = 'alice', password = 'pw'): Promise<RawSession> {
    const client = new RawClient(port);
    await client.established;
    await client.requestService('ssh-userauth');
    client.transport.send(
      UserauthRequest.encode({
        userName: user,
        serviceName: 'ssh-connection',
        methodName: 'password',
        methodFields: PasswordFields.encode({
          changePassword: false,
          password: Buffer.from(password),
          newPassword: new Uint8Array(0),
        }),
      }),
    );
    const reply = await client.next();
    if (reply?.[0] !== Msg.UserauthSuccess) throw new Error(`login failed: ${reply?.[0]}`);
    client.transport.send(
      ChannelOpen.encode({
        channelType: 'session',
        senderChannel: 0,
        initialWindowSize: 8 * 1024 * 1024,
        maximumPacketSize: 32768,
        typeSpecific: new Uint8Array(0),
      }),
    );
    const confirm = await RawSession.skipGlobal(client);
    if (confirm[0] !== Msg.ChannelOpenConfirmation) throw new Error(`open failed: ${confirm[0]}`);
    return new RawSession(client, ChannelOpenConfirmation.decode(confirm).senderChannel);
  }

  private static async skipGlobal(client: RawClient): Promise<Buffer> {
    for (;;) {
      const m = await client.next();
      if (!m) throw new Error('connection closed');
      if (m[0] !== Msg.GlobalRequest) return m;
    }
  }

  /** Sends a channel request; with `wantReply`, resolves with `success` or `failure`. */
  async request(
    type: string,
    data: Uint8Array,
    wantReply = true,
  ): Promise<'success' | 'failure' | undefined> {
    this.client.transport.send(
      ChannelRequestMessage.encode({
        recipientChannel: this.serverChannel,
        requestType: type,
        wantReply,
        typeSpecific: data,
      }),
    );
    if (!wantReply) return undefined;
    for (;;) {
      const m = await this.next();
      if (m[0] === Msg.ChannelSuccess) return 'success';
      if (m[0] === Msg.ChannelFailure) return 'failure';
    }
  }

  /** The next connection-layer message other than a global request or a window adjust. */
  async next(): Promise<Buffer> {
    for (;;) {
      const m = await RawSession.skipGlobal(this.client);
      if (m[0] !== Msg.ChannelWindowAdjust) return m;
    }
  }

  /** Reads channel data until `done(text)` holds or the channel closes; returns all text seen. */
  async readUntil(done: (text: string) => boolean): Promise<string> {
    let text = '';
    while (!done(text)) {
      const m = await this.next();
      if (m[0] === Msg.ChannelData || m[0] === Msg.ChannelExtendedData) {
        text += ChannelDataCodec.decode(m).data.toString();
      } else if (m[0] === Msg.ChannelClose) {
        break;
      }
    }
    return text;
  }

  /** Reads until the server closes the channel: the data (stdout and stderr) and the exit. */
  async untilClosed(): Promise<{ text: string; exitStatus?: number; exitSignal?: string }> {
    let text = '';
    let exitStatus: number | undefined;
    let exitSignal: string | undefined;
    for (;;) {
      const m = await this.next();
      if (m[0] === Msg.ChannelData || m[0] === Msg.ChannelExtendedData) {
        text += ChannelDataCodec.decode(m).data.toString();
      } else if (m[0] === Msg.ChannelRequest) {
        const r = ChannelRequestMessage.decode(m);
        if (r.requestType === 'exit-status') exitStatus = ExitStatusRequest.decode(r.typeSpecific).exitStatus;
        if (r.requestType === 'exit-signal') exitSignal = ExitSignalRequest.decode(r.typeSpecific).signalName;
      } else if (m[0] === Msg.ChannelClose) {
        return {
          text,
          ...(exitStatus === undefined ? {} : { exitStatus }),
          ...(exitSignal ? { exitSignal } : {}),
        };
      }
    }
  }

  close(): void {
    this.client.close();
  }
}
