import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenMetrics, type MetricsListener } from '../../src/index.js';
import { loggedInClient, openRawChannel } from '../helpers/raw-channel.js';
import { connectSsh2, endSsh2 } from '../helpers/ssh2-client.js';
import { exec2, startSessionServer, type SessionServer } from './session-helpers.js';

// The Prometheus endpoint of a live server: what a few logins, a session, SFTP requests and a
// peer's made-up channel type add to the counters; the text passes `promtool check metrics`.

/** Samples by series (`name{labels}`), from the text format. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('Prometheus metrics', () => {
  let fx: SessionServer;
  let endpoint: MetricsListener;
  let url: string;

  beforeAll(async () => {
    fx = await startSessionServer({ server: { penalties: false } });
    endpoint = await listenMetrics(() => fx.server.metricsText(), '127.0.0.1', 0);
    url = `http://127.0.0.1:${endpoint.address.port}/metrics`;
  });
  afterAll(async () => {
    await endpoint?.close();
    await fx?.close();
  });

  it('counts connections, logins, channels and SFTP requests, and bounds peer-chosen labels', async () => {
    const before = series(await (await fetch(url)).text());
    const failed = await connectSsh2(fx.port, { password: 'wrong', tryKeyboard: false }).catch(
      (e: Error) => e,
    );
    expect(failed).toBeInstanceOf(Error);
    const { client } = await connectSsh2(fx.port, { privateKey: readFileSync(fx.keyFiles.alice) });
    expect((await exec2(client, 'echo hi')).stdout.toString()).toBe('hi\n');
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(err) : resolve(s))),
    );
    await new Promise((resolve) => sftp.stat('no-such-file', resolve));
    await new Promise((resolve) => sftp.readdir('.', resolve));
    const raw = await loggedInClient(fx.port);
    expect(await openRawChannel(raw, 'made-up-by-the-peer\n"x"')).toHaveProperty('failure');
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const now = series(text);
    const delta = (key: string) => (now.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta('sshd_kit_connections_accepted_total')).toBe(3);
    expect(now.get('sshd_kit_connections_open')).toBe(2);
    // The ssh2 connection's SFTP channel (its exec channel has closed).
    expect(now.get('sshd_kit_channels_open')).toBe(1);
    expect(delta('sshd_kit_connections_closed_total{outcome="authfail"}')).toBe(1);
    expect(delta('sshd_kit_auth_attempts_total{method="password",result="failure"}')).toBe(1);
    expect(delta('sshd_kit_auth_attempts_total{method="password",result="success"}')).toBe(1);
    expect(delta('sshd_kit_auth_attempts_total{method="publickey",result="success"}')).toBe(1);
    expect(delta('sshd_kit_logins_total')).toBe(2);
    expect(delta('sshd_kit_login_duration_seconds_count')).toBe(2);
    expect(delta('sshd_kit_login_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(delta('sshd_kit_login_duration_seconds_sum')).toBeGreaterThan(0);
    expect(delta('sshd_kit_channel_opens_total{type="session",result="accepted"}')).toBe(2);
    expect(delta('sshd_kit_channel_opens_total{type="other",result="refused"}')).toBe(1);
    expect(delta('sshd_kit_sftp_operations_total{op="STAT",status="no_such_file"}')).toBe(1);
    expect(delta('sshd_kit_sftp_operations_total{op="OPENDIR",status="ok"}')).toBe(1);
    expect(delta('sshd_kit_sftp_operations_total{op="READDIR",status="eof"}')).toBe(1);
    expect(delta('sshd_kit_received_bytes_total')).toBeGreaterThan(1000);
    expect(delta('sshd_kit_sent_bytes_total')).toBeGreaterThan(1000);
    expect(now.get('process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(text).not.toMatch(/made-up|alice/);
    // Prometheus' own linter finds nothing to say.
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect([lint.status, lint.stdout, lint.stderr]).toEqual([0, '', '']);
    raw.close();
    await endSsh2(client);
  });

  it('answers HEAD, and only /metrics, and only GET and HEAD', async () => {
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, Number(head.headers.get('content-length'))]).toEqual([200, expect.any(Number)]);
    expect(await head.text()).toBe('');
    const other = await fetch(url.replace('/metrics', '/'));
    expect([other.status, await other.text()]).toEqual([404, 'not found: try /metrics\n']);
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});
