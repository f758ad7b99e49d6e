import { Args } from '@oclif/core';
import { UserCommand } from '../../../cli/user-command.js';

/** `sshd-kit user key remove NAME FINGERPRINT`: revoke one key. */
export default class UserKeyRemove extends UserCommand<typeof UserKeyRemove> {
  static override summary = "Remove one of a user's authorized keys.";
  static override description =
    'The key is named by its SHA256 fingerprint, as `user key list` or `ssh-keygen -l` prints it ' +
    '(the "SHA256:" prefix may be left out).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice SHA256:S7x88JFFCrAr0+k7R2rSoYWbEqLXTHsEFaDKcKF6XgM',
  ];

  static override args = {
    name: Args.string({ description: 'The user.', required: true }),
    fingerprint: Args.string({ description: 'SHA256 fingerprint of the key to remove.', required: true }),
  };

  async run(): Promise<{ name: string; removed: string }> {
    const { name } = this.args;
    this.checkName(name);
    const fingerprint = this.args.fingerprint.startsWith('SHA256:')
      ? this.args.fingerprint
      : `SHA256:${this.args.fingerprint}`;
    await this.withStore((store) => store.removeKey(name, fingerprint));
    this.log(`Removed ${fingerprint} from ${name}.`);
    return { name, removed: fingerprint };
  }
}
