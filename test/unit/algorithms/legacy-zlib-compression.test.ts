import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  compressionAlgorithms,
  ZlibCompressor,
  ZlibDecompressor,
  zlibCompression,
  zlibOpenSshCompression,
} from '../../../src/algorithms/compression/index.js';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { DisconnectError, DisconnectReason } from '../../../src/protocol/index.js';

const MAX_PAYLOAD = 256 * 1024;

/** Payloads like an SSH session's: small control messages, text, random and repetitive bulk data. */
function packets(count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 5) {
      case 0:
        out.push(Buffer.from([94, 0, 0, 0, i & 0xff]));
        break;
      case 1:
        out.push(Buffer.from(`${i}: the quick brown fox jumps over the lazy dog\n`.repeat(1 + (i % 40))));
        break;
      case 2:
        out.push(randomBytes(1 + ((i * 977) % 33000)));
        break;
      case 3:
        out.push(Buffer.alloc(32768, i & 0xff));
        break;
      default:
        out.push(Buffer.concat([Buffer.from([94]), randomBytes(8), Buffer.alloc(4000, 'a')]));
    }
  }
  return out;
}

/** Runs python3's zlib (the system libz, without node's binding) over `script` with JSON on stdin. */
function python(script: string, input: unknown): unknown {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}

const expectCompressionError = (fn: () => unknown): void => {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DisconnectError);
  expect((caught as DisconnectError).reason).toBe(DisconnectReason.CompressionError);
};

describe('zlib compression registry entries', () => {
  it('keeps none first and default; zlib@openssh.com (delayed) and zlib are optional', () => {
    expect(compressionAlgorithms.map((e) => [e.algorithm.name, e.status, e.algorithm.delayed])).toEqual([
      ['none', 'default', false],
      ['zlib@openssh.com', 'optional', true],
      ['zlib', 'optional', false],
    ]);
    const registry = createDefaultRegistries().compression;
    expect(registry.names('default')).toEqual(['none']);
    expect(registry.names('all')).toEqual(['none', 'zlib@openssh.com', 'zlib']);
  });

  it('creates a fresh compressor and decompressor per call', () => {
    for (const alg of [zlibCompression, zlibOpenSshCompression]) {
      expect(alg.createCompressor()).toBeInstanceOf(ZlibCompressor);
      expect(alg.createDecompressor()).toBeInstanceOf(ZlibDecompressor);
      expect(alg.createCompressor()).not.toBe(alg.createCompressor());
    }
  });
});

describe('one zlib stream per direction across many packets', () => {
  it('round-trips 1000 packets through one compressor and one decompressor', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor();
    let wire = 0;
    let plain = 0;
    for (const p of packets(1000)) {
      const z = c.compress(p);
      wire += z.length;
      plain += p.length;
      expect(Buffer.from(d.decompress(z, MAX_PAYLOAD)).equals(p)).toBe(true);
    }
    // The shared dictionary pays off: far less on the wire than in the payloads.
    expect(wire).toBeLessThan(plain * 0.75);
  });

  it('produces one zlib stream that node inflates whole and python inflates packet by packet', () => {
    const c = new ZlibCompressor();
    const ps = packets(300);
    const zs = ps.map((p) => Buffer.from(c.compress(p)));
    // Each packet ends on a flush, so the concatenation is a valid (unfinished) zlib stream.
    expect(
      inflateSync(Buffer.concat(zs), { finishFlush: constants.Z_SYNC_FLUSH }).equals(Buffer.concat(ps)),
    ).toBe(true);
    const sizes = python(
      `import json, sys, zlib
zs = [bytes.fromhex(h) for h in json.load(sys.stdin)]
d = zlib.decompressobj()
print(json.dumps([len(d.decompress(z)) for z in zs]))`,
      zs.map((z) => z.toString('hex')),
    );
    // Every packet inflates completely on its own: nothing is held back for the next one.
    expect(sizes).toEqual(ps.map((p) => p.length));
  });

  it('inflates the stream an OpenSSH-like peer sends (python zlib, level 6, Z_PARTIAL_FLUSH per packet)', () => {
    const ps = packets(300);
    const zs = python(
      `import json, sys, zlib
c = zlib.compressobj(6)
print(json.dumps([(c.compress(bytes.fromhex(h)) + c.flush(zlib.Z_PARTIAL_FLUSH)).hex() for h in json.load(sys.stdin)]))`,
      ps.map((p) => p.toString('hex')),
    ) as string[];
    const d = new ZlibDecompressor();
    zs.forEach((z, i) => {
      expect(Buffer.from(d.decompress(Buffer.from(z, 'hex'), MAX_PAYLOAD)).equals(ps[i]!)).toBe(true);
    });
  });

  it('uses separate state for separate directions and connections', () => {
    const p = Buffer.from('same payload, twice');
    const a = new ZlibCompressor();
    const first = Buffer.from(a.compress(p));
    const second = Buffer.from(a.compress(p));
    // The second copy refers back into the first: a fresh stream would repeat the zlib header.
    expect(second.equals(first)).toBe(false);
    expect(Buffer.from(new ZlibCompressor().compress(p)).equals(first)).toBe(true);
    expect(() => new ZlibDecompressor().decompress(second, MAX_PAYLOAD)).toThrow(DisconnectError);
  });

  it('returns nothing for an empty payload without disturbing the stream', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor();
    expect(c.compress(new Uint8Array(0)).length).toBe(0);
    const p = Buffer.from('after the empty one');
    expect(Buffer.from(d.decompress(c.compress(p), MAX_PAYLOAD)).equals(p)).toBe(true);
  });
});

describe('inflate limit and bad input', () => {
  it('accepts a packet that inflates to exactly the limit', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor();
    const p = Buffer.alloc(MAX_PAYLOAD, 7);
    expect(d.decompress(c.compress(p), MAX_PAYLOAD).length).toBe(MAX_PAYLOAD);
    expect(d.decompress(c.compress(Buffer.from('next')), MAX_PAYLOAD).length).toBe(4);
  });

  it('ends a compression bomb (64 KiB inflating to 64 MiB) at the 256 KiB limit with bounded memory', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor();
    // A few honest packets first: the bomb arrives mid-stream.
    for (const p of packets(10)) d.decompress(c.compress(p), MAX_PAYLOAD);
    const bomb = Buffer.from(c.compress(Buffer.alloc(64 << 20)));
    expect(bomb.length).toBeLessThan(80 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    expectCompressionError(() => d.decompress(bomb, MAX_PAYLOAD));
    expect(performance.now() - started).toBeLessThan(500);
    // Inflating the whole bomb would hold 64 MiB; stopping at the limit holds about 272 KiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    // The stream is dead after the error: the connection is ending anyway.
    expectCompressionError(() => d.decompress(c.compress(Buffer.from('x')), MAX_PAYLOAD));
  });

  it('refuses a packet one byte over the limit', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor();
    expectCompressionError(() => d.decompress(c.compress(Buffer.alloc(1001)), 1000));
  });

  it('ends the connection on corrupt data', () => {
    const d = new ZlibDecompressor();
    expectCompressionError(() => d.decompress(Buffer.from('not a zlib stream at all'), MAX_PAYLOAD));
    expectCompressionError(() => d.decompress(Buffer.from([0x78, 0x9c]), MAX_PAYLOAD));
  });

  it('ends the connection on bytes after the end of the zlib stream', () => {
    const d = new ZlibDecompressor();
    const finished = deflateSync(Buffer.from('a finished stream'));
    expectCompressionError(() =>
      d.decompress(Buffer.concat([finished, Buffer.from('trailing')]), MAX_PAYLOAD),
    );
  });

  it('survives random garbage without throwing anything but COMPRESSION_ERROR', () => {
    for (let i = 0; i < 200; i++) {
      const d = new ZlibDecompressor();
      const garbage = Buffer.concat([Buffer.from([0x78, 0x9c]), randomBytes(1 + (i % 300))]);
      try {
        d.decompress(garbage, 4096);
      } catch (err) {
        expect(err).toBeInstanceOf(DisconnectError);
        expect((err as DisconnectError).reason).toBe(DisconnectReason.CompressionError);
      }
    }
  });
});
