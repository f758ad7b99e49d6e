import { Args } from '@oclif/core';
import { UserCommand } from '../../../cli/user-command.js';
import { formatFingerprintLine } from '../../../keys/fingerprint.js';

/** One key as `user key list --json` prints it. */
interface KeySummary {
  readonly bits: number;
  readonly fingerprint: string;
  readonly comment: string;
  readonly type: string;
  readonly options: string;
}

/** `sshd-kit user key list NAME`: a user's authorized keys, as `ssh-keygen -l` prints them. */
export default class UserKeyList extends UserCommand<typeof UserKeyList> {
  static override summary = "List a user's authorized keys.";
  static override description =
    'One line per key in the format of `ssh-keygen -l`: bits, SHA256 fingerprint, comment, type; ' +
    'options, when the line has any, follow in brackets.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice',
    {
      description: 'With the options of each line',
      command: '<%= config.bin %> <%= command.id %> alice --json',
    },
  ];

  static override args = { name: Args.string({ description: 'The user.', required: true }) };

  async run(): Promise<KeySummary[]> {
    const { name } = this.args;
    this.checkName(name);
    const keys = await this.withStore((store) => store.listKeys(name));
    if (keys.length === 0) this.log(`${name} has no authorized keys.`);
    for (const k of keys) {
      const line = formatFingerprintLine(k.key, k.comment);
      this.log(k.optionsText === '' ? line : `${line} [${k.optionsText}]`);
    }
    return keys.map((k) => ({
      bits: k.key.bits,
      fingerprint: k.fingerprint,
      comment: k.comment,
      type: k.type,
      options: k.optionsText,
    }));
  }
}
