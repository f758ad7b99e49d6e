import { spawn } from 'node:child_process';

/** A server process a test runs in the foreground (HAProxy, Prometheus), with its output kept. */
export interface Daemon {
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and waits for it to exit (at once if it already has). */
  stop(): Promise<void>;
}

/** Starts `command` with `args`, collecting its output for failure messages. */
export function startDaemon(command: string, args: readonly string[]): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => (output += `\n${command}: ${err.message}\n`));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
