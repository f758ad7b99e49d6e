import { confirm } from '@inquirer/prompts';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { ExitCode, UserError } from '../cli/errors.js';
import { resolveAnswer } from '../cli/prompts.js';
import { readSecretFromStdin } from '../cli/stdin.js';
import { userErrorFrom } from '../cli/user-command.js';
import type { PassphraseProvider } from '../keys/host-key-store.js';
import { osKeychain } from '../keys/keychain.js';
import { firstPassphrase, fixedPassphrase, keychainPassphrase } from '../keys/passphrase-providers.js';
import { createPinoLogger } from '../log/pino-logger.js';
import { formatEffectiveConfig, type EffectiveConfig } from '../server/config-print.js';
import { LOG_FORMATS, LOG_LEVELS, PROFILES, type LogLevel, type Profile } from '../server/config-schema.js';
import { ConfigValueError, parseListenAddress, parseTimeSeconds } from '../server/config-values.js';
import { ConfigError } from '../server/config.js';
import { printableConfig, resolveServeConfig } from '../server/serve-config.js';
import type { FirstUserPrompter } from '../server/serve-first-user.js';
import { HostKeyLoadError } from '../server/serve-host-keys.js';
import { PluginError } from '../plugins/validate.js';
import { startServe } from '../server/serve-runner.js';

const usage = (message: string) => new UserError(message, { exit: ExitCode.Usage, code: 'USAGE' });

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Run the SSH server in the foreground.';
  static override description = `Serves SSH on --port (default 2222) of every --listen address (default 0.0.0.0) with the host keys, user store (users.db) and homes of --data-dir. Missing host keys are generated on first start, as ssh-keygen -A does, and their fingerprints logged. Settings come from <data-dir>/config.yaml or --config (YAML or JSON; sshd_config names in camelCase); flags win over the file; --print-config shows the result as sshd -T does. Logs are JSON lines on stdout (pretty on a terminal). SIGTERM or SIGINT stops accepting at once and lets sessions finish for --shutdown-timeout before disconnecting them; a second signal exits at once.`;

  static override examples = [
    {
      description: 'Serve on port 2222 with ./sshd-kit-data',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Another port and data directory, two addresses',
      command:
        '<%= config.bin %> <%= command.id %> -p 2022 --listen 127.0.0.1 --listen ::1 --data-dir /srv/sshd',
    },
    {
      description: 'Show the effective configuration (like sshd -T)',
      command: '<%= config.bin %> <%= command.id %> --print-config --config ./sshd-kit.yaml',
    },
    {
      description: 'One connection over stdin/stdout, for ssh -o ProxyCommand',
      command: `ssh -o ProxyCommand='<%= config.bin %> <%= command.id %> --stdio --data-dir /srv/sshd' alice@sshd-kit`,
    },
  ];

  static override flags = {
    port: Flags.string({ char: 'p', summary: 'Port to listen on (default 2222; 0 picks a free one).' }),
    listen: Flags.string({
      char: 'l',
      summary: 'Address to listen on, host or host:port (repeatable; default 0.0.0.0).',
      multiple: true,
    }),
    config: Flags.string({ char: 'c', summary: 'Config file (default <data-dir>/config.yaml).' }),
    'print-config': Flags.boolean({
      summary: 'Print the effective configuration and exit (--json for JSON).',
    }),
    stdio: Flags.boolean({
      summary: 'Serve one connection on stdin/stdout (for ProxyCommand); logs go to stderr.',
    }),
    plugin: Flags.string({ summary: 'Plugin file or npm package to load (repeatable).', multiple: true }),
    'shutdown-timeout': Flags.string({
      summary: 'How long sessions may finish after SIGTERM/SIGINT (seconds, or like 2m).',
      default: '30',
    }),
    'host-key-passphrase-stdin': Flags.boolean({
      summary: 'Read the passphrase of encrypted host keys from the first line of stdin.',
    }),
    profile: Flags.string({ summary: 'Algorithm profile (overrides the config).', options: [...PROFILES] }),
    'log-level': Flags.string({ summary: 'Log level (overrides the config).', options: [...LOG_LEVELS] }),
    'log-format': Flags.string({
      summary: 'Log format (default: pretty on a terminal, else json).',
      options: [...LOG_FORMATS],
    }),
    'log-file': Flags.string({ summary: 'Append logs to this file instead of stdout.' }),
  };

  async run(): Promise<EffectiveConfig | undefined> {
    const f = this.flags;
    if (this.jsonEnabled() && !f['print-config'])
      throw usage('--json goes with --print-config (for JSON logs use --log-format json)');
    if (f.stdio && (f.port !== undefined || f.listen !== undefined))
      throw usage('--stdio serves one connection on stdin/stdout: drop --port and --listen');
    if (f.stdio && f['host-key-passphrase-stdin'])
      throw usage('--stdio uses stdin for the connection: unlock host keys with the keychain instead');
    const shutdownSeconds = parseFlag('shutdown-timeout', () => parseTimeSeconds(f['shutdown-timeout']));
    const port = f.port === undefined ? undefined : parseFlag('port', () => parsePortFlag(f.port!));
    for (const a of f.listen ?? []) parseFlag('listen', () => parseListenAddress(a, 0));
    const overrides = {
      ...(port === undefined ? {} : { port }),
      ...(f.listen ? { listenAddress: f.listen } : {}),
      ...(f.plugin ? { plugins: f.plugin } : {}),
      ...(f.profile ? { profile: f.profile as Profile } : {}),
      ...(f['log-level'] ? { logLevel: f['log-level'] as LogLevel } : {}),
      ...(f['log-format'] ? { logFormat: f['log-format'] as 'json' | 'pretty' } : {}),
      ...(f['log-file'] ? { logFile: f['log-file'] } : {}),
    };
    const resolved = await resolveServeConfig(this.dataDir, f.config, overrides).catch(mapError);
    const { config } = resolved;
    if (f['print-config']) {
      const eff = await printableConfig(this.dataDir, resolved, f.stdio ? 'stderr' : 'stdout');
      if (!this.jsonEnabled()) process.stdout.write(formatEffectiveConfig(eff));
      return eff;
    }
    const given = f['host-key-passphrase-stdin']
      ? await readSecretFromStdin('host-key-passphrase-stdin')
      : undefined;
    const canPrompt = this.interactivity.canPrompt && !f.stdio;
    const log = createPinoLogger({
      level: config.log.level,
      format: config.log.format,
      destination: config.log.file ? { file: config.log.file } : f.stdio ? 'stderr' : 'stdout',
    });
    const exit = (code: number): never => {
      log.flush();
      process.exit(code);
    };
    const running = await startServe({
      dataDir: this.dataDir,
      config,
      log,
      ...(f.stdio ? { stdio: { input: process.stdin, output: process.stdout } } : {}),
      shutdownTimeoutMs: shutdownSeconds * 1000,
      passphrase: passphraseProvider(given, canPrompt),
      ...(canPrompt ? { prompter: terminalPrompter() } : {}),
      exitNow: exit,
      reloadPluginSpecs: async () =>
        (await resolveServeConfig(this.dataDir, f.config, overrides)).config.plugins,
    }).catch(mapError);
    return exit(await running.done);
  }
}

function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigValueError) throw usage(`--${flag} ${err.message}`);
    throw err;
  }
}

function parsePortFlag(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new ConfigValueError(`must be a port number from 0 to 65535 (got "${text}")`);
  return Number(text);
}

function mapError(err: unknown): never {
  if (err instanceof ConfigError) throw new UserError(err.message, { code: 'CONFIG', cause: err });
  if (err instanceof HostKeyLoadError) throw new UserError(err.message, { code: 'HOST_KEY', cause: err });
  if (err instanceof PluginError) throw new UserError(err.message, { code: 'PLUGIN', cause: err });
  throw userErrorFrom(err);
}

const onTerminal = { flags: {}, yes: false, interactive: true };

/** Host key passphrases: --host-key-passphrase-stdin, then the OS keychain, then a prompt on a terminal. */
function passphraseProvider(given: string | undefined, canPrompt: boolean): PassphraseProvider {
  return firstPassphrase({
    ...(given === undefined ? {} : { given: fixedPassphrase(given) }),
    keychain: keychainPassphrase(osKeychain()),
    ...(canPrompt
      ? {
          prompt: (file) =>
            resolveAnswer(
              'host-key-passphrase',
              { message: `Passphrase for ${file.path}:`, secret: true },
              onTerminal,
            ),
        }
      : {}),
  });
}

/** The first-user questions, asked with inquirer on stderr. */
function terminalPrompter(): FirstUserPrompter {
  return {
    confirm: (message) => confirm({ message, default: true }, { output: process.stderr }),
    input: (message, validate) => resolveAnswer('user', { message, validate }, onTerminal),
    newPassword: (message, validate) =>
      resolveAnswer('password', { message, secret: true, confirm: true, validate }, onTerminal),
  };
}
