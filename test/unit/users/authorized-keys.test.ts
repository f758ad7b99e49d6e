import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuthorizedKeyLine, parseAuthorizedKeys } from '../../../src/users/authorized-keys.js';
import { AuthorizedKeyError } from '../../../src/users/errors.js';
import { WireWriter } from '../../../src/wire/index.js';

const FIXTURES = new URL('../../fixtures/users/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8').trim();
const expected = JSON.parse(fixture('fingerprints.json')) as { fingerprints: Record<string, string> };

const ED = fixture('id_ed25519.pub');
const [, ED_B64] = ED.split(' ') as [string, string];
const RSA = fixture('id_rsa3072.pub');

describe('parseAuthorizedKeyLine: keys', () => {
  it.each(Object.keys(expected.fingerprints))(
    'reads %s with the fingerprint ssh-keygen -l printed',
    (file) => {
      const key = parseAuthorizedKeyLine(fixture(file));
      const [bits, fp] = expected.fingerprints[file]!.split(' ') as [string, string];
      expect(key.fingerprint).toBe(fp);
      expect(key.key.bits).toBe(Number(bits));
      expect(key.optionsText).toBe('');
      expect(key.line).toBe(fixture(file));
    },
  );

  it('keeps the comment, including spaces, and canonicalises whitespace', () => {
    const k = parseAuthorizedKeyLine(`  ssh-ed25519\t${ED_B64}   Alice's laptop  (2024)  \r\n`);
    expect(k.comment).toBe("Alice's laptop (2024)");
    expect(k.type).toBe('ssh-ed25519');
    expect(k.line).toBe(`ssh-ed25519 ${ED_B64} Alice's laptop (2024)`);
    expect(parseAuthorizedKeyLine(`ssh-ed25519 ${ED_B64}`).comment).toBe('');
  });

  it('agrees with ssh-keygen on a line with options (ssh-keygen -l reads authorized_keys files)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-ak-'));
    try {
      const line = `restrict,command="uptime" ${RSA}`;
      writeFileSync(join(dir, 'authorized_keys'), line + '\n');
      const out = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'authorized_keys')], {
        encoding: 'utf8',
      });
      expect(out.split(' ')[1]).toBe(parseAuthorizedKeyLine(line).fingerprint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Lines of the shapes found in real authorized_keys files (GitLab, gitolite, borg, rrsync, hosting
// panels, Ansible-managed hosts), with our fixture key in place of the originals.
const REAL_WORLD: readonly [string, Record<string, unknown>][] = [
  [
    `command="/opt/gitlab/embedded/service/gitlab-shell/bin/gitlab-shell key-42",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ${ED}`,
    { command: '/opt/gitlab/embedded/service/gitlab-shell/bin/gitlab-shell key-42', pty: false },
  ],
  [
    `command="/usr/share/gitolite3/gitolite-shell alice",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty ${ED}`,
    { command: '/usr/share/gitolite3/gitolite-shell alice', agentForwarding: false },
  ],
  [
    `command="borg serve --restrict-to-path /srv/backups/host1 --append-only",restrict ${ED}`,
    { restrict: true, pty: false, command: 'borg serve --restrict-to-path /srv/backups/host1 --append-only' },
  ],
  [`command="/usr/bin/rrsync -ro /srv/data/",restrict ${ED}`, { command: '/usr/bin/rrsync -ro /srv/data/' }],
  [`command="internal-sftp",restrict ${ED}`, { command: 'internal-sftp', portForwarding: false }],
  [`from="192.168.1.0/24,10.8.0.*,!10.8.0.66" ${ED}`, { fromText: '192.168.1.0/24,10.8.0.*,!10.8.0.66' }],
  [`from="*.corp.example.com",no-agent-forwarding ${ED}`, { agentForwarding: false }],
  [`no-pty,permitopen="localhost:5432",permitopen="localhost:6379" ${ED}`, { pty: false }],
  [`restrict,port-forwarding,permitlisten="localhost:2222" ${ED}`, { portForwarding: true }],
  [`environment="GIT_PROTOCOL=version=2",environment="TZ=UTC" ${ED}`, {}],
  [`expiry-time="20991231Z",restrict,pty ${ED}`, { pty: true, expiryTime: new Date(Date.UTC(2099, 11, 31)) }],
  [`cert-authority,principals="deploy,ci" ${ED}`, { certAuthority: true, principals: ['deploy', 'ci'] }],
  [`no-touch-required ${ED}`, { noTouchRequired: true }],
  [`tunnel="0",command="sh /etc/netstart tun0" ${ED}`, { tunnel: 0 }],
  [
    `command="echo \\"you are in, \\\\\\"friend\\\\\\"\\"" ${ED}`,
    { command: 'echo "you are in, \\\\"friend\\\\""' },
  ],
];

describe('parseAuthorizedKeyLine: real-world option lines', () => {
  it.each(REAL_WORLD)('%s', (line, want) => {
    const k = parseAuthorizedKeyLine(line);
    expect(k.options).toMatchObject(want);
    expect(k.fingerprint).toBe(expected.fingerprints['id_ed25519.pub']!.split(' ')[1]);
    expect(k.comment).toBe('fixture-ed25519@example.com');
    expect(k.line).toBe(line);
    expect(parseAuthorizedKeyLine(k.line)).toEqual(k); // the stored form parses back to the same key
  });
});

function skBlob(): string {
  const w = new WireWriter();
  w.text('sk-ssh-ed25519@openssh.com');
  w.bytes(new Uint8Array(32).fill(7));
  w.text('ssh:');
  return Buffer.from(w.finish()).toString('base64');
}

describe('parseAuthorizedKeyLine: security keys', () => {
  it('reads an sk-ssh-ed25519 line with its options and application', () => {
    const k = parseAuthorizedKeyLine(
      `no-touch-required,verify-required sk-ssh-ed25519@openssh.com ${skBlob()} yubikey`,
    );
    expect(k.type).toBe('sk-ssh-ed25519@openssh.com');
    expect(k.key.application).toBe('ssh:');
    expect(k.options).toMatchObject({ noTouchRequired: true, verifyRequired: true });
    expect(k.comment).toBe('yubikey');
  });
});

describe('parseAuthorizedKeyLine: malformed lines', () => {
  const cert = fixture('id_ed25519-cert.pub');
  const truncated = ED_B64.slice(0, 40);
  const rsaAsEd = `ssh-ed25519 ${RSA.split(' ')[1]} x`;
  it.each([
    ['', 'holds no key'],
    ['   ', 'holds no key'],
    ['# comment line', 'holds no key'],
    ['ssh-ed25519', 'is not followed by a base64 key'],
    ['no-pty', 'options are not followed by a key'],
    ['no-pty ssh-ed25519', 'is not followed by a base64 key'],
    [`ssh-ed25519 ${ED_B64.slice(0, -1)}!`, 'not valid base64'],
    [`ssh-ed25519 ${truncated}`, 'corrupt ssh-ed25519 key'],
    [`ssh-ed25519 ${ED_B64.slice(0, 41)}`, 'not valid base64'],
    [`ssh-ed25519 ${Buffer.from('garbage').toString('base64')}`, 'authorized_keys:'],
    [rsaAsEd, 'the line says "ssh-ed25519" but the key inside is "ssh-rsa"'],
    [cert, '"ssh-ed25519-cert-v01@openssh.com" is a certificate: authorize its CA instead'],
    [fixture('id_dsa.pub'), 'key type "ssh-dss" is not supported'],
    [
      `webauthn-sk-ecdsa-sha2-nistp256@openssh.com ${skBlob()} browser`,
      'key type "webauthn-sk-ecdsa-sha2-nistp256@openssh.com" is not supported',
    ],
    [`ssh-foo ${ED_B64}`, 'unknown option "ssh-foo"'],
    [`bogus-option ${ED}`, 'unknown option "bogus-option"'],
    [`no-pty,nope ${ED}`, 'unknown option "nope"'],
    [`command="unterminated ${ED}`, 'unterminated quoted value'],
    [`from="10.0.0.0/33" ${ED}`, 'not an address/masklen'],
    [`ssh-ed25519 ${ED_B64} with\u0000nul`, 'control character'],
    [`ssh-ed25519 ${ED_B64} x`.padEnd(17 * 1024, 'x'), 'longer than 16 KiB'],
  ])('refuses %j', (line, message) => {
    expect(() => parseAuthorizedKeyLine(line)).toThrow(AuthorizedKeyError);
    expect(() => parseAuthorizedKeyLine(line)).toThrow(message);
  });

  it('gives one-line messages starting with "authorized_keys:"', () => {
    try {
      parseAuthorizedKeyLine(`bogus ${ED}`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^authorized_keys: [^\n]+$/);
    }
  });
});

describe('parseAuthorizedKeys (whole files)', () => {
  it('skips blanks and comments and reports bad lines by number without hiding good ones', () => {
    const text = [
      '# managed by ansible',
      '',
      ED,
      'ssh-rsa AAAA-broken',
      `  restrict ${RSA}`,
      '\t# indented comment',
      'nonsense here',
    ].join('\r\n');
    const { keys, errors } = parseAuthorizedKeys(text);
    expect(keys.map((k) => k.type)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(keys[1]!.options.restrict).toBe(true);
    expect(errors.map((e) => e.line)).toEqual([4, 7]);
    expect(errors[0]!.message).toMatch(/base64/);
  });
});
