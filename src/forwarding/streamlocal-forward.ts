import { chmod } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { GlobalRequestHandler, GlobalRequestResult } from '../connection/types.js';
import { sanitizeForLog } from '../log/logger.js';
import { decodeOrUndefined } from '../wire/errors.js';
import { ForwardedStreamLocalOpen, ForwardingNames, StreamLocalForwardRequest } from './messages.js';
import { checkStreamLocal } from './policy.js';
import { forwardAccepted } from './remote-forwards.js';
import { checkSocketPath, removeStaleSocket } from './socket-path.js';
import type { RemoteForwardDeps } from './tcpip-forward.js';

const FAILURE: GlobalRequestResult = { ok: false };

function listenPath(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Listens on a unix socket at `path` with mode 0600 (OpenSSH's StreamLocalBindMask 0177). A socket
 * already there is replaced only if it is ours and dead (see {@link removeStaleSocket}).
 */
export async function listenUnix(path: string, makeServer: () => Server): Promise<Server> {
  for (let attempt = 0; ; attempt++) {
    const server = makeServer();
    try {
      await listenPath(server, path);
      await chmod(path, 0o600);
      return server;
    } catch (err) {
      server.close();
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || attempt > 0 || !(await removeStaleSocket(path))) throw err;
    }
  }
}

/**
 * `streamlocal-forward@openssh.com` (OpenSSH PROTOCOL §2.4: `ssh -R /path:target`): a unix socket
 * under the policy's listen directories (default the user's home and /tmp), each connection
 * forwarded as a `forwarded-streamlocal@openssh.com` channel. Refusals are REQUEST_FAILURE.
 */
export function createStreamLocalForwardHandler(deps: RemoteForwardDeps): GlobalRequestHandler {
  const { policy } = deps;
  return {
    name: ForwardingNames.streamLocalForward,
    async handle(request, conn) {
      const path = decodeOrUndefined(() => StreamLocalForwardRequest.decode(request.data).socketPath);
      if (path === undefined) return FAILURE;
      const what = sanitizeForLog(path, 128);
      const table = deps.tableFor(conn);
      const verdict = checkStreamLocal(policy, conn.user, 'remote');
      const checked = verdict.ok
        ? await checkSocketPath(path, policy.streamLocalListenDirs, conn.user.home, 'listen')
        : verdict;
      if (!checked.ok || table.size >= policy.maxRemoteForwards) {
        const why = checked.ok ? 'too many remote forwards' : checked.why;
        conn.log.info({ listen: what, why }, 'forward: streamlocal-forward refused');
        return FAILURE;
      }
      const log = conn.log.child({ forward: what });
      let server: Server;
      try {
        server = await listenUnix(checked.path, () =>
          createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
            const data = ForwardedStreamLocalOpen.encode({ socketPath: path, reserved: '' });
            void forwardAccepted(socket, conn, ForwardingNames.forwardedStreamLocal, data, log, conn.signal);
          }),
        );
      } catch (err) {
        log.info({ err }, 'forward: streamlocal-forward could not listen');
        return FAILURE;
      }
      server.on('error', (err) => log.debug({ err }, 'forward: listener error'));
      if (!table.add({ kind: 'unix', requested: path, requestedPort: 0, boundPort: 0, servers: [server] }))
        return FAILURE;
      log.info({}, 'forward: listening');
      return { ok: true };
    },
  };
}

/** `cancel-streamlocal-forward@openssh.com` (PROTOCOL §2.4): closes the listener and removes its socket. */
export function createCancelStreamLocalForwardHandler(deps: RemoteForwardDeps): GlobalRequestHandler {
  return {
    name: ForwardingNames.cancelStreamLocalForward,
    async handle(request, conn) {
      const path = decodeOrUndefined(() => StreamLocalForwardRequest.decode(request.data).socketPath);
      if (path === undefined) return FAILURE;
      return deps.tableFor(conn).cancel('unix', path, 0) ? { ok: true } : FAILURE;
    },
  };
}
