import { Args } from '@oclif/core';
import { UserCommand } from '../../cli/user-command.js';

/** `sshd-kit user enable NAME`. */
export default class UserEnable extends UserCommand<typeof UserEnable> {
  static override summary = 'Allow a disabled user to log in again.';
  static override description = 'Undoes user disable; credentials and keys are unchanged.';
  static override examples = ['<%= config.bin %> <%= command.id %> alice'];

  static override args = { name: Args.string({ description: 'The user to enable.', required: true }) };

  async run(): Promise<{ name: string; disabled: boolean }> {
    const { name } = this.args;
    this.checkName(name);
    await this.withStore((store) => store.setDisabled(name, false));
    this.log(`User ${name} enabled.`);
    return { name, disabled: false };
  }
}
