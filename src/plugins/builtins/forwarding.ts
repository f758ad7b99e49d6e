import {
  registerForwarding,
  type Forwarding,
  type ForwardingHost,
  type ForwardingPolicy,
} from '../../forwarding/index.js';
import { definePlugin, type SshdPlugin } from '../plugin.js';

/**
 * The built-in port, socket and agent forwarding (RFC 4254 §7, OpenSSH PROTOCOL §2.4) as a
 * plugin. Its handlers are registered under the plugin's name on `host`'s registries (agent
 * requests go to the session requests registry, which plugins do not see); `ready` receives the
 * forwarding API once set up.
 */
export function forwardingPlugin(
  host: ForwardingHost,
  policy: ForwardingPolicy | undefined,
  ready: (forwarding: Forwarding) => void,
): SshdPlugin {
  return definePlugin({
    name: 'forwarding',
    apiVersion: 1,
    description: 'port, unix socket and agent forwarding under the server and account policy',
    setup(ctx) {
      ready(registerForwarding(host, policy, ctx.name));
    },
  });
}
