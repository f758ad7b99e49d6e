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
