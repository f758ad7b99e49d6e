import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionContext } from '../../connection/types.js';
import type { Logger } from '../../log/logger.js';
import { forwardAccepted } from '../remote-forwards.js';

/** A session's agent socket: the path to put in SSH_AUTH_SOCK, and how to remove it. */
export interface AgentSocket {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Creates a per-session agent socket in a private directory (mode 0700, socket 0600) under the
 * system temp directory, as sshd does. Each connection to it opens a `channelType` channel to the
 * client (`auth-agent@openssh.com`, OpenSSH PROTOCOL.agent) and is bridged with it.
 */
export async function createAgentSocket(
  conn: ConnectionContext,
  channelType: string,
  log: Logger,
): Promise<AgentSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'sshd-kit-agent-'));
  await chmod(dir, 0o700);
  const path = join(dir, 'agent.sock');
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    void forwardAccepted(socket, conn, channelType, new Uint8Array(0), log);
  });
  server.on('error', (err) => log.debug({ err }, 'agent: listener error'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
  } catch (err) {
    server.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    path,
    close: () =>
      (closing ??= (async () => {
        server.close();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
