import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { NamedAlgorithm } from '../algorithms/types.js';

/** Thrown for an algorithm list in the config that names something we do not have. */
export class AlgorithmListError extends Error {
  override readonly name = 'AlgorithmListError';
}

/** The algorithms to offer for one kind, and the legacy ones among them (to warn about). */
export interface ResolvedList {
  readonly names: readonly string[];
  readonly legacy: readonly string[];
}

/**
 * Resolves an sshd_config-style list against a registry (sshd_config(5) `Ciphers`): a plain list
 * replaces the defaults; `+a,b` appends to them, `-a,b` removes (wildcards `*` and `?` allowed),
 * `^a,b` puts them first. Undefined means the defaults. Unknown names are an error naming the kind.
 */
export function resolveAlgorithmList<T extends NamedAlgorithm>(
  registry: AlgorithmRegistry<T>,
  spec: string | readonly string[] | undefined,
  kind: string,
): ResolvedList {
  const defaults = registry.names('default');
  let names: string[];
  if (spec === undefined) {
    names = defaults;
  } else {
    const text = Array.isArray(spec) ? spec.join(',') : (spec as string);
    const op = text[0];
    const list = (op === '+' || op === '-' || op === '^' ? text.slice(1) : text)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (op === '-') {
      const patterns = list.map(globToRegExp);
      names = defaults.filter((n) => !patterns.some((p) => p.test(n)));
    } else {
      const all = registry.names('all');
      for (const name of list) {
        if (!all.includes(name)) {
          throw new AlgorithmListError(`unknown ${kind} algorithm "${name}"; known: ${all.join(', ')}`);
        }
      }
      if (op === '+') names = [...defaults, ...list.filter((n) => !defaults.includes(n))];
      else if (op === '^') names = [...list, ...defaults.filter((n) => !list.includes(n))];
      else names = [...new Set(list)];
    }
  }
  if (names.length === 0) throw new AlgorithmListError(`the ${kind} list is empty`);
  return { names, legacy: names.filter((n) => registry.statusOf(n) === 'legacy') };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
