import type { SessionPolicy } from '../auth/types.js';
import { ByteRate, type ChannelRates } from '../connection/byte-rate.js';

/** One account's limits, and how many connections hold them. */
interface Entry {
  /** The limits they were made for (`upload/download`). */
  readonly key: string;
  readonly rates: ChannelRates;
  holders: number;
}

/**
 * The byte rate limits of each account with any open connection (a server's; see
 * `SessionPolicy.uploadBytesPerSecond`): every connection of an account shares one pair, so the
 * limit holds over all of them. A connection made after the account's limits changed gets a new
 * pair; those already open keep theirs.
 */
export class AccountRates {
  private readonly byAccount = new Map<string, Entry>();
  /** The entry each holder took, so a changed limit does not mix up the counts. */
  private readonly held = new WeakMap<object, Entry>();

  /** The limits for `holder` (a connection) of `account`, or undefined when it has none. */
  acquire(
    holder: object,
    account: string,
    policy: Pick<SessionPolicy, 'uploadBytesPerSecond' | 'downloadBytesPerSecond'>,
  ): ChannelRates | undefined {
    const { uploadBytesPerSecond: up, downloadBytesPerSecond: down } = policy;
    if (!up && !down) return undefined;
    const key = `${up ?? 0}/${down ?? 0}`;
    let entry = this.byAccount.get(account);
    if (entry?.key !== key) {
      entry = {
        key,
        rates: {
          ...(up ? { upload: new ByteRate(up) } : {}),
          ...(down ? { download: new ByteRate(down) } : {}),
        },
        holders: 0,
      };
      this.byAccount.set(account, entry);
    }
    entry.holders++;
    this.held.set(holder, entry);
    return entry.rates;
  }

  /** `holder` (of `account`) is gone: the account's limits are dropped with its last holder. */
  release(holder: object, account: string): void {
    const entry = this.held.get(holder);
    if (!entry) return;
    this.held.delete(holder);
    if (--entry.holders === 0 && this.byAccount.get(account) === entry) this.byAccount.delete(account);
  }

  /** Accounts with limits in use. */
  get size(): number {
    return this.byAccount.size;
  }
}
