import { describe, expect, it } from 'vitest';
import { OrderedLock, type LockClaim, type LockTicket } from '../../../src/sftp/ordered-lock.js';

const read = (start: number, end: number): LockClaim => ({
  exclusive: false,
  range: [start, end],
  write: false,
});
const write = (start: number, end: number): LockClaim => ({
  exclusive: false,
  range: [start, end],
  write: true,
});
const shared: LockClaim = { exclusive: false };
const exclusive: LockClaim = { exclusive: true };

/** Claims on one lock, recording the order in which they are granted. */
function recorder() {
  const lock = new OrderedLock();
  const granted: string[] = [];
  const tickets = new Map<string, LockTicket>();
  const claim = (name: string, c: LockClaim) => {
    const t = lock.claim(c, () => granted.push(name));
    if (t.granted) granted.push(name);
    tickets.set(name, t);
  };
  const release = (name: string) => tickets.get(name)!.release();
  return { lock, granted, claim, release };
}

describe('OrderedLock', () => {
  it('grants reads at once, whatever their ranges, and releases in any order', () => {
    const r = recorder();
    for (let i = 0; i < 5; i++) r.claim(`r${i}`, read(0, 100));
    expect(r.granted).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    for (const name of ['r2', 'r0', 'r4', 'r1', 'r3']) r.release(name);
    expect(r.lock.size).toBe(0);
  });

  it('holds a write until the overlapping reads before it are done, but not for other ranges', () => {
    const r = recorder();
    r.claim('r0', read(0, 10));
    r.claim('r1', read(10, 20));
    r.claim('w', write(5, 15));
    r.claim('w2', write(100, 110));
    expect(r.granted).toEqual(['r0', 'r1', 'w2']);
    r.release('r1');
    expect(r.granted).toEqual(['r0', 'r1', 'w2']);
    r.release('r0');
    expect(r.granted).toEqual(['r0', 'r1', 'w2', 'w']);
  });

  it('holds a read behind an earlier overlapping write, in arrival order', () => {
    const r = recorder();
    r.claim('w', write(0, 10));
    r.claim('r0', read(5, 6));
    r.claim('r1', read(20, 30));
    r.claim('r2', read(0, 1));
    expect(r.granted).toEqual(['w', 'r1']);
    r.release('w');
    expect(r.granted).toEqual(['w', 'r1', 'r0', 'r2']);
  });

  it('an exclusive claim waits for every earlier claim, and every later claim waits for it', () => {
    const r = recorder();
    r.claim('s', shared);
    r.claim('r', read(0, 1));
    r.claim('x', exclusive);
    r.claim('after', read(50, 60));
    expect(r.granted).toEqual(['s', 'r']);
    r.release('s');
    expect(r.granted).toEqual(['s', 'r']);
    r.release('r');
    expect(r.granted).toEqual(['s', 'r', 'x']);
    r.release('x');
    expect(r.granted).toEqual(['s', 'r', 'x', 'after']);
  });

  it('a claim released before it was granted leaves the queue and holds nobody up', () => {
    const r = recorder();
    r.claim('w', write(0, 10));
    r.claim('x', exclusive);
    r.claim('r', read(50, 60));
    r.release('x');
    // The read waited only for the exclusive claim, which is gone.
    expect(r.granted).toEqual(['w', 'r']);
    r.release('w');
    r.release('w');
    r.release('r');
    expect(r.lock.size).toBe(0);
    // With nothing queued, a write is granted at once again.
    r.claim('w3', write(0, 10));
    expect(r.granted.at(-1)).toBe('w3');
  });
});
