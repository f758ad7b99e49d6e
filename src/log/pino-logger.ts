import {
  destination as pinoDestination,
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger as Pino,
} from 'pino';
import pretty from 'pino-pretty';
import type { LogBindings, Logger } from './logger.js';
import { redactLogObject, REDACT_PATHS } from './pino-redact.js';

/** Where log lines go: a standard stream, or a file appended to. */
export type LogDestination = 'stdout' | 'stderr' | { readonly file: string };

/** How {@link createPinoLogger} sets up logging. */
export interface PinoLoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal, silent. */
  readonly level: string;
  /** `json`, `pretty`, or undefined for pretty on a terminal and JSON otherwise. */
  readonly format?: 'json' | 'pretty' | undefined;
  readonly destination: LogDestination;
  /** Fields on every line (e.g. `{ name: 'sshd-kit' }`). */
  readonly base?: Readonly<Record<string, unknown>>;
}

/** A {@link Logger} backed by pino, and the underlying pino instance (for `flush`, `level`). */
export interface PinoLogger extends Logger {
  readonly pino: Pino;
  /** Writes out anything buffered (the destinations are synchronous; this is for safety). */
  flush(): void;
}

function fdOf(destination: LogDestination): number | undefined {
  return destination === 'stdout' ? 1 : destination === 'stderr' ? 2 : undefined;
}

/** Whether a destination is a terminal (files never are). */
export function isTerminal(destination: LogDestination): boolean {
  if (destination === 'stdout') return process.stdout.isTTY === true;
  if (destination === 'stderr') return process.stderr.isTTY === true;
  return false;
}

function stream(options: PinoLoggerOptions): DestinationStream {
  const { destination } = options;
  const fd = fdOf(destination);
  const target = fd ?? (destination as { file: string }).file;
  const usePretty = options.format === 'pretty' || (options.format === undefined && isTerminal(destination));
  if (usePretty) {
    return pretty({
      destination: target,
      sync: true,
      mkdir: true,
      colorize: fd !== undefined && isTerminal(destination) && process.env['NO_COLOR'] === undefined,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      singleLine: false,
    });
  }
  return pinoDestination({ dest: target, sync: true, append: true, mkdir: true });
}

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * Adapts a pino logger to our {@link Logger} interface (same calling convention). Children are
 * made when they first write a line: a pino child (its level functions, shapes and serialized
 * bindings) costs a few KiB, the server makes several per connection and channel, and most never
 * log at the enabled level. The child of a child binds both sets of fields.
 */
export function fromPino(p: Pino): Logger {
  return new LazyPinoLogger(p, undefined);
}

/** One object per logger; the level methods live on the prototype (no closures per instance). */
class LazyPinoLogger implements Logger {
  private made: Pino | undefined;

  constructor(
    private readonly root: Pino,
    private readonly bindings: LogBindings | undefined,
  ) {
    this.made = bindings === undefined ? root : undefined;
  }

  trace(fields: object, message?: string): void {
    this.write('trace', fields, message);
  }
  debug(fields: object, message?: string): void {
    this.write('debug', fields, message);
  }
  info(fields: object, message?: string): void {
    this.write('info', fields, message);
  }
  warn(fields: object, message?: string): void {
    this.write('warn', fields, message);
  }
  error(fields: object, message?: string): void {
    this.write('error', fields, message);
  }

  child(more: LogBindings): Logger {
    const b = this.bindings;
    // Object.assign, not a spread: Node 20's optimized code gives each object made by spreading
    // into a literal a hidden class of its own, and a connection keeps its loggers.
    return new LazyPinoLogger(this.root, b === undefined ? more : Object.assign({}, b, more));
  }

  private write(level: LevelName, fields: object, message?: string): void {
    if (!this.root.isLevelEnabled(level)) return;
    this.made ??= this.root.child(this.bindings!);
    this.made[level](fields, message);
  }
}

/** The root: the pino instance itself, and `flush`. */
class RootPinoLogger extends LazyPinoLogger implements PinoLogger {
  constructor(readonly pino: Pino) {
    super(pino, undefined);
  }

  flush(): void {
    this.pino.flush();
  }
}

/**
 * The server's logger (DESIGN.md "Server and operations"): pino, JSON lines with ISO times, or
 * pino-pretty for people; context from `child({ conn, user, chan, plugin })`. Secrets are kept out
 * twice over: known secret field names are censored (`REDACT_PATHS`), and raw bytes, private key
 * text and any field named like a secret are replaced before a line is written (`redactLogObject`).
 */
export function createPinoLogger(options: PinoLoggerOptions): PinoLogger {
  const p = pino(
    {
      level: options.level,
      base: { pid: process.pid, ...options.base },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      formatters: {
        log: (object) => redactLogObject(object),
        bindings: (bindings) => redactLogObject(bindings),
      },
    },
    stream(options),
  );
  return new RootPinoLogger(p);
}
