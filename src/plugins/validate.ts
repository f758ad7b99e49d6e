import { PLUGIN_API_VERSION, PLUGIN_NAME_PATTERN, type SshdPlugin } from './plugin.js';

/** A plugin that cannot be used: it does not load, is malformed, or failed in `setup`. */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    message: string,
    /** The plugin's name, or the path/package it was loaded from when the name is not known. */
    readonly plugin: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of an unknown thrown value, as one line of at most 400 characters. */
export function errorText(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Checks that `value` is a usable {@link SshdPlugin} written for this plugin API, with messages
 * that say what to change. `source` names where it came from (a path, a package, `built-in`).
 */
export function validatePlugin(value: unknown, source: string): SshdPlugin {
  const fail = (what: string, plugin = source) => {
    throw new PluginError(`plugin ${source}: ${what}`, plugin);
  };
  if (!isObject(value))
    return fail('does not export a plugin (export default definePlugin({ name, apiVersion: 1, setup }))');
  const { name, apiVersion, setup, dispose, description } = value;
  if (typeof name !== 'string' || name === '') return fail('has no name');
  if (!PLUGIN_NAME_PATTERN.test(name))
    return fail(`has the name "${name}": use letters, digits and ._@/- (up to 64 characters)`);
  if (apiVersion === undefined)
    return fail(`"${name}" declares no apiVersion (add apiVersion: ${PLUGIN_API_VERSION})`, name);
  if (apiVersion !== PLUGIN_API_VERSION) {
    return fail(
      `"${name}" was written for plugin API version ${String(apiVersion)}, but this sshd-kit ` +
        `implements version ${PLUGIN_API_VERSION}: use a release of the plugin made for API ${PLUGIN_API_VERSION}`,
      name,
    );
  }
  if (typeof setup !== 'function') return fail(`"${name}" has no setup(ctx) function`, name);
  if (dispose !== undefined && typeof dispose !== 'function')
    return fail(`"${name}" has a dispose that is not a function`, name);
  if (description !== undefined && typeof description !== 'string')
    return fail(`"${name}" has a description that is not a string`, name);
  return value as unknown as SshdPlugin;
}

/** The plugin a module exports: its default export, else a named `plugin` export. */
export function pluginFromModule(module: unknown, source: string): SshdPlugin {
  if (!isObject(module)) return validatePlugin(undefined, source);
  const candidate = module['default'] ?? module['plugin'];
  // A CommonJS module imported from ESM nests its exports under `default`.
  const unwrapped =
    isObject(candidate) && !('setup' in candidate) && isObject(candidate['default'])
      ? candidate['default']
      : candidate;
  return validatePlugin(unwrapped, source);
}
