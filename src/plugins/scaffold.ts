import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { sshdKitRoot } from './resolve.js';
import { pluginLockfile, type PluginLockRequest } from './scaffold-lockfile.js';

/** What `sshd-kit plugin new --kind` can generate. */
export const PLUGIN_KINDS = ['subsystem', 'channel', 'exec', 'shell'] as const;
/** One of {@link PLUGIN_KINDS}. */
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/** What to generate. */
export interface ScaffoldRequest {
  /** The package and plugin name (npm rules: lowercase letters, digits, `.`, `_`, `-`). */
  readonly name: string;
  readonly kind: PluginKind;
  /** The domain of wire names the plugin defines (`<name>@<domain>`, RFC 4250 §4.6.1). */
  readonly domain: string;
  /** The folder to create (must not exist, or be empty). */
  readonly outDir: string;
}

/** What was generated. */
export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  readonly kind: PluginKind;
  /** The subsystem or channel type name, or the shell handler's name. */
  readonly wireName: string;
  /** Files written, relative to `dir`. */
  readonly files: readonly string[];
}

/** Checks a plugin package name: true, or what is wrong with it. */
export function checkPluginName(name: string): true | string {
  if (!/^[a-z0-9][a-z0-9._-]{0,49}$/.test(name))
    return 'use lowercase letters, digits, ".", "_" and "-" (starting with a letter or digit, up to 50)';
  if (name === 'node_modules' || name === 'sshd-kit') return `"${name}" is taken`;
  return true;
}

/** Checks a domain for `name@domain` wire names: true, or what is wrong with it. */
export function checkDomain(domain: string): true | string {
  return /^(?=.{1,64}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
    domain,
  )
    ? true
    : 'use a domain name such as example.com';
}

/** The folder of the plugin templates of this installation. */
export function pluginTemplatesDir(): string {
  return join(sshdKitRoot(), 'templates', 'plugin');
}

/**
 * Replaces every `{{key}}` in `text` with `vars[key]`. A placeholder without a value is an error
 * (a template and its renderer out of step), never silently left in the output.
 */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g, (_m, key: string) => {
    const value = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return value;
  });
}

/** The version of a package installed beside sshd-kit, else its range in our package.json. */
function versionOf(pkg: string, fallback: string): string {
  const root = sshdKitRoot();
  try {
    const installed = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (installed.version) return installed.version;
  } catch {
    // not installed here: fall back to our own declared range
  }
  try {
    const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    return own['dependencies']?.[pkg] ?? own['devDependencies']?.[pkg] ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * The generated package's devDependencies: sshd-kit from this installation (a `file:` link, so
 * `npm install` works before sshd-kit is published), and the tools at the versions installed
 * here, whose tarballs npm's cache already holds (the generated lockfile pins them).
 */
function devDependencies(kind: PluginKind): Record<string, string> {
  const deps: Record<string, string> = {
    '@types/node': versionOf('@types/node', '^20'),
    'sshd-kit': `file:${sshdKitRoot().replace(/[\\/]$/, '')}`,
    tsx: versionOf('tsx', '^4'),
    typescript: versionOf('typescript', '^5.9'),
  };
  if (kind === 'channel') {
    deps['ssh2'] = versionOf('ssh2', '^1.17');
    deps['@types/ssh2'] = versionOf('@types/ssh2', '^1.15');
  }
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
}

const DESCRIPTIONS: Readonly<Record<PluginKind, (wire: string) => string>> = {
  subsystem: (w) => `the ${w} subsystem`,
  channel: (w) => `the ${w} channel type`,
  exec: () => 'exec commands from a table, never through a shell',
  shell: () => 'an interactive shell program',
};

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** A template's output name: `.tmpl` dropped, `dot-x` becomes `.x` (npm drops dotfiles from packages). */
function outputName(file: string): string {
  return file
    .replace(/\.tmpl$/, '')
    .split('/')
    .map((part) => part.replace(/^dot-/, '.'))
    .join('/');
}

/**
 * Renders `templates/plugin/` into a new plugin package: the shared files (`base/`) and the
 * kind's own (`<kind>/`), whose `usage.md` becomes part of the README, and a package-lock.json
 * taken from this installation's tree when it holds every tool. Refuses a folder that exists and
 * is not empty.
 */
export async function scaffoldPlugin(request: ScaffoldRequest): Promise<ScaffoldResult> {
  const { name, kind, domain, outDir } = request;
  const nameOk = checkPluginName(name);
  if (nameOk !== true) throw new Error(`plugin name "${name}": ${nameOk}`);
  const domainOk = checkDomain(domain);
  if (domainOk !== true) throw new Error(`domain "${domain}": ${domainOk}`);
  if (existsSync(outDir) && (await readdir(outDir)).length > 0)
    throw new Error(`${outDir} already exists and is not empty: choose another --out`);
  const templates = pluginTemplatesDir();
  const wireName = kind === 'subsystem' || kind === 'channel' ? `${name}@${domain}` : name;
  const vars: Record<string, string> = {
    name,
    kind,
    wireName,
    description: DESCRIPTIONS[kind](wireName),
    sshdKitRoot: sshdKitRoot().replace(/[\\/]$/, ''),
    devDependencies: JSON.stringify(devDependencies(kind), null, 2).replace(/\n/g, '\n  '),
  };
  vars['usage'] = renderTemplate(await readFile(join(templates, kind, 'usage.md'), 'utf8'), vars).trimEnd();
  const sources = [
    ...(await listFiles(join(templates, 'base'))).map((f) => ({ from: join(templates, 'base', f), to: f })),
    ...(await listFiles(join(templates, kind)))
      .filter((f) => f.endsWith('.tmpl'))
      .map((f) => ({ from: join(templates, kind, f), to: f })),
  ];
  const files: string[] = [];
  for (const { from, to } of sources) {
    const target = join(outDir, outputName(to));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, renderTemplate(await readFile(from, 'utf8'), vars), { flag: 'wx' });
    files.push(outputName(to));
  }
  const manifest = JSON.parse(
    await readFile(join(outDir, 'package.json'), 'utf8'),
  ) as PluginLockRequest['manifest'];
  const lockfile = pluginLockfile({ dir: outDir, manifest, sshdKitRoot: vars['sshdKitRoot'] as string });
  if (lockfile !== undefined) {
    await writeFile(join(outDir, 'package-lock.json'), lockfile, { flag: 'wx' });
    files.push('package-lock.json');
  }
  return { dir: outDir, name, kind, wireName, files: files.sort() };
}
