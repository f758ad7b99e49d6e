/** A seeded source of random choices, so any fuzz run can be replayed from its seed. */
export class Dice {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A uint32, often at an edge. */
  u32(): number {
    return this.pick([
      0,
      1,
      2,
      0x7fffffff,
      0x80000000,
      0xfffffffe,
      0xffffffff,
      this.int(64),
      this.int(0x1_0000_0000),
    ]);
  }

  /**
   * A uint64, often at an edge. The in-range values stay under 16 MiB: offsets in the gigabytes
   * make sparse files that copy-data then writes out for real, filling the disk of a long run.
   */
  u64(): bigint {
    return this.pick([
      0n,
      1n,
      4096n,
      (1n << 63n) - 1n,
      1n << 63n,
      (1n << 64n) - 1n,
      BigInt(this.int(1 << 24)),
    ]);
  }

  /**
   * Damages an encoded message, keeping its first `keep` bytes (the type, by default): cuts it
   * short, adds bytes, or overwrites a few.
   */
  mangle(message: Buffer, keep = 1): Buffer {
    const how = this.int(3);
    const room = message.length - keep;
    if (how === 0 && room > 0) return message.subarray(0, keep + this.int(room));
    if (how === 1 || room <= 0) return Buffer.concat([message, this.bytes(1 + this.int(8))]);
    const out = Buffer.from(message);
    for (let i = 0; i < 1 + this.int(3); i++) out[keep + this.int(room)] = this.int(256);
    return out;
  }
}
