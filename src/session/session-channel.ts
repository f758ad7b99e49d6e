import type { HandlerRegistry } from '../connection/handler-registry.js';
import type { ChannelTypeHandler } from '../connection/types.js';
import { DEFAULT_SESSION_PATH } from './environment.js';
import type { ResolvedSessionSettings } from './program.js';
import { Session } from './session.js';
import type { SessionRequestHandler, ShellHandler, SubsystemHandler } from './types.js';

/** How sessions behave; sshd_config names in camelCase where one exists. */
export interface SessionSettings {
  /** Variable name patterns a client may set with `env` (OpenSSH AcceptEnv, e.g. `LANG`, `LC_*`); default none. */
  readonly acceptEnv?: readonly string[];
  /** The shell that runs commands and login shells; default `/bin/sh`. null: never start OS processes. */
  readonly shell?: string | null;
  /** PATH of every session; default {@link DEFAULT_SESSION_PATH}. */
  readonly path?: string;
  /** Apply authorized_keys `environment=` entries (OpenSSH PermitUserEnvironment); default false. */
  readonly permitUserEnvironment?: boolean;
  /** Subsystems served by a command run with the shell (sshd_config `Subsystem name command`). */
  readonly subsystemCommands?: Readonly<Record<string, string>>;
  /** Milliseconds between SIGHUP and SIGKILL when a client closes a running session; default 2000. */
  readonly killGraceMs?: number;
}

/** The registries a session consults. */
export interface SessionRegistries {
  readonly shells: HandlerRegistry<ShellHandler>;
  readonly subsystems: HandlerRegistry<SubsystemHandler>;
  /** Handlers of other session requests by name (`auth-agent-req@openssh.com`, ...). */
  readonly sessionRequests?: HandlerRegistry<SessionRequestHandler>;
}

/** Dependencies of {@link createSessionChannelType}. */
export interface SessionChannelOptions extends SessionRegistries {
  readonly settings?: SessionSettings;
}

/** Fills in the defaults of {@link SessionSettings}. */
export function resolveSessionSettings(settings: SessionSettings = {}): ResolvedSessionSettings {
  const shell = settings.shell === undefined ? '/bin/sh' : settings.shell;
  if (shell !== null && !shell.startsWith('/'))
    throw new Error(`session shell must be an absolute path: ${shell}`);
  return {
    acceptEnv: [...(settings.acceptEnv ?? [])],
    shell,
    path: settings.path ?? DEFAULT_SESSION_PATH,
    permitUserEnvironment: settings.permitUserEnvironment ?? false,
    subsystemCommands: { ...settings.subsystemCommands },
    killGraceMs: settings.killGraceMs ?? 2000,
  };
}

/**
 * The built-in `session` channel type (RFC 4254 §6): one {@link Session} per channel, with
 * shells, exec commands and subsystems served by the registries' handlers or by processes.
 */
export function createSessionChannelType(options: SessionChannelOptions): ChannelTypeHandler {
  const settings = resolveSessionSettings(options.settings);
  const registries: SessionRegistries = {
    shells: options.shells,
    subsystems: options.subsystems,
    ...(options.sessionRequests ? { sessionRequests: options.sessionRequests } : {}),
  };
  return {
    name: 'session',
    // RFC 4254 §6.1: a session open carries no type-specific data; anything there is ignored.
    open: async (_request, conn) => ({
      ok: true,
      run: (channel) => new Session(channel, conn, registries, settings).run(),
    }),
  };
}

/** What {@link registerSessionChannel} registers into (an `SshServer` or a plugin context). */
export interface SessionHost extends SessionRegistries {
  readonly channelTypes: HandlerRegistry<ChannelTypeHandler>;
}

/** Registers the `session` channel type on a server's registries, owned by `owner` (`core`). */
export function registerSessionChannel(host: SessionHost, settings?: SessionSettings, owner = 'core'): void {
  host.channelTypes.add(
    createSessionChannelType({
      shells: host.shells,
      subsystems: host.subsystems,
      ...(host.sessionRequests ? { sessionRequests: host.sessionRequests } : {}),
      ...(settings ? { settings } : {}),
    }),
    owner,
  );
}
