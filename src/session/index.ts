/** The built-in `session` channel: pty, shell, exec, subsystems, env, signals, exit status (RFC 4254 §6). */
export {
  createSessionChannelType,
  registerSessionChannel,
  resolveSessionSettings,
  type SessionChannelOptions,
  type SessionHost,
  type SessionRegistries,
  type SessionSettings,
} from './session-channel.js';
export {
  SIGNAL_NAMES,
  type ExitStatus,
  type PtyInfo,
  type RequiredPermission,
  type SessionCommand,
  type SessionContext,
  type SessionIo,
  type SessionRequestContext,
  type SessionRequestHandler,
  type ShellDecision,
  type ShellHandler,
  type SignalName,
  type SubsystemHandler,
  type TerminalSize,
} from './types.js';
export {
  TerminalMode,
  decodeTerminalModes,
  encodeTerminalModes,
  type TerminalModeName,
  type TerminalModes,
} from './terminal-modes.js';
export { DEFAULT_SESSION_PATH, matchesEnvPattern } from './environment.js';
export { createLineIo, type EchoMode, type LineIo, type RecvOptions } from './line-io.js';
