import { Args } from '@oclif/core';
import { UserCommand } from '../../cli/user-command.js';

/** `sshd-kit user disable NAME`. */
export default class UserDisable extends UserCommand<typeof UserDisable> {
  static override summary = 'Refuse every login of a user, keeping the account.';
  static override description =
    'Sessions already open are not ended; a disabled user fails authentication exactly like a wrong password.';
  static override examples = ['<%= config.bin %> <%= command.id %> alice'];

  static override args = { name: Args.string({ description: 'The user to disable.', required: true }) };

  async run(): Promise<{ name: string; disabled: boolean }> {
    const { name } = this.args;
    this.checkName(name);
    await this.withStore((store) => store.setDisabled(name, true));
    this.log(`User ${name} disabled.`);
    return { name, disabled: true };
  }
}
