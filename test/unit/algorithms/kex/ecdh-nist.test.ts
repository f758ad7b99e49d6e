import { createECDH, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEcdhNistKex } from '../../../../src/algorithms/kex/ecdh-nist.js';
import { KexEcdhReply } from '../../../../src/algorithms/kex/messages.js';
import { DisconnectReason } from '../../../../src/protocol/index.js';
import { encodeStrings } from '../../../../src/wire/index.js';
import { disconnectOf, runKex, testHostKey, transcript } from './harness.js';

const curves = [
  { curve: 'nistp256', openssl: 'prime256v1', bytes: 32, hash: 'sha256' },
  { curve: 'nistp384', openssl: 'secp384r1', bytes: 48, hash: 'sha384' },
  { curve: 'nistp521', openssl: 'secp521r1', bytes: 66, hash: 'sha512' },
] as const;

describe.each(curves)('ecdh-sha2-$curve (RFC 5656)', ({ curve, openssl, bytes, hash }) => {
  const kex = createEcdhNistKex(curve);
  const valid = createECDH(openssl);
  valid.generateKeys();
  const point = valid.getPublicKey(undefined, 'uncompressed');
  const offCurve = Buffer.from(point);
  offCurve[offCurve.length - 1]! ^= 1;
  const bad: [string, Buffer][] = [
    ['a point off the curve', offCurve],
    ['a compressed point', valid.getPublicKey(undefined, 'compressed')],
    ['a hybrid-format point', Buffer.concat([Buffer.from([6]), point.subarray(1)])],
    ['one byte short', point.subarray(0, point.length - 1)],
    ['one byte long', Buffer.concat([point, Buffer.from([0])])],
    ['all zero coordinates', Buffer.concat([Buffer.from([4]), Buffer.alloc(2 * bytes)])],
    ['empty', Buffer.alloc(0)],
  ];

  it(`uses ${hash} and a K equal to the x-coordinate of the shared point`, async () => {
    expect(kex.hash).toBe(hash);
    const run = await runKex(kex);
    expect(run.client.exchangeHash.length).toBe(createHash(hash).digest().length);
    expect(run.messages[0]!.payload.length).toBe(1 + 4 + 1 + 2 * bytes);
  });

  it('with a caller-supplied random source, keys are reproducible', async () => {
    let n = 0;
    const random = (len: number): Uint8Array => Buffer.alloc(len, 0x21 + (n++ % 2));
    const a = await runKex(createEcdhNistKex(curve, { random }));
    n = 0;
    const b = await runKex(createEcdhNistKex(curve, { random }));
    expect(Buffer.from(a.client.sharedSecret).equals(Buffer.from(b.client.sharedSecret))).toBe(true);
  });

  it.each(bad)('the server refuses %s from the client', async (_what, value) => {
    const server = kex.server({ transcript, hostKey: testHostKey().signer });
    const payload = Buffer.concat([Buffer.from([30]), encodeStrings(value)]);
    expect((await disconnectOf(() => server.handle(payload))).reason).toBe(
      DisconnectReason.KeyExchangeFailed,
    );
  });

  it.each(bad)('the client refuses %s from the server', async (_what, value) => {
    const err = await disconnectOf(() =>
      runKex(kex, {
        tamper: (to, payload) =>
          to === 'client'
            ? KexEcdhReply.encode({ ...KexEcdhReply.decode(payload), serverPublicKey: value })
            : payload,
      }),
    );
    expect(err.reason).toBe(DisconnectReason.KeyExchangeFailed);
  });
});
