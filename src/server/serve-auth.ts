import type { AuthBackend, AuthMethodName, AuthProgress } from '../auth/types.js';
import { formatAuthMethods, remainingAuthMethods, type AuthChain } from '../users/auth-methods.js';

/**
 * Applies the server-wide `authenticationMethods` (OpenSSH AuthenticationMethods) on top of a
 * backend's own per-user chains: a login completes only when both the user's policy and one of the
 * server's chains are satisfied. While neither is, the methods both want come next (or, when they
 * share none, those that advance either); each success moves a chain forward, so a login ends.
 */
export function withServerAuthMethods<User>(
  backend: AuthBackend<User>,
  chains: readonly AuthChain[],
): AuthBackend<User> {
  if (formatAuthMethods(chains) === 'any') return backend;
  return {
    verifyPassword: (username, password, ctx) => backend.verifyPassword(username, password, ctx),
    acceptsPublicKey: (username, key, ctx, offer) => backend.acceptsPublicKey(username, key, ctx, offer),
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
      // Methods both sides want, when there are any (so a method never has to be done twice);
      // otherwise whatever advances either side.
      const both = user.next.filter((m) => server.next.includes(m));
      const next: AuthMethodName[] = both.length > 0 ? both : [...new Set([...user.next, ...server.next])];
      return { complete: false, next };
    },
  };
}
