import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineIo } from '../../../src/session/line-io.js';
import type { PtyInfo, SessionIo } from '../../../src/session/types.js';

function session(pty: PtyInfo | undefined) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const abort = new AbortController();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const io: SessionIo = {
    stdin,
    stdout,
    stderr: new PassThrough(),
    pty,
    size: pty?.size,
    env: {},
    signal: abort.signal,
    onResize: () => undefined,
    onSignal: () => undefined,
  };
  return { io, stdin, abort, output: () => out };
}

const pty: PtyInfo = { term: 'xterm', size: { cols: 80, rows: 24, widthPx: 0, heightPx: 0 }, modes: {} };

describe('LineIo (send/recv for shell handlers)', () => {
  it('on a pty: echoes, edits, ends lines at CR, and turns \\n into \\r\\n', async () => {
    const s = session(pty);
    const line = createLineIo(s.io);
    await line.send('hi\n');
    const got = line.recv({ prompt: '> ' });
    s.stdin.write('ab\x7fc\rnext\r\n');
    expect(await got).toBe('ac');
    expect(await line.recv()).toBe('next');
    expect(s.output()).toBe('hi\r\n> ab\b \bc\r\nnext\r\n');
  });

  it('on a pty: Ctrl-U clears, Ctrl-C restarts the line, Ctrl-D on an empty line ends input', async () => {
    const s = session(pty);
    const line = createLineIo(s.io);
    const got = line.recv({ prompt: '$ ' });
    s.stdin.write('xx\x15yy\x03zz\r\x04');
    expect(await got).toBe('zz');
    expect(await line.recv()).toBeNull();
    expect(s.output()).toContain('^C\r\n$ ');
  });

  it('masks passwords on a pty', async () => {
    const s = session(pty);
    const line = createLineIo(s.io);
    const got = line.recv({ prompt: 'Password: ', echo: 'mask' });
    s.stdin.write('s3cr3t\r');
    expect(await got).toBe('s3cr3t');
    expect(s.output()).toBe('Password: ******\r\n');
  });

  it('without a pty: lines end at LF (CR LF too), no echo, the last partial line at EOF', async () => {
    const s = session(undefined);
    const line = createLineIo(s.io);
    s.stdin.write('one\r\ntwo\nthr');
    s.stdin.end('ee');
    expect(await line.recv()).toBe('one');
    expect(await line.recv()).toBe('two');
    expect(await line.recv()).toBe('three');
    expect(await line.recv()).toBeNull();
    expect(s.output()).toBe('');
  });

  it('decodes UTF-8 split across chunks and caps the line length', async () => {
    const s = session(undefined);
    const line = createLineIo(s.io);
    const euro = Buffer.from('€');
    s.stdin.write(euro.subarray(0, 1));
    s.stdin.write(Buffer.concat([euro.subarray(1), Buffer.from('x'.repeat(10) + '\n')]));
    expect(await line.recv({ maxLength: 5 })).toBe('€xxxx');
  });

  it('returns null when the channel closes', async () => {
    const s = session(pty);
    const line = createLineIo(s.io);
    const got = line.recv();
    s.abort.abort();
    expect(await got).toBeNull();
  });
});
