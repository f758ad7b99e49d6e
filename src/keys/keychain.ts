import { resolve } from 'node:path';

/** Service name under which host key passphrases are stored in the OS keychain. */
export const KEYCHAIN_SERVICE = 'sshd-kit';

/** Outcome of storing a secret: stored, or why not (no keychain, locked, ...). */
export type KeychainResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The keychain operations we use, so a caller can substitute another store. */
export interface Keychain {
  set(account: string, secret: string): Promise<KeychainResult>;
  get(account: string): Promise<string | undefined>;
  delete(account: string): Promise<boolean>;
}

const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);

async function entry(service: string, account: string) {
  // Imported lazily: the native binding is only loaded when a keychain is actually used.
  const { AsyncEntry } = await import('@napi-rs/keyring');
  // On Linux insist on the Secret Service (gnome-keyring, KWallet, KeePassXC): the kernel keyring
  // fallback forgets everything at reboot. Other platforms ignore the option.
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
}

/**
 * The OS keychain through `@napi-rs/keyring`: macOS Keychain, Windows Credential Manager, or the
 * Secret Service on Linux. Every failure (no keychain, locked, no D-Bus) is reported, never thrown.
 */
export function osKeychain(service = KEYCHAIN_SERVICE): Keychain {
  return {
    async set(account, secret) {
      try {
        await (await entry(service, account)).setPassword(secret);
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: firstLine(err) };
      }
    },
    async get(account) {
      try {
        return (await (await entry(service, account)).getPassword()) ?? undefined;
      } catch {
        return undefined;
      }
    },
    async delete(account) {
      try {
        return await (await entry(service, account)).deletePassword();
      } catch {
        return false;
      }
    },
  };
}

/** The keychain account for a key file: its absolute path. */
export function keychainAccountFor(keyPath: string): string {
  return resolve(keyPath);
}
