import type { SessionPolicy } from '../auth/types.js';
import { ByteRate, type ChannelRates } from '../connection/byte-rate.js';

/** One account's byte rate limits, and how many connections hold them. */
interface RateEntry {
  /** The limits they were made for (`upload/download`). */
  readonly key: string;
  readonly rates: ChannelRates;
  holders: number;
}

/** What of a session policy the account limits read. */
export type AccountLimitPolicy = Pick<
  SessionPolicy,
  'uploadBytesPerSecond' | 'downloadBytesPerSecond' | 'maxConnections'
>;

/**
 * What a server holds per account while any of its connections is logged in: how many are (for
 * `SessionPolicy.maxConnections`), and the byte rate limits they share, so a bandwidth limit holds
 * over all of them. A connection logging in after the account's limits changed gets a new pair;
 * those already open keep theirs.
 */
export class AccountLimits {
  private readonly connections = new Map<string, number>();
  private readonly rates = new Map<string, RateEntry>();
  /** What each logged-in connection holds, so it is given back once whatever changed since. */
  private readonly held = new WeakMap<object, { readonly account: string; readonly rates?: RateEntry }>();

  /**
   * Logs `holder` (a connection) in to `account`, or says why not: the account already has its
   * `maxConnections` logged in.
   */
  admit(holder: object, account: string, policy: AccountLimitPolicy): string | undefined {
    const open = this.connections.get(account) ?? 0;
    const max = policy.maxConnections;
    if (max !== undefined && max > 0 && open >= max)
      return `too many connections for ${account} (${open} of at most ${max} already logged in)`;
    this.connections.set(account, open + 1);
    const rates = this.takeRates(account, policy);
    this.held.set(holder, { account, ...(rates ? { rates } : {}) });
    return undefined;
  }

  /** The byte rate limits `holder` shares with its account's other connections; undefined: none. */
  ratesOf(holder: object): ChannelRates | undefined {
    return this.held.get(holder)?.rates?.rates;
  }

  /** `holder` has closed: its place and its share of the limits are given back. */
  release(holder: object): void {
    const held = this.held.get(holder);
    if (!held) return;
    this.held.delete(holder);
    const open = (this.connections.get(held.account) ?? 1) - 1;
    if (open > 0) this.connections.set(held.account, open);
    else this.connections.delete(held.account);
    const entry = held.rates;
    if (entry && --entry.holders === 0 && this.rates.get(held.account) === entry)
      this.rates.delete(held.account);
  }

  /** Connections of `account` logged in now. */
  loggedIn(account: string): number {
    return this.connections.get(account) ?? 0;
  }

  /** Accounts with byte rate limits in use. */
  get limitedAccounts(): number {
    return this.rates.size;
  }

  private takeRates(account: string, policy: AccountLimitPolicy): RateEntry | undefined {
    const { uploadBytesPerSecond: up, downloadBytesPerSecond: down } = policy;
    if (!up && !down) return undefined;
    const key = `${up ?? 0}/${down ?? 0}`;
    let entry = this.rates.get(account);
    if (entry?.key !== key) {
      entry = {
        key,
        rates: {
          ...(up ? { upload: new ByteRate(up) } : {}),
          ...(down ? { download: new ByteRate(down) } : {}),
        },
        holders: 0,
      };
      this.rates.set(account, entry);
    }
    entry.holders++;
    return entry;
  }
}
