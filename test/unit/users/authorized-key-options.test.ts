import { describe, expect, it } from 'vitest';
import { DEFAULT_KEY_OPTIONS, parseKeyOptions } from '../../../src/users/authorized-key-options.js';
import { AuthorizedKeyError } from '../../../src/users/errors.js';

const KEY = 'ssh-ed25519 AAAA comment';
const opts = (text: string) => parseKeyOptions(`${text} ${KEY}`);

describe('parseKeyOptions (sshd(8) AUTHORIZED_KEYS FILE FORMAT)', () => {
  it('splits the options from the rest of the line', () => {
    const r = parseKeyOptions('no-pty,no-port-forwarding \t ssh-ed25519 AAAA a comment');
    expect(r.text).toBe('no-pty,no-port-forwarding');
    expect(r.rest).toBe('ssh-ed25519 AAAA a comment');
    expect(r.options.pty).toBe(false);
    expect(r.options.portForwarding).toBe(false);
    expect(r.options.agentForwarding).toBe(true);
  });

  it('applies each no-* flag', () => {
    const o = opts('no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc').options;
    expect(o).toMatchObject({
      pty: false,
      portForwarding: false,
      agentForwarding: false,
      x11Forwarding: false,
    });
    expect(o.userRc).toBe(false);
    expect(o.restrict).toBe(false);
  });

  it('reads option names case-insensitively, as sshd does', () => {
    expect(opts('NO-PTY,No-Agent-Forwarding').options).toMatchObject({ pty: false, agentForwarding: false });
    expect(opts('COMMAND="ls"').options.command).toBe('ls');
  });

  it('restrict turns everything off; later flags turn pieces back on, in order', () => {
    const r = opts('restrict').options;
    expect(r).toMatchObject({ restrict: true, pty: false, portForwarding: false, agentForwarding: false });
    expect(r).toMatchObject({ x11Forwarding: false, userRc: false });
    expect(opts('restrict,pty').options).toMatchObject({ pty: true, portForwarding: false });
    expect(opts('restrict,port-forwarding,permitopen="localhost:8080"').options).toMatchObject({
      portForwarding: true,
      permitOpen: [{ host: 'localhost', port: 8080 }],
    });
    expect(opts('pty,restrict').options.pty).toBe(false);
  });

  it('dequotes values: only \\" is an escape, commas and spaces are literal', () => {
    const o = opts('command="echo \\"hi, there\\" \\\\n; ls -l",no-pty').options;
    expect(o.command).toBe('echo "hi, there" \\\\n; ls -l');
    expect(o.pty).toBe(false);
    expect(opts('command=""').options.command).toBe('');
  });

  it('parses from= into a pattern list', () => {
    const o = opts('from="10.0.0.0/8,!10.1.2.3,*.example.com"').options;
    expect(o.fromText).toBe('10.0.0.0/8,!10.1.2.3,*.example.com');
    expect(o.from).toHaveLength(3);
    expect(o.from![1]).toMatchObject({ negated: true, kind: 'cidr', prefix: 32 });
    expect(o.from![2]).toMatchObject({ negated: false, kind: 'wildcard', pattern: '*.example.com' });
  });

  it('collects permitopen and permitlisten, with brackets for IPv6 and * ports', () => {
    const o = opts(
      'permitopen="db.internal:5432",permitopen="[2001:db8::1]:443",permitopen="10.0.0.1:*",' +
        'permitlisten="8080",permitlisten="localhost:9000",permitlisten="[::1]:*"',
    ).options;
    expect(o.permitOpen).toEqual([
      { host: 'db.internal', port: 5432 },
      { host: '2001:db8::1', port: 443 },
      { host: '10.0.0.1', port: '*' },
    ]);
    expect(o.permitListen).toEqual([
      { port: 8080 },
      { host: 'localhost', port: 9000 },
      { host: '::1', port: '*' },
    ]);
  });

  it('collects environment entries; the first of a repeated name wins', () => {
    const o = opts(
      'environment="LANG=C.UTF-8",environment="EMPTY=",environment="LANG=fr_FR",environment="A=b=c"',
    );
    expect(o.options.environment).toEqual([
      { name: 'LANG', value: 'C.UTF-8' },
      { name: 'EMPTY', value: '' },
      { name: 'A', value: 'b=c' },
    ]);
  });

  it('parses expiry-time in UTC (Z) and local time; the earliest of several wins', () => {
    expect(opts('expiry-time="20300102Z"').options.expiryTime).toEqual(new Date(Date.UTC(2030, 0, 2)));
    expect(opts('expiry-time="203001020304Z"').options.expiryTime).toEqual(
      new Date(Date.UTC(2030, 0, 2, 3, 4)),
    );
    expect(opts('expiry-time="20300102030405Z"').options.expiryTime).toEqual(
      new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
    );
    expect(opts('expiry-time="20300102"').options.expiryTime).toEqual(new Date(2030, 0, 2));
    expect(opts('expiry-time="20310101Z",expiry-time="20300101Z"').options.expiryTime).toEqual(
      new Date(Date.UTC(2030, 0, 1)),
    );
  });

  it('parses principals, cert-authority, tunnel and FIDO flags without acting on them', () => {
    const o = opts(
      'cert-authority,principals="alice,deploy",tunnel="3",no-touch-required,verify-required',
    ).options;
    expect(o).toMatchObject({ certAuthority: true, principals: ['alice', 'deploy'], tunnel: 3 });
    expect(o).toMatchObject({ noTouchRequired: true, verifyRequired: true });
  });

  it('leaves a frozen default set for lines without a given option', () => {
    const o = opts('no-pty').options;
    expect(Object.isFrozen(o)).toBe(true);
    expect(o.permitOpen).toEqual(DEFAULT_KEY_OPTIONS.permitOpen);
    expect(o.command).toBeUndefined();
  });

  it.each([
    ['foo', 'unknown option "foo"'],
    ['no-pty,bogus="x"', 'unknown option "bogus"'],
    ['constructor', 'unknown option "constructor"'],
    ['tostring', 'unknown option "tostring"'],
    ['no-pty=1', 'option "no-pty" takes no value'],
    ['command', 'option "command" needs a value'],
    ['command=ls', 'needs a double-quoted value'],
    ['command="ls', 'unterminated quoted value'],
    ['command="a\\"', 'unterminated quoted value'],
    ['command="a",command="b"', '"command" given twice'],
    ['from="a",from="b"', '"from" given twice'],
    ['principals="a",principals="b"', '"principals" given twice'],
    ['principals="a,,b"', 'empty principal'],
    ['no-pty,', 'a comma ends the options'],
    [',no-pty', 'expected an option name at column 1'],
    ['no-pty,,no-user-rc', 'expected an option name'],
    ['command="ls"x', 'unexpected "x" after option "command"'],
    ['no-pty;no-user-rc', 'unexpected ";"'],
    ['from=""', 'pattern-list: empty'],
    ['from="10.0.0.1/8"', 'bits set beyond'],
    ['permitopen="host"', 'expected "host:port"'],
    ['permitopen="host:0"', 'bad port'],
    ['permitopen="host:65536"', 'bad port'],
    ['permitopen="host:http"', 'bad port'],
    ['permitopen=":22"', 'bad host'],
    ['permitopen="2001:db8::1:22"', 'put an IPv6 address in brackets'],
    ['permitopen="[::1]22"', 'expected "[address]:port"'],
    ['permitlisten="x:"', 'bad port'],
    ['environment="NOEQUALS"', 'expected "NAME=value"'],
    ['environment="=value"', 'expected "NAME=value"'],
    ['environment="BAD-NAME=x"', 'expected "NAME=value"'],
    ['expiry-time="2030"', 'expected YYYYMMDD'],
    ['expiry-time="20301301"', 'not a valid date'],
    ['expiry-time="20300230Z"', 'not a valid date'],
    ['expiry-time="203001012460Z"', 'not a valid date'],
    ['tunnel="x"', 'bad device number'],
  ])('refuses %j with a clear message', (text, message) => {
    expect(() => opts(text)).toThrow(AuthorizedKeyError);
    expect(() => opts(text)).toThrow(message);
  });
});
