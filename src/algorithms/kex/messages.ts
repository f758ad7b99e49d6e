import { defineMessage, t, type Message } from '../../wire/index.js';

/** Context of the ECDH-shaped methods: curve25519 (RFC 8731) and NIST curves (RFC 5656). */
export const ECDH_CONTEXT = 'kex:ecdh';
/** Context of the post-quantum hybrids (draft-ietf-sshm-mlkem-hybrid-kex, OpenSSH PROTOCOL). */
export const HYBRID_CONTEXT = 'kex:hybrid';
/** Context of fixed-group finite-field Diffie-Hellman (RFC 4253 §8, RFC 8268). */
export const DH_CONTEXT = 'kex:dh';
/** Context of Diffie-Hellman group exchange (RFC 4419). */
export const DH_GEX_CONTEXT = 'kex:dh-gex';

/** SSH_MSG_KEX_ECDH_INIT (RFC 5656 §4, RFC 8731 §3): the client's ephemeral public key Q_C. */
export const KexEcdhInit = defineMessage(
  30,
  'KEX_ECDH_INIT',
  { clientPublicKey: t.bytes },
  { context: ECDH_CONTEXT },
);
/** Decoded SSH_MSG_KEX_ECDH_INIT. */
export type KexEcdhInit = Message<typeof KexEcdhInit>;

/** SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §4): K_S, Q_S and the signature over H. */
export const KexEcdhReply = defineMessage(
  31,
  'KEX_ECDH_REPLY',
  { hostKey: t.bytes, serverPublicKey: t.bytes, signature: t.bytes },
  { context: ECDH_CONTEXT },
);
/** Decoded SSH_MSG_KEX_ECDH_REPLY. */
export type KexEcdhReply = Message<typeof KexEcdhReply>;

/** SSH_MSG_KEX_HYBRID_INIT (draft-ietf-sshm-mlkem-hybrid-kex §2.1): C_INIT = C_PK2 || C_PK1. */
export const KexHybridInit = defineMessage(
  30,
  'KEX_HYBRID_INIT',
  { clientInit: t.bytes },
  { context: HYBRID_CONTEXT },
);
/** Decoded SSH_MSG_KEX_HYBRID_INIT. */
export type KexHybridInit = Message<typeof KexHybridInit>;

/** SSH_MSG_KEX_HYBRID_REPLY (draft-ietf-sshm-mlkem-hybrid-kex §2.1): K_S, S_REPLY = S_CT2 || S_PK1, signature. */
export const KexHybridReply = defineMessage(
  31,
  'KEX_HYBRID_REPLY',
  { hostKey: t.bytes, serverReply: t.bytes, signature: t.bytes },
  { context: HYBRID_CONTEXT },
);
/** Decoded SSH_MSG_KEX_HYBRID_REPLY. */
export type KexHybridReply = Message<typeof KexHybridReply>;

/** SSH_MSG_KEXDH_INIT (RFC 4253 §8): the client's e = g^x mod p. */
export const KexdhInit = defineMessage(30, 'KEXDH_INIT', { e: t.mpintBytes }, { context: DH_CONTEXT });
/** Decoded SSH_MSG_KEXDH_INIT. */
export type KexdhInit = Message<typeof KexdhInit>;

/** SSH_MSG_KEXDH_REPLY (RFC 4253 §8): K_S, f = g^y mod p and the signature over H. */
export const KexdhReply = defineMessage(
  31,
  'KEXDH_REPLY',
  { hostKey: t.bytes, f: t.mpintBytes, signature: t.bytes },
  { context: DH_CONTEXT },
);
/** Decoded SSH_MSG_KEXDH_REPLY. */
export type KexdhReply = Message<typeof KexdhReply>;

/** SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 §5): minimal, preferred and maximal group size in bits. */
export const KexDhGexRequest = defineMessage(
  34,
  'KEX_DH_GEX_REQUEST',
  { min: t.u32, n: t.u32, max: t.u32 },
  { context: DH_GEX_CONTEXT },
);
/** Decoded SSH_MSG_KEX_DH_GEX_REQUEST. */
export type KexDhGexRequest = Message<typeof KexDhGexRequest>;

/** SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 §5): the safe prime p and generator g. */
export const KexDhGexGroup = defineMessage(
  31,
  'KEX_DH_GEX_GROUP',
  { p: t.mpintBytes, g: t.mpintBytes },
  { context: DH_GEX_CONTEXT },
);
/** Decoded SSH_MSG_KEX_DH_GEX_GROUP. */
export type KexDhGexGroup = Message<typeof KexDhGexGroup>;

/** SSH_MSG_KEX_DH_GEX_INIT (RFC 4419 §5): the client's e. */
export const KexDhGexInit = defineMessage(
  32,
  'KEX_DH_GEX_INIT',
  { e: t.mpintBytes },
  { context: DH_GEX_CONTEXT },
);
/** Decoded SSH_MSG_KEX_DH_GEX_INIT. */
export type KexDhGexInit = Message<typeof KexDhGexInit>;

/** SSH_MSG_KEX_DH_GEX_REPLY (RFC 4419 §5): K_S, f and the signature over H. */
export const KexDhGexReply = defineMessage(
  33,
  'KEX_DH_GEX_REPLY',
  { hostKey: t.bytes, f: t.mpintBytes, signature: t.bytes },
  { context: DH_GEX_CONTEXT },
);
/** Decoded SSH_MSG_KEX_DH_GEX_REPLY. */
export type KexDhGexReply = Message<typeof KexDhGexReply>;
