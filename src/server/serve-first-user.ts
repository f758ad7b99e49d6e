import type { Logger } from '../log/logger.js';
import { hashPassword, MAX_PASSWORD_BYTES } from '../users/password-hash.js';
import { isValidUsername, type UserStore } from '../users/user-store.js';

/** The questions `serve` asks on a terminal when the store has no user (the CLI supplies them). */
export interface FirstUserPrompter {
  confirm(message: string): Promise<boolean>;
  /** Free text, checked by `validate` (true, or what is wrong). */
  input(message: string, validate: (value: string) => true | string): Promise<string>;
  /** A new password, asked twice. */
  newPassword(message: string, validate: (value: string) => true | string): Promise<string>;
}

/** The command that adds a user to this data directory, for the "no user yet" hint. */
export function userAddCommand(dataDir: string): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(dataDir) ? dataDir : `'${dataDir.replaceAll("'", "'\\''")}'`;
  return `sshd-kit user add NAME --data-dir ${quoted}`;
}

const validateName = (v: string): true | string =>
  isValidUsername(v) || 'use 1–32 characters: a lower-case letter or "_" first, then a-z 0-9 _ . -';

const validatePassword = (v: string): true | string =>
  v === ''
    ? 'the password is empty'
    : Buffer.byteLength(v, 'utf8') > MAX_PASSWORD_BYTES
      ? `the password is longer than ${MAX_PASSWORD_BYTES} bytes`
      : true;

/**
 * When the user store is empty: with a `prompter` (a terminal), offers to create the first user
 * (name, password twice); without one, logs the command to run. Either way the server keeps
 * serving. Returns the name of a user created, if any.
 */
export async function offerFirstUser(
  store: UserStore,
  dataDir: string,
  log: Logger,
  prompter: FirstUserPrompter | undefined,
): Promise<string | undefined> {
  if ((await store.list()).length > 0) return undefined;
  const hint = userAddCommand(dataDir);
  if (!prompter) {
    log.warn({ command: hint }, `no users yet: nobody can log in until you add one with: ${hint}`);
    return undefined;
  }
  if (!(await prompter.confirm('The user store is empty. Create a user now?'))) {
    log.warn({ command: hint }, `no users yet: add one later with: ${hint}`);
    return undefined;
  }
  const name = await prompter.input('User name:', validateName);
  const password = await prompter.newPassword(`Password for ${name}:`, validatePassword);
  await store.add({ name, passwordHash: await hashPassword(password) });
  log.info({ user: name }, 'user created');
  return name;
}
