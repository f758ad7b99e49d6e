import { Args } from '@oclif/core';
import { yesFlag } from '../../cli/base-command.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { UserCommand } from '../../cli/user-command.js';
import { userHome } from '../../users/user-store.js';

/** `sshd-kit user remove NAME`: delete a user and their keys. */
export default class UserRemove extends UserCommand<typeof UserRemove> {
  static override summary = 'Remove a user and their keys from the user store.';
  static override description =
    'Asks for confirmation on a terminal unless --yes is given. The home directory is left in place.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    { description: 'Without asking (scripts)', command: '<%= config.bin %> <%= command.id %> alice --yes' },
  ];

  static override args = { name: Args.string({ description: 'The user to remove.', required: true }) };
  static override flags = { yes: yesFlag };

  async run(): Promise<{ removed: string; home: string }> {
    const { name } = this.args;
    this.checkName(name);
    return this.withStore(async (store) => {
      const user = await store.get(name);
      if (user === undefined) throw new UserError(`no user named "${name}"`, { code: 'USER_NOT_FOUND' });
      if (
        !(await this.confirmOrYes(
          `Remove user ${name} and their ${user.authorizedKeys.length} key(s)?`,
          this.flags.yes,
        ))
      ) {
        throw new UserError('nothing removed', { exit: ExitCode.Failure, code: 'CANCELLED' });
      }
      await store.remove(name);
      const home = userHome(user, this.dataDir);
      this.log(`Removed user ${name}; the home directory ${home} was left in place.`);
      return { removed: name, home };
    });
  }
}
