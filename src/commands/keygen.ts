import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, yesFlag } from '../cli/base-command.js';
import { ExitCode, UserError } from '../cli/errors.js';
import { resolveAnswer, type FlaggablePrompt } from '../cli/prompts.js';
import { readSecretFromStdin } from '../cli/stdin.js';
import { PassphraseRequiredError } from '../keys/errors.js';
import { fingerprintSha256, formatFingerprintLine } from '../keys/fingerprint.js';
import { checkKeyBits, GENERATED_KEY_KINDS, type GeneratedKeyKind } from '../keys/generate.js';
import {
  DEFAULT_HOST_KEY_KINDS,
  HostKeyStore,
  kindOfKeyType,
  type LoadedHostKey,
} from '../keys/host-key-store.js';
import { keychainAccountFor, osKeychain } from '../keys/keychain.js';
import {
  firstPassphrase,
  fixedPassphrase,
  keychainPassphrase,
  type PassphraseSource,
} from '../keys/passphrase-providers.js';
import type { PrivateKey } from '../keys/types.js';

/** The passphrase question for new keys; `--passphrase` answers it, `--yes` takes "none". */
const newPassphrasePrompt: FlaggablePrompt = {
  message: 'Passphrase for the new host keys (empty for none):',
  secret: true,
  confirm: true,
  default: '',
  alternatives: "--passphrase-stdin, or --yes / --passphrase '' for none",
  // ssh-keygen refuses passphrases of 4 bytes or fewer.
  validate: (v) => v === '' || Buffer.byteLength(v) > 4 || 'use at least 5 characters, or none',
};

/** One key in the `--json` result. */
interface KeyResult {
  kind: string;
  type: string;
  bits: number;
  path: string;
  publicKeyPath: string;
  fingerprint: string;
  comment: string;
  encrypted: boolean;
  /** generate: whether the passphrase went to the keychain; --list: where it came from. */
  keychain?: 'stored' | 'unavailable' | 'not-requested';
  passphraseFrom?: PassphraseSource;
}

export default class Keygen extends BaseCommand<typeof Keygen> {
  static override summary = 'Generate host keys into the data directory, as ssh-keygen -A does.';
  static override description = `Writes ssh_host_<type>_key (mode 0600) and ssh_host_<type>_key.pub. By default generates ed25519, ecdsa (P-256) and rsa (3072 bits). Refuses to overwrite existing keys without --force. A passphrase encrypts the keys (bcrypt_pbkdf + aes256-ctr, as ssh-keygen -N); --keychain stores it in the OS keychain so that serve can unlock the keys. --list loads the host keys already there (unlocking them as serve would) and prints their fingerprints.`;

  static override examples = [
    {
      description: 'Generate the default set of host keys, without a passphrase',
      command: '<%= config.bin %> <%= command.id %> --yes',
    },
    {
      description: 'One 4096-bit RSA key into another directory',
      command: '<%= config.bin %> <%= command.id %> --type rsa --bits 4096 --out /etc/sshd-kit --yes',
    },
    {
      description: 'An encrypted ed25519 key whose passphrase goes to the OS keychain',
      command:
        'printf \'%s\\n\' "$PASS" | <%= config.bin %> <%= command.id %> --type ed25519 --passphrase-stdin --keychain',
    },
    {
      description: 'Check that the host keys load, and show their fingerprints',
      command: '<%= config.bin %> <%= command.id %> --list',
    },
    {
      description: 'Replace existing keys and print the result as JSON',
      command: '<%= config.bin %> <%= command.id %> --force --yes --json',
    },
  ];

  static override flags = {
    type: Flags.string({
      char: 't',
      summary: 'Key type to generate.',
      options: [...GENERATED_KEY_KINDS, 'all'],
      default: 'all',
    }),
    bits: Flags.integer({
      char: 'b',
      summary: 'Key size: ecdsa 256/384/521, rsa 1024-16384 (needs a single --type).',
    }),
    out: Flags.string({ char: 'o', summary: 'Directory for the key files (default: the data directory).' }),
    force: Flags.boolean({ char: 'f', summary: 'Overwrite existing key files.' }),
    comment: Flags.string({
      char: 'C',
      summary: 'Comment stored in the keys (default: sshd-kit@<hostname>).',
    }),
    passphrase: Flags.string({
      summary:
        "Passphrase of the keys ('' for none); prompted for when omitted. Visible in the process list: prefer --passphrase-stdin.",
    }),
    'passphrase-stdin': Flags.boolean({
      summary: 'Read the passphrase from the first line of stdin.',
      exclusive: ['passphrase'],
    }),
    keychain: Flags.boolean({
      summary: 'Store the passphrase in the OS keychain (service "sshd-kit", account = key path).',
    }),
    list: Flags.boolean({
      char: 'l',
      summary: 'Load the existing host keys and print their fingerprints instead.',
      exclusive: ['force', 'bits', 'keychain'],
    }),
    yes: yesFlag,
  };

  async run(): Promise<{ dir: string; keys: KeyResult[] }> {
    const store = new HostKeyStore(this.flags.out === undefined ? this.dataDir : resolve(this.flags.out));
    return this.flags.list ? this.listKeys(store) : this.generateKeys(store);
  }

  private async generateKeys(store: HostKeyStore): Promise<{ dir: string; keys: KeyResult[] }> {
    const f = this.flags;
    const kinds = f.type === 'all' ? DEFAULT_HOST_KEY_KINDS : [f.type as GeneratedKeyKind];
    if (f.bits !== undefined && kinds.length !== 1)
      this.error('--bits needs a single --type', { exit: ExitCode.Usage });
    try {
      for (const k of kinds) checkKeyBits(k, f.bits);
    } catch (err) {
      this.error(`--bits: ${(err as Error).message}`, { exit: ExitCode.Usage });
    }
    try {
      await mkdir(store.dir, { recursive: true, mode: 0o700 });
      await access(store.dir, constants.W_OK);
    } catch (err) {
      const flag = f.out === undefined ? '--data-dir' : '--out';
      throw new UserError(`cannot write keys to ${store.dir} (${flag}): ${(err as Error).message}`, {
        code: 'NOT_WRITABLE',
      });
    }
    if (!f.force) {
      const missing = await store.missing(kinds);
      const existing = kinds.find((k) => !missing.includes(k));
      if (existing !== undefined) {
        throw new UserError(`${store.pathFor(existing)} already exists; pass --force to overwrite it`, {
          code: 'KEY_EXISTS',
        });
      }
    }
    const passphrase = f['passphrase-stdin']
      ? await readSecretFromStdin('passphrase-stdin')
      : await this.ask('passphrase', newPassphrasePrompt);
    if (f.keychain && passphrase === '')
      this.error('--keychain needs a passphrase to store', { exit: ExitCode.Usage });

    const comment = f.comment ?? `sshd-kit@${hostname()}`;
    const keychain = osKeychain();
    let keychainDown = false;
    const keys: KeyResult[] = [];
    for (const kind of kinds) {
      const written = await this.withSpinner(`Generating the ${kind} host key`, () =>
        store.generate(kind, { bits: f.bits, comment, passphrase, overwrite: f.force }),
      );
      let kc: KeyResult['keychain'] = 'not-requested';
      if (f.keychain) {
        kc = (await keychain.set(keychainAccountFor(written.path), passphrase)).ok ? 'stored' : 'unavailable';
        keychainDown ||= kc === 'unavailable';
      }
      this.log(`Wrote ${written.path}: ${formatFingerprintLine(written.key.publicKey)}`);
      keys.push({
        ...keyResult(written.key, written.path, written.publicPath),
        encrypted: written.encrypted,
        keychain: kc,
      });
    }
    if (keychainDown) {
      this.note(
        'No OS keychain (Secret Service) available: the keys are written encrypted; give serve their passphrase another way.',
      );
    } else if (f.keychain) {
      this.note('Stored the passphrase in the OS keychain (service "sshd-kit").');
    }
    return { dir: store.dir, keys };
  }

  private async listKeys(store: HostKeyStore): Promise<{ dir: string; keys: KeyResult[] }> {
    const f = this.flags;
    const files = await store.list();
    if (files.length === 0)
      throw new UserError(`no host keys in ${store.dir}; create them with: sshd-kit keygen`, {
        code: 'NO_KEYS',
      });
    const given =
      f['passphrase-stdin'] && files.some((x) => x.encrypted)
        ? await readSecretFromStdin('passphrase-stdin')
        : f.passphrase;
    const sources = new Map<string, PassphraseSource>();
    const prompt = {
      message: '',
      secret: true,
      alternatives: '--passphrase-stdin, or store it with keygen --keychain',
    };
    const provider = firstPassphrase(
      {
        ...(given === undefined ? {} : { given: fixedPassphrase(given) }),
        keychain: keychainPassphrase(osKeychain()),
        prompt: async (file) =>
          resolveAnswer(
            'passphrase',
            { ...prompt, message: `Passphrase for ${file.path}:` },
            { flags: {}, yes: false, interactive: this.interactivity.canPrompt },
          ),
      },
      (file, source) => sources.set(file.path, source),
    );
    let loaded: LoadedHostKey[];
    try {
      loaded = await store.load({ passphrase: provider });
    } catch (err) {
      if (err instanceof PassphraseRequiredError)
        throw new UserError(`${err.message}: pass --passphrase or --passphrase-stdin`, { cause: err });
      throw err;
    }
    return {
      dir: store.dir,
      keys: loaded.map(({ file, key }) => {
        this.log(`${file.path}: ${formatFingerprintLine(key.publicKey)}`);
        return {
          ...keyResult(key, file.path, file.publicPath),
          encrypted: file.encrypted,
          passphraseFrom: sources.get(file.path),
        };
      }),
    };
  }
}

function keyResult(key: PrivateKey, path: string, publicKeyPath: string): Omit<KeyResult, 'encrypted'> {
  const pub = key.publicKey;
  return {
    kind: kindOfKeyType(pub.type),
    type: pub.type,
    bits: pub.bits,
    path,
    publicKeyPath,
    fingerprint: fingerprintSha256(pub),
    comment: key.comment,
  };
}
