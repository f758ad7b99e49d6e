import { readFile } from 'node:fs/promises';
import { verifyCertificateSignature } from '../algorithms/hostkey/certificate.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { SignatureAlgorithm } from '../algorithms/types.js';
import { certificateLogFields } from '../auth/certificate-identity.js';
import type { Certificate } from '../keys/certificate.js';
import { parseCertificateFile } from '../keys/certificate-line.js';
import { KeyFormatError } from '../keys/errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { parsePublicKeyList } from '../keys/public-key-line.js';
import { parseRevokedKeys } from '../keys/revoked-keys.js';
import type { PrivateKey } from '../keys/types.js';
import type { Logger } from '../log/logger.js';
import { ConfigError } from './config.js';
import { HostKeyLoadError } from './serve-host-keys.js';
import type { UserAuthBackendOptions } from './user-auth-backend.js';
import { WatchedFile } from './watched-file.js';

const errnoOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error';

/** A certificate's validity window as text, as `ssh-keygen -L` prints it (UTC). */
function validityText(cert: Certificate): string {
  const at = (s: bigint) => new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z');
  const from = cert.validAfter === 0n ? 'always' : at(cert.validAfter);
  const to = cert.validBefore === 0xffffffffffffffffn ? 'forever' : at(cert.validBefore);
  return `from ${from} to ${to}`;
}

/**
 * Loads the config's `hostCertificates` (sshd_config HostCertificate): each file is one `-cert.pub`
 * line, a host certificate of one of `hostKeys` whose CA signature verifies. Anything else stops
 * the start with a one-line {@link HostKeyLoadError}; a certificate outside its validity window
 * is served with a warning (clients will refuse it). Each one is logged with its CA and principals.
 */
export async function loadHostCertificates(
  paths: readonly string[],
  hostKeys: readonly PrivateKey[],
  algorithms: AlgorithmRegistry<SignatureAlgorithm>,
  log: Logger,
): Promise<Certificate[]> {
  const plain = algorithms.names('all').filter((n) => !algorithms.get(n)?.certified);
  const certificates: Certificate[] = [];
  for (const path of paths) {
    let cert: Certificate;
    try {
      cert = parseCertificateFile(await readFile(path, 'utf8'));
    } catch (err) {
      if (err instanceof KeyFormatError)
        throw new HostKeyLoadError(`${path}: ${err.message}`, { cause: err });
      throw new HostKeyLoadError(
        `cannot read host certificate ${path} (${errnoOf(err)}); check hostCertificates in the config`,
        { cause: err },
      );
    }
    if (cert.role !== 'host')
      throw new HostKeyLoadError(`${path} is a user certificate (sign host keys with ssh-keygen -s CA -h)`);
    if (!hostKeys.some((k) => Buffer.from(k.publicKey.blob).equals(cert.key.blob)))
      throw new HostKeyLoadError(
        `${path} certifies ${fingerprintSha256(cert.key)}, which is not one of the server's host keys`,
      );
    if (!verifyCertificateSignature(cert, algorithms, plain))
      throw new HostKeyLoadError(`${path}: the CA's signature on the certificate does not verify`);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const fields = { path, type: cert.type, ...certificateLogFields(cert), principals: cert.principals };
    if (now < cert.validAfter || now >= cert.validBefore)
      log.warn(
        { ...fields, validity: validityText(cert) },
        'host certificate is not valid now: clients that trust its CA will refuse it',
      );
    else log.info({ ...fields, validity: validityText(cert) }, 'host certificate');
    certificates.push(cert);
  }
  return certificates;
}

/** The config keys {@link certificateTrust} reads. */
export interface CertificateTrustConfig {
  /** sshd_config TrustedUserCAKeys: a file of CA public keys. */
  readonly trustedUserCAKeys: string | undefined;
  /** sshd_config RevokedKeys: a KRL or a file of public keys. */
  readonly revokedKeys: string | undefined;
}

/** Reads `file` once now, so that a missing or bad file stops the start with a one-line error. */
async function checkedNow<T>(key: string, file: WatchedFile<T>): Promise<() => Promise<T>> {
  try {
    await file.get();
  } catch (err) {
    const why = err instanceof KeyFormatError ? err.message : `cannot read it (${errnoOf(err)})`;
    throw new ConfigError(`${key}: ${file.path}: ${why}`, { cause: err });
  }
  return () => file.get();
}

/**
 * The user backend's certificate trust and revocation from the config: each file is read at start
 * (a missing or malformed one is a {@link ConfigError}) and again whenever it changes, as sshd
 * reads them on every use; so a key revoked or a CA added takes effect without a restart.
 */
export async function certificateTrust(
  config: CertificateTrustConfig,
): Promise<Pick<UserAuthBackendOptions, 'trustedUserCAKeys' | 'revokedKeys'>> {
  const { trustedUserCAKeys: cas, revokedKeys: revoked } = config;
  return {
    ...(cas === undefined
      ? {}
      : {
          trustedUserCAKeys: await checkedNow(
            'trustedUserCAKeys',
            new WatchedFile(cas, (data) => parsePublicKeyList(data.toString('utf8'))),
          ),
        }),
    ...(revoked === undefined
      ? {}
      : { revokedKeys: await checkedNow('revokedKeys', new WatchedFile(revoked, parseRevokedKeys)) }),
  };
}
