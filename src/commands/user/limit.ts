import { Args, Flags } from '@oclif/core';
import { formatRate, parseRateFlag } from '../../cli/bandwidth.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { UserCommand } from '../../cli/user-command.js';
import type { BandwidthLimits } from '../../users/user-store.js';

/** `sshd-kit user limit NAME`: set a user's bandwidth limits. */
export default class UserLimit extends UserCommand<typeof UserLimit> {
  static override summary = "Set a user's upload and download bandwidth limits.";
  static override description =
    "Limits are bytes per second over all of the user's connections and channels (SFTP, scp, shells, " +
    'forwarding), with K, M or G for KiB, MiB or GiB; "none" removes one. They apply to connections ' +
    'made from then on; connections already open keep the limits they started with.';
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
  };

  async run(): Promise<{ name: string } & BandwidthLimits> {
    const { name } = this.args;
    const { upload, download } = this.flags;
    this.checkName(name);
    if (upload === undefined && download === undefined)
      throw new UserError('give --upload, --download or both (a rate like 10M, or none)', {
        exit: ExitCode.Usage,
      });
    const patch = {
      ...(upload === undefined ? {} : { uploadBytesPerSecond: parseRateFlag('upload', upload) }),
      ...(download === undefined ? {} : { downloadBytesPerSecond: parseRateFlag('download', download) }),
    };
    const user = await this.withStore((store) => store.update(name, { bandwidth: patch }));
    const { uploadBytesPerSecond: up, downloadBytesPerSecond: down } = user.bandwidth;
    this.log(`Limits of ${name}: upload ${formatRate(up)}, download ${formatRate(down)}.`);
    return { name, uploadBytesPerSecond: up, downloadBytesPerSecond: down };
  }
}
