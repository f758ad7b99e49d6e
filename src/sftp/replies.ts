import { statToAttrs, type FileStat } from './attrs.js';
import { Fxp, SftpStatus, type SftpStatusCode } from './constants.js';
import { statusText } from './errors.js';
import { FxpAttrs, FxpHandle, FxpName, FxpStatus, type NameEntry } from './packets.js';

const OK_TEXT = Buffer.from(statusText(SftpStatus.Ok), 'latin1');

/**
 * SSH_FXP_STATUS OK, written by hand: every WRITE is answered with it, so it skips the generic
 * encoder (draft-ietf-secsh-filexfer-02 §7: id, code, message, language tag).
 */
export function okReply(id: number): Buffer {
  const len = 1 + 4 + 4 + 4 + OK_TEXT.length + 4;
  const b = Buffer.allocUnsafe(4 + len);
  b.writeUInt32BE(len, 0);
  b[4] = Fxp.Status;
  b.writeUInt32BE(id >>> 0, 5);
  b.writeUInt32BE(SftpStatus.Ok, 9);
  b.writeUInt32BE(OK_TEXT.length, 13);
  OK_TEXT.copy(b, 17);
  b.writeUInt32BE(0, 17 + OK_TEXT.length);
  return b;
}

/** SSH_FXP_STATUS with the given code and (client-visible) message. */
export function statusReply(id: number, code: SftpStatusCode, message = statusText(code)): Buffer {
  if (code === SftpStatus.Ok && message === statusText(code)) return okReply(id);
  return FxpStatus.encode({ id, code, message, language: '' });
}

/** SSH_FXP_HANDLE. */
export function handleReply(id: number, handle: Uint8Array): Buffer {
  return FxpHandle.encode({ id, handle });
}

/** SSH_FXP_ATTRS for a stat result. */
export function attrsReply(id: number, stat: FileStat): Buffer {
  return FxpAttrs.encode({ id, attrs: statToAttrs(stat) });
}

/** SSH_FXP_NAME. */
export function nameReply(id: number, names: readonly NameEntry[]): Buffer {
  return FxpName.encode({ id, names });
}

/** SSH_FXP_NAME with one path and no attributes (REALPATH, READLINK, expand-path), as OpenSSH sends it. */
export function singleNameReply(id: number, path: string): Buffer {
  return nameReply(id, [{ filename: path, longname: path, attrs: {} }]);
}
