import type { Logger } from '../log/logger.js';
import type { InstalledPlugin, PluginHost, PluginRegistrations } from './host.js';
import { loadPlugins, reloadPlugins, type PluginLoadReport, type PluginSpecInput } from './loader.js';
import { errorText } from './validate.js';

/** How `sshd-kit serve` loads its plugins. */
export interface ServePluginsOptions {
  /** The server's plugin host (`SshServer.plugins`). */
  readonly host: PluginHost;
  /** The config's `plugins` plus `--plugin` flags. */
  readonly specs: readonly PluginSpecInput[];
  readonly log: Logger;
  /** Relative plugin paths are resolved against this folder. */
  readonly baseDir: string;
  /** Reads the plugin list again for a reload (the config file may have changed). */
  readonly reloadSpecs?: () => Promise<readonly PluginSpecInput[]>;
}

/** The plugins of a running `serve`. */
export interface ServePlugins {
  /** Loads the plugins again (SIGHUP): see {@link reloadPlugins}. Never throws; logs instead. */
  reload(): Promise<void>;
}

const LABELS: Readonly<Record<keyof PluginRegistrations, string>> = {
  channelTypes: 'channel types',
  subsystems: 'subsystems',
  globalRequests: 'global requests',
  shells: 'shell handlers',
  sessionRequests: 'session requests',
  events: 'events',
};

/** What a plugin registered, as one line: `subsystems echo@sshd-kit; events channel.open`. */
export function describeRegistrations(r: PluginRegistrations): string {
  const parts = (Object.keys(LABELS) as (keyof PluginRegistrations)[])
    .filter((k) => r[k].length > 0)
    .map((k) => `${LABELS[k]} ${r[k].join(', ')}`);
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

function logPlugins(log: Logger, plugins: readonly InstalledPlugin[]): void {
  for (const p of plugins) {
    log.info(
      {
        plugin: p.name,
        source: p.source,
        ...(p.entry ? { entry: p.entry } : {}),
        registered: Object.fromEntries(
          Object.entries(p.registrations).filter(([, names]) => names.length > 0),
        ),
      },
      `plugin ${p.name} (${p.builtin ? 'built-in' : p.source}): ${describeRegistrations(p.registrations)}`,
    );
  }
}

function logSkipped(log: Logger, report: PluginLoadReport): void {
  if (report.skipped.length > 0)
    log.warn({ skipped: report.skipped.map((s) => s.spec) }, `${report.skipped.length} plugin(s) not loaded`);
}

/**
 * Loads the configured plugins into a server for `sshd-kit serve` and logs every plugin (the
 * built-ins too) with what it registered. A plugin that fails to load throws a one-line
 * `PluginError` (serve stops); an optional one is skipped with a warning.
 */
export async function startServePlugins(options: ServePluginsOptions): Promise<ServePlugins> {
  const { host, log } = options;
  const loader = { baseDir: options.baseDir, log };
  const report = await loadPlugins(host, options.specs, loader);
  logPlugins(log, host.list());
  logSkipped(log, report);
  let chain: Promise<void> = Promise.resolve();
  const reloadOnce = async (): Promise<void> => {
    log.info({}, 'reloading plugins');
    let specs = options.specs;
    try {
      if (options.reloadSpecs) specs = await options.reloadSpecs();
    } catch (err) {
      log.error({ reason: errorText(err) }, `plugins not reloaded: ${errorText(err)}`);
      return;
    }
    try {
      const again = await reloadPlugins(host, specs, loader);
      logPlugins(log, again.installed);
      logSkipped(log, again);
      log.info({ plugins: again.installed.map((p) => p.name) }, 'plugins reloaded');
    } catch (err) {
      log.error({ reason: errorText(err) }, `plugins not reloaded, the loaded ones stay: ${errorText(err)}`);
    }
  };
  return {
    // Reloads run one after another, however fast the signals come.
    reload: () => (chain = chain.then(reloadOnce)),
  };
}
