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
