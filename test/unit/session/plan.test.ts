import { describe, expect, it } from 'vitest';
import type { SessionPolicy } from '../../../src/auth/types.js';
import { HandlerRegistry } from '../../../src/connection/handler-registry.js';
import { silentLogger } from '../../../src/log/logger.js';
import { planStart, type PlanInput, type StartRequest } from '../../../src/session/plan.js';
import type { SessionCommand, ShellHandler, SubsystemHandler } from '../../../src/session/types.js';

const full: SessionPolicy = {
  shell: true,
  exec: true,
  sftp: true,
  pty: true,
  portForwarding: false,
  agentForwarding: false,
  permitOpen: [],
  permitListen: [],
  environment: [],
  sftpReadOnly: false,
  umask: 0o022,
};
const sftpOnly: SessionPolicy = { ...full, shell: false, exec: false, pty: false };

function input(
  policy: SessionPolicy,
  setup: (i: PlanInput) => void = () => undefined,
  processes = true,
): PlanInput {
  const i: PlanInput = {
    policy,
    shells: new HandlerRegistry<ShellHandler>('shell'),
    subsystems: new HandlerRegistry<SubsystemHandler>('subsystem'),
    subsystemCommands: { legacy: '/usr/lib/legacy-server' },
    processes,
    contextFor: () => ({
      user: { name: 'alice', home: '/h', policy, methods: [] },
      connection: {
        id: 'c',
        remoteAddress: '',
        remotePort: 0,
        localAddress: '',
        localPort: 0,
        clientVersion: '',
      },
      log: silentLogger,
      channelId: 0,
    }),
  };
  setup(i);
  return i;
}

const seen: SessionCommand[] = [];
const shellHandler = (
  name: string,
  serves: ShellHandler['serves'],
  accept: (c: SessionCommand) => boolean,
  requires?: ShellHandler['requires'],
): ShellHandler => ({
  name,
  serves,
  ...(requires ? { requires } : {}),
  accept: (c) => {
    seen.push(c);
    return accept(c) ? { kind: 'run', run: async () => 0 } : { kind: 'decline' };
  },
});
const subsystem = (name: string, requires: SubsystemHandler['requires']): SubsystemHandler => ({
  name,
  requires,
  start: async () => undefined,
});

const exec = (command: string): StartRequest => ({ kind: 'exec', command });

describe('planStart', () => {
  it('runs processes for accounts that may, and refuses the rest', async () => {
    expect(await planStart({ kind: 'shell' }, input(full))).toEqual({
      kind: 'process',
      target: { kind: 'login-shell' },
    });
    expect(await planStart(exec('ls'), input(full))).toEqual({
      kind: 'process',
      target: { kind: 'command', command: 'ls' },
    });
    expect((await planStart({ kind: 'shell' }, input(sftpOnly))).kind).toBe('refuse');
    expect((await planStart(exec('ls'), input(sftpOnly))).kind).toBe('refuse');
    expect((await planStart(exec('ls'), input(full, undefined, false))).kind).toBe('refuse');
  });

  it('tries shell handlers in registration order; a decline passes to the next', async () => {
    seen.length = 0;
    const i = input(full, (i) => {
      i.shells.add(
        shellHandler('a', ['exec'], (c) => c.kind === 'exec' && c.command === 'a'),
        'p1',
      );
      i.shells.add(
        shellHandler('b', ['exec', 'shell'], (c) => c.kind === 'shell' || c.command.startsWith('b')),
        'p2',
      );
    });
    expect(await planStart(exec('a'), i)).toMatchObject({
      kind: 'handler',
      name: 'a',
      owner: 'p1',
      serves: 'exec',
    });
    expect(await planStart(exec('bee'), i)).toMatchObject({ kind: 'handler', name: 'b', owner: 'p2' });
    expect(await planStart({ kind: 'shell' }, i)).toMatchObject({ kind: 'handler', name: 'b' });
    expect(await planStart(exec('other'), i)).toMatchObject({ kind: 'process' });
  });

  it('skips handlers whose permission the account lacks; a handler may require only sftp', async () => {
    const i = input(sftpOnly, (i) => {
      i.shells.add(
        shellHandler('exec-only', ['exec'], () => true),
        'p',
      );
      i.shells.add(
        shellHandler('scp', ['exec'], (c) => c.kind === 'exec' && c.command.startsWith('scp '), 'sftp'),
        'p',
      );
    });
    expect(await planStart(exec('scp -t .'), i)).toMatchObject({ kind: 'handler', name: 'scp' });
    expect((await planStart(exec('ls'), i)).kind).toBe('refuse');
  });

  it('a handler that throws in accept refuses the request', async () => {
    const i = input(full, (i) =>
      i.shells.add(
        {
          name: 'bad',
          serves: ['exec'],
          accept: () => {
            throw new Error('boom');
          },
        },
        'p',
      ),
    );
    expect(await planStart(exec('x'), i)).toEqual({ kind: 'refuse', reason: 'handler failed' });
  });

  it('subsystems: registered handlers with their permission, configured commands, unknown names', async () => {
    const i = (policy: SessionPolicy) =>
      input(policy, (i) => {
        i.subsystems.add(subsystem('sftp', 'sftp'), 'core');
        i.subsystems.add(subsystem('echo@x', 'exec'), 'p');
      });
    expect(await planStart({ kind: 'subsystem', name: 'sftp' }, i(sftpOnly))).toMatchObject({
      kind: 'handler',
      serves: 'subsystem',
      owner: 'core',
    });
    expect((await planStart({ kind: 'subsystem', name: 'sftp' }, i({ ...full, sftp: false }))).kind).toBe(
      'refuse',
    );
    expect((await planStart({ kind: 'subsystem', name: 'echo@x' }, i(sftpOnly))).kind).toBe('refuse');
    expect(await planStart({ kind: 'subsystem', name: 'legacy' }, i(full))).toEqual({
      kind: 'process',
      target: { kind: 'command', command: '/usr/lib/legacy-server' },
    });
    expect((await planStart({ kind: 'subsystem', name: 'legacy' }, i(sftpOnly))).kind).toBe('refuse');
    expect((await planStart({ kind: 'subsystem', name: 'toString' }, i(full))).kind).toBe('refuse');
  });

  it('a forced command replaces every request and keeps the original; internal-sftp means sftp', async () => {
    const forced = { ...full, forcedCommand: 'backup.sh' };
    expect(await planStart(exec('rm -rf /'), input(forced))).toEqual({
      kind: 'process',
      target: { kind: 'command', command: 'backup.sh' },
      originalCommand: 'rm -rf /',
    });
    expect(await planStart({ kind: 'shell' }, input(forced))).toEqual({
      kind: 'process',
      target: { kind: 'command', command: 'backup.sh' },
    });
    expect(await planStart({ kind: 'subsystem', name: 'sftp' }, input(forced))).toMatchObject({
      originalCommand: 'sftp',
    });
    seen.length = 0;
    const routed = input(forced, (i) =>
      i.shells.add(
        shellHandler('r', ['exec'], () => true),
        'p',
      ),
    );
    expect(await planStart({ kind: 'shell' }, routed)).toMatchObject({ kind: 'handler', name: 'r' });
    expect(seen).toEqual([{ kind: 'exec', command: 'backup.sh' }]);
    const internal = input({ ...sftpOnly, forcedCommand: 'internal-sftp' }, (i) =>
      i.subsystems.add(subsystem('sftp', 'sftp'), 'core'),
    );
    expect(await planStart(exec('ls'), internal)).toMatchObject({
      kind: 'handler',
      serves: 'subsystem',
      name: 'sftp',
    });
  });
});
