import type { AuthBackend, AuthMethodName, AuthProgress } from '../auth/types.js';
import { formatAuthMethods, remainingAuthMethods, type AuthChain } from '../users/auth-methods.js';

/**
 * Applies the server-wide `authenticationMethods` (OpenSSH AuthenticationMethods) on top of a
 * backend's own per-user chains: a login completes only when both the user's policy and one of the
 * server's chains are satisfied. While neither is, the methods that advance either may come next;
 * each success moves at least one chain forward, so a login always ends.
 */
export function withServerAuthMethods<User>(
  backend: AuthBackend<User>,
  chains: readonly AuthChain[],
): AuthBackend<User> {
  if (formatAuthMethods(chains) === 'any') return backend;
  return {
    verifyPassword: (username, password, ctx) => backend.verifyPassword(username, password, ctx),
    acceptsPublicKey: (username, key, ctx) => backend.acceptsPublicKey(username, key, ctx),
    login: (username, proof, ctx) => backend.login(username, proof, ctx),
    async progress(username, completed, ctx): Promise<AuthProgress> {
      const user = await backend.progress(username, completed, ctx);
      const server = remainingAuthMethods(chains, completed);
      if (user.complete && server.complete) return { complete: true };
      if (user.complete) return server;
      if (server.complete) return user;
      // A side that can no longer finish fails the login at once.
      if (user.next.length === 0) return user;
      if (server.next.length === 0) return server;
      // What both sides want comes first, so clients that try methods in order finish sooner.
      const both = user.next.filter((m) => server.next.includes(m));
      const next: AuthMethodName[] = [...new Set([...both, ...user.next, ...server.next])];
      return { complete: false, next };
    },
  };
}
