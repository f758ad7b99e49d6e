import type { Socket } from 'node:net';
import type { ChannelOpenDecision, ChannelTypeHandler, ConnectionContext } from '../connection/types.js';
import { sanitizeForLog } from '../log/logger.js';
import { ChannelOpenFailure } from '../protocol/numbers.js';
import { decodeOrUndefined } from '../wire/errors.js';
import { bridge } from './bridge.js';
import { connectWithTimeout } from './connect.js';
import { DirectStreamLocalOpen, DirectTcpipOpen, ForwardingNames } from './messages.js';
import { checkDirectTcpip, checkStreamLocal, type ResolvedForwardingPolicy } from './policy.js';
import { checkSocketPath } from './socket-path.js';

const prohibited = (description: string): ChannelOpenDecision => ({
  ok: false,
  reason: ChannelOpenFailure.AdministrativelyProhibited,
  description,
});

const connectFailed = (description: string): ChannelOpenDecision => ({
  ok: false,
  reason: ChannelOpenFailure.ConnectFailed,
  description,
});

/**
 * Connects, then accepts with a channel that carries the socket. The socket is destroyed if the
 * connection ends before the channel runs (the open may be answered and never run).
 */
async function connectAndAccept(
  target: { host: string; port: number } | { path: string },
  conn: ConnectionContext,
  policy: ResolvedForwardingPolicy,
  what: string,
): Promise<ChannelOpenDecision> {
  const { signal } = conn;
  let socket: Socket;
  try {
    socket = await connectWithTimeout(target, policy.connectTimeoutMs, signal);
  } catch (err) {
    conn.log.debug({ err, target: what }, 'forward: connect failed');
    return connectFailed('connect failed');
  }
  const onAbort = () => socket.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    ok: true,
    run: async (channel) => {
      try {
        await bridge(socket, channel, conn.log.child({ chan: channel.id }), { signal });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/**
 * `direct-tcpip` (RFC 4254 §7.2: the client's `-L` and `-D`): checks the server and account
 * policy (refusal: ADMINISTRATIVELY_PROHIBITED), connects within the policy's timeout (failure:
 * CONNECT_FAILED, never a hung channel), then bridges socket and channel.
 */
export function createDirectTcpipHandler(policy: ResolvedForwardingPolicy): ChannelTypeHandler {
  return {
    name: ForwardingNames.directTcpip,
    async open(request, conn) {
      const m = decodeOrUndefined(() => DirectTcpipOpen.decode(request.data));
      if (!m) return connectFailed('malformed request');
      const host = m.hostToConnect;
      const what = `${sanitizeForLog(host, 128)}:${m.portToConnect}`;
      const verdict = checkDirectTcpip(policy, conn.user, host, m.portToConnect);
      if (!verdict.ok) {
        conn.log.info({ target: what, why: verdict.why }, 'forward: direct-tcpip refused');
        return prohibited('administratively prohibited');
      }
      if (host === '' || m.portToConnect === 0 || m.portToConnect > 65535) return connectFailed('bad target');
      conn.log.debug({ target: what }, 'forward: direct-tcpip');
      return connectAndAccept({ host, port: m.portToConnect }, conn, policy, what);
    },
  };
}

/**
 * `direct-streamlocal@openssh.com` (OpenSSH PROTOCOL §2.4: `ssh -L port:/path/to/socket`): a
 * unix socket under the policy's connect directories only (see `streamLocalConnectDirs`).
 */
export function createDirectStreamLocalHandler(policy: ResolvedForwardingPolicy): ChannelTypeHandler {
  return {
    name: ForwardingNames.directStreamLocal,
    async open(request, conn) {
      const path = decodeOrUndefined(() => DirectStreamLocalOpen.decode(request.data).socketPath);
      if (path === undefined) return connectFailed('malformed request');
      const what = sanitizeForLog(path, 128);
      const verdict = checkStreamLocal(policy, conn.user, 'local');
      if (!verdict.ok) {
        conn.log.info({ target: what, why: verdict.why }, 'forward: direct-streamlocal refused');
        return prohibited('administratively prohibited');
      }
      const checked = await checkSocketPath(path, policy.streamLocalConnectDirs, conn.user.home, 'connect');
      if (!checked.ok) {
        conn.log.info({ target: what, why: checked.why }, 'forward: direct-streamlocal refused');
        return checked.missing ? connectFailed('connect failed') : prohibited('administratively prohibited');
      }
      conn.log.debug({ target: what }, 'forward: direct-streamlocal');
      return connectAndAccept({ path: checked.path }, conn, policy, what);
    },
  };
}
