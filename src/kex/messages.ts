import { Msg } from '../protocol/numbers.js';
import { defineMessage, t, type Message } from '../wire/index.js';

/**
 * SSH_MSG_KEXINIT (RFC 4253 §7.1). Empty names in its lists are dropped, not refused: libssh 0.10
 * (Debian 12) ends its default cipher list with a comma, and OpenSSH accepts that.
 */
export const KexInit = defineMessage(Msg.KexInit, 'KEXINIT', {
  cookie: t.fixed(16),
  kexAlgorithms: t.nameListDroppingEmpty,
  serverHostKeyAlgorithms: t.nameListDroppingEmpty,
  encryptionAlgorithmsClientToServer: t.nameListDroppingEmpty,
  encryptionAlgorithmsServerToClient: t.nameListDroppingEmpty,
  macAlgorithmsClientToServer: t.nameListDroppingEmpty,
  macAlgorithmsServerToClient: t.nameListDroppingEmpty,
  compressionAlgorithmsClientToServer: t.nameListDroppingEmpty,
  compressionAlgorithmsServerToClient: t.nameListDroppingEmpty,
  languagesClientToServer: t.nameListDroppingEmpty,
  languagesServerToClient: t.nameListDroppingEmpty,
  firstKexPacketFollows: t.bool,
  reserved: t.u32,
});
/** Decoded SSH_MSG_KEXINIT. */
export type KexInit = Message<typeof KexInit>;

/** SSH_MSG_NEWKEYS (RFC 4253 §7.3). */
export const NewKeys = defineMessage(Msg.NewKeys, 'NEWKEYS', {});
