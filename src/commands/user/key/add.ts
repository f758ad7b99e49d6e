import { Args } from '@oclif/core';
import { UserCommand } from '../../../cli/user-command.js';

/** `sshd-kit user key add NAME FILE|-`: authorize public keys for a user. */
export default class UserKeyAdd extends UserCommand<typeof UserKeyAdd> {
  static override summary = 'Authorize public keys for a user.';
  static override description =
    'Reads OpenSSH public keys or authorized_keys lines (with options such as from=, command=, restrict) from a ' +
    'file, or from stdin with -. Every line must parse, or nothing is added.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice ~/.ssh/id_ed25519.pub',
    {
      description: 'A key limited to one network and no forwarding',
      command: `echo "from=\\"10.0.0.0/8\\",restrict $(cat ci.pub)" | <%= config.bin %> <%= command.id %> deploy -`,
    },
    {
      description: 'Trust a CA for certificates naming "deploy" (ssh-keygen -s ca -n deploy)',
      command: `echo "cert-authority,principals=\\"deploy\\" $(cat ca.pub)" | <%= config.bin %> <%= command.id %> web -`,
    },
    {
      description: 'Import an existing authorized_keys file',
      command: '<%= config.bin %> <%= command.id %> bob /home/bob/.ssh/authorized_keys',
    },
  ];

  static override args = {
    name: Args.string({ description: 'The user.', required: true }),
    file: Args.string({ description: 'Public key file, or - for stdin.', required: true }),
  };

  async run(): Promise<{ name: string; added: { fingerprint: string; comment: string }[] }> {
    const { name, file } = this.args;
    this.checkName(name);
    return this.withStore(async (store) => {
      await store.listKeys(name); // fails with "no user named" before reading stdin
      const keys = await this.readKeys([file], 'FILE');
      for (const key of keys) await store.addKey(name, key);
      for (const key of keys)
        this.log(
          `Added ${key.fingerprint} ${key.comment || '(no comment)'} to ${name}` +
            (key.options.certAuthority ? ' as a certificate authority.' : '.'),
        );
      return { name, added: keys.map((k) => ({ fingerprint: k.fingerprint, comment: k.comment })) };
    });
  }
}
