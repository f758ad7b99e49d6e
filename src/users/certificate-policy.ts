import type { Certificate } from '../keys/certificate.js';
import { AuthorizedKeyError } from './errors.js';
import { matchPatternList, parsePatternList, type PeerIdentity } from './host-patterns.js';

/**
 * Which principals a user certificate must name to log in as an account (sshd(8)): under
 * `TrustedUserCAKeys` the account's name, in a non-empty list; under an `authorized_keys`
 * `cert-authority` line the account's name or an empty list (valid for anyone the CA line lets
 * in), or, when the line has `principals=`, one of those.
 */
export type PrincipalRule =
  | { readonly kind: 'account'; readonly name: string; readonly allowEmpty: boolean }
  | { readonly kind: 'one-of'; readonly names: readonly string[]; readonly from: string };

/** What a certificate's critical options and extensions allow (PROTOCOL.certkeys §"Critical options"). */
export interface CertificateRestrictions {
  /** `force-command`: the only command the login may run. */
  readonly forcedCommand?: string;
  readonly pty: boolean;
  readonly portForwarding: boolean;
  readonly agentForwarding: boolean;
  /** `verify-required`: the key must be a security key that verified the user (PIN or biometric). */
  readonly verifyRequired: boolean;
  /** False with the `no-touch-required` extension: a security key's signature needs no touch. */
  readonly touchRequired: boolean;
}

/** Whether a certificate may log in, and what it allows; the reason is for logs only. */
export type CertificateVerdict =
  | { readonly ok: true; readonly restrictions: CertificateRestrictions }
  | { readonly ok: false; readonly reason: string };

/** Seconds since the epoch, as certificates count time. */
const epochSeconds = (now: Date): bigint => BigInt(Math.floor(now.getTime() / 1000));

function principalProblem(cert: Certificate, rule: PrincipalRule): string | undefined {
  if (rule.kind === 'one-of') {
    return cert.principals.some((p) => rule.names.includes(p))
      ? undefined
      : `it names none of the principals ${rule.from} allows`;
  }
  if (cert.principals.length === 0) return rule.allowEmpty ? undefined : 'it lists no principals';
  return cert.principals.includes(rule.name) ? undefined : `"${rule.name}" is not one of its principals`;
}

/**
 * The extensions sshd knows (auth-options.c cert_option_list): flags, whose data must be empty. A
 * known one carrying data is a corrupt certificate to sshd ("corrupt (extra data)"), refused.
 */
const FLAG_EXTENSIONS: ReadonlySet<string> = new Set([
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
  'no-touch-required',
]);

/** `source-address`: a comma-separated list of addresses and CIDR blocks, nothing else (sshd's addr_match_cidr_list). */
function sourceAddressMatches(list: string, peer: PeerIdentity): boolean | undefined {
  try {
    const patterns = parsePatternList(list);
    if (patterns.some((p) => p.kind !== 'cidr' || p.negated)) return undefined;
    return matchPatternList(patterns, peer);
  } catch (err) {
    if (err instanceof AuthorizedKeyError) return undefined;
    throw err;
  }
}

/**
 * sshd's checks of a user certificate whose CA is trusted and whose signature verified
 * (sshkey_cert_check_authority, sshauthopt_from_cert): a user certificate, valid at `now`,
 * naming the principals `rule` asks for, with every critical option understood and met
 * (`source-address` must match the peer; `verify-required` is left to the signature's check, see
 * `securityKeyProblem`). Extensions grant `permit-pty`, `permit-port-forwarding`,
 * `permit-agent-forwarding` and `no-touch-required`; unknown ones are ignored, an absent one is not
 * granted, and a known flag carrying data is refused.
 */
export function checkUserCertificate(
  cert: Certificate,
  rule: PrincipalRule,
  peer: PeerIdentity,
  now: Date = new Date(),
): CertificateVerdict {
  const refuse = (reason: string): CertificateVerdict => ({ ok: false, reason });
  if (cert.role !== 'user') return refuse('it is a host certificate');
  const t = epochSeconds(now);
  if (t < cert.validAfter) return refuse('it is not yet valid');
  if (t >= cert.validBefore) return refuse('it has expired');
  const principals = principalProblem(cert, rule);
  if (principals !== undefined) return refuse(principals);
  let forcedCommand: string | undefined;
  let verifyRequired = false;
  for (const option of cert.criticalOptions) {
    const known = option.name === 'force-command' || option.name === 'source-address';
    if (known && option.value === undefined) {
      return refuse(`its critical option "${option.name}" has no value`);
    } else if (option.name === 'force-command' && option.value !== undefined) {
      // sshd reads it as a C string: a NUL inside makes the certificate invalid, not the command shorter.
      if (option.value.includes('\0')) return refuse('its force-command contains a NUL byte');
      forcedCommand = option.value;
    } else if (option.name === 'verify-required') {
      if (option.value !== undefined) return refuse('its verify-required carries data (a flag takes none)');
      verifyRequired = true;
    } else if (option.name === 'source-address' && option.value !== undefined) {
      const matched = sourceAddressMatches(option.value, peer);
      if (matched === undefined)
        return refuse('its source-address is not a list of addresses and CIDR blocks');
      if (!matched) return refuse(`its source-address does not allow ${peer.address}`);
    } else {
      return refuse(`it has the critical option "${option.name}", which this server does not support`);
    }
  }
  const corrupt = cert.extensions.find((e) => FLAG_EXTENSIONS.has(e.name) && e.value !== undefined);
  if (corrupt) return refuse(`its extension "${corrupt.name}" carries data (a flag takes none)`);
  const granted = (name: string): boolean => cert.extensions.some((e) => e.name === name);
  return {
    ok: true,
    restrictions: {
      ...(forcedCommand === undefined ? {} : { forcedCommand }),
      pty: granted('permit-pty'),
      portForwarding: granted('permit-port-forwarding'),
      agentForwarding: granted('permit-agent-forwarding'),
      verifyRequired,
      touchRequired: !granted('no-touch-required'),
    },
  };
}
