import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitWords } from '../../plugins/exec-router/index.js';
import { HOST } from './session-helpers.js';
import { preparePlugins, startPluginServer, type PluginServer } from './plugin-helpers.js';

describe('example plugin: exec-router (ssh host command)', () => {
  let ts: PluginServer;
  beforeAll(async () => {
    await preparePlugins();
    ts = await startPluginServer([{ path: 'exec-router' }]);
  });
  afterAll(async () => ts?.close());

  const run = (...command: string[]) => ts.ssh('alice', [HOST, ...command]);

  it('runs commands from its table', async () => {
    const who = await run('whoami');
    expect([who.stdout.toString(), who.code]).toEqual(['alice\n', 0]);
    const date = await run('date', '--utc');
    expect(date.stdout.toString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);
    const sum = await run('sum', '1', '2', '3.5');
    expect(sum.stdout.toString()).toBe('6.5\n');
  });

  it('passes quoted words through as data, never to a shell', async () => {
    const r = await run('echo', "'a  b'", '"$HOME"', "'$(id)'", '`id`', "'; rm -rf /'");
    expect(r.stdout.toString()).toBe('a  b $HOME $(id) `id` ; rm -rf /\n');
    expect(r.code).toBe(0);
  });

  it('answers an unknown command with 127 instead of running it', async () => {
    const r = await run('ls;', 'id');
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('ls;: command not found (try help)');
    expect(r.stdout.toString()).toBe('');
  });

  it('checks argument counts and values', async () => {
    const usage = await run('whoami', 'extra');
    expect([usage.code, usage.stderr.trim()]).toEqual([2, 'usage: whoami']);
    const bad = await run('sum', 'one');
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'sum: numbers only']);
    const unclosed = await run('echo', '"open');
    expect([unclosed.code, unclosed.stderr.trim()]).toEqual([2, 'cannot parse the command: an unclosed "']);
  });

  it('counts the channels a user opened, from channel.open server events', async () => {
    const before = Number((await run('channels')).stdout.toString());
    await run('whoami');
    await run('whoami');
    const after = Number((await run('channels')).stdout.toString());
    expect(after - before).toBe(3);
  });

  it('leaves sftp-only accounts without exec', async () => {
    const r = await ts.ssh('bob', [HOST, 'whoami']);
    expect(r.code).not.toBe(0);
    expect(r.stdout.toString()).toBe('');
  });

  it('splits words like a shell would, without expanding anything', () => {
    expect(splitWords(`a 'b c' "d \\" e" f\\ g`)).toEqual(['a', 'b c', 'd " e', 'f g']);
    expect(splitWords(`''`)).toEqual(['']);
    expect(splitWords('x\\')).toEqual({ error: 'a backslash at the end' });
  });
});
