import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { addonPart } from '../native/addon.js';
import { readOutputInto } from './output-reader.js';
import { signalName } from './process.js';

/** The process starts of the native addon (`native/process-spawn.c`). */
export interface NativeProcessSpawn {
  /**
   * Starts `file` (absolute) with `argv` and exactly `env` ("NAME=value") in `cwd`, in a new
   * session with default signal dispositions: [pid, stdin, stdout, stderr] (the server's ends of
   * three unix socket pairs), or a negative errno when it cannot start. `onExit` is called once on
   * the event loop: (exit code, 0), or (-1, signal number).
   */
  spawnProcess(
    file: string,
    argv: readonly string[],
    env: readonly string[],
    cwd: string,
    onExit: (code: number, signal: number) => void,
  ): [pid: number, stdin: number, stdout: number, stderr: number] | number;
}

/** A pty's master side inside the native addon: opaque. */
export type NativePtyHandle = { readonly __nativePty: unique symbol };

/** A pty window size for the addon (RFC 4254 §6.2): characters, then pixels (0 when unknown). */
export type PtyWindow = readonly [cols: number, rows: number, widthPx: number, heightPx: number];

/** The pty process starts of the native addon (`native/process-spawn.c`, `native/pty-io.c`). */
export interface NativePtySpawn {
  /**
   * Starts `file` as {@link NativeProcessSpawn.spawnProcess} does, on a new pty of size `window`
   * that is its stdin, stdout, stderr and controlling terminal: [pid, pty], or a negative
   * errno. `onData` gets the output as it is read, then `null` once at its end (every slave
   * descriptor closed, or nothing more after {@link ptyExited}); `onWritable` follows
   * {@link ptyWaitWritable}.
   */
  spawnPty(
    file: string,
    argv: readonly string[],
    env: readonly string[],
    cwd: string,
    window: PtyWindow,
    onExit: (code: number, signal: number) => void,
    onData: (data: Buffer | null) => void,
    onWritable: () => void,
  ): [pid: number, pty: NativePtyHandle] | number;
  /** Writes what the pty takes now: the count, or a negative errno (-EAGAIN when it is full). */
  ptyWrite(pty: NativePtyHandle, bytes: Uint8Array): number;
  /** Calls onWritable once the pty takes input again. */
  ptyWaitWritable(pty: NativePtyHandle): void;
  /** Stops (true) or resumes reading output. */
  ptyPause(pty: NativePtyHandle, paused: boolean): void;
  /** The process has exited: the output ends as soon as the pty holds nothing more. */
  ptyExited(pty: NativePtyHandle): void;
  /** Sets the window size; 0 or a negative errno. */
  ptyResize(pty: NativePtyHandle, window: PtyWindow): number;
  /** Closes the master (idempotent callers only: a closed pty refuses every call). */
  ptyClose(pty: NativePtyHandle): void;
}

/** Set to `0` to start session processes with node:child_process (and node-pty) even when the native addon is built. */
export const NATIVE_SPAWN_ENV = 'SSHD_KIT_NATIVE_SPAWN';

/** The native process starts, or undefined when switched off ({@link NATIVE_SPAWN_ENV}=0) or not built. */
export function loadNativeProcessSpawn(env: NodeJS.ProcessEnv = process.env): NativeProcessSpawn | undefined {
  return addonPart<NativeProcessSpawn>(NATIVE_SPAWN_ENV, 'spawnProcess', env);
}

/** The native process starts for this process, or undefined (see {@link loadNativeProcessSpawn}). */
export const nativeProcessSpawn: NativeProcessSpawn | undefined = loadNativeProcessSpawn();

/** The native pty starts, or undefined when switched off ({@link NATIVE_SPAWN_ENV}=0) or not built. */
export function loadNativePtySpawn(env: NodeJS.ProcessEnv = process.env): NativePtySpawn | undefined {
  return addonPart<NativePtySpawn>(NATIVE_SPAWN_ENV, 'spawnPty', env);
}

/** The native pty starts for this process, or undefined (see {@link loadNativePtySpawn}); node-pty serves then. */
export const nativePtySpawn: NativePtySpawn | undefined = loadNativePtySpawn();

/** A started child with its three stdio streams; node's ChildProcess is one. */
export interface PipedChild {
  /** Undefined when the process could not be started. */
  readonly pid?: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** 'exit': the process ended; 'close': it ended and its stdout and stderr are closed. */
  on(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  /** The process could not be started (`err.code`: ENOENT, EACCES, ...). */
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): this;
}

/** The streams a process's stdout and stderr are written into. */
export interface ProcessOutputs {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /**
   * Whether both copy each chunk before its write calls back (a channel's outputs): the native
   * start then reads into them through reused buffers ({@link readOutputInto}); otherwise, and
   * on node's path, the output is piped.
   */
  readonly copyBeforeCallback: boolean;
}

/** What to start: `file` with `argv` (argv[0] included) and exactly `env`, in `cwd`, in its own session. */
export interface PipedSpawnOptions {
  readonly file: string;
  readonly argv: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /**
   * Where stdout and stderr go. The child's output never ends them; `stdout` and `stderr` still
   * report the output's end and are destroyed to stop it.
   */
  readonly outputs?: ProcessOutputs;
}

/**
 * Starts a process with pipes for stdin, stdout and stderr, in its own session (`setsid`): through
 * the native addon when it is there and `file` is an absolute path (posix_spawn, which does not
 * copy the server's page tables as node's fork does: 0.9 ms of CPU per start against 2–6 ms,
 * growing with the server's memory), else node:child_process (which also searches PATH; `native`
 * null asks for it). Either way a program that is missing or not runnable is an 'error' event,
 * and a start that cannot be made at all (E2BIG) throws.
 */
export function spawnPiped(
  options: PipedSpawnOptions,
  native: NativeProcessSpawn | null = nativeProcessSpawn ?? null,
): PipedChild {
  const [argv0, ...args] = options.argv;
  if (native && options.file.startsWith('/')) return new NativeChild(native, options);
  const child = spawn(options.file, args, {
    argv0,
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  });
  const outputs = options.outputs;
  if (outputs) {
    child.stdout.pipe(outputs.stdout, { end: false });
    child.stderr.pipe(outputs.stderr, { end: false });
  }
  return child;
}

/**
 * Start failures node:child_process reports as an 'error' event (the program is missing or not
 * runnable, or the system is out of processes or descriptors); any other failure (E2BIG: the
 * command is past the kernel's argument limit) it throws, and so do we.
 */
const REPORTED_START_ERRORS: ReadonlySet<string> = new Set([
  'EACCES',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'ENOENT',
]);

/**
 * A process started by the native addon, seen as node's ChildProcess is: 'exit' when it ends
 * (stdin then destroyed, as node does), 'close' once it has ended and stdout and stderr have
 * closed, 'error' (on the next tick) when it could not start.
 */
class NativeChild extends EventEmitter implements PipedChild {
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Exit, stdout's close and stderr's close still to come before 'close'. */
  private closesNeeded = 3;
  private exit: [number | null, NodeJS.Signals | null] = [null, null];

  constructor(native: NativeProcessSpawn, options: PipedSpawnOptions) {
    super();
    const env = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
    const started = native.spawnProcess(options.file, options.argv, env, options.cwd, (code, signal) =>
      this.exited(code, signal),
    );
    if (typeof started === 'number') {
      const code = getSystemErrorName(started);
      const err: NodeJS.ErrnoException = new Error(`spawn ${options.file} ${code}`);
      Object.assign(err, { code, errno: started, syscall: 'spawn', path: options.file });
      if (!REPORTED_START_ERRORS.has(code)) throw err;
      this.pid = undefined;
      this.stdin = new Writable({ write: (_chunk, _encoding, done) => done() });
      this.stdout = Readable.from([]);
      this.stderr = Readable.from([]);
      process.nextTick(() => this.emit('error', err));
      return;
    }
    const [pid, stdin, stdout, stderr] = started;
    this.pid = pid;
    this.stdin = new Socket({ fd: stdin, readable: false, writable: true });
    const outputs = options.outputs;
    const reader = (fd: number, sink: Writable | undefined): Socket => {
      if (sink && outputs?.copyBeforeCallback) return readOutputInto(fd, sink);
      const socket = new Socket({ fd, readable: true, writable: false });
      if (sink) socket.pipe(sink, { end: false });
      return socket;
    };
    this.stdout = reader(stdout, outputs?.stdout);
    this.stderr = reader(stderr, outputs?.stderr);
    this.stdout.on('close', () => this.closed());
    this.stderr.on('close', () => this.closed());
  }

  private exited(code: number, signal: number): void {
    this.exit = signal > 0 ? [null, signalName(signal) ?? null] : [code >= 0 ? code : null, null];
    this.stdin.destroy();
    this.emit('exit', ...this.exit);
    this.closed();
  }

  private closed(): void {
    if (--this.closesNeeded === 0) this.emit('close', ...this.exit);
  }
}
