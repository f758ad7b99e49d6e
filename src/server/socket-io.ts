import type { Socket } from 'node:net';
import type { ConnectionIo } from './connection.js';

/**
 * A connection's output to its TCP socket. Packets written in one turn of the event loop leave in
 * one writev: TCP_NODELAY is on, so without corking every packet would be its own segment and
 * system call. The flush waits for the loop's check phase, so the replies of every file operation
 * completed in this turn (one callback each) go out together. One object per connection, with
 * its methods on the prototype.
 */
export class SocketIo implements ConnectionIo {
  private corked = false;

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
    return socket.write(data, written);
  }

  /** Sends what this turn of the event loop wrote (called from the check phase after a write). */
  uncork(): void {
    this.corked = false;
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
