/**
 * `exec` commands through a router that never hands client text to a shell:
 * `ssh -p 2222 alice@localhost date --utc`. The command line is split into words (quotes and
 * backslashes understood, nothing else: no variables, globs, pipes or redirections), the first
 * word picks a command from a fixed table, and the rest are its arguments, checked before use.
 * A command that is not in the table fails with status 127, as a shell would say "not found".
 *
 * Options: users (a list; others get the normal exec), fallthrough (true: unknown commands go on
 * to the next handler, finally the OS shell; default false).
 */
import { definePlugin, type SessionContext, type SessionIo } from 'sshd-kit';

/** Splits a command line into words, or says why it cannot. */
export function splitWords(text: string): string[] | { error: string } {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word = `${word ?? ''}${text[++i]}`;
      else word = `${word ?? ''}${c}`;
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { error: 'a backslash at the end' };
      word = (word ?? '') + text[++i];
    } else word = (word ?? '') + c;
  }
  if (quote) return { error: `an unclosed ${quote}` };
  if (word !== undefined) words.push(word);
  return words;
}

interface Command {
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  run(args: readonly string[], io: SessionIo, session: SessionContext): Promise<number> | number;
}

const say = (io: SessionIo, text: string) => void io.stdout.write(`${text}\n`);

export default definePlugin({
  name: 'exec-router',
  apiVersion: 1,
  description: 'exec commands from a fixed table; client text never reaches a shell',
  setup(ctx) {
    const users = Array.isArray(ctx.options['users']) ? ctx.options['users'].map(String) : undefined;
    const fallthrough = ctx.options['fallthrough'] === true;
    const started = Date.now();
    // Server events: count the channels each user opened since the plugin was loaded.
    const channels = new Map<string, number>();
    ctx.events.on('channel.open', (e) => {
      if (e.accepted) channels.set(e.user, (channels.get(e.user) ?? 0) + 1);
    });

    const commands: Record<string, Command> = {
      help: {
        usage: 'help',
        minArgs: 0,
        maxArgs: 0,
        run: (_a, io) => {
          for (const [name, c] of Object.entries(commands)) say(io, `${name.padEnd(8)} ${c.usage}`);
          return 0;
        },
      },
      whoami: { usage: 'whoami', minArgs: 0, maxArgs: 0, run: (_a, io, s) => (say(io, s.user.name), 0) },
      date: {
        usage: 'date [--utc]',
        minArgs: 0,
        maxArgs: 1,
        run: (args, io) => {
          if (args[0] !== undefined && args[0] !== '--utc') return (io.stderr.write('date: only --utc\n'), 2);
          const now = new Date();
          say(io, args[0] === '--utc' ? now.toISOString() : now.toString());
          return 0;
        },
      },
      echo: {
        usage: 'echo WORDS...',
        minArgs: 0,
        maxArgs: 64,
        run: (args, io) => (say(io, args.join(' ')), 0),
      },
      sum: {
        usage: 'sum NUMBER...',
        minArgs: 1,
        maxArgs: 64,
        run: (args, io) => {
          const numbers = args.map(Number);
          if (numbers.some((n) => !Number.isFinite(n))) return (io.stderr.write('sum: numbers only\n'), 2);
          say(io, String(numbers.reduce((a, b) => a + b, 0)));
          return 0;
        },
      },
      uptime: {
        usage: 'uptime',
        minArgs: 0,
        maxArgs: 0,
        run: (_a, io) => (say(io, `${Math.floor((Date.now() - started) / 1000)}s`), 0),
      },
      channels: {
        usage: 'channels (how many channels you opened)',
        minArgs: 0,
        maxArgs: 0,
        run: (_a, io, s) => (say(io, String(channels.get(s.user.name) ?? 0)), 0),
      },
    };

    ctx.shells.add({
      name: 'exec-router',
      serves: ['exec'],
      accept(command, session) {
        if (command.kind !== 'exec') return { kind: 'decline' };
        if (users && !users.includes(session.user.name)) return { kind: 'decline' };
        const words = splitWords(command.command);
        const fail = (status: number, text: string) => ({
          kind: 'run' as const,
          run: async (io: SessionIo) => (io.stderr.write(`${text}\n`), status),
        });
        if (!Array.isArray(words)) return fail(2, `cannot parse the command: ${words.error}`);
        const [name = '', ...args] = words;
        const found = Object.hasOwn(commands, name) ? commands[name] : undefined;
        if (!found) {
          if (fallthrough) return { kind: 'decline' };
          return fail(127, `${name.slice(0, 40)}: command not found (try help)`);
        }
        if (args.length < found.minArgs || args.length > found.maxArgs)
          return fail(2, `usage: ${found.usage}`);
        session.log.info({ command: name }, 'exec');
        return { kind: 'run', run: async (io) => found.run(args, io, session) };
      },
    });
  },
});
