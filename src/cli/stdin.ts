import { ExitCode, UserError } from './errors.js';

/** Most bytes read from stdin for a secret. */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a secret from standard input, for `--<something>-stdin` flags: everything up to the first
 * newline (CR LF or LF), or to the end. Refuses a terminal (use the prompt instead) and an empty
 * stream.
 */
export async function readSecretFromStdin(
  flag: string,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  if (stdin.isTTY === true) {
    throw new UserError(`--${flag} reads from a pipe, but stdin is a terminal`, { exit: ExitCode.Usage });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    size += b.length;
    if (size > MAX_SECRET_BYTES) throw new UserError(`--${flag}: input too long`, { exit: ExitCode.Usage });
    if (b.includes(0x0a)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UserError(`--${flag}: nothing was read from stdin`, { exit: ExitCode.Usage });
  return line;
}
