import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANY_AUTH_METHOD } from '../../../src/users/auth-methods.js';
import {
  ConfigError,
  defaultConfig,
  loadConfigFile,
  mergeConfig,
  parseConfigText,
} from '../../../src/server/config.js';
import { CONFIG_KEYS } from '../../../src/server/config-schema.js';

const parse = (text: string) => parseConfigText(text, 'config.yaml');
const errorOf = (text: string): string => {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${text}`);
};

describe('config file: values', () => {
  it('parses every key in its sshd_config syntax', () => {
    const c = parse(`
port: 2200
listenAddress: "127.0.0.1 [::1]:2300"
hostKeys: [keys/host_ed25519]
kexAlgorithms: "+diffie-hellman-group14-sha256"
hostKeyAlgorithms: [ssh-ed25519]
ciphers: "-chacha20*"
macs: "^hmac-sha2-512-etm@openssh.com"
compression: delayed
pubkeyAcceptedAlgorithms: ssh-ed25519,rsa-sha2-512
acceptEnv: [LANG, "LC_*"]
maxAuthTries: 3
loginGraceTime: 1m30s
maxSessions: 0
maxStartups: "10:30:60"
clientAliveInterval: 15
clientAliveCountMax: 0
allowTcpForwarding: local
allowStreamLocalForwarding: false
allowAgentForwarding: no
permitOpen: "localhost:80 [::1]:443 *:8080"
permitListen: [8080, "localhost:9000"]
gatewayPorts: clientspecified
subsystems: { sftp: internal-sftp }
rekeyLimit: 512M 30m
banner: /etc/issue.net
authenticationMethods: ["publickey,password", "publickey,keyboard-interactive"]
plugins: [./a.js, { path: some-package, optional: true, options: { greeting: hi } }]
shell: /bin/bash
log: { level: trace, format: pretty, file: logs/sshd.log }
profile: hardened
homesDir: /srv/homes
`);
    expect(c).toMatchObject({
      port: 2200,
      listenAddress: ['127.0.0.1', '[::1]:2300'],
      hostKeys: ['keys/host_ed25519'],
      acceptEnv: ['LANG', 'LC_*'],
      maxAuthTries: 3,
      loginGraceTime: 90,
      maxSessions: 0,
      maxStartups: { start: 10, rate: 30, full: 60 },
      clientAliveInterval: 15,
      clientAliveCountMax: 0,
      allowTcpForwarding: 'local',
      allowStreamLocalForwarding: 'no',
      allowAgentForwarding: false,
      permitOpen: ['localhost:80', '[::1]:443', '*:8080'],
      permitListen: ['8080', 'localhost:9000'],
      gatewayPorts: 'clientspecified',
      rekeyLimit: { bytes: 512 * 2 ** 20, seconds: 1800 },
      authenticationMethods: [
        ['publickey', 'password'],
        ['publickey', 'keyboard-interactive'],
      ],
      plugins: ['./a.js', { path: 'some-package', optional: true, options: { greeting: 'hi' } }],
      log: { level: 'trace', format: 'pretty', file: 'logs/sshd.log' },
      profile: 'hardened',
    });
  });

  it('takes JSON too (YAML 1.2 is a superset), and an empty file is all defaults', () => {
    expect(parse('{"port": 22, "acceptEnv": "LANG"}')).toEqual({ port: 22, acceptEnv: ['LANG'] });
    expect(parse('')).toEqual({});
    expect(parse('# only a comment\n')).toEqual({});
  });

  it('names the key, what it must be, and what it got', () => {
    expect(errorOf('maxAuthTries: six')).toBe(
      'config.yaml: maxAuthTries must be a positive integer (got "six")',
    );
    expect(errorOf('maxAuthTries: 0')).toBe('config.yaml: maxAuthTries must be a positive integer (got 0)');
    expect(errorOf('port: 65536')).toMatch(
      /^config\.yaml: port must be a port number from 0 to 65535 .*\(got 65536\)$/,
    );
    expect(errorOf('port: "2000blah"')).toMatch(/port must be a port number/);
    expect(errorOf('allowAgentForwarding: maybe')).toBe(
      'config.yaml: allowAgentForwarding must be yes or no (got "maybe")',
    );
    expect(errorOf('loginGraceTime: 0')).toMatch(/loginGraceTime must be between 1 second and 1 day/);
    expect(errorOf('maxStartups: "10:200:5"')).toMatch(
      /maxStartups must be "start:rate:full" with start <= full/,
    );
    expect(errorOf('listenAddress: ["1.2.3.4:99999"]')).toMatch(/listenAddress has a bad port "99999"/);
    expect(errorOf('permitOpen: "80"')).toMatch(/permitOpen has a bad entry "80"/);
    expect(errorOf('permitListen: "host:port"')).toMatch(/permitListen has a bad entry "host:port"/);
    expect(errorOf('acceptEnv: "A=B"')).toMatch(/acceptEnv has a bad pattern "A=B"/);
    expect(errorOf('shell: bash')).toMatch(/shell must be an absolute path/);
    expect(errorOf('authenticationMethods: password,hostbased')).toMatch(
      /authenticationMethods has unknown method "hostbased"/,
    );
    expect(errorOf('log: { format: xml }')).toBe(
      'config.yaml: log.format must be json or pretty (got "xml")',
    );
    expect(errorOf('plugins: [{ path: a, optional: "yes" }]')).toMatch(
      /plugins\[0\] has "optional" that is not true or false/,
    );
    expect(errorOf('plugins: a.js')).toMatch(/plugins must be a list/);
    expect(errorOf('subsystems: [sftp]')).toMatch(/subsystems must map subsystem names to commands/);
    expect(errorOf('ciphers: []')).toMatch(/ciphers must be a comma-separated list/);
    expect(errorOf('pubkeyAuthOptions: touch')).toBe(
      'config.yaml: pubkeyAuthOptions must be none, touch-required, verify-required, or both of the last two (got "touch")',
    );
    expect(errorOf('trustedUserCAKeys: ""')).toMatch(
      /trustedUserCAKeys must be a file of CA public keys, or none/,
    );
  });

  it('reads the certificate and security-key settings, paths relative to the file', () => {
    const config = mergeConfig('/data', {
      path: '/etc/sshd-kit/config.yaml',
      file: parseConfigText(
        [
          'trustedUserCAKeys: ca.pub',
          'revokedKeys: /etc/ssh/revoked.krl',
          'hostCertificates: [ssh_host_ed25519_key-cert.pub]',
          'pubkeyAuthOptions: touch-required verify-required',
        ].join('\n'),
        'config.yaml',
      ),
    });
    expect(config).toMatchObject({
      trustedUserCAKeys: '/etc/sshd-kit/ca.pub',
      revokedKeys: '/etc/ssh/revoked.krl',
      hostCertificates: ['/etc/sshd-kit/ssh_host_ed25519_key-cert.pub'],
      pubkeyAuthOptions: ['touch-required', 'verify-required'],
    });
    const none = parseConfigText('pubkeyAuthOptions: none\ntrustedUserCAKeys: none', 'c.yaml');
    expect(mergeConfig('/data', { path: '/c.yaml', file: none })).toMatchObject({
      pubkeyAuthOptions: [],
      trustedUserCAKeys: undefined,
    });
  });

  it('refuses unknown keys with a suggestion, including sshd_config spellings', () => {
    expect(errorOf('maxAuthTrys: 3')).toBe(
      'config.yaml: unknown key "maxAuthTrys" (did you mean "maxAuthTries"?)',
    );
    expect(errorOf('ClientAliveInterval: 3')).toMatch(/did you mean "clientAliveInterval"/);
    expect(errorOf('max_sessions: 3')).toMatch(/did you mean "maxSessions"/);
    expect(errorOf('Subsystem: x')).toMatch(/did you mean "subsystems"/);
    expect(errorOf('HostKey: x')).toMatch(/did you mean "hostKeys"/);
    expect(errorOf('PubkeyAcceptedKeyTypes: x')).toMatch(/did you mean "pubkeyAcceptedAlgorithms"/);
    expect(errorOf('zzz: 1')).toBe('config.yaml: unknown key "zzz"');
    expect(errorOf('log: { lvl: info }')).toBe('config.yaml: unknown key "lvl" in log');
  });

  it('reports several problems on one line, and YAML errors with their line', () => {
    const m = errorOf('port: x\nmaxAuthTries: y\nmaxSessions: z\nshell: w\n');
    expect(m.split('\n')).toHaveLength(1);
    expect(m).toMatch(/port must .*; maxAuthTries must .*; maxSessions must .* \(and 1 more\)$/);
    expect(errorOf('port: 22\nport: 23')).toBe('config.yaml: line 2: Map keys must be unique');
    expect(errorOf('a:\n\t- b')).toMatch(/^config\.yaml: line 2: Tabs are not allowed/);
    expect(errorOf('- 1\n- 2')).toBe('config.yaml: must be a mapping of keys to values (like "port: 2222")');
  });

  it('takes address pattern-lists as text or a YAML list; "" exempts nothing from penalties', () => {
    expect(parse('proxyProtocolFrom: 10.0.0.5,10.0.1.0/24').proxyProtocolFrom).toBe('10.0.0.5,10.0.1.0/24');
    expect(parse('proxyProtocolFrom: [10.0.0.5, "::1"]').proxyProtocolFrom).toBe('10.0.0.5,::1');
    expect(parse('perSourcePenaltyExemptList: ""').perSourcePenaltyExemptList).toBe('');
    expect(errorOf('proxyProtocolFrom: ""')).toMatch(
      /^config\.yaml: proxyProtocolFrom must be a pattern-list/,
    );
    expect(errorOf('proxyProtocolFrom: 10.0.0.1/8')).toBe(
      'config.yaml: proxyProtocolFrom must be a pattern-list of addresses and CIDR blocks ' +
        '(pattern-list: "10.0.0.1/8" has bits set beyond its /8 mask) (got "10.0.0.1/8")',
    );
    expect(errorOf('proxyProtocolFrom: 5')).toMatch(
      /must be a comma-separated list of addresses and CIDR blocks/,
    );
    const none = parse('proxyProtocolFrom: none');
    expect(mergeConfig('/d', { path: '/d/config.yaml', file: none }).proxyProtocolFrom).toBeUndefined();
    const noExempt = parse('perSourcePenaltyExemptList: none');
    expect(mergeConfig('/d', { path: '/d/config.yaml', file: noExempt }).perSourcePenaltyExemptList).toBe('');
  });

  it('takes metricsListen as host:port or a port, and says what is wrong in one line', () => {
    expect(parse('metricsListen: 127.0.0.1:9120').metricsListen).toEqual({ host: '127.0.0.1', port: 9120 });
    expect(parse('metricsListen: 9120').metricsListen).toEqual({ host: '127.0.0.1', port: 9120 });
    expect(parse('metricsListen: none').metricsListen).toBeUndefined();
    expect(errorOf('metricsListen: localhost')).toBe(
      'config.yaml: metricsListen needs a port, like "localhost:9120" (got "localhost")',
    );
    expect(errorOf('metricsListen: [1, 2]')).toMatch(
      /^config\.yaml: metricsListen must be host:port \(or a port, on 127\.0\.0\.1\) for the Prometheus endpoint, or none/,
    );
  });

  it('knows every key the reference documents', () => {
    expect([...CONFIG_KEYS].sort()).toEqual(
      [
        'port',
        'listenAddress',
        'hostKeys',
        'kexAlgorithms',
        'hostKeyAlgorithms',
        'ciphers',
        'macs',
        'compression',
        'pubkeyAcceptedAlgorithms',
        'caSignatureAlgorithms',
        'hostCertificates',
        'trustedUserCAKeys',
        'revokedKeys',
        'pubkeyAuthOptions',
        'acceptEnv',
        'perSourcePenalties',
        'perSourcePenaltyExemptList',
        'proxyProtocolFrom',
        'metricsListen',
        'maxAuthTries',
        'loginGraceTime',
        'maxSessions',
        'maxStartups',
        'clientAliveInterval',
        'clientAliveCountMax',
        'allowTcpForwarding',
        'allowStreamLocalForwarding',
        'allowAgentForwarding',
        'permitOpen',
        'permitListen',
        'gatewayPorts',
        'subsystems',
        'rekeyLimit',
        'banner',
        'authenticationMethods',
        'plugins',
        'shell',
        'log',
        'profile',
        'homesDir',
      ].sort(),
    );
  });
});

describe('config file: loading and merging', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'sshd-kit-config-'));
    dirs.push(d);
    return d;
  };

  it('uses <data-dir>/config.yaml when present, defaults when absent; an explicit --config must exist', async () => {
    const dir = tmp();
    expect(await loadConfigFile(dir, undefined)).toEqual({
      path: join(dir, 'config.yaml'),
      found: false,
      file: {},
    });
    writeFileSync(join(dir, 'config.yaml'), 'port: 2022\n');
    expect((await loadConfigFile(dir, undefined)).file).toEqual({ port: 2022 });
    await expect(loadConfigFile(dir, join(dir, 'nope.yaml'))).rejects.toThrow(
      /nope\.yaml: no such file \(check --config\)/,
    );
  });

  it('merges defaults < file < overrides, and resolves relative paths against the file', () => {
    const data = '/srv/data';
    const file = parse(
      'port: 2022\nlistenAddress: [10.0.0.1]\nhostKeys: [k/ed]\nbanner: motd\nlog: { level: debug, file: l.log }\nplugins: [a]\nhomesDir: h',
    );
    const c = mergeConfig(
      data,
      { path: '/etc/sshd-kit/config.yaml', file },
      { port: 2300, plugins: ['b'], logLevel: 'warn' },
    );
    expect(c).toMatchObject({
      port: 2300,
      listenAddress: ['10.0.0.1'],
      hostKeys: ['/etc/sshd-kit/k/ed'],
      banner: '/etc/sshd-kit/motd',
      log: { level: 'warn', format: undefined, file: '/etc/sshd-kit/l.log' },
      plugins: [
        { path: 'a', optional: false, options: {} },
        { path: 'b', optional: false, options: {} },
      ],
      homesDir: '/etc/sshd-kit/h',
      maxAuthTries: 6,
    });
    const d = mergeConfig(data, { path: join(data, 'config.yaml'), file: {} });
    expect(d).toEqual(defaultConfig(data));
    expect(d.authenticationMethods).toBe(ANY_AUTH_METHOD);
    expect(d.homesDir).toBe('/srv/data/homes');
    expect(mergeConfig(data, { path: 'x', file: parse('banner: none\ncompression: yes') })).toMatchObject({
      banner: undefined,
      compression: ['none', 'zlib@openssh.com'],
    });
    expect(mergeConfig(data, { path: 'x', file: parse('compression: no') }).compression).toEqual(['none']);
  });
});
