import type { Logger } from '../log/logger.js';
import type { InstalledPlugin, PluginHost } from './host.js';
import { importPluginModule } from './import.js';
import type { SshdPlugin } from './plugin.js';
import { resolvePluginSpec, type ResolvedPluginSpec } from './resolve.js';
import { errorText, pluginFromModule, PluginError } from './validate.js';

/** One entry of the config's `plugins` list (or a `--plugin` flag). */
export interface PluginSpecInput {
  /** A path, a name in the project's `plugins/` folder, or an npm package name. */
  readonly path: string;
  /** Skip the plugin with a warning when it cannot be loaded, instead of failing. */
  readonly optional?: boolean;
  /** The plugin's own config section, handed to it as `ctx.options`. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** How the loader finds and reports plugins. */
export interface LoaderOptions {
  /** Relative paths are resolved against this folder (the working directory). */
  readonly baseDir: string;
  readonly log: Logger;
}

/** A plugin module imported and checked, ready to install. */
export interface ImportedPlugin {
  readonly spec: PluginSpecInput;
  readonly resolved: ResolvedPluginSpec;
  readonly plugin: SshdPlugin;
}

/** A plugin that was left out because it is optional and failed. */
export interface SkippedPlugin {
  readonly spec: string;
  readonly reason: string;
}

/** What a load did. */
export interface PluginLoadReport {
  readonly installed: readonly InstalledPlugin[];
  readonly skipped: readonly SkippedPlugin[];
}

function skip(spec: PluginSpecInput, err: unknown, log: Logger): SkippedPlugin {
  const reason = errorText(err);
  log.warn({ plugin: spec.path, reason }, `optional plugin skipped: ${reason}`);
  return { spec: spec.path, reason };
}

/**
 * Resolves, imports and checks every spec, in order, without installing anything. A failure of
 * a plugin that is not optional throws a {@link PluginError}; optional ones are skipped with a
 * warning.
 */
export async function importPlugins(
  specs: readonly PluginSpecInput[],
  options: LoaderOptions,
): Promise<{ imported: ImportedPlugin[]; skipped: SkippedPlugin[] }> {
  const imported: ImportedPlugin[] = [];
  const skipped: SkippedPlugin[] = [];
  for (const spec of specs) {
    try {
      const resolved = resolvePluginSpec(spec.path, options.baseDir);
      const module = await importPluginModule(resolved);
      imported.push({ spec, resolved, plugin: pluginFromModule(module, spec.path) });
    } catch (err) {
      if (!spec.optional) throw asPluginError(spec, err);
      skipped.push(skip(spec, err, options.log));
    }
  }
  return { imported, skipped };
}

function asPluginError(spec: PluginSpecInput, err: unknown): PluginError {
  if (err instanceof PluginError) return err;
  return new PluginError(`plugin ${spec.path}: ${errorText(err)}`, spec.path, { cause: err });
}

async function installOne(host: PluginHost, p: ImportedPlugin): Promise<InstalledPlugin> {
  return host.install(p.plugin, {
    options: p.spec.options ?? {},
    source: p.spec.path,
    entry: p.resolved.entry,
  });
}

/**
 * Loads plugins into `host`: imports them all, then installs them in order. When one that is not
 * optional fails, the plugins this call installed are uninstalled again and the error is thrown.
 */
export async function loadPlugins(
  host: PluginHost,
  specs: readonly PluginSpecInput[],
  options: LoaderOptions,
): Promise<PluginLoadReport> {
  const { imported, skipped } = await importPlugins(specs, options);
  const installed: InstalledPlugin[] = [];
  for (const p of imported) {
    try {
      installed.push(await installOne(host, p));
    } catch (err) {
      if (!p.spec.optional) {
        for (const done of installed.reverse()) await host.uninstall(done.name);
        throw asPluginError(p.spec, err);
      }
      skipped.push(skip(p.spec, err, options.log));
    }
  }
  return { installed, skipped };
}

/**
 * Reloads the plugins that are not built-ins (SIGHUP): imports the new set first, and only when
 * that works disposes the old plugins, removes their registrations and installs the new ones.
 * Channels the old handlers accepted keep running. A plugin that fails to set up is logged and
 * left out; nothing here throws except an import failure, which leaves the old plugins in place.
 */
export async function reloadPlugins(
  host: PluginHost,
  specs: readonly PluginSpecInput[],
  options: LoaderOptions,
): Promise<PluginLoadReport> {
  const { imported, skipped } = await importPlugins(specs, options);
  await host.uninstallLoaded();
  const installed: InstalledPlugin[] = [];
  for (const p of imported) {
    try {
      installed.push(await installOne(host, p));
    } catch (err) {
      const reason = errorText(err);
      if (p.spec.optional) skipped.push(skip(p.spec, err, options.log));
      else {
        options.log.error({ plugin: p.plugin.name, reason }, `plugin not reloaded: ${reason}`);
        skipped.push({ spec: p.spec.path, reason });
      }
    }
  }
  return { installed, skipped };
}
