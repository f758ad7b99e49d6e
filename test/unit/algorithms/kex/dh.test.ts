import { checkPrimeSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runDhJobSync } from '../../../../src/algorithms/kex/dh-engine.js';
import { chooseGexGroup, createDhGexKex } from '../../../../src/algorithms/kex/dh-gex.js';
import { createDhGroupKex, dhGroup18Sha512 } from '../../../../src/algorithms/kex/dh-group-kex.js';
import { gexGroups, rfc3526Group, type DhGroup } from '../../../../src/algorithms/kex/dh-groups.js';
import { DhWorkerPool } from '../../../../src/algorithms/kex/dh-worker-pool.js';
import { KexDhGexGroup } from '../../../../src/algorithms/kex/messages.js';
import { DisconnectReason } from '../../../../src/protocol/index.js';
import { WireWriter } from '../../../../src/wire/index.js';
import rfc3526 from '../../../vectors/dh-rfc3526.json' with { type: 'json' };
import { disconnectOf, runKex, testHostKey, transcript } from './harness.js';

const pool = new DhWorkerPool({ size: 2 });
afterAll(() => pool.close());

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const big = (b: Uint8Array): bigint => BigInt('0x' + (toHex(b) || '0'));
const bytesOf = (v: bigint): Buffer => {
  const h = v.toString(16);
  return Buffer.from(h.length % 2 ? '0' + h : h, 'hex');
};

describe('RFC 3526 groups', () => {
  it('group 14 is the published prime', () => {
    const g = rfc3526Group(14);
    expect(toHex(g.prime)).toBe(rfc3526.group14.prime);
    expect(toHex(g.generator)).toBe('02');
  });

  it.each([14, 15, 16, 17, 18] as const)('group %i has the RFC 3526 size and shape', (id) => {
    const g = rfc3526Group(id);
    const h = toHex(g.prime);
    expect(g.bits).toBe(rfc3526.bits[String(id) as '14']);
    expect(h.length * 4).toBe(g.bits);
    expect(h.startsWith('ffffffffffffffff' + rfc3526.piPrefix)).toBe(true);
    expect(h.endsWith('ffffffffffffffff')).toBe(true);
  });

  it('group 14 is a safe prime (larger ones take too long to test here)', () => {
    const p = rfc3526Group(14).prime;
    expect(checkPrimeSync(p, { checks: 4 })).toBe(true);
    expect(checkPrimeSync(bytesOf(big(p) >> 1n), { checks: 4 })).toBe(true);
  });
});

describe('DH engines', () => {
  const g14 = rfc3526Group(14);
  const job = (peer?: Uint8Array) => ({
    prime: g14.prime,
    generator: g14.generator,
    privateKey: Buffer.alloc(64, 0x35),
    computePublic: true,
    peerPublic: peer,
  });

  it('the worker pool and the synchronous path agree, and match BigInt arithmetic', async () => {
    const peer = runDhJobSync(job()).publicKey!;
    const sync = runDhJobSync(job(peer));
    const viaPool = await pool.run(job(peer));
    expect(toHex(viaPool.publicKey!)).toBe(toHex(sync.publicKey!));
    expect(big(viaPool.sharedSecret!)).toBe(big(sync.sharedSecret!));
    // g^x by square-and-multiply, independently.
    let r = 1n;
    let b = 2n;
    const p = big(g14.prime);
    for (let e = big(Buffer.alloc(64, 0x35)); e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    expect(big(sync.publicKey!)).toBe(r);
  });

  it('a group node:crypto does not know (g = 5) takes the BigInt path in both engines', async () => {
    const custom = { ...job(), generator: Buffer.from([5]) };
    const started = Date.now();
    const sync = runDhJobSync(custom);
    const viaPool = await pool.run(custom);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(toHex(viaPool.publicKey!)).toBe(toHex(sync.publicKey!));
  });

  it('runs many jobs concurrently and refuses work after close', async () => {
    const p = new DhWorkerPool({ size: 3 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => p.run({ ...job(), privateKey: Buffer.alloc(64, i + 1) })),
    );
    expect(new Set(results.map((r) => toHex(r.publicKey!))).size).toBe(12);
    await p.close();
    await expect(p.run(job())).rejects.toThrow(/closed/);
  });

  it('group18 (8192 bits): time per exchange, synchronous and in workers', async () => {
    const t0 = performance.now();
    await runKex(dhGroup18Sha512);
    const syncMs = performance.now() - t0;
    const t1 = performance.now();
    await runKex(dhGroup18Sha512, { serverEngine: pool, clientEngine: pool });
    const poolMs = performance.now() - t1;
    console.log(
      `diffie-hellman-group18-sha512 full exchange: ${syncMs.toFixed(1)} ms sync, ${poolMs.toFixed(1)} ms pool`,
    );
    expect(syncMs).toBeGreaterThan(0);
  });
});

describe('diffie-hellman-group14-sha256 refuses bad e and f with KEY_EXCHANGE_FAILED', () => {
  const kex = createDhGroupKex('diffie-hellman-group14-sha256', 14, 'sha256');
  const p = big(rfc3526Group(14).prime);
  const bad: [string, bigint][] = [
    ['0', 0n],
    ['1', 1n],
    ['2 (a single bit)', 2n],
    ['2^1000 (a single bit)', 1n << 1000n],
    ['p-1', p - 1n],
    ['p', p],
    ['p+1', p + 1n],
  ];
  const mpintMessage = (type: number, v: bigint, before?: (w: WireWriter) => void): Buffer => {
    const w = new WireWriter().byte(type);
    before?.(w);
    w.mpintUnsigned(v === 0n ? Buffer.alloc(0) : bytesOf(v));
    return Buffer.from(w.finish());
  };

  it.each(bad)('e = %s', async (_what, v) => {
    const server = kex.server({ transcript, hostKey: testHostKey().signer });
    expect((await disconnectOf(() => server.handle(mpintMessage(30, v)))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it.each(bad)('f = %s', async (_what, v) => {
    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, payload) => {
          if (to !== 'client') return payload;
          const w = new WireWriter().byte(31);
          const hostKey = testHostKey().signer.publicKeyBlob;
          w.bytes(hostKey)
            .mpintUnsigned(v === 0n ? Buffer.alloc(0) : bytesOf(v))
            .bytes(Buffer.alloc(8));
          return Buffer.from(w.finish());
        },
      }),
    );
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });
});

describe('diffie-hellman-group-exchange-sha256 (RFC 4419)', () => {
  const groups = gexGroups();
  const pick = (min: number, n: number, max: number): number =>
    chooseGexGroup({ min, n, max }, groups, 't').bits;

  it('chooses like OpenSSH: smallest group of at least n bits within [min, max], bounds clamped to 2048..8192', () => {
    expect(pick(2048, 2048, 8192)).toBe(2048);
    expect(pick(2048, 3072, 8192)).toBe(3072);
    expect(pick(2048, 3500, 8192)).toBe(4096);
    expect(pick(2048, 7680, 8192)).toBe(8192);
    expect(pick(1024, 1024, 8192)).toBe(2048);
    expect(pick(2048, 9000, 9000)).toBe(8192);
    expect(pick(1024, 2048, 3000)).toBe(2048);
    expect(pick(2048, 5000, 5000)).toBe(4096);
  });

  it.each([
    [3072, 2048, 8192, 'n < min'],
    [2048, 8192, 4096, 'max < n'],
    [1024, 1024, 1024, 'max below 2048'],
    [4500, 4500, 5000, 'no group in range'],
  ])('refuses %i/%i/%i (%s) with KEY_EXCHANGE_FAILED', async (min, n, max) => {
    const server = createDhGexKex('diffie-hellman-group-exchange-sha256', 'sha256').server({
      transcript,
      hostKey: testHostKey().signer,
    });
    const request = Buffer.from([
      34,
      ...[min, n, max].flatMap((v) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]),
    ]);
    expect((await disconnectOf(() => server.handle(request))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it.each([
    { min: 2048, n: 2048, max: 2048 },
    { min: 2048, n: 4096, max: 8192 },
  ])('agrees for a request of $min/$n/$max and hashes the request into H', async (groupExchange) => {
    const kex = createDhGexKex('diffie-hellman-group-exchange-sha256', 'sha256');
    const run = await runKex(kex, { groupExchange, serverEngine: pool, clientEngine: pool });
    expect(toHex(run.client.exchangeHash)).toBe(toHex(run.server.exchangeHash));
    const group = KexDhGexGroup.decode(run.messages[1]!.payload);
    expect(group.p.length * 8).toBe(groupExchange.n);
  });

  it('works with a group the server configures (g = 5, BigInt path) and the client refuses one out of its range', async () => {
    const g14 = rfc3526Group(14);
    const custom: DhGroup = { name: 'custom', bits: 2048, prime: g14.prime, generator: Buffer.from([5]) };
    const kex = createDhGexKex('diffie-hellman-group-exchange-sha256', 'sha256', { groups: () => [custom] });
    const run = await runKex(kex, { groupExchange: { min: 2048, n: 2048, max: 4096 } });
    expect(toHex(run.client.sharedSecret)).toBe(toHex(run.server.sharedSecret));

    const err = await disconnectOf(() => runKex(kex, { groupExchange: { min: 1024, n: 1024, max: 1536 } }));
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);

    // A server sending an even "prime" or generator 1 is refused by the client too.
    for (const forged of [
      { p: Buffer.concat([g14.prime.subarray(0, 255), Buffer.from([0xfe])]), g: Buffer.from([2]) },
      { p: g14.prime, g: Buffer.from([1]) },
    ]) {
      const e = await disconnectOf(() =>
        runKex(kex, {
          groupExchange: { min: 2048, n: 2048, max: 2048 },
          tamper: (to, payload) =>
            to === 'client' && payload[0] === 31 ? KexDhGexGroup.encode(forged) : payload,
        }),
      );
      expect(e.reason).toBe(DisconnectReason.KeyExchangeFailed);
    }
  });

  it('refuses an INIT with a bad e', async () => {
    const server = createDhGexKex('diffie-hellman-group-exchange-sha256', 'sha256').server({
      transcript,
      hostKey: testHostKey().signer,
    });
    await server.handle(Buffer.from([34, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 8, 0]));
    const err = await disconnectOf(() => server.handle(Buffer.from([32, 0, 0, 0, 1, 1])));
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });
});
