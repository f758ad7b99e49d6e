import { silentLogger } from '../log/logger.js';
import { forwardingPlugin, sessionPlugin, sftpPlugin } from './builtins/index.js';
import { ServerEventEmitter } from './events.js';
import { createHandlerRegistries, PluginHost, type PluginRegistrations } from './host.js';
import { loadPlugins, type PluginSpecInput } from './loader.js';

/** One plugin as `sshd-kit plugin list` shows it. */
export interface PluginListing {
  /** The plugin's name; undefined when it could not be loaded. */
  readonly name: string | undefined;
  /** `built-in`, or the spec it was listed as. */
  readonly source: string;
  readonly entry: string | undefined;
  readonly builtin: boolean;
  readonly description: string | undefined;
  /** `loaded`; `skipped` (optional and failed); `failed` (serve would stop). */
  readonly status: 'loaded' | 'skipped' | 'failed';
  readonly registrations: PluginRegistrations | undefined;
  readonly error: string | undefined;
}

/**
 * Loads the built-ins and `specs` into a server-less plugin host, one by one, to report what a
 * server would load and what each plugin registers; then disposes them all. A plugin that fails
 * is reported, not thrown.
 */
export async function listPlugins(
  specs: readonly PluginSpecInput[],
  options: { readonly baseDir: string },
): Promise<PluginListing[]> {
  const registries = createHandlerRegistries();
  const host = new PluginHost({
    registries,
    events: new ServerEventEmitter(silentLogger),
    log: silentLogger,
  });
  const builtin = { source: 'built-in', builtin: true } as const;
  host.installSync(sessionPlugin(registries), builtin);
  host.installSync(sftpPlugin({ serverVersion: 'SSH-2.0-sshd-kit' }), builtin);
  host.installSync(
    forwardingPlugin(registries, undefined, () => undefined),
    builtin,
  );
  const failures: PluginListing[] = [];
  try {
    for (const spec of specs) {
      const report = await loadPlugins(host, [{ ...spec, optional: true }], {
        baseDir: options.baseDir,
        log: silentLogger,
      });
      const skipped = report.skipped[0];
      if (skipped) {
        failures.push({
          name: undefined,
          source: spec.path,
          entry: undefined,
          builtin: false,
          description: undefined,
          status: spec.optional ? 'skipped' : 'failed',
          registrations: undefined,
          error: skipped.reason,
        });
      }
    }
    const loaded: PluginListing[] = host.list().map((p) => ({
      name: p.name,
      source: p.source,
      entry: p.entry,
      builtin: p.builtin,
      description: p.description,
      status: 'loaded',
      registrations: p.registrations,
      error: undefined,
    }));
    // In the order of the config: built-ins, then each spec whether it loaded or not.
    const order = (l: PluginListing) => (l.builtin ? -1 : specs.findIndex((s) => s.path === l.source));
    return [...loaded, ...failures].sort((a, b) => order(a) - order(b));
  } finally {
    await host.uninstallAll();
  }
}
