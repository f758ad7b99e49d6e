import { checkPrimeSync, createHash, getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { createDhGexKex } from '../../../src/algorithms/kex/dh-gex.js';
import { createDhGroupKex } from '../../../src/algorithms/kex/dh-group-kex.js';
import { rfc3526Group } from '../../../src/algorithms/kex/dh-groups.js';
import {
  createDhGroup1Sha1Kex,
  dhGexSha1,
  dhGroup14Sha1,
  dhGroup1Sha1,
  legacyKexAlgorithms,
  oakleyGroup2,
} from '../../../src/algorithms/kex/legacy.js';
import { KexDhGexGroup } from '../../../src/algorithms/kex/messages.js';
import type { KexAlgorithm } from '../../../src/algorithms/types.js';
import { WireWriter } from '../../../src/wire/index.js';
import { runKex, transcript } from './kex/harness.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const big = (b: Uint8Array): bigint => BigInt('0x' + (toHex(b) || '0'));
const bytesOf = (v: bigint): Buffer => {
  const h = v.toString(16);
  return Buffer.from(h.length % 2 ? '0' + h : h, 'hex');
};
const modPow = (b: bigint, e: bigint, m: bigint): bigint => {
  let r = 1n;
  for (b %= m; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
};

/** A deterministic random source: `fill` repeated (so the exponents are known to the test). */
const fixed = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);
/** The private exponent B's engine makes from {@link fixed}: 64 bytes with the top bit set. */
const exponent = (fill: number): bigint => big(Buffer.from([fill | 0x80, ...new Array(63).fill(fill)]));

/** H of RFC 4253 §8 (or RFC 4419 §3 with `gex`), recomputed here from first principles with SHA-1. */
function exchangeHashSha1(hostKeyBlob: Uint8Array, mpints: bigint[], gex?: [number, number, number]): string {
  const w = new WireWriter();
  w.text(transcript.clientVersion).text(transcript.serverVersion);
  w.bytes(transcript.clientKexInit).bytes(transcript.serverKexInit).bytes(hostKeyBlob);
  if (gex) w.u32(gex[0]).u32(gex[1]).u32(gex[2]);
  for (const v of mpints) w.mpint(v);
  return createHash('sha1').update(w.finish()).digest('hex');
}

describe('legacy key exchange registry entries', () => {
  it('registers the three SHA-1 methods as legacy, never offered by default', () => {
    expect(legacyKexAlgorithms.map((e) => [e.algorithm.name, e.algorithm.hash, e.status])).toEqual([
      ['diffie-hellman-group-exchange-sha1', 'sha1', 'legacy'],
      ['diffie-hellman-group14-sha1', 'sha1', 'legacy'],
      ['diffie-hellman-group1-sha1', 'sha1', 'legacy'],
    ]);
    const registry = createDefaultRegistries().kex;
    for (const { algorithm } of legacyKexAlgorithms) {
      expect(registry.names('default')).not.toContain(algorithm.name);
      expect(registry.statusOf(algorithm.name)).toBe('legacy');
    }
    expect(dhGexSha1.messageContext).toBe('kex:dh-gex');
    expect(dhGroup1Sha1.messageContext).toBe('kex:dh');
  });
});

describe('Oakley group 2 (RFC 2409 §6.2)', () => {
  it("is OpenSSL's modp2, derived from the RFC's formula without OpenSSL's slow check", () => {
    const g = oakleyGroup2();
    // node:crypto's copy, which OpenSSL tests for primality on every request (about 30 ms).
    expect(toHex(g.prime)).toBe(getDiffieHellman('modp2').getPrime('hex'));
    expect(g.prime).toHaveLength(128);
    expect(g.bits).toBe(1024);
    expect(toHex(g.generator)).toBe('02');
  });

  it('is a safe prime', () => {
    const p = oakleyGroup2().prime;
    expect(checkPrimeSync(p, { checks: 8 })).toBe(true);
    expect(checkPrimeSync(bytesOf(big(p) >> 1n), { checks: 8 })).toBe(true);
  });
});

describe('legacy key exchanges in memory', () => {
  it.each(legacyKexAlgorithms.map((e) => [e.algorithm.name, e.algorithm] as const))(
    '%s: both sides agree on K and a 20-byte H',
    async (_name, alg) => {
      const { client, server } = await runKex(alg);
      expect(toHex(client.sharedSecret)).toBe(toHex(server.sharedSecret));
      expect(toHex(client.exchangeHash)).toBe(toHex(server.exchangeHash));
      expect(client.exchangeHash).toHaveLength(20);
    },
  );

  const oneRound: [string, (fill: number) => KexAlgorithm, bigint][] = [
    [
      'diffie-hellman-group1-sha1',
      (f) => createDhGroup1Sha1Kex({ random: fixed(f) }),
      big(oakleyGroup2().prime),
    ],
    [
      'diffie-hellman-group14-sha1',
      (f) => createDhGroupKex('diffie-hellman-group14-sha1', 14, 'sha1', { random: fixed(f) }),
      big(rfc3526Group(14).prime),
    ],
  ];

  it.each(oneRound)('%s: H and K match a from-scratch computation (RFC 4253 §8)', async (name, make, p) => {
    const { client, server, messages } = await runKex(make(0x11), { serverAlgorithm: make(0x22) });
    expect(messages.map((m) => m.payload[0])).toEqual([30, 31]);
    const x = exponent(0x11);
    const y = exponent(0x22);
    const e = modPow(2n, x, p);
    const f = modPow(2n, y, p);
    const k = modPow(e, y, p);
    const kMpint = new WireWriter().mpint(k).finish();
    expect(toHex(server.sharedSecret)).toBe(toHex(kMpint));
    expect(toHex(client.exchangeHash)).toBe(exchangeHashSha1(server.hostKeyBlob, [e, f, k]));
    expect(name).toBe(make(0).name);
  });

  it('diffie-hellman-group-exchange-sha1: H and K match a from-scratch computation (RFC 4419 §3)', async () => {
    const make = (fill: number) =>
      createDhGexKex('diffie-hellman-group-exchange-sha1', 'sha1', { random: fixed(fill) });
    const request = { min: 2048, n: 3072, max: 8192 };
    const { client, server, messages } = await runKex(make(0x33), {
      serverAlgorithm: make(0x44),
      groupExchange: request,
    });
    expect(messages.map((m) => m.payload[0])).toEqual([34, 31, 32, 33]);
    const group = KexDhGexGroup.decode(messages[1]!.payload);
    const p = big(group.p);
    const g = big(group.g);
    expect(group.p.length * 8).toBe(3072);
    const e = modPow(g, exponent(0x33), p);
    const f = modPow(g, exponent(0x44), p);
    const k = modPow(e, exponent(0x44), p);
    expect(toHex(server.sharedSecret)).toBe(toHex(new WireWriter().mpint(k).finish()));
    const fields: bigint[] = [p, g, e, f, k];
    expect(toHex(client.exchangeHash)).toBe(
      exchangeHashSha1(server.hostKeyBlob, fields, [request.min, request.n, request.max]),
    );
  });

  it('a SHA-1 client and a SHA-2 server of the same group do not agree on H', async () => {
    const sha256 = createDhGroupKex('diffie-hellman-group14-sha1', 14, 'sha256');
    await expect(runKex(dhGroup14Sha1, { serverAlgorithm: sha256 })).rejects.toThrow();
  });
});
