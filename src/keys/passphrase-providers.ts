import type { HostKeyFile, PassphraseProvider } from './host-key-store.js';
import { keychainAccountFor, type Keychain } from './keychain.js';

/** Where a host key passphrase came from (for messages and `--json` output). */
export type PassphraseSource = 'given' | 'keychain' | 'prompt';

/** A provider that always answers `passphrase`. */
export function fixedPassphrase(passphrase: string): PassphraseProvider {
  return async () => passphrase;
}

/** A provider that looks the key's path up in `keychain` (see `keychainAccountFor`). */
export function keychainPassphrase(keychain: Keychain): PassphraseProvider {
  return async (file: HostKeyFile) => keychain.get(keychainAccountFor(file.path));
}

/**
 * Asks each provider in turn and returns the first answer; `onSource` learns which one answered
 * (named by the keys of `providers`, in insertion order).
 */
export function firstPassphrase(
  providers: Partial<Record<PassphraseSource, PassphraseProvider>>,
  onSource?: (file: HostKeyFile, source: PassphraseSource) => void,
): PassphraseProvider {
  return async (file) => {
    for (const [source, provider] of Object.entries(providers) as [PassphraseSource, PassphraseProvider][]) {
      const p = await provider(file);
      if (p !== undefined && p !== '') {
        onSource?.(file, source);
        return p;
      }
    }
    return undefined;
  };
}
