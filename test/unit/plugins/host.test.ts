import { describe, expect, it } from 'vitest';
import { ServerEventEmitter } from '../../../src/plugins/events.js';
import { createHandlerRegistries, PluginHost } from '../../../src/plugins/host.js';
import { definePlugin, type PluginContext, type SshdPlugin } from '../../../src/plugins/plugin.js';
import type { SubsystemHandler } from '../../../src/session/types.js';
import { memoryLogger } from '../../integration/plugin-helpers.js';

function setup() {
  const log = memoryLogger();
  const registries = createHandlerRegistries();
  const events = new ServerEventEmitter(log);
  const host = new PluginHost({ registries, events, log, setupTimeoutMs: 200 });
  return { log, registries, events, host };
}

const subsystem = (name: string): SubsystemHandler => ({ name, requires: 'none', start: async () => 0 });
const plugin = (
  name: string,
  setup: (ctx: PluginContext) => void | Promise<void>,
  extra: Partial<SshdPlugin> = {},
) => definePlugin({ name, apiVersion: 1, setup, ...extra });

describe('PluginHost', () => {
  it('installs into the registries under the plugin name and lists what it registered', async () => {
    const { host, registries } = setup();
    const installed = await host.install(
      plugin('echo', (ctx) => {
        ctx.subsystems.add(subsystem('echo@test'));
        ctx.events.on('connection.open', () => undefined);
      }),
      { source: './echo.ts', options: { a: 1 } },
    );
    expect(registries.subsystems.ownerOf('echo@test')).toBe('echo');
    expect(installed).toMatchObject({
      name: 'echo',
      source: './echo.ts',
      builtin: false,
      registrations: { subsystems: ['echo@test'], channelTypes: [], events: ['connection.open'] },
    });
  });

  it('hands each plugin its options (frozen), a logger bound to its name, and a signal aborted on uninstall', async () => {
    const { host, log } = setup();
    let seen: PluginContext | undefined;
    await host.install(
      plugin('p', (ctx) => void (seen = ctx)),
      { options: { greeting: 'hi' } },
    );
    expect(seen?.options).toEqual({ greeting: 'hi' });
    expect(Object.isFrozen(seen?.options)).toBe(true);
    seen?.log.info({}, 'hello');
    expect(log.lines.at(-1)?.fields['plugin']).toBe('p');
    expect(seen?.signal.aborted).toBe(false);
    await host.uninstall('p');
    expect(seen?.signal.aborted).toBe(true);
    expect(() => seen?.subsystems.add(subsystem('late@test'))).toThrow(/plugin p is disposed/);
  });

  it('refuses a handler name another plugin holds, naming both plugins', async () => {
    const { host } = setup();
    await host.install(plugin('first', (ctx) => ctx.subsystems.add(subsystem('x@test'))));
    await expect(
      host.install(plugin('second', (ctx) => ctx.subsystems.add(subsystem('x@test')))),
    ).rejects.toThrow(
      'plugin second (library): setup failed: subsystem "x@test" from second collides with the one registered by first',
    );
    expect(host.list().map((p) => p.name)).toEqual(['first']);
  });

  it('refuses a second plugin of the same name', async () => {
    const { host } = setup();
    await host.install(
      plugin('dup', () => undefined),
      { source: 'a.ts' },
    );
    await expect(
      host.install(
        plugin('dup', () => undefined),
        { source: 'b.ts' },
      ),
    ).rejects.toThrow('plugin dup from b.ts collides with the plugin of that name from a.ts');
  });

  it('rolls everything back when setup fails, rejects or times out', async () => {
    const { host, registries, events } = setup();
    for (const failing of [
      () => {
        throw new Error('boom');
      },
      async () => Promise.reject(new Error('nope')),
      () => new Promise<void>(() => undefined),
    ]) {
      await expect(
        host.install(
          plugin('bad', async (ctx) => {
            ctx.subsystems.add(subsystem('bad@test'));
            ctx.events.on('sftp.op', () => undefined);
            await failing();
          }),
        ),
      ).rejects.toThrow(
        /^plugin bad \(library\): setup failed: (boom|nope|setup of plugin bad did not answer within 200 ms)$/,
      );
      expect(registries.subsystems.get('bad@test')).toBeUndefined();
      expect(events.listenerCount('sftp.op')).toBe(0);
      expect(host.get('bad')).toBeUndefined();
    }
  });

  it('lets a plugin replace a handler, and gives the previous one back when it is uninstalled', async () => {
    const { host, registries } = setup();
    const original = subsystem('sftp');
    registries.subsystems.add(original, 'core');
    await host.install(plugin('my-sftp', (ctx) => ctx.subsystems.add(subsystem('sftp'), { replace: true })));
    expect(registries.subsystems.ownerOf('sftp')).toBe('my-sftp');
    await host.uninstall('my-sftp');
    expect(registries.subsystems.get('sftp')).toBe(original);
    expect(registries.subsystems.ownerOf('sftp')).toBe('core');
  });

  it('installSync takes only synchronous setups', () => {
    const { host } = setup();
    expect(() => host.installSync(plugin('async', async () => undefined))).toThrow(
      /setup returned a promise/,
    );
    expect(
      host.installSync(plugin('sync', (ctx) => ctx.subsystems.add(subsystem('s@test')))).registrations
        .subsystems,
    ).toEqual(['s@test']);
  });

  it('uninstallLoaded keeps built-ins; dispose runs, and its failure is logged with the plugin', async () => {
    const { host, log } = setup();
    host.installSync(
      plugin('builtin', () => undefined),
      { builtin: true },
    );
    await host.install(
      plugin('loaded', () => undefined, {
        dispose() {
          throw new Error('dispose boom');
        },
      }),
    );
    await host.uninstallLoaded();
    expect(host.list().map((p) => p.name)).toEqual(['builtin']);
    expect(log.lines.find((l) => l.msg === 'plugin dispose failed')?.fields['plugin']).toBe('loaded');
  });

  it('checks handlers as they are added', async () => {
    const { host } = setup();
    const attempts: [string, (ctx: PluginContext) => void, RegExp][] = [
      [
        'a',
        (ctx) => ctx.subsystems.add({ name: 'x@t', requires: 'root' } as never),
        /has no start\(\) function/,
      ],
      [
        'b',
        (ctx) => ctx.subsystems.add({ name: 'x@t', requires: 'root', start: async () => 0 } as never),
        /needs requires/,
      ],
      [
        'c',
        (ctx) =>
          ctx.shells.add({ name: 'x', serves: ['login'], accept: () => ({ kind: 'decline' }) } as never),
        /needs serves/,
      ],
      ['d', (ctx) => ctx.channelTypes.add({ name: '' } as never), /needs a name/],
      ['e', (ctx) => ctx.events.on('no.such' as never, () => undefined), /unknown server event "no.such"/],
    ];
    for (const [name, body, pattern] of attempts)
      await expect(host.install(plugin(name, body))).rejects.toThrow(pattern);
  });

  it('warns when a plugin registers a wire name that is not name@domain', async () => {
    const { host, log } = setup();
    await host.install(plugin('plain', (ctx) => ctx.subsystems.add(subsystem('plainname'))));
    expect(log.lines.find((l) => l.level === 'warn')?.msg).toMatch(
      /"plainname" is not of the form name@domain/,
    );
  });
});
