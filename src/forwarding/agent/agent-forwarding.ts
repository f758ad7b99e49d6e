import type { ConnectionInfo } from '../../auth/types.js';
import type { Channel, ConnectionContext, RequestOutcome } from '../../connection/types.js';
import { checkAgentForwarding, type ResolvedForwardingPolicy } from '../policy.js';
import { AgentClient, AgentError } from './agent-client.js';
import type { AgentIdentity } from './agent-protocol.js';
import { createAgentSocket } from './agent-socket.js';

/** Session request names that ask for agent forwarding, and the channel type each implies. */
export const AGENT_REQUESTS: Readonly<Record<string, string>> = Object.freeze({
  // OpenSSH PROTOCOL.agent: the request and its channel.
  'auth-agent-req@openssh.com': 'auth-agent@openssh.com',
  // The IANA names (draft-ietf-sshm-ssh-agent; OpenSSH 10.3 and later).
  'agent-req': 'agent-connect',
});

/** The client's forwarded agent, as a plugin uses it (a jump host signing with the user's keys). */
export interface ForwardedAgent {
  /** Opens a new connection to the agent (a channel to the client); close it when done. */
  connect(): Promise<AgentClient>;
  /** The keys the agent holds. */
  list(): Promise<AgentIdentity[]>;
  /** Signs `data` with the key `keyBlob` (see {@link AgentClient.sign}). */
  sign(keyBlob: Uint8Array, data: Uint8Array, flags?: number): Promise<Uint8Array>;
}

/** Anything that names a connection: its context, its info, or a session handler's context. */
export type ConnectionRef = ConnectionContext | ConnectionInfo | { readonly connection: ConnectionInfo };

/** What a session offers an agent request (a `SessionRequestContext` is one). */
export interface AgentSessionHooks {
  /** Whether the session's program has started (then an agent request is refused, as sshd). */
  readonly started: boolean;
  /** Sets a variable in the environment of the program the session starts. */
  setEnv(name: string, value: string): void;
}

interface Forwarded {
  readonly conn: ConnectionContext;
  readonly channelType: string;
  sessions: number;
}

const connectionId = (ref: ConnectionRef): string =>
  'info' in ref ? ref.info.id : 'connection' in ref ? ref.connection.id : ref.id;

/**
 * Agent forwarding for one server: serves `auth-agent-req@openssh.com` / `agent-req` session
 * requests under the policy (a per-session socket whose connections become agent channels to the
 * client, named in SSH_AUTH_SOCK), and lets plugins use a connection's forwarded agent.
 */
export class AgentForwarding {
  private readonly connections = new Map<string, Forwarded>();
  /** Session channels that already have an agent (a second request is refused, as sshd). */
  private readonly sessions = new WeakSet<Channel>();

  constructor(private readonly policy: ResolvedForwardingPolicy) {}

  /**
   * Serves an agent request on a session channel. Refused (failure) when the policy forbids it or
   * the session already has an agent; the socket goes away with the channel.
   */
  async onSessionRequest(
    requestType: string,
    channel: Channel,
    hooks: AgentSessionHooks,
  ): Promise<RequestOutcome> {
    const channelType = AGENT_REQUESTS[requestType];
    if (channelType === undefined) return 'unhandled';
    const { conn } = channel;
    const log = conn.log.child({ chan: channel.id });
    const verdict = checkAgentForwarding(this.policy, conn.user);
    if (!verdict.ok) {
      log.info({ why: verdict.why }, 'agent forwarding refused');
      return 'failure';
    }
    if (this.sessions.has(channel) || hooks.started) return 'failure';
    this.sessions.add(channel);
    const socket = await createAgentSocket(conn, channelType, log);
    hooks.setEnv('SSH_AUTH_SOCK', socket.path);
    const id = conn.info.id;
    const entry = this.connections.get(id) ?? { conn, channelType, sessions: 0 };
    entry.sessions++;
    this.connections.set(id, entry);
    void channel.closed.then(async () => {
      if (--entry.sessions === 0 && this.connections.get(id) === entry) this.connections.delete(id);
      await socket.close();
    });
    log.debug({}, 'agent forwarding on');
    return 'success';
  }

  /** The connection's forwarded agent, while a session that asked for one is open; else undefined. */
  agentFor(ref: ConnectionRef): ForwardedAgent | undefined {
    const entry = this.connections.get(connectionId(ref));
    if (!entry) return undefined;
    const connect = async (): Promise<AgentClient> => {
      let channel: Channel;
      try {
        channel = await entry.conn.openChannel(entry.channelType, new Uint8Array(0));
      } catch (err) {
        throw new AgentError(`the client refused the agent channel: ${(err as Error).message}`);
      }
      channel.stderr.end();
      return new AgentClient(channel.input, channel.output, { onClose: () => void channel.close() });
    };
    const once = async <T>(work: (client: AgentClient) => Promise<T>): Promise<T> => {
      const client = await connect();
      try {
        return await work(client);
      } finally {
        client.close();
      }
    };
    return {
      connect,
      list: () => once((c) => c.list()),
      sign: (keyBlob, data, flags) => once((c) => c.sign(keyBlob, data, flags)),
    };
  }
}
