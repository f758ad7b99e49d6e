import { Args, Flags } from '@oclif/core';
import { ExitCode, UserError } from '../../cli/errors.js';
import { UserCommand } from '../../cli/user-command.js';
import type { UserRecord } from '../../users/user-store.js';

/** `sshd-kit user principals NAME [PRINCIPALS]`: the certificate principals a user logs in as. */
export default class UserPrincipals extends UserCommand<typeof UserPrincipals> {
  static override summary = 'Show or set the certificate principals a user logs in as.';
  static override description =
    'A certificate from a CA in trustedUserCAKeys logs in as this user when it names one of these ' +
    "principals (sshd's AuthorizedPrincipalsFile); with none set, it must name the user. Principals " +
    'are comma-separated, as ssh-keygen -n takes them, and replace the list; --clear goes back to ' +
    'the user name; with neither, the list is printed.';
  static override examples = [
    {
      description: 'Certificates for "ops" or "deploy" (ssh-keygen -s ca -n ops ...) log in as web',
      command: '<%= config.bin %> <%= command.id %> web ops,deploy',
    },
    {
      description: 'Back to certificates naming "web" itself',
      command: '<%= config.bin %> <%= command.id %> web --clear',
    },
    '<%= config.bin %> <%= command.id %> web',
  ];

  static override args = {
    name: Args.string({ description: 'The user.', required: true }),
    principals: Args.string({ description: 'Principals, comma-separated; replaces the list.' }),
  };

  static override flags = {
    clear: Flags.boolean({ description: 'Remove every principal: certificates must name the user.' }),
  };

  async run(): Promise<{ name: string; principals: readonly string[] }> {
    const { name, principals } = this.args;
    this.checkName(name);
    if (this.flags.clear && principals !== undefined)
      throw new UserError('give principals or --clear, not both', { exit: ExitCode.Usage });
    const next = this.flags.clear ? [] : principals?.split(',');
    const user = await this.withStore(async (store): Promise<UserRecord> => {
      if (next !== undefined) return store.update(name, { principals: next });
      const found = await store.get(name);
      if (found === undefined) throw new UserError(`no user named "${name}"`, { code: 'USER_NOT_FOUND' });
      return found;
    });
    const list = user.principals;
    this.log(
      list.length === 0
        ? `Certificates log in as ${name} when they name "${name}".`
        : `Certificates log in as ${name} when they name one of: ${list.join(', ')}.`,
    );
    return { name, principals: list };
  }
}
