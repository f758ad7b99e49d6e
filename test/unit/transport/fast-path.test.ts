import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { Poly1305Engine } from '../../../src/algorithms/cipher/poly1305-wasm.js';
import { PacketReader, PacketWriter } from '../../../src/transport/framer.js';
import { SealedBufferPool } from '../../../src/transport/sealed-buffers.js';
import {
  createInbound,
  createOutbound,
  type DirectionKeys,
  type OutboundProtection,
} from '../../../src/transport/packet-protection.js';

const registries = createDefaultRegistries();

/** Keys for one direction with the named cipher (and MAC for non-AEAD ciphers). */
function keysFor(cipherName: string, macName?: string): DirectionKeys {
  const cipher = registries.cipher.get(cipherName)!;
  const mac = macName ? registries.mac.get(macName) : undefined;
  return {
    cipher,
    mac,
    key: randomBytes(cipher.keyLength),
    iv: randomBytes(Math.max(cipher.ivLength, 16)),
    macKey: randomBytes(mac?.keyLength ?? 0),
  };
}

const CASES: [string, string | undefined][] = [
  ['aes128-gcm@openssh.com', undefined],
  ['aes256-gcm@openssh.com', undefined],
  ['chacha20-poly1305@openssh.com', undefined],
  ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com'],
  ['aes256-ctr', 'hmac-sha2-512'],
];

describe('sealing in pieces', () => {
  for (const { algorithm } of registries.cipher.list()) {
    if (algorithm.kind !== 'aead') continue;
    it(`${algorithm.name}: sealParts joined is byte for byte what seal returns, packet after packet`, () => {
      const key = randomBytes(algorithm.keyLength);
      const iv = randomBytes(algorithm.ivLength);
      const whole = algorithm.create('encrypt', key, iv);
      const parts = algorithm.create('encrypt', key, iv);
      if (!parts.sealParts) return expect(parts.sealParts).toBeUndefined();
      for (let seq = 0; seq < 12; seq++) {
        const n = 16 * (1 + seq * 300);
        const plain = randomBytes(4 + n);
        plain.writeUInt32BE(n, 0);
        const pieces = parts.sealParts(seq, Buffer.from(plain));
        expect(pieces.length).toBeGreaterThan(1);
        expect(Buffer.concat(pieces).equals(Buffer.from(whole.seal(seq, plain)))).toBe(true);
      }
    });
  }

  for (const { algorithm: cipher } of registries.cipher.list()) {
    if (cipher.kind === 'aead' || cipher.name === 'none') continue;
    for (const macName of ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512']) {
      it(`${cipher.name} + ${macName}: sealed in pieces is byte for byte what seal returns, and no piece aliases the plaintext`, () => {
        const keys = keysFor(cipher.name, macName);
        const whole = createOutbound(keys);
        const parts = createOutbound(keys);
        expect(parts.sealParts).toBeDefined();
        for (let seq = 0; seq < 12; seq++) {
          // Whole blocks: the length field is outside them under EtM, inside them otherwise.
          const n = cipher.blockSize * (1 + seq * 150) - (macName.includes('etm') ? 0 : 4);
          const plain = randomBytes(4 + n);
          plain.writeUInt32BE(n, 0);
          const scratch = Buffer.from(plain);
          const pieces = parts.sealParts!(seq, scratch);
          // The framer refills its plaintext buffer for the next packet before these are sent.
          scratch.fill(0);
          expect(Buffer.concat(pieces).equals(whole.seal(seq, Buffer.from(plain)))).toBe(true);
        }
      });
    }
  }

  it('Poly1305 over pieces equals Poly1305 over their concatenation, whatever the split', () => {
    const engine = new Poly1305Engine();
    for (const total of [0, 1, 15, 16, 17, 4 + 32768 + 16, 65472, 65473, 200_000]) {
      const message = randomBytes(total);
      const key = randomBytes(32);
      const expected = engine.mac(key, message);
      for (let trial = 0; trial < 4; trial++) {
        const cuts = [
          0,
          ...Array.from({ length: 3 }, () => Math.floor(Math.random() * (total + 1))),
          total,
        ].sort((a, b) => a - b);
        const pieces = cuts.slice(1).map((end, i) => message.subarray(cuts[i], end));
        expect(engine.macParts(key, pieces).equals(expected)).toBe(true);
      }
    }
  });
});

describe('PacketWriter reusing its plaintext buffer', () => {
  for (const [cipher, mac] of CASES) {
    it(`${cipher}${mac ? ` + ${mac}` : ''}: large packets written back to back all decrypt (no piece refers to a reused buffer)`, () => {
      const keys = keysFor(cipher, mac);
      const writer = new PacketWriter();
      writer.protection = createOutbound(keys);
      const reader = new PacketReader();
      reader.protection = createInbound(keys);
      const payloads = [100, 32768 + 9, 5000, 200_000, 32768 + 9, 3, 70_000].map((n) => randomBytes(n));
      // Everything is written before anything is read: a piece that aliased the reused buffer
      // would have been overwritten by the next packet.
      const wire = payloads.flatMap((p, i) =>
        i % 2 ? writer.writeParts(p.subarray(0, 9), [p.subarray(9)]) : [writer.write(p)],
      );
      reader.push(Buffer.concat(wire));
      for (const p of payloads) expect(reader.next()?.equals(p)).toBe(true);
      expect(reader.next()).toBeUndefined();
    });
  }

  it('before keys are in place (no protection) large packets are still distinct buffers', () => {
    const writer = new PacketWriter();
    const a = writer.write(Buffer.alloc(10_000, 1));
    const b = writer.write(Buffer.alloc(10_000, 2));
    const reader = new PacketReader();
    reader.push(Buffer.concat([a, b]));
    expect(reader.next()?.every((x) => x === 1)).toBe(true);
    expect(reader.next()?.every((x) => x === 2)).toBe(true);
  });
});

describe('PacketReader opening packets split between reads', () => {
  for (const [cipher, mac] of CASES) {
    const pieceWise = mac === undefined || mac.includes('-etm@');
    it(`${cipher}${mac ? ` + ${mac}` : ''}: split packets ${pieceWise ? 'are opened from their pieces (up to 16)' : 'are joined, then opened'}; all payloads arrive`, () => {
      const keys = keysFor(cipher, mac);
      const writer = new PacketWriter();
      writer.protection = createOutbound(keys);
      const payloads = [32768 + 13, 100, 32768 + 13, 200_000, 5, 32768 + 13].map((n) => randomBytes(n));
      const wire = Buffer.concat(payloads.map((p) => Buffer.from(writer.write(p))));
      for (const chunk of [65536, 7001, 1000]) {
        const reader = new PacketReader();
        const inbound = createInbound(keys);
        let openedFromPieces = 0;
        if (inbound.openPieces) {
          const openPieces = inbound.openPieces.bind(inbound);
          inbound.openPieces = (seq, pieces, total) => {
            expect(pieces.length).toBeGreaterThan(1);
            expect(pieces.length).toBeLessThanOrEqual(16);
            openedFromPieces++;
            return openPieces(seq, pieces, total);
          };
        }
        expect(inbound.openPieces !== undefined).toBe(pieceWise);
        reader.protection = inbound;
        const out: Buffer[] = [];
        for (let at = 0; at < wire.length; at += chunk) {
          reader.push(Buffer.from(wire.subarray(at, at + chunk)));
          for (let p = reader.next(); p; p = reader.next()) out.push(Buffer.from(p));
        }
        expect(out.length).toBe(payloads.length);
        out.forEach((p, i) => expect(p.equals(payloads[i]!)).toBe(true));
        // With 64 KiB reads most large packets span two; 1000-byte reads split each large one
        // into more than 16 pieces, which are joined instead (the spy checks the count).
        if (pieceWise && chunk !== 1000) expect(openedFromPieces).toBeGreaterThan(0);
      }
    });
  }

  it('a tampered split packet is refused with MAC_ERROR, as a whole one', () => {
    for (const [cipher, mac] of CASES) {
      const keys = keysFor(cipher, mac);
      const writer = new PacketWriter();
      writer.protection = createOutbound(keys);
      const wire = Buffer.from(writer.write(randomBytes(40_000)));
      wire[wire.length - 2]! ^= 1;
      const reader = new PacketReader();
      reader.protection = createInbound(keys);
      reader.push(wire.subarray(0, 30_000));
      expect(reader.next()).toBeUndefined();
      reader.push(wire.subarray(30_000));
      expect(() => reader.next()).toThrow(/MAC|authentication/i);
    }
  });
});

describe('PacketWriter sealing into pooled buffers', () => {
  for (const [cipher, mac] of CASES) {
    it(`${cipher}${mac ? ` + ${mac}` : ''}: large packets come from the pool, small ones do not, and all decrypt`, () => {
      const keys = keysFor(cipher, mac);
      const pool = new SealedBufferPool();
      const writer = new PacketWriter(undefined, pool);
      writer.protection = createOutbound(keys);
      const reader = new PacketReader();
      reader.protection = createInbound(keys);
      const payloads = [100, 32768 + 9, 5000, 200_000, 32768 + 9, 3].map((n) => randomBytes(n));
      const wire = payloads.map((p) => writer.write(p));
      // The native ciphers can seal into a given buffer; node:crypto's (and aes256-ctr with
      // hmac-sha2-512 when the module is off) cannot, and nothing is lent then.
      const sealsInto = writer.protection.sealInto !== undefined;
      expect(wire.map((w) => pool.lends(w))).toEqual([false, sealsInto, sealsInto, false, sealsInto, false]);
      reader.push(Buffer.concat(wire));
      for (const p of payloads) expect(reader.next()?.equals(p)).toBe(true);
    });
  }

  for (const [cipher, mac] of CASES) {
    it(`${cipher}${mac ? ` + ${mac}` : ''}: a payload in up to 14 pieces is sealed from where it lies, more are copied, and all decrypt with the pieces untouched`, () => {
      const keys = keysFor(cipher, mac);
      const writer = new PacketWriter(undefined, new SealedBufferPool());
      writer.protection = createOutbound(keys);
      const reader = new PacketReader();
      reader.protection = createInbound(keys);
      // AEAD on the native module and encrypt-then-MAC seal from pieces; MAC-then-encrypt needs
      // the plaintext whole, and node:crypto's ciphers cannot seal into a buffer at all.
      const fromPieces = writer.protection.sealPiecesInto !== undefined;
      expect(fromPieces).toBe(writer.protection.sealInto !== undefined && mac !== 'hmac-sha2-512');
      const gathered = fromPieces
        ? vi.spyOn(writer.protection as Required<OutboundProtection>, 'sealPiecesInto')
        : undefined;
      const head = randomBytes(9);
      for (const count of [1, 3, 14, 15, 40]) {
        // About 24 KiB in all, in pieces of uneven (odd, some empty) lengths.
        const sizes = Array.from({ length: count }, (_, i) =>
          i % 3 === 1 ? 0 : Math.floor(24_000 / count) + (i % 2),
        );
        const body = sizes.map((n) => randomBytes(n));
        const copies = body.map((b) => Buffer.from(b));
        const wire = writer.writeParts(head, body);
        expect(body.every((b, i) => b.equals(copies[i]!))).toBe(true);
        reader.push(Buffer.concat(wire));
        expect(reader.next()?.equals(Buffer.concat([head, ...copies]))).toBe(true);
      }
      expect(gathered?.mock.calls.length ?? 0).toBe(fromPieces ? 3 : 0);
    });
  }

  for (const [cipher, mac] of [...CASES, ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com'] as const]) {
    it(`${cipher}${mac ? ` + ${mac}` : ''}: a batch is sealed in order, large packets in pairs where the protection can, and all decrypt`, () => {
      const keys = keysFor(cipher, mac);
      const writer = new PacketWriter(undefined, new SealedBufferPool());
      writer.protection = createOutbound(keys);
      const reader = new PacketReader();
      reader.protection = createInbound(keys);
      // Only encrypt-then-MAC on the native module seals two at once.
      const pairs = writer.protection.sealPiecesIntoPair !== undefined;
      expect(pairs).toBe(writer.protection.sealPiecesInto !== undefined && mac?.includes('-etm') === true);
      const sealedInPairs = pairs
        ? vi.spyOn(writer.protection as Required<OutboundProtection>, 'sealPiecesIntoPair')
        : undefined;
      const head = (): Buffer => randomBytes(9);
      // Paired: 32768 and 32768, 20000 and 32768, 5000 and 32000, 16000 in pieces and 30000; 100 goes alone.
      const bodies: Uint8Array[][] = [32768, 32768, 100, 20_000, 32768, 5000, 32000].map((n) => [
        randomBytes(n),
      ]);
      bodies.push([randomBytes(7000), new Uint8Array(0), randomBytes(9000)], [randomBytes(30_000)]);
      const packets = bodies.map((body) => ({ head: head(), body }));
      const copies = packets.map((p) => Buffer.concat([p.head, ...p.body]));
      const seqBefore = writer.seq;
      const wires = writer.writePartsBatch(packets);
      expect(wires).toHaveLength(packets.length);
      expect(writer.seq).toBe(seqBefore + packets.length);
      expect(sealedInPairs?.mock.calls.length ?? 0).toBe(pairs ? 4 : 0);
      reader.push(Buffer.concat(wires.flat()));
      for (const c of copies) expect(reader.next()?.equals(c)).toBe(true);
      expect(reader.next()).toBeUndefined();
    });
  }

  it('reuses a buffer only once it is given back, and never twice at the same time', () => {
    const pool = new SealedBufferPool(1);
    const a = pool.take(40_000);
    const b = pool.take(100);
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(a);
    pool.give(a); // ignored: a second give must not let two takers share the memory
    const c = pool.take(33_000);
    const d = pool.take(33_000);
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    expect(pool.lends(c)).toBe(true);
    pool.give(c);
    expect(pool.lends(c)).toBe(false);
    // At most maxFree (1) buffers wait: b is dropped, c's stays.
    pool.give(b);
    expect(pool.take(10).buffer).toBe(c.buffer);
    expect(() => pool.take(pool.capacity + 1)).toThrow(RangeError);
    // A buffer from elsewhere is never taken in.
    const foreign = Buffer.alloc(pool.capacity);
    pool.give(foreign);
    expect(pool.take(10).buffer).not.toBe(foreign.buffer);
  });
});
