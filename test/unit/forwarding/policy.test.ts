import { describe, expect, it } from 'vitest';
import type { AuthenticatedUser, SessionPolicy } from '../../../src/auth/types.js';
import {
  checkAgentForwarding,
  checkDirectTcpip,
  checkStreamLocal,
  checkTcpipForward,
  ForwardingPolicyError,
  parsePermitEntry,
  resolveForwardingPolicy,
} from '../../../src/forwarding/policy.js';
import { bindPlan } from '../../../src/forwarding/tcpip-forward.js';

function user(policy: Partial<SessionPolicy> = {}): AuthenticatedUser {
  return {
    name: 'alice',
    home: '/home/alice',
    methods: ['password'],
    policy: {
      shell: true,
      exec: true,
      sftp: true,
      pty: true,
      portForwarding: true,
      agentForwarding: true,
      permitOpen: [],
      permitListen: [],
      environment: [],
      sftpReadOnly: false,
      umask: 0o022,
      ...policy,
    },
  };
}

describe('forwarding policy', () => {
  it('defaults to OpenSSH: everything on, any target, loopback listeners', () => {
    const p = resolveForwardingPolicy();
    expect(p.tcp).toEqual({ local: true, remote: true });
    expect(p.streamLocal).toEqual({ local: true, remote: true });
    expect(p.agent).toBe(true);
    expect(p.permitOpen).toBe('any');
    expect(p.permitListen).toBe('any');
    expect(p.gatewayPorts).toBe('no');
    expect(p.streamLocalConnectDirs).toEqual(['~']);
    expect(p.streamLocalListenDirs).toEqual(['~', '/tmp']);
  });

  it('maps AllowTcpForwarding values to directions', () => {
    const dirs = (v: 'yes' | 'no' | 'local' | 'remote' | 'all') =>
      resolveForwardingPolicy({ allowTcpForwarding: v }).tcp;
    expect(dirs('all')).toEqual({ local: true, remote: true });
    expect(dirs('no')).toEqual({ local: false, remote: false });
    expect(dirs('local')).toEqual({ local: true, remote: false });
    expect(dirs('remote')).toEqual({ local: false, remote: true });
  });

  it('parses PermitOpen and PermitListen entries', () => {
    expect(parsePermitEntry('Example.COM:443', false)).toEqual({ host: 'example.com', port: 443 });
    expect(parsePermitEntry('[::1]:22', false)).toEqual({ host: '::1', port: 22 });
    expect(parsePermitEntry('*:80', false)).toEqual({ host: '*', port: 80 });
    expect(parsePermitEntry('db:*', false)).toEqual({ host: 'db', port: '*' });
    expect(parsePermitEntry('8080', true)).toEqual({ host: '*', port: 8080 });
    expect(parsePermitEntry('localhost:*', true)).toEqual({ host: 'localhost', port: '*' });
    for (const bad of ['8080', 'host:99999', 'host:', ':80', 'a b:1', 'host:x'])
      expect(() => parsePermitEntry(bad, false), bad).toThrow(ForwardingPolicyError);
    expect(resolveForwardingPolicy({ permitOpen: ['none'] }).permitOpen).toEqual([]);
    expect(resolveForwardingPolicy({ permitOpen: ['any'] }).permitOpen).toBe('any');
    expect(() => resolveForwardingPolicy({ gatewayPorts: 'maybe' as 'yes' })).toThrow(ForwardingPolicyError);
    expect(() => resolveForwardingPolicy({ streamLocalListenDirs: ['relative'] })).toThrow(
      ForwardingPolicyError,
    );
  });

  it('direct-tcpip needs the server direction, the account flag and both permit lists', () => {
    const any = resolveForwardingPolicy();
    expect(checkDirectTcpip(any, user(), 'db', 5432).ok).toBe(true);
    expect(
      checkDirectTcpip(resolveForwardingPolicy({ allowTcpForwarding: 'remote' }), user(), 'db', 5432).ok,
    ).toBe(false);
    expect(checkDirectTcpip(any, user({ portForwarding: false }), 'db', 5432).ok).toBe(false);
    const server = resolveForwardingPolicy({ permitOpen: ['db:5432', '*:80'] });
    expect(checkDirectTcpip(server, user(), 'DB', 5432).ok).toBe(true);
    expect(checkDirectTcpip(server, user(), 'db', 5433).ok).toBe(false);
    expect(checkDirectTcpip(server, user(), 'web', 80).ok).toBe(true);
    const keyed = user({ permitOpen: [{ host: 'db', port: '*' }] });
    expect(checkDirectTcpip(server, keyed, 'db', 5432).ok).toBe(true);
    expect(checkDirectTcpip(server, keyed, 'web', 80).ok).toBe(false);
    expect(checkDirectTcpip(resolveForwardingPolicy({ permitOpen: ['none'] }), user(), 'db', 5432).ok).toBe(
      false,
    );
  });

  it('tcpip-forward refuses privileged ports, unlisted addresses and port 0 without a reply', () => {
    const any = resolveForwardingPolicy();
    expect(checkTcpipForward(any, user(), 'localhost', 8080, true).ok).toBe(true);
    expect(checkTcpipForward(any, user(), 'localhost', 0, true).ok).toBe(true);
    expect(checkTcpipForward(any, user(), 'localhost', 0, false).ok).toBe(false);
    expect(checkTcpipForward(any, user(), 'localhost', 80, true).ok).toBe(false);
    expect(
      checkTcpipForward(resolveForwardingPolicy({ allowPrivilegedPorts: true }), user(), '', 80, true).ok,
    ).toBe(true);
    expect(
      checkTcpipForward(resolveForwardingPolicy({ allowTcpForwarding: 'local' }), user(), '', 8080, true).ok,
    ).toBe(false);
    const server = resolveForwardingPolicy({ permitListen: ['localhost:8080', '9000'] });
    expect(checkTcpipForward(server, user(), 'LOCALHOST', 8080, true).ok).toBe(true);
    expect(checkTcpipForward(server, user(), '0.0.0.0', 8080, true).ok).toBe(false);
    expect(checkTcpipForward(server, user(), '0.0.0.0', 9000, true).ok).toBe(true);
    expect(checkTcpipForward(server, user(), 'localhost', 0, true).ok).toBe(false);
    const keyed = user({ permitListen: [{ host: 'localhost', port: 9000 }] });
    expect(checkTcpipForward(server, keyed, 'localhost', 9000, true).ok).toBe(true);
    expect(checkTcpipForward(server, keyed, 'localhost', 8080, true).ok).toBe(false);
  });

  it('unix sockets and agents follow their own switches and the account flags', () => {
    const p = resolveForwardingPolicy({ allowStreamLocalForwarding: 'local', allowAgentForwarding: false });
    expect(checkStreamLocal(p, user(), 'local').ok).toBe(true);
    expect(checkStreamLocal(p, user(), 'remote').ok).toBe(false);
    expect(checkStreamLocal(resolveForwardingPolicy(), user({ portForwarding: false }), 'local').ok).toBe(
      false,
    );
    expect(checkAgentForwarding(p, user()).ok).toBe(false);
    expect(checkAgentForwarding(resolveForwardingPolicy(), user()).ok).toBe(true);
    expect(checkAgentForwarding(resolveForwardingPolicy(), user({ agentForwarding: false })).ok).toBe(false);
  });
});

describe('GatewayPorts bind plans (as sshd channel_fwd_bind_addr)', () => {
  it('no: loopback, keeping an explicit 127.0.0.1 or ::1', () => {
    expect(bindPlan('no', 'localhost')).toEqual({ kind: 'loopback' });
    expect(bindPlan('no', '')).toEqual({ kind: 'loopback' });
    expect(bindPlan('no', '0.0.0.0')).toEqual({ kind: 'loopback' });
    expect(bindPlan('no', '127.0.0.1')).toEqual({ kind: 'address', address: '127.0.0.1' });
    expect(bindPlan('no', '::1')).toEqual({ kind: 'address', address: '::1' });
  });
  it('yes: every interface', () => {
    expect(bindPlan('yes', 'localhost')).toEqual({ kind: 'wildcard' });
    expect(bindPlan('yes', '127.0.0.1')).toEqual({ kind: 'wildcard' });
  });
  it('clientspecified: what the client named', () => {
    expect(bindPlan('clientspecified', '')).toEqual({ kind: 'wildcard' });
    expect(bindPlan('clientspecified', '*')).toEqual({ kind: 'wildcard' });
    expect(bindPlan('clientspecified', 'localhost')).toEqual({ kind: 'loopback' });
    expect(bindPlan('clientspecified', '127.0.0.2')).toEqual({ kind: 'address', address: '127.0.0.2' });
  });
});
