import { UserStoreError } from './errors.js';

import type { AuthMethodName, AuthProgress } from '../auth/types.js';

export type { AuthMethodName, AuthProgress };

/** The user authentication methods a user record may allow (RFC 4252 §5, RFC 4256). */
export const AUTH_METHOD_NAMES = [
  'publickey',
  'password',
  'keyboard-interactive',
] as const satisfies readonly AuthMethodName[];

/**
 * Methods that must all succeed, in order, for a login (OpenSSH `AuthenticationMethods`
 * `publickey,password`). A user's policy is a list of chains; completing any one chain logs in.
 */
export type AuthChain = readonly AuthMethodName[];

/** The policy for a user with no explicit list: any single method logs in. */
export const ANY_AUTH_METHOD: readonly AuthChain[] = Object.freeze(
  AUTH_METHOD_NAMES.map((m) => Object.freeze([m])),
);

function isMethod(name: string): name is AuthMethodName {
  return (AUTH_METHOD_NAMES as readonly string[]).includes(name);
}

/**
 * Parse OpenSSH `AuthenticationMethods` syntax (sshd_config(5)): chains separated by spaces, methods
 * in a chain by commas, e.g. `"publickey,password publickey,keyboard-interactive"`. `"any"` (or an
 * empty string) means {@link ANY_AUTH_METHOD}. Throws {@link UserStoreError} (`invalid`) otherwise.
 */
export function parseAuthMethods(text: string): readonly AuthChain[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'any') return ANY_AUTH_METHOD;
  const chains: AuthChain[] = [];
  for (const chainText of trimmed.split(/\s+/)) {
    const chain: AuthMethodName[] = [];
    for (const method of chainText.split(',')) {
      if (!isMethod(method)) {
        const shown = method === '' ? 'an empty method name' : `unknown method "${method.slice(0, 40)}"`;
        throw new UserStoreError(
          'invalid',
          `auth methods: ${shown} (use ${AUTH_METHOD_NAMES.join(', ')}; "," chains, " " separates alternatives)`,
        );
      }
      chain.push(method);
    }
    chains.push(Object.freeze(chain));
  }
  return Object.freeze(chains);
}

/** The inverse of {@link parseAuthMethods}: `"any"` for {@link ANY_AUTH_METHOD}, else the chains. */
export function formatAuthMethods(chains: readonly AuthChain[]): string {
  if (isAnyMethod(chains)) return 'any';
  return chains.map((c) => c.join(',')).join(' ');
}

function isAnyMethod(chains: readonly AuthChain[]): boolean {
  return (
    chains.length === ANY_AUTH_METHOD.length &&
    chains.every((c, i) => c.length === 1 && c[0] === ANY_AUTH_METHOD[i]![0])
  );
}

/**
 * Given a user's chains and the methods that have succeeded so far (in order), say whether some chain
 * is complete, or which methods may come next. As OpenSSH's auth2.c does, each chain is consumed
 * from its head: a success removes the method from every chain that starts with it, so a chain is
 * complete once it is a subsequence of `completed`. `next` empty and `complete` false means no chain
 * can be finished and the login must fail. (A chain may name `publickey` twice; the auth layer must
 * then require a different key the second time, as OpenSSH does.)
 */
export function remainingAuthMethods(
  chains: readonly AuthChain[],
  completed: readonly AuthMethodName[],
): AuthProgress {
  const next: AuthMethodName[] = [];
  for (const chain of chains) {
    let i = 0;
    for (const m of completed) if (chain[i] === m) i++;
    if (i === chain.length) return { complete: true };
    const m = chain[i]!;
    if (!next.includes(m)) next.push(m);
  }
  return { complete: false, next };
}
