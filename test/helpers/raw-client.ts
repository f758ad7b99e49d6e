import { connect, type Socket } from 'node:net';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import type { AlgorithmOffer } from '../../src/kex/key-exchange.js';
import { parsePublicKeyBlob } from '../../src/keys/public-key.js';
import { DisconnectError } from '../../src/protocol/errors.js';
import { DisconnectReason } from '../../src/protocol/numbers.js';
import { Transport } from '../../src/transport/transport.js';

/**
 * Our own SSH client transport over a real socket, for tests that need to misbehave on purpose
 * (the security catalogue's "R" client). It checks the host key signature but trusts any key.
 */
export class RawClient {
  readonly transport: Transport;
  readonly socket: Socket;
  /** Payloads numbered 50+ received from the server, in order. */
  private inbox: Buffer[] = [];
  private inboxHead = 0;
  private waiters: ((p: Buffer | undefined) => void)[] = [];
  private closeReason: DisconnectError | undefined;
  private isClosed = false;
  private corruptAt: number | undefined;
  /** Sequence numbers the server answered with UNIMPLEMENTED. */
  readonly unimplemented: number[] = [];
  private serviceWaiter: ((name: string) => void) | undefined;
  readonly established: Promise<void>;
  readonly closed: Promise<DisconnectError | undefined>;

  constructor(
    port: number,
    options: { offer?: Partial<AlgorithmOffer>; strictKex?: boolean; identification?: string } = {},
  ) {
    const registries = createDefaultRegistries();
    const offer: AlgorithmOffer = {
      kex: registries.kex.names('default'),
      hostKey: registries.hostKey.names('default'),
      cipher: registries.cipher.names('default'),
      mac: registries.mac.names('default'),
      compression: ['none'],
      ...options.offer,
    };
    let established!: () => void;
    let failed!: (e: unknown) => void;
    this.established = new Promise((res, rej) => ((established = res), (failed = rej)));
    let closed!: (e: DisconnectError | undefined) => void;
    this.closed = new Promise((res) => (closed = res));
    this.socket = connect(port, '127.0.0.1');
    this.transport = new Transport(
      {
        role: 'client',
        registries,
        offer,
        identification: options.identification ?? 'SSH-2.0-sshd-kit-test-client',
        ...(options.strictKex === undefined ? {} : { strictKex: options.strictKex }),
        async verifyHostKey(algorithm, blob, hash, signature) {
          const alg = registries.hostKey.get(algorithm);
          if (!alg || !alg.verify(parsePublicKeyBlob(blob), hash, signature)) {
            throw new DisconnectError(DisconnectReason.HostKeyNotVerifiable, 'bad host key signature');
          }
        },
      },
      {
        write: (d) => {
          if (this.corruptAt !== undefined) {
            d = Buffer.from(d);
            d[Math.min(this.corruptAt, d.length - 1)]! ^= 0x01;
            this.corruptAt = undefined;
          }
          if (!this.socket.destroyed) this.socket.write(d);
        },
        closed: (e) => {
          this.isClosed = true;
          this.closeReason = e;
          failed(e ?? new Error('closed'));
          for (const w of this.waiters) w(undefined);
          this.waiters = [];
          this.socket.end();
          closed(e);
        },
        established: () => established(),
        serviceAccepted: (name) => this.serviceWaiter?.(name),
        unimplemented: (seq) => this.unimplemented.push(seq),
      },
    );
    this.transport.setService({
      handle: (payload) => {
        const w = this.waiters.shift();
        if (w) w(payload);
        else this.inbox.push(payload);
      },
    });
    this.established.catch(() => undefined);
    this.socket.on('data', (d) => this.transport.receive(d));
    this.socket.on('close', () => {
      if (!this.isClosed) this.transport.disconnect(DisconnectReason.ConnectionLost, 'socket closed');
    });
    this.socket.on('error', () => undefined);
    this.socket.on('connect', () => this.transport.start());
  }

  /** The next payload (50+) already received, if any, without waiting. */
  poll(): Buffer | undefined {
    const queued = this.inbox[this.inboxHead];
    if (queued) {
      // A read index instead of shift(): tests that queue 100k+ messages stay linear.
      this.inboxHead++;
      if (this.inboxHead === this.inbox.length) {
        this.inbox = [];
        this.inboxHead = 0;
      }
    }
    return queued;
  }

  /** The next payload (50+) from the server, or undefined once the connection closed. */
  next(timeoutMs = 10_000): Promise<Buffer | undefined> {
    const queued = this.poll();
    if (queued) return Promise.resolve(queued);
    if (this.isClosed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const waiter = (p: Buffer | undefined) => {
        clearTimeout(timer);
        resolve(p);
      };
      const timer = setTimeout(() => {
        // A timed-out wait must not swallow the next message.
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('timed out waiting for a message'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Asks for a service and waits for SERVICE_ACCEPT. */
  requestService(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.serviceWaiter = (got) => (got === name ? resolve() : reject(new Error(`accepted ${got}`)));
      this.closed.then(() => reject(new Error('closed before SERVICE_ACCEPT')));
      this.transport.requestService(name);
    });
  }

  /** Why the server closed the connection, once it has. */
  get disconnectReason(): DisconnectError | undefined {
    return this.closeReason;
  }

  /** Flips one bit at `offset` of the next packet this client sends (an integrity attack). */
  corruptNextPacket(offset: number): void {
    this.corruptAt = offset;
  }

  /** Writes raw bytes to the socket, bypassing the transport. */
  writeRaw(data: Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }
}
