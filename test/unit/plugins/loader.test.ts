import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerEventEmitter } from '../../../src/plugins/events.js';
import { createHandlerRegistries, PluginHost } from '../../../src/plugins/host.js';
import { loadPlugins, reloadPlugins } from '../../../src/plugins/loader.js';
import { isPathSpec, projectPluginsDir, resolvePluginSpec } from '../../../src/plugins/resolve.js';
import { memoryLogger } from '../../integration/plugin-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'sshd-kit-loader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes files under a new folder of `root`; returns the folder. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** A plugin module registering subsystem `sub` and answering with `text`. */
const pluginSource = (name: string, sub: string, text = 'hi', apiVersion = 1) => `
export default {
  name: '${name}',
  apiVersion: ${apiVersion},
  description: ${JSON.stringify(text)},
  setup(ctx) { ctx.subsystems.add({ name: '${sub}', requires: 'none', async start() { return 0; } }); },
};
`;

function host() {
  const log = memoryLogger();
  const registries = createHandlerRegistries();
  return { log, registries, host: new PluginHost({ registries, events: new ServerEventEmitter(log), log }) };
}

describe('plugin specs', () => {
  it('tells paths from names', () => {
    for (const p of ['.', './x', '../x', '/abs/x', '~/x', 'x.ts', 'x.mjs', 'dir/x', 'a/b/c'])
      expect(isPathSpec(p), p).toBe(true);
    for (const p of ['echo', 'sshd-kit-plugin-x', '@scope/pkg']) expect(isPathSpec(p), p).toBe(false);
  });

  it('finds a project plugin by name, a folder by its index or package.json, and an npm package', () => {
    expect(resolvePluginSpec('echo', root)).toMatchObject({
      origin: 'project',
      entry: join(projectPluginsDir(), 'echo', 'index.ts'),
    });
    const bare = folder('bare', { 'index.js': pluginSource('bare', 'bare@t') });
    expect(resolvePluginSpec('./bare', root).entry).toBe(join(bare, 'index.js'));
    folder('app/node_modules/@acme/sshd-thing', {
      'package.json': JSON.stringify({
        name: '@acme/sshd-thing',
        exports: { '.': { import: './esm/main.js', require: './cjs.js' } },
      }),
      'esm/main.js': pluginSource('thing', 'thing@t'),
    });
    const app = join(root, 'app', 'src');
    mkdirSync(app, { recursive: true });
    expect(resolvePluginSpec('@acme/sshd-thing', app)).toMatchObject({
      origin: 'package',
      entry: join(root, 'app/node_modules/@acme/sshd-thing/esm/main.js'),
    });
  });

  it('says what is missing, in one line', () => {
    expect(() => resolvePluginSpec('./nowhere.js', root)).toThrow(
      `plugin ./nowhere.js: no such file or folder (${join(root, 'nowhere.js')})`,
    );
    expect(() => resolvePluginSpec('no-such-plugin', root)).toThrow(
      /^plugin no-such-plugin: not found \(no folder no-such-plugin in .*plugins, and no npm package no-such-plugin installed; npm install no-such-plugin, or give a path such as \.\/no-such-plugin\)$/,
    );
    folder('unbuilt', { 'package.json': JSON.stringify({ main: 'dist/index.js' }) });
    expect(() => resolvePluginSpec('./unbuilt', root)).toThrow(
      /points at dist\/index\.js, which does not exist \(build the plugin first\)/,
    );
  });
});

describe('loadPlugins', () => {
  it('compiles a TypeScript plugin with relative imports on load', async () => {
    const dir = folder('ts-plugin', {
      'index.ts': `import { word } from './word.js';\nconst n: number = 1;\nexport default { name: 'ts', apiVersion: n as 1, setup(ctx: { subsystems: { add(h: unknown): void } }) { ctx.subsystems.add({ name: word(), requires: 'none', start: async () => 0 }); } };\n`,
      'word.ts': `export const word = (): string => 'typed@t';\n`,
    });
    const { host: h, registries } = host();
    const report = await loadPlugins(h, [{ path: dir }], { baseDir: root, log: memoryLogger() });
    expect(report.installed[0]).toMatchObject({ name: 'ts', entry: join(dir, 'index.ts') });
    expect(registries.subsystems.ownerOf('typed@t')).toBe('ts');
  });

  it('stops at a plugin that is not optional, undoing the ones it installed; skips optional ones with a warning', async () => {
    folder('one', { 'index.js': pluginSource('one', 'one@t') });
    folder('v2', { 'index.js': pluginSource('v2', 'v2@t', 'x', 2) });
    const { host: h, log } = host();
    await expect(
      loadPlugins(h, [{ path: './one' }, { path: './v2' }], { baseDir: root, log }),
    ).rejects.toThrow('plugin ./v2: "v2" was written for plugin API version 2');
    expect(h.list()).toEqual([]);
    const report = await loadPlugins(
      h,
      [{ path: './one' }, { path: './v2', optional: true }, { path: './missing', optional: true }],
      { baseDir: root, log },
    );
    expect(report.installed.map((p) => p.name)).toEqual(['one']);
    expect(report.skipped.map((s) => s.spec)).toEqual(['./v2', './missing']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^optional plugin skipped: plugin \.\/v2: "v2" was written for plugin API version 2/,
      ),
      expect.stringMatching(/^optional plugin skipped: plugin \.\/missing: no such file or folder/),
    ]);
  });

  it('refuses two plugins registering the same name, naming both', async () => {
    folder('a1', { 'index.js': pluginSource('a1', 'same@t') });
    folder('a2', { 'index.js': pluginSource('a2', 'same@t') });
    const { host: h } = host();
    await expect(
      loadPlugins(h, [{ path: './a1' }, { path: './a2' }], { baseDir: root, log: memoryLogger() }),
    ).rejects.toThrow(
      'plugin a2 (./a2): setup failed: subsystem "same@t" from a2 collides with the one registered by a1',
    );
    expect(h.list()).toEqual([]);
  });

  it('a syntax error is a load failure naming the plugin', async () => {
    folder('broken', { 'index.ts': 'export default {{{' });
    const { host: h } = host();
    await expect(
      loadPlugins(h, [{ path: './broken' }], { baseDir: root, log: memoryLogger() }),
    ).rejects.toThrow(/^plugin \.\/broken: cannot import .*broken\/index\.ts: /);
  });
});

describe('reloadPlugins', () => {
  it('imports every file of an ES module plugin afresh, replacing the old registrations', async () => {
    const dir = folder('reload', {
      // Without "type": "module" a .ts file is CommonJS, whose files Node caches for good.
      'package.json': JSON.stringify({ type: 'module' }),
      'index.ts': `import { sub } from './sub.js';\nexport default { name: 'r', apiVersion: 1, setup(ctx: any) { ctx.subsystems.add({ name: sub, requires: 'none', start: async () => 0 }); } };\n`,
      'sub.ts': `export const sub = 'first@t';\n`,
    });
    const { host: h, registries, log } = host();
    await loadPlugins(h, [{ path: dir }], { baseDir: root, log });
    writeFileSync(join(dir, 'sub.ts'), `export const sub = 'second@t';\n`);
    const report = await reloadPlugins(h, [{ path: dir }], { baseDir: root, log });
    expect(report.installed[0]?.registrations.subsystems).toEqual(['second@t']);
    expect(registries.subsystems.get('first@t')).toBeUndefined();
  });

  it('keeps the loaded plugins when the new set cannot be imported', async () => {
    const dir = folder('keep', { 'index.js': pluginSource('keep', 'keep@t') });
    const { host: h, registries, log } = host();
    await loadPlugins(h, [{ path: dir }], { baseDir: root, log });
    writeFileSync(join(dir, 'index.js'), 'export default {{{');
    await expect(reloadPlugins(h, [{ path: dir }], { baseDir: root, log })).rejects.toThrow(/cannot import/);
    expect(registries.subsystems.ownerOf('keep@t')).toBe('keep');
  });
});
