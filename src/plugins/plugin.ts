import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import type { ShellHandler, SubsystemHandler } from '../session/types.js';
import type { ServerEventMap, TypedEvents } from './events.js';

/** The plugin API version this server implements; a plugin declares the one it was written for. */
export const PLUGIN_API_VERSION = 1 as const;

/**
 * A plugin's view of one handler registry (channel types, subsystems, global requests or shell
 * handlers). Everything added is owned by the plugin: removed when it is disposed or reloaded,
 * and named in logs and collision errors (style-study S5).
 */
export interface PluginRegistry<H extends { readonly name: string }> {
  /**
   * Adds a handler under `handler.name`. A name another plugin (or a built-in) holds is refused
   * naming both, unless `replace` is set: then this handler takes over, and the previous one comes
   * back when this plugin is unloaded.
   */
  add(handler: H, options?: { readonly replace?: boolean }): void;
  /** The handler registered under `name` by anyone, if any. */
  get(name: string): H | undefined;
  /** Every registered handler with its owner (a plugin's name), in registration order. */
  list(): readonly { readonly name: string; readonly owner: string }[];
}

/** What a plugin's `setup` receives: its logger, its options, and registries scoped to it. */
export interface PluginContext {
  /** The plugin's name. */
  readonly name: string;
  /** A logger whose every line carries `plugin: <name>`. */
  readonly log: Logger;
  /** The plugin's own section of the config (`plugins: [{ path, options }]`), or `{}`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Channel types (RFC 4254 §5.1), e.g. `chat@example.com`. */
  readonly channelTypes: PluginRegistry<ChannelTypeHandler>;
  /** Subsystems of the `session` channel (RFC 4254 §6.5), e.g. `echo@example.com`. */
  readonly subsystems: PluginRegistry<SubsystemHandler>;
  /** Global requests (RFC 4254 §4), e.g. `stats@example.com`. */
  readonly globalRequests: PluginRegistry<GlobalRequestHandler>;
  /** `shell`/`exec` handlers of the `session` channel, tried in registration order before a process. */
  readonly shells: PluginRegistry<ShellHandler>;
  /** Server events; subscriptions end when the plugin is disposed. */
  readonly events: TypedEvents<ServerEventMap>;
  /** Aborted when the plugin is disposed (reload or shutdown): stop timers and background work. */
  readonly signal: AbortSignal;
}

/**
 * A runtime plugin (style-study S5): a module's default export, loaded by `sshd-kit serve` from
 * the project's `plugins/` folder, a path or an npm package. `setup` registers handlers through
 * its context; `dispose` releases what `setup` acquired (the registrations themselves are removed
 * by the server). Handlers keep serving the channels they accepted after a reload.
 */
export interface SshdPlugin {
  /** Unique among the loaded plugins: letters, digits and `._@/-`, up to 64 characters. */
  readonly name: string;
  /** The plugin API the plugin was written for; the loader refuses any other. */
  readonly apiVersion: typeof PLUGIN_API_VERSION;
  /** One line saying what the plugin adds (shown by `sshd-kit plugin list`). */
  readonly description?: string;
  setup(ctx: PluginContext): void | Promise<void>;
  dispose?(): void | Promise<void>;
}

/**
 * Declares a plugin. It returns its argument unchanged; its use is type inference and checking
 * in editors (the loader validates the object again at run time).
 */
export function definePlugin<P extends SshdPlugin>(plugin: P): P {
  return plugin;
}

/** The shape rule for plugin names. */
export const PLUGIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@/-]{0,63}$/;
