import { mkdirSync } from 'node:fs';
import type { Channel, ConnectionContext, ExitStatus } from '../connection/types.js';
import type { Logger } from '../log/logger.js';
import { buildChildEnv } from './environment.js';
import { spawnWithPipes } from './pipe-process.js';
import type { StartPlan } from './plan.js';
import type { SessionProcess } from './process.js';
import { spawnWithPty } from './pty-process.js';
import type { PtyInfo, SessionIo, SignalName, TerminalSize } from './types.js';

/** Session settings with every default filled in (see `SessionSettings`). */
export interface ResolvedSessionSettings {
  readonly acceptEnv: readonly string[];
  /** The shell for processes; null when the server never starts OS processes. */
  readonly shell: string | null;
  readonly path: string;
  readonly permitUserEnvironment: boolean;
  readonly subsystemCommands: Readonly<Record<string, string>>;
  readonly killGraceMs: number;
}

/** What a session runs once started: a process or a handler, seen the same way. */
export interface RunningProgram {
  /** How it ended; undefined when the channel should close without an exit status. */
  readonly done: Promise<ExitStatus | undefined>;
  resize(size: TerminalSize): void;
  /** Delivers a signal; false when nothing can receive it. */
  signal(name: SignalName): boolean;
  /** Delivers a terminal break; false when nothing can receive it. */
  sendBreak(): boolean;
  /** The client went away: stop. */
  hangUp(): void;
  /** The client can take no more output (`eow@openssh.com`). */
  stopOutput(): void;
}

/** What starting a program needs from its session. */
export interface ProgramContext {
  readonly channel: Channel;
  readonly conn: ConnectionContext;
  readonly settings: ResolvedSessionSettings;
  readonly pty: PtyInfo | undefined;
  /** The current terminal size. */
  size(): TerminalSize | undefined;
  /** Accepted client variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables set by session request handlers (e.g. SSH_AUTH_SOCK). */
  readonly serverEnv?: Readonly<Record<string, string>>;
  /** Aborted when the channel closes. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Starts what `plan` says; rejects when a process cannot be created. */
export async function startProgram(
  plan: Exclude<StartPlan, { kind: 'refuse' }>,
  ctx: ProgramContext,
): Promise<RunningProgram> {
  return plan.kind === 'process' ? startProcess(plan, ctx) : startHandler(plan, ctx);
}

async function startProcess(
  plan: Extract<StartPlan, { kind: 'process' }>,
  ctx: ProgramContext,
): Promise<RunningProgram> {
  const { settings, conn, channel } = ctx;
  const shell = settings.shell;
  if (shell === null) throw new Error('processes are disabled');
  const home = conn.user.home;
  // Synchronous on purpose: for a home that exists this is one mkdir system call (EEXIST) and a
  // stat, where the thread-pool round trip of fs/promises cost about 100 µs of CPU per session
  // (3–4% of a handshake's main-thread time). It blocks no more than starting the process does: the
  // native spawn (the default) changes into `home` before it returns.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = buildChildEnv({
    user: conn.user,
    shell,
    path: settings.path,
    connection: conn.info,
    ...(ctx.pty ? { term: ctx.pty.term } : {}),
    clientEnv: ctx.env,
    ...(ctx.serverEnv ? { serverEnv: ctx.serverEnv } : {}),
    userEnvironment: settings.permitUserEnvironment ? conn.user.policy.environment : [],
    ...(plan.originalCommand === undefined ? {} : { originalCommand: plan.originalCommand }),
  });
  const spec = {
    shell,
    target: plan.target,
    env,
    cwd: home,
    killGraceMs: settings.killGraceMs,
    log: ctx.log,
  };
  const streams = { input: channel.input, output: channel.output, stderr: channel.stderr };
  const size = ctx.size();
  const proc: SessionProcess =
    ctx.pty && size
      ? await spawnWithPty(spec, { info: ctx.pty, size }, streams)
      : spawnWithPipes(spec, streams);
  ctx.log.debug({ pid: proc.pid }, 'session process started');
  return {
    done: proc.done,
    resize: (s) => proc.resize(s),
    signal: (name) => {
      proc.signal(name);
      return true;
    },
    sendBreak: () => proc.sendBreak(),
    hangUp: () => proc.hangUp(),
    stopOutput: () => proc.stopOutput(),
  };
}

function startHandler(plan: Extract<StartPlan, { kind: 'handler' }>, ctx: ProgramContext): RunningProgram {
  const log = ctx.log.child({ plugin: plan.owner, handler: plan.name });
  const resizeListeners: ((size: TerminalSize) => void)[] = [];
  const signalListeners: ((signal: SignalName) => void)[] = [];
  const notify = <T>(listeners: ((v: T) => void)[], value: T) => {
    for (const l of listeners) {
      try {
        l(value);
      } catch (err) {
        log.error({ err }, 'session listener failed');
      }
    }
  };
  const { channel } = ctx;
  const io: SessionIo = {
    stdin: channel.input,
    stdout: channel.output,
    stderr: channel.stderr,
    pty: ctx.pty,
    get size() {
      return ctx.size();
    },
    env: Object.freeze({ ...ctx.env }),
    signal: ctx.signal,
    onResize: (l) => void resizeListeners.push(l),
    onSignal: (l) => void signalListeners.push(l),
  };
  const done = new Promise<ExitStatus | undefined>((resolve) => {
    ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true });
    // Run after the request's reply has gone out, so the handler's first bytes follow it.
    setImmediate(() => {
      Promise.resolve()
        .then(() => plan.run(io))
        .then(
          (status) => resolve(normalizeStatus(status, log)),
          (err: unknown) => {
            log.error({ err }, `${plan.serves} handler failed`);
            resolve(undefined);
          },
        );
    });
  });
  return {
    done,
    resize: (size) => notify(resizeListeners, size),
    signal: (name) => {
      if (signalListeners.length === 0) return false;
      notify(signalListeners, name);
      return true;
    },
    sendBreak: () => {
      if (signalListeners.length === 0) return false;
      notify<SignalName>(signalListeners, 'INT');
      return true;
    },
    hangUp: () => undefined,
    stopOutput: () => undefined,
  };
}

/** A handler's result as a valid exit status (nothing means 0; garbage is logged and means 255). */
function normalizeStatus(status: ExitStatus | void, log: Logger): ExitStatus {
  if (status === undefined) return 0;
  if (typeof status === 'number') {
    if (Number.isInteger(status) && status >= 0 && status <= 0xffffffff) return status;
  } else if (
    typeof status === 'object' &&
    status !== null &&
    typeof status.signal === 'string' &&
    /^[A-Z][A-Z0-9]{0,15}(@[A-Za-z0-9.-]{1,64})?$/.test(status.signal)
  ) {
    return {
      signal: status.signal,
      coreDumped: status.coreDumped === true,
      ...(typeof status.message === 'string' ? { message: status.message.slice(0, 1024) } : {}),
    };
  }
  log.warn({}, 'handler returned an invalid exit status; sending 255');
  return 255;
}
