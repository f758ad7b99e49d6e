import { DEFAULT_HOST_KEY_KINDS, HostKeyStore } from '../keys/host-key-store.js';
import {
  AlgorithmConfigError,
  createProfileRegistries,
  resolveAlgorithms,
  type ResolvedAlgorithms,
} from './config-algorithms.js';
import { effectiveConfig, type EffectiveConfig } from './config-print.js';
import {
  ConfigError,
  loadConfigFile,
  mergeConfig,
  type ConfigOverrides,
  type ServeConfig,
} from './config.js';

/** A config ready to serve: merged, with its algorithm lists checked and resolved. */
export interface ResolvedServeConfig {
  readonly config: ServeConfig;
  readonly algorithms: ResolvedAlgorithms;
  /** The config file as named in messages. */
  readonly source: string;
}

/**
 * Loads `--config` (or `<dataDir>/config.yaml`), merges defaults < file < `overrides`, and resolves
 * the algorithm lists for the profile. Every problem is a one-line {@link ConfigError} naming the
 * file and the key.
 */
export async function resolveServeConfig(
  dataDir: string,
  configPath: string | undefined,
  overrides: ConfigOverrides,
): Promise<ResolvedServeConfig> {
  const loaded = await loadConfigFile(dataDir, configPath);
  const config = mergeConfig(dataDir, loaded, overrides);
  const source = configPath ?? loaded.path;
  try {
    return { config, algorithms: resolveAlgorithms(createProfileRegistries(config.profile), config), source };
  } catch (err) {
    if (err instanceof AlgorithmConfigError) throw new ConfigError(`${source}: ${err.key} ${err.message}`);
    throw err;
  }
}

/**
 * The effective config for `--print-config`: `hostKeys` defaults to the data directory's key files
 * (or the ones a first start would generate).
 */
export async function printableConfig(
  dataDir: string,
  resolved: ResolvedServeConfig,
  logTo: 'stdout' | 'stderr',
): Promise<EffectiveConfig> {
  const store = new HostKeyStore(dataDir);
  const present = await store.list().then(
    (files) => files.map((k) => k.path),
    () => [] as string[],
  );
  const defaults = present.length > 0 ? present : DEFAULT_HOST_KEY_KINDS.map((k) => store.pathFor(k));
  return effectiveConfig(resolved.config, resolved.algorithms, defaults, logTo);
}
