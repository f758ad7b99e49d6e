import { describe, expect, it } from 'vitest';
import type { CertificateRestrictions } from '../../../src/users/certificate-policy.js';
import { checkKeyUse, securityKeyProblem, sessionRestrictions } from '../../../src/users/key-policy.js';
import { DEFAULT_PERMISSIONS, SFTP_ONLY_PERMISSIONS } from '../../../src/users/user-store.js';
import { fixtureKey, userRecord } from './store-helpers.js';

const peer = { address: '10.1.2.3' };

const user = userRecord;

describe('checkKeyUse', () => {
  it('accepts a plain key from anywhere', () => {
    expect(checkKeyUse(fixtureKey('id_ed25519.pub'), peer)).toEqual({ ok: true });
  });

  it('applies from=', () => {
    const key = fixtureKey('id_ed25519.pub', 'from="10.0.0.0/8,!10.9.9.9"');
    expect(checkKeyUse(key, peer)).toEqual({ ok: true });
    expect(checkKeyUse(key, { address: '::ffff:10.1.2.3' })).toEqual({ ok: true });
    expect(checkKeyUse(key, { address: '10.9.9.9' })).toEqual({ ok: false, reason: 'from-mismatch' });
    expect(checkKeyUse(key, { address: '192.0.2.1' })).toEqual({ ok: false, reason: 'from-mismatch' });
  });

  it('applies expiry-time= at the instant it names', () => {
    const key = fixtureKey('id_ed25519.pub', 'expiry-time="20300101Z"');
    expect(checkKeyUse(key, peer, new Date(Date.UTC(2029, 11, 31, 23, 59)))).toEqual({ ok: true });
    expect(checkKeyUse(key, peer, new Date(Date.UTC(2030, 0, 1)))).toEqual({ ok: false, reason: 'expired' });
  });

  it('never lets a cert-authority line vouch for a plain key', () => {
    const key = fixtureKey('id_ed25519.pub', 'cert-authority');
    expect(checkKeyUse(key, peer)).toEqual({ ok: false, reason: 'cert-authority' });
  });
});

describe('sessionRestrictions', () => {
  it('gives a password login the user permissions as they are', () => {
    const r = sessionRestrictions(user());
    expect(r).toMatchObject({ shell: true, exec: true, sftp: true, pty: true, portForwarding: false });
    expect(r.forcedCommand).toBeUndefined();
    expect(r).toMatchObject({ sftpReadOnly: false, umask: 0o022 });
    expect(r.uploadBytesPerSecond).toBeUndefined();
    expect(r.downloadBytesPerSecond).toBeUndefined();
  });

  it("carries the user's limits, 0 meaning none", () => {
    const limited = user({
      limits: { uploadBytesPerSecond: 0, downloadBytesPerSecond: 2048, maxConnections: 3 },
    });
    const r = sessionRestrictions(limited);
    expect([r.uploadBytesPerSecond, r.downloadBytesPerSecond, r.maxConnections]).toEqual([
      undefined,
      2048,
      3,
    ]);
    expect(sessionRestrictions(user()).maxConnections).toBeUndefined();
  });

  it('lets key options take away but never grant', () => {
    const granted = user({
      permissions: { ...DEFAULT_PERMISSIONS, portForwarding: true, agentForwarding: true },
    });
    const key = fixtureKey('id_ed25519.pub', 'restrict,pty,command="uptime",permitopen="db:5432"');
    const r = sessionRestrictions(granted, key);
    expect(r).toMatchObject({ pty: true, portForwarding: false, agentForwarding: false });
    expect(r.forcedCommand).toBe('uptime');
    expect(r.permitOpen).toEqual([{ host: 'db', port: 5432 }]);

    const open = fixtureKey('id_ed25519.pub', 'port-forwarding,agent-forwarding');
    expect(sessionRestrictions(user(), open)).toMatchObject({
      portForwarding: false,
      agentForwarding: false,
    });
  });

  it('gives an sftp-only user no pty and carries SFTP options', () => {
    const r = sessionRestrictions(
      user({ permissions: SFTP_ONLY_PERMISSIONS, sftp: { readOnly: true, umask: 0o077 } }),
    );
    expect(r).toMatchObject({
      shell: false,
      exec: false,
      sftp: true,
      pty: false,
      sftpReadOnly: true,
      umask: 0o077,
    });
  });
});

describe('securityKeyProblem (PROTOCOL.u2f flags: 0x01 touched, 0x04 user verified)', () => {
  const line = (options = '') => fixtureKey('id_ed25519.pub', options);
  const cert = (touchRequired: boolean, verifyRequired = false): CertificateRestrictions => ({
    pty: true,
    portForwarding: true,
    agentForwarding: true,
    touchRequired,
    verifyRequired,
  });

  it('a security key must be touched, unless no-touch-required applies', () => {
    expect(securityKeyProblem(0x01, line(), undefined)).toBeUndefined();
    expect(securityKeyProblem(0x00, line(), undefined)).toMatch(/not touched/);
    expect(securityKeyProblem(0x00, line('no-touch-required'), undefined)).toBeUndefined();
    // A trusted CA's certificate alone decides; under a cert-authority line both must allow it.
    expect(securityKeyProblem(0x00, undefined, cert(false))).toBeUndefined();
    expect(securityKeyProblem(0x00, undefined, cert(true))).toMatch(/not touched/);
    expect(securityKeyProblem(0x00, line('cert-authority'), cert(false))).toMatch(/not touched/);
    expect(securityKeyProblem(0x00, line('cert-authority,no-touch-required'), cert(true))).toMatch(
      /not touched/,
    );
    expect(securityKeyProblem(0x00, line('cert-authority,no-touch-required'), cert(false))).toBeUndefined();
  });

  it('verify-required from the line or the certificate needs the verified flag, and a security key', () => {
    expect(securityKeyProblem(0x01, line('verify-required'), undefined)).toMatch(/did not verify its user/);
    expect(securityKeyProblem(0x05, line('verify-required'), undefined)).toBeUndefined();
    expect(securityKeyProblem(0x01, undefined, cert(true, true))).toMatch(/did not verify its user/);
    expect(securityKeyProblem(0x05, undefined, cert(true, true))).toBeUndefined();
    expect(securityKeyProblem(undefined, line('verify-required'), undefined)).toMatch(/only a security key/);
    expect(securityKeyProblem(undefined, undefined, cert(true, true))).toMatch(/only a security key/);
    // Keys that are not security keys are not asked about touches.
    expect(securityKeyProblem(undefined, line(), undefined)).toBeUndefined();
    expect(securityKeyProblem(undefined, undefined, cert(true))).toBeUndefined();
  });

  it("the server's PubkeyAuthOptions require a touch over no-touch-required, and a PIN of every security key", () => {
    const strict = { touchRequired: true, verifyRequired: false };
    expect(securityKeyProblem(0x00, line('no-touch-required'), undefined, strict)).toMatch(/not touched/);
    expect(securityKeyProblem(0x00, undefined, cert(false), strict)).toMatch(/not touched/);
    expect(securityKeyProblem(0x01, line('no-touch-required'), undefined, strict)).toBeUndefined();
    const pin = { verifyRequired: true };
    expect(securityKeyProblem(0x01, line(), undefined, pin)).toMatch(/did not verify its user/);
    expect(securityKeyProblem(0x05, line(), undefined, pin)).toBeUndefined();
    // Other keys are not security keys: the server's options do not concern them.
    expect(securityKeyProblem(undefined, line(), undefined, { ...strict, ...pin })).toBeUndefined();
  });
});
