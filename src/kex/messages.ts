import { Msg } from '../protocol/numbers.js';
import { defineMessage, t, type Message } from '../wire/index.js';

/** SSH_MSG_KEXINIT (RFC 4253 §7.1). */
export const KexInit = defineMessage(Msg.KexInit, 'KEXINIT', {
  cookie: t.fixed(16),
  kexAlgorithms: t.nameList,
  serverHostKeyAlgorithms: t.nameList,
  encryptionAlgorithmsClientToServer: t.nameList,
  encryptionAlgorithmsServerToClient: t.nameList,
  macAlgorithmsClientToServer: t.nameList,
  macAlgorithmsServerToClient: t.nameList,
  compressionAlgorithmsClientToServer: t.nameList,
  compressionAlgorithmsServerToClient: t.nameList,
  languagesClientToServer: t.nameList,
  languagesServerToClient: t.nameList,
  firstKexPacketFollows: t.bool,
  reserved: t.u32,
});
/** Decoded SSH_MSG_KEXINIT. */
export type KexInit = Message<typeof KexInit>;

/** SSH_MSG_NEWKEYS (RFC 4253 §7.3). */
export const NewKeys = defineMessage(Msg.NewKeys, 'NEWKEYS', {});
