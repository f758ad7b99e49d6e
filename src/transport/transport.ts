import type { NegotiatedAlgorithms } from '../kex/negotiate.js';
import { silentLogger, sanitizeForLog, type Logger } from '../log/logger.js';
import { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, Msg, type DisconnectReasonCode } from '../protocol/numbers.js';
import { DecodeError } from '../wire/errors.js';
import type { PeerInfo, TransportHooks, TransportOptions, TransportService } from './transport-types.js';
import { MAX_PACKET_LENGTH, PacketReader, PacketWriter, restartCounts, type PayloadParts } from './framer.js';
import type { InstalledKeys } from './keys.js';
import { CompressionState } from './compression-state.js';
import { KexController, type KexCarrier } from './kex-controller.js';
import {
  Debug,
  Disconnect,
  ExtInfo,
  Pong,
  Ping,
  ServiceAccept,
  ServiceRequest,
  Unimplemented,
} from './messages.js';
import { DEFAULT_PEER_LIMITS, PeerLimits } from './peer-limits.js';
import { rekeyDue } from './rekey.js';
import { IdentificationReader, parseIdentification } from './version.js';

export type {
  PeerInfo,
  ServiceResult,
  TransportHooks,
  TransportOptions,
  TransportService,
} from './transport-types.js';

const DEFAULT_MAX_QUEUED = 64 * 1024 * 1024;

const EMPTY = new Uint8Array(0);

const protocolError = (why: string): DisconnectError =>
  new DisconnectError(DisconnectReason.ProtocolError, why);

/**
 * The SSH transport layer (RFC 4253) for one connection, server or client side: identification
 * exchange, binary packets, key exchange and re-exchange (with strict KEX), service requests,
 * EXT_INFO, DISCONNECT/IGNORE/DEBUG/UNIMPLEMENTED/PING. Bytes go in through {@link receive}
 * and out through {@link TransportHooks.write}; it owns no socket and no timer.
 */
export class Transport {
  private readonly log: Logger;
  private readonly reader = new PacketReader();
  private readonly writer: PacketWriter;
  private identReader: IdentificationReader | undefined;
  /** The peer's identification line (parsed again when asked for: a connection keeps one string). */
  private peerIdentification: string | undefined;
  private state: 'new' | 'banner' | 'packets' | 'closed' = 'new';
  private pumping = false;

  private readonly kex: KexController;
  private packetsReceived = 0;
  private lastWasNewKeys = false;

  private readonly compression = new CompressionState();

  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private service: TransportService | undefined;
  private requestedService: string | undefined;
  private authenticatedPeer = false;
  /** Server side only: bounds on a client's pre-authentication noise and re-exchange rate. */
  private readonly limits: PeerLimits | undefined;
  /** The peer's EXT_INFO (RFC 8308), once received. */
  private peerExtensions: ReadonlyMap<string, Uint8Array> | undefined;

  /**
   * @param options how the transport is configured; may be shared by many transports.
   * @param log this transport's logger (its connection's).
   */
  constructor(
    private readonly options: TransportOptions,
    private readonly hooks: TransportHooks,
    log: Logger = silentLogger,
  ) {
    this.log = log;
    this.writer = new PacketWriter(options.padding, options.sealedBuffers);
    this.kex = new KexController(options, new Transport.KexLink(this));
    if (options.role === 'server')
      this.limits = new PeerLimits(
        options.peerLimits ? Object.assign({}, DEFAULT_PEER_LIMITS, options.peerLimits) : DEFAULT_PEER_LIMITS,
      );
  }

  /** The transport as its key exchange sees it: a class, so a connection holds no closures for it. */
  private static readonly KexLink = class implements KexCarrier {
    readonly log: Logger;
    constructor(private readonly t: Transport) {
      this.log = t.log;
    }
    sendNow(payload: Uint8Array): void {
      this.t.sendNow(payload);
    }
    switchOutbound(keys: InstalledKeys, resetSequence: boolean): void {
      this.t.writer.protection = keys.outbound;
      restartCounts(this.t.writer, resetSequence);
      this.t.setCompression('out', keys);
    }
    switchInbound(keys: InstalledKeys, resetSequence: boolean): void {
      this.t.reader.protection = keys.inbound;
      restartCounts(this.t.reader, resetSequence);
      this.t.setCompression('in', keys);
      this.t.lastWasNewKeys = true;
    }
    holdOutput(): void {
      this.t.hooks.writable?.(false);
    }
    releaseOutput(): void {
      this.t.flushQueue();
    }
    established(): void {
      this.t.hooks.established?.();
    }
    isAuthenticated(): boolean {
      return this.t.authenticatedPeer;
    }
    packetsReceived(): number {
      return this.t.packetsReceived;
    }
    peerIdentification(): string {
      return this.t.peerIdentification!;
    }
  };

  /** The session identifier: H of the first key exchange (RFC 4253 §7.2), once known. */
  get sessionId(): Buffer | undefined {
    return this.kex.sessionId;
  }

  /** K_S of the first key exchange: the server's host key blob. */
  get hostKeyBlob(): Buffer | undefined {
    return this.kex.hostKeyBlob;
  }

  /** What we know about the peer. */
  get peer(): PeerInfo {
    const line = this.peerIdentification;
    return {
      identification: line === undefined ? undefined : parseIdentification(line),
      extensions: this.peerExtensions ?? new Map(),
    };
  }

  /** True until the transport has closed. */
  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Whether outgoing payloads go out now (false while a key exchange holds them back). */
  get canSend(): boolean {
    return this.state !== 'closed' && !this.holdingOutput;
  }

  /** Bytes received and not yet processed (for the owner's read backpressure). */
  get inputBacklog(): number {
    return this.reader.buffered;
  }

  /** Milliseconds since our pending key exchange started, or 0 when none is pending. */
  kexPendingFor(now = Date.now()): number {
    return this.kex.running ? now - this.kex.lastStarted : 0;
  }

  /** The algorithms chosen by the first key exchange. */
  get negotiated(): NegotiatedAlgorithms | undefined {
    return this.kex.negotiated;
  }

  private get holdingOutput(): boolean {
    return this.kex.holdingOutput;
  }

  /** Sends our identification and first KEXINIT (both sides may send them at once, RFC 4253 §4.2). */
  start(): void {
    if (this.state !== 'new') throw new Error('transport already started');
    this.state = 'banner';
    this.identReader = new IdentificationReader(this.options.role === 'server' ? 'client' : 'server');
    this.hooks.write(Buffer.from(`${this.options.identification}\r\n`, 'latin1'));
    this.kex.begin();
  }

  /** Feeds bytes received from the peer. */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state === 'banner') {
      let got: ReturnType<IdentificationReader['push']>;
      try {
        got = this.identReader!.push(chunk);
      } catch (err) {
        // No packets can be exchanged before identification: close without a DISCONNECT.
        this.close(err instanceof DisconnectError ? err : protocolError(String(err)), false);
        return;
      }
      if (!got) return;
      this.peerIdentification = got.identification.line;
      this.identReader = undefined;
      this.state = 'packets';
      this.log.debug({ peer: sanitizeForLog(got.identification.line) }, 'peer identification');
      chunk = got.rest;
    }
    this.reader.push(chunk);
    void this.pump();
  }

  /** Sends a payload for the layer above (held back during key exchange, in order). */
  send(payload: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.holdingOutput || this.queue.length > 0) {
      this.queue.push(payload);
      this.queuedBytes += payload.length;
      if (this.queuedBytes > (this.options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED)) {
        this.disconnect(DisconnectReason.ByApplication, 'key exchange did not complete in time');
      }
      return;
    }
    this.writePacket(payload);
    this.maybeRekey();
  }

  /**
   * Sends a payload given as `head` followed by the pieces of `body` (channel data: a small
   * header and the data), framed straight into the packet without joining them first. Same
   * ordering and key-exchange hold-back as {@link send}.
   */
  sendParts(head: Uint8Array, body: readonly Uint8Array[]): void {
    if (this.state === 'closed') return;
    if (this.holdingOutput || this.queue.length > 0 || this.compression.compressor) {
      this.send(Buffer.concat([head, ...body]));
      return;
    }
    this.emit(this.writer.writeParts(head, body));
    this.maybeRekey();
  }

  /** As {@link sendParts} for each of `packets`, in order; those sent together may be sealed together. */
  sendPartsBatch(packets: readonly PayloadParts[]): void {
    if (this.state === 'closed') return;
    if (this.holdingOutput || this.queue.length > 0 || this.compression.compressor)
      for (const { head, body } of packets) this.sendParts(head, body);
    else for (const wire of this.writer.writePartsBatch(packets)) this.emit(wire);
    this.maybeRekey();
  }

  /** Marks the peer authenticated: allows rekeying and PING, and starts delayed compression. */
  setAuthenticated(): void {
    this.authenticatedPeer = true;
    this.compression.startDelayed();
  }

  /** Replaces the service that receives payloads 50 and above (auth hands over to connection). */
  setService(service: TransportService | undefined): void {
    this.service = service;
  }

  /** Client: asks for a service (RFC 4253 §10). */
  requestService(name: string): void {
    this.requestedService = name;
    this.send(ServiceRequest.encode({ serviceName: name }));
  }

  /** Starts a key re-exchange now (RFC 4253 §9), unless one is running. */
  rekey(): void {
    if (this.state === 'packets' && !this.kex.running && this.kex.completed > 0) this.kex.begin();
  }

  /** Sends DISCONNECT with `reason` and closes (RFC 4253 §11.1). */
  disconnect(reason: DisconnectReasonCode, description: string): void {
    this.close(new DisconnectError(reason, description), true);
  }

  private close(error: DisconnectError | undefined, notifyPeer: boolean): void {
    if (this.state === 'closed') return;
    if (notifyPeer && error && this.state === 'packets') {
      try {
        const disconnect = Disconnect.encode({
          reasonCode: error.reason,
          description: error.description,
          languageTag: '',
        });
        // Compressed like every packet once compression is on (even after an inflate failure).
        this.hooks.write(this.writer.write(this.compress(disconnect)));
      } catch (err) {
        this.log.debug({ err }, 'could not send DISCONNECT');
      }
    }
    this.state = 'closed';
    this.queue = [];
    this.service = undefined;
    this.compression.close();
    this.hooks.closed(error);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'packets') {
        let payload = this.reader.next();
        if (!payload) break;
        this.packetsReceived++;
        const { decompressor } = this.compression;
        if (decompressor) payload = Buffer.from(decompressor.decompress(payload, MAX_PACKET_LENGTH));
        const pending = this.dispatch(payload, (this.reader.seq - 1) >>> 0);
        if (pending) await pending;
        this.maybeRekey();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = false;
    }
    if (this.state === 'packets') this.hooks.drained?.();
  }

  private fail(err: unknown): void {
    if (err instanceof DisconnectError) {
      this.log.debug({ reason: err.reason, description: err.description }, 'protocol failure');
      this.close(err, !err.sentByPeer);
    } else if (err instanceof DecodeError) {
      this.close(protocolError(`malformed message: ${err.message}`), true);
    } else {
      this.log.error({ err }, 'internal error in transport');
      this.close(new DisconnectError(DisconnectReason.ByApplication, 'internal error', { cause: err }), true);
    }
  }

  private dispatch(payload: Buffer, seq: number): Promise<void> | void {
    const type = payload[0];
    if (type === undefined || type === 0) throw protocolError('invalid message type 0');
    const afterNewKeys = this.lastWasNewKeys;
    this.lastWasNewKeys = false;
    const initialKex = this.kex.completed === 0;
    switch (type) {
      case Msg.Disconnect:
        return this.onDisconnect(payload);
      case Msg.Ignore:
      case Msg.Unimplemented:
      case Msg.Debug:
        if (initialKex && this.kex.strict)
          throw protocolError('strict KEX violation: unexpected message during key exchange');
        if (!this.authenticatedPeer) this.limits?.preAuthNoise(payload.length);
        if (type === Msg.Debug) this.onDebug(payload);
        if (type === Msg.Unimplemented)
          this.hooks.unimplemented?.(Unimplemented.decode(payload).sequenceNumber);
        return;
      case Msg.KexInit:
        if (this.authenticatedPeer && !this.kex.running)
          this.limits?.peerRekey(this.reader.bytesSinceKex + this.writer.bytesSinceKex);
        return this.kex.onKexInit(payload);
      case Msg.NewKeys:
        return this.kex.onNewKeys(payload);
    }
    if (type >= 30 && type <= 49) return this.kex.onMethodMessage(payload);
    if (initialKex) {
      if (this.kex.strict || type >= 50) throw protocolError(`message ${type} before key exchange completed`);
      this.limits?.preAuthNoise(payload.length);
      this.sendNow(Unimplemented.encode({ sequenceNumber: seq }));
      return;
    }
    if (this.kex.peerExchanging) throw protocolError(`message ${type} not allowed during key exchange`);
    switch (type) {
      case Msg.ServiceRequest:
        return this.onServiceRequest(payload);
      case Msg.ServiceAccept:
        return this.onServiceAccept(payload);
      case Msg.ExtInfo:
        return this.onExtInfo(payload, afterNewKeys);
      case Msg.Ping:
        if (this.authenticatedPeer) this.send(Pong.encode({ data: Ping.decode(payload).data }));
        return;
      case Msg.Pong:
        return;
    }
    if (type < 50 || !this.service) {
      if (type >= 50) throw protocolError(`message ${type} before a service was started`);
      if (!this.authenticatedPeer) this.limits?.preAuthNoise(payload.length);
      this.send(Unimplemented.encode({ sequenceNumber: seq }));
      return;
    }
    const result = this.service.handle(payload);
    if (result instanceof Promise) {
      return result.then((r) => {
        if (r === 'unrecognized') this.send(Unimplemented.encode({ sequenceNumber: seq }));
      });
    }
    if (result === 'unrecognized') this.send(Unimplemented.encode({ sequenceNumber: seq }));
  }

  private onDisconnect(payload: Buffer): void {
    let reason: number = DisconnectReason.ByApplication;
    let description = '';
    try {
      const m = Disconnect.decode(payload);
      reason = m.reasonCode;
      description = m.description;
    } catch {
      // A malformed DISCONNECT still ends the connection.
    }
    this.log.debug({ reason, description: sanitizeForLog(description) }, 'peer disconnected');
    const code = (
      reason >= 1 && reason <= 15 ? reason : DisconnectReason.ByApplication
    ) as DisconnectReasonCode;
    this.close(DisconnectError.fromPeer(code, description), false);
  }

  private onDebug(payload: Buffer): void {
    const m = Debug.decode(payload);
    this.log.debug({ message: sanitizeForLog(m.message) }, 'peer debug message');
  }

  private onServiceRequest(payload: Buffer): void {
    const { serviceName } = ServiceRequest.decode(payload);
    if (this.options.role !== 'server') throw protocolError('SERVICE_REQUEST sent to a client');
    if (this.service) throw protocolError('a service is already running');
    const service = this.hooks.serviceRequested?.(serviceName);
    if (!service) {
      this.disconnect(
        DisconnectReason.ServiceNotAvailable,
        `service ${sanitizeForLog(serviceName, 64)} not available`,
      );
      return;
    }
    this.service = service;
    this.send(ServiceAccept.encode({ serviceName }));
  }

  private onServiceAccept(payload: Buffer): void {
    const { serviceName } = ServiceAccept.decode(payload);
    if (this.options.role !== 'client' || serviceName !== this.requestedService) {
      throw protocolError('unexpected SERVICE_ACCEPT');
    }
    this.requestedService = undefined;
    this.hooks.serviceAccepted?.(serviceName);
  }

  private onExtInfo(payload: Buffer, afterNewKeys: boolean): void {
    const { extensions } = ExtInfo.decode(payload);
    // RFC 8308 §2.4: a client's EXT_INFO is only valid right after its first NEWKEYS; ignore others.
    if (!afterNewKeys || this.kex.completed !== 1) return;
    this.peerExtensions = new Map(extensions);
  }

  private setCompression(direction: 'in' | 'out', keys: InstalledKeys): void {
    const alg = direction === 'in' ? keys.compressionIn : keys.compressionOut;
    this.compression.install(direction, alg, this.authenticatedPeer);
  }

  /** `payload` as it goes into a packet: compressed once compression is on. */
  private compress(payload: Uint8Array): Uint8Array {
    const { compressor } = this.compression;
    return compressor ? compressor.compress(payload) : payload;
  }

  private flushQueue(): void {
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const payload of queued) this.writePacket(payload);
    this.hooks.writable?.(true);
  }

  /** Writes a transport-level packet now, even during key exchange. */
  private sendNow(payload: Uint8Array): void {
    if (this.state === 'closed') return;
    // Once compression is on, every packet is compressed, KEX messages and EXT_INFO included.
    this.hooks.write(this.writer.write(this.compress(payload)));
  }

  private writePacket(payload: Uint8Array): void {
    this.emit(this.writer.writeParts(EMPTY, [this.compress(payload)]));
  }

  /** Hands one packet's wire bytes to the owner. */
  private emit(parts: Buffer[]): void {
    if (parts.length === 1) this.hooks.write(parts[0]!);
    else if (this.hooks.writeParts) this.hooks.writeParts(parts);
    else this.hooks.write(Buffer.concat(parts));
  }

  /** Starts a key re-exchange once either direction crossed a limit (RFC 4344 §3), after login. */
  private maybeRekey(): void {
    const { kex, reader, writer } = this;
    if (kex.running || kex.completed === 0 || !this.authenticatedPeer) return;
    const blockSize = writer.protection.blockSize;
    if (!rekeyDue(reader, writer, kex.lastStarted, blockSize, this.options.rekeyLimits)) return;
    this.log.debug(
      { sent: writer.bytesSinceKex, received: reader.bytesSinceKex },
      'starting key re-exchange',
    );
    kex.begin();
  }
}
