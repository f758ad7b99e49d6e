import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { createCurve25519Kex } from '../../../../src/algorithms/kex/curve25519.js';
import { KexEcdhReply } from '../../../../src/algorithms/kex/messages.js';
import { x25519KeyPair, x25519SharedSecret } from '../../../../src/algorithms/kex/x25519.js';
import { DisconnectReason } from '../../../../src/protocol/index.js';
import { encodeStrings, WireReader } from '../../../../src/wire/index.js';
import rfc7748 from '../../../vectors/x25519-rfc7748.json' with { type: 'json' };
import { disconnectOf, runKex, testHostKey, transcript } from './harness.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fixed = (bytes: Buffer) => () => bytes;

/** u-coordinates whose X25519 result is zero for every scalar (small order, or p and p+1). */
const zeroResultPoints = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('X25519 (RFC 7748)', () => {
  it.each(rfc7748.scalarMult)('$name', ({ scalar, u, output }) => {
    expect(toHex(x25519SharedSecret(x25519KeyPair(hex(scalar)), hex(u), 'test'))).toBe(output);
  });

  it('6.1 Diffie-Hellman', () => {
    const dh = rfc7748.diffieHellman;
    const alice = x25519KeyPair(hex(dh.alicePrivate));
    const bob = x25519KeyPair(hex(dh.bobPrivate));
    expect(toHex(alice.publicKey)).toBe(dh.alicePublic);
    expect(toHex(bob.publicKey)).toBe(dh.bobPublic);
    expect(toHex(x25519SharedSecret(alice, bob.publicKey, 'test'))).toBe(dh.shared);
    expect(toHex(x25519SharedSecret(bob, alice.publicKey, 'test'))).toBe(dh.shared);
  });

  it.each(zeroResultPoints)('refuses %s (all-zero shared secret) with KEY_EXCHANGE_FAILED', (u) => {
    const own = x25519KeyPair(hex(rfc7748.diffieHellman.alicePrivate));
    let reason: number | undefined;
    try {
      x25519SharedSecret(own, hex(u), 'test');
    } catch (e) {
      reason = (e as { reason?: number }).reason;
    }
    expect(reason).toBe(DisconnectReason.KeyExchangeFailed);
  });
});

describe('curve25519-sha256 (RFC 8731) over a fixed transcript', () => {
  const dh = rfc7748.diffieHellman;
  // Alice is the client, Bob the server; the host key is a fixed Ed25519 key (deterministic signatures).
  const client = createCurve25519Kex('curve25519-sha256', { random: fixed(hex(dh.alicePrivate)) });
  const server = createCurve25519Kex('curve25519-sha256', { random: fixed(hex(dh.bobPrivate)) });
  const hostKey = testHostKey(Buffer.alloc(32, 0x11));

  it('K is the RFC 7748 shared secret as an mpint and H is RFC 8731 §3.1 of the transcript', async () => {
    const run = await runKex(client, { serverAlgorithm: server, hostKey });
    // 0x4a < 0x80, so the mpint has no leading zero: uint32 32 || the 32 bytes.
    expect(toHex(run.server.sharedSecret)).toBe('00000020' + dh.shared);
    expect(toHex(run.client.sharedSecret)).toBe('00000020' + dh.shared);

    const str = (b: Uint8Array): Buffer => encodeStrings(b);
    const expectedH = sha256(
      Buffer.concat([
        str(Buffer.from(transcript.clientVersion)),
        str(Buffer.from(transcript.serverVersion)),
        str(transcript.clientKexInit),
        str(transcript.serverKexInit),
        str(hostKey.signer.publicKeyBlob),
        str(hex(dh.alicePublic)),
        str(hex(dh.bobPublic)),
        hex('00000020' + dh.shared),
      ]),
    );
    expect(toHex(run.server.exchangeHash)).toBe(toHex(expectedH));
    expect(toHex(run.client.exchangeHash)).toBe(toHex(expectedH));

    // The wire: KEX_ECDH_INIT carries Alice's key; the reply K_S, Bob's key and an Ed25519 signature of H.
    expect(toHex(run.messages[0]!.payload)).toBe('1e' + '00000020' + dh.alicePublic);
    const reply = KexEcdhReply.decode(run.messages[1]!.payload);
    expect(toHex(reply.serverPublicKey)).toBe(dh.bobPublic);
    const sig = new WireReader(reply.signature);
    expect(sig.text()).toBe('ssh-ed25519');
    const pub = createPublicKey(
      createPrivateKey({
        key: Buffer.concat([hex('302e020100300506032b657004220420'), Buffer.alloc(32, 0x11)]),
        format: 'der',
        type: 'pkcs8',
      }),
    );
    expect(verify(null, expectedH, pub, sig.bytes())).toBe(true);
  });

  it('the @libssh.org name computes the same', async () => {
    const a = createCurve25519Kex('curve25519-sha256@libssh.org', { random: fixed(hex(dh.alicePrivate)) });
    const b = createCurve25519Kex('curve25519-sha256@libssh.org', { random: fixed(hex(dh.bobPrivate)) });
    const run = await runKex(a, { serverAlgorithm: b, hostKey });
    expect(toHex(run.client.sharedSecret)).toBe('00000020' + dh.shared);
  });
});

describe('curve25519-sha256 refuses bad public values with KEY_EXCHANGE_FAILED', () => {
  const kex = createCurve25519Kex('curve25519-sha256');
  const badValues = [...zeroResultPoints, '', '00'.repeat(31), '09' + '00'.repeat(32)];

  it.each(badValues)('client value %s', async (value) => {
    const server = kex.server({ transcript, hostKey: testHostKey().signer });
    const payload = Buffer.concat([Buffer.from([30]), encodeStrings(hex(value))]);
    expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it.each(badValues)('server value %s', async (value) => {
    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, payload) => {
          if (to !== 'client') return payload;
          const m = KexEcdhReply.decode(payload);
          return KexEcdhReply.encode({ ...m, serverPublicKey: hex(value) });
        },
      }),
    );
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });
});

describe('x25519Generate under garbage-collection pressure', () => {
  // Node 20 deadlocks when a collection during a key export destroys a finished
  // generateKeyPairSync job (the job's destructor waits for the mutex the export holds). Under
  // handshake load the server's main thread hung for good. A tiny young generation makes
  // collections happen inside nearly every export, so the old code hung here within seconds.
  it('generates and uses 20,000 key pairs without hanging', () => {
    const script = [
      "const { x25519Generate, x25519SharedSecret } = await import('./src/algorithms/kex/x25519.ts');",
      'const peer = x25519Generate();',
      'for (let i = 0; i < 20000; i++) x25519SharedSecret(x25519Generate(), peer.publicKey, "test");',
      "console.log('done');",
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../../../../', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout.trim()).toBe('done');
  }, 70_000);
});
