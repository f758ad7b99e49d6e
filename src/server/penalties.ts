import {
  matchPatternList,
  parseAddress,
  parsePatternList,
  type HostPattern,
} from '../users/host-patterns.js';

/** Why a source is penalised (OpenSSH PerSourcePenalties, sshd_config(5)). */
export type PenaltyReason = 'authfail' | 'noauth' | 'grace-exceeded';

/** OpenSSH's PerSourcePenalties, in seconds. */
export interface PenaltySettings {
  /** Penalty for a connection that failed to authenticate (OpenSSH `authfail:5s`). */
  readonly authfail: number;
  /** For a connection that ended without trying to authenticate (`noauth:1s`). */
  readonly noauth: number;
  /** For a connection that ran out of login grace time (`grace-exceeded:10s`). */
  readonly graceExceeded: number;
  /** Accrued penalty at which connections are refused (`min:15s`). */
  readonly min: number;
  /** Cap on the accrued penalty (`max:10m`). */
  readonly max: number;
  /** Sources tracked at most; past it new sources go unpenalised (`max-sources4/6`, permissive). */
  readonly maxSources: number;
  /** IPv4 prefix length a penalty applies to (PerSourceNetBlockSize, default 32). */
  readonly ipv4Prefix: number;
  /** IPv6 prefix length (default 128). */
  readonly ipv6Prefix: number;
  /** Pattern-list of addresses or CIDR blocks never penalised (PerSourcePenaltyExemptList). */
  readonly exempt: string;
}

/** OpenSSH 9.8's defaults; loopback exempt, so local tooling and proxies are not locked out. */
export const DEFAULT_PENALTIES: PenaltySettings = {
  authfail: 5,
  noauth: 1,
  graceExceeded: 10,
  min: 15,
  max: 600,
  maxSources: 65536,
  ipv4Prefix: 32,
  ipv6Prefix: 128,
  exempt: '127.0.0.0/8,::1',
};

/**
 * Per-source penalties (OpenSSH PerSourcePenalties): each failed or abandoned connection adds
 * time to its source's penalty; a source whose penalty exceeds `min` is refused at connect time
 * until enough of it has run out. The table is bounded and owned by one server.
 */
export class SourcePenalties {
  /** Source block → time (ms) the penalty runs out. */
  private readonly expiry = new Map<string, number>();
  private readonly exempt: readonly HostPattern[];

  constructor(
    private readonly settings: PenaltySettings = DEFAULT_PENALTIES,
    private readonly now: () => number = Date.now,
  ) {
    this.exempt = settings.exempt === '' ? [] : parsePatternList(settings.exempt);
  }

  /** Adds the penalty for `reason` to the source of `address`. */
  penalize(address: string, reason: PenaltyReason): void {
    const key = this.blockOf(address);
    if (key === undefined) return;
    const seconds = {
      authfail: this.settings.authfail,
      noauth: this.settings.noauth,
      'grace-exceeded': this.settings.graceExceeded,
    }[reason];
    if (seconds <= 0) return;
    const now = this.now();
    this.sweep(now);
    if (!this.expiry.has(key) && this.expiry.size >= this.settings.maxSources) return;
    const from = Math.max(now, this.expiry.get(key) ?? now);
    this.expiry.set(key, Math.min(from + seconds * 1000, now + this.settings.max * 1000));
  }

  /** Whether connections from `address` are refused now. */
  isRefused(address: string): boolean {
    const key = this.blockOf(address);
    if (key === undefined) return false;
    const until = this.expiry.get(key);
    return until !== undefined && until - this.now() > this.settings.min * 1000;
  }

  /** Sources with a penalty on record. */
  get size(): number {
    return this.expiry.size;
  }

  private sweep(now: number): void {
    if (this.expiry.size < this.settings.maxSources / 2) return;
    for (const [key, until] of this.expiry) if (until <= now) this.expiry.delete(key);
  }

  /** The penalised block of an address, or undefined when exempt or not an IP address. */
  private blockOf(address: string): string | undefined {
    const bytes = parseAddress(address);
    if (!bytes) return undefined;
    if (this.exempt.length > 0 && matchPatternList(this.exempt, { address })) return undefined;
    const prefix = bytes.length === 4 ? this.settings.ipv4Prefix : this.settings.ipv6Prefix;
    const masked = Uint8Array.from(bytes, (b, i) => {
      const bits = Math.max(0, Math.min(8, prefix - i * 8));
      return b & ((0xff << (8 - bits)) & 0xff);
    });
    return `${Buffer.from(masked).toString('hex')}/${prefix}`;
  }
}
