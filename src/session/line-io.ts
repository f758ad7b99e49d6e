import { StringDecoder } from 'node:string_decoder';
import type { SessionIo } from './types.js';

/** How {@link LineIo.recv} shows what the user types (on a pty; without one nothing is echoed). */
export type EchoMode = 'echo' | 'mask' | 'silent';

/** Options of one {@link LineIo.recv}. */
export interface RecvOptions {
  /** Written before reading (e.g. `> `). */
  readonly prompt?: string;
  /** Default `echo`; `mask` shows `*` (passwords), `silent` shows nothing. */
  readonly echo?: EchoMode;
  /** Longest line kept, in characters; further input is dropped (default 4096). */
  readonly maxLength?: number;
}

/**
 * Line-oriented send/recv over a session's streams (the seed's "send and recv functions"): an
 * interactive shell handler written as `await io.send('Name? ')` / `await io.recv()`. On a pty the
 * client's terminal is raw, so `recv` does the line discipline: echo, backspace, Ctrl-U,
 * Ctrl-C (drops the line), Ctrl-D on an empty line (end of input), and `send` turns `\n` into
 * `\r\n`. Without a pty lines end at `\n` (a `\r` before it is dropped).
 */
export interface LineIo {
  /** Writes text (UTF-8), waiting while the client's window is full. */
  send(text: string): Promise<void>;
  /** The next line without its line ending; null at end of input or when the channel closes. */
  recv(options?: RecvOptions): Promise<string | null>;
}

/** Makes a {@link LineIo} over a session. Only one `recv` may be pending at a time. */
export function createLineIo(io: SessionIo): LineIo {
  const tty = io.pty !== undefined;
  const decoder = new StringDecoder('utf8');
  /** Decoded characters received; those before `pos` are consumed. */
  let pending = '';
  let pos = 0;
  let ended = false;
  /** The last line ended at a CR: a LF right after it belongs to that line. */
  let skipLf = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  io.stdin.on('data', (chunk: Buffer) => {
    pending = pending.slice(pos) + decoder.write(chunk);
    pos = 0;
    // Stop reading (and so stop the client) while unconsumed input piles up.
    if (pending.length > 64 * 1024) io.stdin.pause();
    poke();
  });
  io.stdin.on('end', () => {
    ended = true;
    poke();
  });
  io.signal.addEventListener('abort', () => {
    ended = true;
    poke();
  });
  io.stdin.pause();

  const write = (text: string): Promise<void> =>
    new Promise((resolve) => {
      if (io.stdout.writableEnded || io.signal.aborted) return resolve();
      const out = tty ? text.replace(/\r?\n/g, '\r\n') : text;
      if (io.stdout.write(out)) return resolve();
      // Wait for the client's window, or for the channel to close (then nothing drains).
      const done = () => {
        io.stdout.off('drain', done);
        io.signal.removeEventListener('abort', done);
        resolve();
      };
      io.stdout.once('drain', done);
      io.signal.addEventListener('abort', done, { once: true });
    });

  /** The next character of input, or null at the end. */
  const nextChar = async (): Promise<string | null> => {
    for (;;) {
      if (pos < pending.length) {
        const ch = String.fromCodePoint(pending.codePointAt(pos)!);
        pos += ch.length;
        return ch;
      }
      if (ended) return null;
      io.stdin.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  return {
    send: write,
    async recv(options = {}) {
      const echo = tty ? (options.echo ?? 'echo') : 'silent';
      const max = options.maxLength ?? 4096;
      if (options.prompt) await write(options.prompt);
      let line: string[] = [];
      const show = (ch: string) => (echo === 'echo' ? ch : echo === 'mask' ? '*' : '');
      for (;;) {
        const ch = await nextChar();
        if (ch === null) return line.length > 0 && !tty ? line.join('') : null;
        if (!tty && ch === '\n') {
          if (line[line.length - 1] === '\r') line.pop();
          return line.join('');
        }
        if (tty && ch === '\n' && skipLf) {
          skipLf = false;
          continue;
        }
        skipLf = false;
        if (tty && (ch === '\r' || ch === '\n')) {
          // Enter sends CR; a CR LF pair ends one line, not two.
          skipLf = ch === '\r';
          await write('\r\n');
          return line.join('');
        }
        if (!tty) {
          if (line.length < max) line.push(ch);
          continue;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (line.pop() !== undefined && echo !== 'silent') await write('\b \b');
        } else if (ch === '\x15') {
          if (echo !== 'silent') await write('\b \b'.repeat(line.length));
          line = [];
        } else if (ch === '\x03') {
          await write('^C\r\n' + (options.prompt ?? ''));
          line = [];
        } else if (ch === '\x04') {
          if (line.length === 0) return null;
        } else if (ch >= ' ' && line.length < max) {
          line.push(ch);
          const shown = show(ch);
          if (shown) await write(shown);
        }
      }
    },
  };
}
