import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprintSha256 } from './fingerprint.js';
import { checkKeyBits, generatePrivateKey, type GeneratedKeyKind } from './generate.js';
import { KeyFormatError, PassphraseRequiredError, WrongPassphraseError } from './errors.js';
import { encodeOpenSshPrivateKey } from './openssh-key-v1.js';
import { inspectPrivateKey, parsePrivateKey } from './private-key.js';
import { formatPublicKeyLine, parsePublicKeyFile } from './public-key-line.js';
import type { KeyType, PrivateKey, PublicKey } from './types.js';

/** Host key file names by kind, as `ssh-keygen -A` writes them (the `.pub` sits beside each). */
export const HOST_KEY_FILE_NAMES: Readonly<Record<GeneratedKeyKind | 'dsa', string>> = {
  ed25519: 'ssh_host_ed25519_key',
  ecdsa: 'ssh_host_ecdsa_key',
  rsa: 'ssh_host_rsa_key',
  dsa: 'ssh_host_dsa_key',
};

/** The kinds `ssh-keygen -A` (and `sshd-kit keygen` with no `--type`) generates. */
export const DEFAULT_HOST_KEY_KINDS: readonly GeneratedKeyKind[] = ['ed25519', 'ecdsa', 'rsa'];

/** A host key file found in the store, read without its passphrase. */
export interface HostKeyFile {
  readonly kind: GeneratedKeyKind | 'dsa';
  readonly path: string;
  readonly publicPath: string;
  readonly encrypted: boolean;
  /** The public key, from the private file's clear part or the `.pub` file, when readable. */
  readonly publicKey: PublicKey | undefined;
}

/** Supplies the passphrase of an encrypted host key (from a prompt, a keychain, a file...). */
export type PassphraseProvider = (file: HostKeyFile) => Promise<string | undefined>;

/** A host key loaded by {@link HostKeyStore.load}, with the file it came from. */
export interface LoadedHostKey {
  readonly file: HostKeyFile;
  readonly key: PrivateKey;
}

/** A key written by {@link HostKeyStore.generate}. */
export interface WrittenHostKey {
  readonly kind: GeneratedKeyKind;
  readonly path: string;
  readonly publicPath: string;
  readonly key: PrivateKey;
  readonly encrypted: boolean;
}

/** The `ssh-keygen -t` kind of a host key's type (a security key is never a host key). */
export function kindOfKeyType(type: KeyType): GeneratedKeyKind | 'dsa' {
  if (type.startsWith('sk-')) throw new KeyFormatError(`a ${type} key cannot be a host key`);
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type === 'ssh-rsa') return 'rsa';
  if (type === 'ssh-dss') return 'dsa';
  return 'ecdsa';
}

/** Re-throws a key error with the file's path in front of its message (same class). */
function withPath(path: string, err: unknown): never {
  if (err instanceof KeyFormatError) throw new KeyFormatError(`${path}: ${err.message}`, { cause: err });
  if (err instanceof WrongPassphraseError)
    throw new WrongPassphraseError(`${path}: ${err.message}`, { cause: err });
  if (err instanceof PassphraseRequiredError) {
    throw new PassphraseRequiredError(`${path}: ${err.message}`, { cause: err });
  }
  throw err;
}

const exists = async (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );

/**
 * Writes `text` to `path` with `mode`. Without `overwrite` the file is created exclusively (an
 * existing file is an EEXIST error); with it, a temporary file is renamed over the old one so a
 * crash never leaves half a key.
 */
async function writeFileSafely(path: string, text: string, mode: number, overwrite: boolean): Promise<void> {
  const target = overwrite ? `${path}.tmp-${randomBytes(6).toString('hex')}` : path;
  const fh = await open(target, 'wx', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(target, mode); // the umask may have narrowed or the file may pre-exist on some systems
  if (overwrite) {
    try {
      await rename(target, path);
    } catch (err) {
      await rm(target, { force: true });
      throw err;
    }
  }
}

/**
 * The host keys in a directory (normally the data directory), named as `ssh-keygen -A` names them:
 * `ssh_host_<kind>_key` (mode 0600) with `ssh_host_<kind>_key.pub` beside it.
 */
export class HostKeyStore {
  constructor(
    /** The directory holding the key files. */
    readonly dir: string,
  ) {}

  /** The private key path for a kind. */
  pathFor(kind: GeneratedKeyKind | 'dsa'): string {
    return join(this.dir, HOST_KEY_FILE_NAMES[kind]);
  }

  /** The host key files present, in the order ed25519, ecdsa, rsa, dsa. A missing directory has none. */
  async list(): Promise<HostKeyFile[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found: HostKeyFile[] = [];
    for (const kind of Object.keys(HOST_KEY_FILE_NAMES) as (GeneratedKeyKind | 'dsa')[]) {
      if (!names.includes(HOST_KEY_FILE_NAMES[kind])) continue;
      found.push(await this.inspect(kind));
    }
    return found;
  }

  /** Reads one host key file's clear parts (public key, encrypted or not). */
  async inspect(kind: GeneratedKeyKind | 'dsa'): Promise<HostKeyFile> {
    const path = this.pathFor(kind);
    const publicPath = `${path}.pub`;
    let info;
    try {
      info = inspectPrivateKey(await readFile(path));
    } catch (err) {
      withPath(path, err);
    }
    let publicKey = info.publicKey;
    if (await exists(publicPath)) {
      try {
        const pub = parsePublicKeyFile(await readFile(publicPath, 'utf8'));
        if (publicKey !== undefined && fingerprintSha256(pub) !== fingerprintSha256(publicKey)) {
          throw new KeyFormatError('the .pub file does not match the private key');
        }
        publicKey = pub; // keeps the comment
      } catch (err) {
        withPath(publicPath, err);
      }
    }
    return { kind, path, publicPath, encrypted: info.encrypted, publicKey };
  }

  /**
   * Loads every host key present. Encrypted ones are decrypted with the passphrase `passphrase`
   * supplies; without one they fail with {@link PassphraseRequiredError} naming the file.
   */
  async load(options: { passphrase?: PassphraseProvider } = {}): Promise<LoadedHostKey[]> {
    const keys: LoadedHostKey[] = [];
    for (const file of await this.list()) {
      const pass = file.encrypted ? await options.passphrase?.(file) : undefined;
      try {
        keys.push({ file, key: parsePrivateKey(await readFile(file.path), { passphrase: pass }) });
      } catch (err) {
        withPath(file.path, err);
      }
    }
    return keys;
  }

  /** The kinds among `kinds` that have no private key file yet. */
  async missing(kinds: readonly GeneratedKeyKind[] = DEFAULT_HOST_KEY_KINDS): Promise<GeneratedKeyKind[]> {
    const out: GeneratedKeyKind[] = [];
    for (const kind of kinds) if (!(await exists(this.pathFor(kind)))) out.push(kind);
    return out;
  }

  /**
   * Generates a host key of `kind` and writes it (private 0600, `.pub` 0644; the directory is
   * created 0700). Refuses to replace an existing file (EEXIST) unless `overwrite`.
   */
  async generate(
    kind: GeneratedKeyKind,
    options: { bits?: number; comment?: string; passphrase?: string; overwrite?: boolean } = {},
  ): Promise<WrittenHostKey> {
    checkKeyBits(kind, options.bits);
    const key = await generatePrivateKey(kind, { bits: options.bits, comment: options.comment ?? '' });
    return this.write(kind, key, options);
  }

  /** Writes an existing private key as the host key of `kind` (see {@link HostKeyStore.generate}). */
  async write(
    kind: GeneratedKeyKind,
    key: PrivateKey,
    options: { passphrase?: string; overwrite?: boolean } = {},
  ): Promise<WrittenHostKey> {
    if (kindOfKeyType(key.type) !== kind) throw new RangeError(`a ${key.type} key is not a ${kind} host key`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.pathFor(kind);
    const publicPath = `${path}.pub`;
    const overwrite = options.overwrite === true;
    if (!overwrite) {
      for (const p of [path, publicPath]) {
        if (await exists(p))
          throw Object.assign(new Error(`EEXIST: file already exists, open '${p}'`), {
            code: 'EEXIST',
            syscall: 'open',
            path: p,
          });
      }
    }
    const passphrase = options.passphrase ?? '';
    await writeFileSafely(path, encodeOpenSshPrivateKey(key, { passphrase }), 0o600, overwrite);
    await writeFileSafely(publicPath, `${formatPublicKeyLine(key.publicKey)}\n`, 0o644, overwrite);
    return { kind, path, publicPath, key, encrypted: passphrase !== '' };
  }

  /** Generates every kind in `kinds` that is missing (as `ssh-keygen -A`); returns what it wrote. */
  async ensure(
    kinds: readonly GeneratedKeyKind[] = DEFAULT_HOST_KEY_KINDS,
    options: { comment?: string; passphrase?: string } = {},
  ): Promise<WrittenHostKey[]> {
    const written: WrittenHostKey[] = [];
    for (const kind of await this.missing(kinds)) written.push(await this.generate(kind, options));
    return written;
  }
}
