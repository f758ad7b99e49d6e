import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineStruct, t, WireReader, WireWriter } from '../../src/wire/index.js';

const nameArb = fc.stringMatching(/^[\x21-\x2b\x2d-\x7e]{1,20}$/);

describe('wire types round-trip (fast-check)', () => {
  it('byte, boolean, uint32, uint64', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.nat({ max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (b, bo, u, big) => {
          const wire = new WireWriter().byte(b).bool(bo).u32(u).u64(big).finish();
          const r = new WireReader(wire);
          expect([r.byte(), r.bool(), r.u32(), r.u64()]).toEqual([b, bo, u, big]);
          r.end();
        },
      ),
    );
  });

  it('string (raw and UTF-8)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        (raw, text) => {
          const r = new WireReader(new WireWriter().bytes(raw).text(text).finish());
          expect(Buffer.from(r.bytes())).toEqual(Buffer.from(raw));
          expect(r.text()).toBe(text);
          r.end();
        },
      ),
    );
  });

  it('mpint, signed and unsigned', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 4096n), max: 1n << 4096n }), (v) => {
        const wire = new WireWriter().mpint(v).finish();
        const r = new WireReader(wire);
        expect(r.mpint()).toBe(v);
        r.end();
        if (v >= 0n) {
          const mag = new WireReader(wire).mpintUnsigned();
          expect(mag.length === 0 ? 0n : BigInt('0x' + mag.toString('hex'))).toBe(v);
          expect(Buffer.from(new WireWriter().mpintUnsigned(mag).finish())).toEqual(Buffer.from(wire));
        }
      }),
    );
  });

  it('name-list', () => {
    fc.assert(
      fc.property(fc.array(nameArb, { maxLength: 20 }), (names) => {
        const r = new WireReader(new WireWriter().nameList(names).finish());
        expect(r.nameList()).toEqual(names);
        r.end();
      }),
    );
  });

  it('declared structures reject every truncation and any trailing byte', () => {
    const S = defineStruct('s', { a: t.u32, b: t.text, c: t.nameList, d: t.mpint, e: t.bool });
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.string({ maxLength: 30 }),
        fc.array(nameArb, { maxLength: 5 }),
        fc.bigInt(),
        fc.boolean(),
        (a, b, c, d, e) => {
          const wire = S.encode({ a, b, c, d, e });
          expect(S.decode(wire)).toEqual({ a, b, c, d, e });
          for (let cut = 0; cut < wire.length; cut++) expect(() => S.decode(wire.subarray(0, cut))).toThrow();
          expect(() => S.decode(Buffer.concat([wire, Buffer.from([0])]))).toThrow(/trailing/);
        },
      ),
      { numRuns: 50 },
    );
  });
});
