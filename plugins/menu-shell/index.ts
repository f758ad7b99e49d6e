/**
 * An interactive shell app in place of /bin/sh (the seed's "program an interactive shell"):
 * `ssh -p 2222 alice@localhost` lands in a small menu written with the line-oriented send/recv
 * API (`createLineIo`), which echoes and edits lines itself on a pty (backspace, Ctrl-U, Ctrl-C,
 * Ctrl-D) and reads plain lines without one.
 *
 * Options: users (a list; others get the normal shell), title (the greeting).
 */
import { createLineIo, definePlugin, type LineIo, type SessionContext, type SessionIo } from 'sshd-kit';

const HELP = [
  'help          this list',
  'whoami        your user name and where you came from',
  'date          the server time',
  'size          your terminal size',
  'note TEXT     keep a note (kept while the server runs)',
  'notes         your notes',
  'guess         a number game',
  'exit [N]      leave with exit status N',
].join('\n');

async function guessGame(line: LineIo): Promise<void> {
  const secret = 1 + Math.floor(Math.random() * 100);
  await line.send('I picked a number from 1 to 100.\n');
  for (let tries = 1; ; tries++) {
    const answer = await line.recv({ prompt: 'guess> ' });
    if (answer === null) return;
    const n = Number(answer.trim());
    if (!Number.isInteger(n)) await line.send('a whole number, please\n');
    else if (n < secret) await line.send('higher\n');
    else if (n > secret) await line.send('lower\n');
    else return line.send(`yes, ${secret}, in ${tries} ${tries === 1 ? 'try' : 'tries'}\n`);
  }
}

async function menu(io: SessionIo, ctx: SessionContext, title: string, notes: string[]): Promise<number> {
  const line = createLineIo(io);
  const user = ctx.user.name;
  io.onSignal((signal) => ctx.log.debug({ signal }, 'signal received'));
  await line.send(`${title}, ${user}. Type help for the commands.\n`);
  for (;;) {
    const input = await line.recv({ prompt: `${user}> ` });
    if (input === null) {
      await line.send('bye\n');
      return 0;
    }
    const [command = '', ...args] = input.trim().split(/\s+/);
    switch (command) {
      case '':
        break;
      case 'help':
        await line.send(`${HELP}\n`);
        break;
      case 'whoami':
        await line.send(`${user} from ${ctx.connection.remoteAddress}\n`);
        break;
      case 'date':
        await line.send(`${new Date().toISOString()}\n`);
        break;
      case 'size': {
        const size = io.size;
        await line.send(size ? `${size.cols}x${size.rows}\n` : 'no terminal (ssh -t gives one)\n');
        break;
      }
      case 'note':
        if (notes.length >= 100) await line.send('too many notes\n');
        else notes.push(args.join(' ').slice(0, 200));
        break;
      case 'notes':
        await line.send(notes.length === 0 ? 'no notes\n' : notes.map((n, i) => `${i + 1}. ${n}\n`).join(''));
        break;
      case 'guess':
        await guessGame(line);
        break;
      case 'exit': {
        const status = args[0] === undefined ? 0 : Number(args[0]);
        return Number.isInteger(status) && status >= 0 && status <= 255 ? status : 1;
      }
      default:
        await line.send(`unknown command: ${command.slice(0, 40)} (try help)\n`);
    }
  }
}

export default definePlugin({
  name: 'menu-shell',
  apiVersion: 1,
  description: 'an interactive menu in place of the login shell',
  setup(ctx) {
    const users = Array.isArray(ctx.options['users']) ? ctx.options['users'].map(String) : undefined;
    const title = typeof ctx.options['title'] === 'string' ? ctx.options['title'] : 'Welcome to sshd-kit';
    const notesByUser = new Map<string, string[]>();
    ctx.shells.add({
      name: 'menu-shell',
      serves: ['shell'],
      accept(_command, session) {
        // Declining hands the request on: to the next handler, finally to the normal shell.
        if (users && !users.includes(session.user.name)) return { kind: 'decline' };
        let notes = notesByUser.get(session.user.name);
        if (!notes) notesByUser.set(session.user.name, (notes = []));
        return { kind: 'run', run: (io) => menu(io, session, title, notes) };
      },
    });
  },
});
