import type { SftpOperationEvent } from '../../sftp/options.js';
import { createScpHandler, createSftpSubsystem, type FileTransferSettings } from '../../sftp/subsystem.js';
import type { ServerEventEmitter } from '../events.js';
import { definePlugin, type SshdPlugin } from '../plugin.js';

/**
 * The built-in file transfer as a plugin: the `sftp` subsystem (draft-ietf-secsh-filexfer-02)
 * and legacy `scp` as an exec handler, both over each user's jailed home. Every SFTP request is
 * reported as an `sftp.op` server event.
 */
export function sftpPlugin(settings: FileTransferSettings, events?: ServerEventEmitter): SshdPlugin {
  return definePlugin({
    name: 'sftp',
    apiVersion: 1,
    description: 'the sftp subsystem and in-process scp, jailed to each home',
    setup(ctx) {
      ctx.subsystems.add({
        name: 'sftp',
        requires: 'sftp',
        start(io, session) {
          const report = (
            user: Parameters<NonNullable<FileTransferSettings['onOperation']>>[0],
            e: SftpOperationEvent,
          ) => {
            settings.onOperation?.(user, e);
            events?.emit('sftp.op', { conn: session.connection, user: user.name, ...e });
          };
          return createSftpSubsystem({ ...settings, onOperation: report }).start(io, session);
        },
      });
      ctx.shells.add(createScpHandler(settings));
    },
  });
}
