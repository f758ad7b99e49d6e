import { WireWriter } from '../../wire/index.js';
import type {
  DhEngine,
  KexAlgorithm,
  KexClientExchange,
  KexClientOptions,
  KexServerExchange,
  KexServerOptions,
  KexStep,
} from '../types.js';
import { computeExchangeHash } from './exchange-hash.js';
import { kexOutOfOrder } from './kex-errors.js';
import {
  DH_CONTEXT,
  ECDH_CONTEXT,
  HYBRID_CONTEXT,
  KexdhInit,
  KexdhReply,
  KexEcdhInit,
  KexEcdhReply,
  KexHybridInit,
  KexHybridReply,
} from './messages.js';

/** The client's half of a one-round key agreement, after it made its ephemeral key. */
export interface AgreementClient {
  /** Q_C, e or C_INIT as raw bytes (an unsigned magnitude for finite-field DH). */
  readonly publicValue: Uint8Array;
  /** K, encoded, from the server's value; throws KEY_EXCHANGE_FAILED for an invalid one. */
  finish(serverValue: Uint8Array): Promise<Uint8Array>;
}

/** The server's half: its public value and K, encoded. */
export interface AgreementServer {
  readonly publicValue: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/** The arithmetic of a one-round key agreement (X25519, ECDH, a fixed DH group, a hybrid KEM). */
export interface KeyAgreement {
  client(engine: DhEngine | undefined): Promise<AgreementClient>;
  /** Throws KEY_EXCHANGE_FAILED for an invalid client value. */
  server(clientValue: Uint8Array, engine: DhEngine | undefined): Promise<AgreementServer>;
}

/** How a family of one-round methods puts its values on the wire and into H. */
export interface OneRoundWire {
  readonly context: string;
  encodeInit(value: Uint8Array): Uint8Array;
  decodeInit(payload: Uint8Array): Uint8Array;
  encodeReply(hostKey: Uint8Array, value: Uint8Array, signature: Uint8Array): Uint8Array;
  decodeReply(payload: Uint8Array): { hostKey: Uint8Array; value: Uint8Array; signature: Uint8Array };
  /** Writes a public value into the exchange hash (`string` or `mpint`). */
  hashValue(w: WireWriter, value: Uint8Array): void;
}

/** SSH_MSG_KEX_ECDH_INIT/REPLY with `string` values (RFC 5656 §4, RFC 8731 §3). */
export const ecdhWire: OneRoundWire = {
  context: ECDH_CONTEXT,
  encodeInit: (clientPublicKey) => KexEcdhInit.encode({ clientPublicKey }),
  decodeInit: (payload) => KexEcdhInit.decode(payload).clientPublicKey,
  encodeReply: (hostKey, serverPublicKey, signature) =>
    KexEcdhReply.encode({ hostKey, serverPublicKey, signature }),
  decodeReply: (payload) => {
    const m = KexEcdhReply.decode(payload);
    return { hostKey: m.hostKey, value: m.serverPublicKey, signature: m.signature };
  },
  hashValue: (w, v) => void w.bytes(v),
};

/** SSH_MSG_KEX_HYBRID_INIT/REPLY with `string` values (draft-ietf-sshm-mlkem-hybrid-kex §2). */
export const hybridWire: OneRoundWire = {
  context: HYBRID_CONTEXT,
  encodeInit: (clientInit) => KexHybridInit.encode({ clientInit }),
  decodeInit: (payload) => KexHybridInit.decode(payload).clientInit,
  encodeReply: (hostKey, serverReply, signature) =>
    KexHybridReply.encode({ hostKey, serverReply, signature }),
  decodeReply: (payload) => {
    const m = KexHybridReply.decode(payload);
    return { hostKey: m.hostKey, value: m.serverReply, signature: m.signature };
  },
  hashValue: (w, v) => void w.bytes(v),
};

/** SSH_MSG_KEXDH_INIT/REPLY with `mpint` values (RFC 4253 §8). */
export const dhWire: OneRoundWire = {
  context: DH_CONTEXT,
  encodeInit: (e) => KexdhInit.encode({ e }),
  decodeInit: (payload) => KexdhInit.decode(payload).e,
  encodeReply: (hostKey, f, signature) => KexdhReply.encode({ hostKey, f, signature }),
  decodeReply: (payload) => {
    const m = KexdhReply.decode(payload);
    return { hostKey: m.hostKey, value: m.f, signature: m.signature };
  },
  hashValue: (w, v) => void w.mpintUnsigned(v),
};

/** Encodes the method-specific part of H: the client's value, then the server's. */
function methodFields(wire: OneRoundWire, clientValue: Uint8Array, serverValue: Uint8Array): Uint8Array {
  const w = new WireWriter({ initialSize: clientValue.length + serverValue.length + 16 });
  wire.hashValue(w, clientValue);
  wire.hashValue(w, serverValue);
  return w.finish();
}

/** What {@link createOneRoundKex} needs. */
export interface OneRoundKexSpec {
  readonly name: string;
  readonly hash: KexAlgorithm['hash'];
  readonly wire: OneRoundWire;
  readonly agreement: KeyAgreement;
}

/**
 * A key exchange of one client message and one server reply: the shape shared by RFC 4253 §8
 * Diffie-Hellman, RFC 5656 ECDH, RFC 8731 curve25519 and the post-quantum hybrids. The server
 * signs H with its host key; the client has the signature checked by `verifyHostKey`.
 */
export function createOneRoundKex(spec: OneRoundKexSpec): KexAlgorithm {
  const { name, hash, wire, agreement } = spec;
  return {
    name,
    hash,
    messageContext: wire.context,
    server: (options: KexServerOptions): KexServerExchange => {
      let done = false;
      return {
        async handle(payload): Promise<KexStep> {
          if (done) throw kexOutOfOrder(name);
          done = true;
          // Copies: the payload buffer may be reused by the transport while we await.
          const clientValue = Buffer.from(wire.decodeInit(payload));
          const { publicValue, sharedSecret } = await agreement.server(clientValue, options.dhEngine);
          const hostKeyBlob = options.hostKey.publicKeyBlob;
          const exchangeHash = computeExchangeHash(
            hash,
            options.transcript,
            hostKeyBlob,
            methodFields(wire, clientValue, publicValue),
            sharedSecret,
          );
          const signature = await options.hostKey.sign(exchangeHash);
          return {
            send: [wire.encodeReply(hostKeyBlob, publicValue, signature)],
            result: { sharedSecret, exchangeHash, hostKeyBlob },
          };
        },
      };
    },
    client: (options: KexClientOptions): KexClientExchange => {
      let pending: AgreementClient | undefined;
      let done = false;
      return {
        async start(): Promise<KexStep> {
          if (pending || done) throw kexOutOfOrder(name);
          pending = await agreement.client(options.dhEngine);
          return { send: [wire.encodeInit(pending.publicValue)] };
        },
        async handle(payload): Promise<KexStep> {
          const mine = pending;
          if (!mine || done) throw kexOutOfOrder(name);
          done = true;
          const decoded = wire.decodeReply(payload);
          const reply = {
            hostKey: Buffer.from(decoded.hostKey),
            value: Buffer.from(decoded.value),
            signature: Buffer.from(decoded.signature),
          };
          const sharedSecret = await mine.finish(reply.value);
          const exchangeHash = computeExchangeHash(
            hash,
            options.transcript,
            reply.hostKey,
            methodFields(wire, mine.publicValue, reply.value),
            sharedSecret,
          );
          await options.verifyHostKey(reply.hostKey, exchangeHash, reply.signature);
          return { send: [], result: { sharedSecret, exchangeHash, hostKeyBlob: reply.hostKey } };
        },
      };
    },
  };
}
