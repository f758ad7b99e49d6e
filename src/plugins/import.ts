import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sshdKitRoot, type ResolvedPluginSpec } from './resolve.js';
import { errorText, PluginError } from './validate.js';

/**
 * How plugin modules are imported. Node 20 cannot run TypeScript, so TypeScript plugins are
 * compiled as they load, by tsx (esbuild): `tsImport` gives every load its own module namespace,
 * so a reload re-evaluates every file of the plugin, not just its entry. JavaScript plugins go
 * through tsx too when it is installed (for the same fresh reloads), else through Node's own
 * `import()` with a query that makes the entry module new.
 */

/** Module file extensions that need compiling. */
const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/;

type TsImport = (
  specifier: string,
  options: { parentURL: string; tsconfig?: string | false },
) => Promise<unknown>;

/** Loads tsx's `tsImport`, or undefined when tsx is not installed. */
async function loadTsImport(): Promise<TsImport | undefined> {
  try {
    const api = (await import('tsx/esm/api')) as { tsImport: TsImport };
    return api.tsImport;
  } catch {
    return undefined;
  }
}

/**
 * The plugin's own tsconfig.json (between its entry and its package folder), if any. sshd-kit's
 * own tsconfig is never used for the project's plugins: it maps `sshd-kit` to the TypeScript
 * sources for type checking, while a plugin at run time imports the built package like any other.
 */
function pluginTsconfig(resolved: ResolvedPluginSpec): string | false {
  const root = sshdKitRoot().replace(/[\\/]$/, '');
  let dir = dirname(resolved.entry);
  const stop = resolved.packageDir ?? dir;
  for (;;) {
    if (dir === root) return false;
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dir === stop || dirname(dir) === dir) return false;
    dir = dirname(dir);
  }
}

/** Imports a plugin's entry module afresh (a reload must not get the cached module back). */
export async function importPluginModule(resolved: ResolvedPluginSpec): Promise<unknown> {
  const url = pathToFileURL(resolved.entry).href;
  const tsImport = await loadTsImport();
  try {
    if (tsImport) return await tsImport(url, { parentURL: url, tsconfig: pluginTsconfig(resolved) });
    if (TYPESCRIPT.test(resolved.entry)) {
      throw new PluginError(
        `plugin ${resolved.spec}: ${resolved.entry} is TypeScript, and loading TypeScript needs the tsx ` +
          'package (npm install tsx beside sshd-kit), or build the plugin to JavaScript',
        resolved.spec,
      );
    }
    return await import(`${url}?sshd-kit-load=${randomUUID()}`);
  } catch (err) {
    if (err instanceof PluginError) throw err;
    throw new PluginError(
      `plugin ${resolved.spec}: cannot import ${resolved.entry}: ${errorText(err)}`,
      resolved.spec,
      {
        cause: err,
      },
    );
  }
}
