import { createServer, type AddressInfo, type Server } from 'node:net';
import type { ConnectionContext, GlobalRequestHandler, GlobalRequestResult } from '../connection/types.js';
import { sanitizeForLog } from '../log/logger.js';
import { decodeOrUndefined } from '../wire/errors.js';
import { ForwardedTcpipOpen, ForwardingNames, TcpipForwardReply, TcpipForwardRequest } from './messages.js';
import { checkTcpipForward, type GatewayPorts, type ResolvedForwardingPolicy } from './policy.js';
import { forwardAccepted, plainAddress, type RemoteForwardTable } from './remote-forwards.js';

/** Where a remote forward listens: loopback only, every interface, or one address. */
export type BindPlan =
  | { readonly kind: 'loopback' }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'address'; readonly address: string };

/**
 * Where to listen for a `tcpip-forward` to `requested`, by `GatewayPorts` as sshd decides it:
 * `no` binds loopback (an explicit `127.0.0.1` or `::1` is kept); `yes` binds every interface;
 * `clientspecified` binds what the client named (`""`/`*`: every interface, `localhost`: loopback).
 */
export function bindPlan(gatewayPorts: GatewayPorts, requested: string): BindPlan {
  const explicitLoopback = requested === '127.0.0.1' || requested === '::1';
  if (gatewayPorts === 'yes') return { kind: 'wildcard' };
  if (gatewayPorts === 'clientspecified') {
    if (requested === '' || requested === '*') return { kind: 'wildcard' };
    if (requested === 'localhost') return { kind: 'loopback' };
    return { kind: 'address', address: requested };
  }
  return explicitLoopback ? { kind: 'address', address: requested } : { kind: 'loopback' };
}

function listenOn(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Listens by `plan` on `port` (0: one the OS picks). Loopback means 127.0.0.1 and, when the host
 * has it, ::1 on the same port; every interface means `::` (dual-stack) or 0.0.0.0.
 */
export async function listenTcp(
  plan: BindPlan,
  port: number,
  makeServer: () => Server,
): Promise<{ servers: Server[]; port: number }> {
  const first = makeServer();
  try {
    const host = plan.kind === 'wildcard' ? undefined : plan.kind === 'loopback' ? '127.0.0.1' : plan.address;
    const bound = await listenOn(first, port, host);
    const servers = [first];
    if (plan.kind === 'loopback') {
      const v6 = makeServer();
      try {
        await listenOn(v6, bound, '::1');
        servers.push(v6);
      } catch {
        v6.close(); // No IPv6 loopback here (or the port is taken there): IPv4 alone.
      }
    }
    return { servers, port: bound };
  } catch (err) {
    first.close();
    throw err;
  }
}

/** Dependencies shared by the forwarding handlers of one server. */
export interface RemoteForwardDeps {
  readonly policy: ResolvedForwardingPolicy;
  tableFor(conn: ConnectionContext): RemoteForwardTable;
}

const FAILURE: GlobalRequestResult = { ok: false };

/**
 * `tcpip-forward` (RFC 4254 §7.1: the client's `-R`): checks the policy (refusal:
 * REQUEST_FAILURE), listens as `GatewayPorts` says, answers port 0 with the port bound, and opens
 * a `forwarded-tcpip` channel to the client for each connection accepted.
 */
export function createTcpipForwardHandler(deps: RemoteForwardDeps): GlobalRequestHandler {
  const { policy } = deps;
  return {
    name: ForwardingNames.tcpipForward,
    async handle(request, conn) {
      const m = decodeOrUndefined(() => TcpipForwardRequest.decode(request.data));
      if (!m) return FAILURE;
      const host = m.addressToBind;
      const what = `${sanitizeForLog(host, 128)}:${m.portToBind}`;
      const verdict = checkTcpipForward(policy, conn.user, host, m.portToBind, request.wantReply);
      const table = deps.tableFor(conn);
      if (!verdict.ok || table.size >= policy.maxRemoteForwards) {
        const why = verdict.ok ? 'too many remote forwards' : verdict.why;
        conn.log.info({ listen: what, why }, 'forward: tcpip-forward refused');
        return FAILURE;
      }
      const log = conn.log.child({ forward: what });
      let listening: { servers: Server[]; port: number };
      try {
        listening = await listenTcp(bindPlan(policy.gatewayPorts, host), m.portToBind, () =>
          createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
            const data = ForwardedTcpipOpen.encode({
              connectedAddress: host,
              connectedPort: socket.localPort ?? 0,
              originatorAddress: plainAddress(socket.remoteAddress),
              originatorPort: socket.remotePort ?? 0,
            });
            void forwardAccepted(socket, conn, ForwardingNames.forwardedTcpip, data, log, conn.signal);
          }),
        );
      } catch (err) {
        log.info({ err }, 'forward: tcpip-forward could not listen');
        return FAILURE;
      }
      for (const s of listening.servers)
        s.on('error', (err) => log.debug({ err }, 'forward: listener error'));
      const forward = {
        kind: 'tcp' as const,
        requested: host,
        requestedPort: m.portToBind,
        boundPort: listening.port,
        servers: listening.servers,
      };
      if (!table.add(forward)) return FAILURE;
      log.info({ port: listening.port }, 'forward: listening');
      return m.portToBind === 0
        ? { ok: true, data: TcpipForwardReply.encode({ portBound: listening.port }) }
        : { ok: true };
    },
  };
}

/** `cancel-tcpip-forward` (RFC 4254 §7.1): closes the listener; forwarded connections go on. */
export function createCancelTcpipForwardHandler(deps: RemoteForwardDeps): GlobalRequestHandler {
  return {
    name: ForwardingNames.cancelTcpipForward,
    async handle(request, conn) {
      const m = decodeOrUndefined(() => TcpipForwardRequest.decode(request.data));
      if (!m) return FAILURE;
      const ok = deps.tableFor(conn).cancel('tcp', m.addressToBind, m.portToBind);
      conn.log.debug(
        { listen: `${sanitizeForLog(m.addressToBind, 128)}:${m.portToBind}`, ok },
        'forward: cancel',
      );
      return ok ? { ok: true } : FAILURE;
    },
  };
}
