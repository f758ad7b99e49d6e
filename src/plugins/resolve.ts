import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginError } from './validate.js';

/** Where a plugin comes from. */
export type PluginOrigin = 'project' | 'path' | 'package';

/** A plugin spec resolved to the module file to import. */
export interface ResolvedPluginSpec {
  /** The spec as written (`./x.ts`, `echo`, `@acme/sshd-plugin`). */
  readonly spec: string;
  readonly origin: PluginOrigin;
  /** Absolute path of the entry module. */
  readonly entry: string;
  /** The folder holding the plugin's package.json, when it has one. */
  readonly packageDir: string | undefined;
}

/** File names tried, in order, for a folder without a package.json entry. */
const INDEX_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

/** The root of this sshd-kit installation (the folder with its package.json). */
export function sshdKitRoot(): string {
  // src/plugins/resolve.ts and dist/plugins/resolve.js both sit two levels below the root.
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The project's own plugins folder (the examples shipped with sshd-kit). */
export function projectPluginsDir(): string {
  return join(sshdKitRoot(), 'plugins');
}

/** True when `spec` names a file or folder rather than a package or a project plugin. */
export function isPathSpec(spec: string): boolean {
  if (spec === '.' || spec === '..' || spec === '~') return true;
  if (/^(\.{1,2}|~)[\\/]/.test(spec) || isAbsolute(spec)) return true;
  if (/\.(?:[cm]?[jt]s)$/.test(spec)) return true;
  // `@scope/name` is a package; any other slash is a path.
  return spec.includes('/') && !/^@[^/]+\/[^/]+$/.test(spec);
}

const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** A package.json `exports` target for ESM, following the conditions Node uses. */
function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (Array.isArray(exports)) {
    for (const e of exports) {
      const t = exportTarget(e);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportTarget(map['.']);
  for (const condition of ['import', 'node', 'default']) {
    if (condition in map) {
      const t = exportTarget(map[condition]);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

/** The entry module of a package folder: `exports["."]`, else `main`, else an index file. */
function packageEntry(dir: string, spec: string): string {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new PluginError(
      `plugin ${spec}: cannot read ${join(dir, 'package.json')} (${(err as Error).message})`,
      spec,
    );
  }
  const target =
    exportTarget(manifest['exports']) ??
    (typeof manifest['main'] === 'string' ? manifest['main'] : undefined);
  if (target !== undefined) {
    const entry = resolve(dir, target);
    if (isFile(entry)) return entry;
    throw new PluginError(
      `plugin ${spec}: its package.json points at ${target}, which does not exist` +
        (/dist|lib|build/.test(target) ? ' (build the plugin first)' : ''),
      spec,
    );
  }
  return folderIndex(dir, spec);
}

function folderIndex(dir: string, spec: string): string {
  for (const name of INDEX_FILES) if (isFile(join(dir, name))) return join(dir, name);
  throw new PluginError(
    `plugin ${spec}: ${dir} has no package.json entry and no ${INDEX_FILES.join(' / ')}`,
    spec,
  );
}

function fromPath(spec: string, absolute: string, origin: PluginOrigin): ResolvedPluginSpec {
  if (isFile(absolute)) return { spec, origin, entry: absolute, packageDir: nearestPackageDir(absolute) };
  if (isDir(absolute)) {
    const hasManifest = isFile(join(absolute, 'package.json'));
    return {
      spec,
      origin,
      entry: hasManifest ? packageEntry(absolute, spec) : folderIndex(absolute, spec),
      packageDir: hasManifest ? absolute : nearestPackageDir(absolute),
    };
  }
  throw new PluginError(`plugin ${spec}: no such file or folder (${absolute})`, spec);
}

/** The closest folder at or above `path` with a package.json. */
export function nearestPackageDir(path: string): string | undefined {
  let dir = isDir(path) ? path : dirname(path);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The folder of package `name` in a node_modules at or above `from`. */
function findPackage(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (isFile(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Resolves a plugin spec: a path (`./x.ts`, `/abs/dir`, `~/p`, anything with a slash or a
 * `.js`/`.ts` extension) relative to `baseDir`; else a plugin of the project's own `plugins/`
 * folder by name; else an npm package installed at or above `baseDir` (or beside sshd-kit).
 */
export function resolvePluginSpec(spec: string, baseDir: string): ResolvedPluginSpec {
  if (isPathSpec(spec)) {
    const expanded = spec === '~' || /^~[\\/]/.test(spec) ? join(homedir(), spec.slice(1)) : spec;
    return fromPath(spec, resolve(baseDir, expanded), 'path');
  }
  const project = join(projectPluginsDir(), spec);
  if (isDir(project)) return fromPath(spec, project, 'project');
  const pkg = findPackage(spec, baseDir) ?? findPackage(spec, sshdKitRoot());
  if (pkg) return { spec, origin: 'package', entry: packageEntry(pkg, spec), packageDir: pkg };
  throw new PluginError(
    `plugin ${spec}: not found (no folder ${spec} in ${projectPluginsDir()}, and no npm package ` +
      `${spec} installed; npm install ${spec}, or give a path such as ./${spec})`,
    spec,
  );
}
