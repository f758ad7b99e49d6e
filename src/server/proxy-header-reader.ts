import type { Socket } from 'node:net';
import { parseProxyHeader, ProxyHeaderError, type ProxyHeader } from './proxy-protocol.js';

/** What {@link readProxyHeader} reports: the header and the bytes that came after it, or why not. */
export interface ProxyHeaderCallbacks {
  /**
   * The header has been read. Called synchronously from the socket's `data` event, with the reader's
   * listeners already removed, so the next listener sees every later byte; `rest` holds the bytes
   * of the same read that followed the header (the SSH identification line may be among them).
   */
  onHeader(header: ProxyHeader, rest: Buffer): void;
  /** No valid header in time: the socket should be dropped (the reader does not destroy it). */
  onError(error: ProxyHeaderError): void;
}

/**
 * Reads the PROXY protocol header a trusted proxy sends first on `socket` (see
 * {@link parseProxyHeader}), giving up after `timeoutMs`, when the socket ends, or at the first
 * byte that cannot belong to a header. Holds at most one header's bytes (a v2 header is at most
 * 65,551 bytes; a v1 line 107).
 */
export function readProxyHeader(socket: Socket, timeoutMs: number, callbacks: ProxyHeaderCallbacks): void {
  let buffered: Buffer | undefined;
  const detach = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onClosed);
    socket.off('close', onClosed);
    socket.off('error', onClosed);
  };
  const fail = (error: ProxyHeaderError) => {
    detach();
    callbacks.onError(error);
  };
  const onData = (chunk: Buffer) => {
    buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
    let header: ProxyHeader | undefined;
    try {
      header = parseProxyHeader(buffered);
    } catch (err) {
      fail(err as ProxyHeaderError);
      return;
    }
    if (header === undefined) return;
    detach();
    callbacks.onHeader(header, buffered.subarray(header.length));
  };
  const onClosed = () =>
    fail(
      buffered === undefined
        ? new ProxyHeaderError('the connection ended before sending anything', true)
        : new ProxyHeaderError('the connection ended inside its PROXY header'),
    );
  const timer = setTimeout(
    () => fail(new ProxyHeaderError(`no PROXY header within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  socket.on('data', onData);
  socket.on('end', onClosed);
  socket.on('close', onClosed);
  socket.on('error', onClosed);
}
