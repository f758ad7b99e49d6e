import { describe, expect, it } from 'vitest';
import { HandleTable } from '../../../src/sftp/handles.js';
import type { VfsFile } from '../../../src/sftp/vfs.js';

const file = {} as VfsFile;
const flags = { read: true, write: false, append: false, create: false, truncate: false, exclusive: false };

describe('HandleTable', () => {
  it('finds each open handle by its wire bytes, from any buffer holding them', () => {
    const t = new HandleTable(8);
    const a = t.addFile('/a', file, flags);
    const b = t.addFile('/b', file, flags);
    const wire = (h: Buffer) => Buffer.concat([Buffer.from([9, 9]), h]).subarray(2);
    for (let i = 0; i < 3; i++) {
      expect(t.get(wire(a.handle))).toBe(a);
      expect(t.get(wire(b.handle))).toBe(b);
    }
    const other = Buffer.from(a.handle);
    other[15] = other[15]! ^ 1;
    expect(t.get(other)).toBeUndefined();
    expect(t.get(a.handle.subarray(0, 15))).toBeUndefined();
  });

  it('no longer finds a deleted handle, even the one found last', () => {
    const t = new HandleTable(8);
    const a = t.addFile('/a', file, flags);
    expect(t.get(Buffer.from(a.handle))).toBe(a);
    t.delete(a);
    expect(a.closed).toBe(true);
    expect(t.get(Buffer.from(a.handle))).toBeUndefined();
    expect(t.size).toBe(0);
  });
});
