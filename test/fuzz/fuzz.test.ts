import { describe, expect, it } from 'vitest';
import { runFuzz } from './run.js';

// A short, seeded run of the fuzzers on every `npm test`; `npm run fuzz` runs long ones with new
// seeds. What must hold whatever a peer sends: no internal error, nothing thrown uncaught, the
// server still serving, nothing outside the jail changed.
describe('fuzzing a live server (key exchange, authentication, connection layer, SFTP, scp)', () => {
  it('survives seeded rounds of random and damaged messages', { timeout: 120_000 }, async () => {
    const result = await runFuzz({
      seed: 20_261_129,
      rounds: 12,
      actions: 250,
      mangleRate: 0.003,
      sftpRequests: 400,
      scpSessions: 3,
    });
    const report = result.failures.map(
      (f) => `round ${f.round}: ${f.problems.join('\n')}\n${f.trace.slice(-10).join(' | ')}`,
    );
    expect(report).toEqual([]);
    expect(result.outsideChanged).toBe(false);
    // The run reached deep: SFTP sessions answered and handed out handles, and the server opened
    // channels to us for connections to ports it forwards.
    expect(result.stats.sftpReplies).toBeGreaterThan(50);
    expect(result.stats.handles).toBeGreaterThan(0);
    expect(result.stats.serverOpens).toBeGreaterThan(0);
    expect(result.sftpStats.replies).toBeGreaterThan(1000);
    expect(result.sftpStats.handles).toBeGreaterThan(10);
    expect(result.scpStats.exitZero).toBeGreaterThan(0);
    expect(result.authStats.certificates).toBeGreaterThan(0);
    expect(result.authStats.proxyHeaders).toBeGreaterThan(0);
  });
});
