import { describe, expect, it } from 'vitest';
import {
  boundedLabel,
  formatExposition,
  Histogram,
  LabelledCounter,
} from '../../../src/server/metrics-exposition.js';
import { ServerMetrics, type MetricsSnapshot } from '../../../src/server/metrics.js';
import { parseMetricsListen } from '../../../src/server/config-values.js';

const snapshot: MetricsSnapshot = {
  version: '1.2.3',
  connectionsOpen: 2,
  unauthenticated: 1,
  channelsOpen: 3,
  penalizedSources: 0,
  bytesReceived: 10,
  bytesSent: 20,
};

describe('Prometheus text exposition', () => {
  it('writes HELP, TYPE and samples, escaping help text and label values', () => {
    const text = formatExposition([
      { name: 'a_total', help: 'back\\slash and\nnewline', type: 'counter', samples: [{ value: 3 }] },
      {
        name: 'b',
        help: 'labels',
        type: 'gauge',
        samples: [
          { labels: { x: 'q"uote', y: 'b\\s\nn' }, value: 0.5 },
          { labels: { x: 'inf' }, value: Infinity },
          { labels: { x: 'nan' }, value: NaN },
        ],
      },
      { name: 'c_total', help: 'empty', type: 'counter', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP a_total back\\\\slash and\\nnewline',
        '# TYPE a_total counter',
        'a_total 3',
        '# HELP b labels',
        '# TYPE b gauge',
        'b{x="q\\"uote",y="b\\\\s\\nn"} 0.5',
        'b{x="inf"} +Inf',
        'b{x="nan"} NaN',
        '# HELP c_total empty',
        '# TYPE c_total counter',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad metric and label names', () => {
    const family = (name: string, label = 'ok') => ({
      name,
      help: '',
      type: 'gauge' as const,
      samples: [{ labels: { [label]: 'v' }, value: 1 }],
    });
    expect(() => formatExposition([family('1abc')])).toThrow(/bad metric name/);
    expect(() => formatExposition([family('a-b')])).toThrow(/bad metric name/);
    expect(() => formatExposition([family('ok', '__name')])).toThrow(/bad label name/);
    expect(() => formatExposition([family('ok', 'a.b')])).toThrow(/bad label name/);
  });

  it('counts by label values, and bounds labels to known values', () => {
    const c = new LabelledCounter(['method', 'result']);
    c.inc(['password', 'failure']);
    c.inc(['password', 'failure'], 2);
    c.inc(['publickey', 'success']);
    expect(c.samples()).toEqual([
      { labels: { method: 'password', result: 'failure' }, value: 3 },
      { labels: { method: 'publickey', result: 'success' }, value: 1 },
    ]);
    expect(boundedLabel('sftp', new Set(['sftp']))).toBe('sftp');
    expect(boundedLabel('evil\n', new Set(['sftp']))).toBe('other');
  });
});

describe('Histogram', () => {
  it('writes cumulative buckets with le, then _sum and _count', () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
    const text = formatExposition([
      { name: 'x_seconds', help: 'h', type: 'histogram', samples: h.samples() },
    ]);
    expect(text.split('\n').slice(2, -1)).toEqual([
      'x_seconds_bucket{le="0.1"} 2',
      'x_seconds_bucket{le="1"} 3',
      'x_seconds_bucket{le="+Inf"} 4',
      'x_seconds_sum 3.65',
      'x_seconds_count 4',
    ]);
  });
});

describe('ServerMetrics', () => {
  it('labels only what the server knows: peer-chosen names are "other"', () => {
    const m = new ServerMetrics(
      (t) => t === 'session',
      new Set(['OPEN', 'posix-rename@openssh.com']),
      1_000_000,
    );
    for (let i = 0; i < 1000; i++) {
      m.authAttempt(`method-${i}`, 'failure');
      m.channelOpen(`type-${i}`, false);
      m.sftpOperation(`ext-${i}@example.com`, 8);
    }
    m.authAttempt('password', 'failure');
    m.channelOpen('session', true);
    m.sftpOperation('OPEN', 2);
    m.sftpOperation('posix-rename@openssh.com', 0);
    m.sftpOperation('OPEN', 99);
    const families = new Map(m.collect(snapshot).map((f) => [f.name, f]));
    expect(families.get('sshd_kit_auth_attempts_total')?.samples).toEqual([
      { labels: { method: 'other', result: 'failure' }, value: 1000 },
      { labels: { method: 'password', result: 'failure' }, value: 1 },
    ]);
    expect(families.get('sshd_kit_channel_opens_total')?.samples).toEqual([
      { labels: { type: 'other', result: 'refused' }, value: 1000 },
      { labels: { type: 'session', result: 'accepted' }, value: 1 },
    ]);
    expect(families.get('sshd_kit_sftp_operations_total')?.samples).toEqual([
      { labels: { op: 'other', status: 'op_unsupported' }, value: 1000 },
      { labels: { op: 'OPEN', status: 'no_such_file' }, value: 1 },
      { labels: { op: 'posix-rename@openssh.com', status: 'ok' }, value: 1 },
      { labels: { op: 'OPEN', status: 'other' }, value: 1 },
    ]);
    expect(families.get('sshd_kit_info')?.samples).toEqual([{ labels: { version: '1.2.3' }, value: 1 }]);
    expect(families.get('process_start_time_seconds')?.samples).toEqual([{ value: 1000 }]);
    expect(families.get('sshd_kit_sent_bytes_total')?.samples).toEqual([{ value: 20 }]);
  });
});

describe('metricsListen', () => {
  it('takes host:port, [v6]:port or a port alone (on loopback), and needs a port', () => {
    expect(parseMetricsListen('0.0.0.0:9120')).toEqual({ host: '0.0.0.0', port: 9120 });
    expect(parseMetricsListen('[::1]:9120')).toEqual({ host: '::1', port: 9120 });
    expect(parseMetricsListen(9120)).toEqual({ host: '127.0.0.1', port: 9120 });
    expect(parseMetricsListen('9120')).toEqual({ host: '127.0.0.1', port: 9120 });
    expect(parseMetricsListen('none')).toBeUndefined();
    expect(() => parseMetricsListen('localhost')).toThrow(/needs a port, like "localhost:9120"/);
    expect(() => parseMetricsListen('localhost:99999')).toThrow(/bad port "99999"/);
  });
});
