import { Worker } from 'node:worker_threads';
import type { DhEngine, DhJob, DhJobResult } from '../types.js';

/**
 * The worker's whole program, evaluated as a CommonJS script so it needs no file on disk (works
 * the same from src/ under tsx or vitest and from dist/). It does exactly what `runDhJobSync` does.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createDiffieHellman, getDiffieHellman } = require('node:crypto');
const named = ['modp14', 'modp15', 'modp16', 'modp17', 'modp18'].map((n) => getDiffieHellman(n).getPrime());
const big = (b) => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));
const bytes = (v) => { const h = v.toString(16); return Buffer.from(h.length % 2 ? '0' + h : h, 'hex'); };
const modPow = (b, e, m) => {
  let r = 1n;
  for (b %= m; e > 0n; e >>= 1n) { if (e & 1n) r = (r * b) % m; b = (b * b) % m; }
  return r;
};
function run(job) {
  const p = Buffer.from(job.prime);
  const g = Buffer.from(job.generator);
  if (g.length === 1 && g[0] === 2 && named.some((n) => n.equals(p))) {
    const dh = createDiffieHellman(p, g);
    dh.setPrivateKey(Buffer.from(job.privateKey));
    return {
      publicKey: job.computePublic ? dh.generateKeys() : undefined,
      sharedSecret: job.peerPublic ? dh.computeSecret(Buffer.from(job.peerPublic)) : undefined,
    };
  }
  const m = big(p), x = big(job.privateKey);
  return {
    publicKey: job.computePublic ? bytes(modPow(big(g), x, m)) : undefined,
    sharedSecret: job.peerPublic ? bytes(modPow(big(job.peerPublic), x, m)) : undefined,
  };
}
parentPort.on('message', (job) => {
  try {
    parentPort.postMessage(run(job));
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
`;

interface Pending {
  readonly job: DhJob;
  resolve(result: DhJobResult): void;
  reject(err: Error): void;
}

/** Options of {@link DhWorkerPool}. */
export interface DhWorkerPoolOptions {
  /** Most worker threads at once (default 2). Workers start on first use. */
  readonly size?: number;
}

/**
 * Runs finite-field Diffie-Hellman modexps in worker threads so an 8192-bit group never stalls
 * the event loop (security catalogue: DHEat). Owned by one server, which passes it as `dhEngine`
 * and calls {@link DhWorkerPool.close} on shutdown. Idle workers do not keep the process alive.
 */
export class DhWorkerPool implements DhEngine {
  private readonly size: number;
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(options: DhWorkerPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
  }

  /** Queues a job; resolves with its result or rejects if the worker fails or the pool closes. */
  run(job: DhJob): Promise<DhJobResult> {
    if (this.closed) return Promise.reject(new Error('DhWorkerPool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker and rejects queued jobs. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('DhWorkerPool is closed'));
    const all = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.workers.size >= this.size) return;
        worker = this.spawn();
      }
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.ref();
      worker.postMessage(pending.job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'sshd-kit-dh' });
    this.workers.add(worker);
    const fail = (err: Error): void => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.workers.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at !== -1) this.idle.splice(at, 1);
      pending?.reject(err);
      if (!this.closed) this.pump();
    };
    worker.on('message', (m: { publicKey?: Uint8Array; sharedSecret?: Uint8Array; error?: string }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (m.error !== undefined) pending?.reject(new Error(m.error));
      else pending?.resolve({ publicKey: m.publicKey, sharedSecret: m.sharedSecret });
      this.pump();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`DH worker exited with code ${code}`)));
    worker.unref();
    return worker;
  }
}
