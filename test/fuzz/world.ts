import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import type { PrivateKey } from '../../src/keys/types.js';
import type { Logger } from '../../src/log/logger.js';
import { Msg } from '../../src/protocol/numbers.js';
import { WireWriter } from '../../src/wire/index.js';
import { loggedInClient } from '../helpers/raw-channel.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** The trusted load balancer's address: peers connecting from it send a PROXY header first. */
export const PROXY_ADDRESS = '127.0.0.2';

/** Warning lines the server logs only when its own code failed, never for what a peer sent. */
const BUG_WARNINGS: ReadonlySet<string> = new Set([
  'sftp request failed unexpectedly',
  'sftp handle cleanup failed',
  'scp failed',
]);

/**
 * What every fuzzer runs against: a server whose one user `alice` (password `pw`, `key`, and
 * certificates of `key` that `ca` signs; bandwidth limits) may do everything but open a shell,
 * jailed in `root`, next to an `outside` directory reached by symlinks that nothing may change;
 * plus an echo server to forward to. `problems` collects the server's error-level log lines and
 * anything thrown and not caught in this process.
 */
export class FuzzWorld {
  private constructor(
    readonly problems: string[],
    /** The server's logger, which records problems; for sessions the fuzzers start themselves. */
    readonly log: Logger,
    readonly dir: string,
    readonly root: string,
    readonly outside: string,
    readonly key: PrivateKey,
    /** A CA the server trusts for user certificates (trustedUserCAKeys). */
    readonly ca: PrivateKey,
    readonly echoPort: number,
    private readonly echo: net.Server,
    readonly server: TestServer,
    private readonly outsideDigest: string,
    private readonly onUncaught: (e: unknown) => void,
  ) {}

  static async start(): Promise<FuzzWorld> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sshd-kit-fuzz-'));
    const root = path.join(dir, 'root');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(root, 'dir/sub'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'CANARY'), 'outside');
    fs.writeFileSync(path.join(root, 'file'), 'x'.repeat(100_000));
    fs.writeFileSync(path.join(root, 'dir/small'), 'hello');
    fs.symlinkSync(outside, path.join(root, 'out'));
    fs.symlinkSync('../outside/CANARY', path.join(root, 'canary'));
    fs.symlinkSync('loop2', path.join(root, 'loop1'));
    fs.symlinkSync('loop1', path.join(root, 'loop2'));

    const problems: string[] = [];
    const record = (fields: object, message?: string): void => {
      const err = (fields as { err?: unknown }).err;
      problems.push(
        `${message ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : JSON.stringify(fields)}`,
      );
    };
    const ignore = (): void => undefined;
    // Warnings that mean a bug rather than a peer's misbehaviour count as problems too.
    const warn = (fields: object, message?: string): void => {
      if (message !== undefined && BUG_WARNINGS.has(message)) record(fields, message);
    };
    const log: Logger = { trace: ignore, debug: ignore, info: ignore, warn, error: record, child: () => log };
    const onUncaught = (e: unknown): void => {
      problems.push(`thrown and not caught: ${e instanceof Error ? e.stack : String(e)}`);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);

    const echo = net.createServer((s) => s.on('error', ignore).pipe(s)).listen(0, '127.0.0.1');
    await new Promise((resolve) => echo.once('listening', resolve));
    const key = await generatePrivateKey('ed25519');
    const ca = await generatePrivateKey('ed25519');
    const registries = createDefaultRegistries();
    const server = await startTestServer({
      users: [
        {
          name: 'alice',
          password: 'pw',
          keys: [key],
          home: root,
          permissions: { shell: false, exec: true, sftp: true, portForwarding: true, agentForwarding: true },
          // Limits, so the channels' waits for them are fuzzed too (high enough not to slow a round).
          limits: { uploadBytesPerSecond: 8 * 1024 * 1024, downloadBytesPerSecond: 16 * 1024 * 1024 },
        },
      ],
      backend: { trustedUserCAKeys: async () => [ca.publicKey] },
      server: {
        // Penalties would shut 127.0.0.1 out after the first few misbehaving connections.
        penalties: false,
        // Peers from 127.0.0.2 come as through a load balancer: a PROXY header first.
        proxyProtocolFrom: PROXY_ADDRESS,
        log,
        // Every algorithm, legacy ones too, so every key exchange and cipher can be reached.
        algorithms: {
          kexAlgorithms: registries.kex.names('all'),
          hostKeyAlgorithms: registries.hostKey.names('all'),
          ciphers: registries.cipher.names('all'),
          macs: registries.mac.names('all'),
          compression: registries.compression.names('all'),
          pubkeyAcceptedAlgorithms: registries.hostKey.names('all'),
          caSignatureAlgorithms: registries.hostKey.names('all'),
        },
      },
    });
    return new FuzzWorld(
      problems,
      log,
      dir,
      root,
      outside,
      key,
      ca,
      (echo.address() as net.AddressInfo).port,
      echo,
      server,
      treeDigest(outside),
      onUncaught,
    );
  }

  get port(): number {
    return this.server.port;
  }

  /** Throws unless the server still logs a user in and answers a global request. */
  async checkServing(): Promise<void> {
    const client = await loggedInClient(this.port);
    try {
      client.transport.send(
        new WireWriter().byte(Msg.GlobalRequest).text('keepalive@openssh.com').bool(true).finish(),
      );
      const reply = await client.next(5000);
      if (reply?.[0] !== Msg.RequestFailure && reply?.[0] !== Msg.RequestSuccess)
        throw new Error(`the server stopped answering (got ${reply?.[0]})`);
    } finally {
      client.close();
    }
  }

  /**
   * Waits for the server to hold no connection, then returns what a finished session must not
   * leave behind: temporary upload files anywhere in the jail, and this process's open file
   * descriptors (to compare with an earlier count).
   */
  async leftovers(): Promise<{ uploads: string[]; fds: number }> {
    for (let i = 0; i < 100 && this.server.server.connectionCount > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const uploads: string[] = [];
    const walk = (p: string): void => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        if (e.name.startsWith('.sshd-kit-upload.')) uploads.push(path.join(p, e.name));
        else if (e.isDirectory()) walk(path.join(p, e.name));
      }
    };
    walk(this.root);
    return { uploads, fds: fs.readdirSync('/proc/self/fd').length };
  }

  /** Whether anything outside the jail changed. */
  outsideChanged(): boolean {
    return treeDigest(this.outside) !== this.outsideDigest;
  }

  async close(): Promise<void> {
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onUncaught);
    await this.server.close();
    await new Promise((resolve) => this.echo.close(resolve));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A digest of names, modes, sizes and times under `dir`: unlike the SFTP tests' content digest it
 * also sees a SETSTAT that changed only a time outside the jail.
 */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    for (const name of fs.readdirSync(p).sort()) {
      const full = path.join(p, name);
      const st = fs.lstatSync(full);
      hash.update(`${full}:${st.mode}:${st.size}:${st.mtimeMs}\n`);
      if (st.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return hash.digest('hex');
}
