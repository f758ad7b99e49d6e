import { Args, Flags } from '@oclif/core';
import { describeLimits, parseCountFlag, parseRateFlag } from '../../cli/user-limits.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { UserCommand } from '../../cli/user-command.js';
import type { UserLimits } from '../../users/user-store.js';

/** `sshd-kit user limit NAME`: set a user's bandwidth and connection limits. */
export default class UserLimit extends UserCommand<typeof UserLimit> {
  static override summary = "Set a user's bandwidth and connection limits.";
  static override description =
    "Bandwidth limits are bytes per second over all of the user's connections and channels (SFTP, scp, " +
    "shells, forwarding), with K, M or G for KiB, MiB or GiB. --connections caps the user's logged-in " +
    'connections at once; a login past it is disconnected with TOO_MANY_CONNECTIONS. "none" removes a ' +
    'limit. Limits apply to logins from then on; connections already open keep what they started with.';
  static override examples = [
    {
      description: 'At most 1 MiB/s up and 10 MiB/s down',
      command: '<%= config.bin %> <%= command.id %> site42 --upload 1M --download 10M',
    },
    {
      description: 'Lift the download limit',
      command: '<%= config.bin %> <%= command.id %> site42 --download none',
    },
  ];

  static override args = { name: Args.string({ description: 'The user to limit.', required: true }) };

  static override flags = {
    upload: Flags.string({ description: 'Bytes per second the user may send (512K, 10M, none).' }),
    download: Flags.string({ description: 'Bytes per second the user may receive (512K, 10M, none).' }),
    connections: Flags.string({
      description: 'Connections the user may have logged in at once (a number, none).',
    }),
  };

  async run(): Promise<{ name: string } & UserLimits> {
    const { name } = this.args;
    const { upload, download, connections } = this.flags;
    this.checkName(name);
    if (upload === undefined && download === undefined && connections === undefined)
      throw new UserError('give --upload, --download or --connections (a rate like 10M, a number, or none)', {
        exit: ExitCode.Usage,
      });
    const patch = {
      ...(upload === undefined ? {} : { uploadBytesPerSecond: parseRateFlag('upload', upload) }),
      ...(download === undefined ? {} : { downloadBytesPerSecond: parseRateFlag('download', download) }),
      ...(connections === undefined ? {} : { maxConnections: parseCountFlag('connections', connections) }),
    };
    const user = await this.withStore((store) => store.update(name, { limits: patch }));
    this.log(`Limits of ${name}: ${describeLimits(user.limits)}.`);
    return { name, ...user.limits };
  }
}
