import { describe, expect, it } from 'vitest';
import vectors from '../../vectors/rfc4251-mpint.json' with { type: 'json' };
import { DecodeError, WireReader, WireWriter } from '../../../src/wire/index.js';

const hexToBigint = (s: string): bigint =>
  s.startsWith('-') ? -BigInt('0x' + s.slice(1)) : BigInt('0x' + s);

describe('mpint (RFC 4251 §5 examples)', () => {
  for (const v of vectors.vectors) {
    it(`encodes ${v.value}`, () => {
      expect(new WireWriter().mpint(hexToBigint(v.value)).finish().toString('hex')).toBe(v.wire);
    });
    it(`decodes ${v.wire}`, () => {
      const r = new WireReader(Buffer.from(v.wire, 'hex'));
      expect(r.mpint()).toBe(hexToBigint(v.value));
      r.end();
    });
  }

  it('reads an unsigned magnitude without leading zeros and refuses negatives', () => {
    expect(new WireReader(Buffer.from('000000020080', 'hex')).mpintUnsigned().toString('hex')).toBe('80');
    expect(() => new WireReader(Buffer.from('00000002edcc', 'hex')).mpintUnsigned()).toThrow(DecodeError);
  });

  it('writes an unsigned magnitude with the sign byte when needed', () => {
    expect(new WireWriter().mpintUnsigned(Buffer.from('0080', 'hex')).finish().toString('hex')).toBe(
      '000000020080',
    );
    expect(new WireWriter().mpintUnsigned(Buffer.alloc(3)).finish().toString('hex')).toBe('00000000');
  });
});

describe('WireReader bounds', () => {
  it('rejects a string longer than the buffer without allocating', () => {
    const r = new WireReader(Buffer.from('ffffffff00', 'hex'));
    expect(() => r.bytes(Number.MAX_SAFE_INTEGER)).toThrow(/needs 4294967295 bytes/);
  });
  it('rejects a string over the limit', () => {
    expect(() => new WireReader(Buffer.from('0000000a', 'hex'), 0, 4).bytes()).toThrow(/exceeds the limit/);
  });
  it('rejects truncated integers', () => {
    expect(() => new WireReader(Buffer.from('000000', 'hex')).u32()).toThrow(DecodeError);
    expect(() => new WireReader(Buffer.from('00000000000000', 'hex')).u64()).toThrow(DecodeError);
    expect(() => new WireReader(Buffer.alloc(0)).byte()).toThrow(DecodeError);
  });
  it('rejects trailing bytes at end()', () => {
    const r = new WireReader(Buffer.from('0100', 'hex'));
    r.byte();
    expect(() => r.end()).toThrow(/1 trailing bytes/);
  });
  it('rejects invalid UTF-8 in text but not in lenient text', () => {
    const bad = Buffer.from('00000002c328', 'hex');
    expect(() => new WireReader(bad).text()).toThrow(/invalid UTF-8/);
    expect(new WireReader(bad).textLenient()).toBe('\ufffd(');
  });
  it('refuses uint64 values above 2^53-1 where a safe integer is required', () => {
    expect(() => new WireReader(Buffer.from('0020000000000000', 'hex')).u64Safe()).toThrow(/exceeds/);
    expect(new WireReader(Buffer.from('001fffffffffffff', 'hex')).u64Safe()).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('name-list', () => {
  const encode = (s: string) => new WireWriter().text(s).finish();
  it('splits on commas', () => {
    expect(new WireReader(encode('zlib,none')).nameList()).toEqual(['zlib', 'none']);
    expect(new WireReader(encode('')).nameList()).toEqual([]);
  });
  it.each([',', 'a,,b', 'a,', 'a b', 'caf\u00e9', 'a\u0000'])('rejects %j', (s) => {
    expect(() => new WireReader(encode(s)).nameList()).toThrow(DecodeError);
  });
  it('drops empty names where asked (KEXINIT), and still refuses bytes outside printable ASCII', () => {
    expect(new WireReader(encode('a,,b,')).nameListDroppingEmpty()).toEqual(['a', 'b']);
    expect(new WireReader(encode(',')).nameListDroppingEmpty()).toEqual([]);
    expect(() => new WireReader(encode('a, b')).nameListDroppingEmpty()).toThrow(DecodeError);
  });
});

describe('WireWriter', () => {
  it('grows past its initial size', () => {
    const w = new WireWriter({ initialSize: 16 });
    for (let i = 0; i < 1000; i++) w.u32(i);
    expect(w.length).toBe(4000);
    expect(w.finish().readUInt32BE(3996)).toBe(999);
  });
  it('keeps a reserved header in front of the payload', () => {
    const w = new WireWriter({ reserve: 5 });
    w.byte(94).u32(7);
    expect(w.finish().toString('hex')).toBe('5e00000007');
    expect(w.finishWithHeader().length).toBe(10);
  });
});
