import type { AlgorithmEntry, AlgorithmKinds, AlgorithmStatus, NamedAlgorithm } from './types.js';

/**
 * Algorithms of one kind, keyed by wire name, in preference order. Each server instance owns its
 * registries (no module-level mutable state); duplicates are refused.
 */
export class AlgorithmRegistry<T extends NamedAlgorithm> {
  private readonly entries: { algorithm: T; status: AlgorithmStatus }[] = [];

  constructor(readonly kind: string) {}

  /** Adds an algorithm at the end, or before `before` if given. Throws on a duplicate name. */
  register(algorithm: T, status: AlgorithmStatus, options: { before?: string } = {}): void {
    if (this.entries.some((e) => e.algorithm.name === algorithm.name)) {
      throw new Error(`${this.kind} algorithm "${algorithm.name}" is already registered`);
    }
    const at =
      options.before === undefined ? -1 : this.entries.findIndex((e) => e.algorithm.name === options.before);
    if (at === -1) this.entries.push({ algorithm, status });
    else this.entries.splice(at, 0, { algorithm, status });
  }

  /** Registers each entry in order. */
  registerAll(entries: readonly AlgorithmEntry<T>[], options: { before?: string } = {}): void {
    for (const e of entries) this.register(e.algorithm, e.status, options);
  }

  /** The algorithm with this exact wire name. */
  get(name: string): T | undefined {
    return this.entries.find((e) => e.algorithm.name === name)?.algorithm;
  }

  /** How the algorithm is offered, or undefined when unknown. */
  statusOf(name: string): AlgorithmStatus | undefined {
    return this.entries.find((e) => e.algorithm.name === name)?.status;
  }

  /** Names in preference order: only defaults, or every registered algorithm. */
  names(which: 'default' | 'all' = 'default'): string[] {
    return this.entries.filter((e) => which === 'all' || e.status === 'default').map((e) => e.algorithm.name);
  }

  /** Every registered algorithm in preference order. */
  list(): readonly { readonly algorithm: T; readonly status: AlgorithmStatus }[] {
    return this.entries;
  }
}

/** One registry per algorithm kind. */
export type AlgorithmRegistries = {
  readonly [K in keyof AlgorithmKinds]: AlgorithmRegistry<AlgorithmKinds[K]>;
};
