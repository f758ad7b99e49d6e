/** SFTP v3 subsystem, its Vfs backends and in-process legacy scp (DESIGN.md "SFTP"). */
export { startSftpSession } from './session.js';
export {
  DEFAULT_SFTP_LIMITS,
  symlinkTargetFirst,
  type SftpLimits,
  type SftpLogger,
  type SftpOperationEvent,
  type SftpSessionOptions,
  type SftpStreams,
  type SymlinkOrder,
} from './options.js';
export {
  AttrFlag,
  FileType,
  Fxp,
  Pflag,
  SFTP_VERSION,
  SftpStatus,
  type FxpType,
  type SftpStatusCode,
} from './constants.js';
export { SftpError, statusFromError, statusText } from './errors.js';
export { attrsCodec, statToAttrs, type ExtendedAttr, type FileAttrs, type FileStat } from './attrs.js';
export { defineSftpHello, defineSftpPacket, type SftpPacket, type SftpPacketType } from './packet.js';
export * from './packets.js';
export { SftpFramer, SftpFrameError, MAX_SFTP_FRAME } from './framer.js';
export { formatLongname, modeString } from './longname.js';
export { normalizePath, expandTilde } from './path.js';
export type { DirEntry, OpenFlags, RenameOptions, Vfs, VfsDir, VfsFile, VfsStatvfs } from './vfs.js';
export { createMemoryVfs, type MemoryVfs, type MemoryVfsOptions } from './vfs/memory-fs.js';
export { readOnlyVfs } from './vfs/read-only.js';
export { createLocalVfs, type LocalVfsOptions } from './vfs/local/local-fs.js';
export { runScp, type ScpOptions, type ScpStreams } from './scp/run.js';
export { parseScpCommand, ScpUsageError, type ScpCommand, type ScpPath } from './scp/command.js';
