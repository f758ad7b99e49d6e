import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenMetrics, type MetricsListener } from '../../src/server/metrics-http.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { ssh } from '../helpers/openssh.js';
import { freePort } from '../integration/forwarding-helpers.js';
import { startSessionServer, type SessionServer } from '../integration/session-helpers.js';

// A real Prometheus server (Debian 12's 2.42) scraping the server's endpoint every half second:
// the target is up, and what real ssh logins did shows in its queries.

describe('scraped by Prometheus', () => {
  let fx: SessionServer;
  let endpoint: MetricsListener;
  let dir: string;
  let prometheus: Daemon | undefined;
  let api: string;

  /** One instant query; the value of its single series, or undefined (none yet, or not up yet). */
  async function query(expression: string): Promise<number | undefined> {
    try {
      const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expression)}`);
      const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
      const value = body.data?.result?.[0]?.value[1];
      return value === undefined ? undefined : Number(value);
    } catch {
      return undefined;
    }
  }

  /** Queries `expression` until it gives `expected` (or `ms` pass); the last value. */
  async function queryUntil(expression: string, expected: number, ms: number): Promise<number | undefined> {
    let value: number | undefined;
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      value = await query(expression);
      if (value === expected) break;
    }
    return value;
  }

  beforeAll(async () => {
    fx = await startSessionServer();
    endpoint = await listenMetrics(() => fx.server.metricsText(), '127.0.0.1', 0);
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 500ms, evaluation_interval: 500ms }',
        'scrape_configs:',
        '  - job_name: sshd-kit',
        `    static_configs: [{ targets: ["127.0.0.1:${endpoint.address.port}"] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = startDaemon('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await endpoint?.close();
    await fx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the target up, and counts the logins real ssh made', async () => {
    expect(await queryUntil('up{job="sshd-kit"}', 1, 30_000), prometheus!.output()).toBe(1);
    for (let i = 0; i < 3; i++) {
      const r = await ssh(fx.port, ['-i', fx.keyFiles.alice, 'alice@127.0.0.1', 'true']);
      expect(r.code).toBe(0);
    }
    expect(await queryUntil('sshd_kit_logins_total{job="sshd-kit"}', 3, 15_000)).toBe(3);
    expect(await query('sum(sshd_kit_auth_attempts_total{method="publickey",result="success"})')).toBe(3);
    expect(await query('sshd_kit_info{job="sshd-kit"}')).toBe(1);
    // The login histogram is one Prometheus can take quantiles of.
    const median = await query(
      'histogram_quantile(0.5, sshd_kit_login_duration_seconds_bucket{job="sshd-kit"})',
    );
    expect(median).toBeGreaterThan(0);
    expect(median).toBeLessThan(30);
    // Nothing Prometheus read was refused: no scrape errors or dropped samples.
    expect(await query('scrape_samples_scraped{job="sshd-kit"} > 0')).toBeGreaterThan(10);
  });
});
