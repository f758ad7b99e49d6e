import { DecodeError } from '../wire/errors.js';
import { SftpStatus, type SftpStatusCode } from './constants.js';

/** The fixed text sent with each status when no better message applies (as OpenSSH's table). */
const STATUS_TEXT: Record<number, string> = {
  [SftpStatus.Ok]: 'Success',
  [SftpStatus.Eof]: 'End of file',
  [SftpStatus.NoSuchFile]: 'No such file',
  [SftpStatus.PermissionDenied]: 'Permission denied',
  [SftpStatus.Failure]: 'Failure',
  [SftpStatus.BadMessage]: 'Bad message',
  [SftpStatus.NoConnection]: 'No connection',
  [SftpStatus.ConnectionLost]: 'Connection lost',
  [SftpStatus.OpUnsupported]: 'Operation unsupported',
};

/** The default message for a status code. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Unknown error';
}

/**
 * Thrown by SFTP handlers and Vfs backends; the server answers it with SSH_FXP_STATUS
 * (draft-ietf-secsh-filexfer-02 §7). The message goes to the client, so it never names a host path.
 */
export class SftpError extends Error {
  override readonly name = 'SftpError';
  constructor(
    readonly status: SftpStatusCode,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? statusText(status), options);
  }
}

/**
 * errno codes and the status and client-visible text each becomes. Like OpenSSH's
 * `errno_to_portable`, with FAILURE messages that say what went wrong but never echo Node's error
 * text (which carries host paths).
 */
const ERRNO: Record<string, readonly [SftpStatusCode, string]> = {
  ENOENT: [SftpStatus.NoSuchFile, 'No such file'],
  ENOTDIR: [SftpStatus.NoSuchFile, 'No such file'],
  EBADF: [SftpStatus.NoSuchFile, 'No such file'],
  ELOOP: [SftpStatus.NoSuchFile, 'Too many levels of symbolic links'],
  EPERM: [SftpStatus.PermissionDenied, 'Permission denied'],
  EACCES: [SftpStatus.PermissionDenied, 'Permission denied'],
  EROFS: [SftpStatus.PermissionDenied, 'Permission denied'],
  EFAULT: [SftpStatus.PermissionDenied, 'Permission denied'],
  ENAMETOOLONG: [SftpStatus.BadMessage, 'File name too long'],
  EINVAL: [SftpStatus.BadMessage, 'Invalid argument'],
  ENOSYS: [SftpStatus.OpUnsupported, 'Operation unsupported'],
  EOPNOTSUPP: [SftpStatus.OpUnsupported, 'Operation unsupported'],
  ENOTSUP: [SftpStatus.OpUnsupported, 'Operation unsupported'],
  EEXIST: [SftpStatus.Failure, 'File exists'],
  ENOTEMPTY: [SftpStatus.Failure, 'Directory not empty'],
  EISDIR: [SftpStatus.Failure, 'Is a directory'],
  ENOSPC: [SftpStatus.Failure, 'No space left on device'],
  EDQUOT: [SftpStatus.Failure, 'Disk quota exceeded'],
  EFBIG: [SftpStatus.Failure, 'File too large'],
  EXDEV: [SftpStatus.Failure, 'Cross-device link'],
  EMLINK: [SftpStatus.Failure, 'Too many links'],
  EBUSY: [SftpStatus.Failure, 'Device or resource busy'],
  EMFILE: [SftpStatus.Failure, 'Too many open files'],
  ENFILE: [SftpStatus.Failure, 'Too many open files'],
  EIO: [SftpStatus.Failure, 'Input/output error'],
  ENXIO: [SftpStatus.Failure, 'Not a regular file'],
  ETXTBSY: [SftpStatus.Failure, 'Text file busy'],
};

/** Status code and client-visible message for an error thrown by a handler or a Vfs backend. */
export function statusFromError(err: unknown): { status: SftpStatusCode; message: string } {
  if (err instanceof SftpError) return { status: err.status, message: err.message };
  if (err instanceof DecodeError) return { status: SftpStatus.BadMessage, message: 'Bad message' };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const hit = ERRNO[code];
    if (hit) return { status: hit[0], message: hit[1] };
  }
  return { status: SftpStatus.Failure, message: 'Failure' };
}

/**
 * Whether `err` is one a request may meet in the ordinary way: a status we chose, a malformed
 * request from the peer, or the file system's errno. Anything else is a bug of ours, worth a log line.
 */
export function isOrdinaryFailure(err: unknown): boolean {
  return (
    err instanceof SftpError ||
    err instanceof DecodeError ||
    typeof (err as { code?: unknown } | null)?.code === 'string'
  );
}

/** An errno-style error (`code` set) for backends that emulate the file system. */
export function errnoError(code: string, message = code): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(message);
  err.code = code;
  return err;
}
