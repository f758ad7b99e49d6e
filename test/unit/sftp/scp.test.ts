import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { globMatch, parseScpCommand, ScpUsageError, tokenize } from '../../../src/sftp/scp/command.js';
import { runScp } from '../../../src/sftp/scp/run.js';
import { createLocalVfs } from '../../../src/sftp/vfs/local/local-fs.js';
import { createMemoryVfs, type MemoryVfs } from '../../../src/sftp/vfs/memory-fs.js';
import type { Vfs } from '../../../src/sftp/vfs.js';

describe('scp command parsing', () => {
  it('accepts what OpenSSH scp sends', () => {
    expect(parseScpCommand('scp -t -- /x')).toEqual({
      mode: 'sink',
      recursive: false,
      preserve: false,
      targetIsDir: false,
      paths: [{ path: '/x' }],
    });
    const c = parseScpCommand("scp -v -r -p -d -t 'dir with space/'");
    expect([c.recursive, c.preserve, c.targetIsDir, c.paths]).toEqual([
      true,
      true,
      true,
      [{ path: 'dir with space/' }],
    ]);
    expect(parseScpCommand('scp -pf a "b c" d\\ e').paths.map((p) => p.path)).toEqual(['a', 'b c', 'd e']);
    expect(parseScpCommand(['scp', '-f', '--', '-weird name;']).paths).toEqual([{ path: '-weird name;' }]);
    expect(parseScpCommand('scp -f ~/x').paths).toEqual([{ path: '~/x' }]);
    expect(parseScpCommand("scp -f '~'/x").paths).toEqual([{ path: './~/x' }]);
    const g = parseScpCommand('scp -f dir/*.txt').paths[0]!;
    expect(g.glob?.pattern).toBe('*.txt');
    expect(parseScpCommand("scp -f 'dir/*.txt'").paths[0]!.glob).toBeUndefined();
  });

  it('refuses shell syntax and anything that is not a plain scp -t/-f', () => {
    for (const bad of [
      'ls; id',
      'scp -t x; id',
      'scp -t $(id)',
      'scp -t `id`',
      'scp -t "$HOME"',
      'scp -t a\nid',
      'scp -t a | cat',
      'scp -t > x',
      'scp -x -t a',
      'scp -t',
      'scp -t a b',
      'scp -tf a',
      'scp a',
      "scp -t 'unterminated",
      'scp -f */x',
      'scp -t {a,b}',
      'scp -t a\0b',
      'sh -c scp',
    ]) {
      expect(() => parseScpCommand(bad), JSON.stringify(bad)).toThrow(ScpUsageError);
    }
    expect(tokenize('a  b\t"c d"').map((w) => w.text)).toEqual(['a', 'b', 'c d']);
  });

  it('matches wildcards like sh, dot files only explicitly', () => {
    const g = (p: string) => ({ pattern: p, meta: [...p].map((ch) => '*?['.includes(ch)) });
    expect(globMatch('a.txt', g('*.txt'))).toBe(true);
    expect(globMatch('.hidden.txt', g('*.txt'))).toBe(false);
    expect(globMatch('b1', g('b[0-9]'))).toBe(true);
    expect(globMatch('bx', g('b[!0-9]'))).toBe(true);
    expect(globMatch('ab', g('a?'))).toBe(true);
  });
});

/** A raw scp peer: writes protocol bytes, collects what the server sends. */
function peer(vfs: Vfs, command: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  const stderr = new PassThrough();
  let got = Buffer.alloc(0);
  output.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
  const status = runScp(command, { input, output, stderr }, vfs);
  const waitFor = async (n: number): Promise<Buffer> => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return got;
  };
  return { input, status, waitFor, received: () => got };
}

describe('in-process scp protocol', () => {
  it('sink: receives a file with times and mode', async () => {
    const mem = createMemoryVfs();
    const p = peer(mem, 'scp -p -t /');
    p.input.write('T1000000000 0 1000000001 0\n');
    p.input.write('C0640 5 f.txt\n');
    await p.waitFor(3);
    p.input.write('hello');
    p.input.write(Buffer.from([0]));
    await p.waitFor(4);
    p.input.end();
    expect(await p.status).toBe(0);
    expect([...p.received()]).toEqual([0, 0, 0, 0]);
    const st = await mem.stat('/f.txt');
    expect([st.size, st.permissions & 0o777, st.mtime, st.atime]).toEqual([5, 0o640, 1000000000, 1000000001]);
  });

  it('sink: file names from the peer must be single components', async () => {
    for (const name of ['../escape', '/abs', '..', '.', 'a/b', '']) {
      const mem = createMemoryVfs();
      const p = peer(mem, 'scp -r -t /');
      p.input.write(`C0644 1 ${name}\n`);
      await p.waitFor(2);
      p.input.end();
      expect(await p.status).toBe(1);
      expect(p.received().subarray(1, 6).toString()).toBe('\x02scp:');
      expect([...mem.tree.root.children.keys()]).toEqual([]);
    }
  });

  it('sink: a directory without -r and a stray E are protocol errors', async () => {
    const mem = createMemoryVfs();
    const p = peer(mem, 'scp -t /');
    p.input.write('D0755 0 d\n');
    await p.waitFor(2);
    expect(await p.status).toBe(1);
    const q = peer(mem, 'scp -r -t /');
    q.input.write('E\n');
    expect(await q.status).toBe(1);
  });

  it('source: sends records and data, warns for directories without -r', async () => {
    const mem: MemoryVfs = createMemoryVfs();
    const f = await mem.open(
      '/f',
      { read: false, write: true, append: false, create: true, truncate: true, exclusive: false },
      { permissions: 0o600 },
    );
    await f.write(0, Buffer.from('abc'));
    await mem.mkdir('/d', {});
    const p = peer(mem, 'scp -f /f /d');
    p.input.write(Buffer.from([0]));
    const header = (await p.waitFor(10)).toString();
    expect(header).toBe('C0600 3 f\n');
    p.input.write(Buffer.from([0]));
    const all = (await p.waitFor(14)).toString();
    expect(all).toBe('C0600 3 f\nabc\0');
    p.input.write(Buffer.from([0]));
    expect(await p.status).toBe(1);
    expect(p.received().toString()).toContain('\x01scp: /d: not a regular file\n');
  });

  it('sink over the local jail: a stream that ends right after the data (libssh2) replaces the file', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scp-unit-'));
    try {
      fs.writeFileSync(path.join(root, 'f'), 'OLD');
      const p = peer(createLocalVfs({ root }), "scp -t 'f'");
      p.input.write('C0644 5 f\n');
      await p.waitFor(2);
      p.input.end('hello');
      expect(await p.status).toBe(0);
      expect([...p.received()]).toEqual([0, 0, 0]);
      expect(fs.readdirSync(root)).toEqual(['f']);
      expect(fs.readFileSync(path.join(root, 'f'), 'utf8')).toBe('hello');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('sink over the local jail: an interrupted upload keeps the old file', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scp-unit-'));
    try {
      fs.writeFileSync(path.join(root, 'f'), 'OLD');
      const p = peer(createLocalVfs({ root }), 'scp -t /f');
      p.input.write('C0644 1000 f\n');
      await p.waitFor(2);
      p.input.write('x'.repeat(500));
      await new Promise((r) => setTimeout(r, 20));
      p.input.end();
      expect(await p.status).toBe(1);
      expect(fs.readdirSync(root)).toEqual(['f']);
      expect(fs.readFileSync(path.join(root, 'f'), 'utf8')).toBe('OLD');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
