import { KeyExchangeRun } from '../kex/key-exchange.js';
import type { NegotiatedAlgorithms } from '../kex/negotiate.js';
import type { Logger } from '../log/logger.js';
import { DisconnectError } from '../protocol/errors.js';
import { DisconnectReason, Msg } from '../protocol/numbers.js';
import { installKeys, type InstalledKeys } from './keys.js';
import { ExtInfo } from './messages.js';
import type { TransportOptions } from './transport-types.js';
import { asBuffer } from '../util/as-buffer.js';
import { unpooledCopy } from '../util/unpooled.js';

/** What key exchange needs from the transport that carries it. */
export interface KexCarrier {
  readonly log: Logger;
  /** Sends a packet now, even while other output is held back. */
  sendNow(payload: Uint8Array): void;
  /** Switches outgoing packets to new keys, after our NEWKEYS went out. */
  switchOutbound(keys: InstalledKeys, resetSequence: boolean): void;
  /** Switches incoming packets to new keys, after the peer's NEWKEYS. */
  switchInbound(keys: InstalledKeys, resetSequence: boolean): void;
  /** Other output must wait (we sent KEXINIT). */
  holdOutput(): void;
  /** Held output may go (we sent NEWKEYS). */
  releaseOutput(): void;
  /** The first key exchange completed. */
  established(): void;
  /** Whether the peer has authenticated (re-exchange is refused before). */
  isAuthenticated(): boolean;
  /** Packets received so far, counting the one being handled. */
  packetsReceived(): number;
  /** The peer's identification line. */
  peerIdentification(): string;
}

const protocolError = (why: string): DisconnectError =>
  new DisconnectError(DisconnectReason.ProtocolError, why);

/**
 * Key exchange and re-exchange for one connection (RFC 4253 §7–9): our KEXINIT, the method's
 * messages, NEWKEYS in both directions, strict KEX (OpenSSH PROTOCOL §1.9: KEXINIT first, nothing
 * else during the initial exchange, sequence numbers reset at each NEWKEYS) and EXT_INFO.
 */
export class KexController {
  private run: KeyExchangeRun | undefined;
  private completedRuns = 0;
  private startedAt = 0;
  private sentNewKeys = false;
  private receivedNewKeys = false;
  private peerInKex = false;
  private strictMode = false;
  private pendingKeys: InstalledKeys | undefined;
  private sessionIdentifier: Buffer | undefined;
  private serverHostKey: Buffer | undefined;
  private firstNegotiated: NegotiatedAlgorithms | undefined;

  constructor(
    private readonly options: TransportOptions,
    private readonly carrier: KexCarrier,
  ) {}

  /** H of the first exchange (RFC 4253 §7.2). */
  get sessionId(): Buffer | undefined {
    return this.sessionIdentifier;
  }

  /** K_S of the first exchange. */
  get hostKeyBlob(): Buffer | undefined {
    return this.serverHostKey;
  }

  /** The algorithms chosen by the first exchange. */
  get negotiated(): NegotiatedAlgorithms | undefined {
    return this.firstNegotiated;
  }

  /** Completed exchanges. */
  get completed(): number {
    return this.completedRuns;
  }

  /** Whether strict KEX is in force. */
  get strict(): boolean {
    return this.strictMode;
  }

  /** Whether we are between our KEXINIT and our NEWKEYS (other output must wait). */
  get holdingOutput(): boolean {
    return this.run !== undefined && !this.sentNewKeys;
  }

  /** Whether the peer is between its KEXINIT and its NEWKEYS (it may only send KEX messages). */
  get peerExchanging(): boolean {
    return this.peerInKex;
  }

  /** Whether an exchange is under way. */
  get running(): boolean {
    return this.run !== undefined;
  }

  /** When the current or last exchange started (ms since the epoch). */
  get lastStarted(): number {
    return this.startedAt;
  }

  /** Sends our KEXINIT and starts holding back other output. */
  begin(): void {
    const initial = this.completedRuns === 0;
    const ours = this.options.identification;
    const peer = () => this.carrier.peerIdentification();
    const versions =
      this.options.role === 'server'
        ? {
            server: ours,
            get client() {
              return peer();
            },
          }
        : {
            client: ours,
            get server() {
              return peer();
            },
          };
    this.run = new KeyExchangeRun(this.options, versions, initial, this.options.strictKex !== false);
    this.startedAt = Date.now();
    this.sentNewKeys = false;
    this.receivedNewKeys = false;
    this.carrier.holdOutput();
    this.carrier.sendNow(this.run.ourKexInit);
  }

  /** SSH_MSG_KEXINIT from the peer (RFC 4253 §7.1). */
  async onKexInit(payload: Buffer): Promise<void> {
    if (this.peerInKex) throw protocolError('KEXINIT during key exchange');
    if (!this.run) {
      // The peer starts a re-exchange; refused before authentication (security catalogue A17).
      if (!this.carrier.isAuthenticated()) throw protocolError('key re-exchange before authentication');
      this.begin();
    }
    const run = this.run!;
    this.peerInKex = true;
    const out = await run.onPeerKexInit(payload);
    if (run.initial) {
      this.strictMode = this.options.strictKex !== false && run.peerWantsStrictKex();
      if (this.strictMode && this.carrier.packetsReceived() !== 1) {
        throw protocolError('strict KEX violation: KEXINIT was not the first packet');
      }
      this.firstNegotiated = run.negotiated;
      this.carrier.log.debug({ ...run.negotiated, strictKex: this.strictMode }, 'negotiated algorithms');
    }
    this.afterStep(out);
  }

  /** A key exchange method message (numbers 30–49). */
  async onMethodMessage(payload: Buffer): Promise<void> {
    if (!this.peerInKex || !this.run) throw protocolError(`unexpected key exchange message ${payload[0]}`);
    this.afterStep(await this.run.onMethodMessage(payload));
  }

  /** SSH_MSG_NEWKEYS from the peer (RFC 4253 §7.3). */
  onNewKeys(payload: Buffer): void {
    if (payload.length !== 1) throw protocolError('malformed NEWKEYS');
    if (!this.peerInKex || !this.run?.result || !this.pendingKeys) throw protocolError('unexpected NEWKEYS');
    this.carrier.switchInbound(this.pendingKeys, this.strictMode);
    this.receivedNewKeys = true;
    this.peerInKex = false;
    this.finishIfDone();
  }

  private afterStep(out: readonly Uint8Array[]): void {
    for (const m of out) this.carrier.sendNow(m);
    const run = this.run;
    if (!run?.result || this.sentNewKeys) return;
    this.sessionIdentifier ??= unpooledCopy(run.result.exchangeHash);
    // A server's blob is its host key's, shared by every connection; a client's is in a packet.
    const blob = run.result.hostKeyBlob;
    this.serverHostKey ??= this.options.role === 'server' ? asBuffer(blob) : unpooledCopy(blob);
    this.pendingKeys = installKeys(this.options, run.result, this.sessionIdentifier);
    this.carrier.sendNow(Buffer.from([Msg.NewKeys]));
    this.sentNewKeys = true;
    this.carrier.switchOutbound(this.pendingKeys, this.strictMode);
    if (run.initial && this.options.role === 'server' && run.peerWantsExtInfo() && this.options.extensions) {
      this.carrier.sendNow(ExtInfo.encode({ extensions: this.options.extensions() }));
    }
    this.finishIfDone();
    this.carrier.releaseOutput();
  }

  private finishIfDone(): void {
    if (!this.sentNewKeys || !this.receivedNewKeys) return;
    const first = this.completedRuns === 0;
    this.completedRuns++;
    this.run = undefined;
    this.pendingKeys = undefined;
    if (first) this.carrier.established();
  }
}
