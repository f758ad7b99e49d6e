import type { HandlerRegistry } from '../connection/handler-registry.js';
import type { ChannelTypeHandler, ConnectionContext, GlobalRequestHandler } from '../connection/types.js';
import type { SessionRequestHandler } from '../session/types.js';
import {
  AGENT_REQUESTS,
  AgentForwarding,
  type ConnectionRef,
  type ForwardedAgent,
} from './agent/agent-forwarding.js';
import { createDirectStreamLocalHandler, createDirectTcpipHandler } from './direct.js';
import { resolveForwardingPolicy, type ForwardingPolicy, type ResolvedForwardingPolicy } from './policy.js';
import { RemoteForwardTable } from './remote-forwards.js';
import {
  createCancelStreamLocalForwardHandler,
  createStreamLocalForwardHandler,
} from './streamlocal-forward.js';
import {
  createCancelTcpipForwardHandler,
  createTcpipForwardHandler,
  type RemoteForwardDeps,
} from './tcpip-forward.js';

/** What {@link registerForwarding} registers into: an `SshServer`, or a plugin's context. */
export interface ForwardingHost {
  readonly channelTypes: HandlerRegistry<ChannelTypeHandler>;
  readonly globalRequests: HandlerRegistry<GlobalRequestHandler>;
  /** Where agent requests are registered, when the host has a session channel. */
  readonly sessionRequests?: HandlerRegistry<SessionRequestHandler>;
}

/** The forwarding built-in of one server, as the server and plugins use it. */
export interface Forwarding {
  readonly policy: ResolvedForwardingPolicy;
  /** Agent forwarding: what sessions call for agent requests, and the plugin API. */
  readonly agent: AgentForwarding;
  /** The client's forwarded agent on a connection, if one of its sessions asked for it. */
  agentFor(ref: ConnectionRef): ForwardedAgent | undefined;
}

/**
 * Registers port and socket forwarding on `host`'s registries, exactly as a plugin would:
 * `direct-tcpip`, `direct-streamlocal@openssh.com`, `tcpip-forward` / `cancel-tcpip-forward` and
 * `streamlocal-forward@openssh.com` / `cancel-streamlocal-forward@openssh.com`, all under
 * `policy` (server-wide, sshd_config style) and each account's own policy; and the session
 * requests `auth-agent-req@openssh.com` and `agent-req` (agent forwarding) when the host has a
 * `sessionRequests` registry. Throws `ForwardingPolicyError` for a malformed policy.
 */
export function registerForwarding(
  host: ForwardingHost,
  policy?: ForwardingPolicy,
  owner = 'core',
): Forwarding {
  const resolved = resolveForwardingPolicy(policy);
  const tables = new WeakMap<ConnectionContext, RemoteForwardTable>();
  const deps: RemoteForwardDeps = {
    policy: resolved,
    tableFor(conn) {
      let table = tables.get(conn);
      if (!table) {
        table = new RemoteForwardTable(conn.signal);
        tables.set(conn, table);
      }
      return table;
    },
  };
  host.channelTypes.add(createDirectTcpipHandler(resolved), owner);
  host.channelTypes.add(createDirectStreamLocalHandler(resolved), owner);
  host.globalRequests.add(createTcpipForwardHandler(deps), owner);
  host.globalRequests.add(createCancelTcpipForwardHandler(deps), owner);
  host.globalRequests.add(createStreamLocalForwardHandler(deps), owner);
  host.globalRequests.add(createCancelStreamLocalForwardHandler(deps), owner);
  const agent = new AgentForwarding(resolved);
  for (const name of Object.keys(AGENT_REQUESTS)) {
    host.sessionRequests?.add(
      { name, handle: (request, session) => agent.onSessionRequest(request.type, session.channel, session) },
      owner,
    );
  }
  return { policy: resolved, agent, agentFor: (ref) => agent.agentFor(ref) };
}
