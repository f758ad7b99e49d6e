/** ssh2 client connections as the benchmark's load generators make them. */
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig } from 'ssh2';

const { Client } = ssh2;

/** Where and how to connect. */
export interface Target {
  readonly port: number;
  readonly user: string;
  readonly keyFile: string;
  readonly cipher?: string;
  readonly mac?: string;
}

const keys = new Map<string, Buffer>();

/**
 * Connects and authenticates: curve25519-sha256, ssh-ed25519 host key, publickey with the
 * client's ed25519 key, TCP_NODELAY on the client socket.
 */
export function connectClient(t: Target): Promise<ClientType> {
  let key = keys.get(t.keyFile);
  if (!key) keys.set(t.keyFile, (key = readFileSync(t.keyFile)));
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(t.port, '127.0.0.1');
    sock.setNoDelay(true);
    const c = new Client();
    const config: ConnectConfig = {
      sock,
      username: t.user,
      privateKey: key,
      readyTimeout: 60_000,
      algorithms: {
        kex: ['curve25519-sha256'],
        serverHostKey: ['ssh-ed25519'],
        cipher: [(t.cipher ?? 'aes128-gcm@openssh.com') as never],
        ...(t.mac ? { hmac: [t.mac as never] } : {}),
        compress: ['none'],
      },
    };
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect(config);
  });
}

/** Parses `--name value` pairs. */
export function args(): Record<string, string> {
  const out: Record<string, string> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i]!.replace(/^--/, '')] = a[i + 1]!;
  return out;
}
