import { randomBytes } from 'node:crypto';
import type { AlgorithmRegistries } from '../algorithms/registry.js';
import type {
  DhEngine,
  HostKeySigner,
  KexAlgorithm,
  KexClientExchange,
  KexServerExchange,
  KexStep,
} from '../algorithms/types.js';
import { DisconnectReason } from '../protocol/numbers.js';
import { DisconnectError } from '../protocol/errors.js';
import { KexInit } from './messages.js';
import {
  AlgorithmNegotiationError,
  ExtInfoClient,
  ExtInfoServer,
  guessWasWrong,
  negotiate,
  StrictKexClient,
  StrictKexServer,
  type NegotiatedAlgorithms,
} from './negotiate.js';

/** Algorithm names a side offers, per kind, in preference order. */
export interface AlgorithmOffer {
  readonly kex: readonly string[];
  readonly hostKey: readonly string[];
  readonly cipher: readonly string[];
  readonly mac: readonly string[];
  readonly compression: readonly string[];
}

/** What one side brings to every key exchange of a connection. */
export interface KexParticipant {
  readonly role: 'server' | 'client';
  readonly registries: AlgorithmRegistries;
  readonly offer: AlgorithmOffer;
  /** Where finite-field Diffie-Hellman runs off the event loop (a worker pool); inline when absent. */
  readonly dhEngine?: DhEngine;
  /** Server: the signer for a negotiated host key algorithm. */
  hostKeySigner?(algorithm: string): HostKeySigner | undefined;
  /** Client: checks K_S and the signature over H; throws DisconnectError(HostKeyNotVerifiable) to refuse. */
  verifyHostKey?(
    algorithm: string,
    hostKeyBlob: Uint8Array,
    exchangeHash: Uint8Array,
    signature: Uint8Array,
  ): Promise<void>;
}

/** What a finished key exchange hands to the transport to derive keys and switch ciphers. */
export interface KexOutcome {
  readonly negotiated: NegotiatedAlgorithms;
  readonly kex: KexAlgorithm;
  readonly sharedSecret: Uint8Array;
  readonly exchangeHash: Uint8Array;
  /** K_S, the server's host key blob. */
  readonly hostKeyBlob: Uint8Array;
}

/**
 * One run of key exchange (RFC 4253 §7): our KEXINIT, the peer's, negotiation and the method's
 * messages (30–49). The transport owns ordering, NEWKEYS and key switching.
 */
export class KeyExchangeRun {
  /** Payload of our KEXINIT (I_S or I_C). */
  readonly ourKexInit: Buffer;
  /** What {@link ourKexInit} encodes: its names are the offer's own strings, not slices of a decode. */
  private readonly ourInit: KexInit;
  private peerInit: KexInit | undefined;
  private peerInitRaw: Buffer | undefined;
  private exchange: KexServerExchange | KexClientExchange | undefined;
  private kex: KexAlgorithm | undefined;
  private negotiatedAlgorithms: NegotiatedAlgorithms | undefined;
  /** Set when the peer guessed its first kex packet wrong: that packet is dropped (RFC 4253 §7). */
  private dropNextMethodMessage = false;
  private outcome: KexOutcome | undefined;

  constructor(
    private readonly me: KexParticipant,
    private readonly versions: { readonly client: string; readonly server: string },
    /** True for the first key exchange of the connection (the only one that may signal extensions). */
    readonly initial: boolean,
    /** Whether to offer strict KEX (OpenSSH PROTOCOL §1.9) in the first KEXINIT. */
    offerStrictKex: boolean,
  ) {
    const server = me.role === 'server';
    const pseudo = initial
      ? [
          server ? ExtInfoServer : ExtInfoClient,
          ...(offerStrictKex ? [server ? StrictKexServer : StrictKexClient] : []),
        ]
      : [];
    this.ourInit = {
      cookie: randomBytes(16),
      kexAlgorithms: [...me.offer.kex, ...pseudo],
      serverHostKeyAlgorithms: me.offer.hostKey,
      encryptionAlgorithmsClientToServer: me.offer.cipher,
      encryptionAlgorithmsServerToClient: me.offer.cipher,
      macAlgorithmsClientToServer: me.offer.mac,
      macAlgorithmsServerToClient: me.offer.mac,
      compressionAlgorithmsClientToServer: me.offer.compression,
      compressionAlgorithmsServerToClient: me.offer.compression,
      languagesClientToServer: [],
      languagesServerToClient: [],
      firstKexPacketFollows: false,
      reserved: 0,
    };
    this.ourKexInit = KexInit.encode(this.ourInit);
  }

  /** The peer's decoded KEXINIT, once received. */
  get peerKexInit(): KexInit | undefined {
    return this.peerInit;
  }

  /** The negotiated algorithms, once both KEXINITs are known. */
  get negotiated(): NegotiatedAlgorithms | undefined {
    return this.negotiatedAlgorithms;
  }

  /** The result, once the method has finished. */
  get result(): KexOutcome | undefined {
    return this.outcome;
  }

  /** Whether the peer's KEXINIT advertises strict KEX (OpenSSH PROTOCOL §1.9). */
  peerWantsStrictKex(): boolean {
    const marker = this.me.role === 'server' ? StrictKexClient : StrictKexServer;
    return this.peerInit?.kexAlgorithms.includes(marker) ?? false;
  }

  /** Whether the client's KEXINIT asks for EXT_INFO (RFC 8308 §2.1). */
  peerWantsExtInfo(): boolean {
    const marker = this.me.role === 'server' ? ExtInfoClient : ExtInfoServer;
    return this.peerInit?.kexAlgorithms.includes(marker) ?? false;
  }

  /** Handles the peer's KEXINIT: negotiates and starts the method. Returns messages to send. */
  async onPeerKexInit(payload: Buffer): Promise<readonly Uint8Array[]> {
    if (this.peerInit) throw new DisconnectError(DisconnectReason.ProtocolError, 'duplicate KEXINIT');
    this.peerInitRaw = Buffer.from(payload);
    this.peerInit = KexInit.decode(this.peerInitRaw);
    const ours = this.ourInit;
    const [client, server] = this.me.role === 'server' ? [this.peerInit, ours] : [ours, this.peerInit];
    const { registries } = this.me;
    try {
      this.negotiatedAlgorithms = negotiate(client, server, {
        isAead: (name) => registries.cipher.get(name)?.kind === 'aead',
      });
    } catch (err) {
      if (err instanceof AlgorithmNegotiationError) {
        throw new DisconnectError(DisconnectReason.KeyExchangeFailed, err.message, { cause: err });
      }
      throw err;
    }
    const chosen = this.negotiatedAlgorithms;
    if (this.peerInit.firstKexPacketFollows && guessWasWrong(client, server, chosen))
      this.dropNextMethodMessage = true;
    const kex = registries.kex.get(chosen.kex);
    if (!kex)
      throw new DisconnectError(DisconnectReason.KeyExchangeFailed, `kex ${chosen.kex} is not available`);
    this.kex = kex;
    const transcript = {
      clientVersion: this.versions.client,
      serverVersion: this.versions.server,
      clientKexInit: this.me.role === 'client' ? this.ourKexInit : this.peerInitRaw,
      serverKexInit: this.me.role === 'server' ? this.ourKexInit : this.peerInitRaw,
    };
    if (this.me.role === 'server') {
      const signer = this.me.hostKeySigner?.(chosen.hostKey);
      if (!signer)
        throw new DisconnectError(DisconnectReason.KeyExchangeFailed, `no host key for ${chosen.hostKey}`);
      this.exchange = kex.server({
        transcript,
        hostKey: signer,
        ...(this.me.dhEngine ? { dhEngine: this.me.dhEngine } : {}),
      });
      return [];
    }
    const verify = this.me.verifyHostKey;
    if (!verify) throw new Error('a client needs verifyHostKey');
    const exchange = kex.client({
      transcript,
      ...(this.me.dhEngine ? { dhEngine: this.me.dhEngine } : {}),
      verifyHostKey: (blob, hash, sig) => verify(chosen.hostKey, blob, hash, sig),
    });
    this.exchange = exchange;
    return this.take(await exchange.start());
  }

  /** Handles one key exchange method message (30–49). Returns messages to send. */
  async onMethodMessage(payload: Buffer): Promise<readonly Uint8Array[]> {
    if (!this.exchange || this.outcome) {
      throw new DisconnectError(
        DisconnectReason.ProtocolError,
        `unexpected key exchange message ${payload[0]}`,
      );
    }
    if (this.dropNextMethodMessage) {
      this.dropNextMethodMessage = false;
      return [];
    }
    return this.take(await this.exchange.handle(payload));
  }

  private take(step: KexStep): readonly Uint8Array[] {
    if (step.result) {
      this.outcome = {
        negotiated: this.negotiatedAlgorithms!,
        kex: this.kex!,
        sharedSecret: step.result.sharedSecret,
        exchangeHash: step.result.exchangeHash,
        hostKeyBlob: step.result.hostKeyBlob,
      };
    }
    return step.send;
  }
}
