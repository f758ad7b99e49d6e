import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attrsCodec, type FileAttrs } from '../../../src/sftp/attrs.js';
import { Fxp } from '../../../src/sftp/constants.js';
import { CopyData, LimitsReply } from '../../../src/sftp/extension-packets.js';
import { SftpFramer, SftpFrameError } from '../../../src/sftp/framer.js';
import { decodeRead, decodeWrite, allocData, sealData, DATA_HEADER } from '../../../src/sftp/hot-path.js';
import { formatLongname, modeString, printable } from '../../../src/sftp/longname.js';
import { FxpName, FxpOpen, FxpRead, FxpStatus, FxpVersion, FxpWrite } from '../../../src/sftp/packets.js';
import { expandTilde, normalizePath } from '../../../src/sftp/path.js';
import { DecodeError, WireReader, WireWriter } from '../../../src/wire/index.js';

const attrsArb: fc.Arbitrary<FileAttrs> = fc.record(
  {
    size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    permissions: fc.nat({ max: 0xffffffff }),
    extended: fc.array(
      fc.record({ type: fc.string({ maxLength: 10 }), data: fc.uint8Array({ maxLength: 10 }) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  },
  { requiredKeys: [] },
);

function encodeAttrs(a: FileAttrs): Buffer {
  const w = new WireWriter();
  attrsCodec.write(w, a);
  return Buffer.from(w.finish());
}

describe('ATTRS codec (draft-ietf-secsh-filexfer-02 §5)', () => {
  it('round-trips every combination of fields', () => {
    fc.assert(
      fc.property(
        attrsArb,
        fc.option(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))),
        (a, ids) => {
          const full: FileAttrs = ids ? { ...a, uid: ids[0], gid: ids[1], atime: ids[0], mtime: ids[1] } : a;
          const r = new WireReader(encodeAttrs(full));
          const back = attrsCodec.read(r);
          r.end();
          expect({
            ...back,
            extended: back.extended?.map((e) => ({ type: e.type, data: [...e.data] })),
          }).toEqual({
            ...full,
            extended: full.extended?.map((e) => ({ type: e.type, data: [...e.data] })),
          });
        },
      ),
    );
  });

  it('refuses undefined flag bits, huge extended counts, sizes above 2^53 and truncation', () => {
    const bad = [
      new WireWriter().u32(0x10).finish(),
      new WireWriter().u32(0x80000000).u32(0xffffffff).finish(),
      new WireWriter()
        .u32(1)
        .u64(2n ** 63n)
        .finish(),
      new WireWriter().u32(0x0c).u32(0o644).finish(),
    ];
    for (const b of bad) expect(() => attrsCodec.read(new WireReader(b))).toThrow(DecodeError);
  });

  it('clamps times to uint32 instead of wrapping', () => {
    const r = new WireReader(encodeAttrs({ atime: 2 ** 40, mtime: -5 }));
    expect(attrsCodec.read(r)).toEqual({ atime: 0xffffffff, mtime: 0 });
  });
});

describe('packet declarations', () => {
  it('encode whole frames and decode them back, rejecting trailing bytes', () => {
    const frame = FxpOpen.encode({ id: 7, filename: '/a', pflags: 0x1a, attrs: { permissions: 0o600 } });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const payload = frame.subarray(4);
    expect(FxpOpen.decode(payload)).toEqual({
      id: 7,
      filename: '/a',
      pflags: 0x1a,
      attrs: { permissions: 0o600 },
    });
    expect(() => FxpOpen.decode(Buffer.concat([payload, Buffer.from([0])]))).toThrow(DecodeError);
    expect(() =>
      FxpOpen.decode(FxpStatus.encode({ id: 1, code: 0, message: '', language: '' }).subarray(4)),
    ).toThrow(DecodeError);
  });

  it('VERSION carries extension pairs to the end of the packet', () => {
    const f = FxpVersion.encode({ version: 3, extensions: [{ name: 'a@b', data: '1' }] });
    expect(FxpVersion.decode(f.subarray(4))).toEqual({
      version: 3,
      extensions: [{ name: 'a@b', data: '1' }],
    });
  });

  it('NAME and extension replies round-trip', () => {
    const names = [{ filename: 'x', longname: 'l', attrs: { size: 3 } }];
    expect(FxpName.decode(FxpName.encode({ id: 2, names }).subarray(4))).toEqual({ id: 2, names });
    const lim = { id: 1, maxPacketLength: 1n, maxReadLength: 2n, maxWriteLength: 3n, maxOpenHandles: 4n };
    expect(LimitsReply.decode(LimitsReply.encode(lim).subarray(4))).toEqual(lim);
    const cd = {
      readHandle: Buffer.from('a'),
      readOffset: 1n,
      readLength: 2n,
      writeHandle: Buffer.from('b'),
      writeOffset: 3n,
    };
    expect(CopyData.decode(CopyData.encode(cd))).toEqual(cd);
  });

  it('the hand-written READ/WRITE decoders agree with the declarations', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.nat(),
        fc.uint8Array(),
        (h, off, len, data) => {
          const rd = FxpRead.encode({ id: 9, handle: h, offset: off, len: len >>> 0 }).subarray(4);
          expect(decodeRead(rd)).toEqual({ id: 9, handle: Buffer.from(h), offset: off, len: len >>> 0 });
          const wr = FxpWrite.encode({ id: 9, handle: h, offset: off, data }).subarray(4);
          const dw = decodeWrite(wr);
          expect([dw.id, [...dw.handle], dw.offset, [...dw.data]]).toEqual([9, [...h], off, [...data]]);
          expect(() => decodeRead(Buffer.concat([rd, Buffer.from([1])]))).toThrow(DecodeError);
          expect(() => decodeWrite(wr.subarray(0, wr.length - 1))).toThrow(DecodeError);
          // Bytes after the data are ignored (pkg/sftp's short WRITEs carry their whole buffer).
          expect([...decodeWrite(Buffer.concat([wr, Buffer.from([7, 7])])).data]).toEqual([...data]);
        },
      ),
    );
  });

  it('DATA frames are sealed in place', () => {
    const b = allocData(10);
    Buffer.from('hello').copy(b, DATA_HEADER);
    const f = sealData(b, 5, 5);
    const r = new WireReader(f);
    expect([r.u32(), r.byte(), r.u32(), r.bytes().toString()]).toEqual([f.length - 4, Fxp.Data, 5, 'hello']);
  });

  it('a DATA frame that fills its buffer is the buffer itself, so a pool knows it again', () => {
    const b = allocData(5);
    expect(sealData(b, 1, 5)).toBe(b);
    expect(sealData(b, 1, 4)).not.toBe(b);
    expect(sealData(b, 1, 4).length).toBe(DATA_HEADER + 4);
  });
});

describe('SftpFramer', () => {
  const frames = [Buffer.from([1, 0, 0, 0, 3]), Buffer.alloc(300, 7), Buffer.from([200])];
  const stream = Buffer.concat(
    frames.flatMap((f) => [Buffer.from([0, 0, f.length >> 8, f.length & 0xff]), f]),
  );

  it('yields the same frames whatever the split', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (const b of [a, Math.min(stream.length, a + 1), Math.min(stream.length, a + 5), stream.length]) {
        const f = new SftpFramer();
        const out: Buffer[] = [];
        for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) {
          f.push(part);
          for (let x = f.next(); x; x = f.next()) out.push(Buffer.from(x));
        }
        expect(out).toEqual(frames);
        expect(f.buffered).toBe(0);
      }
    }
  });

  it('rejects length 0 and lengths above the limit as soon as the length is read', () => {
    for (const len of [0, 256 * 1024 + 1, 0xffffffff]) {
      const f = new SftpFramer();
      const b = Buffer.alloc(4);
      b.writeUInt32BE(len);
      f.push(b);
      expect(() => f.next()).toThrow(SftpFrameError);
    }
  });
});

describe('paths and listings', () => {
  it('normalises lexically inside the root', () => {
    const cases: [string, string][] = [
      ['', '/'],
      ['.', '/'],
      ['../../../../etc/passwd', '/etc/passwd'],
      ['/../../etc/passwd', '/etc/passwd'],
      ['a/../../..', '/'],
      ['....//x', '/..../x'],
      ['/./.././', '/'],
      ['%2e%2e%2f', '/%2e%2e%2f'],
      ['~', '/~'],
      ['a//b/./c/', '/a/b/c'],
    ];
    for (const [raw, want] of cases) expect(normalizePath(raw)).toBe(want);
    expect(normalizePath('x', '/home/u')).toBe('/home/u/x');
    expect(() => normalizePath('a\0b')).toThrow();
    expect(() => normalizePath('a/'.repeat(3000))).toThrow();
    expect(() => normalizePath('x'.repeat(256))).toThrow();
  });

  it('expands ~ only for the session user', () => {
    expect(expandTilde('~/a', '/', 'bob')).toBe('//a');
    expect(expandTilde('~bob', '/h', 'bob')).toBe('/h');
    expect(() => expandTilde('~root/x', '/', 'bob')).toThrow();
  });

  it('formats longnames like ls -l and escapes control characters', () => {
    expect(modeString(0o104755)).toBe('-rwsr-xr-x');
    expect(modeString(0o041777)).toBe('drwxrwxrwt');
    expect(modeString(0o120777)).toBe('lrwxrwxrwx');
    expect(printable('a\nb\x1b[2J')).toBe('a?b?[2J');
    const line = formatLongname(
      'f',
      { size: 12, uid: 1000, gid: 100, permissions: 0o100644, atime: 0, mtime: 0, nlink: 1 },
      1e9,
    );
    expect(line).toBe('-rw-r--r--   1 1000     100            12 Jan  1  1970 f');
    const recent = formatLongname(
      'g',
      {
        size: 1,
        uid: 0,
        gid: 0,
        permissions: 0o40755,
        atime: 0,
        mtime: 86400 + 3600,
        owner: 'alice',
        group: 'staff',
      },
      86400 * 2,
    );
    expect(recent).toBe('drwxr-xr-x   1 alice    staff           1 Jan  2 01:00 g');
  });
});
