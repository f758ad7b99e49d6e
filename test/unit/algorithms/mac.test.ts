import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { hmacMac } from '../../../src/algorithms/mac/hmac.js';
import type { MacAlgorithm } from '../../../src/algorithms/types.js';
import rfc2202 from '../../vectors/hmac-rfc2202.json' with { type: 'json' };
import rfc4231 from '../../vectors/hmac-rfc4231.json' with { type: 'json' };
import { cipherBackends } from './cipher-backends.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const registry = createDefaultRegistries().mac;

/**
 * An SSH MAC is HMAC(key, uint32 seq || data). Every published vector has at least 4 bytes of
 * data, so its first 4 bytes serve as the sequence number and the rest as the packet.
 */
function check(algorithm: MacAlgorithm, key: string, data: string, expected: string): void {
  const mac = algorithm.create(hex(key));
  const bytes = hex(data);
  const seq = bytes.readUInt32BE(0);
  const rest = bytes.subarray(4);
  expect(toHex(mac.compute(seq, rest))).toBe(expected);
  expect(mac.verify(seq, rest, hex(expected))).toBe(true);
}

describe.each(cipherBackends)('HMAC vectors through the SSH MAC API on $backend', ({ native }) => {
  const sha256 = [false, true].map((etm) => hmacMac('sha256', 'sha256', 32, 32, etm, native));
  const sha512 = [false, true].map((etm) => hmacMac('sha512', 'sha512', 64, 64, etm, native));
  const sha1 = [false, true].map((etm) => hmacMac('sha1', 'sha1', 20, 20, etm, native));
  for (const v of rfc4231.vectors) {
    it(`RFC 4231 ${v.name}`, () => {
      for (const algorithm of sha256) check(algorithm, v.key, v.data, v.sha256);
      for (const algorithm of sha512) check(algorithm, v.key, v.data, v.sha512);
    });
  }
  for (const v of rfc2202.vectors) {
    it(`RFC 2202 ${v.name}`, () => {
      for (const algorithm of sha1) check(algorithm, v.key, v.data, v.sha1);
    });
  }

  it('truncates for shorter MACs (RFC 4231 4.6 test case 5)', () => {
    const mac = hmacMac('hmac-sha2-256-128-test', 'sha256', 32, 16, false, native).create(
      Buffer.alloc(20, 0x0c),
    );
    const data = Buffer.from('Test With Truncation');
    expect(toHex(mac.compute(data.readUInt32BE(0), data.subarray(4)))).toBe(
      'a3b6167473100ee06e0c796c2955552b',
    );
  });
});

describe('every registered MAC', () => {
  for (const { algorithm } of registry.list()) {
    it(`${algorithm.name}: length, key use and constant-time refusal of a wrong MAC`, () => {
      const key = Buffer.alloc(algorithm.keyLength, 0x5a);
      const m = algorithm.create(key);
      const data = Buffer.from('some packet bytes');
      const tag = m.compute(7, data);
      expect(tag.length).toBe(algorithm.length);
      expect(m.verify(7, data, tag)).toBe(true);
      expect(m.verify(8, data, tag)).toBe(false);
      for (let bit = 0; bit < tag.length * 8; bit++) {
        const bad = Buffer.from(tag);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(m.verify(7, data, bad)).toBe(false);
      }
      expect(m.verify(7, data, tag.subarray(0, tag.length - 1))).toBe(false);
      // The key the derivation hands over is exactly keyLength bytes; another key gives another MAC.
      expect(toHex(algorithm.create(Buffer.alloc(algorithm.keyLength, 0x5b)).compute(7, data))).not.toBe(
        toHex(tag),
      );
    });
  }
});
