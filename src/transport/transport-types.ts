import type { KexParticipant } from '../kex/key-exchange.js';
import type { DisconnectError } from '../protocol/errors.js';
import type { PaddingSource } from './framer.js';
import type { SealedBufferPool } from './sealed-buffers.js';
import type { PeerLimitSettings } from './peer-limits.js';
import type { RekeyLimits } from './rekey.js';
import type { Identification } from './version.js';

/** What a layer above the transport returns for a payload it was given. */
export type ServiceResult = void | 'unrecognized';

/**
 * A service running over the transport (RFC 4253 §10): `ssh-userauth`, then `ssh-connection`.
 * It receives every payload numbered 50 and above.
 */
export interface TransportService {
  /** Handles one payload. Return `'unrecognized'` to have the transport send UNIMPLEMENTED. */
  handle(payload: Buffer): ServiceResult | Promise<ServiceResult>;
}

/** The transport's way out: bytes to write, and notice of what happened. No I/O of its own. */
export interface TransportHooks {
  /**
   * Writes bytes to the peer, in order (one call per packet unless {@link writeParts} is given).
   * When `data` is lent by the options' `sealedBuffers`, the owner may give it back once written.
   */
  write(data: Buffer): void;
  /**
   * Writes one packet given as pieces (length field, ciphertext, tag), in order, so they need not
   * be joined first; when absent, the pieces are joined and passed to {@link write}.
   */
  writeParts?(parts: readonly Buffer[]): void;
  /** Called once when the transport has ended; `error` is undefined for a clean local close. */
  closed(error: DisconnectError | undefined): void;
  /** Server: a client asked for a service; return it to accept, undefined to refuse. */
  serviceRequested?(name: string): TransportService | undefined;
  /** Client: the service we asked for was accepted. */
  serviceAccepted?(name: string): void;
  /** The first key exchange completed. */
  established?(): void;
  /** Outbound flow changed: false while a key exchange holds outgoing data back. */
  writable?(canSend: boolean): void;
  /** The peer answered one of our packets with SSH_MSG_UNIMPLEMENTED. */
  unimplemented?(sequenceNumber: number): void;
  /** Everything received so far has been processed (for the owner's read backpressure). */
  drained?(): void;
}

/** How a transport is configured. */
export interface TransportOptions extends KexParticipant {
  /** Our identification line without CR LF (see `identificationLine`). */
  readonly identification: string;
  /** Offer strict KEX (OpenSSH PROTOCOL §1.9); default true. */
  readonly strictKex?: boolean;
  readonly rekeyLimits?: RekeyLimits;
  /** Server: the extensions for EXT_INFO after the first NEWKEYS (RFC 8308 §2.4). */
  extensions?(): readonly (readonly [string, Uint8Array])[];
  /** Most payload bytes held back during a key exchange before the connection is dropped. */
  readonly maxQueuedBytes?: number;
  /** Server: how much useless work a client may cause (see `PeerLimits`); defaults otherwise. */
  readonly peerLimits?: Partial<PeerLimitSettings>;
  /** Where packet padding comes from; a server shares one among its connections. */
  readonly padding?: PaddingSource;
  /**
   * Buffers large packets are sealed into, when the cipher can; a server shares one among its
   * connections. The owner gives a buffer back (`give`) once its write hook has written it.
   */
  readonly sealedBuffers?: SealedBufferPool;
}

/** Decoded facts about the peer, available once known. */
export interface PeerInfo {
  readonly identification: Identification | undefined;
  readonly extensions: ReadonlyMap<string, Uint8Array>;
}
