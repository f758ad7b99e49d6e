import { SftpStatus } from '../constants.js';
import { CopyData } from '../extension-packets.js';
import { SftpError } from '../errors.js';
import type { FileHandle } from '../handles.js';
import { okReply } from '../replies.js';
import type { VfsFile } from '../vfs.js';
import {
  betweenChunks,
  EXCLUSIVE,
  fileHandle,
  MAX_OFFSET,
  stillOpen,
  type Claim,
  type PreparedRequest,
  type SessionContext,
} from './types.js';

const CHUNK = 256 * 1024;

async function readChunk(file: VfsFile, offset: number, buf: Buffer): Promise<number> {
  if (file.readInto) return file.readInto(offset, buf);
  const data = await file.read(offset, buf.length);
  if (!data) return 0;
  const n = Math.min(data.length, buf.length);
  buf.set(data.subarray(0, n));
  return n;
}

function checkOffset(v: bigint): number {
  if (v > MAX_OFFSET) throw new SftpError(SftpStatus.Failure, 'File too large');
  return Number(v);
}

/**
 * copy-data (OpenSSH PROTOCOL §4.10): copies a range from one open handle to another on the
 * server, in chunks. A length of 0 copies to end of file. Copying within one file to an
 * overlapping range is refused, as OpenSSH does.
 */
export function prepareCopyData(
  id: number,
  data: Buffer,
  ctx: SessionContext,
  payloadLength: number,
): PreparedRequest {
  const p = CopyData.decode(data);
  const src = fileHandle(ctx, p.readHandle);
  const dst = fileHandle(ctx, p.writeHandle);
  if (!src.flags.read) throw new SftpError(SftpStatus.PermissionDenied, 'Read handle not open for reading');
  if (!dst.flags.write) throw new SftpError(SftpStatus.PermissionDenied, 'Write handle not open for writing');
  const readOffset = checkOffset(p.readOffset);
  const writeOffset = checkOffset(p.writeOffset);
  const length = p.readLength === 0n ? Infinity : checkOffset(p.readLength);
  if (Number.isFinite(length) && Math.max(readOffset, writeOffset) + length > Number.MAX_SAFE_INTEGER) {
    throw new SftpError(SftpStatus.Failure, 'File too large');
  }
  if (src.path === dst.path && !dst.flags.append) {
    const overlaps = readOffset < writeOffset + length && writeOffset < readOffset + length;
    if (overlaps) throw new SftpError(SftpStatus.Failure, 'Overlapping copy within one file');
  }
  const claims: Claim[] =
    src === dst
      ? [[src.lock, EXCLUSIVE]]
      : [
          [src.lock, EXCLUSIVE],
          [dst.lock, EXCLUSIVE],
        ];
  return {
    claims,
    cost: payloadLength + CHUNK,
    path: src.path,
    async run() {
      await copy(ctx, stillOpen(src), stillOpen(dst), readOffset, writeOffset, length);
      return okReply(id);
    },
  };
}

async function copy(
  ctx: SessionContext,
  src: FileHandle,
  dst: FileHandle,
  from: number,
  to: number,
  length: number,
): Promise<void> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let done = 0;
  for (let chunk = 0; done < length; chunk++) {
    await betweenChunks(ctx, chunk);
    const want = Math.min(CHUNK, length - done);
    const n = await readChunk(src.file, from + done, buf.subarray(0, want));
    if (n === 0) break;
    stillOpen(dst);
    await dst.file.write(to + done, buf.subarray(0, n));
    done += n;
  }
}
