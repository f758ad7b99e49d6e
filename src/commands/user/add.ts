import { Args, Flags } from '@oclif/core';
import { parseCountFlag, parseRateFlag } from '../../cli/user-limits.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { UserCommand, userErrorFrom, userSummary, type UserSummary } from '../../cli/user-command.js';
import { parseAuthMethods } from '../../users/auth-methods.js';
import { SFTP_ONLY_PERMISSIONS, DEFAULT_PERMISSIONS, type NewUser } from '../../users/user-store.js';
import { resolve } from 'node:path';

/** `sshd-kit user add NAME`: create a user in the store. */
export default class UserAdd extends UserCommand<typeof UserAdd> {
  static override summary = 'Add a user to the user store.';
  static override description =
    'Creates a virtual user (no OS account) in <data-dir>/users.db, the store a running `serve` reads. ' +
    'The password is asked twice on a terminal, or read from stdin with --password-stdin; ' +
    '--no-password makes a key-only account. Public keys are authorized_keys lines (options allowed).';

  static override examples = [
    {
      description: 'Add a user; the password is asked twice',
      command: '<%= config.bin %> <%= command.id %> alice',
    },
    {
      description: 'A key-only hosting account limited to SFTP',
      command:
        '<%= config.bin %> <%= command.id %> site42 --no-password --key ~/.ssh/id_ed25519.pub --sftp-only',
    },
    {
      description: 'An SFTP account held to 1 MiB/s up and 10 MiB/s down',
      command:
        '<%= config.bin %> <%= command.id %> site43 --no-password --key site43.pub --sftp-only --upload-limit 1M --download-limit 10M',
    },
    {
      description: 'Password from a pipe, key from a file, both required at login',
      command:
        'printf %s "$PW" | <%= config.bin %> <%= command.id %> bob --password-stdin --key bob.pub --auth-methods publickey,password',
    },
  ];

  static override args = {
    name: Args.string({
      description: 'User name: a-z, 0-9, _ . - (starting with a letter or _), up to 32.',
      required: true,
    }),
  };

  static override flags = {
    'password-stdin': Flags.boolean({ description: 'Read the password from the first line of stdin.' }),
    'no-password': Flags.boolean({ description: 'Create the user without a password (key-only login).' }),
    key: Flags.string({
      description: 'Public key file (authorized_keys lines), or - for stdin. Repeatable.',
      multiple: true,
    }),
    home: Flags.string({ description: 'Home directory (default: <data-dir>/homes/NAME).' }),
    'sftp-only': Flags.boolean({
      description: 'Allow SFTP only: no shell, exec or forwarding (hosting accounts).',
    }),
    'read-only': Flags.boolean({ description: 'Refuse every SFTP write.' }),
    umask: Flags.string({ description: 'Octal umask for files the user creates over SFTP.', default: '022' }),
    'auth-methods': Flags.string({
      description:
        'Allowed methods, OpenSSH AuthenticationMethods syntax: "publickey,password" needs both; ' +
        'space-separated lists are alternatives; "any" (default) means any one.',
      default: 'any',
    }),
    'port-forwarding': Flags.boolean({ description: 'Allow TCP port forwarding.' }),
    'agent-forwarding': Flags.boolean({ description: 'Allow agent forwarding.' }),
    'upload-limit': Flags.string({
      description:
        'Bytes per second the user may send, over all their connections (512K, 10M; default none).',
    }),
    'download-limit': Flags.string({
      description: 'Bytes per second the user may receive, over all their connections (default none).',
    }),
    principals: Flags.string({
      description:
        'Comma-separated principals a trustedUserCAKeys certificate may name to log in as this user (default: the name).',
    }),
    'max-connections': Flags.string({
      description: 'Connections the user may have logged in at once (default: any number).',
    }),
  };

  async run(): Promise<UserSummary> {
    const { name } = this.args;
    const f = this.flags;
    this.checkName(name);
    if (!/^[0-7]{1,3}$/.test(f.umask))
      throw new UserError(`--umask must be octal, like 022 or 077`, { exit: ExitCode.Usage });
    let authMethods;
    try {
      authMethods = parseAuthMethods(f['auth-methods']);
    } catch (err) {
      throw userErrorFrom(err);
    }
    // Checked here rather than with oclif's `exclusive`, whose error message spans several lines.
    for (const [a, b] of [
      ['password-stdin', 'no-password'],
      ['sftp-only', 'port-forwarding'],
      ['sftp-only', 'agent-forwarding'],
    ] as const) {
      if (f[a] && f[b])
        throw new UserError(`--${a} and --${b} cannot be used together`, { exit: ExitCode.Usage });
    }
    const limits = {
      uploadBytesPerSecond:
        f['upload-limit'] === undefined ? 0 : parseRateFlag('upload-limit', f['upload-limit']),
      downloadBytesPerSecond:
        f['download-limit'] === undefined ? 0 : parseRateFlag('download-limit', f['download-limit']),
      maxConnections:
        f['max-connections'] === undefined ? 0 : parseCountFlag('max-connections', f['max-connections']),
    };
    const keySources = f.key ?? [];
    if (f['password-stdin'] && keySources.includes('-')) {
      throw new UserError('--password-stdin and --key - cannot both read stdin', { exit: ExitCode.Usage });
    }
    return this.withStore(async (store) => {
      if ((await store.get(name)) !== undefined) {
        throw new UserError(`a user named "${name}" already exists`, { code: 'ALREADY_EXISTS' });
      }
      const authorizedKeys = await this.readKeys(keySources, '--key');
      const passwordHash = f['no-password']
        ? undefined
        : await this.newPasswordHash(name, f['password-stdin'], 'or --no-password');
      const base = f['sftp-only'] ? SFTP_ONLY_PERMISSIONS : DEFAULT_PERMISSIONS;
      const user: NewUser = {
        name,
        authorizedKeys,
        authMethods,
        permissions: {
          ...base,
          portForwarding: f['port-forwarding'],
          agentForwarding: f['agent-forwarding'],
        },
        sftp: { readOnly: f['read-only'], umask: parseInt(f.umask, 8) },
        limits,
        ...(f.principals === undefined ? {} : { principals: f.principals.split(',') }),
        ...(passwordHash === undefined ? {} : { passwordHash }),
        ...(f.home === undefined ? {} : { home: resolve(f.home) }),
      };
      const added = userSummary(await store.add(user), this.dataDir);
      if (!added.hasPassword && added.keys === 0) {
        this.note(
          `Note: ${name} has no password and no key, so cannot log in yet (user passwd / user key add).`,
        );
      }
      this.log(`Added user ${name} (${added.access}; home ${added.home}).`);
      return added;
    });
  }
}
