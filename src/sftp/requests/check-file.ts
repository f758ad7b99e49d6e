import { createHash, type Hash } from 'node:crypto';
import { SftpStatus } from '../constants.js';
import { CheckFile, CheckFileReply } from '../extension-packets.js';
import { SftpError } from '../errors.js';
import type { VfsFile } from '../vfs.js';
import {
  betweenChunks,
  fileHandle,
  MAX_OFFSET,
  resolvePath,
  SHARED,
  stillOpen,
  type Claim,
  type PreparedRequest,
  type SessionContext,
} from './types.js';

/** Hash algorithms offered by check-file, strongest last, with their node:crypto names. */
export const CHECK_FILE_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const DIGEST_LENGTH: Record<string, number> = {
  md5: 16,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};
/** Smallest non-zero block size (draft-ietf-secsh-filexfer-09 §9.1.2). */
const MIN_BLOCK = 256;
/** Most hash bytes in one reply, so it fits the client's packet limit. */
const MAX_REPLY_HASH_BYTES = 200 * 1024;
const CHUNK = 256 * 1024;

/**
 * check-file-handle / check-file-name (draft-ietf-secsh-filexfer-09 §9.1.2; paramiko's `check-file`
 * is the handle form): hashes a range of a file, as one block or per block, so a client can verify
 * a transfer without downloading it again. The first algorithm of the client's list we know wins.
 */
export function prepareCheckFile(
  byName: boolean,
  id: number,
  data: Buffer,
  ctx: SessionContext,
  payloadLength: number,
): PreparedRequest {
  const p = CheckFile.decode(data);
  const algorithm = p.algorithms.split(',').find((a) => a in DIGEST_LENGTH);
  if (!algorithm) throw new SftpError(SftpStatus.Failure, 'No supported hash algorithm');
  if (p.blockSize !== 0 && p.blockSize < MIN_BLOCK)
    throw new SftpError(SftpStatus.BadMessage, 'Block size too small');
  if (p.startOffset > MAX_OFFSET || p.length > MAX_OFFSET)
    throw new SftpError(SftpStatus.Failure, 'Offset too large');
  const start = Number(p.startOffset);
  const length = Number(p.length);
  let claims: Claim[];
  let open: () => Promise<{ file: VfsFile; close: boolean }>;
  let path: string;
  if (byName) {
    path = resolvePath(ctx, Buffer.from(p.target).toString('utf8'));
    claims = [[ctx.pathLock, SHARED]];
    const flags = {
      read: true,
      write: false,
      append: false,
      create: false,
      truncate: false,
      exclusive: false,
    };
    open = async () => ({ file: await ctx.vfs.open(path, flags, {}), close: true });
  } else {
    const h = fileHandle(ctx, p.target);
    if (!h.flags.read) throw new SftpError(SftpStatus.PermissionDenied, 'File not open for reading');
    path = h.path;
    claims = [[h.lock, SHARED]];
    open = async () => ({ file: stillOpen(h).file, close: false });
  }
  return {
    claims,
    cost: payloadLength + CHUNK,
    path,
    async run() {
      const { file, close } = await open();
      try {
        const end = length === 0 ? (await file.fstat()).size : start + length;
        const hashes = await hashRange(ctx, file, algorithm, start, Math.max(end, start), p.blockSize);
        return CheckFileReply.encode({ id, name: 'check-file', algorithm, hashes });
      } finally {
        if (close) await file.close();
      }
    },
  };
}

async function hashRange(
  ctx: SessionContext,
  file: VfsFile,
  algorithm: string,
  start: number,
  end: number,
  block: number,
): Promise<Buffer> {
  const blockSize = block === 0 ? Math.max(end - start, 1) : block;
  const blocks = Math.ceil((end - start) / blockSize);
  if (blocks * DIGEST_LENGTH[algorithm]! > MAX_REPLY_HASH_BYTES) {
    throw new SftpError(SftpStatus.Failure, 'Too many blocks for one reply');
  }
  const out: Buffer[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = start;
  let hash: Hash = createHash(algorithm);
  let inBlock = 0;
  for (let chunk = 0; pos < end; chunk++) {
    await betweenChunks(ctx, chunk);
    const want = Math.min(CHUNK, end - pos, blockSize - inBlock);
    const n = await readSome(file, pos, buf.subarray(0, want));
    if (n === 0) break;
    hash.update(buf.subarray(0, n));
    pos += n;
    inBlock += n;
    if (inBlock === blockSize) {
      out.push(hash.digest());
      hash = createHash(algorithm);
      inBlock = 0;
    }
  }
  // The last, short block (or the whole empty range when block size is 0).
  if (inBlock > 0 || out.length === 0) out.push(hash.digest());
  return Buffer.concat(out);
}

async function readSome(file: VfsFile, offset: number, target: Buffer): Promise<number> {
  if (file.readInto) return file.readInto(offset, target);
  const data = await file.read(offset, target.length);
  if (!data) return 0;
  const n = Math.min(data.length, target.length);
  target.set(data.subarray(0, n));
  return n;
}
