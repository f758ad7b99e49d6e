/**
 * sshd-kit: a programmable SSH2/SFTP server. This is the public library API; the CLI lives in
 * `src/commands/`.
 */
export * from './protocol/index.js';
export * from './wire/index.js';
export { AlgorithmRegistry, type AlgorithmRegistries } from './algorithms/registry.js';
export { createDefaultRegistries } from './algorithms/defaults.js';
export type * from './algorithms/types.js';
export type { KeyType, PublicKey, PrivateKey } from './keys/types.js';
export * from './users/index.js';
export * from './keys/index.js';
export {
  HostKeyStore,
  HOST_KEY_FILE_NAMES,
  DEFAULT_HOST_KEY_KINDS,
  kindOfKeyType,
  type HostKeyFile,
  type LoadedHostKey,
  type PassphraseProvider,
  type WrittenHostKey,
} from './keys/host-key-store.js';
export {
  osKeychain,
  keychainAccountFor,
  KEYCHAIN_SERVICE,
  type Keychain,
  type KeychainResult,
} from './keys/keychain.js';
export {
  firstPassphrase,
  fixedPassphrase,
  keychainPassphrase,
  type PassphraseSource,
} from './keys/passphrase-providers.js';
export * from './algorithms/hostkey/index.js';
export { Blowfish, BLOWFISH_BLOCK_BYTES, BLOWFISH_MAX_KEY_BYTES } from './crypto/blowfish.js';
export { bcryptPbkdf } from './crypto/bcrypt-pbkdf.js';
export {
  SshServer,
  type SshServerOptions,
  type AlgorithmSettings,
  type ServerEvents,
} from './server/server.js';
export { SshConnection } from './server/connection.js';
export { listenMetrics, type MetricsListener } from './server/metrics-http.js';
export { DEFAULT_IDLE_COLLECTION, type IdleCollectionPolicy } from './server/idle-collector.js';
export { createUserAuthBackend, type UserAuthBackendOptions } from './server/user-auth-backend.js';
export {
  certificateSignatureAlgorithms,
  verifyCertificateSignature,
} from './algorithms/hostkey/certificate.js';
export type {
  AuthBackend,
  AuthContext,
  AuthProof,
  AuthAttempt,
  AuthenticatedUser,
  CertificateIdentity,
  PublicKeyOffer,
  ConnectionInfo,
  HostPortPattern,
  SessionPolicy,
} from './auth/types.js';
export type * from './connection/types.js';
export { HandlerRegistry } from './connection/handler-registry.js';
export { ChannelOpenError, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection/service.js';
export type * from './session/types.js';
export { SIGNAL_NAMES } from './session/types.js';
export * from './sftp/index.js';
export {
  createSftpSubsystem,
  createScpHandler,
  registerFileTransfer,
  jailedHomeVfs,
  type FileTransferSettings,
} from './sftp/subsystem.js';
export {
  Transport,
  type TransportOptions,
  type TransportHooks,
  type TransportService,
} from './transport/transport.js';
export { identificationLine } from './transport/version.js';
export { silentLogger, sanitizeForLog, type Logger, type LogBindings } from './log/logger.js';
export { createLineIo, type EchoMode, type LineIo, type RecvOptions } from './session/line-io.js';
export { decodeTerminalModes, TerminalMode, type TerminalModes } from './session/terminal-modes.js';
export {
  definePlugin,
  PLUGIN_API_VERSION,
  type PluginContext,
  type PluginRegistry,
  type SshdPlugin,
} from './plugins/plugin.js';
export {
  ServerEventEmitter,
  SERVER_EVENTS,
  type EventConnection,
  type EventListener,
  type ServerEventMap,
  type TypedEvents,
} from './plugins/events.js';
export {
  PluginHost,
  type InstalledPlugin,
  type InstallOptions,
  type PluginHostOptions,
  type PluginRegistrations,
} from './plugins/host.js';
export {
  loadPlugins,
  reloadPlugins,
  type PluginLoadReport,
  type PluginSpecInput,
  type SkippedPlugin,
} from './plugins/loader.js';
export { resolvePluginSpec, type ResolvedPluginSpec } from './plugins/resolve.js';
export { PluginError } from './plugins/validate.js';
export { forwardingPlugin, sessionPlugin, sftpPlugin } from './plugins/builtins/index.js';
export * from './forwarding/index.js';
