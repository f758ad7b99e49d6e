import type { Server, Socket } from 'node:net';
import type { ConnectionContext } from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import { bridge } from './bridge.js';

/** One remote forward (`-R`): its listeners, and what the client asked for, to match a cancel. */
export interface RemoteForward {
  readonly kind: 'tcp' | 'unix';
  /** The address (TCP) or path (unix) as the client sent it. */
  readonly requested: string;
  /** The port the client asked for (0: any); 0 for unix sockets. */
  readonly requestedPort: number;
  /** The port bound; 0 for unix sockets. */
  readonly boundPort: number;
  readonly servers: readonly Server[];
}

/**
 * The remote forwards of one connection. Every listener is closed when the connection ends
 * (its abort signal), or when the client cancels the forward; connections already forwarded
 * keep running until they end, as with sshd.
 */
export class RemoteForwardTable {
  private readonly forwards = new Set<RemoteForward>();
  private closed = false;

  constructor(signal: AbortSignal) {
    if (signal.aborted) this.closed = true;
    else signal.addEventListener('abort', () => this.closeAll(), { once: true });
  }

  /** Number of forwards held. */
  get size(): number {
    return this.forwards.size;
  }

  /** Whether the connection has ended (no more listeners may be added). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Adds a forward; if the connection has already ended, closes it at once and returns false. */
  add(forward: RemoteForward): boolean {
    if (this.closed) {
      closeServers(forward);
      return false;
    }
    this.forwards.add(forward);
    return true;
  }

  /** Finds and closes the forward a cancel names; false when there is none. */
  cancel(kind: RemoteForward['kind'], requested: string, port: number): boolean {
    for (const f of this.forwards) {
      const portMatches = f.boundPort === port || (f.requestedPort !== 0 && f.requestedPort === port);
      if (f.kind === kind && f.requested === requested && (kind === 'unix' || portMatches)) {
        this.forwards.delete(f);
        closeServers(f);
        return true;
      }
    }
    return false;
  }

  private closeAll(): void {
    this.closed = true;
    for (const f of this.forwards) closeServers(f);
    this.forwards.clear();
  }
}

function closeServers(forward: RemoteForward): void {
  for (const s of forward.servers) s.close();
}

/**
 * Serves one connection accepted by a remote forward's listener: opens a channel of `type` to the
 * client with `data` (RFC 4254 §7.2, PROTOCOL §2.4), bridges it with the socket (paused until
 * then), and closes the channel when done. A refused open just drops the socket, as does the
 * connection's end (`signal`).
 */
export async function forwardAccepted(
  socket: Socket,
  conn: ConnectionContext,
  type: string,
  data: Uint8Array,
  log: Logger,
  signal?: AbortSignal,
): Promise<void> {
  socket.on('error', (err) => log.debug({ err }, 'forward: accepted socket error'));
  let channel;
  try {
    channel = await conn.openChannel(type, data);
  } catch (err) {
    log.debug({ err, type }, 'forward: the client refused the channel');
    socket.destroy();
    return;
  }
  try {
    await bridge(socket, channel, log.child({ chan: channel.id }), signal ? { signal } : {});
  } finally {
    await channel.close();
  }
}

/** An address as sshd reports it (IPv4-mapped IPv6 as plain IPv4). */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
