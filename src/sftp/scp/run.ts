import type { Readable, Writable } from 'node:stream';
import { printable } from '../longname.js';
import type { SftpLogger } from '../options.js';
import { normalizePath } from '../path.js';
import type { Vfs } from '../vfs.js';
import { parseScpCommand, ScpUsageError, type ScpCommand } from './command.js';
import { ScpFatal, type ScpContext } from './context.js';
import { runSink } from './sink.js';
import { runSource } from './source.js';
import { ScpConnectionLost, StreamReader } from './stream-io.js';

/** The streams of an exec channel running scp. */
export interface ScpStreams {
  readonly input: Readable;
  readonly output: Writable;
  /** Where human-readable errors go (the channel's extended data), if anywhere. */
  readonly stderr?: Writable;
}

/** Options of {@link runScp}. */
export interface ScpOptions {
  /** The virtual home directory relative paths and `~` start from (default `/`). */
  readonly home?: string;
  /** The session user's name (for `~name`). */
  readonly username?: string;
  readonly log?: SftpLogger;
}

/**
 * Runs the legacy scp protocol (`scp -O`, OpenSSH scp.c) in-process over an exec channel's
 * streams, inside the same Vfs (and so the same jail) as SFTP; no shell is involved. `command` is
 * the exec request's command string (parsed as `sh` would, refusing shell syntax), an argv array,
 * or an already parsed command. Resolves with the exit status to report: 0 when every item was
 * transferred, 1 otherwise. Never rejects.
 */
export async function runScp(
  command: string | readonly string[] | ScpCommand,
  streams: ScpStreams,
  vfs: Vfs,
  options: ScpOptions = {},
): Promise<number> {
  let cmd: ScpCommand;
  try {
    cmd =
      typeof command === 'string' || Array.isArray(command)
        ? parseScpCommand(command as string | readonly string[])
        : (command as ScpCommand);
  } catch (err) {
    const msg = err instanceof ScpUsageError ? err.message : 'bad command';
    streams.stderr?.write(`scp: ${msg}\n`);
    if (streams.output.writable) streams.output.write(`\x02scp: ${msg}\n`);
    return 1;
  }
  const reader = new StreamReader(streams.input);
  const ctx: ScpContext = {
    vfs,
    cmd,
    reader,
    out: streams.output,
    home: normalizePath(options.home ?? '/', '/'),
    username: options.username,
    log: options.log,
    errors: 0,
  };
  try {
    if (cmd.mode === 'sink') await runSink(ctx);
    else await runSource(ctx);
    return ctx.errors > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof ScpFatal || err instanceof ScpConnectionLost) {
      options.log?.debug({ reason: err.message }, 'scp ended early');
      streams.stderr?.write(`scp: ${printable(err.message)}\n`);
    } else {
      options.log?.warn({ err }, 'scp failed');
      if (streams.output.writable) streams.output.write('\x02scp: internal error\n');
    }
    return 1;
  } finally {
    reader.detach();
  }
}
