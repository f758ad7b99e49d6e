import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { NATIVE_CRYPTO_ENV, nativePacketCrypto } from '../algorithms/cipher/native.js';
import { ForwardingPolicyError } from '../forwarding/policy.js';
import { nativeAddon } from '../native/addon.js';
import { NATIVE_READ_ENV, nativePageCacheRead } from '../sftp/vfs/local/cached-read.js';
import { NATIVE_SPAWN_ENV, nativeProcessSpawn } from '../session/spawn.js';
import type { PassphraseProvider } from '../keys/host-key-store.js';
import type { Logger } from '../log/logger.js';
import { startServePlugins, type ServePlugins } from '../plugins/serve-plugins.js';
import { matchPatternList, parsePatternList } from '../users/host-patterns.js';
import { SqliteUserStore } from '../users/sqlite-store.js';
import { createProfileRegistries, resolveAlgorithms } from './config-algorithms.js';
import { ConfigError, type PluginSpec, type ServeConfig } from './config.js';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './config-values.js';
import { certificateTrust, loadHostCertificates } from './serve-certificates.js';
import { offerFirstUser, type FirstUserPrompter } from './serve-first-user.js';
import { loadServeHostKeys } from './serve-host-keys.js';
import { serverOptionsFromConfig } from './serve-options.js';
import { SshServer } from './server.js';
import { listenMetrics, METRICS_PATH, type MetricsListener } from './metrics-http.js';
import { createUserAuthBackend } from './user-auth-backend.js';

/** Largest banner file sent before authentication. */
const MAX_BANNER_BYTES = 64 * 1024;

/** How {@link startServe} runs the server. */
export interface ServeRunOptions {
  readonly dataDir: string;
  readonly config: ServeConfig;
  readonly log: Logger;
  /** Serve one connection over these streams instead of listening (`serve --stdio`, like `sshd -i`). */
  readonly stdio?: { readonly input: Readable; readonly output: Writable };
  /** How long sessions may run on after SIGTERM/SIGINT before they are disconnected. */
  readonly shutdownTimeoutMs: number;
  /** Unlocks encrypted host keys (keychain, stdin, prompt). */
  readonly passphrase: PassphraseProvider;
  /** Asks a person to create the first user; absent without a terminal. */
  readonly prompter?: FirstUserPrompter;
  /** Signals that stop the server (default SIGTERM and SIGINT, plus SIGHUP with `stdio`); a second one exits at once. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Ends the process at once on a second signal (default `process.exit`). */
  readonly exitNow?: (code: number) => void;
  /** Relative `--plugin` paths are resolved against this folder (default: the working directory). */
  readonly pluginBaseDir?: string;
  /** Reads the plugin list again when SIGHUP reloads the plugins (default: the same list). */
  readonly reloadPluginSpecs?: () => Promise<readonly PluginSpec[]>;
}

/** A started server. */
export interface RunningServe {
  readonly server: SshServer;
  /** Bound addresses (empty with `stdio`). */
  readonly addresses: readonly AddressInfo[];
  /** Resolves with the process exit code once the server has stopped. */
  readonly done: Promise<number>;
  /** Graceful stop: no new connections, sessions get `graceMs`, then DISCONNECT. */
  stop(graceMs: number): Promise<void>;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

async function readBanner(path: string): Promise<string> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (err) {
    throw new ConfigError(`banner: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (text.length > MAX_BANNER_BYTES)
    throw new ConfigError(`banner: ${path} is larger than ${MAX_BANNER_BYTES / 1024} KiB`);
  return text.toString('utf8');
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Says what the native addon serves (packet ciphers, cached file reads, process starts), and
 * warns when it was not built.
 */
function logNativeAddon(log: Logger): void {
  if (!nativeAddon) {
    log.warn(
      {},
      'the native addon is not built (no C compiler at install?): node:crypto seals packets and the ' +
        'thread pool does every file read and write, at more CPU per byte, and session processes start with fork(); ' +
        '`npm run build:native` in the package builds it',
    );
    return;
  }
  if (nativePacketCrypto) log.debug({}, 'packet ciphers: OpenSSL contexts kept per direction (native addon)');
  else log.info({}, `packet ciphers: node:crypto (${NATIVE_CRYPTO_ENV}=0)`);
  if (!nativePageCacheRead)
    log.info({}, `file reads, and writes on tmpfs: all through the thread pool (${NATIVE_READ_ENV}=0)`);
  if (!nativeProcessSpawn)
    log.info(
      {},
      `session processes: started with fork() by node:child_process and node-pty (${NATIVE_SPAWN_ENV}=0, or no native spawn here)`,
    );
}

/**
 * Starts `sshd-kit serve`: opens the user store, loads (or generates) the host keys, builds the
 * {@link SshServer} from the config, warns about legacy algorithms (and a missing native module),
 * offers to create a first user, then listens on every address (or serves the stdio streams).
 * SIGTERM/SIGINT stop it gracefully; a second signal exits at once.
 */
export async function startServe(options: ServeRunOptions): Promise<RunningServe> {
  const { config, log, dataDir } = options;
  const registries = createProfileRegistries(config.profile);
  resolveAlgorithms(registries, config); // fails on a bad name before anything is touched
  const store = SqliteUserStore.open(dataDir);
  let server: SshServer;
  let plugins: ServePlugins;
  try {
    const hostKeys = await loadServeHostKeys({
      dataDir,
      paths: config.hostKeys,
      passphrase: options.passphrase,
      profile: config.profile,
      log,
    });
    const hostCertificates = await loadHostCertificates(
      config.hostCertificates,
      hostKeys.map((k) => k.key),
      registries.hostKey,
      log,
    );
    const bannerText = config.banner === undefined ? undefined : await readBanner(config.banner);
    const authBackend = createUserAuthBackend({
      store,
      dataDir,
      homesDir: config.homesDir,
      log,
      ...(await certificateTrust(config)),
      securityKeys: {
        touchRequired: config.pubkeyAuthOptions.includes('touch-required'),
        verifyRequired: config.pubkeyAuthOptions.includes('verify-required'),
      },
    });
    const serverOptions = serverOptionsFromConfig(config, {
      hostKeys: hostKeys.map((k) => k.key),
      hostCertificates,
      authBackend,
      registries,
      bannerText,
      log,
    });
    try {
      server = new SshServer(serverOptions, {
        onConnectionClosed: () => {
          if (options.stdio) void stop(0);
        },
      });
    } catch (err) {
      if (err instanceof ForwardingPolicyError) throw new ConfigError(err.message, { cause: err });
      if (err instanceof Error && err.message.startsWith('no host key matches'))
        throw new ConfigError(`${err.message} (check hostKeyAlgorithms and hostKeys)`, { cause: err });
      throw err;
    }
    for (const algorithm of server.legacyAlgorithms)
      log.warn(
        { algorithm },
        `legacy algorithm enabled: ${algorithm} (weak; enable it only for old clients)`,
      );
    logNativeAddon(log);
    plugins = await startServePlugins({
      host: server.plugins,
      specs: config.plugins,
      log,
      baseDir: options.pluginBaseDir ?? process.cwd(),
      ...(options.reloadPluginSpecs ? { reloadSpecs: options.reloadPluginSpecs } : {}),
    });
    await offerFirstUser(store, dataDir, log, options.stdio ? undefined : options.prompter);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let stopping: Promise<void> | undefined;
  let metrics: MetricsListener | undefined;
  const stop = (graceMs: number): Promise<void> =>
    (stopping ??= (async () => {
      log.info({ graceSeconds: graceMs / 1000 }, 'shutting down: no new connections, sessions may finish');
      await metrics?.close();
      await server.close(graceMs);
      await waitFor(() => server.connectionCount === 0, 2000);
      await store.close().catch((err: unknown) => log.error({ err }, 'closing the user store failed'));
      log.info({}, 'stopped');
      resolveDone(0);
    })());

  // With --stdio, ssh ends its ProxyCommand with SIGHUP when it is done: a clean stop too.
  const signals =
    options.signals ?? (options.stdio ? ['SIGTERM', 'SIGINT', 'SIGHUP'] : ['SIGTERM', 'SIGINT']);
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      (options.exitNow ?? ((code) => process.exit(code)))(128 + (SIGNAL_NUMBERS[signal] ?? 0));
      return;
    }
    log.info({ signal }, 'signal received');
    void stop(options.shutdownTimeoutMs);
  };
  for (const s of signals) process.on(s, onSignal);
  // SIGHUP reloads the plugins (established channels keep running), as sshd rereads its config.
  const onHangUp = () => void plugins.reload();
  const reloads = !signals.includes('SIGHUP');
  if (reloads) process.on('SIGHUP', onHangUp);
  void done.then(() => {
    for (const s of signals) process.off(s, onSignal);
    if (reloads) process.off('SIGHUP', onHangUp);
  });

  const addresses: AddressInfo[] = [];
  if (options.stdio) {
    server.serveStreams(options.stdio.input, options.stdio.output);
    log.info({}, 'serving one connection on stdin/stdout');
  } else {
    try {
      for (const text of config.listenAddress) {
        const { host, port } = parseListenAddress(text, config.port);
        const bound = await server.listen(port, host);
        addresses.push(bound);
        log.info(
          { address: bound.address, port: bound.port },
          `listening on ${formatListenAddress({ host: bound.address, port: bound.port })}`,
        );
      }
      if (config.metricsListen !== undefined) metrics = await serveMetrics(server, config.metricsListen, log);
    } catch (err) {
      await stop(0);
      throw err;
    }
    if (config.proxyProtocolFrom !== undefined)
      log.info(
        { proxies: config.proxyProtocolFrom },
        `PROXY protocol: connections from ${config.proxyProtocolFrom} must start with a header`,
      );
  }
  return { server, addresses, done, stop };
}

/**
 * Serves `server`'s Prometheus metrics at `address` (`metricsListen`) and logs where, with a
 * warning when anyone may read them; a bind failure is a {@link ConfigError} naming the key.
 */
async function serveMetrics(
  server: SshServer,
  address: ListenAddress,
  log: Logger,
): Promise<MetricsListener> {
  let metrics: MetricsListener;
  try {
    metrics = await listenMetrics(() => server.metricsText(), address.host, address.port);
  } catch (err) {
    throw new ConfigError(`metricsListen ${formatListenAddress(address)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const bound = metrics.address;
  const where = formatListenAddress({ host: bound.address, port: bound.port });
  log.info({ address: bound.address, port: bound.port }, `metrics on http://${where}${METRICS_PATH}`);
  // Everywhere (0.0.0.0, ::) or a public address: anyone on the internet may read them.
  if (!matchPatternList(INTERNAL_NETWORKS, { address: bound.address }))
    log.warn(
      { address: bound.address },
      `metrics are served without authentication to anyone who can reach ${where} ` +
        '(listen on 127.0.0.1 or an internal address)',
    );
  return metrics;
}

/** Loopback and private networks (RFC 1918, RFC 6598, link-local, RFC 4193): not the open internet. */
const INTERNAL_NETWORKS = parsePatternList(
  '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,::1,fc00::/7,fe80::/10',
);
