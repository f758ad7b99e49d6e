import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginLockfile } from '../../../src/plugins/scaffold-lockfile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const integrity = (name: string) => `sha512-${Buffer.from(name).toString('base64')}`;

/** An sshd-kit installation folder holding `lock` as its package-lock.json or hidden lockfile. */
function installation(packages: Record<string, object>, where: 'own' | 'hidden' = 'own'): string {
  const root = mkdtempSync(join(tmpdir(), 'sshd-kit-lock-'));
  dirs.push(root);
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'sshd-kit', version: '9.9.9', license: 'MIT', bin: { 'sshd-kit': 'bin/run.js' } }),
  );
  const lock = JSON.stringify({ name: 'sshd-kit', version: '9.9.9', lockfileVersion: 3, packages });
  if (where === 'own') writeFileSync(join(root, 'package-lock.json'), lock);
  else {
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), lock);
  }
  return root;
}

// tool@1 needs helper@2 (nested under it, shadowing the top-level helper@1) and optionally
// native@1; native@1 needs helper (the top-level one, as Node's resolution walks up). unrelated@1
// is in the installation but not needed by the plugin.
const TREE = {
  'node_modules/tool': {
    version: '1.0.0',
    integrity: integrity('tool'),
    dependencies: { helper: '^2' },
    optionalDependencies: { native: '1.0.0', 'missing-platform-pkg': '1.0.0' },
  },
  'node_modules/tool/node_modules/helper': { version: '2.0.0', integrity: integrity('helper2'), dev: true },
  'node_modules/helper': { version: '1.0.0', integrity: integrity('helper1') },
  'node_modules/native': {
    version: '1.0.0',
    integrity: integrity('native'),
    optional: true,
    dependencies: { helper: '^1' },
  },
  'node_modules/unrelated': { version: '1.0.0', integrity: integrity('unrelated') },
};

const manifest = (devDependencies: Record<string, string>) => ({
  name: 'hello',
  version: '0.1.0',
  devDependencies,
  engines: { node: '>=20' },
});

describe('the generated plugin lockfile', () => {
  it('copies the tree the tools need from the installation, with flags for a dev-only install', () => {
    const root = installation(TREE);
    const dir = join(root, 'plugins-out', 'hello');
    const text = pluginLockfile({
      dir,
      manifest: manifest({ 'sshd-kit': `file:${root}`, tool: '1.0.0' }),
      sshdKitRoot: root,
    });
    const lock = JSON.parse(text!) as {
      lockfileVersion: number;
      packages: Record<string, Record<string, unknown>>;
    };
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages).toEqual({
      '': manifest({ 'sshd-kit': `file:${root}`, tool: '1.0.0' }),
      '../..': {
        name: 'sshd-kit',
        version: '9.9.9',
        license: 'MIT',
        bin: { 'sshd-kit': 'bin/run.js' },
        dev: true,
      },
      'node_modules/sshd-kit': { resolved: '../..', link: true },
      'node_modules/tool': { ...TREE['node_modules/tool'], dev: true },
      'node_modules/tool/node_modules/helper': {
        ...TREE['node_modules/tool/node_modules/helper'],
        dev: true,
      },
      // reached only through native, an optional dependency: optional as well as dev
      'node_modules/helper': { ...TREE['node_modules/helper'], dev: true, optional: true },
      'node_modules/native': { ...TREE['node_modules/native'], dev: true, optional: true },
    });
  });

  it('marks a package required when any path to it is', () => {
    const root = installation({
      ...TREE,
      'node_modules/other': {
        version: '1.0.0',
        integrity: integrity('other'),
        dependencies: { helper: '^1' },
      },
    });
    const text = pluginLockfile({
      dir: join(root, 'x'),
      manifest: manifest({ tool: '1.0.0', other: '1.0.0' }),
      sshdKitRoot: root,
    });
    const packages = (JSON.parse(text!) as { packages: Record<string, Record<string, unknown>> }).packages;
    expect(packages['node_modules/helper']).toEqual({ ...TREE['node_modules/helper'], dev: true });
    expect(packages['node_modules/native']?.['optional']).toBe(true);
  });

  it("reads npm's hidden lockfile when the installation has no package-lock.json", () => {
    const root = installation(TREE, 'hidden');
    const text = pluginLockfile({
      dir: join(root, 'x'),
      manifest: manifest({ tool: '1.0.0' }),
      sshdKitRoot: root,
    });
    expect(Object.keys((JSON.parse(text!) as { packages: object }).packages)).toContain(
      'node_modules/tool/node_modules/helper',
    );
  });

  it('writes none when a tool or a required dependency is not in the tree at the pinned version', () => {
    const root = installation(TREE);
    const request = (devDependencies: Record<string, string>) => ({
      dir: join(root, 'x'),
      manifest: manifest(devDependencies),
      sshdKitRoot: root,
    });
    expect(pluginLockfile(request({ tool: '1.0.1' }))).toBeUndefined();
    expect(pluginLockfile(request({ absent: '1.0.0' }))).toBeUndefined();
    const broken = installation({ 'node_modules/tool': { ...TREE['node_modules/tool'] } });
    expect(
      pluginLockfile({ dir: join(broken, 'x'), manifest: manifest({ tool: '1.0.0' }), sshdKitRoot: broken }),
    ).toBeUndefined();
    const bare = mkdtempSync(join(tmpdir(), 'sshd-kit-lock-'));
    dirs.push(bare);
    expect(
      pluginLockfile({ dir: join(bare, 'x'), manifest: manifest({ tool: '1.0.0' }), sshdKitRoot: bare }),
    ).toBeUndefined();
  });
});
