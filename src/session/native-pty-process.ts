import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
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
import { breakCharacter, clampForPty, LAUNCHER_SHELL, ptyLauncherArgs } from './pty-launch.js';
import type { NativePtyHandle, NativePtySpawn, PtyWindow } from './spawn.js';
import type { TerminalSize } from './types.js';

/** Client input waiting for the pty above which the client is no longer read (input backpressure). */
const MAX_QUEUED_INPUT = 64 * 1024;

/**
 * Output read after the process exited beyond which the session ends anyway: what the exited
 * process wrote is bounded by the kernel's pty buffer, so more comes from a background job still
 * writing to the terminal, which must not keep the session open for ever.
 */
const MAX_OUTPUT_AFTER_EXIT = 1024 * 1024;

const EAGAIN = -constants.errno.EAGAIN;

/** The window for the addon: at least one column and row, and the pixel size the client gave. */
function windowOf(size: TerminalSize): PtyWindow {
  const { cols, rows } = clampForPty(size);
  return [cols, rows, size.widthPx, size.heightPx];
}

/**
 * Starts a session's process on a new pty through the native addon (RFC 4254 §6.2): posix_spawn
 * instead of a fork of the server, the slave its controlling terminal, the master read on the
 * event loop until the kernel has nothing more. The session ends as soon as the process has
 * exited and its output is read, with nothing lost (node-pty waits 200 ms, and drops what comes
 * later). Output is paused while the channel is full; client input is queued up to
 * {@link MAX_QUEUED_INPUT} bytes, then the client is not read until the pty takes it.
 */
export function spawnWithNativePty(
  native: NativePtySpawn,
  spec: LaunchSpec,
  pty: PtySpec,
  streams: ProcessStreams,
): SessionProcess {
  const { input, output } = streams;
  let handle: NativePtyHandle | undefined;
  let exit: ExitStatus | undefined;
  let outputEnded = false;
  let settled = false;
  let hangup: { cancel(): void } | undefined;
  let resolveDone: (status: ExitStatus) => void = () => undefined;
  const done = new Promise<ExitStatus>((resolve) => (resolveDone = resolve));

  // ---- output: pty -> channel, paused while the channel's buffer is full ----
  let paused = false;
  let outputGone = false;
  let afterExit = 0;
  const resumeOutput = () => {
    if (!paused || !handle) return;
    paused = false;
    native.ptyPause(handle, false);
  };
  // A channel that closed takes nothing more: what the pty still holds is read and dropped.
  const onOutputGone = () => {
    outputGone = true;
    resumeOutput();
  };
  const onData = (data: Buffer | null) => {
    if (data === null) return endOutput();
    if (exit !== undefined && (afterExit += data.length) > MAX_OUTPUT_AFTER_EXIT) return endOutput();
    if (outputGone || output.writableEnded || output.destroyed) return;
    if (!output.write(data) && !paused && handle) {
      paused = true;
      native.ptyPause(handle, true);
    }
  };

  // ---- input: channel -> pty, the client not read while too much waits ----
  const queue: Buffer[] = [];
  let queued = 0;
  let waitingForRoom = false;
  let inputPaused = false;
  const flushInput = () => {
    while (queue.length > 0 && handle) {
      const head = queue[0]!;
      const n = native.ptyWrite(handle, head);
      if (n === EAGAIN) {
        waitingForRoom = true;
        native.ptyWaitWritable(handle);
        return;
      }
      if (n < 0) {
        // EIO: nothing reads the terminal any more; the input has nowhere to go.
        queue.length = 0;
        queued = 0;
        break;
      }
      queued -= n;
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
    }
    if (inputPaused && queued <= MAX_QUEUED_INPUT) {
      inputPaused = false;
      input.resume();
    }
  };
  const onWritable = () => {
    waitingForRoom = false;
    flushInput();
  };
  const onInput = (chunk: Buffer) => {
    if (exit !== undefined || !handle) return;
    queue.push(chunk);
    queued += chunk.length;
    if (!waitingForRoom) flushInput();
    if (queued > MAX_QUEUED_INPUT && !inputPaused) {
      inputPaused = true;
      input.pause();
    }
  };

  // ---- the end: the process exited and its output is all read ----
  const finishIfDone = () => {
    if (settled || exit === undefined || !outputEnded) return;
    settled = true;
    hangup?.cancel();
    output.off('drain', resumeOutput);
    output.off('close', onOutputGone);
    input.off('data', onInput);
    // Whatever the client still sends is read and dropped, so its window keeps moving.
    input.resume();
    if (handle) native.ptyClose(handle);
    handle = undefined;
    resolveDone(exit);
  };
  function endOutput(): void {
    outputEnded = true;
    finishIfDone();
  }
  const onExit = (code: number, signal: number) => {
    exit = exitStatusOf(code >= 0 ? code : null, signal > 0 ? signal : null);
    if (handle && !outputEnded) native.ptyExited(handle);
    finishIfDone();
  };

  const env = Object.entries(spec.env).map(([name, value]) => `${name}=${value}`);
  const started = native.spawnPty(
    LAUNCHER_SHELL,
    [LAUNCHER_SHELL, ...ptyLauncherArgs(spec, pty)],
    env,
    spec.cwd,
    windowOf(pty.size),
    onExit,
    onData,
    onWritable,
  );
  if (typeof started === 'number') {
    const code = getSystemErrorName(started);
    throw Object.assign(new Error(`cannot start a process on a pty: ${code}`), { code, errno: started });
  }
  const [pid, startedHandle] = started;
  handle = startedHandle;
  output.on('drain', resumeOutput);
  output.once('close', onOutputGone);
  input.on('data', onInput);

  return {
    pid,
    done,
    signal: (name) => {
      if (exit === undefined) killProcess(pid, `SIG${name}`);
    },
    resize: (size) => {
      if (!handle) return;
      const result = native.ptyResize(handle, windowOf(size));
      if (result < 0) spec.log.debug({ errno: result }, 'pty resize failed');
    },
    sendBreak: () => {
      if (exit !== undefined || !handle) return false;
      onInput(Buffer.from([breakCharacter(pty)]));
      return true;
    },
    // A pty has one stream for input and output; it cannot be shut in one direction.
    stopOutput: () => undefined,
    hangUp: () => {
      // The client is gone: what the pty holds or still gets is read and dropped, not waited on.
      onOutputGone();
      if (exit === undefined && !hangup) hangup = hangUpGroup(pid, spec.killGraceMs);
    },
  };
}
