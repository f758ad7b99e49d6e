import { describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nativePacketCrypto, type NativeCipherHandle } from '../../../src/algorithms/cipher/native.js';
import { hmacMac } from '../../../src/algorithms/mac/hmac.js';
import rfc4231 from '../../vectors/hmac-rfc4231.json' with { type: 'json' };

const native = nativePacketCrypto;

/** HMAC-SHA-256 of uint32 `seq` ‖ `data` by node:crypto (RFC 4253 §6.4). */
function reference(key: Uint8Array, seq: number, data: Uint8Array): Buffer {
  const seqBytes = Buffer.alloc(4);
  seqBytes.writeUInt32BE(seq >>> 0, 0);
  return createHmac('sha256', key).update(seqBytes).update(data).digest();
}

/** Both MACs of a pair, from `handle`. */
function pair(
  handle: NativeCipherHandle,
  a: [number, Uint8Array],
  b: [number, Uint8Array],
  length = 32,
): [Buffer, Buffer] {
  const [macA, macB] = [Buffer.alloc(length), Buffer.alloc(length)];
  native!.hmacPair(handle, a[0], a[1], macA, b[0], b[1], macB);
  return [macA, macB];
}

// Interleaved (on a CPU with the SHA extensions) and one after the other through OpenSSL.
describe.skipIf(!native).each([true, false])(
  'native HMAC of two packets at once (interleave: %s)',
  (interleave) => {
    it('matches RFC 4231 §4 HMAC-SHA-256, the message’s first four bytes read as the sequence number', () => {
      const cases = rfc4231.vectors.filter((v) => v.data.length >= 8);
      expect(cases.length).toBeGreaterThanOrEqual(5);
      for (const [i, v] of cases.entries()) {
        const w = cases[(i + 1) % cases.length]!;
        // A pair needs one key: the second message is the first's partner under the same key.
        const handle = native!.createHmac('sha256', Buffer.from(v.key, 'hex'), interleave);
        const data = Buffer.from(v.data, 'hex');
        const other = Buffer.from(w.data, 'hex');
        const [macA, macB] = pair(
          handle,
          [data.readUInt32BE(0), data.subarray(4)],
          [other.readUInt32BE(0), other.subarray(4)],
        );
        expect(macA.toString('hex')).toBe(v.sha256);
        expect(
          macB.equals(reference(Buffer.from(v.key, 'hex'), other.readUInt32BE(0), other.subarray(4))),
        ).toBe(true);
      }
    });

    it('matches node:crypto for keys shorter and longer than a block and messages of every padding case', () => {
      // Around the block edges of seq ‖ data: 55/56 bytes is where the length field no longer fits.
      const lengths = [0, 1, 51, 52, 55, 56, 59, 60, 63, 64, 115, 116, 119, 120, 124, 1000, 32 * 1024 + 44];
      for (const keyLength of [1, 32, 64, 65, 131]) {
        const key = randomBytes(keyLength);
        const handle = native!.createHmac('sha256', key, interleave);
        for (const la of lengths) {
          for (const lb of [0, 52, 120, 32 * 1024 + 44]) {
            const a = randomBytes(la);
            const b = randomBytes(lb);
            const seq = (la * 7919 + lb) >>> 0;
            const [macA, macB] = pair(handle, [seq, a], [0xffffffff - seq, b]);
            expect(macA.equals(reference(key, seq, a)), `${keyLength}/${la}`).toBe(true);
            expect(macB.equals(reference(key, 0xffffffff - seq, b)), `${keyLength}/${lb}`).toBe(true);
          }
        }
      }
    });

    it('writes only as many bytes as each output holds (a truncated MAC)', () => {
      const key = randomBytes(32);
      const handle = native!.createHmac('sha256', key, interleave);
      const data = randomBytes(5000);
      const [macA, macB] = pair(handle, [1, data], [2, data], 12);
      expect(macA.equals(reference(key, 1, data).subarray(0, 12))).toBe(true);
      expect(macB.equals(reference(key, 2, data).subarray(0, 12))).toBe(true);
    });
  },
);

/** Whether this CPU has the SHA extensions, as Linux reports them (false elsewhere). */
function cpuHasShaExtensions(): boolean {
  try {
    return process.arch === 'x64' && /^flags\s*:.*\bsha_ni\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(!native)('native HMAC pairs: the MAC instance and bad arguments', () => {
  it('interleaves HMAC-SHA-256 on a CPU with the SHA extensions, unless told not to, and nothing else', () => {
    const n = native!;
    expect(n.hmacInterleaves(n.createHmac('sha256', randomBytes(32)))).toBe(cpuHasShaExtensions());
    expect(n.hmacInterleaves(n.createHmac('sha256', randomBytes(32), false))).toBe(false);
    expect(n.hmacInterleaves(n.createHmac('sha512', randomBytes(64)))).toBe(false);
    expect(() => n.hmacInterleaves(n.createCtr(randomBytes(16), randomBytes(16)))).toThrow(/hmacInterleaves/);
  });

  it('computePairInto gives what computeInto gives for each packet, for every native digest', () => {
    for (const [hash, keyLength] of [
      ['sha256', 32],
      ['sha512', 64],
      ['sha1', 20],
    ] as const) {
      const mac = hmacMac('test', hash, keyLength, keyLength, true, native).create(randomBytes(keyLength));
      const [a, b] = [randomBytes(32 * 1024 + 20), randomBytes(777)];
      const [pairA, pairB, oneA, oneB] = [1, 2, 3, 4].map(() => Buffer.alloc(keyLength)) as [
        Buffer,
        Buffer,
        Buffer,
        Buffer,
      ];
      mac.computePairInto!({ seq: 41, data: a, out: pairA }, { seq: 42, data: b, out: pairB });
      mac.computeInto!(41, a, oneA);
      mac.computeInto!(42, b, oneB);
      expect(pairA.equals(oneA) && pairB.equals(oneB)).toBe(true);
    }
  });

  it('refuses bad arguments with an error instead of reading or writing out of bounds', () => {
    const n = native!;
    const hmac = n.createHmac('sha256', randomBytes(32));
    const data = Buffer.alloc(100);
    const mac = Buffer.alloc(32);
    expect(() => n.hmacPair(hmac, 0, data, Buffer.alloc(33), 1, data, mac)).toThrow(/hmacPair/);
    expect(() => n.hmacPair(hmac, 0, data, mac, 1, data, Buffer.alloc(0))).toThrow(/hmacPair/);
    expect(() => n.hmacPair(hmac, 0, [data] as unknown as Uint8Array, mac, 1, data, mac)).toThrow(/hmacPair/);
    const ctr = n.createCtr(randomBytes(16), randomBytes(16));
    expect(() => n.hmacPair(ctr, 0, data, mac, 1, data, mac)).toThrow();
    expect(() => (n.hmacPair as (...args: unknown[]) => void)(hmac, 0, data, mac)).toThrow(/hmacPair/);
    expect(() => n.createHmac('sha256', randomBytes(32), 'yes' as unknown as boolean)).toThrow(/createHmac/);
  });
});
