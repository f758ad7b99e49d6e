import { describe, expect, it } from 'vitest';
import { markdownTable, median, percentile, Results, roundRatios } from '../../../bench/lib/stats.js';

describe('bench statistics', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
  });

  it('pairs ratios by round, skipping rounds one server did not measure', () => {
    const r = new Results();
    r.add('cpu', 'openssh', 's', 'lower', 2, 0);
    r.add('cpu', 'openssh', 's', 'lower', 4, 1);
    r.add('cpu', 'openssh', 's', 'lower', 3, 2);
    r.add('cpu', 'sshd-kit', 's', 'lower', 1, 0);
    r.add('cpu', 'sshd-kit', 's', 'lower', NaN, 1); // a failed round is not recorded
    r.add('cpu', 'sshd-kit', 's', 'lower', 2.7, 2);
    expect(roundRatios(r.get('cpu', 'sshd-kit'), r.get('cpu', 'openssh'))).toEqual([0.5, 2.7 / 3]);
    expect(roundRatios(r.get('cpu', 'sshd-kit'), undefined)).toEqual([]);
  });

  it('filters samples keeping each value with its round', () => {
    const r = new Results();
    r.add('cpu', 'openssh', 's', 'lower', 2, 0);
    r.add('cpu', 'sshd-kit', 's', 'lower', 1, 1);
    r.add('aes', 'machine', 'MB/s', 'higher', 4000);
    const servers = r.filter((s) => s.server !== 'machine');
    expect([...servers.samples.values()].map((s) => [s.server, s.values, s.rounds])).toEqual([
      ['openssh', [2], [0]],
      ['sshd-kit', [1], [1]],
    ]);
    expect(r.filter((s) => s.server === 'machine').get('aes', 'machine')?.values).toEqual([4000]);
  });

  it('prints the ratio of medians and the range of the per-round ratios', () => {
    const r = new Results();
    [2, 4, 3].forEach((v, round) => r.add('cpu', 'openssh', 's/GiB', 'lower', v, round));
    [1.6, 3.6, 2.1].forEach((v, round) => r.add('cpu', 'sshd-kit', 's/GiB', 'lower', v, round));
    r.add('memory', 'openssh', 'KiB', 'lower', 1800);
    r.add('memory', 'sshd-kit', 'KiB', 'lower', 9);
    const lines = markdownTable(r, ['openssh', 'sshd-kit']).split('\n');
    expect(lines[0]).toBe('| measure | unit | openssh | sshd-kit | sshd-kit vs OpenSSH |');
    expect(lines[2]).toBe('| cpu | s/GiB | 3.00 | 2.10 | 0.70× (0.70–0.90) |');
    // One value each (no rounds): the ratio alone.
    expect(lines[3]).toBe('| memory | KiB | 1800 | 9.00 | 0.01× |');
  });
});
