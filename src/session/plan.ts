import type { HandlerRegistry } from '../connection/handler-registry.js';
import type { ExitStatus } from '../connection/types.js';
import type { SessionPolicy } from '../auth/types.js';
import type { LaunchTarget } from './process.js';
import type {
  RequiredPermission,
  SessionCommand,
  SessionContext,
  SessionIo,
  ShellDecision,
  ShellHandler,
  SubsystemHandler,
} from './types.js';

/** What the client asked to start on a session channel (RFC 4254 §6.5). */
export type StartRequest =
  | { readonly kind: 'shell' }
  | { readonly kind: 'exec'; readonly command: string }
  | { readonly kind: 'subsystem'; readonly name: string };

/** How a start request will be served. */
export type StartPlan =
  | { readonly kind: 'refuse'; readonly reason: string }
  | {
      readonly kind: 'handler';
      /** `shell`/`exec` for a shell handler, `subsystem` for a subsystem handler. */
      readonly serves: 'shell' | 'exec' | 'subsystem';
      readonly name: string;
      readonly owner: string;
      run(io: SessionIo): Promise<ExitStatus | void>;
    }
  | {
      readonly kind: 'process';
      readonly target: LaunchTarget;
      /** SSH_ORIGINAL_COMMAND, with a forced command. */
      readonly originalCommand?: string;
    };

/** What planning needs besides the request. */
export interface PlanInput {
  readonly policy: SessionPolicy;
  readonly shells: HandlerRegistry<ShellHandler>;
  readonly subsystems: HandlerRegistry<SubsystemHandler>;
  /** Subsystems served by a command (sshd_config `Subsystem name command`). */
  readonly subsystemCommands: Readonly<Record<string, string>>;
  /** False when the server never starts OS processes. */
  readonly processes: boolean;
  /** Context for a handler, bound to its name and owner. */
  contextFor(handler: string, owner: string): SessionContext;
}

/** The forced command that means "the sftp subsystem", as in OpenSSH. */
const INTERNAL_SFTP = 'internal-sftp';

const permitted = (policy: SessionPolicy, required: RequiredPermission): boolean =>
  required === 'none' || policy[required];

/**
 * Decides who serves a `shell`, `exec` or `subsystem` request: an authorized_keys `command=`
 * replaces the request (`internal-sftp` meaning the sftp subsystem); subsystems go to their
 * registered handler, else to a configured command; shell and exec go to the first shell handler
 * that serves the kind, is allowed for the account and accepts, else to a process when the
 * account may run one. A handler that throws in `accept` is logged and refuses the request.
 */
export async function planStart(request: StartRequest, input: PlanInput): Promise<StartPlan> {
  const forced = input.policy.forcedCommand;
  if (forced !== undefined) {
    if (forced.trim() === INTERNAL_SFTP) return planSubsystem('sftp', input);
    const original =
      request.kind === 'exec' ? request.command : request.kind === 'subsystem' ? request.name : undefined;
    return planCommand(
      { kind: 'exec', command: forced, ...(original === undefined ? {} : { originalCommand: original }) },
      input,
    );
  }
  if (request.kind === 'subsystem') return planSubsystem(request.name, input);
  return planCommand(request.kind === 'exec' ? { kind: 'exec', command: request.command } : request, input);
}

function planSubsystem(name: string, input: PlanInput): StartPlan {
  const handler = input.subsystems.get(name);
  if (handler) {
    if (!permitted(input.policy, handler.requires)) {
      return { kind: 'refuse', reason: `subsystem needs the ${handler.requires} permission` };
    }
    const owner = input.subsystems.ownerOf(name) ?? 'unknown';
    const ctx = input.contextFor(handler.name, owner);
    return { kind: 'handler', serves: 'subsystem', name, owner, run: (io) => handler.start(io, ctx) };
  }
  const command = Object.hasOwn(input.subsystemCommands, name) ? input.subsystemCommands[name] : undefined;
  if (command === undefined) return { kind: 'refuse', reason: 'unknown subsystem' };
  if (!input.processes || !input.policy.exec) return { kind: 'refuse', reason: 'commands not permitted' };
  return { kind: 'process', target: { kind: 'command', command } };
}

async function planCommand(command: SessionCommand, input: PlanInput): Promise<StartPlan> {
  for (const { handler, owner } of input.shells.list()) {
    if (!handler.serves.includes(command.kind)) continue;
    if (!permitted(input.policy, handler.requires ?? command.kind)) continue;
    const ctx = input.contextFor(handler.name, owner);
    let decision: ShellDecision;
    try {
      decision = await handler.accept(command, ctx);
    } catch (err) {
      ctx.log.error({ err }, 'shell handler failed to answer');
      return { kind: 'refuse', reason: 'handler failed' };
    }
    if (decision.kind === 'run') {
      return {
        kind: 'handler',
        serves: command.kind,
        name: handler.name,
        owner,
        run: (io) => decision.run(io),
      };
    }
  }
  if (!input.processes) return { kind: 'refuse', reason: 'no handler accepted the request' };
  if (!input.policy[command.kind]) return { kind: 'refuse', reason: `${command.kind} not permitted` };
  if (command.kind === 'shell') return { kind: 'process', target: { kind: 'login-shell' } };
  return {
    kind: 'process',
    target: { kind: 'command', command: command.command },
    ...(command.originalCommand === undefined ? {} : { originalCommand: command.originalCommand }),
  };
}
