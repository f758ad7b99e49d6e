import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ExitStatus } from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import type { PtyInfo, SignalName, TerminalSize } from './types.js';

/** What a session process runs: the account's shell as a login shell, or `shell -c command`. */
export type LaunchTarget =
  { readonly kind: 'login-shell' } | { readonly kind: 'command'; readonly command: string };

/** Everything needed to start a session's process. */
export interface LaunchSpec {
  /** Absolute path of the shell (`/bin/sh`). */
  readonly shell: string;
  readonly target: LaunchTarget;
  /** The complete environment (see `buildChildEnv`). */
  readonly env: Readonly<Record<string, string>>;
  /** The user's home directory. */
  readonly cwd: string;
  /** Milliseconds between SIGHUP and SIGKILL when the session is hung up. */
  readonly killGraceMs: number;
  readonly log: Logger;
}

/** The channel streams a process is wired to. */
export interface ProcessStreams {
  readonly input: Readable;
  readonly output: Writable;
  readonly stderr: Writable;
}

/** The pty a process gets, and its current size. */
export interface PtySpec {
  readonly info: PtyInfo;
  readonly size: TerminalSize;
}

/** A running session process (a child with pipes, or one on a pty). */
export interface SessionProcess {
  readonly pid: number;
  /** Resolves once the process has exited and all its output went into the channel streams. */
  readonly done: Promise<ExitStatus>;
  /** Delivers a signal to the process. */
  signal(name: SignalName): void;
  /** Resizes the pty (no-op without one). */
  resize(size: TerminalSize): void;
  /** Sends a terminal break (the interrupt character); false without a pty. */
  sendBreak(): boolean;
  /** SIGHUP to the process group, SIGKILL after the grace period: the client went away. */
  hangUp(): void;
  /** The client can take no more output: stop reading the process's stdout (it gets SIGPIPE). */
  stopOutput(): void;
}

const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

/** The name of signal number `signal` (`SIGTERM`), or undefined for 0 and numbers it has none for. */
export function signalName(signal: number): NodeJS.Signals | undefined {
  return SIGNAL_BY_NUMBER.get(signal);
}

/** An exit status from a process's code and signal (RFC 4254 §6.10: signal name without `SIG`). */
export function exitStatusOf(code: number | null, signal: string | number | null | undefined): ExitStatus {
  const name = typeof signal === 'number' ? signalName(signal) : signal;
  if (name) return { signal: name.replace(/^SIG/, ''), coreDumped: false };
  return code ?? 255;
}

/** Sends `signal` to a process group, ignoring a group that is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}

/** Sends `signal` to one process, ignoring a process that is already gone. */
export function killProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH.
  }
}

/**
 * Hangs up a process group: SIGHUP now, SIGKILL after `graceMs` unless `cancel()` is called
 * first (once every process of the session is gone).
 */
export function hangUpGroup(pid: number, graceMs: number): { cancel(): void } {
  killGroup(pid, 'SIGHUP');
  const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
  return { cancel: () => clearTimeout(timer) };
}
