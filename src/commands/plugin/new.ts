import { isAbsolute, relative, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, yesFlag } from '../../cli/base-command.js';
import { ExitCode, UserError } from '../../cli/errors.js';
import { resolveAnswer, type FlaggablePrompt } from '../../cli/prompts.js';
import {
  checkDomain,
  checkPluginName,
  PLUGIN_KINDS,
  scaffoldPlugin,
  type PluginKind,
  type ScaffoldResult,
} from '../../plugins/scaffold.js';

const namePrompt: FlaggablePrompt = { message: 'Plugin name (a package name):', validate: checkPluginName };
const kindPrompt: FlaggablePrompt<PluginKind> = {
  message: 'What does the plugin add?',
  choices: PLUGIN_KINDS,
  default: 'subsystem',
};
const domainPrompt: FlaggablePrompt = {
  message: 'Your domain, for the name@domain of the subsystem or channel type:',
  default: 'example.com',
  validate: checkDomain,
};

/** `sshd-kit plugin new NAME --kind KIND`: scaffold a plugin package from templates/plugin/. */
export default class PluginNew extends BaseCommand<typeof PluginNew> {
  static override summary = 'Create a plugin package from a template: source, README and a test.';
  static override description =
    'Renders templates/plugin/ into a new folder (default ./NAME): src/index.ts with a subsystem, a channel type, exec commands or an interactive shell; a README; and test/plugin.test.ts, which starts sshd-kit serve with the plugin and talks to it with a real client (ssh, or the ssh2 client for a channel type). The package links this sshd-kit installation (a file: dependency) and pins the tools in a package-lock.json taken from it, so `npm install && npm test` work offline. sshd-kit compiles the TypeScript when it loads the plugin.';

  static override examples = [
    {
      description: 'A subsystem plugin in ./hello',
      command: '<%= config.bin %> <%= command.id %> hello --kind subsystem',
    },
    {
      description: 'A channel type under your domain, somewhere else',
      command: '<%= config.bin %> <%= command.id %> chat --kind channel --domain acme.dev --out ~/src/chat',
    },
  ];

  static override args = {
    name: Args.string({ description: 'Plugin (and package) name.' }),
  };

  static override flags = {
    name: Flags.string({ summary: 'Plugin name (the same as the NAME argument).' }),
    kind: Flags.string({ summary: 'What the plugin adds.', options: [...PLUGIN_KINDS] }),
    out: Flags.string({ summary: 'Folder to create (default ./NAME).' }),
    domain: Flags.string({ summary: 'Domain of the name@domain wire name (default example.com).' }),
    yes: yesFlag,
  };

  async run(): Promise<ScaffoldResult> {
    const ctx = {
      flags: { ...this.flags, name: this.args.name ?? this.flags.name },
      yes: this.flags.yes,
      interactive: this.interactivity.canPrompt,
    };
    const name = await resolveAnswer('name', namePrompt, ctx);
    const kind = await resolveAnswer('kind', kindPrompt, ctx);
    const domain =
      kind === 'subsystem' || kind === 'channel'
        ? await resolveAnswer('domain', domainPrompt, ctx)
        : 'example.com';
    const outDir = resolve(this.flags.out ?? name);
    let result: ScaffoldResult;
    try {
      result = await scaffoldPlugin({ name, kind, domain, outDir });
    } catch (err) {
      throw new UserError((err as Error).message, { exit: ExitCode.Failure, code: 'PLUGIN_NEW', cause: err });
    }
    if (!this.jsonEnabled()) {
      const rel = relative(process.cwd(), result.dir) || '.';
      // A bare name would be looked up as a package: show the folder as a path.
      const shown = rel.startsWith('.') || isAbsolute(rel) ? rel : `./${rel}`;
      this.log(`Created ${result.kind} plugin ${result.name} (${result.wireName}) in ${shown}`);
      this.log(`  cd ${shown} && npm install && npm test`);
      this.log(`  ${this.config.bin} serve --plugin ${shown}`);
    }
    return result;
  }
}
