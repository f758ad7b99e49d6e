import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KexHybridInit, KexHybridReply } from '../../../src/algorithms/kex/messages.js';
import {
  createSntrup761Kem,
  createSntrup761X25519Kex,
  sntrupKexAlgorithms,
} from '../../../src/algorithms/kex/sntrup.js';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { NistKatDrbg } from '../../../src/crypto/nist-drbg.js';
import { sntrup761Decapsulate, sntrup761Keygen } from '../../../src/crypto/sntrup761/index.js';
import { DisconnectReason } from '../../../src/protocol/index.js';
import { WireWriter } from '../../../src/wire/index.js';
import { disconnectOf, runKex, testHostKey, transcript } from './kex/harness.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

function x25519(privateRaw: Uint8Array, publicRaw: Uint8Array): Buffer {
  return diffieHellman({
    privateKey: createPrivateKey({
      key: Buffer.concat([X25519_PKCS8, privateRaw]),
      format: 'der',
      type: 'pkcs8',
    }),
    publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, publicRaw]), format: 'der', type: 'spki' }),
  });
}

function x25519Public(privateRaw: Uint8Array): Buffer {
  const key = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8, privateRaw]),
    format: 'der',
    type: 'pkcs8',
  });
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length);
}

describe('sntrupKexAlgorithms', () => {
  it('offers both names, by default, IANA name first, SHA-512, 30/31 hybrid messages', () => {
    expect(sntrupKexAlgorithms.map((e) => [e.algorithm.name, e.status])).toEqual([
      ['sntrup761x25519-sha512', 'default'],
      ['sntrup761x25519-sha512@openssh.com', 'default'],
    ]);
    for (const { algorithm } of sntrupKexAlgorithms) {
      expect(algorithm.hash).toBe('sha512');
      expect(algorithm.messageContext).toBe(KexHybridInit.context);
    }
  });

  it('ranks right after ML-KEM and before curve25519 in the default registry', () => {
    const names = createDefaultRegistries().kex.names();
    const at = names.indexOf('sntrup761x25519-sha512');
    expect(names.slice(at, at + 2)).toEqual(['sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com']);
    expect(names.indexOf('curve25519-sha256')).toBeGreaterThan(at + 1);
    if (names.includes('mlkem768x25519-sha256'))
      expect(names.indexOf('mlkem768x25519-sha256')).toBeLessThan(at);
  });
});

describe('sntrup761x25519-sha512', () => {
  for (const { algorithm } of sntrupKexAlgorithms) {
    it(`${algorithm.name}: client and server agree; Q_C 1158+32, Q_S 1039+32, K a 64-byte string`, async () => {
      const run = await runKex(algorithm);
      expect(KexHybridInit.decode(run.messages[0]!.payload).clientInit.length).toBe(1158 + 32);
      expect(KexHybridReply.decode(run.messages[1]!.payload).serverReply.length).toBe(1039 + 32);
      expect(toHex(run.client.sharedSecret)).toBe(toHex(run.server.sharedSecret));
      expect(toHex(run.client.exchangeHash)).toBe(toHex(run.server.exchangeHash));
      expect(toHex(run.client.sharedSecret.subarray(0, 4))).toBe('00000040');
      expect(run.client.sharedSecret.length).toBe(68);
      expect(run.client.exchangeHash.length).toBe(64);
    });
  }

  it('server: K = string(SHA-512(KEM key || X25519 secret)) and H as RFC 9941 §2 / RFC 5656 §4', async () => {
    // A client built by hand from the KEM and node:crypto X25519, not through the shared hybrid code.
    const kem = sntrup761Keygen();
    const clientX = Buffer.alloc(32, 0x42);
    const clientInit = Buffer.concat([kem.publicKey, x25519Public(clientX)]);
    const hostKey = testHostKey();
    const server = createSntrup761X25519Kex('sntrup761x25519-sha512@openssh.com').server({
      transcript,
      hostKey: hostKey.signer,
    });
    const step = await server.handle(KexHybridInit.encode({ clientInit }));
    const reply = KexHybridReply.decode(step.send[0]!);
    const ciphertext = reply.serverReply.subarray(0, 1039);
    const serverX = reply.serverReply.subarray(1039);
    const kemKey = sntrup761Decapsulate(ciphertext, kem.secretKey);
    const digest = createHash('sha512').update(kemKey).update(x25519(clientX, serverX)).digest();
    const k = new WireWriter().bytes(digest).finish();
    expect(toHex(step.result!.sharedSecret)).toBe(toHex(k));

    const h = createHash('sha512')
      .update(
        new WireWriter()
          .bytes(Buffer.from(transcript.clientVersion))
          .bytes(Buffer.from(transcript.serverVersion))
          .bytes(transcript.clientKexInit)
          .bytes(transcript.serverKexInit)
          .bytes(hostKey.signer.publicKeyBlob)
          .bytes(clientInit)
          .bytes(reply.serverReply)
          .finish(),
      )
      .update(k)
      .digest();
    expect(toHex(step.result!.exchangeHash)).toBe(toHex(h));
    await hostKey.verifyHostKey(reply.hostKey, h, reply.signature);
  });

  it('is deterministic given a random source (the KEM reads the NIST KAT DRBG)', async () => {
    const make = () => {
      const drbg = new NistKatDrbg(new Uint8Array(48).fill(9));
      return createSntrup761X25519Kex('sntrup761x25519-sha512', { random: drbg.source });
    };
    const seed = new Uint8Array(32).fill(1);
    const a = await runKex(make(), { hostKey: testHostKey(seed) });
    const b = await runKex(make(), { hostKey: testHostKey(seed) });
    expect(toHex(a.messages[0]!.payload)).toBe(toHex(b.messages[0]!.payload));
  });

  it.each([
    ['one byte short', 1158 + 31],
    ['one byte long', 1158 + 33],
    ['only the sntrup761 key', 1158],
    ['only the X25519 key', 32],
    ['empty', 0],
    ['an ML-KEM-768 sized value', 1184 + 32],
  ])('the server refuses a client value %s with KEY_EXCHANGE_FAILED', async (_what, length) => {
    const server = createSntrup761X25519Kex('sntrup761x25519-sha512').server({
      transcript,
      hostKey: testHostKey().signer,
    });
    const payload = KexHybridInit.encode({ clientInit: Buffer.alloc(length, 7) });
    expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it('the server refuses a low-order X25519 key after a valid sntrup761 key', async () => {
    const server = createSntrup761X25519Kex('sntrup761x25519-sha512').server({
      transcript,
      hostKey: testHostKey().signer,
    });
    const clientInit = Buffer.concat([sntrup761Keygen().publicKey, Buffer.alloc(32)]);
    const err = await disconnectOf(() => server.handle(KexHybridInit.encode({ clientInit })));
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });

  it('the client refuses a server reply of the wrong length; a tampered ciphertext fails the host key check', async () => {
    const kex = createSntrup761X25519Kex('sntrup761x25519-sha512');
    const short = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, payload) => {
          if (to !== 'client') return payload;
          const m = KexHybridReply.decode(payload);
          return KexHybridReply.encode({ ...m, serverReply: m.serverReply.subarray(1) });
        },
      }),
    );
    expect(short.reason).toBe(DisconnectReason.KeyExchangeFailed);
    const flipped = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, payload) => {
          if (to !== 'client') return payload;
          const m = KexHybridReply.decode(payload);
          const serverReply = Buffer.from(m.serverReply);
          serverReply[10] = serverReply[10]! ^ 1;
          return KexHybridReply.encode({ ...m, serverReply });
        },
      }),
    );
    // Implicit rejection: no throw in the KEM, a different K, so the signature over H fails.
    expect(flipped.reason).toBe(DisconnectReason.HostKeyNotVerifiable);
  });

  it('the Kem reports sntrup761 sizes', () => {
    const kem = createSntrup761Kem();
    expect([kem.publicKeyLength, kem.ciphertextLength]).toEqual([1158, 1039]);
  });
});
