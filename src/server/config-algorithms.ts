import { createDefaultRegistries } from '../algorithms/defaults.js';
import { AlgorithmRegistry, type AlgorithmRegistries } from '../algorithms/registry.js';
import type { NamedAlgorithm } from '../algorithms/types.js';
import { resolveAlgorithmList, type ResolvedList } from './algorithm-lists.js';
import type { AlgorithmSettings } from './server.js';
import type { Profile } from './config-schema.js';
import { ConfigValueError } from './config-values.js';
import { closestMatch } from './config-suggest.js';

/**
 * The `hardened` profile: the defaults narrowed to what ssh-audit (v3.3) rates with no failure and
 * no warning (docs/config.md "Profiles"). Names not registered (yet) are simply absent.
 * - kex: only the post-quantum hybrids and curve25519 — no NIST curves ("NSA curves" fail), no
 *   finite-field DH (SHA-1 / DHEat), no SHA-1.
 * - host keys and user keys: Ed25519 (plain and on a security key) and RSA with SHA-2, and their
 *   certificates — no ECDSA (NIST curves, security keys' too), no `ssh-rsa`.
 *   RSA host keys under 3072 bits are left out as well (ssh-audit warns below 3072).
 * - ciphers: AES-GCM and AES-CTR — no CBC, and no chacha20-poly1305 either, so that Terrapin
 *   (CVE-2023-48795) has nothing to attack even with a client that lacks strict KEX.
 * - MACs: only encrypt-then-MAC with SHA-2 (plain `hmac-sha2-*` is encrypt-and-MAC: warned).
 */
export const HARDENED_ALGORITHMS: Readonly<Record<keyof AlgorithmRegistries, readonly string[]>> = {
  kex: [
    'mlkem768x25519-sha256',
    'sntrup761x25519-sha512',
    'sntrup761x25519-sha512@openssh.com',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
  ],
  hostKey: [
    'ssh-ed25519-cert-v01@openssh.com',
    'sk-ssh-ed25519-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-256-cert-v01@openssh.com',
    'ssh-ed25519',
    'sk-ssh-ed25519@openssh.com',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: ['aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes192-ctr', 'aes128-ctr'],
  mac: ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com'],
  compression: ['none'],
};

/** Smallest RSA host key the hardened profile uses (ssh-audit warns below 3072 bits). */
export const HARDENED_MIN_RSA_BITS = 3072;

function narrowed<T extends NamedAlgorithm>(
  source: AlgorithmRegistry<T>,
  keep: readonly string[],
): AlgorithmRegistry<T> {
  const out = new AlgorithmRegistry<T>(source.kind);
  // The kept defaults come first, in the profile's order; everything else stays available by name.
  for (const name of keep) {
    const alg = source.get(name);
    if (alg && source.statusOf(name) === 'default') out.register(alg, 'default');
  }
  for (const { algorithm, status } of source.list()) {
    if (out.get(algorithm.name)) continue;
    out.register(algorithm, status === 'default' ? 'optional' : status);
  }
  return out;
}

/**
 * Fresh algorithm registries for a profile: `default` is {@link createDefaultRegistries};
 * `hardened` demotes every default outside {@link HARDENED_ALGORITHMS} to optional (still usable
 * when the config names it).
 */
export function createProfileRegistries(profile: Profile): AlgorithmRegistries {
  const r = createDefaultRegistries();
  if (profile === 'default') return r;
  const h = HARDENED_ALGORITHMS;
  return {
    kex: narrowed(r.kex, h.kex),
    hostKey: narrowed(r.hostKey, h.hostKey),
    cipher: narrowed(r.cipher, h.cipher),
    mac: narrowed(r.mac, h.mac),
    compression: narrowed(r.compression, h.compression),
  };
}

/** The algorithm lists a config resolves to, and the legacy ones among them. */
export interface ResolvedAlgorithms {
  readonly kexAlgorithms: readonly string[];
  readonly hostKeyAlgorithms: readonly string[];
  readonly ciphers: readonly string[];
  readonly macs: readonly string[];
  readonly compression: readonly string[];
  readonly pubkeyAcceptedAlgorithms: readonly string[];
  /** Plain signature algorithms only: a CA signs as a plain key. */
  readonly caSignatureAlgorithms: readonly string[];
  readonly legacy: readonly string[];
}

type ListKey = keyof Omit<ResolvedAlgorithms, 'legacy'>;

function checkNames<T extends NamedAlgorithm>(
  key: ListKey,
  registry: AlgorithmRegistry<T>,
  spec: string | readonly string[] | undefined,
): ResolvedList {
  if (spec !== undefined) {
    const text = typeof spec === 'string' ? spec : spec.join(',');
    const op = text[0];
    const names = (op === '+' || op === '-' || op === '^' ? text.slice(1) : text)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) throw new ConfigValueError('names no algorithm');
    const known = registry.names('all');
    for (const name of names) {
      if (op === '-' && /[*?]/.test(name)) continue;
      if (known.includes(name)) continue;
      const hint = closestMatch(name, known);
      throw new ConfigValueError(
        `names an unknown ${registry.kind} algorithm "${name}"` +
          (hint === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean "${hint}"?)`),
      );
    }
  }
  try {
    return resolveAlgorithmList(registry, spec, registry.kind);
  } catch (err) {
    throw new ConfigValueError(`leaves nothing to offer (${(err as Error).message})`);
  }
}

/** Thrown by {@link resolveAlgorithms}: `key` is the config key at fault. */
export class AlgorithmConfigError extends ConfigValueError {
  constructor(
    readonly key: ListKey,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Resolves the config's algorithm lists against `registries` (sshd_config `+`/`-`/`^` syntax via
 * {@link resolveAlgorithmList}); an unknown name is an {@link AlgorithmConfigError} with a "did
 * you mean" hint.
 */
export function resolveAlgorithms(
  registries: AlgorithmRegistries,
  settings: AlgorithmSettings,
): ResolvedAlgorithms {
  const one = <T extends NamedAlgorithm>(
    key: ListKey,
    registry: AlgorithmRegistry<T>,
    spec: string | readonly string[] | undefined,
  ): ResolvedList => {
    try {
      return checkNames(key, registry, spec);
    } catch (err) {
      throw new AlgorithmConfigError(key, (err as Error).message);
    }
  };
  const lists = {
    kexAlgorithms: one('kexAlgorithms', registries.kex, settings.kexAlgorithms),
    hostKeyAlgorithms: one('hostKeyAlgorithms', registries.hostKey, settings.hostKeyAlgorithms),
    ciphers: one('ciphers', registries.cipher, settings.ciphers),
    macs: one('macs', registries.mac, settings.macs),
    compression: one('compression', registries.compression, settings.compression),
    pubkeyAcceptedAlgorithms: one(
      'pubkeyAcceptedAlgorithms',
      registries.hostKey,
      settings.pubkeyAcceptedAlgorithms,
    ),
    caSignatureAlgorithms: one('caSignatureAlgorithms', registries.hostKey, settings.caSignatureAlgorithms),
  };
  const legacy = [...new Set(Object.values(lists).flatMap((l) => l.legacy))];
  return {
    kexAlgorithms: lists.kexAlgorithms.names,
    hostKeyAlgorithms: lists.hostKeyAlgorithms.names,
    ciphers: lists.ciphers.names,
    macs: lists.macs.names,
    compression: lists.compression.names,
    pubkeyAcceptedAlgorithms: lists.pubkeyAcceptedAlgorithms.names,
    caSignatureAlgorithms: lists.caSignatureAlgorithms.names.filter(
      (n) => !registries.hostKey.get(n)?.certified,
    ),
    legacy,
  };
}
