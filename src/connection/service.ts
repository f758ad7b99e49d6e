import type { AuthenticatedUser, ConnectionInfo } from '../auth/types.js';
import { silentLogger, sanitizeForLog, type Logger } from '../log/logger.js';
import { DisconnectError } from '../protocol/errors.js';
import {
  ChannelOpenFailure,
  DisconnectReason,
  Msg,
  type ChannelOpenFailureCode,
} from '../protocol/numbers.js';
import type { PayloadParts } from '../transport/framer.js';
import type { ServiceResult, TransportService } from '../transport/transport.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import { withTimeout } from '../util/with-timeout.js';
import type { Message } from '../wire/index.js';
import type { ChannelRates } from './byte-rate.js';
import { ChannelImpl, type ChannelLink } from './channel.js';
import type { HandlerRegistry } from './handler-registry.js';
import {
  ChannelClose,
  ChannelDataCodec,
  ChannelEof,
  ChannelFailure,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailureMessage,
  ChannelRequestMessage,
  ChannelSuccess,
  ChannelWindowAdjust,
  GlobalRequest,
  RequestFailure,
  RequestSuccess,
} from './messages.js';
import type {
  Channel,
  ChannelOpenDecision,
  ChannelTypeHandler,
  ConnectionContext,
  GlobalRequestHandler,
} from './types.js';

/** Sizes and limits of the connection layer. */
export interface ConnectionLimits {
  /** Our initial window per channel (bytes the client may send before we adjust). */
  readonly windowSize: number;
  /** Largest data packet we accept per channel. */
  readonly maxPacket: number;
  /** Channels open at once on one connection. */
  readonly maxChannels: number;
  /** Per channel type limits, e.g. `{ session: 10 }` (OpenSSH MaxSessions). */
  readonly maxPerType: Readonly<Record<string, number>>;
  /** Milliseconds a handler may take to answer an open or a request. */
  readonly handlerTimeoutMs: number;
}

/**
 * Defaults: 2 MiB windows and 10 sessions as OpenSSH; 64 KiB packets (OpenSSH offers 32 KiB): a
 * client sends bulk data in up to half the packets, each with its own cipher and MAC call. ssh2's
 * fastPut (32 KiB WRITEs) gains most: at 32 KiB each WRITE took a full packet and a tiny one (4
 * runs each: 350 against 268 MB/s, 2.3 against 3.1 s of server CPU per GiB); OpenSSH's `sftp` put
 * and `cat` upload are within 4% either way. Not larger: uploads gain nothing measurable past
 * 64 KiB, and OpenSSH 9.2's client, whose RekeyLimit check adds the next packet's length in bytes
 * to the blocks sent, re-keys after nearly every packet once its limit is below about twice the
 * packet size (a 20 MiB `cat` under RekeyLimit=1M: 0.4 s at 32 KiB, 1.8 s at 64 KiB, 9 s at
 * 128 KiB; OpenSSH's sshd 0.6 s).
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  windowSize: 2 * 1024 * 1024,
  maxPacket: 64 * 1024,
  maxChannels: 1024,
  maxPerType: { session: 10 },
  handlerTimeoutMs: 30_000,
};

/** Most bytes of channel data we put in one packet, whatever the peer allows (fits a 256 KiB packet). */
const MAX_SEND_PACKET = 256 * 1024 - 1024;

/** How a client's CHANNEL_OPEN was answered (for the `channel.open` server event). */
export interface ChannelOpenOutcome {
  readonly type: string;
  readonly accepted: boolean;
  /** Our channel number, when accepted. */
  readonly chan?: number;
}

/** How a connection service is set up. */
export interface ConnectionServiceOptions {
  readonly info: ConnectionInfo;
  readonly user: AuthenticatedUser;
  readonly channelTypes: HandlerRegistry<ChannelTypeHandler>;
  readonly globalRequests: HandlerRegistry<GlobalRequestHandler>;
  readonly limits?: Partial<ConnectionLimits>;
  readonly log?: Logger;
  /** The account's byte rate limits, shared with its other connections; absent when unlimited. */
  readonly rates?: ChannelRates;
}

/** Where a connection service's messages go, and whom it tells of channel opens. */
export interface ConnectionOutput {
  send(payload: Uint8Array): void;
  /** Sends `head` then the pieces of `body` as one payload without joining them (see `Transport.sendParts`). */
  sendParts?(head: Uint8Array, body: readonly Uint8Array[]): void;
  /** Sends several such payloads in order, to be sealed together where that is faster (see `Transport.sendPartsBatch`). */
  sendPartsBatch?(packets: readonly PayloadParts[]): void;
  /** Undefined when output can flow, else a promise resolving when it can (transport or socket backpressure). */
  whenWritable(): Promise<void> | undefined;
  /** Called when a CHANNEL_OPEN has been answered. */
  onChannelOpen?(outcome: ChannelOpenOutcome): void;
}

/** Thrown by {@link ConnectionContext.openChannel} when the client refuses. */
export class ChannelOpenError extends Error {
  override readonly name = 'ChannelOpenError';
  constructor(
    readonly reason: number,
    description: string,
  ) {
    super(description);
  }
}

/** A channel number handed out before its channel exists. */
interface Reservation {
  readonly type: string;
  /** For a channel we open: gets the client's CONFIRMATION or FAILURE (undefined when the connection ends). */
  readonly settle?: (reply: OpenReply | undefined) => void;
}

/** The client's answer to a CHANNEL_OPEN we sent (RFC 4254 §5.1). */
type OpenReply =
  | { readonly confirmed: true; readonly message: Message<typeof ChannelOpenConfirmation> }
  | { readonly confirmed: false; readonly message: Message<typeof ChannelOpenFailureMessage> };

const protocolError = (why: string) => new DisconnectError(DisconnectReason.ProtocolError, why);

/**
 * The `ssh-connection` service (RFC 4254): the channel table, CHANNEL_OPEN dispatched by type
 * through the registry, global requests by name, and error containment — a handler that throws or
 * never answers fails only its channel or request.
 */
export class ConnectionService implements TransportService {
  private readonly log: Logger;
  private readonly limits: ConnectionLimits;
  private readonly channels = new Map<number, ChannelImpl>();
  /**
   * Numbers handed out for opens still being decided, or waiting for the client's confirmation;
   * only there while some are (an idle connection keeps no empty map).
   */
  private reserved: Map<number, Reservation> | undefined;
  private nextId = 0;
  private globalChain: Promise<void> = Promise.resolve();
  /** Every open channel and pending request of the connection may watch this signal at once. */
  private readonly abort = new LazyAbortController(true);
  /** Links of channels no plugin owns, then of each plugin's channels (made on first use). */
  private links: readonly InstanceType<typeof ConnectionService.Link>[];
  readonly context: ConnectionContext;

  constructor(
    private readonly options: ConnectionServiceOptions,
    private readonly output: ConnectionOutput,
  ) {
    this.log = options.log ?? silentLogger;
    // Object.assign, not a spread, for an object the connection keeps (see docs/architecture.md).
    this.limits = options.limits
      ? Object.assign({}, DEFAULT_CONNECTION_LIMITS, options.limits)
      : DEFAULT_CONNECTION_LIMITS;
    this.links = [new ConnectionService.Link(this, undefined)];
    this.context = new ConnectionService.Context(this);
  }

  // The link and the context are classes rather than objects of closures: their methods live on
  // a prototype, so an idle connection holds two small objects for them.

  /** How this connection's channels send, wait and go. */
  private static readonly Link = class implements ChannelLink {
    private pluginLog: Logger | undefined;
    constructor(
      private readonly service: ConnectionService,
      /** Request handlers of a plugin's channels log under its name (made on first use). */
      readonly plugin: string | undefined,
    ) {}
    get log(): Logger {
      if (this.plugin === undefined) return this.service.log;
      return (this.pluginLog ??= this.service.log.child({ plugin: this.plugin }));
    }
    get handlerTimeoutMs(): number {
      return this.service.limits.handlerTimeoutMs;
    }
    get rates(): ChannelRates | undefined {
      return this.service.options.rates;
    }
    send(payload: Uint8Array): void {
      this.service.output.send(payload);
    }
    sendParts(head: Uint8Array, body: readonly Uint8Array[]): void {
      const output = this.service.output;
      if (output.sendParts) output.sendParts(head, body);
      else output.send(Buffer.concat([head, ...body]));
    }
    sendPartsBatch(packets: readonly PayloadParts[]): void {
      const output = this.service.output;
      if (output.sendPartsBatch) output.sendPartsBatch(packets);
      else for (const { head, body } of packets) this.sendParts(head, body);
    }
    whenWritable(): Promise<void> | undefined {
      return this.service.output.whenWritable();
    }
    release(id: number): void {
      this.service.channels.delete(id);
    }
  };

  /** The connection as channel and request handlers see it. */
  private static readonly Context = class implements ConnectionContext {
    readonly info: ConnectionInfo;
    readonly user: AuthenticatedUser;
    readonly log: Logger;
    constructor(private readonly service: ConnectionService) {
      this.info = service.options.info;
      this.user = service.options.user;
      this.log = service.log;
    }
    openChannel(type: string, data: Uint8Array): Promise<Channel> {
      return this.service.openToClient(type, data);
    }
    countChannels(type: string): number {
      return this.service.countType(type);
    }
    get signal(): AbortSignal {
      return this.service.abort.signal;
    }
  };

  /** Ends every channel (the connection is gone). */
  shutdown(): void {
    this.abort.abort();
    for (const c of this.channels.values()) c.destroy();
    this.channels.clear();
    const reserved = this.reserved;
    this.reserved = undefined;
    for (const r of reserved?.values() ?? []) r.settle?.(undefined);
  }

  /** Number of open channels. */
  get channelCount(): number {
    return this.channels.size;
  }

  handle(payload: Buffer): ServiceResult {
    const type = payload[0]!;
    switch (type) {
      case Msg.GlobalRequest:
        return this.onGlobalRequest(payload);
      case Msg.RequestSuccess:
      case Msg.RequestFailure:
        return; // We send global requests without wanting replies.
      case Msg.ChannelOpen:
        return this.onOpen(payload);
      case Msg.ChannelOpenConfirmation:
      case Msg.ChannelOpenFailure:
        return this.onOpenReply(payload);
      case Msg.ChannelWindowAdjust: {
        const m = ChannelWindowAdjust.decode(payload);
        return this.channel(m.recipientChannel).onWindowAdjust(m.bytesToAdd);
      }
      case Msg.ChannelData:
      case Msg.ChannelExtendedData: {
        const m = ChannelDataCodec.decode(payload);
        return this.channel(m.recipientChannel).onData(m.data, m.dataType);
      }
      case Msg.ChannelEof:
        return this.channel(ChannelEof.decode(payload).recipientChannel).onEof();
      case Msg.ChannelClose:
        return this.channel(ChannelClose.decode(payload).recipientChannel).onClose();
      case Msg.ChannelRequest: {
        const m = ChannelRequestMessage.decode(payload);
        return this.channel(m.recipientChannel).onRequestMessage({
          type: m.requestType,
          wantReply: m.wantReply,
          data: Buffer.from(m.typeSpecific),
        });
      }
      case Msg.ChannelSuccess:
      case Msg.ChannelFailure: {
        const reply = type === Msg.ChannelSuccess ? ChannelSuccess : ChannelFailure;
        this.channel(reply.decode(payload).recipientChannel);
        return;
      }
    }
    // Authentication requests after success are ignored (RFC 4252 §5.1).
    if (type >= 50 && type <= 79) return;
    return 'unrecognized';
  }

  private channel(id: number): ChannelImpl {
    const c = this.channels.get(id);
    if (!c) throw protocolError(`message for unknown channel ${id}`);
    return c;
  }

  private countType(type: string): number {
    let n = 0;
    for (const c of this.channels.values()) if (c.type === type && !c.isClosing) n++;
    for (const r of this.reserved?.values() ?? []) if (r.type === type) n++;
    return n;
  }

  private allocateId(type: string): number | undefined {
    const reserved = (this.reserved ??= new Map());
    if (this.channels.size + reserved.size >= this.limits.maxChannels) return undefined;
    while (this.channels.has(this.nextId) || reserved.has(this.nextId)) this.nextId = (this.nextId + 1) >>> 0;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    reserved.set(id, { type });
    return id;
  }

  private unreserve(id: number): void {
    if (this.reserved?.delete(id) && this.reserved.size === 0) this.reserved = undefined;
  }

  private onGlobalRequest(payload: Buffer): void {
    const m = GlobalRequest.decode(payload);
    const request = { name: m.requestName, wantReply: m.wantReply, data: Buffer.from(m.requestSpecific) };
    // Replies to global requests go out in order (RFC 4254 §4).
    this.globalChain = this.globalChain.then(async () => {
      const handler = this.options.globalRequests.get(request.name);
      let result: Awaited<ReturnType<GlobalRequestHandler['handle']>> = { ok: false };
      if (handler) {
        try {
          result = await withTimeout(
            handler.handle(request, this.context),
            this.limits.handlerTimeoutMs,
            `global request ${request.name}`,
          );
        } catch (err) {
          const plugin = this.options.globalRequests.ownerOf(request.name);
          this.log.error({ err, plugin, request: request.name }, 'global request handler failed');
        }
      }
      if (!request.wantReply || this.abort.aborted) return;
      this.output.send(
        result.ok
          ? RequestSuccess.encode({ responseSpecific: result.data ?? new Uint8Array(0) })
          : RequestFailure.encode({}),
      );
    });
  }

  private onOpen(payload: Buffer): void {
    const m = ChannelOpen.decode(payload);
    const handler = this.options.channelTypes.get(m.channelType);
    if (!handler) return this.refuseOpen(m, ChannelOpenFailure.UnknownChannelType, 'unknown channel type');
    const perType = this.limits.maxPerType[m.channelType];
    if (perType !== undefined && this.countType(m.channelType) >= perType) {
      const why = `too many ${m.channelType} channels`;
      return this.refuseOpen(m, ChannelOpenFailure.AdministrativelyProhibited, why);
    }
    const id = this.allocateId(m.channelType);
    if (id === undefined) return this.refuseOpen(m, ChannelOpenFailure.ResourceShortage, 'too many channels');
    void this.openFromClient(m, id, handler);
  }

  private refuseOpen(m: ChannelOpen, reason: ChannelOpenFailureCode, description: string): void {
    this.output.onChannelOpen?.({ type: m.channelType, accepted: false });
    this.output.send(
      ChannelOpenFailureMessage.encode({
        recipientChannel: m.senderChannel,
        reasonCode: reason,
        description,
        languageTag: '',
      }),
    );
  }

  /** Asks the channel type's handler, answers the client, and starts the channel if accepted. */
  private async openFromClient(m: ChannelOpen, id: number, handler: ChannelTypeHandler): Promise<void> {
    const plugin = this.options.channelTypes.ownerOf(m.channelType);
    let decision: ChannelOpenDecision;
    try {
      decision = await withTimeout(
        handler.open({ type: m.channelType, data: Buffer.from(m.typeSpecific) }, this.context),
        this.limits.handlerTimeoutMs,
        `channel open ${m.channelType}`,
      );
    } catch (err) {
      this.log.error({ err, chan: id, plugin, type: m.channelType }, 'channel open handler failed');
      decision = { ok: false, reason: ChannelOpenFailure.ResourceShortage, description: 'internal error' };
    }
    this.unreserve(id);
    if (this.abort.aborted) return;
    if (!decision.ok) return this.refuseOpen(m, decision.reason, decision.description ?? '');
    const channel = new ChannelImpl(
      id,
      m.senderChannel,
      m.channelType,
      this.context,
      {
        localWindow: this.limits.windowSize,
        localMaxPacket: this.limits.maxPacket,
        remoteWindow: m.initialWindowSize,
        remoteMaxPacket: Math.min(m.maximumPacketSize, MAX_SEND_PACKET),
      },
      // Request handlers of this channel are the plugin's: their failures name it.
      this.linkFor(plugin),
    );
    this.channels.set(id, channel);
    this.output.send(
      ChannelOpenConfirmation.encode({
        recipientChannel: m.senderChannel,
        senderChannel: id,
        initialWindowSize: this.limits.windowSize,
        maximumPacketSize: this.limits.maxPacket,
        typeSpecific: new Uint8Array(0),
      }),
    );
    this.log.debug({ chan: id, type: sanitizeForLog(m.channelType, 64) }, 'channel open');
    this.output.onChannelOpen?.({ type: m.channelType, accepted: true, chan: id });
    // Its own function, so that what stays suspended for the channel's life is small: the open
    // message and its type-specific data are not kept.
    void this.runChannel(channel, decision.run, plugin);
  }

  /** Runs an accepted channel's handler to its end, then closes the channel. */
  private async runChannel(
    channel: ChannelImpl,
    run: (channel: Channel) => Promise<void>,
    plugin: string | undefined,
  ): Promise<void> {
    try {
      await run(channel);
    } catch (err) {
      this.log.error({ err, chan: channel.id, plugin, type: channel.type }, 'channel handler failed');
    }
    if (!this.abort.aborted) await channel.close();
  }

  /** The link a plugin's channels share (made once per plugin and connection). */
  private linkFor(plugin: string | undefined): ChannelLink {
    let link = this.links.find((l) => l.plugin === plugin);
    // concat makes an array of the exact size; push() or a spread would leave room for 16 more.
    if (!link) this.links = this.links.concat([(link = new ConnectionService.Link(this, plugin))]);
    return link;
  }

  private openToClient(type: string, data: Uint8Array): Promise<Channel> {
    const id = this.allocateId(type);
    if (id === undefined)
      return Promise.reject(new ChannelOpenError(ChannelOpenFailure.ResourceShortage, 'too many channels'));
    return new Promise<Channel>((resolve, reject) => {
      this.reserved?.set(id, {
        type,
        settle: (reply) => {
          this.unreserve(id);
          if (reply?.confirmed) {
            const c = reply.message;
            const channel = new ChannelImpl(
              id,
              c.senderChannel,
              type,
              this.context,
              {
                localWindow: this.limits.windowSize,
                localMaxPacket: this.limits.maxPacket,
                remoteWindow: c.initialWindowSize,
                remoteMaxPacket: Math.min(c.maximumPacketSize, MAX_SEND_PACKET),
              },
              this.linkFor(undefined),
            );
            this.channels.set(id, channel);
            resolve(channel);
          } else if (reply) {
            reject(new ChannelOpenError(reply.message.reasonCode, reply.message.description));
          } else {
            reject(new ChannelOpenError(ChannelOpenFailure.ConnectFailed, 'connection closed'));
          }
        },
      });
      this.output.send(
        ChannelOpen.encode({
          channelType: type,
          senderChannel: id,
          initialWindowSize: this.limits.windowSize,
          maximumPacketSize: this.limits.maxPacket,
          typeSpecific: data,
        }),
      );
    });
  }

  private onOpenReply(payload: Buffer): void {
    const reply: OpenReply =
      payload[0] === Msg.ChannelOpenConfirmation
        ? { confirmed: true, message: ChannelOpenConfirmation.decode(payload) }
        : { confirmed: false, message: ChannelOpenFailureMessage.decode(payload) };
    const recipient = reply.message.recipientChannel;
    const pending = this.reserved?.get(recipient);
    if (!pending?.settle) throw protocolError(`open reply for channel ${recipient} we did not open`);
    pending.settle(reply);
  }
}
