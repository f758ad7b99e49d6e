import type { FileStat } from './attrs.js';
import { FileType } from './constants.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS = 182 * 24 * 3600;

/** The `ls -l` mode column, e.g. `drwxr-xr-x`. */
export function modeString(mode: number): string {
  const type: Record<number, string> = {
    [FileType.Directory]: 'd',
    [FileType.Symlink]: 'l',
    [FileType.Regular]: '-',
    [FileType.Fifo]: 'p',
    [FileType.Socket]: 's',
    [FileType.CharDevice]: 'c',
    [FileType.BlockDevice]: 'b',
  };
  const bit = (m: number, c: string): string => (mode & m ? c : '-');
  const special = (x: number, s: number, lower: string, upper: string): string =>
    mode & s ? (mode & x ? lower : upper) : mode & x ? 'x' : '-';
  return (
    (type[mode & FileType.Mask] ?? '?') +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o001, 0o1000, 't', 'T')
  );
}

/** Replaces control characters so a crafted file name cannot drive the client's terminal. */
export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

/**
 * The `longname` of an SSH_FXP_NAME entry, laid out as OpenSSH's `ls_file` does (and as
 * draft-ietf-secsh-filexfer-02 §7 suggests): mode, links, owner, group, size, date, name. Dates
 * are UTC; within six months of `now` they show the time, otherwise the year.
 */
export function formatLongname(
  name: string,
  s: FileStat,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const owner = s.owner ?? String(s.uid);
  const group = s.group ?? String(s.gid);
  const d = new Date(s.mtime * 1000);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const recent = s.mtime > nowSeconds - SIX_MONTHS && s.mtime < nowSeconds + SIX_MONTHS;
  const tail = recent
    ? `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
    : ` ${d.getUTCFullYear()}`;
  const date = `${MONTHS[d.getUTCMonth()]} ${day} ${tail}`;
  return [
    modeString(s.permissions),
    String(s.nlink ?? 1).padStart(3, ' '),
    printable(owner).padEnd(8, ' '),
    printable(group).padEnd(8, ' '),
    String(s.size).padStart(8, ' '),
    date,
    printable(name),
  ].join(' ');
}
