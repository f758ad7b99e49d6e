import { readFile } from 'node:fs/promises';
import { confirm } from '@inquirer/prompts';
import type { Command } from '@oclif/core';
import { AuthorizedKeyError, PasswordHashError, UserStoreError } from '../users/errors.js';
import { parseAuthorizedKeys, type AuthorizedKey } from '../users/authorized-keys.js';
import { formatAuthMethods } from '../users/auth-methods.js';
import { hashPassword, MAX_PASSWORD_BYTES } from '../users/password-hash.js';
import { SqliteUserStore } from '../users/sqlite-store.js';
import { assertValidUsername, userHome, type UserRecord, type UserStore } from '../users/user-store.js';
import { BaseCommand } from './base-command.js';
import { ExitCode, UserError } from './errors.js';
import { readSecretFromStdin } from './stdin.js';

const STORE_CODES = {
  'not-found': 'USER_NOT_FOUND',
  'already-exists': 'ALREADY_EXISTS',
  invalid: 'INVALID',
  unavailable: 'STORE_UNAVAILABLE',
  corrupt: 'STORE_CORRUPT',
  'schema-too-new': 'STORE_SCHEMA_TOO_NEW',
} as const;

/** Turn the users layer's typed errors into one-line {@link UserError}s; anything else passes through. */
export function userErrorFrom(err: unknown): unknown {
  if (err instanceof UserStoreError) {
    const exit = err.code === 'invalid' ? ExitCode.Usage : ExitCode.Failure;
    return new UserError(err.message, { exit, code: STORE_CODES[err.code], cause: err });
  }
  if (err instanceof AuthorizedKeyError)
    return new UserError(err.message, { code: 'KEY_FORMAT', cause: err });
  if (err instanceof PasswordHashError) return new UserError(err.message, { code: 'PASSWORD', cause: err });
  return err;
}

/** One user as `user list --json` and `user add --json` print it. */
export interface UserSummary {
  readonly name: string;
  readonly hasPassword: boolean;
  readonly keys: number;
  readonly authMethods: string;
  readonly access: string;
  readonly permissions: UserRecord['permissions'];
  readonly sftp: { readonly readOnly: boolean; readonly umask: string };
  /** Bytes per second; 0 is no limit. */
  readonly limits: UserRecord['limits'];
  /** Certificate principals (empty: the user's name). */
  readonly principals: readonly string[];
  readonly home: string;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Summarise a record for output; `home` is resolved against the data directory. */
export function userSummary(user: UserRecord, dataDir: string): UserSummary {
  const p = user.permissions;
  const access = [p.shell && 'shell', p.exec && 'exec', p.sftp && 'sftp', p.portForwarding && 'port-fwd']
    .concat(p.agentForwarding && 'agent-fwd')
    .filter((x): x is string => typeof x === 'string');
  return {
    name: user.name,
    hasPassword: user.passwordHash !== undefined,
    keys: user.authorizedKeys.length,
    authMethods: formatAuthMethods(user.authMethods),
    access: (access.length === 0 ? ['none'] : access).join(',') + (user.sftp.readOnly ? ' (read-only)' : ''),
    permissions: user.permissions,
    sftp: { readOnly: user.sftp.readOnly, umask: user.sftp.umask.toString(8).padStart(3, '0') },
    limits: user.limits,
    principals: user.principals,
    home: userHome(user, dataDir),
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

async function readAllStdin(what: string): Promise<string> {
  if (process.stdin.isTTY === true) {
    throw new UserError(`${what} reads keys from a pipe, but stdin is a terminal`, { exit: ExitCode.Usage });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > 1024 * 1024)
      throw new UserError(`${what}: more than 1 MiB on stdin`, { exit: ExitCode.Usage });
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Base of the `sshd-kit user …` commands: opens the SQLite user store in `--data-dir` around the
 * work, reads public keys from files or stdin, asks for new passwords (prompted twice, or
 * `--password-stdin`), and reports store, key and password errors as one line.
 */
export abstract class UserCommand<T extends typeof Command> extends BaseCommand<T> {
  /** Run `work` against the store, closing it afterwards and mapping its errors. */
  protected async withStore<R>(work: (store: UserStore) => Promise<R>): Promise<R> {
    let store: SqliteUserStore;
    try {
      store = SqliteUserStore.open(this.dataDir);
    } catch (err) {
      throw userErrorFrom(err);
    }
    try {
      return await work(store);
    } catch (err) {
      throw userErrorFrom(err);
    } finally {
      await store.close().catch(() => undefined);
    }
  }

  /** Check a user name before anything is asked or read. */
  protected checkName(name: string): void {
    try {
      assertValidUsername(name);
    } catch (err) {
      throw userErrorFrom(err);
    }
  }

  /**
   * Read `authorized_keys` lines from each source (a file, or `-` for stdin), all-or-nothing: a bad
   * line fails the command naming the source and line number.
   */
  protected async readKeys(sources: readonly string[], flag: string): Promise<AuthorizedKey[]> {
    if (sources.filter((s) => s === '-').length > 1) {
      throw new UserError(`${flag} - may be given once (stdin can be read only once)`, {
        exit: ExitCode.Usage,
      });
    }
    const keys: AuthorizedKey[] = [];
    for (const source of sources) {
      const text = source === '-' ? await readAllStdin(`${flag} -`) : await readFile(source, 'utf8');
      const where = source === '-' ? 'stdin' : source;
      const { keys: found, errors } = parseAuthorizedKeys(text);
      const first = errors[0];
      if (first !== undefined) {
        const detail = first.message.replace(/^authorized_keys: /, '');
        throw new UserError(`${where} line ${first.line}: ${detail}`, { code: 'KEY_FORMAT' });
      }
      if (found.length === 0) throw new UserError(`${where} holds no public key`, { code: 'KEY_FORMAT' });
      keys.push(...found);
    }
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k.fingerprint))
        throw new UserError(`key ${k.fingerprint} is given twice`, { exit: ExitCode.Usage });
      seen.add(k.fingerprint);
    }
    return keys;
  }

  /**
   * A new password for `name`, hashed: from stdin with `--password-stdin`, else prompted twice; with
   * neither a flag nor a terminal, fails naming the flag (and `alternatives`, e.g. `--no-password`).
   */
  protected async newPasswordHash(name: string, fromStdin: boolean, alternatives?: string): Promise<string> {
    const validate = (v: string): true | string =>
      v === ''
        ? 'the password is empty'
        : Buffer.byteLength(v, 'utf8') > MAX_PASSWORD_BYTES
          ? `the password is longer than ${MAX_PASSWORD_BYTES} bytes`
          : true;
    let password: string;
    if (fromStdin) {
      password = await readSecretFromStdin('password-stdin');
      const ok = validate(password);
      if (ok !== true) throw new UserError(`--password-stdin: ${ok}`, { exit: ExitCode.Usage });
    } else {
      password = await this.ask('password-stdin', {
        message: `New password for ${name}`,
        secret: true,
        confirm: true,
        validate,
        ...(alternatives === undefined ? {} : { alternatives }),
      });
    }
    return this.withSpinner('Hashing the password (scrypt)', () =>
      hashPassword(password).catch((e) => Promise.reject(userErrorFrom(e))),
    );
  }

  /** Ask "are you sure" unless `--yes`; without a terminal, fail naming `--yes`. */
  protected async confirmOrYes(question: string, yes: boolean): Promise<boolean> {
    if (yes) return true;
    if (!this.interactivity.canPrompt) {
      throw new UserError(`no terminal to ask "${question}": pass --yes`, { exit: ExitCode.Usage });
    }
    return confirm({ message: question, default: false }, { output: process.stderr });
  }
}
