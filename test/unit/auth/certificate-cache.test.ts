// The server's cache of offered certificates: decoded and CA-checked once per blob, kept apart
// from the packet it came in, failures not kept.
import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { certificateCache } from '../../../src/auth/certificate-cache.js';
import { KeyFormatError } from '../../../src/keys/errors.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import { signCertificate } from '../../helpers/certificates.js';

describe('certificateCache', () => {
  it('decodes and checks a certificate once, and answers from its own copy', async () => {
    const [ca, key] = await Promise.all([generatePrivateKey('ed25519'), generatePrivateKey('ed25519')]);
    const registry = createDefaultRegistries().hostKey;
    const cache = certificateCache(registry, ['ssh-ed25519']);
    const packet = Buffer.from(signCertificate(ca, key.publicKey));
    const first = cache.get(packet);
    expect(first.caSigned).toBe(true);
    expect(cache.get(Buffer.from(packet))).toBe(first);
    // The packet's buffer is reused for the next one: the cached certificate must not change.
    const blob = Buffer.from(first.certificate.blob);
    packet.fill(0);
    expect(Buffer.from(first.certificate.blob).equals(blob)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('keeps a CA signature with an algorithm not allowed as unsigned, and does not keep garbage', async () => {
    const [ca, key] = await Promise.all([
      generatePrivateKey('rsa', { bits: 2048 }),
      generatePrivateKey('ed25519'),
    ]);
    const cache = certificateCache(createDefaultRegistries().hostKey, ['rsa-sha2-512']);
    expect(cache.get(signCertificate(ca, key.publicKey, {}, 'ssh-rsa')).caSigned).toBe(false);
    expect(cache.get(signCertificate(ca, key.publicKey, {}, 'rsa-sha2-512')).caSigned).toBe(true);
    expect(() => cache.get(Buffer.from('not a certificate'))).toThrow(KeyFormatError);
    expect(cache.size).toBe(2);
  });
});
