/**
 * What the benchmark reads about server processes from /proc: CPU time (own and reaped children)
 * and proportional set size, summed over a process and its descendants.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second for /proc/PID/stat times (USER_HZ; 100 on every Linux we run on). */
const TICKS = 100;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/PID/stat after the command name (field 3 onwards). */
function statFields(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (!text) return undefined;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Minor page faults of the process itself (field 10 of /proc/PID/stat); 0 once it has gone. */
export function minorFaults(pid: number): number {
  return Number(statFields(pid)?.[7] ?? 0);
}

/** The thread ids of a process; none once it has gone. */
function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Direct children of a process (all its threads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of tasksOf(pid)) {
    const text = readText(`/proc/${pid}/task/${t}/children`);
    if (text) for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...childrenOf(p));
  }
  return out;
}

/**
 * CPU seconds of a process tree: the root's own user+system time and its reaped children's
 * (cutime/cstime), plus the live descendants' own time. Children that exit are reaped by their
 * parents, so their time moves into the parent's cutime and is still counted once.
 */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (!f) continue;
    // Fields (1-based in proc(5)): 14 utime, 15 stime, 16 cutime, 17 cstime; f[0] is field 3.
    // A dead process's time sits in exactly one live ancestor's cutime/cstime.
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / TICKS;
}

/** Sum of Pss over a process tree, in KiB (from /proc/PID/smaps_rollup). */
export function treePssKiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    const text = readText(`/proc/${p}/smaps_rollup`);
    const m = text ? /^Pss:\s+(\d+) kB/m.exec(text) : null;
    if (m) kib += Number(m[1]);
  }
  return kib;
}

/** Number of processes in a tree. */
export function treeSize(pid: number): number {
  return processTree(pid).length;
}

/** Waits until the tree has at most `count` processes (children reaped), up to `ms`. */
export async function waitForTreeSize(pid: number, count: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (treeSize(pid) > count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  // Let the parent's cutime settle after the last wait().
  await new Promise((r) => setTimeout(r, 30));
}

/** CPU seconds of each thread of one process, summed by thread name (main, libuv pool, V8 workers). */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tasksOf(pid)) {
    const text = readText(`/proc/${pid}/task/${t}/stat`);
    if (!text) continue;
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const label = Number(t) === pid ? 'main thread' : name.replace(/\d+$/, '');
    out.set(label, (out.get(label) ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS);
  }
  return out;
}
