import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST } from './session-helpers.js';
import { preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

describe('example plugin: echo@sshd-kit (OpenSSH ssh -s)', () => {
  let ts: PluginServer;
  beforeAll(async () => {
    await preparePlugins();
    ts = await startPluginServer([{ path: 'echo', options: { greeting: 'hello from echo' } }]);
  });
  afterAll(async () => ts?.close());

  it('is loaded from the project plugins folder and lists what it registered', () => {
    const echo = ts.report.installed.find((p) => p.name === 'echo');
    expect(echo?.entry).toMatch(/plugins\/echo\/index\.ts$/);
    expect(echo?.registrations.subsystems).toEqual(['echo@sshd-kit']);
    expect(ts.server.plugins.list().map((p) => p.name)).toEqual(['session', 'sftp', 'forwarding', 'echo']);
  });

  it('echoes text after its greeting and exits 0', async () => {
    const r = await ts.ssh('alice', ['-s', HOST, 'echo@sshd-kit'], { input: 'one\ntwo\n' });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('hello from echo\none\ntwo\n');
    expect(r.code).toBe(0);
  });

  it('echoes 4 MiB of binary data byte-exact', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const r = await ts.ssh('alice', ['-s', HOST, 'echo@sshd-kit'], { input: data });
    expect(r.code).toBe(0);
    const body = r.stdout.subarray('hello from echo\n'.length);
    expect(body.equals(data)).toBe(true);
  });

  it('serves an sftp-only account too (it requires no permission)', async () => {
    const r = await ts.ssh('bob', ['-s', HOST, 'echo@sshd-kit'], { input: 'bob\n' });
    expect(r.stdout.toString()).toBe('hello from echo\nbob\n');
  });
});
