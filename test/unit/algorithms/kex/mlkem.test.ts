import { shake128 } from '@noble/hashes/sha3';
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import {
  createHybridKemKex,
  hybridKemAgreement,
  type Kem,
} from '../../../../src/algorithms/kex/hybrid-kem.js';
import { KexHybridInit, KexHybridReply } from '../../../../src/algorithms/kex/messages.js';
import {
  createMlKem768,
  createMlKem768X25519Kex,
  mlKemKeyIsReduced,
} from '../../../../src/algorithms/kex/mlkem.js';
import { DisconnectReason } from '../../../../src/protocol/index.js';
import cctv from '../../../vectors/mlkem768-cctv-accumulated.json' with { type: 'json' };
import { disconnectOf, runKex, testHostKey, transcript } from './harness.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Set MLKEM_ACCUMULATED=10000 to run CCTV's full published count (about 25 s). */
const iterations = process.env.MLKEM_ACCUMULATED === '10000' ? '10000' : '100';

describe('ML-KEM-768 through the Kem interface', () => {
  it(`CCTV accumulated vectors, ${iterations} tests`, () => {
    const rng = shake128.create({});
    expect(toHex(shake128.create({}).xof(16))).toBe(cctv.rngPrefix);
    const acc = shake128.create({ dkLen: 32 });
    for (let i = 0; i < Number(iterations); i++) {
      const d = rng.xof(32);
      const z = rng.xof(32);
      const m = rng.xof(32);
      const randomCt = rng.xof(1088);
      // The Kem takes its randomness from the source it was built with: d || z, then m.
      const queue = [Buffer.concat([d, z]), m];
      const kem = createMlKem768(() => queue.shift()!);
      const { publicKey, secretKey } = kem.keygen() as { publicKey: Uint8Array; secretKey: Uint8Array };
      const { ciphertext, sharedSecret } = kem.encapsulate(publicKey) as {
        ciphertext: Uint8Array;
        sharedSecret: Uint8Array;
      };
      expect(toHex(kem.decapsulate(ciphertext, secretKey) as Uint8Array)).toBe(toHex(sharedSecret));
      const rejected = kem.decapsulate(randomCt, secretKey) as Uint8Array;
      acc.update(publicKey).update(secretKey).update(ciphertext).update(sharedSecret).update(rejected);
    }
    expect(toHex(acc.digest())).toBe(cctv.mlkem768[iterations]);
  });
});

describe('mlkem768x25519-sha256', () => {
  const kex = createMlKem768X25519Kex();

  it('C_INIT is 1184 + 32 bytes, S_REPLY 1088 + 32, K a 32-byte string', async () => {
    const run = await runKex(kex);
    expect(KexHybridInit.decode(run.messages[0]!.payload).clientInit.length).toBe(1184 + 32);
    expect(KexHybridReply.decode(run.messages[1]!.payload).serverReply.length).toBe(1088 + 32);
    expect(toHex(run.client.sharedSecret.subarray(0, 4))).toBe('00000020');
    expect(run.client.sharedSecret.length).toBe(36);
  });

  it.each([
    ['one byte short', 1184 + 31],
    ['one byte long', 1184 + 33],
    ['only the X25519 key', 32],
  ])('the server refuses a client value %s', async (_what, length) => {
    const server = kex.server({ transcript, hostKey: testHostKey().signer });
    const payload = KexHybridInit.encode({ clientInit: Buffer.alloc(length, 7) });
    expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it('the server refuses an encapsulation key that fails the FIPS 203 modulus check', async () => {
    const x25519 = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex');
    const { publicKey } = createMlKem768().keygen() as { publicKey: Uint8Array };
    // Coefficient j of t sits in bytes 3(j>>1)..; set one coefficient to q, q+1 or 4095 (CCTV's "modulus" cases).
    const withCoefficient = (j: number, value: number): Buffer => {
      const pk = Buffer.from(publicKey);
      const at = 3 * (j >> 1);
      if (j % 2 === 0) {
        pk[at] = value & 0xff;
        pk[at + 1] = (pk[at + 1]! & 0xf0) | (value >> 8);
      } else {
        pk[at + 1] = (pk[at + 1]! & 0x0f) | ((value & 0x0f) << 4);
        pk[at + 2] = value >> 4;
      }
      return pk;
    };
    expect(mlKemKeyIsReduced(withCoefficient(5, 3328), 3)).toBe(true);
    for (const [j, value] of [
      [0, 3329],
      [1, 3330],
      [767, 4095],
      [400, 3329],
    ] as const) {
      const pk = withCoefficient(j, value);
      expect(mlKemKeyIsReduced(pk, 3)).toBe(false);
      const server = kex.server({ transcript, hostKey: testHostKey().signer });
      const payload = KexHybridInit.encode({ clientInit: Buffer.concat([pk, x25519]) });
      expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
        DisconnectReason.KeyExchangeFailed,
      );
    }
  });

  it('refuses an all-zero X25519 result on either side', async () => {
    const server = kex.server({ transcript, hostKey: testHostKey().signer });
    const { publicKey } = createMlKem768().keygen() as { publicKey: Uint8Array };
    const payload = KexHybridInit.encode({ clientInit: Buffer.concat([publicKey, Buffer.alloc(32)]) });
    expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );

    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, p) => {
          if (to !== 'client') return p;
          const m = KexHybridReply.decode(p);
          const reply = Buffer.concat([m.serverReply.subarray(0, 1088), Buffer.alloc(32)]);
          return KexHybridReply.encode({ ...m, serverReply: reply });
        },
      }),
    );
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });

  it.each([1088 + 31, 1088 + 33, 0])('the client refuses a server reply of %i bytes', async (length) => {
    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, p) =>
          to === 'client'
            ? KexHybridReply.encode({ ...KexHybridReply.decode(p), serverReply: Buffer.alloc(length, 9) })
            : p,
      }),
    );
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });

  it('a changed ciphertext gives the client another secret (implicit rejection), so the signature fails', async () => {
    const agreement = hybridKemAgreement({ name: 't', hash: 'sha256', kem: createMlKem768() });
    const client = await agreement.client(undefined);
    const server = await agreement.server(client.publicValue, undefined);
    const reply = Buffer.from(server.publicValue);
    reply[100]! ^= 1;
    expect(toHex(await client.finish(reply))).not.toBe(toHex(server.sharedSecret));

    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, p) => {
          if (to !== 'client') return p;
          const m = KexHybridReply.decode(p);
          const r = Buffer.from(m.serverReply);
          r[5]! ^= 0x40;
          return KexHybridReply.encode({ ...m, serverReply: r });
        },
      }),
    );
    expect(err.reason).toBe(DisconnectReason.HostKeyNotVerifiable);
  });
});

describe('createHybridKemKex with another KEM (the shape sntrup761x25519-sha512 uses)', () => {
  // An asynchronous KEM, as a WebAssembly sntrup761 would be; ML-KEM-512 stands in for it.
  const asyncKem: Kem = {
    publicKeyLength: 800,
    ciphertextLength: 768,
    keygen: async () => ml_kem512.keygen(),
    encapsulate: async (pk) => {
      const { cipherText, sharedSecret } = ml_kem512.encapsulate(pk);
      return { ciphertext: cipherText, sharedSecret };
    },
    decapsulate: async (ct, sk) => ml_kem512.decapsulate(ct, sk),
  };
  const kex = createHybridKemKex({ name: 'test-mlkem512x25519-sha512', hash: 'sha512', kem: asyncKem });

  it('agrees on K and a SHA-512 H', async () => {
    const run = await runKex(kex);
    expect(kex.messageContext).toBe('kex:hybrid');
    expect(run.client.exchangeHash.length).toBe(64);
    expect(toHex(run.client.sharedSecret)).toBe(toHex(run.server.sharedSecret));
    expect(toHex(run.client.sharedSecret.subarray(0, 4))).toBe('00000040');
  });
});
