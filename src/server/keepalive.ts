/** OpenSSH's `ClientAliveInterval` / `ClientAliveCountMax` (sshd_config(5)). */
export interface ClientAliveSettings {
  /** Seconds without any data from the client before a probe is sent; 0 turns probing off. */
  readonly intervalSeconds: number;
  /** Unanswered probes tolerated; one more disconnects. 0: probe, but never disconnect. */
  readonly countMax: number;
}

/** What the timer does to the connection. */
export interface ClientAliveHooks {
  /** Sends `keepalive@openssh.com` as a GLOBAL_REQUEST with want-reply (RFC 4254 §4). */
  probe(): void;
  /** The client stopped answering: disconnect it. */
  timeout(unanswered: number): void;
}

/** The global request name OpenSSH's sshd uses for its client-alive probes. */
export const KEEPALIVE_REQUEST = 'keepalive@openssh.com';

/**
 * The client-alive check of one connection, as sshd's serverloop does it: when nothing has been
 * received for `intervalSeconds`, a probe goes out and a counter rises; any reply to a probe
 * (REQUEST_SUCCESS or REQUEST_FAILURE) resets the counter; once it would pass `countMax` the
 * connection is ended. Received data postpones the next probe but does not reset the counter.
 */
export class ClientAliveTimer {
  private lastActivity = Date.now();
  private unanswered = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly settings: ClientAliveSettings,
    private readonly hooks: ClientAliveHooks,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the settings turn probing on. */
  static enabled(settings: ClientAliveSettings | undefined): settings is ClientAliveSettings {
    return settings !== undefined && settings.intervalSeconds > 0;
  }

  /** Arms the timer (a no-op when the interval is 0). */
  start(): void {
    if (this.settings.intervalSeconds <= 0 || this.stopped) return;
    this.lastActivity = this.now();
    this.schedule(this.settings.intervalSeconds * 1000);
  }

  /** Bytes arrived from the client. */
  activity(): void {
    this.lastActivity = this.now();
  }

  /** The client answered a global request (ours are the only ones wanting replies). */
  replied(): void {
    this.unanswered = 0;
  }

  /** Stops for good (the connection ended). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.tick(), Math.max(ms, 10));
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    const interval = this.settings.intervalSeconds * 1000;
    const idle = this.now() - this.lastActivity;
    if (idle < interval) {
      this.schedule(interval - idle);
      return;
    }
    this.unanswered++;
    if (this.settings.countMax > 0 && this.unanswered > this.settings.countMax) {
      this.stop();
      this.hooks.timeout(this.unanswered - 1);
      return;
    }
    this.hooks.probe();
    this.lastActivity = this.now();
    this.schedule(interval);
  }
}
