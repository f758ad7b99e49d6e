import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../../src/algorithms/defaults.js';
import { DhWorkerPool } from '../../../../src/algorithms/kex/dh-worker-pool.js';
import { DisconnectError, DisconnectReason } from '../../../../src/protocol/index.js';
import { DecodeError, WireReader } from '../../../../src/wire/index.js';
import { disconnectOf, runKex, testHostKey, transcript } from './harness.js';

const pool = new DhWorkerPool({ size: 2 });
afterAll(() => pool.close());

const digestLength = (hash: string): number => createHash(hash).digest().length;

describe('every registered key exchange, client against server in memory', () => {
  for (const { algorithm, status } of createDefaultRegistries().kex.list()) {
    describe(`${algorithm.name} (${status})`, () => {
      it('both sides derive the same K and H, and the client checked the signature', async () => {
        const hostKey = testHostKey();
        const run = await runKex(algorithm, { hostKey, serverEngine: pool, clientEngine: pool });
        expect(Buffer.from(run.client.sharedSecret).equals(Buffer.from(run.server.sharedSecret))).toBe(true);
        expect(Buffer.from(run.client.exchangeHash).equals(Buffer.from(run.server.exchangeHash))).toBe(true);
        expect(run.client.exchangeHash.length).toBe(digestLength(algorithm.hash));
        expect(Buffer.from(run.client.hostKeyBlob).equals(Buffer.from(hostKey.signer.publicKeyBlob))).toBe(
          true,
        );
        // K is encoded with its uint32 length, as H and the key derivation take it.
        const k = new WireReader(run.client.sharedSecret);
        expect(k.bytes().length).toBeGreaterThan(0);
        k.end();
        expect(algorithm.messageContext).toMatch(/^kex:/);
        for (const m of run.messages) {
          expect(m.payload[0]).toBeGreaterThanOrEqual(30);
          expect(m.payload[0]).toBeLessThanOrEqual(49);
        }
      });

      it('runs the same without a DH engine (synchronous fallback) and with fresh keys each time', async () => {
        const a = await runKex(algorithm);
        const b = await runKex(algorithm);
        expect(Buffer.from(a.client.sharedSecret).equals(Buffer.from(a.server.sharedSecret))).toBe(true);
        expect(Buffer.from(a.client.sharedSecret).equals(Buffer.from(b.client.sharedSecret))).toBe(false);
      });

      it('a changed server reply fails the host key check', async () => {
        const err = await disconnectOf(() =>
          runKex(algorithm, {
            tamper: (to, payload) => {
              if (to !== 'client' || (payload[0] !== 31 && payload[0] !== 33)) return payload;
              // Only the final reply carries a signature; flip its last byte.
              const bad = Buffer.from(payload);
              bad[bad.length - 1]! ^= 1;
              return bad;
            },
          }),
        );
        expect([DisconnectReason.HostKeyNotVerifiable, DisconnectReason.KeyExchangeFailed]).toContain(
          err.reason,
        );
      });

      it('refuses garbage and late messages without an unexpected exception', async () => {
        for (let i = 0; i < 30; i++) {
          const server = algorithm.server({ transcript, hostKey: testHostKey().signer });
          const garbage = randomBytes(i * 13);
          if (garbage.length > 0) garbage[0] = 30 + (i % 5);
          try {
            await server.handle(garbage);
          } catch (err) {
            expect(err instanceof DecodeError || err instanceof DisconnectError).toBe(true);
          }
        }
        const hostKey = testHostKey();
        const run = await runKex(algorithm, { hostKey });
        const server = algorithm.server({ transcript, hostKey: hostKey.signer });
        for (const m of run.messages.filter((x) => x.to === 'server')) await server.handle(m.payload);
        const late = await disconnectOf(() => server.handle(run.messages[0]!.payload));
        expect(late.reason).toBe(DisconnectReason.ProtocolError);
      });
    });
  }
});
