import { t } from '../wire/codec.js';
import { defineStruct } from '../wire/struct.js';
import { attrsCodec } from './attrs.js';
import { Fxp } from './constants.js';
import { defineSftpPacket } from './packet.js';
import { handleCodec, pathCodec } from './packets.js';

// Request data of SSH_FXP_EXTENDED, after the request name (OpenSSH PROTOCOL §4).

/** posix-rename@openssh.com and hardlink@openssh.com (§4.3, §4.5). */
export const TwoPaths = defineStruct('oldpath/newpath', { oldpath: pathCodec, newpath: pathCodec });
/** statvfs@openssh.com, expand-path@openssh.com (§4.4, §4.9). */
export const OnePath = defineStruct('path', { path: pathCodec });
/** fstatvfs@openssh.com and fsync@openssh.com (§4.4, §4.6). */
export const OneHandle = defineStruct('handle', { handle: handleCodec });
/** lsetstat@openssh.com (§4.7). */
export const Lsetstat = defineStruct('lsetstat', { path: pathCodec, attrs: attrsCodec });
/** limits@openssh.com takes no arguments (§4.8). */
export const NoArgs = defineStruct('limits', {});
/** copy-data (§4.10): read-data-length 0 means up to end of file. */
export const CopyData = defineStruct('copy-data', {
  readHandle: handleCodec,
  readOffset: t.u64,
  readLength: t.u64,
  writeHandle: handleCodec,
  writeOffset: t.u64,
});
/** home-directory (§4.11). */
export const HomeDirectory = defineStruct('home-directory', { username: t.text });
/** users-groups-by-id@openssh.com (§4.12): each `string` packs uint32 ids. */
export const UsersGroupsById = defineStruct('users-groups-by-id', { uids: t.bytes, gids: t.bytes });
/**
 * check-file-handle / check-file-name (draft-ietf-secsh-filexfer-09 §9.1.2): `target` is a handle
 * or a path; length 0 hashes to end of file; block-size 0 hashes the range as one block.
 */
export const CheckFile = defineStruct('check-file', {
  target: t.bytes,
  algorithms: t.text,
  startOffset: t.u64,
  length: t.u64,
  blockSize: t.u32,
});

// SSH_FXP_EXTENDED_REPLY bodies.

/** Reply to statvfs@openssh.com / fstatvfs@openssh.com (§4.4). */
export const StatvfsReply = defineSftpPacket(Fxp.ExtendedReply, 'EXTENDED_REPLY(statvfs)', {
  bsize: t.u64,
  frsize: t.u64,
  blocks: t.u64,
  bfree: t.u64,
  bavail: t.u64,
  files: t.u64,
  ffree: t.u64,
  favail: t.u64,
  fsid: t.u64,
  flag: t.u64,
  namemax: t.u64,
});
/** Reply to limits@openssh.com (§4.8). */
export const LimitsReply = defineSftpPacket(Fxp.ExtendedReply, 'EXTENDED_REPLY(limits)', {
  maxPacketLength: t.u64,
  maxReadLength: t.u64,
  maxWriteLength: t.u64,
  maxOpenHandles: t.u64,
});
/** Reply to users-groups-by-id@openssh.com (§4.12): each `string` packs one `string` per id. */
export const UsersGroupsReply = defineSftpPacket(Fxp.ExtendedReply, 'EXTENDED_REPLY(users-groups)', {
  usernames: t.bytes,
  groupnames: t.bytes,
});
/** Reply to check-file-* (draft-ietf-secsh-filexfer-09 §9.1.2): the hashes, concatenated. */
export const CheckFileReply = defineSftpPacket(Fxp.ExtendedReply, 'EXTENDED_REPLY(check-file)', {
  name: t.text,
  algorithm: t.text,
  hashes: t.rest,
});
