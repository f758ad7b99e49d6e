import type { Writable } from 'node:stream';
import { SftpStatus } from '../constants.js';
import { statusFromError } from '../errors.js';
import { printable } from '../longname.js';
import type { SftpLogger } from '../options.js';
import type { Vfs } from '../vfs.js';
import type { ScpCommand } from './command.js';
import { ScpConnectionLost, writeOut, type StreamReader } from './stream-io.js';

/** The other side sent a fatal error (`\x02`) or broke the protocol: the transfer stops. */
export class ScpFatal extends Error {
  override readonly name = 'ScpFatal';
}

/** State of one scp transfer. */
export interface ScpContext {
  readonly vfs: Vfs;
  readonly cmd: ScpCommand;
  readonly reader: StreamReader;
  readonly out: Writable;
  readonly home: string;
  readonly username: string | undefined;
  readonly log: SftpLogger | undefined;
  /** Non-fatal errors so far (the exit status is 1 when there were any). */
  errors: number;
}

/** Positive acknowledgement: one zero byte. */
export function ack(ctx: ScpContext): Promise<void> {
  return writeOut(ctx.out, Buffer.from([0]));
}

/** A warning record (`\x01scp: message\n`): the peer reports it and skips the item. */
export async function warn(ctx: ScpContext, message: string): Promise<void> {
  ctx.errors++;
  ctx.log?.debug({ message }, 'scp error');
  await writeOut(ctx.out, `\x01scp: ${printable(message)}\n`);
}

/** A fatal record (`\x02scp: message\n`), then the transfer stops. */
export async function fatal(ctx: ScpContext, message: string): Promise<never> {
  ctx.errors++;
  await writeOut(ctx.out, `\x02scp: ${printable(message)}\n`).catch(() => undefined);
  throw new ScpFatal(message);
}

/** True for "no such file" errors from any backend. */
export function isNotFound(err: unknown): boolean {
  return statusFromError(err).status === SftpStatus.NoSuchFile;
}

/** The client-visible reason for an error (never a host path). */
export function reason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'No such file or directory';
  return statusFromError(err).message;
}

/**
 * Reads the peer's answer to a record: 0 is OK; `\x01` plus a line is a warning (counted, the
 * item is skipped: returns false); `\x02` plus a line is fatal.
 */
export async function response(ctx: ScpContext): Promise<boolean> {
  const b = await ctx.reader.readByte();
  if (b === null) throw new ScpConnectionLost('lost connection');
  if (b === 0) return true;
  const line = await ctx.reader.readLine();
  ctx.log?.debug({ message: line }, 'scp peer reported an error');
  if (b === 1) {
    ctx.errors++;
    return false;
  }
  throw new ScpFatal(b === 2 ? line : `protocol error: unexpected byte ${b}`);
}
