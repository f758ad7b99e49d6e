import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, sameFile, scp, treeDigest, writeRandomFile, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

const J = (...p: string[]): string => path.join(sb.root, ...p);
const L = (...p: string[]): string => path.join(sb.local, ...p);

function makeTree(dir: string): void {
  fs.mkdirSync(path.join(dir, 'sub/deeper'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.txt'), 'alpha');
  fs.writeFileSync(path.join(dir, 'sub/b.bin'), Buffer.alloc(300_000, 7));
  fs.writeFileSync(path.join(dir, 'sub/deeper/c'), '');
  fs.chmodSync(path.join(dir, 'a.txt'), 0o640);
  fs.chmodSync(path.join(dir, 'sub/deeper'), 0o750);
  const t = new Date('2021-03-04T05:06:07Z');
  fs.utimesSync(path.join(dir, 'a.txt'), t, t);
  fs.utimesSync(path.join(dir, 'sub/b.bin'), t, t);
}

function mtimes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of ['a.txt', 'sub/b.bin']) out[f] = Math.floor(fs.statSync(path.join(dir, f)).mtimeMs / 1000);
  return out;
}

describe('OpenSSH scp -O (legacy protocol) against in-process scp', () => {
  it('uploads and downloads a tree recursively with modes and times (-r -p)', async () => {
    makeTree(L('tree'));
    const up = await scp(sb, ['-O', '-r', '-p', 'tree', 'h:up']);
    expect(up.code, up.stderr).toBe(0);
    expect(treeDigest(J('up'))).toEqual(treeDigest(L('tree')));
    expect(mtimes(J('up'))).toEqual(mtimes(L('tree')));
    const down = await scp(sb, ['-O', '-r', '-p', 'h:up', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(treeDigest(L('down'))).toEqual(treeDigest(L('tree')));
    expect(mtimes(L('down'))).toEqual(mtimes(L('tree')));
  }, 30_000);

  it('copies single files both ways, into a directory and to a new name, byte-exact', async () => {
    writeRandomFile(L('big'), 20 * 1024 * 1024);
    fs.mkdirSync(J('dir'));
    expect((await scp(sb, ['-O', 'big', 'h:dir/'])).code).toBe(0);
    expect((await scp(sb, ['-O', 'big', 'h:renamed'])).code).toBe(0);
    expect((await scp(sb, ['-O', 'h:dir/big', 'back'])).code).toBe(0);
    expect(sameFile(L('big'), J('dir/big'))).toBe(true);
    expect(sameFile(L('big'), J('renamed'))).toBe(true);
    expect(sameFile(L('big'), L('back'))).toBe(true);
  }, 30_000);

  it('sends several sources into a directory, expands wildcards, reports missing files', async () => {
    fs.writeFileSync(L('x1'), '1');
    fs.writeFileSync(L('x2'), '2');
    fs.mkdirSync(J('in'));
    expect((await scp(sb, ['-O', 'x1', 'x2', 'h:in'])).code).toBe(0);
    expect(fs.readdirSync(J('in')).sort()).toEqual(['x1', 'x2']);
    fs.mkdirSync(L('got'));
    expect((await scp(sb, ['-O', 'h:in/x*', 'got/'])).code).toBe(0);
    expect(fs.readdirSync(L('got')).sort()).toEqual(['x1', 'x2']);
    const miss = await scp(sb, ['-O', 'h:in/nope', 'got/']);
    expect(miss.code).not.toBe(0);
    expect(miss.stderr).toContain('in/nope: No such file or directory');
    const notDir = await scp(sb, ['-O', 'x1', 'x2', 'h:in/x1']);
    expect(notDir.code).not.toBe(0);
  }, 30_000);

  it('stays inside the jail: ../, absolute paths, ~ and symlinks pointing out', async () => {
    fs.symlinkSync(sb.outside, J('out'));
    fs.writeFileSync(L('f'), 'payload');
    const before = treeDigest(sb.outside);
    for (const target of ['h:../outside/', 'h:/../../outside/x', 'h:out/x', 'h:~root/x']) {
      await scp(sb, ['-O', 'f', target]);
    }
    for (const source of ['h:../outside/CANARY', 'h:/etc/passwd', 'h:out/CANARY', 'h:~/../outside/CANARY']) {
      const r = await scp(sb, ['-O', source, 'stolen']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toContain(sb.base);
    }
    expect(fs.existsSync(L('stolen'))).toBe(false);
    expect(treeDigest(sb.outside)).toEqual(before);
    // `../outside/` from the root is the jail's own /outside: the upload landed inside the jail.
    expect(fs.readFileSync(J('outside'), 'utf8')).toBe('payload');
  }, 30_000);

  it('scp in SFTP mode (the default since OpenSSH 9) uses the sftp subsystem', async () => {
    makeTree(L('tree'));
    const up = await scp(sb, ['-r', '-p', 'tree', 'h:viasftp']);
    expect(up.code, up.stderr).toBe(0);
    expect(treeDigest(J('viasftp'))).toEqual(treeDigest(L('tree')));
    const down = await scp(sb, ['-r', 'h:viasftp', 'back']);
    expect(down.code, down.stderr).toBe(0);
    expect(sameFile(L('tree/sub/b.bin'), L('back/sub/b.bin'))).toBe(true);
  }, 30_000);
});
