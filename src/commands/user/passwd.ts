import { Args, Flags } from '@oclif/core';
import { UserError } from '../../cli/errors.js';
import { UserCommand } from '../../cli/user-command.js';

/** `sshd-kit user passwd NAME`: set a user's password. */
export default class UserPasswd extends UserCommand<typeof UserPasswd> {
  static override summary = "Set a user's password.";
  static override description =
    'The new password is asked twice on a terminal, or read from the first line of stdin with --password-stdin. ' +
    'It is hashed with scrypt; the store never sees the password itself.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    {
      description: 'From a secret manager',
      command: 'pass show sftp/alice | <%= config.bin %> <%= command.id %> alice --password-stdin',
    },
  ];

  static override args = {
    name: Args.string({ description: 'The user whose password to set.', required: true }),
  };
  static override flags = {
    'password-stdin': Flags.boolean({ description: 'Read the password from the first line of stdin.' }),
  };

  async run(): Promise<{ name: string; passwordSet: true }> {
    const { name } = this.args;
    this.checkName(name);
    return this.withStore(async (store) => {
      if ((await store.get(name)) === undefined)
        throw new UserError(`no user named "${name}"`, { code: 'USER_NOT_FOUND' });
      const hash = await this.newPasswordHash(name, this.flags['password-stdin']);
      await store.setPasswordHash(name, hash);
      this.log(`Password set for ${name}.`);
      return { name, passwordSet: true as const };
    });
  }
}
