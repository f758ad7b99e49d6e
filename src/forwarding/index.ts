/** Port, unix-socket and agent forwarding: built-in handlers registered like any plugin's (RFC 4254 §7, OpenSSH PROTOCOL §2.4, PROTOCOL.agent). */
export { registerForwarding, type Forwarding, type ForwardingHost } from './register.js';
export {
  resolveForwardingPolicy,
  parsePermitEntry,
  ForwardingPolicyError,
  type ForwardingPolicy,
  type ForwardingSwitch,
  type GatewayPorts,
  type PermitRule,
  type ResolvedForwardingPolicy,
} from './policy.js';
export {
  AGENT_REQUESTS,
  AgentForwarding,
  type AgentSessionHooks,
  type ConnectionRef,
  type ForwardedAgent,
} from './agent/agent-forwarding.js';
export { AgentClient, AgentError, type AgentClientOptions } from './agent/agent-client.js';
export { AgentMsg, AgentSignFlags, type AgentIdentity } from './agent/agent-protocol.js';
export { ForwardingNames } from './messages.js';
