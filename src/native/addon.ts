import { createRequire } from 'node:module';

/** Where `npm ci` (node-gyp) puts the addon: the package root's build/, from src/ or dist/ alike. */
const ADDON_PATH = '../../build/Release/sshd_kit_native.node';

/**
 * Loads sshd-kit's native addon (the C in `native/`: packet ciphers, page-cache reads), or returns
 * undefined when it was not built (no compiler at install time) or does not load here (a node
 * whose OpenSSL symbols are not exported). Each user checks its own functions' presence and
 * falls back to plain node when they are missing.
 */
export function loadNativeAddon(): Record<string, unknown> | undefined {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The addon, loaded once per process (node caches it anyway), or undefined. */
export const nativeAddon: Record<string, unknown> | undefined = loadNativeAddon();

/**
 * One part of the addon, typed by its user: undefined when the addon is not there, lacks the
 * part (its function `probe`), or the part is switched off (`env[switchName]` is `0`); the user
 * then falls back to plain node.
 */
export function addonPart<T>(
  switchName: string,
  probe: string,
  env: NodeJS.ProcessEnv = process.env,
  addon: Record<string, unknown> | undefined = nativeAddon,
): T | undefined {
  if (env[switchName] === '0' || typeof addon?.[probe] !== 'function') return undefined;
  return addon as unknown as T;
}
