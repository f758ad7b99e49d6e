import { formatLimits } from '../../cli/user-limits.js';
import { formatTable } from '../../cli/output.js';
import { UserCommand, userSummary, type UserSummary } from '../../cli/user-command.js';

/** `sshd-kit user list`: the users in the store. */
export default class UserList extends UserCommand<typeof UserList> {
  static override summary = 'List the users in the user store.';
  static override description =
    'Prints one row per user: credentials, allowed methods, access, limits (bandwidth, connections), home and status.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Machine-readable, with every field',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
    '<%= config.bin %> <%= command.id %> --data-dir /var/lib/sshd-kit',
  ];

  async run(): Promise<UserSummary[]> {
    const users = await this.withStore(async (store) =>
      (await store.list()).map((u) => userSummary(u, this.dataDir)),
    );
    if (users.length === 0) {
      this.log(`No users in ${this.dataDir} yet; add one with "user add NAME".`);
      return users;
    }
    const rows = users.map((u) => ({
      name: u.name,
      login:
        [u.hasPassword ? 'password' : '', u.keys > 0 ? `${u.keys} key${u.keys === 1 ? '' : 's'}` : '']
          .filter(Boolean)
          .join(' + ') || 'none',
      methods: u.authMethods,
      access: u.access,
      limits: formatLimits(u.limits),
      home: u.home,
      status: u.disabled ? 'disabled' : 'enabled',
    }));
    this.log(
      formatTable(rows, [
        { key: 'name', header: 'NAME' },
        { key: 'login', header: 'CREDENTIALS' },
        { key: 'methods', header: 'METHODS' },
        { key: 'access', header: 'ACCESS' },
        { key: 'limits', header: 'LIMITS' },
        { key: 'home', header: 'HOME' },
        { key: 'status', header: 'STATUS' },
      ]),
    );
    return users;
  }
}
