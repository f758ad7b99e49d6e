import type { PrivateKey, PublicKey } from '../keys/types.js';

/**
 * How an algorithm is offered: `default` always (unless the config removes it), `optional` only
 * when the config names it, `legacy` only when named and with a start-up warning (DESIGN.md).
 */
export type AlgorithmStatus = 'default' | 'optional' | 'legacy';

/** Anything looked up by its exact wire name. */
export interface NamedAlgorithm {
  /** Exact wire name, e.g. `aes256-gcm@openssh.com` (RFC 4250 §4.6). */
  readonly name: string;
}

/**
 * Bytes given whole, or as pieces whose concatenation they are: read in order and never joined,
 * so a payload can be encrypted from where it lies instead of being copied into the packet first.
 */
export type GatheredBytes = Uint8Array | readonly Uint8Array[];

/** Direction of a packet protection instance. */
export type CipherDirection = 'encrypt' | 'decrypt';

/**
 * Stateful encryption or decryption of whole cipher blocks, in order (CTR, CBC). Used with a
 * separately negotiated MAC (RFC 4253 §6.3–6.4).
 */
export interface BlockCipherStream {
  /** Transforms `data` (a multiple of the block size) and returns the result (may reuse `data`). */
  update(data: Uint8Array): Uint8Array;
  /**
   * As {@link update}, writing the result to `out` (as long as `data`). Each piece of `data` lies
   * apart from `out` or exactly at its own place in it.
   */
  updateInto?(data: GatheredBytes, out: Uint8Array): void;
}

/**
 * A cipher with built-in integrity that protects whole packets (RFC 5647 as OpenSSH does it,
 * OpenSSH PROTOCOL.chacha20poly1305). No MAC is negotiated alongside it.
 */
export interface AeadPacketCipher {
  /** Bytes of authentication tag after each packet. */
  readonly tagLength: number;
  /** Returns packet_length from the first 4 bytes of a packet (decrypting them if this cipher hides it). */
  decryptLength(seq: number, lengthField: Uint8Array): number;
  /**
   * Verifies and decrypts `packet` = the 4-byte length field, the encrypted rest and the tag.
   * Returns the decrypted bytes after the length field (padding_length, payload, padding), which
   * may be `packet`'s own bytes, decrypted in place. Throws {@link DisconnectError} with MAC_ERROR
   * on a bad tag.
   */
  open(seq: number, packet: Uint8Array): Uint8Array;
  /**
   * Encrypts `plain` = uint32 packet_length, padding_length, payload, padding and returns the wire
   * bytes: the (possibly encrypted) length field, the ciphertext and the tag.
   */
  seal(seq: number, plain: Uint8Array): Uint8Array;
  /**
   * As {@link seal}, but returns the wire bytes as pieces to be sent in order (length field,
   * ciphertext, tag), sparing a copy into one buffer. Keeps no reference to `plain`, which the
   * caller may reuse at once.
   */
  sealParts?(seq: number, plain: Uint8Array): Uint8Array[];
  /**
   * As {@link seal}, writing the wire bytes to `out` (plain's length + `tagLength` bytes). Each
   * piece of `plain` lies apart from `out` or exactly at its own place in it (sealing in place).
   */
  sealInto?(seq: number, plain: GatheredBytes, out: Uint8Array): void;
  /**
   * As {@link open}, from the packet whole or in up to 16 pieces (read where they lie: a packet
   * split between two socket reads is not joined first), into `body` (the packet's length less
   * the length field and the tag). `body` lies apart from every piece, or each piece it overlaps
   * is its own ciphertext's place (decrypting in place). Throws MAC_ERROR on a bad tag.
   */
  openInto?(seq: number, packet: GatheredBytes, body: Uint8Array): void;
}

interface CipherCommon extends NamedAlgorithm {
  readonly keyLength: number;
  readonly ivLength: number;
  /** Padding alignment in bytes (RFC 4253 §6: at least 8). */
  readonly blockSize: number;
}

/** A cipher used together with a MAC (CTR and CBC modes). */
export interface BlockCipherAlgorithm extends CipherCommon {
  readonly kind: 'block';
  create(direction: CipherDirection, key: Uint8Array, iv: Uint8Array): BlockCipherStream;
}

/** A cipher that authenticates packets itself. */
export interface AeadCipherAlgorithm extends CipherCommon {
  readonly kind: 'aead';
  create(direction: CipherDirection, key: Uint8Array, iv: Uint8Array): AeadPacketCipher;
}

/** An encryption algorithm (RFC 4253 §6.3). */
export type CipherAlgorithm = BlockCipherAlgorithm | AeadCipherAlgorithm;

/** One packet's MAC to compute: over uint32 `seq` then `data`, into `out` (RFC 4253 §6.4). */
export interface MacJob {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly out: Uint8Array;
}

/** A keyed MAC instance for one direction (RFC 4253 §6.4). */
export interface MacInstance {
  /** MAC over uint32 `seq` followed by `data` (and then `more`), truncated to the algorithm's length. */
  compute(seq: number, data: Uint8Array, more?: Uint8Array): Uint8Array;
  /** As {@link compute} (without `more`), writing the MAC to `out` (the algorithm's length). */
  computeInto?(seq: number, data: Uint8Array, out: Uint8Array): void;
  /**
   * As {@link computeInto} for two packets, where the MAC is faster two at a time (HMAC-SHA-256
   * with the x86 SHA extensions: its rounds for two messages interleave).
   */
  computePairInto?(a: MacJob, b: MacJob): void;
  /** Constant-time check of `mac` against {@link MacInstance.compute}. */
  verify(seq: number, data: Uint8Array, mac: Uint8Array): boolean;
  /** As {@link verify}, with `data` in up to 16 pieces whose concatenation it is. */
  verifyPieces?(seq: number, data: readonly Uint8Array[], mac: Uint8Array): boolean;
}

/** A MAC algorithm (RFC 4253 §6.4); `etm` ones MAC the ciphertext (OpenSSH PROTOCOL §1.5). */
export interface MacAlgorithm extends NamedAlgorithm {
  readonly keyLength: number;
  /** Bytes of MAC on the wire. */
  readonly length: number;
  /** Encrypt-then-MAC: the packet length is sent in clear and the MAC covers the ciphertext. */
  readonly etm: boolean;
  create(key: Uint8Array): MacInstance;
}

/** Compresses outgoing payloads with one streaming context for the life of the keys (RFC 4253 §6.2). */
export interface Compressor {
  compress(payload: Uint8Array): Uint8Array;
  /** Frees the context now (the transport is done with it), instead of when garbage collected. */
  close?(): void;
}

/** Inflates incoming payloads; refuses output larger than `maxOutput` (a compression bomb). */
export interface Decompressor {
  decompress(payload: Uint8Array, maxOutput: number): Uint8Array;
  /** Frees the context now (the transport is done with it), instead of when garbage collected. */
  close?(): void;
}

/** A compression algorithm (RFC 4253 §6.2; `zlib@openssh.com` is delayed until after auth). */
export interface CompressionAlgorithm extends NamedAlgorithm {
  /** Starts only once user authentication has succeeded (OpenSSH PROTOCOL §1.2). */
  readonly delayed: boolean;
  /** Undefined for `none`. */
  createCompressor(): Compressor | undefined;
  createDecompressor(): Decompressor | undefined;
}

/**
 * A public key signature algorithm, used both for host keys and for user keys (RFC 4253 §6.6,
 * RFC 8332, RFC 8709, RFC 5656). Several algorithms can share one key type (`rsa-sha2-256`,
 * `rsa-sha2-512` and `ssh-rsa` all use `ssh-rsa` keys).
 */
export interface SignatureAlgorithm extends NamedAlgorithm {
  /** Key type (the name inside the public key blob) this algorithm signs with. */
  readonly keyType: string;
  /**
   * For a certificate algorithm (`*-cert-v01@openssh.com`, PROTOCOL.certkeys): the plain algorithm
   * its signatures are made with, by the certified key. `keyType` is then the certificate's type.
   */
  readonly certified?: SignatureAlgorithm;
  /** Signs `data`; returns the SSH signature blob (string algorithm name, string signature). */
  sign(key: PrivateKey, data: Uint8Array): Uint8Array;
  /** Verifies an SSH signature blob; false for any malformed, mismatched or wrong signature. */
  verify(key: PublicKey, data: Uint8Array, signatureBlob: Uint8Array): boolean;
  /**
   * For a security-key algorithm (PROTOCOL.u2f): the authenticator's flags and counter in a
   * signature blob, to check once {@link verify} accepted it (a touch, a PIN). Undefined otherwise.
   */
  securityKeyDetails?(signatureBlob: Uint8Array): SecurityKeySignature | undefined;
}

/** What a security key reports with each signature (PROTOCOL.u2f). */
export interface SecurityKeySignature {
  /** FIDO flags: 0x01 user present (touched), 0x04 user verified (PIN or biometric). */
  readonly flags: number;
  /** The authenticator's signature counter. */
  readonly counter: number;
}

/** What both sides of a key exchange hash (RFC 4253 §8: V_C, V_S, I_C, I_S). */
export interface KexTranscript {
  /** Client identification string, without CR LF. */
  readonly clientVersion: string;
  /** Server identification string, without CR LF. */
  readonly serverVersion: string;
  /** Payload of the client's KEXINIT. */
  readonly clientKexInit: Uint8Array;
  /** Payload of the server's KEXINIT. */
  readonly serverKexInit: Uint8Array;
}

/** The server's host key, bound to the negotiated signature algorithm. */
export interface HostKeySigner {
  /** K_S: the public host key blob. */
  readonly publicKeyBlob: Uint8Array;
  /** Signs the exchange hash; returns the SSH signature blob. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Outcome of a completed key exchange. */
export interface KexResult {
  /** K exactly as it is encoded in the exchange hash and key derivation (mpint or string). */
  readonly sharedSecret: Uint8Array;
  /** H (RFC 4253 §8). */
  readonly exchangeHash: Uint8Array;
  /** K_S, the server's host key blob (useful to clients). */
  readonly hostKeyBlob: Uint8Array;
}

/** One step of a key exchange: messages to send and, when finished, the result. */
export interface KexStep {
  readonly send: readonly Uint8Array[];
  readonly result?: KexResult;
}

/** Server side of one key exchange run. */
export interface KexServerExchange {
  /** Handles one key-exchange-method message (numbers 30–49). Throws DisconnectError on bad input. */
  handle(payload: Uint8Array): Promise<KexStep>;
}

/** Client side of one key exchange run. */
export interface KexClientExchange {
  /** The first messages the client sends after KEXINIT. */
  start(): Promise<KexStep>;
  /** Handles one key-exchange-method message (numbers 30–49). */
  handle(payload: Uint8Array): Promise<KexStep>;
}

/**
 * One finite-field Diffie-Hellman computation (RFC 4253 §8): g^x mod p when `computePublic`, and
 * K = peer^x mod p when the peer's value is given. Numbers are unsigned big-endian magnitudes.
 */
export interface DhJob {
  readonly prime: Uint8Array;
  readonly generator: Uint8Array;
  /** The exponent x. */
  readonly privateKey: Uint8Array;
  /** Whether to compute g^x mod p. */
  readonly computePublic: boolean;
  /** The peer's e or f, already checked to lie in [2, p-2]. */
  readonly peerPublic?: Uint8Array;
}

/** What a {@link DhJob} computes. */
export interface DhJobResult {
  /** g^x mod p, when `computePublic` was set. */
  readonly publicKey?: Uint8Array;
  /** peer^x mod p, when `peerPublic` was given (may carry leading zero bytes). */
  readonly sharedSecret?: Uint8Array;
}

/**
 * Runs finite-field DH arithmetic; the server passes one that works off the event loop (e.g. a
 * `DhWorkerPool` over worker_threads). Without one, key exchanges compute synchronously.
 */
export interface DhEngine {
  run(job: DhJob): Promise<DhJobResult>;
}

/** Options a server passes to a key exchange. */
export interface KexServerOptions {
  readonly transcript: KexTranscript;
  readonly hostKey: HostKeySigner;
  /** Where finite-field DH modexps run (diffie-hellman-group*, group exchange). */
  readonly dhEngine?: DhEngine;
}

/** Options a client passes to a key exchange. */
export interface KexClientOptions {
  readonly transcript: KexTranscript;
  /** Checks the server's signature over H with K_S; throws DisconnectError if it does not verify. */
  verifyHostKey(hostKeyBlob: Uint8Array, exchangeHash: Uint8Array, signatureBlob: Uint8Array): Promise<void>;
  /** Where finite-field DH modexps run (diffie-hellman-group*, group exchange). */
  readonly dhEngine?: DhEngine;
  /**
   * Group sizes in bits a client asks for in SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 §3); default
   * min 2048, n 3072, max 8192.
   */
  readonly groupExchange?: { readonly min: number; readonly n: number; readonly max: number };
}

/** A key exchange method (RFC 4253 §7–8 and its successors). */
export interface KexAlgorithm extends NamedAlgorithm {
  /** HASH used for H and key derivation. */
  readonly hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Context of its 30–49 messages, e.g. `kex:ecdh`, `kex:dh-gex` (for naming in logs and routing). */
  readonly messageContext: string;
  server(options: KexServerOptions): KexServerExchange;
  client(options: KexClientOptions): KexClientExchange;
}

/** The kinds of algorithm the transport negotiates, each with its own registry. */
export interface AlgorithmKinds {
  kex: KexAlgorithm;
  hostKey: SignatureAlgorithm;
  cipher: CipherAlgorithm;
  mac: MacAlgorithm;
  compression: CompressionAlgorithm;
}

/** An algorithm together with how it is offered, as families export their built-ins. */
export interface AlgorithmEntry<T extends NamedAlgorithm> {
  readonly algorithm: T;
  readonly status: AlgorithmStatus;
}
