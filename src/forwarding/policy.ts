import type { AuthenticatedUser, HostPortPattern } from '../auth/types.js';
import { matchWildcard } from '../util/wildcard.js';

/** sshd_config `AllowTcpForwarding` / `AllowStreamLocalForwarding` values (`all` is `yes`). */
export type ForwardingSwitch = 'yes' | 'no' | 'local' | 'remote' | 'all';

/** sshd_config `GatewayPorts`: who may reach remote forwards' listeners. */
export type GatewayPorts = 'yes' | 'no' | 'clientspecified';

/**
 * The server-wide forwarding policy, in sshd_config terms (camelCase). Each account's own policy
 * (`user.policy.portForwarding`, `agentForwarding`, `permitOpen`, `permitListen`, narrowed by
 * authorized_keys options) applies on top: both must allow a forward.
 */
export interface ForwardingPolicy {
  /** TCP forwarding: `local` is `-L`/`-D` (direct-tcpip), `remote` is `-R` (tcpip-forward). Default `yes`. */
  readonly allowTcpForwarding?: ForwardingSwitch;
  /** Unix-socket forwarding (OpenSSH PROTOCOL §2.4), same values. Default `yes`. */
  readonly allowStreamLocalForwarding?: ForwardingSwitch;
  /** `auth-agent-req@openssh.com` / `agent-req`. Default true. */
  readonly allowAgentForwarding?: boolean;
  /** `PermitOpen` entries: `host:port`, `[v6]:port`, `*:port`, `host:*`, `any` or `none`. Default any. */
  readonly permitOpen?: readonly string[];
  /** `PermitListen` entries: `port`, `host:port` (host may hold `*`/`?` wildcards), `any` or `none`. Default any. */
  readonly permitListen?: readonly string[];
  /** Default `no`: remote forwards listen on loopback only. */
  readonly gatewayPorts?: GatewayPorts;
  /** Milliseconds a direct-tcpip / direct-streamlocal connect may take. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /**
   * Directories under which `streamlocal-forward` may create sockets; `~` is the user's home.
   * Default `['~', '/tmp']`.
   */
  readonly streamLocalListenDirs?: readonly string[];
  /**
   * Directories under which `direct-streamlocal` may connect; `~` is the user's home. Default
   * `['~']`: all virtual users share the server's OS account, so an arbitrary path (another
   * user's socket, `/tmp/tmux-*`, a Docker socket) would be a privilege escape.
   */
  readonly streamLocalConnectDirs?: readonly string[];
  /** Remote forwards (TCP and unix) one connection may hold. Default 64. */
  readonly maxRemoteForwards?: number;
  /** Let remote forwards bind ports below 1024 (OpenSSH allows only root). Default false. */
  readonly allowPrivilegedPorts?: boolean;
}

/** A parsed `PermitOpen`/`PermitListen` entry; host `*` (or a pattern, for listen) matches many. */
export interface PermitRule {
  readonly host: string;
  readonly port: number | '*';
}

/** A permit list: everything, or the rules (an empty rule list permits nothing). */
export type PermitList = 'any' | readonly PermitRule[];

/** {@link ForwardingPolicy} with its defaults filled in and its entries parsed. */
export interface ResolvedForwardingPolicy {
  readonly tcp: { readonly local: boolean; readonly remote: boolean };
  readonly streamLocal: { readonly local: boolean; readonly remote: boolean };
  readonly agent: boolean;
  readonly permitOpen: PermitList;
  readonly permitListen: PermitList;
  readonly gatewayPorts: GatewayPorts;
  readonly connectTimeoutMs: number;
  readonly streamLocalListenDirs: readonly string[];
  readonly streamLocalConnectDirs: readonly string[];
  readonly maxRemoteForwards: number;
  readonly allowPrivilegedPorts: boolean;
}

/** A policy decision; `why` goes to debug logs only. */
export type PolicyVerdict = { readonly ok: true } | { readonly ok: false; readonly why: string };

const ALLOW: PolicyVerdict = { ok: true };
const deny = (why: string): PolicyVerdict => ({ ok: false, why });

/** Thrown for a malformed policy entry (a config error, never a peer's). */
export class ForwardingPolicyError extends Error {
  override readonly name = 'ForwardingPolicyError';
}

function directions(value: ForwardingSwitch | undefined, key: string): { local: boolean; remote: boolean } {
  switch (value ?? 'yes') {
    case 'yes':
    case 'all':
      return { local: true, remote: true };
    case 'no':
      return { local: false, remote: false };
    case 'local':
      return { local: true, remote: false };
    case 'remote':
      return { local: false, remote: true };
    default:
      throw new ForwardingPolicyError(`${key} must be yes, no, local, remote or all (got ${String(value)})`);
  }
}

function parsePort(text: string, entry: string): number | '*' {
  if (text === '*') return '*';
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new ForwardingPolicyError(`bad port in "${entry}"`);
  return Number(text);
}

/**
 * Parses one `PermitOpen` entry, or with `listen` one `PermitListen` entry (where a bare port
 * means any listen address, as sshd). Hosts are lower-cased; brackets are removed from IPv6.
 */
export function parsePermitEntry(entry: string, listen: boolean): PermitRule {
  const s = entry.trim();
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') throw new ForwardingPolicyError(`bad entry "${s}"`);
    return { host: s.slice(1, close).toLowerCase(), port: parsePort(s.slice(close + 2), s) };
  }
  const cut = s.lastIndexOf(':');
  if (cut < 0) {
    if (!listen) throw new ForwardingPolicyError(`"${s}" needs a host: use "host:port"`);
    return { host: '*', port: parsePort(s, s) };
  }
  const host = s.slice(0, cut);
  if (host === '' || host.includes(':') || /\s/.test(host))
    throw new ForwardingPolicyError(`bad host in "${s}"`);
  return { host: host.toLowerCase(), port: parsePort(s.slice(cut + 1), s) };
}

function parsePermitList(entries: readonly string[] | undefined, listen: boolean): PermitList {
  if (entries === undefined || entries.length === 0) return 'any';
  const trimmed = entries.map((e) => e.trim());
  if (trimmed.includes('none')) return [];
  if (trimmed.includes('any')) return 'any';
  return trimmed.map((e) => parsePermitEntry(e, listen));
}

/** Fills in the defaults (OpenSSH's, plus the safe unix-socket directories) and parses the lists. */
export function resolveForwardingPolicy(policy: ForwardingPolicy = {}): ResolvedForwardingPolicy {
  const timeout = policy.connectTimeoutMs ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new ForwardingPolicyError('connectTimeoutMs must be a positive number');
  const gateway = policy.gatewayPorts ?? 'no';
  if (!['yes', 'no', 'clientspecified'].includes(gateway))
    throw new ForwardingPolicyError(`gatewayPorts must be yes, no or clientspecified (got ${gateway})`);
  const dirs = (list: readonly string[], key: string) => {
    for (const d of list)
      if (d !== '~' && !d.startsWith('/'))
        throw new ForwardingPolicyError(`${key}: "${d}" must be an absolute path or "~"`);
    return [...list];
  };
  return {
    tcp: directions(policy.allowTcpForwarding, 'allowTcpForwarding'),
    streamLocal: directions(policy.allowStreamLocalForwarding, 'allowStreamLocalForwarding'),
    agent: policy.allowAgentForwarding ?? true,
    permitOpen: parsePermitList(policy.permitOpen, false),
    permitListen: parsePermitList(policy.permitListen, true),
    gatewayPorts: gateway,
    connectTimeoutMs: timeout,
    streamLocalListenDirs: dirs(policy.streamLocalListenDirs ?? ['~', '/tmp'], 'streamLocalListenDirs'),
    streamLocalConnectDirs: dirs(policy.streamLocalConnectDirs ?? ['~'], 'streamLocalConnectDirs'),
    maxRemoteForwards: policy.maxRemoteForwards ?? 64,
    allowPrivilegedPorts: policy.allowPrivilegedPorts ?? false,
  };
}

const unbracket = (host: string) =>
  (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();

const portMatches = (rule: number | '*', port: number) => rule === '*' || rule === port;

/** `PermitOpen` matching as sshd: the host exactly (case-insensitive) or `*`, the port or `*`. */
function openMatches(rules: readonly (PermitRule | HostPortPattern)[], host: string, port: number): boolean {
  const h = unbracket(host);
  return rules.some((r) => (r.host === '*' || unbracket(r.host) === h) && portMatches(r.port, port));
}

/** `PermitListen` matching as sshd: the host as a pattern (case-insensitive), the port or `*`. */
function listenMatches(
  rules: readonly (PermitRule | HostPortPattern)[],
  host: string,
  port: number,
): boolean {
  const h = unbracket(host);
  return rules.some((r) => portMatches(r.port, port) && matchWildcard(unbracket(r.host), h));
}

/** May `user` open a `direct-tcpip` channel to `host:port`? (Refusals: ADMINISTRATIVELY_PROHIBITED.) */
export function checkDirectTcpip(
  policy: ResolvedForwardingPolicy,
  user: AuthenticatedUser,
  host: string,
  port: number,
): PolicyVerdict {
  if (!policy.tcp.local) return deny('local TCP forwarding is disabled on this server');
  if (!user.policy.portForwarding) return deny('port forwarding is not permitted for this account');
  if (policy.permitOpen !== 'any' && !openMatches(policy.permitOpen, host, port))
    return deny('target not in the server PermitOpen list');
  if (user.policy.permitOpen.length > 0 && !openMatches(user.policy.permitOpen, host, port))
    return deny('target not in the key permitopen list');
  return ALLOW;
}

/** May `user` listen on `host:port` with `tcpip-forward`? (Refusals: REQUEST_FAILURE.) */
export function checkTcpipForward(
  policy: ResolvedForwardingPolicy,
  user: AuthenticatedUser,
  host: string,
  port: number,
  wantReply: boolean,
): PolicyVerdict {
  if (!policy.tcp.remote) return deny('remote TCP forwarding is disabled on this server');
  if (!user.policy.portForwarding) return deny('port forwarding is not permitted for this account');
  // A port chosen by the server is useless if the client cannot be told which (as sshd).
  if (port === 0 && !wantReply) return deny('port 0 without want-reply');
  if (port > 65535) return deny('port out of range');
  if (port !== 0 && port < 1024 && !policy.allowPrivilegedPorts) return deny('privileged port');
  if (policy.permitListen !== 'any' && !listenMatches(policy.permitListen, host, port))
    return deny('listen address not in the server PermitListen list');
  if (user.policy.permitListen.length > 0 && !listenMatches(user.policy.permitListen, host, port))
    return deny('listen address not in the key permitlisten list');
  return ALLOW;
}

/** May `user` use unix-socket forwarding in this direction? Paths are checked separately. */
export function checkStreamLocal(
  policy: ResolvedForwardingPolicy,
  user: AuthenticatedUser,
  direction: 'local' | 'remote',
): PolicyVerdict {
  if (!policy.streamLocal[direction])
    return deny(`${direction} unix-socket forwarding is disabled on this server`);
  // authorized_keys `no-port-forwarding` covers unix sockets too, as in sshd.
  if (!user.policy.portForwarding) return deny('port forwarding is not permitted for this account');
  return ALLOW;
}

/** May `user` forward an agent? */
export function checkAgentForwarding(
  policy: ResolvedForwardingPolicy,
  user: AuthenticatedUser,
): PolicyVerdict {
  if (!policy.agent) return deny('agent forwarding is disabled on this server');
  if (!user.policy.agentForwarding) return deny('agent forwarding is not permitted for this account');
  return ALLOW;
}
