import type { Socket } from 'node:net';
import type { Channel } from '../connection/types.js';
import type { Logger } from '../log/logger.js';

/** How {@link bridge} ends. */
export interface BridgeOptions {
  /** Aborted when the connection ends: the socket is dropped at once. */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds a socket may take, once the client has closed the channel, to take the data the
   * client sent before (as sshd drains a channel's output); then it is dropped. Default 30 000.
   */
  readonly drainMs?: number;
}

/**
 * Joins a connected socket and an open channel until both directions are done (RFC 4254 §5.2,
 * §5.3): client data goes to the socket and socket data to the client, each with backpressure
 * (a socket that stops reading stops our window; a client that stops reading pauses the socket),
 * so memory per forward stays bounded. Half-close is clean both ways: the client's EOF ends our
 * side of the socket, the socket's EOF becomes a channel EOF once its data has been sent. When
 * the client closes the channel, what it sent before is still delivered, then the socket is
 * dropped. Resolves when the socket has closed; closing the channel is up to the caller. Socket
 * errors end the socket and are logged at debug level.
 */
export function bridge(
  socket: Socket,
  channel: Channel,
  log: Logger,
  options: BridgeOptions = {},
): Promise<void> {
  const { input, output, stderr } = channel;
  // Nothing goes out as extended data; ending stderr now lets output's end alone send EOF.
  stderr.end();
  output.on('error', (err) => log.debug({ err }, 'forward: channel output error'));
  input.on('error', (err) => log.debug({ err }, 'forward: channel input error'));
  socket.on('error', (err) => log.debug({ err }, 'forward: socket error'));
  return new Promise<void>((resolve) => {
    if (socket.destroyed) {
      output.end();
      resolve();
      return;
    }
    socket.pipe(output);
    input.pipe(socket);
    const drop = () => socket.destroy();
    let drainTimer: NodeJS.Timeout | undefined;
    options.signal?.addEventListener('abort', drop, { once: true });
    void channel.closed.then(() => {
      if (socket.destroyed) return;
      // The client takes no more data: discard the socket's, deliver the client's, then drop it.
      socket.unpipe(output);
      socket.resume();
      if (socket.writableFinished) return drop();
      socket.once('finish', drop);
      drainTimer = setTimeout(drop, options.drainMs ?? 30_000);
      drainTimer.unref();
    });
    socket.once('close', () => {
      clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', drop);
      input.unpipe(socket);
      // An error ends the socket without 'end': the client still gets its EOF after what was read.
      if (!output.writableEnded && !output.destroyed) output.end();
      resolve();
    });
  });
}
