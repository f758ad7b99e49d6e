import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { legacyMacAlgorithms } from '../../../src/algorithms/mac/legacy.js';
import type { MacAlgorithm } from '../../../src/algorithms/types.js';
import rfc2202 from '../../vectors/hmac-md5-sha1-96-rfc2202.json' with { type: 'json' };

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const mac = (name: string): MacAlgorithm => {
  const alg = createDefaultRegistries().mac.get(name);
  if (!alg) throw new Error(`${name} is not registered`);
  return alg;
};

/** An SSH MAC is HMAC(key, uint32 seq || data): the vector's first 4 bytes act as the sequence number. */
function check(alg: MacAlgorithm, key: string, data: string, expected: string): void {
  const bytes = hex(data);
  const seq = bytes.readUInt32BE(0);
  const rest = bytes.subarray(4);
  const instance = alg.create(hex(key));
  expect(toHex(instance.compute(seq, rest))).toBe(expected);
  expect(instance.verify(seq, rest, hex(expected))).toBe(true);
  const bad = hex(expected);
  bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 1, bad.length - 1);
  expect(instance.verify(seq, rest, bad)).toBe(false);
  expect(instance.verify(seq, rest, hex(expected).subarray(1))).toBe(false);
}

const NAMES: Record<string, [hash: string, keyLength: number, length: number, etm: boolean]> = {
  'hmac-sha1-96-etm@openssh.com': ['sha1', 20, 12, true],
  'hmac-md5-etm@openssh.com': ['md5', 16, 16, true],
  'hmac-md5-96-etm@openssh.com': ['md5', 16, 12, true],
  'hmac-sha1-96': ['sha1', 20, 12, false],
  'hmac-md5': ['md5', 16, 16, false],
  'hmac-md5-96': ['md5', 16, 12, false],
};

describe('legacy MAC registry entries', () => {
  it('registers the six names with RFC 4253 §6.4 key and MAC lengths, all legacy and none default', () => {
    expect(legacyMacAlgorithms.map((e) => e.algorithm.name)).toEqual(Object.keys(NAMES));
    const registry = createDefaultRegistries().mac;
    for (const { algorithm, status } of legacyMacAlgorithms) {
      const [, keyLength, length, etm] = NAMES[algorithm.name]!;
      expect(status).toBe('legacy');
      expect([algorithm.keyLength, algorithm.length, algorithm.etm]).toEqual([keyLength, length, etm]);
      expect(registry.statusOf(algorithm.name)).toBe('legacy');
      expect(registry.names('default')).not.toContain(algorithm.name);
    }
  });
});

describe('legacy MACs against RFC 2202', () => {
  for (const v of rfc2202.vectors) {
    const full = Object.entries(NAMES).filter(
      ([, [hash, , length]]) => hash === v.hash && length === v.digest.length / 2,
    );
    const truncated = Object.entries(NAMES).filter(
      ([, [hash, , length]]) => hash === v.hash && length === 12,
    );
    for (const [name] of full) it(`${name}: ${v.name}`, () => check(mac(name), v.key, v.data, v.digest));
    if (v.digest96 !== undefined) {
      for (const [name] of truncated)
        it(`${name}: ${v.name} (digest-96)`, () => check(mac(name), v.key, v.data, v.digest96!));
    }
  }
});
