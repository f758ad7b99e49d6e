import { copiesBeforeCallback } from '../connection/channel.js';
import type { ExitStatus } from '../connection/types.js';
import { shellArgv0 } from './environment.js';
import {
  exitStatusOf,
  hangUpGroup,
  killProcess,
  type LaunchSpec,
  type ProcessStreams,
  type SessionProcess,
} from './process.js';
import { spawnPiped } from './spawn.js';
import { StdinFeed } from './stdin-feed.js';

/**
 * Starts a session's process without a pty (RFC 4254 §6.5): stdin, stdout and stderr are pipes
 * wired to the channel with backpressure both ways (a full channel pauses the child's output,
 * a full pipe stops reading the client). The child gets its own session and process group
 * (`setsid`), so it has no controlling terminal and a hang-up reaches everything it started.
 * Throws if the process cannot be created at all.
 */
export function spawnWithPipes(spec: LaunchSpec, streams: ProcessStreams): SessionProcess {
  const login = spec.target.kind === 'login-shell';
  const argv0 = shellArgv0(spec.shell, login);
  const { input, output, stderr } = streams;
  // The channel's EOF waits for the exit status (channel.exit sends EOF, exit-status, CLOSE at
  // once): a client whose stdin is done answers EOF with CLOSE, after which no status can follow.
  // So the child's output never ends the channel's. A channel's outputs copy what they are given
  // at once, so the child's output can be read into them through reused buffers.
  const child = spawnPiped({
    file: spec.shell,
    argv: spec.target.kind === 'command' ? [argv0, '-c', spec.target.command] : [argv0],
    env: spec.env,
    cwd: spec.cwd,
    outputs: {
      stdout: output,
      stderr,
      copyBeforeCallback: copiesBeforeCallback(output) && copiesBeforeCallback(stderr),
    },
  });

  let exit: ExitStatus | undefined;
  let hangup: { cancel(): void } | undefined;
  let settled = false;
  const done = new Promise<ExitStatus>((resolve) => {
    const finish = (status: ExitStatus) => {
      if (settled) return;
      settled = true;
      hangup?.cancel();
      // Whatever the client still sends is read and dropped, so its window keeps moving.
      feed.stop();
      resolve(status);
    };
    child.on('exit', (code, signal) => (exit = exitStatusOf(code, signal)));
    // 'close' comes after 'exit' once every pipe is drained: the output is all in the channel.
    child.on('close', (code, signal) => finish(exit ?? exitStatusOf(code, signal)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      spec.log.warn({ err: { code: err.code, message: err.message } }, 'session process failed to start');
      if (!stderr.writableEnded)
        stderr.write(`sshd-kit: cannot run ${spec.shell}: ${err.code ?? err.message}\n`);
      finish(err.code === 'ENOENT' ? 127 : 126);
    });
  });

  const feed = new StdinFeed(input, child.stdin);
  // The child may exit without reading its input: EPIPE is expected, not an error.
  child.stdin.on('error', () => feed.stop());

  const pid = child.pid ?? -1;
  return {
    pid,
    done,
    signal: (name) => {
      if (pid > 0 && exit === undefined) killProcess(pid, `SIG${name}`);
    },
    resize: () => undefined,
    sendBreak: () => false,
    stopOutput: () => {
      child.stdout.unpipe(output);
      child.stdout.destroy();
    },
    hangUp: () => {
      if (pid > 0 && !hangup && !settled) hangup = hangUpGroup(pid, spec.killGraceMs);
    },
  };
}
