// sshd's checks of a user certificate once its CA is trusted (sshkey_cert_check_authority,
// sshauthopt_from_cert), and how its restrictions merge with a key line's (sshauthopt_merge).
import { beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { verifyCertificateSignature } from '../../../src/algorithms/hostkey/certificate.js';
import { sshEd25519 } from '../../../src/algorithms/hostkey/ed25519.js';
import {
  encodeCertificate,
  parseCertificate,
  type Certificate,
  type CertificateFields,
} from '../../../src/keys/certificate.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import type { PrivateKey } from '../../../src/keys/types.js';
import {
  checkUserCertificate,
  type CertificateRestrictions,
  type PrincipalRule,
} from '../../../src/users/certificate-policy.js';
import type { PeerIdentity } from '../../../src/users/host-patterns.js';
import { forcedCommandConflict, sessionRestrictions } from '../../../src/users/key-policy.js';
import {
  DEFAULT_PERMISSIONS,
  SFTP_ONLY_PERMISSIONS,
  type UserRecord,
} from '../../../src/users/user-store.js';
import { fixtureKey, userRecord } from './store-helpers.js';

const FOREVER = 2n ** 64n - 1n;
const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
const NOW_S = BigInt(NOW.getTime() / 1000);
const peer: PeerIdentity = { address: '10.1.2.3' };
const alice: PrincipalRule = { kind: 'account', name: 'alice', allowEmpty: false };
const aliceOrAnyone: PrincipalRule = { kind: 'account', name: 'alice', allowEmpty: true };
const opsOrDba: PrincipalRule = { kind: 'one-of', names: ['ops', 'dba'], from: 'the cert-authority line' };

let ca: PrivateKey;
let holder: PrivateKey;

/** A certificate of `holder` signed by `ca` (ssh-ed25519), as a client would present it. */
function certificate(fields: Partial<CertificateFields> = {}): Certificate {
  const all: CertificateFields & { signatureKey: PrivateKey['publicKey'] } = {
    nonce: new Uint8Array(32).fill(7),
    serial: 1n,
    role: 'user',
    keyId: 'test',
    principals: ['alice'],
    validAfter: 0n,
    validBefore: FOREVER,
    criticalOptions: [],
    extensions: [],
    ...fields,
    signatureKey: ca.publicKey,
  };
  const unsigned = encodeCertificate(all, holder.publicKey, new Uint8Array(0));
  const signature = sshEd25519.sign(ca, unsigned.subarray(0, unsigned.length - 4));
  return parseCertificate(encodeCertificate(all, holder.publicKey, signature));
}

const refusal = (cert: Certificate, rule: PrincipalRule = alice, from = peer, now = NOW) => {
  const v = checkUserCertificate(cert, rule, from, now);
  return v.ok ? undefined : v.reason;
};
const restrictions = (
  cert: Certificate,
  rule: PrincipalRule = alice,
  from = peer,
): CertificateRestrictions => {
  const v = checkUserCertificate(cert, rule, from, NOW);
  if (!v.ok) throw new Error(`refused: ${v.reason}`);
  return v.restrictions;
};

beforeAll(async () => {
  ca = await generatePrivateKey('ed25519', { comment: 'ca' });
  holder = await generatePrivateKey('ed25519', { comment: 'holder' });
});

describe('checkUserCertificate', () => {
  it('accepts a plain user certificate naming the account (and the test certificates are real)', () => {
    const cert = certificate();
    const registry = createDefaultRegistries().hostKey;
    expect(verifyCertificateSignature(cert, registry, ['ssh-ed25519'])).toBe(true);
    expect(checkUserCertificate(cert, alice, peer, NOW)).toEqual({
      ok: true,
      restrictions: {
        pty: false,
        portForwarding: false,
        agentForwarding: false,
        verifyRequired: false,
        touchRequired: true,
      },
    });
  });

  describe('validity window', () => {
    const window = { validAfter: NOW_S - 10n, validBefore: NOW_S + 10n };
    it('is valid from validAfter, inclusive', () => {
      const cert = certificate(window);
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S - 10n) * 1000))).toBeUndefined();
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S - 11n) * 1000))).toBe('it is not yet valid');
      // A millisecond before the second it starts is still before.
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S - 10n) * 1000 - 1))).toBe(
        'it is not yet valid',
      );
    });

    it('has expired at exactly validBefore', () => {
      const cert = certificate(window);
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S + 10n) * 1000))).toBe('it has expired');
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S + 10n) * 1000 - 1))).toBeUndefined();
      expect(refusal(cert, alice, peer, new Date(Number(NOW_S + 9n) * 1000))).toBeUndefined();
    });

    it('always:forever is valid at any time; a window that ends before it starts never is', () => {
      const cert = certificate({ validAfter: 0n, validBefore: FOREVER });
      expect(refusal(cert, alice, peer, new Date(0))).toBeUndefined();
      expect(refusal(cert, alice, peer, new Date(8.64e15))).toBeUndefined();
      const inverted = certificate({ validAfter: NOW_S + 5n, validBefore: NOW_S - 5n });
      expect(refusal(inverted)).toBeDefined();
      expect(refusal(inverted, alice, peer, new Date(Number(NOW_S + 6n) * 1000))).toBe('it has expired');
    });

    it('uses the current time when none is given', () => {
      const now = BigInt(Math.floor(Date.now() / 1000));
      expect(checkUserCertificate(certificate({ validBefore: now - 60n }), alice, peer).ok).toBe(false);
      expect(checkUserCertificate(certificate({ validAfter: now + 3600n }), alice, peer).ok).toBe(false);
      const current = certificate({ validAfter: now - 60n, validBefore: now + 3600n });
      expect(checkUserCertificate(current, alice, peer).ok).toBe(true);
    });
  });

  it('refuses a host certificate under every rule, even one naming the account', () => {
    const host = certificate({ role: 'host', principals: ['alice', 'ops'] });
    for (const rule of [alice, aliceOrAnyone, opsOrDba])
      expect(refusal(host, rule)).toBe('it is a host certificate');
  });

  describe('principals', () => {
    it('an empty list: refused for a trusted CA, accepted by a cert-authority line without principals=', () => {
      const anyone = certificate({ principals: [] });
      expect(refusal(anyone, alice)).toBe('it lists no principals');
      expect(refusal(anyone, aliceOrAnyone)).toBeUndefined();
      expect(refusal(anyone, opsOrDba)).toBe(
        'it names none of the principals the cert-authority line allows',
      );
    });

    it('the account rule needs the account name among them, exactly', () => {
      expect(refusal(certificate({ principals: ['bob', 'alice', 'carol'] }))).toBeUndefined();
      for (const principals of [['bob'], ['Alice'], ['alice '], ['*'], ['al*'], ['alice,bob'], ['ops']]) {
        const cert = certificate({ principals });
        expect(refusal(cert, alice)).toBe('"alice" is not one of its principals');
        expect(refusal(cert, aliceOrAnyone)).toBe('"alice" is not one of its principals');
      }
    });

    it('principals= needs one of its names among them, whatever the account', () => {
      expect(refusal(certificate({ principals: ['web', 'dba'] }), opsOrDba)).toBeUndefined();
      expect(refusal(certificate({ principals: ['ops'] }), opsOrDba)).toBeUndefined();
      // The account name itself does not count under principals=.
      for (const principals of [['alice'], ['OPS'], ['op*'], ['*']])
        expect(refusal(certificate({ principals }), opsOrDba)).toBe(
          'it names none of the principals the cert-authority line allows',
        );
    });
  });

  describe('critical options', () => {
    const sourceAddress = (value: string) =>
      certificate({ criticalOptions: [{ name: 'source-address', value }] });

    it('source-address: the peer must be in one of the blocks', () => {
      const cert = sourceAddress('192.0.2.0/24,10.0.0.0/8');
      expect(refusal(cert)).toBeUndefined();
      expect(refusal(cert, alice, { address: '192.0.2.200' })).toBeUndefined();
      expect(refusal(cert, alice, { address: '11.0.0.1' })).toBe(
        'its source-address does not allow 11.0.0.1',
      );
      expect(refusal(cert, alice, { address: '127.0.0.1' })).toBe(
        'its source-address does not allow 127.0.0.1',
      );
      // A single address is a /32.
      const one = sourceAddress('127.0.0.1');
      expect(refusal(one, alice, { address: '127.0.0.1' })).toBeUndefined();
      expect(refusal(one, alice, { address: '127.0.0.2' })).toBeDefined();
      // IPv6 blocks match IPv6 peers only.
      const v6 = sourceAddress('2001:db8::/32');
      expect(refusal(v6, alice, { address: '2001:db8:1::5' })).toBeUndefined();
      expect(refusal(v6, alice, { address: '2001:db9::5' })).toBeDefined();
      expect(refusal(v6, alice, { address: '10.1.2.3' })).toBeDefined();
      // A host name (UseDNS) never matches a source-address: it lists addresses only.
      expect(refusal(one, alice, { address: '10.9.9.9', hostname: '127.0.0.1' })).toBeDefined();
    });

    it('source-address: an IPv4-mapped IPv6 peer (a dual-stack socket) is its IPv4 address', () => {
      const cert = sourceAddress('10.0.0.0/8');
      expect(refusal(cert, alice, { address: '::ffff:10.1.2.3' })).toBeUndefined();
      expect(refusal(cert, alice, { address: '::FFFF:10.1.2.3' })).toBeUndefined();
      expect(refusal(cert, alice, { address: '::ffff:192.0.2.1' })).toBe(
        'its source-address does not allow ::ffff:192.0.2.1',
      );
    });

    it('source-address: anything but addresses and CIDR blocks refuses the certificate', () => {
      for (const list of [
        '',
        'example.com',
        '*',
        '10.*',
        '!10.0.0.0/8',
        '10.0.0.0/8,!10.9.9.9',
        '10.0.0.0/33',
        '10.0.0.1/8', // host bits set: ssh-keygen refuses to write it
        '10.0.0.0/8,',
        ',10.0.0.0/8',
        ' 10.0.0.0/8',
        '10.0.0.0/8 ',
        '10.0.0.0/-1',
        '10.0.0.0/',
        '2001:db8::/129',
      ]) {
        // Even when the peer would match an entry.
        expect(refusal(sourceAddress(list)), list).toBe(
          'its source-address is not a list of addresses and CIDR blocks',
        );
      }
    });

    it('force-command is carried as the forced command', () => {
      const cert = certificate({ criticalOptions: [{ name: 'force-command', value: 'echo "forced" $X' }] });
      expect(restrictions(cert).forcedCommand).toBe('echo "forced" $X');
      expect('forcedCommand' in restrictions(certificate())).toBe(false);
      // An empty command is still a command (it runs nothing, not what the client asks).
      const empty = certificate({ criticalOptions: [{ name: 'force-command', value: '' }] });
      expect(restrictions(empty).forcedCommand).toBe('');
    });

    it('force-command and source-address together: both apply', () => {
      const cert = certificate({
        criticalOptions: [
          { name: 'force-command', value: 'uptime' },
          { name: 'source-address', value: '10.0.0.0/8' },
        ],
      });
      expect(restrictions(cert).forcedCommand).toBe('uptime');
      expect(refusal(cert, alice, { address: '192.0.2.1' })).toBe(
        'its source-address does not allow 192.0.2.1',
      );
    });

    it('refuses force-command or source-address without a value (sshd: "Unable to parse")', () => {
      for (const name of ['force-command', 'source-address'])
        expect(refusal(certificate({ criticalOptions: [{ name }] }))).toBe(
          `its critical option "${name}" has no value`,
        );
    });

    it('refuses a force-command with a NUL inside (sshd reads a C string: "invalid format")', () => {
      const cert = certificate({ criticalOptions: [{ name: 'force-command', value: 'echo a\0rm -rf ~' }] });
      expect(refusal(cert)).toBe('its force-command contains a NUL byte');
    });

    it('takes verify-required as a flag for the signature check, and refuses it with data', () => {
      expect(restrictions(certificate({ criticalOptions: [{ name: 'verify-required' }] }))).toMatchObject({
        verifyRequired: true,
        touchRequired: true,
      });
      expect(refusal(certificate({ criticalOptions: [{ name: 'verify-required', value: 'yes' }] }))).toBe(
        'its verify-required carries data (a flag takes none)',
      );
      expect(restrictions(certificate({ extensions: [{ name: 'no-touch-required' }] }))).toMatchObject({
        verifyRequired: false,
        touchRequired: false,
      });
    });

    it('refuses an unknown critical option', () => {
      for (const option of [
        { name: 'custom@example.com' },
        { name: 'custom@example.com', value: 'x' },
        { name: 'permit-pty' }, // an extension name is not a critical option
      ]) {
        const alone = certificate({ criticalOptions: [option] });
        expect(refusal(alone), option.name).toBe(
          `it has the critical option "${option.name}", which this server does not support`,
        );
        // After options it understands, too.
        const after = certificate({
          criticalOptions: [
            { name: 'force-command', value: 'true' },
            { name: 'source-address', value: '10.0.0.0/8' },
            option,
          ],
        });
        expect(refusal(after), option.name).toBe(
          `it has the critical option "${option.name}", which this server does not support`,
        );
      }
    });
  });

  describe('extensions', () => {
    it('grant nothing when absent (ssh-keygen -O clear)', () => {
      expect(restrictions(certificate({ extensions: [] }))).toEqual(NONE);
    });

    it("map ssh-keygen's defaults to pty, port and agent forwarding", () => {
      const cert = certificate({
        extensions: [
          { name: 'permit-X11-forwarding' },
          { name: 'permit-agent-forwarding' },
          { name: 'permit-port-forwarding' },
          { name: 'permit-pty' },
          { name: 'permit-user-rc' },
        ],
      });
      expect(restrictions(cert)).toEqual({ ...ALL, pty: true, portForwarding: true, agentForwarding: true });
    });

    it('each one alone grants its own permission only', () => {
      const cases = [
        ['permit-pty', { pty: true, portForwarding: false, agentForwarding: false }],
        ['permit-port-forwarding', { pty: false, portForwarding: true, agentForwarding: false }],
        ['permit-agent-forwarding', { pty: false, portForwarding: false, agentForwarding: true }],
        ['permit-X11-forwarding', { pty: false, portForwarding: false, agentForwarding: false }],
        ['permit-user-rc', { pty: false, portForwarding: false, agentForwarding: false }],
        [
          'no-touch-required',
          { pty: false, portForwarding: false, agentForwarding: false, touchRequired: false },
        ],
        ['Permit-Pty', { pty: false, portForwarding: false, agentForwarding: false }],
      ] as const;
      for (const [name, expected] of cases)
        expect(restrictions(certificate({ extensions: [{ name }] })), name).toEqual({ ...NONE, ...expected });
    });

    it('refuses a known flag extension that carries data (sshd: "corrupt (extra data)")', () => {
      for (const name of [
        'permit-pty',
        'permit-port-forwarding',
        'permit-agent-forwarding',
        'permit-X11-forwarding',
        'permit-user-rc',
        'no-touch-required',
      ]) {
        for (const value of ['x', '']) {
          const cert = certificate({
            extensions: [{ name: 'permit-pty' }, { name, value }].slice(name === 'permit-pty' ? 1 : 0),
          });
          expect(refusal(cert), `${name}=${value}`).toBe(
            `its extension "${name}" carries data (a flag takes none)`,
          );
        }
      }
    });

    it('ignores unknown extensions (they are not critical)', () => {
      const cert = certificate({
        extensions: [
          { name: 'custom@example.com', value: 'x' },
          { name: 'permit-pty' },
          { name: 'z@example.com' },
        ],
      });
      expect(restrictions(cert)).toEqual({ ...NONE, pty: true });
    });
  });
});

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return userRecord({
    name: 'alice',
    permissions: { ...DEFAULT_PERMISSIONS, portForwarding: true, agentForwarding: true },
    ...overrides,
  });
}

const ALL: CertificateRestrictions = {
  pty: true,
  portForwarding: true,
  agentForwarding: true,
  verifyRequired: false,
  touchRequired: true,
};
const NONE: CertificateRestrictions = { ...ALL, pty: false, portForwarding: false, agentForwarding: false };

describe('sessionRestrictions with a certificate', () => {
  const caLine = (options = '') =>
    fixtureKey('id_ed25519.pub', options === '' ? 'cert-authority' : `cert-authority,${options}`);

  it('a trusted-CA login (no line): the certificate narrows the account', () => {
    expect(sessionRestrictions(user(), undefined, ALL)).toMatchObject({
      pty: true,
      portForwarding: true,
      agentForwarding: true,
    });
    expect(sessionRestrictions(user(), undefined, NONE)).toMatchObject({
      pty: false,
      portForwarding: false,
      agentForwarding: false,
      shell: true,
      exec: true,
      sftp: true,
    });
    const onlyPty = sessionRestrictions(user(), undefined, { ...NONE, pty: true });
    expect(onlyPty).toMatchObject({ pty: true, portForwarding: false, agentForwarding: false });
    expect(onlyPty.forcedCommand).toBeUndefined();
  });

  it('never grants what the account lacks', () => {
    const plain = user({ permissions: DEFAULT_PERMISSIONS }); // no forwarding
    expect(sessionRestrictions(plain, undefined, ALL)).toMatchObject({
      pty: true,
      portForwarding: false,
      agentForwarding: false,
    });
    const sftpOnly = user({ permissions: SFTP_ONLY_PERMISSIONS });
    expect(sessionRestrictions(sftpOnly, caLine(), ALL)).toMatchObject({
      shell: false,
      exec: false,
      sftp: true,
      pty: false,
      portForwarding: false,
    });
  });

  it('a cert-authority line and the certificate: the most restrictive of both', () => {
    expect(sessionRestrictions(user(), caLine('no-pty'), ALL)).toMatchObject({
      pty: false,
      portForwarding: true,
      agentForwarding: true,
    });
    expect(sessionRestrictions(user(), caLine('no-port-forwarding,no-agent-forwarding'), ALL)).toMatchObject({
      pty: true,
      portForwarding: false,
      agentForwarding: false,
    });
    // restrict,pty on the line grants pty back from the line's side only; the certificate still says no.
    expect(
      sessionRestrictions(user(), caLine('restrict,pty'), { ...NONE, portForwarding: true }),
    ).toMatchObject({
      pty: false,
      portForwarding: false,
      agentForwarding: false,
    });
    expect(sessionRestrictions(user(), caLine('restrict,pty'), ALL)).toMatchObject({
      pty: true,
      portForwarding: false,
      agentForwarding: false,
    });
    // A line that allows everything leaves the certificate's word.
    expect(sessionRestrictions(user(), caLine(), NONE)).toMatchObject({
      pty: false,
      portForwarding: false,
      agentForwarding: false,
    });
  });

  it("keeps the line's permitopen, permitlisten and environment", () => {
    const r = sessionRestrictions(
      user(),
      caLine('permitopen="db:5432",permitlisten="8080",environment="A=b"'),
      ALL,
    );
    expect(r.permitOpen).toEqual([{ host: 'db', port: 5432 }]);
    expect(r.permitListen).toEqual([{ host: '*', port: 8080 }]);
    expect(r.environment).toEqual([{ name: 'A', value: 'b' }]);
  });

  it('the forced command comes from the line or the certificate', () => {
    expect(sessionRestrictions(user(), undefined, { ...ALL, forcedCommand: 'from-cert' }).forcedCommand).toBe(
      'from-cert',
    );
    expect(sessionRestrictions(user(), caLine('command="from-line"'), ALL).forcedCommand).toBe('from-line');
    expect(
      sessionRestrictions(user(), caLine('command="same"'), { ...ALL, forcedCommand: 'same' }).forcedCommand,
    ).toBe('same');
    expect(sessionRestrictions(user(), caLine(), ALL).forcedCommand).toBeUndefined();
  });
});

describe('forcedCommandConflict', () => {
  const line = (options: string) => fixtureKey('id_ed25519.pub', options);
  it('is true only when the line and the certificate each force a different command', () => {
    const cert = { ...ALL, forcedCommand: 'a' };
    expect(forcedCommandConflict(line('cert-authority,command="b"'), cert)).toBe(true);
    expect(forcedCommandConflict(line('cert-authority,command="a"'), cert)).toBe(false);
    expect(forcedCommandConflict(line('cert-authority,command="a "'), cert)).toBe(true);
    expect(forcedCommandConflict(line('cert-authority'), cert)).toBe(false);
    expect(forcedCommandConflict(undefined, cert)).toBe(false);
    expect(forcedCommandConflict(line('cert-authority,command="b"'), ALL)).toBe(false);
    expect(forcedCommandConflict(line('cert-authority,command=""'), { ...ALL, forcedCommand: '' })).toBe(
      false,
    );
    expect(forcedCommandConflict(line('cert-authority,command=""'), cert)).toBe(true);
  });
});
