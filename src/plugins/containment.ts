import type {
  ChannelOpenDecision,
  ChannelTypeHandler,
  GlobalRequestHandler,
  GlobalRequestResult,
} from '../connection/types.js';
import type { ShellDecision, ShellHandler, SubsystemHandler } from '../session/types.js';
import { withTimeout } from '../util/with-timeout.js';

/**
 * Error containment for plugin handlers (DESIGN "Connection layer: the dispatcher"). The
 * connection and session layers already catch what a handler throws or rejects and log it with
 * the handler's owner; these wrappers add what they cannot know: a decision of the wrong shape is
 * turned into an error at the handler's boundary (where it is logged with the plugin's name)
 * instead of failing later in core code, and a shell handler that never decides is timed out.
 */

/** The handler kinds a plugin registers, by the name of its registry. */
export interface HandlerKinds {
  readonly channelTypes: ChannelTypeHandler;
  readonly subsystems: SubsystemHandler;
  readonly globalRequests: GlobalRequestHandler;
  readonly shells: ShellHandler;
}

/** The registries a plugin can add to. */
export type RegistryKind = keyof HandlerKinds;

/** Every {@link RegistryKind}, in display order. */
export const REGISTRY_KINDS = [
  'channelTypes',
  'subsystems',
  'globalRequests',
  'shells',
] as const satisfies readonly RegistryKind[];

/** Limits the wrappers apply. */
export interface ContainmentLimits {
  /** Milliseconds a shell handler may take to accept or decline. */
  readonly decideTimeoutMs: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';

/** Throws when `handler` lacks what its registry calls (checked when it is added). */
export function checkHandlerShape(kind: RegistryKind, handler: unknown): void {
  if (!isObject(handler) || typeof handler['name'] !== 'string' || handler['name'] === '')
    throw new Error(`a handler added to ${kind} needs a name`);
  const name = handler['name'];
  const need = (method: string) => {
    if (!isFunction(handler[method]))
      throw new Error(`${kind} handler "${name}" has no ${method}() function`);
  };
  switch (kind) {
    case 'channelTypes':
      return need('open');
    case 'globalRequests':
      return need('handle');
    case 'subsystems':
      need('start');
      if (!['shell', 'exec', 'sftp', 'none'].includes(handler['requires'] as string))
        throw new Error(`subsystem "${name}" needs requires: 'shell' | 'exec' | 'sftp' | 'none'`);
      return;
    case 'shells': {
      need('accept');
      const serves = handler['serves'];
      if (
        !Array.isArray(serves) ||
        serves.length === 0 ||
        !serves.every((s) => s === 'shell' || s === 'exec')
      )
        throw new Error(`shell handler "${name}" needs serves: ['shell'] and/or ['exec']`);
      return;
    }
  }
}

function checkOpenDecision(d: unknown, name: string): ChannelOpenDecision {
  if (isObject(d) && d['ok'] === true && isFunction(d['run'])) return d as unknown as ChannelOpenDecision;
  if (isObject(d) && d['ok'] === false && typeof d['reason'] === 'number')
    return d as unknown as ChannelOpenDecision;
  throw new Error(
    `channel type "${name}" answered open() with neither { ok: true, run } nor { ok: false, reason }`,
  );
}

function checkGlobalResult(r: unknown, name: string): GlobalRequestResult {
  if (isObject(r) && typeof r['ok'] === 'boolean') return r as unknown as GlobalRequestResult;
  throw new Error(`global request "${name}" answered with neither { ok: true } nor { ok: false }`);
}

function checkShellDecision(d: unknown, name: string): ShellDecision {
  if (isObject(d) && d['kind'] === 'decline') return d as unknown as ShellDecision;
  if (isObject(d) && d['kind'] === 'run' && isFunction(d['run'])) return d as unknown as ShellDecision;
  throw new Error(
    `shell handler "${name}" answered with neither { kind: 'run', run } nor { kind: 'decline' }`,
  );
}

/** Wraps a plugin's handler for its registry (see the note at the top of this file). */
export function containHandler<K extends RegistryKind>(
  kind: K,
  handler: HandlerKinds[K],
  limits: ContainmentLimits,
): HandlerKinds[K] {
  switch (kind) {
    case 'channelTypes': {
      const h = handler as ChannelTypeHandler;
      const wrapped: ChannelTypeHandler = {
        name: h.name,
        open: async (request, conn) => checkOpenDecision(await h.open(request, conn), h.name),
      };
      return wrapped as HandlerKinds[K];
    }
    case 'globalRequests': {
      const h = handler as GlobalRequestHandler;
      const wrapped: GlobalRequestHandler = {
        name: h.name,
        handle: async (request, conn) => checkGlobalResult(await h.handle(request, conn), h.name),
      };
      return wrapped as HandlerKinds[K];
    }
    case 'shells': {
      const h = handler as ShellHandler;
      const wrapped: ShellHandler = {
        name: h.name,
        serves: [...h.serves],
        ...(h.requires === undefined ? {} : { requires: h.requires }),
        accept: async (command, ctx) => {
          const decision = await withTimeout(
            Promise.resolve().then(() => h.accept(command, ctx)),
            limits.decideTimeoutMs,
            `shell handler ${h.name}`,
          );
          return checkShellDecision(decision, h.name);
        },
      };
      return wrapped as HandlerKinds[K];
    }
    default:
      return handler;
  }
}
