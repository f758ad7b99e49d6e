import { describe, expect, it } from 'vitest';
import { DisconnectError } from '../../../src/protocol/errors.js';
import { DisconnectReason } from '../../../src/protocol/numbers.js';
import { MAX_PACKET_LENGTH, PacketReader, PacketWriter } from '../../../src/transport/framer.js';

const payloads = [
  Buffer.from([2, 0, 0, 0, 0]),
  Buffer.alloc(1000, 7),
  Buffer.from([21]),
  Buffer.alloc(33000, 9),
];

const reasonOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof DisconnectError ? err.reason : -1;
  }
  return undefined;
};

function packet(length: number, padding: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt32BE(length, 0);
  b[4] = padding;
  body.copy(b, 5);
  return b;
}

describe('binary packet protocol (RFC 4253 §6), plaintext', () => {
  const wire = Buffer.concat(payloads.map((p) => new PacketWriter().write(p)));

  it('pads to the block size with at least 4 bytes of padding', () => {
    for (const p of payloads) {
      const w = new PacketWriter().write(p);
      expect(w.length % 8).toBe(0);
      expect(w[4]).toBeGreaterThanOrEqual(4);
      expect(w.readUInt32BE(0)).toBe(w.length - 4);
    }
  });

  it('reassembles packets however the stream is split', () => {
    for (let split = 1; split < 64; split++) {
      const r = new PacketReader();
      const out: Buffer[] = [];
      for (let i = 0; i < wire.length; i += split) {
        r.push(wire.subarray(i, i + split));
        for (let p = r.next(); p; p = r.next()) out.push(Buffer.from(p));
      }
      expect(out.map((b) => b.length)).toEqual(payloads.map((b) => b.length));
      expect(Buffer.concat(out).equals(Buffer.concat(payloads))).toBe(true);
      expect(r.seq).toBe(payloads.length);
    }
  });

  it('reassembles at every single split point of two packets', () => {
    const two = Buffer.concat([
      new PacketWriter().write(payloads[0]!),
      new PacketWriter().write(payloads[1]!),
    ]);
    for (let cut = 0; cut <= two.length; cut++) {
      const r = new PacketReader();
      r.push(two.subarray(0, cut));
      const got: Buffer[] = [];
      for (let p = r.next(); p; p = r.next()) got.push(Buffer.from(p));
      r.push(two.subarray(cut));
      for (let p = r.next(); p; p = r.next()) got.push(Buffer.from(p));
      expect(Buffer.concat(got).equals(Buffer.concat([payloads[0]!, payloads[1]!]))).toBe(true);
      expect(got.length).toBe(2);
    }
  });

  it.each([
    ['0', 0],
    ['5', 5],
    ['2^32-1', 0xffffffff],
    ['256 KiB + 8', MAX_PACKET_LENGTH + 4],
    ['not a block multiple', 13],
  ])('refuses packet length %s before reading the body', (_name, length) => {
    const r = new PacketReader();
    r.push(packet(length, 4));
    expect(reasonOf(() => r.next())).toBe(DisconnectReason.ProtocolError);
  });

  it('refuses padding below 4', () => {
    const r = new PacketReader();
    r.push(packet(12, 3, Buffer.alloc(11)));
    expect(reasonOf(() => r.next())).toBe(DisconnectReason.ProtocolError);
  });

  it('refuses padding that leaves no payload', () => {
    const r = new PacketReader();
    r.push(packet(12, 11, Buffer.alloc(11)));
    expect(reasonOf(() => r.next())).toBe(DisconnectReason.ProtocolError);
  });

  it('counts sequence numbers modulo 2^32', () => {
    const w = new PacketWriter();
    w.seq = 0xffffffff;
    w.write(Buffer.from([2]));
    expect(w.seq).toBe(0);
  });
});

describe('MAC-then-encrypt length oracle', () => {
  it('reads on a whole maximum packet before failing on a bad decrypted length', async () => {
    const { createDefaultRegistries } = await import('../../../src/algorithms/defaults.js');
    const { createInbound } = await import('../../../src/transport/packet-protection.js');
    const r = createDefaultRegistries();
    const reader = new PacketReader();
    reader.protection = createInbound({
      cipher: r.cipher.get('aes128-cbc')!,
      mac: r.mac.get('hmac-sha2-256')!,
      key: Buffer.alloc(16, 1),
      iv: Buffer.alloc(16, 2),
      macKey: Buffer.alloc(32, 3),
    });
    expect(reader.protection.unauthenticatedLength).toBe(true);
    // Random ciphertext decrypts to a nonsense length (2^32 - 1 in all likelihood).
    reader.push(Buffer.alloc(16, 0xa5));
    expect(reader.next()).toBeUndefined();
    const total = MAX_PACKET_LENGTH + 32;
    reader.push(Buffer.alloc(total - 16 - 1));
    expect(reader.next()).toBeUndefined();
    reader.push(Buffer.alloc(1));
    expect(reasonOf(() => reader.next())).toBe(DisconnectReason.ProtocolError);
  });
});
