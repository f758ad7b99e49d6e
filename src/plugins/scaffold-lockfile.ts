import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One entry of a lockfile's `packages` map (npm lockfile v3); only the fields read here are typed. */
type LockEntry = Record<string, unknown> & {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

/** Dependency flags npm derives from the tree; recomputed for the plugin's tree. */
const TREE_FLAGS = ['dev', 'optional', 'devOptional', 'peer', 'extraneous', 'inBundle'];

/** The `packages` map of the lockfile installed beside sshd-kit: its own, else npm's hidden one. */
function installedLock(root: string): Record<string, LockEntry> | undefined {
  for (const file of [join(root, 'package-lock.json'), join(root, 'node_modules', '.package-lock.json')]) {
    if (!existsSync(file)) continue;
    try {
      const lock = JSON.parse(readFileSync(file, 'utf8')) as {
        lockfileVersion?: number;
        packages?: Record<string, LockEntry>;
      };
      if ((lock.lockfileVersion ?? 0) >= 2 && lock.packages) return lock.packages;
    } catch {
      // unreadable: try the next, else write no lockfile
    }
  }
  return undefined;
}

/** Where Node's resolution finds `dep` required from the package at `from` (`node_modules/a/...`). */
function resolveIn(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${dep}` : `${dir}/node_modules/${dep}`;
    if (packages[candidate] && !packages[candidate].link) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** The edges npm installs for an entry: each dependency name, and whether a missing one is fine. */
function edgesOf(entry: LockEntry): Array<[name: string, optional: boolean]> {
  const peersOptional = entry.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
    ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [
      n,
      peersOptional[n]?.optional === true,
    ]),
  ];
}

/**
 * The lockfile entry of the linked sshd-kit itself, as npm records it: its own lockfile's root
 * entry when it has one (a checkout), else fields of its package.json; plus whether it has install
 * scripts (npm's rule: an install hook, or a binding.gyp that npm would build).
 */
function linkTarget(packages: Record<string, LockEntry>, root: string): Record<string, unknown> {
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const fields = ['name', 'version', 'license', 'dependencies', 'optionalDependencies', 'bin', 'engines'];
  const entry =
    packages[''] ?? Object.fromEntries(fields.filter((f) => own[f] !== undefined).map((f) => [f, own[f]]));
  const scripts = (own['scripts'] ?? {}) as Record<string, unknown>;
  const installs =
    ['preinstall', 'install', 'postinstall'].some((s) => s in scripts) ||
    existsSync(join(root, 'binding.gyp'));
  return installs ? { ...entry, hasInstallScript: true } : entry;
}

/** What {@link pluginLockfile} needs to know about the generated package. */
export interface PluginLockRequest {
  /** The generated package's folder (the lockfile's paths are relative to it). */
  readonly dir: string;
  /** Its package.json: registry devDependencies at exact versions, and `sshd-kit` as `file:`. */
  readonly manifest: {
    readonly name: string;
    readonly version: string;
    readonly devDependencies: Readonly<Record<string, string>>;
    readonly engines?: Readonly<Record<string, string>>;
  };
  /** The root of the sshd-kit installation that `sshd-kit` links to. */
  readonly sshdKitRoot: string;
}

/**
 * A `package-lock.json` (v3) for a generated plugin, taken from the lockfile installed beside
 * sshd-kit: the exact packages, paths and integrity hashes already in npm's cache, so that
 * `npm install --offline` needs no registry metadata (npm caches tarballs, not the metadata it
 * would fetch to resolve versions without a lockfile). Undefined when any package is not in that
 * tree at the pinned version; npm then resolves everything itself, as without a lockfile.
 */
export function pluginLockfile(request: PluginLockRequest): string | undefined {
  const packages = installedLock(request.sshdKitRoot);
  if (!packages) return undefined;
  // Breadth-first from the generated devDependencies; `required` records whether some path to a
  // package runs only over non-optional edges (else npm marks it optional as well as dev).
  const required = new Map<string, boolean>();
  const queue: Array<[path: string, viaRequired: boolean]> = [];
  const { name, version, devDependencies, engines } = request.manifest;
  for (const [dep, spec] of Object.entries(devDependencies)) {
    if (dep === 'sshd-kit') continue;
    const path = `node_modules/${dep}`;
    if (packages[path]?.version !== spec || packages[path]?.link) return undefined;
    queue.push([path, true]);
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [path, viaRequired] = next;
    const seen = required.get(path);
    if (seen === true || (seen === false && !viaRequired)) continue;
    required.set(path, viaRequired);
    for (const [dep, optional] of edgesOf(packages[path] as LockEntry)) {
      const found = resolveIn(packages, path, dep);
      if (found) queue.push([found, viaRequired && !optional]);
      else if (!optional) return undefined;
    }
  }
  const link = relative(request.dir, request.sshdKitRoot).split('\\').join('/') || '.';
  const entries: Record<string, unknown> = {
    '': { name, version, devDependencies, ...(engines ? { engines } : {}) },
    [link]: { ...linkTarget(packages, request.sshdKitRoot), dev: true },
    'node_modules/sshd-kit': { resolved: link, link: true },
  };
  for (const path of [...required.keys()].sort()) {
    const entry = Object.fromEntries(
      Object.entries(packages[path] as LockEntry).filter(([k]) => !TREE_FLAGS.includes(k)),
    );
    entries[path] = { ...entry, dev: true, ...(required.get(path) ? {} : { optional: true }) };
  }
  const lock = { name, version, lockfileVersion: 3, requires: true, packages: entries };
  return `${JSON.stringify(lock, null, 2)}\n`;
}
