/** What every measure gets: the workspace, the mode, and where results go. */
import { startServer, type RunningServer, type ServerName, type Workspace } from './servers.js';
import type { Results } from './stats.js';

/** Settings and collectors shared by the measures. */
export interface BenchContext {
  readonly ws: Workspace;
  readonly quick: boolean;
  readonly rounds: number;
  readonly servers: readonly ServerName[];
  readonly results: Results;
  /** Free-form facts for the JSON (sizes, counts). */
  readonly notes: Record<string, unknown>;
  log(message: string): void;
}

/** Starts the chosen servers, runs `fn`, and stops them whatever happens. */
export async function withServers<T>(
  ctx: BenchContext,
  fn: (servers: readonly RunningServer[]) => Promise<T>,
): Promise<T> {
  const running: RunningServer[] = [];
  try {
    for (const name of ctx.servers) running.push(await startServer(name, ctx.ws));
    return await fn(running);
  } finally {
    for (const s of running) await s.stop();
  }
}

/** The servers in a different order each round (interleaving without a fixed first mover). */
export function rotate<T>(xs: readonly T[], round: number): T[] {
  const k = round % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}
