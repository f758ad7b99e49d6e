import { connect, type NetConnectOpts, type Socket } from 'node:net';

/** Why a forwarding connect failed, for logs (never sent to the client beyond a short text). */
export class ConnectFailedError extends Error {
  override readonly name = 'ConnectFailedError';
}

/**
 * Connects to a TCP target (`{ host, port }`) or a unix socket (`{ path }`) within `timeoutMs`,
 * abandoning the attempt if `signal` aborts. The socket is half-open capable (an EOF from the
 * target does not end our side) and paused, so no data is read before it is piped somewhere.
 */
export function connectWithTimeout(
  target: { readonly host: string; readonly port: number } | { readonly path: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ConnectFailedError('connection closed'));
      return;
    }
    const options: NetConnectOpts =
      'path' in target
        ? { path: target.path, allowHalfOpen: true }
        : { host: target.host, port: target.port, allowHalfOpen: true, noDelay: true };
    const socket = connect(options);
    socket.pause();
    const fail = (why: string) => {
      cleanup();
      socket.destroy();
      reject(new ConnectFailedError(why));
    };
    const onError = (err: NodeJS.ErrnoException) => fail(err.code ?? err.message);
    const onAbort = () => fail('connection closed');
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
  });
}
