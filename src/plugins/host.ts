import { HandlerRegistry } from '../connection/handler-registry.js';
import type { ChannelTypeHandler, GlobalRequestHandler } from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import type { SessionRequestHandler, ShellHandler, SubsystemHandler } from '../session/types.js';
import { withTimeout } from '../util/with-timeout.js';
import {
  checkHandlerShape,
  containHandler,
  REGISTRY_KINDS,
  type HandlerKinds,
  type RegistryKind,
} from './containment.js';
import type { ServerEventEmitter, ServerEventMap } from './events.js';
import type { PluginContext, PluginRegistry, SshdPlugin } from './plugin.js';
import { errorText, PluginError, validatePlugin } from './validate.js';

/**
 * The server registries a {@link PluginHost} installs into. `sessionRequests` is not offered to
 * plugins; the forwarding built-in registers agent requests there, and the host cleans it up.
 */
export type PluginTargetRegistries = {
  readonly [K in RegistryKind]: HandlerRegistry<HandlerKinds[K]>;
} & { readonly sessionRequests?: HandlerRegistry<SessionRequestHandler> };

/** A fresh, empty set of the registries a server dispatches through, for a host without a server. */
export function createHandlerRegistries() {
  return {
    channelTypes: new HandlerRegistry<ChannelTypeHandler>('channel type'),
    globalRequests: new HandlerRegistry<GlobalRequestHandler>('global request'),
    subsystems: new HandlerRegistry<SubsystemHandler>('subsystem'),
    shells: new HandlerRegistry<ShellHandler>('shell'),
    sessionRequests: new HandlerRegistry<SessionRequestHandler>('session request'),
  };
}

/** How a {@link PluginHost} is set up. */
export interface PluginHostOptions {
  readonly registries: PluginTargetRegistries;
  readonly events: ServerEventEmitter;
  readonly log: Logger;
  /** Milliseconds `setup` and `dispose` may take (default 30 s). */
  readonly setupTimeoutMs?: number;
  /** Milliseconds a shell handler may take to accept or decline (default 10 s). */
  readonly decideTimeoutMs?: number;
}

/** How one plugin is installed. */
export interface InstallOptions {
  /** The plugin's config section. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Where it came from, for listings and messages: a path, a package, or `built-in`. */
  readonly source?: string;
  /** The module file it was imported from. */
  readonly entry?: string;
  /** Compiled into sshd-kit (session, sftp, forwarding); kept across reloads. */
  readonly builtin?: boolean;
}

/** What one plugin registered, by registry, plus the events it listens to. */
export type PluginRegistrations = { readonly [K in RegistryKind]: readonly string[] } & {
  /** Session requests (built-ins only, e.g. `auth-agent-req@openssh.com`). */
  readonly sessionRequests: readonly string[];
  readonly events: readonly string[];
};

/** A plugin as the server runs it. */
export interface InstalledPlugin {
  readonly name: string;
  readonly description: string | undefined;
  readonly source: string;
  readonly entry: string | undefined;
  readonly builtin: boolean;
  readonly registrations: PluginRegistrations;
}

interface Replaced {
  readonly kind: RegistryKind;
  readonly name: string;
  readonly handler: HandlerKinds[RegistryKind];
  readonly owner: string;
}

interface PluginState {
  readonly plugin: SshdPlugin;
  readonly source: string;
  readonly entry: string | undefined;
  readonly builtin: boolean;
  readonly abort: AbortController;
  readonly unsubscribe: (() => void)[];
  readonly events: Set<string>;
  readonly replaced: Replaced[];
  disposed: boolean;
}

/**
 * Installs plugins into a server's registries, each with a {@link PluginContext} scoped to it, and
 * uninstalls them by owner. Every plugin goes through the same path, the built-ins included. A
 * plugin whose `setup` fails leaves nothing behind.
 */
export class PluginHost {
  private readonly plugins = new Map<string, PluginState>();
  /** Every plugin name ever installed here, to tell plugin owners from others. */
  private readonly knownOwners = new Set<string>();
  private readonly setupTimeoutMs: number;
  private readonly decideTimeoutMs: number;

  constructor(private readonly options: PluginHostOptions) {
    this.setupTimeoutMs = options.setupTimeoutMs ?? 30_000;
    this.decideTimeoutMs = options.decideTimeoutMs ?? 10_000;
  }

  /** Installs `plugin`: validates it, runs `setup`, and rolls everything back if that fails. */
  async install(plugin: SshdPlugin, options: InstallOptions = {}): Promise<InstalledPlugin> {
    const state = this.begin(plugin, options);
    const { name } = state.plugin;
    try {
      await withTimeout(
        Promise.resolve().then(() => state.plugin.setup(this.contextFor(state, options))),
        this.setupTimeoutMs,
        `setup of plugin ${name}`,
      );
    } catch (err) {
      await this.remove(state);
      throw new PluginError(`plugin ${name} (${state.source}): setup failed: ${errorText(err)}`, name, {
        cause: err,
      });
    }
    this.options.log.debug({ plugin: name, source: state.source }, 'plugin installed');
    return this.describe(state);
  }

  /** Installs a plugin whose `setup` is synchronous (the built-ins, from a server's constructor). */
  installSync(plugin: SshdPlugin, options: InstallOptions = {}): InstalledPlugin {
    const state = this.begin(plugin, options);
    const { name } = state.plugin;
    let result: unknown;
    try {
      result = state.plugin.setup(this.contextFor(state, options));
      if (result instanceof Promise) throw new Error('setup returned a promise; install it with install()');
    } catch (err) {
      void this.remove(state);
      if (result instanceof Promise) result.catch(() => undefined);
      throw new PluginError(`plugin ${name} (${state.source}): setup failed: ${errorText(err)}`, name, {
        cause: err,
      });
    }
    return this.describe(state);
  }

  /** Removes a plugin's registrations and subscriptions, then calls its `dispose`. */
  async uninstall(name: string): Promise<void> {
    const state = this.plugins.get(name);
    if (state) await this.remove(state);
  }

  /** Uninstalls every plugin that is not a built-in (before loading them again), newest first. */
  async uninstallLoaded(): Promise<void> {
    for (const state of [...this.plugins.values()].reverse()) if (!state.builtin) await this.remove(state);
  }

  /** Uninstalls everything, newest first (server shutdown). */
  async uninstallAll(): Promise<void> {
    for (const state of [...this.plugins.values()].reverse()) await this.remove(state);
  }

  /** The installed plugins, in installation order. */
  list(): readonly InstalledPlugin[] {
    return [...this.plugins.values()].map((s) => this.describe(s));
  }

  /** One installed plugin. */
  get(name: string): InstalledPlugin | undefined {
    const state = this.plugins.get(name);
    return state && this.describe(state);
  }

  private begin(plugin: SshdPlugin, options: InstallOptions): PluginState {
    const source = options.source ?? 'library';
    const valid = validatePlugin(plugin, source);
    const existing = this.plugins.get(valid.name);
    if (existing) {
      throw new PluginError(
        `plugin ${valid.name} from ${source} collides with the plugin of that name from ${existing.source}`,
        valid.name,
      );
    }
    const state: PluginState = {
      plugin: valid,
      source,
      entry: options.entry,
      builtin: options.builtin ?? false,
      abort: new AbortController(),
      unsubscribe: [],
      events: new Set(),
      replaced: [],
      disposed: false,
    };
    this.plugins.set(valid.name, state);
    this.knownOwners.add(valid.name);
    return state;
  }

  private contextFor(state: PluginState, options: InstallOptions): PluginContext {
    const { name } = state.plugin;
    const events = this.options.events;
    return {
      name,
      log: this.options.log.child({ plugin: name }),
      options: Object.freeze({ ...options.options }),
      channelTypes: this.scoped('channelTypes', state),
      subsystems: this.scoped('subsystems', state),
      globalRequests: this.scoped('globalRequests', state),
      shells: this.scoped('shells', state),
      events: {
        on: <K extends keyof ServerEventMap & string>(
          event: K,
          listener: (e: ServerEventMap[K]) => void | Promise<void>,
        ) => {
          if (state.disposed) throw new Error(`plugin ${name} is disposed`);
          const off = events.on(event, listener, name);
          state.unsubscribe.push(off);
          state.events.add(event);
          return off;
        },
      },
      signal: state.abort.signal,
    };
  }

  private scoped<K extends RegistryKind>(kind: K, state: PluginState): PluginRegistry<HandlerKinds[K]> {
    const registry = this.options.registries[kind] as HandlerRegistry<HandlerKinds[K]>;
    const owner = state.plugin.name;
    return {
      add: (handler, options = {}) => {
        if (state.disposed) throw new Error(`plugin ${owner} is disposed and can no longer add handlers`);
        checkHandlerShape(kind, handler);
        const previous = registry.get(handler.name);
        const previousOwner = registry.ownerOf(handler.name);
        const wrapped = containHandler(kind, handler, { decideTimeoutMs: this.decideTimeoutMs });
        registry.add(wrapped, owner, options.replace ? { replace: true } : {});
        if (previous && previousOwner !== undefined && previousOwner !== owner)
          state.replaced.push({ kind, name: handler.name, handler: previous, owner: previousOwner });
        if (!state.builtin && !handler.name.includes('@') && kind !== 'shells')
          this.options.log.warn(
            { plugin: owner, name: handler.name },
            `${kind} name "${handler.name}" is not of the form name@domain (RFC 4250 §4.6.1)`,
          );
      },
      get: (name) => registry.get(name),
      list: () => registry.list().map((e) => ({ name: e.handler.name, owner: e.owner })),
    };
  }

  private async remove(state: PluginState): Promise<void> {
    const { name } = state.plugin;
    if (this.plugins.get(name) !== state) return;
    state.disposed = true;
    for (const kind of REGISTRY_KINDS) this.options.registries[kind].removeOwner(name);
    this.options.registries.sessionRequests?.removeOwner(name);
    for (const off of state.unsubscribe) off();
    this.plugins.delete(name);
    // A handler this plugin replaced comes back, if its owner is still around and the name is free.
    for (const r of [...state.replaced].reverse()) {
      const registry = this.options.registries[r.kind] as HandlerRegistry<HandlerKinds[RegistryKind]>;
      const ownerAlive = this.plugins.has(r.owner) || !this.isPluginOwner(r.owner);
      if (ownerAlive && registry.get(r.name) === undefined) registry.add(r.handler, r.owner);
    }
    state.abort.abort();
    try {
      await withTimeout(
        Promise.resolve().then(() => state.plugin.dispose?.()),
        this.setupTimeoutMs,
        `dispose of plugin ${name}`,
      );
    } catch (err) {
      this.options.log.error({ err, plugin: name }, 'plugin dispose failed');
    }
  }

  /** Whether `owner` names a plugin this host installed at some point (not `core`, a library caller...). */
  private isPluginOwner(owner: string): boolean {
    return this.knownOwners.has(owner);
  }

  private describe(state: PluginState): InstalledPlugin {
    const { name, description } = state.plugin;
    const owned = (kind: RegistryKind | 'sessionRequests') =>
      (this.options.registries[kind]?.list() ?? [])
        .filter((e) => e.owner === name)
        .map((e) => e.handler.name);
    return {
      name,
      description,
      source: state.source,
      entry: state.entry,
      builtin: state.builtin,
      registrations: {
        channelTypes: owned('channelTypes'),
        subsystems: owned('subsystems'),
        globalRequests: owned('globalRequests'),
        shells: owned('shells'),
        sessionRequests: owned('sessionRequests'),
        events: [...state.events],
      },
    };
  }
}
