import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { matchPatternList, parsePatternList, type HostPattern } from '../users/host-patterns.js';
import {
  parseProxyHeader,
  ProxyHeaderError,
  type ConnectionEndpoints,
  type ProxyHeader,
} from './proxy-protocol.js';

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

/** What {@link ProxyGate.receive} hands on: the client's endpoints, and the bytes after the header. */
export type ProxiedAdmission = (
  endpoints: ConnectionEndpoints,
  early: Buffer,
  proxy: ConnectionEndpoints,
) => void;

/**
 * The load balancers whose PROXY headers a server believes (`proxyProtocolFrom`), and the reading
 * of those headers: a connection from one of them is handed on with the client's endpoints once
 * its header is read, or dropped (logged at warn, or at debug when it sent nothing at all).
 */
export class ProxyGate {
  private readonly trusted: readonly HostPattern[];

  /**
   * @param patterns - the proxies: an OpenSSH pattern-list of addresses and CIDR blocks
   * @param onDropped - called for each connection dropped for a bad or missing header
   */
  constructor(
    patterns: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly onDropped: () => void,
  ) {
    this.trusted = parsePatternList(patterns);
  }

  /** Whether connections from `address` come through a trusted proxy (and must start with a header). */
  trusts(address: string): boolean {
    return matchPatternList(this.trusted, { address });
  }

  /**
   * Reads the header on `socket` (from the proxy at `own`) and calls `admit` with the client's
   * endpoints, or `own` when the header names none. `quietly` says the server is stopping: a
   * failure then is not worth a warning.
   */
  receive(socket: Socket, own: ConnectionEndpoints, admit: ProxiedAdmission, quietly: () => boolean): void {
    readProxyHeader(socket, this.timeoutMs, {
      onHeader: (header, rest) => admit(header.endpoints ?? own, rest, own),
      onError: (err) => {
        const where = { proxy: own.remoteAddress, port: own.remotePort };
        if (err.idle || quietly()) this.log.debug(where, `closed: ${err.message}`);
        else {
          this.log.warn(where, `dropped: ${err.message}`);
          this.onDropped();
        }
        socket.destroy();
      },
    });
  }
}
