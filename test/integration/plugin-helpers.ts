// Shared pieces of the plugin tests: a log that keeps its lines (to check that failures name
// their plugin), a session server with plugins loaded through the real loader, and the build
// the plugins need (they import `sshd-kit`, which resolves to this package's dist/).
import type { LogBindings, Logger } from '../../src/log/logger.js';
import { loadPlugins, type PluginLoadReport, type PluginSpecInput } from '../../src/plugins/loader.js';
import type { SshServerOptions } from '../../src/server/server.js';
import { ensureBuilt, REPO_ROOT } from '../cli/helpers.js';
import { startSessionServer, type SessionServer } from './session-helpers.js';

/** One logged line: its level, message and every binding and field. */
export interface LogLine {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that keeps every line in `lines`. */
export function memoryLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (bindings: LogBindings): Logger => {
    const at =
      (level: LogLine['level']) =>
      (fields: object, msg?: string): void =>
        void lines.push({ level, msg, fields: { ...bindings, ...fields } });
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return Object.assign(make({}), { lines });
}

/** The error lines that name `plugin`. */
export function errorsOf(log: { lines: readonly LogLine[] }, plugin: string): LogLine[] {
  return log.lines.filter(
    (l) => (l.level === 'error' || l.level === 'warn') && l.fields['plugin'] === plugin,
  );
}

/** A session server (alice, sftp-only bob, forced-command carol) with plugins loaded. */
export interface PluginServer extends SessionServer {
  readonly log: ReturnType<typeof memoryLogger>;
  readonly report: PluginLoadReport;
}

/** Builds dist/ if needed (plugins import `sshd-kit` from it). Call in beforeAll. */
export async function preparePlugins(): Promise<void> {
  await ensureBuilt();
}

/** Starts a session server and loads `specs` into it with the real loader (paths relative to the repo). */
export async function startPluginServer(
  specs: readonly PluginSpecInput[],
  server: Partial<SshServerOptions> = {},
): Promise<PluginServer> {
  const log = memoryLogger();
  const ts = await startSessionServer({ server: { log, ...server } });
  try {
    const report = await loadPlugins(ts.server.plugins, specs, { baseDir: REPO_ROOT, log });
    return { ...ts, log, report };
  } catch (err) {
    await ts.close();
    throw err;
  }
}
