import { Readable, Writable } from 'node:stream';
import type { Logger } from '../log/logger.js';
import { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, ExtendedDataType } from '../protocol/numbers.js';
import { defineStruct, t } from '../wire/index.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import type { ChannelRates } from './byte-rate.js';
import { OutgoingData } from './outgoing-data.js';
import type { PayloadParts } from '../transport/framer.js';
import { withTimeout } from '../util/with-timeout.js';
import {
  ChannelClose,
  ChannelDataCodec,
  ChannelEof,
  ChannelFailure,
  ChannelRequestMessage,
  ChannelSuccess,
  ChannelWindowAdjust,
} from './messages.js';
import type { Channel, ChannelRequest, ConnectionContext, ExitStatus, RequestOutcome } from './types.js';

/** `exit-status` request data (RFC 4254 §6.10). */
export const ExitStatusRequest = defineStruct('exit-status', { exitStatus: t.u32 });

/** `exit-signal` request data (RFC 4254 §6.10). */
export const ExitSignalRequest = defineStruct('exit-signal', {
  signalName: t.text,
  coreDumped: t.bool,
  errorMessage: t.text,
  languageTag: t.text,
});

/**
 * Client data as a Readable that reports every consumption. Node calls `_read` only once until
 * the next `push`, so a window that closed with data still buffered would never reopen if the
 * grant waited for `_read` alone: each `read()` (flowing mode and pipes read through it too)
 * gives the window another chance.
 */
class ChannelInput extends Readable {
  constructor(
    highWaterMark: number,
    private readonly consumed: () => void,
  ) {
    super({ highWaterMark, read: () => consumed() });
  }

  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    if (chunk !== null) this.consumed();
    return chunk;
  }
}

/**
 * Channel data to the client. Each chunk is copied into packets before its write callback runs,
 * so a writer may reuse a buffer once its write has called back (see {@link copiesBeforeCallback}).
 */
class ChannelOutput extends Writable {}

/** Whether `stream` is a channel's output, which has copied each chunk by the time its write calls back. */
export function copiesBeforeCallback(stream: Writable): boolean {
  return stream instanceof ChannelOutput;
}

/** Largest window a peer may grant (RFC 4254 §5.2). */
const MAX_WINDOW = 0xffffffff;

/** How a channel reaches its connection. */
export interface ChannelLink {
  send(payload: Uint8Array): void;
  /** Sends a payload made of `head` then the pieces of `body` without joining them (channel data's hot path). */
  sendParts?(head: Uint8Array, body: readonly Uint8Array[]): void;
  /** Sends such payloads in order, sealed together where that is faster. */
  sendPartsBatch?(packets: readonly PayloadParts[]): void;
  /** Undefined when the connection can take output now, else a promise that resolves when it can. */
  whenWritable(): Promise<void> | undefined;
  /** Both sides have closed; the channel number can be reused. */
  release(id: number): void;
  readonly log: Logger;
  /** Milliseconds a request handler may take before it is answered with failure. */
  readonly handlerTimeoutMs: number;
  /** The account's byte rate limits, shared by all its channels; absent when unlimited. */
  readonly rates?: ChannelRates;
}

/** Window and packet sizes of both sides (RFC 4254 §5.1). */
export interface ChannelSizes {
  readonly localWindow: number;
  readonly localMaxPacket: number;
  readonly remoteWindow: number;
  readonly remoteMaxPacket: number;
}

/**
 * One open channel (RFC 4254 §5): windows and maximum packet sizes in both directions, EOF and
 * CLOSE in order, requests answered in order, streams for its handler.
 */
export class ChannelImpl implements Channel {
  // The streams are made on first use: an idle channel (a session waiting for its request, a
  // forwarding that was never used) holds none of them.
  private inputStream: ChannelInput | undefined;
  private outputStream: Writable | undefined;
  private stderrStream: Writable | undefined;
  readonly closed: Promise<void>;

  private remoteWindow: number;
  private readonly remoteMaxPacket: number;
  private localWindow: number;
  private readonly localWindowMax: number;
  private readonly localMaxPacket: number;
  private windowWaiters: (() => void)[] = [];
  /** A window grant held back by the account's upload limit, due when it allows again. */
  private heldGrant: NodeJS.Timeout | undefined;
  private handlers: readonly ((r: ChannelRequest) => Promise<RequestOutcome> | RequestOutcome)[] = [];
  private requestChain: Promise<void> = Promise.resolve();
  private eofSent = false;
  private eofReceived = false;
  private inputEnded = false;
  private closeSent = false;
  private closeReceived = false;
  private streamsDone = 0;
  private readonly abort = new LazyAbortController();
  private resolveClosed!: () => void;

  constructor(
    readonly id: number,
    private readonly remoteId: number,
    readonly type: string,
    readonly conn: ConnectionContext,
    sizes: ChannelSizes,
    private readonly link: ChannelLink,
  ) {
    this.remoteWindow = sizes.remoteWindow;
    this.remoteMaxPacket = sizes.remoteMaxPacket;
    this.localWindow = sizes.localWindow;
    this.localWindowMax = sizes.localWindow;
    this.localMaxPacket = sizes.localMaxPacket;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Aborted when the channel closes, so handlers can stop their work. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Client data; reading it is what reopens our window. */
  get input(): Readable {
    if (!this.inputStream) {
      this.inputStream = new ChannelInput(this.localWindowMax, () => this.grantWindow());
      if (this.inputEnded) this.inputStream.push(null);
    }
    return this.inputStream;
  }

  /** Data to the client. */
  get output(): Writable {
    return (this.outputStream ??= this.dataWriter(undefined));
  }

  /** Extended data (stderr) to the client. */
  get stderr(): Writable {
    return (this.stderrStream ??= this.dataWriter(ExtendedDataType.Stderr));
  }

  /** Whether we have sent CLOSE. */
  get isClosing(): boolean {
    return this.closeSent;
  }

  onRequest(handler: (request: ChannelRequest) => Promise<RequestOutcome> | RequestOutcome): void {
    // concat makes an array of the exact size; push() would leave room for 16 more.
    this.handlers = this.handlers.concat([handler]);
  }

  sendRequest(type: string, data: Uint8Array): void {
    if (this.closeSent) return;
    this.link.send(
      ChannelRequestMessage.encode({
        recipientChannel: this.remoteId,
        requestType: type,
        wantReply: false,
        typeSpecific: data,
      }),
    );
  }

  async exit(status: ExitStatus): Promise<void> {
    await this.finishOutput();
    if (typeof status === 'number') {
      this.sendRequest('exit-status', ExitStatusRequest.encode({ exitStatus: status >>> 0 }));
    } else {
      this.sendRequest(
        'exit-signal',
        ExitSignalRequest.encode({
          signalName: status.signal,
          coreDumped: status.coreDumped,
          errorMessage: status.message ?? '',
          languageTag: '',
        }),
      );
    }
    this.sendClose();
  }

  async close(): Promise<void> {
    await this.finishOutput();
    this.sendClose();
  }

  // ---- messages from the peer (called by the connection service) ----

  /** CHANNEL_DATA or CHANNEL_EXTENDED_DATA. */
  onData(data: Buffer, dataType: number | undefined): void {
    if (data.length > this.localMaxPacket) {
      throw new DisconnectError(
        DisconnectReason.ProtocolError,
        `channel ${this.id}: data exceeds the maximum packet size`,
      );
    }
    if (data.length > this.localWindow) {
      throw new DisconnectError(
        DisconnectReason.ProtocolError,
        `channel ${this.id}: data exceeds the window`,
      );
    }
    this.localWindow -= data.length;
    this.link.rates?.upload?.take(data.length);
    if (this.inputEnded || this.closeSent || dataType !== undefined || this.inputStream?.destroyed) {
      // Data after EOF, after our CLOSE, or as extended data from a client: dropped (RFC 4254 §5.2).
      this.grantWindow();
      return;
    }
    this.input.push(data);
    this.grantWindow();
  }

  /** CHANNEL_WINDOW_ADJUST. */
  onWindowAdjust(bytes: number): void {
    if (this.remoteWindow + bytes > MAX_WINDOW) {
      throw new DisconnectError(DisconnectReason.ProtocolError, `channel ${this.id}: window exceeds 2^32-1`);
    }
    this.remoteWindow += bytes;
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w();
  }

  /** CHANNEL_EOF. */
  onEof(): void {
    if (this.eofReceived) return;
    this.eofReceived = true;
    this.endInput();
  }

  private endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (this.inputStream && !this.inputStream.destroyed) this.inputStream.push(null);
  }

  /** CHANNEL_CLOSE: answer with our CLOSE if not sent, and end everything. */
  onClose(): void {
    if (this.closeReceived) return;
    this.closeReceived = true;
    this.onEof();
    this.sendClose();
  }

  /** CHANNEL_REQUEST: run handlers in order, one request at a time, and reply if asked. */
  onRequestMessage(request: ChannelRequest): void {
    this.requestChain = this.requestChain.then(async () => {
      let outcome: RequestOutcome = 'unhandled';
      for (const handler of this.handlers) {
        try {
          outcome = await withTimeout(
            handler(request),
            this.link.handlerTimeoutMs,
            `channel request ${request.type}`,
          );
        } catch (err) {
          this.link.log.error(
            { err, chan: this.id, request: request.type },
            'channel request handler failed',
          );
          outcome = 'failure';
        }
        if (outcome !== 'unhandled') break;
      }
      if (request.wantReply && !this.closeSent) {
        const reply = outcome === 'success' ? ChannelSuccess : ChannelFailure;
        this.link.send(reply.encode({ recipientChannel: this.remoteId }));
      }
    });
  }

  /** The connection ended: stop everything without sending. */
  destroy(): void {
    this.closeSent = true;
    this.closeReceived = true;
    this.finishClose();
  }

  // ---- internals ----

  private dataWriter(dataType: number | undefined): Writable {
    const settle = (sent: Promise<void> | undefined, callback: (err?: Error | null) => void): void => {
      if (sent === undefined) callback();
      else sent.then(() => callback(), callback);
    };
    return new ChannelOutput({
      // One SFTP read reply (up to 256 KiB) fits without reporting backpressure.
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _enc, callback) => {
        settle(this.sendData(new OutgoingData([chunk]), dataType), callback);
      },
      // Writes that were buffered together (corked, or queued behind a wait) share packets.
      writev: (chunks, callback) => {
        settle(this.sendData(new OutgoingData(chunks.map((c) => c.chunk as Buffer)), dataType), callback);
      },
      final: (callback) => {
        this.streamsDone++;
        if (this.streamsDone === 2) this.sendEof();
        callback();
      },
    });
  }

  /** Sends `data` within the peer's window and packet size; a promise when it had to wait. */
  private sendData(data: OutgoingData, dataType: number | undefined): Promise<void> | undefined {
    const download = this.link.rates?.download;
    while (data.remaining > 0) {
      if (this.closeSent || this.closeReceived) return undefined;
      if (this.remoteWindow === 0 || this.link.whenWritable() || (download !== undefined && !download.ready))
        return this.sendDataSlowly(data, dataType);
      this.sendChunk(data, dataType);
    }
    return undefined;
  }

  /**
   * One CHANNEL_DATA packet of as much of `data` as the peer's window and packet size allow, or two
   * when there is data and window for more than one: two packets handed over together can be
   * sealed together (an HMAC-SHA-256 of two packets at once costs 15% less than two in turn).
   * Header and data go to the transport separately and are copied once, into the packet.
   */
  private sendChunk(data: OutgoingData, dataType: number | undefined): void {
    const link = this.link;
    const max = this.remoteMaxPacket;
    const before = data.remaining;
    if (link.sendPartsBatch && data.remaining > max && this.remoteWindow > max) {
      link.sendPartsBatch([this.nextPacket(data, dataType), this.nextPacket(data, dataType)]);
    } else if (link.sendParts) {
      const { head, body } = this.nextPacket(data, dataType);
      link.sendParts(head, body);
    } else {
      const { body } = this.nextPacket(data, dataType);
      const joined = body.length === 1 ? body[0]! : Buffer.concat(body);
      link.send(ChannelDataCodec.encode(this.remoteId, joined, dataType));
    }
    link.rates?.download?.take(before - data.remaining);
  }

  /** Takes the next packet's worth of `data` out of the peer's window, with its CHANNEL_DATA header. */
  private nextPacket(data: OutgoingData, dataType: number | undefined): PayloadParts {
    const n = Math.min(data.remaining, this.remoteWindow, this.remoteMaxPacket);
    const body = data.take(n);
    this.remoteWindow -= n;
    return { head: ChannelDataCodec.encodeHeader(Buffer.allocUnsafe(13), this.remoteId, n, dataType), body };
  }

  private async sendDataSlowly(data: OutgoingData, dataType: number | undefined): Promise<void> {
    const download = this.link.rates?.download;
    while (data.remaining > 0) {
      if (this.closeSent || this.closeReceived) return;
      if (this.remoteWindow === 0) {
        await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
        continue;
      }
      if (download !== undefined && !download.ready) {
        await download.whenReady();
        continue;
      }
      const ready = this.link.whenWritable();
      if (ready) {
        await ready;
        continue;
      }
      this.sendChunk(data, dataType);
    }
  }

  /** Opens our window by what the reader has consumed, once at least half of it is free. */
  private grantWindow(): void {
    if (this.closeSent || this.eofReceived) return;
    const free = this.localWindowMax - this.localWindow - (this.inputStream?.readableLength ?? 0);
    if (free > 0 && free >= this.localWindowMax / 2) {
      // Over the account's upload limit: the client gets more window once the limit allows.
      const upload = this.link.rates?.upload;
      if (upload !== undefined && !upload.ready) {
        this.heldGrant ??= setTimeout(() => {
          this.heldGrant = undefined;
          this.grantWindow();
        }, upload.waitMs());
        return;
      }
      this.localWindow += free;
      this.link.send(ChannelWindowAdjust.encode({ recipientChannel: this.remoteId, bytesToAdd: free }));
    }
  }

  private async finishOutput(): Promise<void> {
    const ended = (w: Writable) =>
      w.writableFinished || w.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            w.once('finish', resolve);
            w.once('close', resolve);
            w.end();
          });
    await Promise.all([ended(this.output), ended(this.stderr)]);
  }

  private sendEof(): void {
    if (this.eofSent || this.closeSent) return;
    this.eofSent = true;
    this.link.send(ChannelEof.encode({ recipientChannel: this.remoteId }));
  }

  private sendClose(): void {
    if (!this.closeSent) {
      this.closeSent = true;
      this.link.send(ChannelClose.encode({ recipientChannel: this.remoteId }));
    }
    this.finishClose();
  }

  private finishClose(): void {
    clearTimeout(this.heldGrant);
    this.heldGrant = undefined;
    // Wake writers so they see the close and stop.
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w();
    this.abort.abort();
    this.endInput();
    if (this.closeSent && this.closeReceived) {
      this.link.release(this.id);
      this.resolveClosed();
    }
  }
}
