import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { formatTable } from '../../cli/output.js';
import { listPlugins, type PluginListing } from '../../plugins/list.js';
import { ConfigError } from '../../server/config.js';
import { resolveServeConfig } from '../../server/serve-config.js';
import { describeRegistrations } from '../../plugins/serve-plugins.js';

/** `sshd-kit plugin list`: the plugins `serve` would load with this config, and what they register. */
export default class PluginList extends BaseCommand<typeof PluginList> {
  static override summary = 'Show the plugins serve would load, and what each registers.';
  static override description =
    'Reads the config (<data-dir>/config.yaml or --config) like serve does, loads the built-ins and every plugin it lists (plus --plugin) into an empty server, and shows each plugin with the channel types, subsystems, global requests, shell handlers and events it registers. Each plugin runs its setup and dispose. Exits 1 when a plugin that is not optional fails to load, as serve would.';

  static override examples = [
    { description: 'The plugins of the default config', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'With one more plugin, as JSON',
      command: '<%= config.bin %> <%= command.id %> --plugin ./my-plugin --json',
    },
  ];

  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Config file (default <data-dir>/config.yaml).' }),
    plugin: Flags.string({ summary: 'Plugin file or npm package to add (repeatable).', multiple: true }),
  };

  async run(): Promise<PluginListing[]> {
    const { config } = await resolveServeConfig(this.dataDir, this.flags.config, {
      ...(this.flags.plugin ? { plugins: this.flags.plugin } : {}),
    }).catch((err: unknown) => {
      if (err instanceof ConfigError) throw new UserError(err.message, { code: 'CONFIG', cause: err });
      throw err;
    });
    const listing = await listPlugins(config.plugins, { baseDir: process.cwd() });
    if (!this.jsonEnabled()) {
      const rows = listing.map((p) => ({
        name: p.name ?? '-',
        source: p.builtin ? 'built-in' : p.source,
        status: p.status,
        registers: p.registrations ? describeRegistrations(p.registrations) : (p.error ?? ''),
      }));
      this.log(
        formatTable(rows, [
          { key: 'name', header: 'NAME' },
          { key: 'source', header: 'SOURCE' },
          { key: 'status', header: 'STATUS' },
          { key: 'registers', header: 'REGISTERS' },
        ]),
      );
    }
    const failed = listing.filter((p) => p.status === 'failed');
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new UserError(first.error ?? `plugin ${first.source} failed to load`, {
        exit: ExitCode.Failure,
        code: 'PLUGIN',
      });
    }
    return listing;
  }
}
