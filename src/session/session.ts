import type { Channel, ChannelRequest, ConnectionContext, RequestOutcome } from '../connection/types.js';
import { sanitizeForLog, type Logger } from '../log/logger.js';
import { withTimeout } from '../util/with-timeout.js';
import { DecodeError } from '../wire/errors.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import { checkClientEnv, MAX_CLIENT_ENV } from './environment.js';
import {
  BreakRequest,
  EnvRequest,
  ExecRequest,
  PtyRequest,
  SignalRequest,
  SubsystemRequest,
  WindowChangeRequest,
} from './messages.js';
import { planStart, type StartRequest } from './plan.js';
import { startProgram, type ResolvedSessionSettings, type RunningProgram } from './program.js';
import type { SessionRegistries } from './session-channel.js';
import { clampSize, isValidTerm } from './size.js';
import { decodeTerminalModes } from './terminal-modes.js';
import {
  SIGNAL_NAMES,
  type PtyInfo,
  type SessionContext,
  type SignalName,
  type TerminalSize,
} from './types.js';

/**
 * Milliseconds shell handlers have to accept or decline (below the connection's request timeout,
 * so a late decision can never start a program the client was told failed).
 */
const DECIDE_TIMEOUT_MS = 10_000;

/** Where a session stands: before its program, starting it, running it, or over. */
type Phase = 'setup' | 'starting' | 'running' | 'over';

/**
 * One `session` channel (RFC 4254 §6): collects `pty-req` and `env`, starts exactly one of
 * shell/exec/subsystem (§6.5), passes `window-change`, `signal` and `break` on, and ends the
 * channel with the program's exit status. Requests it does not know are left to other handlers
 * (answered with failure if none takes them).
 */
export class Session {
  private phase: Phase = 'setup';
  private pty: PtyInfo | undefined;
  private size: TerminalSize | undefined;
  /** Variables the client set with `env` requests (made on the first). */
  private env: Map<string, string> | undefined;
  /** Variables set by session request handlers (SSH_AUTH_SOCK). */
  private serverEnv: Map<string, string> | undefined;
  private program: RunningProgram | undefined;
  /** Signals are refused for subsystems and forced commands, as OpenSSH does. */
  private signalsAllowed = false;
  private channelClosed = false;
  private streamsGuarded = false;
  private readonly abort = new LazyAbortController();
  /** Made on first use: most sessions log nothing of their own. */
  private sessionLog: Logger | undefined;
  private resolveFinished!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  constructor(
    private readonly channel: Channel,
    private readonly conn: ConnectionContext,
    private readonly registries: SessionRegistries,
    private readonly settings: ResolvedSessionSettings,
  ) {}

  private get log(): Logger {
    return (this.sessionLog ??= this.conn.log.child({ chan: this.channel.id, user: this.conn.user.name }));
  }

  /** Serves the channel; resolves when the session is over (the channel is then closed). */
  run(): Promise<void> {
    const { channel } = this;
    channel.onRequest((request) => this.onRequest(request));
    void channel.closed.then(() => this.onChannelClosed());
    return this.finished;
  }

  private async onRequest(request: ChannelRequest): Promise<RequestOutcome> {
    try {
      switch (request.type) {
        case 'pty-req':
          return this.onPty(request.data);
        case 'env':
          return this.onEnv(request.data);
        case 'window-change':
          return this.onWindowChange(request.data);
        case 'shell':
          return await this.onStart({ kind: 'shell' });
        case 'exec':
          return await this.onStart({ kind: 'exec', command: ExecRequest.decode(request.data).command });
        case 'subsystem':
          return await this.onStart({ kind: 'subsystem', name: SubsystemRequest.decode(request.data).name });
        case 'signal':
          return this.onSignal(request.data);
        case 'break':
          return this.onBreak(request.data);
        case 'eow@openssh.com':
          // OpenSSH PROTOCOL §2.1: the client's output is gone (`ssh host yes | head -1`).
          if (this.phase !== 'running') return this.refuse(request.type, 'nothing is running');
          this.program?.stopOutput();
          return 'success';
        case 'x11-req':
          return this.refuse('x11-req', 'X11 forwarding is not supported');
        case 'exit-status':
        case 'exit-signal':
          // Only a server sends these (RFC 4254 §6.10); from a client they mean nothing.
          return this.refuse(request.type, 'sent by the client');
        default:
          return await this.onExtensionRequest(request);
      }
    } catch (err) {
      if (err instanceof DecodeError) return this.refuse(request.type, err.message);
      throw err;
    }
  }

  /**
   * Makes the channel's streams for whatever is about to use them (a program, a request handler),
   * each with an error listener: a late write after the channel ended must never become an
   * uncaught exception. Until then an idle session has no streams at all.
   */
  private guardStreams(): void {
    if (this.streamsGuarded) return;
    this.streamsGuarded = true;
    const { channel } = this;
    channel.output.on('error', (err) => this.log.debug({ err }, 'session output error'));
    channel.stderr.on('error', (err) => this.log.debug({ err }, 'session stderr error'));
    channel.input.on('error', (err) => this.log.debug({ err }, 'session input error'));
  }

  /** A request served by a handler from the `sessionRequests` registry, if one has its name. */
  private async onExtensionRequest(request: ChannelRequest): Promise<RequestOutcome> {
    const handler = this.registries.sessionRequests?.get(request.type);
    if (!handler) return 'unhandled';
    this.guardStreams();
    const phase = () => this.phase;
    return handler.handle(request, {
      channel: this.channel,
      conn: this.conn,
      get started() {
        return phase() !== 'setup';
      },
      setEnv: (name, value) => void (this.serverEnv ??= new Map()).set(name, value),
    });
  }

  private refuse(request: string, why: string): RequestOutcome {
    this.log.debug(
      { request: sanitizeForLog(request, 64), why: sanitizeForLog(why) },
      'session request refused',
    );
    return 'failure';
  }

  // ---- pty-req, env, window-change (RFC 4254 §6.2, §6.4, §6.7) ----

  private onPty(data: Buffer): RequestOutcome {
    if (!this.conn.user.policy.pty) return this.refuse('pty-req', 'not permitted for this account');
    if (this.pty) return this.refuse('pty-req', 'a pty was already allocated');
    if (this.phase !== 'setup') return this.refuse('pty-req', 'the session has started');
    const m = PtyRequest.decode(data);
    if (!isValidTerm(m.term)) return this.refuse('pty-req', 'bad TERM');
    this.size = clampSize(m);
    this.pty = { term: m.term || 'dumb', size: this.size, modes: decodeTerminalModes(m.modes) };
    return 'success';
  }

  private onEnv(data: Buffer): RequestOutcome {
    if (this.phase !== 'setup') return this.refuse('env', 'the session has started');
    if ((this.env?.size ?? 0) >= MAX_CLIENT_ENV) return this.refuse('env', 'too many variables');
    const { name, value } = EnvRequest.decode(data);
    const refusal = checkClientEnv(name, value, this.settings.acceptEnv);
    if (refusal) return this.refuse('env', `${refusal}: ${name}`);
    (this.env ??= new Map()).set(name, value);
    return 'success';
  }

  private onWindowChange(data: Buffer): RequestOutcome {
    const m = WindowChangeRequest.decode(data);
    if (!this.pty) return this.refuse('window-change', 'no pty');
    this.size = clampSize(m);
    this.program?.resize(this.size);
    return 'success';
  }

  // ---- signal and break (RFC 4254 §6.9, RFC 4335) ----

  private onSignal(data: Buffer): RequestOutcome {
    const { name } = SignalRequest.decode(data);
    if (!this.program || this.phase !== 'running') return this.refuse('signal', 'nothing is running');
    if (!this.signalsAllowed) return this.refuse('signal', 'not for a subsystem or forced command');
    if (!(SIGNAL_NAMES as readonly string[]).includes(name)) return this.refuse('signal', `signal ${name}`);
    return this.program.signal(name as SignalName) ? 'success' : 'failure';
  }

  /** A break on a pty is delivered as the terminal's interrupt character (SIGINT). */
  private onBreak(data: Buffer): RequestOutcome {
    BreakRequest.decode(data);
    if (!this.pty) return this.refuse('break', 'no pty');
    if (!this.program || this.phase !== 'running') return this.refuse('break', 'nothing is running');
    return this.program.sendBreak() ? 'success' : 'failure';
  }

  // ---- shell, exec, subsystem (RFC 4254 §6.5) ----

  private async onStart(request: StartRequest): Promise<RequestOutcome> {
    if (this.phase !== 'setup') return this.refuse(request.kind, 'the session has already started');
    if (request.kind === 'exec' && request.command.includes('\0'))
      return this.refuse('exec', 'NUL in command');
    this.phase = 'starting';
    this.guardStreams();
    try {
      // A handler that never decides must not start a program after the client was refused.
      const plan = await withTimeout(
        planStart(request, {
          policy: this.conn.user.policy,
          shells: this.registries.shells,
          subsystems: this.registries.subsystems,
          subsystemCommands: this.settings.subsystemCommands,
          processes: this.settings.shell !== null,
          contextFor: (handler, owner) => this.contextFor(handler, owner),
        }),
        DECIDE_TIMEOUT_MS,
        `${request.kind} handler decision`,
      );
      if (plan.kind === 'refuse' || this.channelClosed) {
        this.notStarted();
        return this.refuse(request.kind, plan.kind === 'refuse' ? plan.reason : 'channel closed');
      }
      const abort = this.abort;
      const program = await startProgram(plan, {
        channel: this.channel,
        conn: this.conn,
        settings: this.settings,
        pty: this.pty,
        size: () => this.size,
        env: Object.fromEntries(this.env ?? []),
        serverEnv: Object.fromEntries(this.serverEnv ?? []),
        // Made only for a handler, which watches it: a process is ended by the channel's close.
        get signal() {
          return abort.signal;
        },
        log: this.log,
      });
      this.program = program;
      this.phase = 'running';
      this.signalsAllowed = this.conn.user.policy.forcedCommand === undefined && request.kind !== 'subsystem';
      this.log.info(
        { request: request.kind, served: plan.kind === 'handler' ? plan.name : 'process', pty: !!this.pty },
        'session started',
      );
      void program.done.then((status) => this.onProgramDone(status));
      if (this.channelClosed) program.hangUp();
      return 'success';
    } catch (err) {
      this.log.error({ err, request: request.kind }, 'session failed to start');
      this.notStarted();
      return 'failure';
    }
  }

  /** A start request was refused: the client may try again, unless the channel is gone. */
  private notStarted(): void {
    if (!this.channelClosed) {
      this.phase = 'setup';
      return;
    }
    this.phase = 'over';
    this.resolveFinished();
  }

  private contextFor(handler: string, owner: string): SessionContext {
    return {
      user: this.conn.user,
      connection: this.conn.info,
      log: this.log.child({ plugin: owner, handler }),
      channelId: this.channel.id,
    };
  }

  private async onProgramDone(status: Awaited<RunningProgram['done']>): Promise<void> {
    this.phase = 'over';
    try {
      if (status === undefined) await this.channel.close();
      else await this.channel.exit(status);
    } finally {
      this.resolveFinished();
    }
  }

  private onChannelClosed(): void {
    this.channelClosed = true;
    this.abort.abort();
    if (this.phase === 'running') this.program?.hangUp();
    // Before a program started there is nothing to wait for; a starting one is hung up by
    // onStart; a running one finishes through onProgramDone.
    if (this.phase === 'setup' || this.phase === 'over') this.resolveFinished();
  }
}
