import type { Socket } from 'node:net';
import type { ConnectionIo } from './connection.js';

/**
 * Corked bytes at which a turn's output leaves without waiting for the turn to end: one packet of
 * bulk data (OpenSSH, ssh2 and Go's client take 32 KiB of channel data per packet). See
 * {@link SocketIo}.
 */
export const FLUSH_AT_BYTES = 32 * 1024;

/**
 * A connection's output to its TCP socket. TCP_NODELAY is on, so small packets written in one turn
 * of the event loop are corked and leave in one writev once the turn ends (the loop's check phase:
 * the replies of every file operation completed in the turn go out together). Bulk data does not
 * wait for the turn: once the corked bytes reach {@link FLUSH_AT_BYTES} they are written at once,
 * so each 32 KiB packet reaches the kernel right after it was sealed, as OpenSSH writes them.
 * Corking a whole turn of SFTP replies (a MiB or more) cost 6–19% more server CPU on downloads and
 * was slower; flushing every 64 or 128 KiB was worse still (over loopback such writes end in a
 * tiny TCP segment each). One object per connection, with its methods on the prototype.
 */
export class SocketIo implements ConnectionIo {
  private corked = false;
  /** Bytes written since the socket was last corked. */
  private corkedBytes = 0;

  constructor(private readonly socket: Socket) {}

  write(data: Buffer, written?: () => void): boolean {
    const socket = this.socket;
    if (socket.destroyed) return false;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      setImmediate(uncork, this);
    }
    // `written` runs once the kernel has the bytes (or the socket failed).
    const accepted = socket.write(data, written);
    if ((this.corkedBytes += data.length) >= FLUSH_AT_BYTES) {
      this.corkedBytes = 0;
      socket.uncork();
      socket.cork();
    }
    return accepted;
  }

  /** Sends what this turn of the event loop wrote (called from the check phase after a write). */
  uncork(): void {
    this.corked = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }

  pendingOutput(): number {
    return this.socket.writableLength;
  }

  end(): void {
    const socket = this.socket;
    socket.end();
    // A peer that never closes its half must not keep the socket (and the listener) alive.
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}

/** Ends the cork of one event-loop turn (a plain function: no closure per connection). */
function uncork(io: SocketIo): void {
  io.uncork();
}
