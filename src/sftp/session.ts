import { performance } from 'node:perf_hooks';
import { Fxp, SFTP_VERSION, SftpStatus, type SftpStatusCode } from './constants.js';
import { isOrdinaryFailure, statusFromError } from './errors.js';
import { SftpFramer } from './framer.js';
import { HandleTable } from './handles.js';
import {
  DEFAULT_SFTP_LIMITS,
  symlinkTargetFirst,
  type SftpLimits,
  type SftpSessionOptions,
  type SftpStreams,
} from './options.js';
import { OrderedLock, type LockTicket } from './ordered-lock.js';
import { BufferPool } from './buffer-pool.js';
import { peekHeader } from './packet.js';
import { FxpInit, FxpVersion } from './packets.js';
import { normalizePath } from './path.js';
import { statusReply } from './replies.js';
import { advertisedExtensions, extendedName } from './requests/extensions.js';
import { requestTable } from './requests/table.js';
import type { PreparedRequest, RequestHandler, SessionContext } from './requests/types.js';

type EndKind = 'eof' | 'protocol' | 'aborted';

/** A request between its arrival and its reply. */
interface InFlightRequest {
  readonly handler: RequestHandler;
  readonly frame: Buffer;
  readonly id: number;
  readonly prepared: PreparedRequest;
  /** `performance.now()` at arrival, for the requests that are reported (not READ or WRITE). */
  readonly started: number;
  /** Its claims on the session's locks, released when it is done. */
  readonly tickets: LockTicket[];
}

/** How long a session without requests keeps its free buffers (between one and two of these). */
const IDLE_TRIM_MS = 1000;

/**
 * One SFTP session over a pair of streams (DESIGN.md "SFTP"). Frames are pulled from the input
 * one at a time; each request claims its locks at arrival (so requests on one file keep their
 * order) and then runs concurrently with the others, its reply written whenever it is ready. Input
 * stops being read while the in-flight bounds are reached or the output is full, so memory stays
 * bounded whatever the client sends. A framing error or a request before INIT ends the session.
 */
class SftpSession {
  private readonly framer: SftpFramer;
  /** Buffers for WRITE frames that span input chunks; each comes back when its request is done. */
  private readonly writeFrames: BufferPool;
  private readonly ctx: SessionContext;
  private readonly limits: SftpLimits;
  private readonly table = requestTable();
  private state: 'init' | 'open' | 'ending' | 'closed' = 'init';
  private inFlight = 0;
  private inFlightBytes = 0;
  private outputBlocked = false;
  private outputCorked = false;
  private inputPaused = false;
  private inputEnded = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private answeredSinceTimer = false;
  private endKind: EndKind = 'eof';
  /** Aborted when replies can no longer reach the client (any end but the input's EOF). */
  private readonly abandon = new AbortController();
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly streams: SftpStreams,
    private readonly options: SftpSessionOptions,
  ) {
    this.limits = { ...DEFAULT_SFTP_LIMITS, ...options.limits };
    this.writeFrames = new BufferPool(this.limits.maxInFlightBytes);
    this.framer = new SftpFramer(this.limits.maxPacketLength, this.writeFrames);
    this.ctx = {
      vfs: options.vfs,
      handles: new HandleTable(this.limits.maxOpenHandles),
      pathLock: new OrderedLock(),
      limits: this.limits,
      home: normalizePath(options.home ?? '/', '/'),
      username: options.username,
      symlinkTargetFirst: symlinkTargetFirst(options),
      idName: options.idName,
      log: options.log,
      replyBuffers: streams.outputCopies ? new BufferPool(this.limits.maxInFlightBytes) : undefined,
      abandoned: this.abandon.signal,
    };
  }

  start(): Promise<void> {
    const { input, output } = this.streams;
    input.on('data', this.onData);
    input.on('end', this.onInputEnd);
    input.on('error', this.onInputError);
    input.on('close', this.onInputClose);
    output.on('drain', this.onDrain);
    output.on('error', this.onOutputGone);
    output.on('close', this.onOutputGone);
    const signal = this.options.signal;
    if (signal) {
      if (signal.aborted) this.end('aborted', 'aborted before start');
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
    return this.done;
  }

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.state === 'ending' || this.state === 'closed') return;
    this.framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    this.pump();
  };
  private readonly onInputEnd = (): void => {
    this.inputEnded = true;
    this.pump();
  };
  private readonly onInputError = (err: Error): void => this.end('aborted', `input error: ${err.message}`);
  private readonly onInputClose = (): void => {
    if (!this.inputEnded) this.end('aborted', 'input closed');
  };
  private readonly onDrain = (): void => {
    this.outputBlocked = false;
    this.pump();
  };
  private readonly onOutputGone = (): void => this.end('aborted', 'output closed');
  private readonly uncorkOutput = (): void => {
    this.outputCorked = false;
    this.streams.output.uncork();
  };
  private readonly onAbort = (): void => this.end('aborted', 'session aborted');

  /** Pulls and starts frames while the bounds allow; pauses or resumes the input accordingly. */
  private pump(): void {
    while (this.state === 'init' || this.state === 'open') {
      const l = this.limits;
      if (
        this.outputBlocked ||
        this.inFlight >= l.maxInFlightRequests ||
        this.inFlightBytes >= l.maxInFlightBytes
      ) {
        this.pauseInput();
        return;
      }
      let frame: Buffer | undefined;
      try {
        frame = this.framer.next();
      } catch (err) {
        this.end('protocol', (err as Error).message);
        return;
      }
      if (!frame) {
        if (this.inputEnded) this.end('eof', 'client closed its side');
        else this.resumeInput();
        return;
      }
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.state === 'init') {
      this.onInit(frame);
      return;
    }
    const hdr = peekHeader(frame);
    if (!hdr || hdr.type === Fxp.Init) {
      this.end('protocol', hdr ? 'duplicate INIT' : `packet of ${frame.length} bytes`);
      return;
    }
    const handler = this.table[hdr.type];
    if (!handler) {
      this.send(statusReply(hdr.id, SftpStatus.OpUnsupported));
      return;
    }
    // A READ of bytes in memory, or a WRITE to a file kept in memory, with nothing in its way is
    // answered on the spot: no lock claim, promise or queue entry (see `answerNow`).
    const now = handler.answerNow?.(frame, hdr.id, this.ctx);
    if (now) {
      this.send(now);
      this.writeFrames.give(frame);
      this.noteAnswered();
      return;
    }
    let prepared: PreparedRequest;
    try {
      prepared = handler.prepare(frame, hdr.id, this.ctx);
    } catch (err) {
      const reply = this.errorReply(hdr.id, err, handler.name);
      this.send(reply);
      this.report(handler, frame, undefined, reply, 0);
      this.writeFrames.give(frame);
      return;
    }
    this.startRequest(handler, frame, hdr.id, prepared);
  }

  /** SSH_FXP_INIT must come first; we answer version 3 whatever the client asks (catalogue D12). */
  private onInit(frame: Buffer): void {
    if (frame[0] !== Fxp.Init) {
      this.end('protocol', `packet type ${frame[0]} before INIT`);
      return;
    }
    let clientVersion: number;
    try {
      clientVersion = FxpInit.decode(frame).version;
    } catch (err) {
      this.end('protocol', `bad INIT: ${(err as Error).message}`);
      return;
    }
    this.state = 'open';
    this.options.log?.debug({ clientVersion }, 'sftp init');
    this.send(
      FxpVersion.encode({ version: SFTP_VERSION, extensions: advertisedExtensions(this.options.vfs) }),
    );
  }

  private startRequest(handler: RequestHandler, frame: Buffer, id: number, prepared: PreparedRequest): void {
    this.inFlight++;
    this.inFlightBytes += prepared.cost;
    const request: InFlightRequest = {
      handler,
      frame,
      id,
      prepared,
      started: handler.report ? performance.now() : 0,
      tickets: [],
    };
    let waiting = 0;
    for (const [lock, claim] of prepared.claims) {
      const t = lock.claim(claim, () => {
        if (--waiting === 0) this.runRequest(request);
      });
      request.tickets.push(t);
      if (!t.granted) waiting++;
    }
    if (waiting === 0) this.runRequest(request);
  }

  /**
   * Runs a request whose locks are granted. Its reply, or the status for its error, is sent once
   * it settles: one promise reaction per request on the hot path, not a chain of them.
   */
  private runRequest(request: InFlightRequest): void {
    let work: Promise<Buffer>;
    try {
      work = request.prepared.run();
    } catch (err) {
      // Answered from a later microtask like any other request, never re-entering the pump.
      work = Promise.reject(err);
    }
    work.then(
      (reply) => this.finishRequest(request, reply, undefined),
      (err: unknown) => this.finishRequest(request, undefined, err),
    );
  }

  /** Sends a settled request's reply, then frees what it held and pulls more input. Never throws. */
  private finishRequest(request: InFlightRequest, reply: Buffer | undefined, error: unknown): void {
    const { handler, frame, id, prepared } = request;
    try {
      const answer = reply ?? this.errorReply(id, error, handler.name);
      this.send(answer);
      if (handler.report)
        this.report(handler, frame, prepared.path, answer, performance.now() - request.started);
    } catch (err) {
      this.options.log?.error({ err }, 'sftp internal error');
    }
    try {
      // The VFS is done with a WRITE's data once its write settled (see `VfsFile.write`).
      this.writeFrames.give(frame);
      for (const t of request.tickets) t.release();
      this.inFlight--;
      this.inFlightBytes -= prepared.cost;
      this.noteAnswered();
      if (this.state === 'ending' && this.inFlight === 0) void this.complete();
      else this.pump();
    } catch (err) {
      this.options.log?.error({ err }, 'sftp internal error');
    }
  }

  private errorReply(id: number, err: unknown, op: string): Buffer {
    const { status, message } = statusFromError(err);
    if (!isOrdinaryFailure(err)) this.options.log?.warn({ err, op }, 'sftp request failed unexpectedly');
    return statusReply(id, status, message);
  }

  private report(
    handler: RequestHandler,
    frame: Buffer,
    path: string | undefined,
    reply: Buffer,
    ms: number,
  ): void {
    if (!handler.report) return;
    const op = handler.name === 'EXTENDED' ? extendedName(frame) : handler.name;
    const status = (reply[4] === Fxp.Status ? reply.readUInt32BE(9) : SftpStatus.Ok) as SftpStatusCode;
    this.options.log?.debug({ op, path, status }, 'sftp request');
    try {
      this.options.onOperation?.({ op, path, status, ms });
    } catch (err) {
      this.options.log?.warn({ err }, 'sftp onOperation listener threw');
    }
  }

  private send(frame: Buffer): void {
    const out = this.streams.output;
    if (this.state === 'closed' || !out.writable || out.destroyed) return;
    if (!this.outputCorked) {
      // Replies made in the same tick (those to one batch of reads) reach the output together,
      // so a channel packs them into whole packets instead of ending each in a short one.
      this.outputCorked = true;
      out.cork();
      process.nextTick(this.uncorkOutput);
    }
    const pool = this.ctx.replyBuffers;
    // A reply buffer goes back to the pool once the output has copied it.
    const written = pool?.owns(frame)
      ? out.write(frame, (err) => {
          if (!err && this.state !== 'closed') pool.give(frame);
        })
      : out.write(frame);
    if (!written) this.outputBlocked = true;
  }

  /**
   * Notes that a request was answered. The buffer pools are emptied once a whole period passes in
   * which none was and none is in flight, so an idle session keeps no free buffers. Per request
   * this only sets a flag: requests answered at once come by the thousand a second.
   */
  private noteAnswered(): void {
    if (this.idleTimer) this.answeredSinceTimer = true;
    else this.armIdleTimer();
  }

  private armIdleTimer(): void {
    this.answeredSinceTimer = false;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.inFlight === 0 && !this.answeredSinceTimer) this.clearPools();
      else this.armIdleTimer();
    }, IDLE_TRIM_MS);
    this.idleTimer.unref();
  }

  private clearPools(): void {
    this.ctx.replyBuffers?.clear();
    this.writeFrames.clear();
  }

  private pauseInput(): void {
    if (!this.inputPaused) {
      this.inputPaused = true;
      this.streams.input.pause();
    }
  }

  private resumeInput(): void {
    if (this.inputPaused) {
      this.inputPaused = false;
      this.streams.input.resume();
    }
  }

  /** Stops taking requests; the session completes once the requests in flight have settled. */
  private end(kind: EndKind, reason: string): void {
    if (this.state === 'ending' || this.state === 'closed') return;
    this.state = 'ending';
    this.endKind = kind;
    if (kind !== 'eof') this.abandon.abort();
    const log = this.options.log;
    if (kind === 'protocol') log?.warn({ reason }, 'sftp session ended: protocol violation');
    else log?.debug({ reason }, 'sftp session ending');
    const { input } = this.streams;
    input.off('data', this.onData);
    input.off('end', this.onInputEnd);
    input.pause();
    if (this.inFlight === 0) void this.complete();
  }

  /** Releases every handle (open uploads are discarded: see `VfsFile.abort`) and ends the output. */
  private async complete(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.idleTimer);
    this.clearPools();
    for (const h of this.ctx.handles.all()) {
      this.ctx.handles.delete(h);
      try {
        if (h.kind === 'dir') await h.dir.close();
        else if (h.file.abort) await h.file.abort();
        else await h.file.close();
      } catch (err) {
        this.options.log?.warn({ err, path: h.path }, 'sftp handle cleanup failed');
      }
    }
    const { input, output } = this.streams;
    input.off('error', this.onInputError);
    input.off('close', this.onInputClose);
    output.off('drain', this.onDrain);
    output.off('error', this.onOutputGone);
    output.off('close', this.onOutputGone);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    // Keep a listener so a late stream error cannot become an uncaught exception.
    output.on('error', () => undefined);
    input.on('error', () => undefined);
    if (this.endKind !== 'aborted' && output.writable && !output.destroyed) output.end();
    this.resolveDone();
  }
}

/**
 * Serves SFTP v3 on a channel's streams until the client closes its side, a protocol violation
 * ends the session, or `options.signal` aborts it. Resolves when the session is over, with every
 * handle released; never rejects. This is what the `sftp` subsystem runs.
 */
export function startSftpSession(streams: SftpStreams, options: SftpSessionOptions): Promise<void> {
  return new SftpSession(streams, options).start();
}
