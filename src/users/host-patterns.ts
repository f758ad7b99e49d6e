import { matchWildcard } from '../util/wildcard.js';
import { AuthorizedKeyError } from './errors.js';
import { hasControlChars } from './text.js';

/**
 * One entry of an OpenSSH pattern-list (ssh_config(5) PATTERNS, sshd(8) `from=`): a wildcard
 * pattern with `*` and `?`, or an address with an optional CIDR mask length; `!` negates.
 */
export type HostPattern =
  | { readonly negated: boolean; readonly kind: 'wildcard'; readonly pattern: string }
  | {
      readonly negated: boolean;
      readonly kind: 'cidr';
      readonly network: Uint8Array;
      readonly prefix: number;
    };

const MAX_ENTRY = 1024;

/** The 4 bytes of a dotted-quad IPv4 address (no leading zeros, as OpenSSH and inet_pton), or undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** The 16 bytes of an IPv6 address in RFC 4291 §2.2 text form, or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let head = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9A-Fa-f]{1,4}$/.test(x)) ? g : undefined;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  if (v4 !== undefined) out.set(v4, 12);
  return out;
}

/**
 * Parse an IPv4 or IPv6 address to its bytes; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a
 * dual-stack Node socket reports) becomes the 4-byte IPv4 address. `undefined` when not an address.
 */
export function parseAddress(text: string): Uint8Array | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return v4;
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/**
 * The text form of a 4- or 16-byte address: dotted quad, or RFC 5952's canonical IPv6 (lowercase,
 * no leading zeros, the longest run of two or more zero groups as `::`, an IPv4-mapped address as
 * `::ffff:a.b.c.d`, which is how a dual-stack Node socket reports one).
 */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new RangeError(`an address has 4 or 16 bytes, not ${bytes.length}`);
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.subarray(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  return bestStart < 0 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function hostBitsClear(network: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < network.length * 8; bit++) {
    if ((network[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function parseEntry(entry: string): HostPattern {
  const negated = entry.startsWith('!');
  const body = negated ? entry.slice(1) : entry;
  if (body === '') throw new AuthorizedKeyError('pattern-list: empty pattern');
  if (body.length > MAX_ENTRY) throw new AuthorizedKeyError('pattern-list: pattern too long');
  if (hasControlChars(body, ' ",')) throw new AuthorizedKeyError(`pattern-list: bad character in "${body}"`);
  const slash = body.indexOf('/');
  if (slash >= 0) {
    const network = parseAddress(body.slice(0, slash));
    const prefixText = body.slice(slash + 1);
    const prefix = Number(prefixText);
    if (network === undefined || !/^\d{1,3}$/.test(prefixText) || prefix > network.length * 8) {
      throw new AuthorizedKeyError(`pattern-list: "${body}" is not an address/masklen CIDR block`);
    }
    if (!hostBitsClear(network, prefix)) {
      throw new AuthorizedKeyError(`pattern-list: "${body}" has bits set beyond its /${prefix} mask`);
    }
    return { negated, kind: 'cidr', network, prefix };
  }
  const address = parseAddress(body);
  if (address !== undefined) return { negated, kind: 'cidr', network: address, prefix: address.length * 8 };
  return { negated, kind: 'wildcard', pattern: body };
}

/**
 * Parse a comma-separated OpenSSH pattern-list such as `"10.0.0.0/8,!10.1.2.3,*.example.com"`.
 * Throws {@link AuthorizedKeyError} for empty entries, bad CIDR blocks, or a CIDR block with host
 * bits set (OpenSSH refuses such a block at match time; we refuse it when the line is added).
 */
export function parsePatternList(text: string): readonly HostPattern[] {
  if (text === '') throw new AuthorizedKeyError('pattern-list: empty');
  return Object.freeze(text.split(',').map(parseEntry));
}

export { matchWildcard } from '../util/wildcard.js';

function cidrMatch(network: Uint8Array, prefix: number, address: Uint8Array): boolean {
  if (network.length !== address.length) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 1 << (7 - (bit & 7));
    if ((network[bit >> 3]! & mask) !== (address[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** The peer a `from=` pattern-list is checked against. */
export interface PeerIdentity {
  /** The client's IP address as the socket reports it (IPv4-mapped IPv6 is accepted). */
  readonly address: string;
  /** The client's verified host name, if the server resolves names (OpenSSH `UseDNS yes`). */
  readonly hostname?: string;
}

/**
 * Decide whether a peer matches a pattern-list, as sshd does for `from=` (match_host_and_ip): any
 * matching negated entry refuses outright; otherwise at least one positive entry must match. Address
 * entries match the IP; wildcard entries match the IP text, or the host name case-insensitively.
 */
export function matchPatternList(patterns: readonly HostPattern[], peer: PeerIdentity): boolean {
  const bytes = parseAddress(peer.address);
  // Compare wildcards against the plain IPv4 form when the socket gave us an IPv4-mapped address.
  const addressText = bytes?.length === 4 ? Array.from(bytes).join('.') : peer.address.toLowerCase();
  const host = peer.hostname?.toLowerCase();
  let positive = false;
  for (const p of patterns) {
    const matched =
      p.kind === 'cidr'
        ? bytes !== undefined && cidrMatch(p.network, p.prefix, bytes)
        : matchWildcard(p.pattern, addressText) ||
          (host !== undefined && matchWildcard(p.pattern.toLowerCase(), host));
    if (matched) {
      if (p.negated) return false;
      positive = true;
    }
  }
  return positive;
}
