import {
  createSessionChannelType,
  type SessionRegistries,
  type SessionSettings,
} from '../../session/session-channel.js';
import { definePlugin, type SshdPlugin } from '../plugin.js';

/** What the `session` built-in needs: the registries its sessions look handlers up in. */
export interface SessionPluginDeps extends SessionRegistries {
  readonly settings?: SessionSettings;
}

/**
 * The built-in `session` channel (RFC 4254 §6) as a plugin: ptys, shells, exec and subsystems,
 * served by the shell and subsystem handlers other plugins register, else by processes.
 */
export function sessionPlugin(deps: SessionPluginDeps): SshdPlugin {
  return definePlugin({
    name: 'session',
    apiVersion: 1,
    description: 'the session channel: ptys, shells, exec and subsystems (RFC 4254 §6)',
    setup(ctx) {
      ctx.channelTypes.add(
        createSessionChannelType({
          shells: deps.shells,
          subsystems: deps.subsystems,
          ...(deps.sessionRequests ? { sessionRequests: deps.sessionRequests } : {}),
          ...(deps.settings ? { settings: deps.settings } : {}),
        }),
      );
    },
  });
}
