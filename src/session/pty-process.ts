import { closeSync, constants, openSync } from 'node:fs';
import type { IPty } from 'node-pty';
import type { ExitStatus } from '../connection/types.js';
import {
  exitStatusOf,
  hangUpGroup,
  killProcess,
  type LaunchSpec,
  type ProcessStreams,
  type PtySpec,
  type SessionProcess,
} from './process.js';
import { spawnWithNativePty } from './native-pty-process.js';
import { breakCharacter, clampForPty, LAUNCHER_SHELL, ptyLauncherArgs } from './pty-launch.js';
import { nativePtySpawn, type NativePtySpawn } from './spawn.js';

/** Writes queued inside node-pty above which we stop reading the client (pty input backpressure). */
const MAX_QUEUED_WRITES = 8;

/** How often a paused pty checks whether its process has exited (see `pauseOutput`). */
const EXIT_POLL_MS = 50;

/** node-pty's write queue, which its public API does not expose; absent in other versions. */
type WithWriteQueue = { _writeStream?: { _writeQueue?: unknown[] } };

/**
 * Opens the pty's slave side and keeps it open until node-pty reports the exit. libuv reads a
 * pty master in chunks and treats a hang-up after a short read as the end, so when the last
 * slave descriptor closed with output still queued, the rest was lost; with ours open there is
 * no hang-up, node-pty reads until it ends the terminal itself (200 ms after the process exits).
 */
function holdSlave(term: IPty, spec: LaunchSpec): number | undefined {
  const name = (term as unknown as { ptsName?: unknown }).ptsName;
  if (typeof name !== 'string' || !name.startsWith('/dev/')) return undefined;
  try {
    return openSync(name, constants.O_RDWR | constants.O_NOCTTY);
  } catch (err) {
    spec.log.debug({ err }, 'cannot hold the pty slave open');
    return undefined;
  }
}

/**
 * Starts a session's process on a new pty (RFC 4254 §6.2): with the native addon when it is
 * there (posix_spawn, the master read on the event loop to its end: see `native-pty-process.ts`),
 * else with node-pty. Either way output is paused while the channel is full, input is written
 * with a bounded queue, the window size follows `window-change`, and a client EOF is not passed
 * on (a pty has no half-close; OpenSSH behaves the same).
 */
export async function spawnWithPty(
  spec: LaunchSpec,
  pty: PtySpec,
  streams: ProcessStreams,
  native: NativePtySpawn | undefined = nativePtySpawn,
): Promise<SessionProcess> {
  return native ? spawnWithNativePty(native, spec, pty, streams) : spawnWithNodePty(spec, pty, streams);
}

/**
 * The node-pty way: node-pty forks the server to start the process and ends the terminal 200 ms
 * after the process exits (reading whatever came until then). A login shell gets `-l` (node-pty
 * cannot set argv[0]).
 */
async function spawnWithNodePty(
  spec: LaunchSpec,
  pty: PtySpec,
  streams: ProcessStreams,
): Promise<SessionProcess> {
  const { spawn } = await import('node-pty');
  const { cols, rows } = clampForPty(pty.size);
  const term: IPty = spawn(LAUNCHER_SHELL, ptyLauncherArgs(spec, pty), {
    name: pty.info.term,
    cols,
    rows,
    cwd: spec.cwd,
    env: { ...spec.env },
    encoding: null,
  });
  const { input, output } = streams;
  const pid = term.pid;
  const slave = holdSlave(term, spec);
  let exited = false;
  let hangup: { cancel(): void } | undefined;

  // ---- output: pty -> channel, paused while the channel's buffer is full ----
  let paused = false;
  let ignoreBackpressure = false;
  let exitPoll: NodeJS.Timeout | undefined;
  const resumeOutput = () => {
    if (!paused) return;
    paused = false;
    clearInterval(exitPoll);
    term.resume();
  };
  // node-pty drops unread output 200 ms after the process exits, so a paused pty whose process
  // is gone is drained at once (what is left is bounded by the kernel's pty buffer).
  const pauseOutput = () => {
    if (paused || ignoreBackpressure) return;
    paused = true;
    term.pause();
    exitPoll = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        ignoreBackpressure = true;
        resumeOutput();
      }
    }, EXIT_POLL_MS);
  };
  output.on('drain', resumeOutput);
  const dataListener = term.onData((data: string | Buffer) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (!output.writableEnded && !output.write(chunk)) pauseOutput();
  });

  // ---- input: channel -> pty, reading paused while node-pty holds too many writes ----
  const queued = () => (term as unknown as WithWriteQueue)._writeStream?._writeQueue?.length ?? 0;
  let inputWait: NodeJS.Timeout | undefined;
  const waitForQueue = () => {
    if (exited) return;
    if (queued() > 0) {
      inputWait = setTimeout(waitForQueue, 5);
      return;
    }
    inputWait = undefined;
    input.resume();
  };
  const onInput = (chunk: Buffer) => {
    if (exited) return;
    term.write(chunk as unknown as string);
    if (queued() >= MAX_QUEUED_WRITES && !inputWait) {
      input.pause();
      inputWait = setTimeout(waitForQueue, 5);
    }
  };
  input.on('data', onInput);

  const done = new Promise<ExitStatus>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      exited = true;
      if (slave !== undefined) closeSync(slave);
      hangup?.cancel();
      clearInterval(exitPoll);
      clearTimeout(inputWait);
      dataListener.dispose();
      output.off('drain', resumeOutput);
      input.off('data', onInput);
      input.resume();
      resolve(exitStatusOf(exitCode, signal));
    });
  });

  return {
    pid,
    done,
    signal: (name) => {
      if (!exited) killProcess(pid, `SIG${name}`);
    },
    resize: (size) => {
      if (exited) return;
      const s = clampForPty(size);
      try {
        term.resize(s.cols, s.rows);
      } catch (err) {
        spec.log.debug({ err }, 'pty resize failed');
      }
    },
    sendBreak: () => {
      if (exited) return false;
      term.write(Buffer.from([breakCharacter(pty)]) as unknown as string);
      return true;
    },
    // A pty has one stream for input and output; it cannot be shut in one direction.
    stopOutput: () => undefined,
    hangUp: () => {
      if (!exited && !hangup) hangup = hangUpGroup(pid, spec.killGraceMs);
    },
  };
}
