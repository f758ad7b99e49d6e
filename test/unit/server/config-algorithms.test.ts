import { describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import {
  AlgorithmConfigError,
  createProfileRegistries,
  HARDENED_ALGORITHMS,
  resolveAlgorithms,
} from '../../../src/server/config-algorithms.js';

const errorOf = (settings: Parameters<typeof resolveAlgorithms>[1]) => {
  try {
    resolveAlgorithms(createProfileRegistries('default'), settings);
  } catch (err) {
    expect(err).toBeInstanceOf(AlgorithmConfigError);
    return `${(err as AlgorithmConfigError).key} ${(err as Error).message}`;
  }
  throw new Error('no error');
};

describe('algorithm lists from the config', () => {
  it('the default profile offers the registries’ defaults', () => {
    const r = createDefaultRegistries();
    const a = resolveAlgorithms(createProfileRegistries('default'), {});
    expect(a.kexAlgorithms).toEqual(r.kex.names('default'));
    expect(a.ciphers).toEqual(r.cipher.names('default'));
    expect(a.macs).toEqual(r.mac.names('default'));
    expect(a.hostKeyAlgorithms).toEqual(r.hostKey.names('default'));
    expect(a.pubkeyAcceptedAlgorithms).toEqual(r.hostKey.names('default'));
    expect(a.legacy).toEqual([]);
  });

  it('hardened narrows every kind to its allow-list, each name of which is a registered default', () => {
    const r = createDefaultRegistries();
    const a = resolveAlgorithms(createProfileRegistries('hardened'), {});
    const registered = (kind: keyof typeof HARDENED_ALGORITHMS) =>
      HARDENED_ALGORITHMS[kind].filter((n) => r[kind].statusOf(n) === 'default');
    expect(a.kexAlgorithms).toEqual(registered('kex'));
    expect(a.hostKeyAlgorithms).toEqual(registered('hostKey'));
    expect(a.pubkeyAcceptedAlgorithms).toEqual(registered('hostKey'));
    expect(a.ciphers).toEqual(registered('cipher'));
    expect(a.macs).toEqual(registered('mac'));
    const all = [...a.kexAlgorithms, ...a.hostKeyAlgorithms, ...a.ciphers, ...a.macs];
    // ssh-audit: NIST curves fail, SHA-1 fails, CBC fails, encrypt-and-MAC warns, chacha20 (Terrapin).
    expect(
      all.filter((n) => /nistp|sha1|cbc|chacha|^hmac-sha2-(256|512)$|diffie-hellman|ssh-rsa$/.test(n)),
    ).toEqual([]);
    expect(a.kexAlgorithms).toContain('curve25519-sha256');
  });

  it('hardened still lets the config name other algorithms explicitly, with the usual prefixes', () => {
    const hardened = createProfileRegistries('hardened');
    expect(resolveAlgorithms(hardened, { ciphers: '+chacha20-poly1305@openssh.com' }).ciphers.at(-1)).toBe(
      'chacha20-poly1305@openssh.com',
    );
    const legacy = resolveAlgorithms(hardened, { ciphers: '+aes256-cbc', macs: 'hmac-sha1' });
    expect(legacy.legacy).toEqual(['aes256-cbc']);
    expect(legacy.macs).toEqual(['hmac-sha1']);
  });

  it('+ appends, - removes with wildcards, ^ puts first, a plain list replaces', () => {
    const d = createProfileRegistries('default');
    const base = d.cipher.names('default');
    expect(resolveAlgorithms(d, { ciphers: '+aes128-cbc' }).ciphers).toEqual([...base, 'aes128-cbc']);
    expect(resolveAlgorithms(d, { ciphers: '-aes*-ctr' }).ciphers).toEqual(
      base.filter((n) => !n.endsWith('-ctr')),
    );
    expect(resolveAlgorithms(d, { ciphers: '^aes256-ctr' }).ciphers[0]).toBe('aes256-ctr');
    expect(resolveAlgorithms(d, { ciphers: ['aes256-gcm@openssh.com', 'aes128-ctr'] }).ciphers).toEqual([
      'aes256-gcm@openssh.com',
      'aes128-ctr',
    ]);
  });

  it('unknown names are refused with the key and a suggestion', () => {
    expect(errorOf({ ciphers: 'aes256-gcm' })).toMatch(
      /^ciphers names an unknown cipher algorithm "aes256-gcm" \(did you mean "aes256-gcm@openssh\.com"\?\)$/,
    );
    expect(errorOf({ macs: '+hmac-sha2-256-etm' })).toMatch(
      /^macs .* \(did you mean "hmac-sha2-256-etm@openssh\.com"\?\)$/,
    );
    expect(errorOf({ kexAlgorithms: 'nothing-like-it-at-all-really' })).toMatch(
      /^kexAlgorithms .*\(known: mlkem768x25519-sha256, /,
    );
    expect(errorOf({ hostKeyAlgorithms: '-*' })).toMatch(/^hostKeyAlgorithms leaves nothing to offer/);
    expect(errorOf({ pubkeyAcceptedAlgorithms: 'ssh-ed448' })).toMatch(
      /^pubkeyAcceptedAlgorithms names an unknown host key algorithm/,
    );
    expect(errorOf({ compression: 'zlib@example.com' })).toMatch(
      /^compression names an unknown compression algorithm/,
    );
  });
});
