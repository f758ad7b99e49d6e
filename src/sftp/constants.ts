/** The SFTP protocol version this server speaks (draft-ietf-secsh-filexfer-02). */
export const SFTP_VERSION = 3;

/** SFTP packet types (draft-ietf-secsh-filexfer-02 §3). */
export const Fxp = {
  Init: 1,
  Version: 2,
  Open: 3,
  Close: 4,
  Read: 5,
  Write: 6,
  Lstat: 7,
  Fstat: 8,
  Setstat: 9,
  Fsetstat: 10,
  Opendir: 11,
  Readdir: 12,
  Remove: 13,
  Mkdir: 14,
  Rmdir: 15,
  Realpath: 16,
  Stat: 17,
  Rename: 18,
  Readlink: 19,
  Symlink: 20,
  Status: 101,
  Handle: 102,
  Data: 103,
  Name: 104,
  Attrs: 105,
  Extended: 200,
  ExtendedReply: 201,
} as const;
/** One of the SFTP packet type numbers. */
export type FxpType = (typeof Fxp)[keyof typeof Fxp];

/** SSH_FXP_STATUS error codes (draft-ietf-secsh-filexfer-02 §7). */
export const SftpStatus = {
  Ok: 0,
  Eof: 1,
  NoSuchFile: 2,
  PermissionDenied: 3,
  Failure: 4,
  BadMessage: 5,
  NoConnection: 6,
  ConnectionLost: 7,
  OpUnsupported: 8,
} as const;
/** One of the SFTP v3 status codes. */
export type SftpStatusCode = (typeof SftpStatus)[keyof typeof SftpStatus];

/** SSH_FXP_OPEN `pflags` bits (draft-ietf-secsh-filexfer-02 §6.3). */
export const Pflag = {
  Read: 0x01,
  Write: 0x02,
  Append: 0x04,
  Creat: 0x08,
  Trunc: 0x10,
  Excl: 0x20,
} as const;

/** ATTRS `flags` bits (draft-ietf-secsh-filexfer-02 §5). */
export const AttrFlag = {
  Size: 0x00000001,
  UidGid: 0x00000002,
  Permissions: 0x00000004,
  AcModTime: 0x00000008,
  Extended: 0x80000000,
} as const;

/** POSIX file type bits carried in the `permissions` field (as OpenSSH sends them). */
export const FileType = {
  Mask: 0o170000,
  Socket: 0o140000,
  Symlink: 0o120000,
  Regular: 0o100000,
  BlockDevice: 0o060000,
  Directory: 0o040000,
  CharDevice: 0o020000,
  Fifo: 0o010000,
} as const;

/** `f_flag` bits of the statvfs@openssh.com reply (OpenSSH PROTOCOL §4.4). */
export const StatvfsFlag = {
  ReadOnly: 0x1,
  NoSuid: 0x2,
} as const;
