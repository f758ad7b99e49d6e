import { mkdir } from 'node:fs/promises';
import type { AuthenticatedUser } from '../auth/types.js';
import { copiesBeforeCallback } from '../connection/channel.js';
import type { HandlerRegistry } from '../connection/handler-registry.js';
import type { ShellHandler, SubsystemHandler } from '../session/types.js';
import type { SftpLimits, SftpOperationEvent } from './options.js';
import { runScp } from './scp/run.js';
import { startSftpSession } from './session.js';
import { createLocalVfs } from './vfs/local/local-fs.js';
import type { Vfs } from './vfs.js';

/** How SFTP and scp serve a logged-in user. */
export interface FileTransferSettings {
  /** Our identification line (SYMLINK argument order depends on it, see `symlinkTargetFirst`). */
  readonly serverVersion: string;
  readonly limits?: Partial<SftpLimits>;
  /** Whether users may create symlinks (only ever to targets inside their jail); default yes. */
  readonly allowSymlinks?: boolean;
  /** Write CREAT|TRUNC uploads to a temporary name and rename on CLOSE; default yes. */
  readonly atomicUploads?: boolean;
  /** fsync files on CLOSE so an acknowledged CLOSE survives a crash; default no. */
  readonly fsyncOnClose?: boolean;
  /** Builds the file system a user sees; default: their home as a jailed local file system. */
  readonly vfsFor?: (user: AuthenticatedUser) => Promise<Vfs>;
  /** Called after each SFTP operation (for audit and metrics). */
  readonly onOperation?: (user: AuthenticatedUser, event: SftpOperationEvent) => void;
}

/** The default per-user file system: the user's home, jailed, with the account's SFTP options. */
export async function jailedHomeVfs(user: AuthenticatedUser, settings: FileTransferSettings): Promise<Vfs> {
  await mkdir(user.home, { recursive: true, mode: 0o700 });
  return createLocalVfs({
    root: user.home,
    readOnly: user.policy.sftpReadOnly,
    umask: user.policy.umask,
    allowSymlinks: settings.allowSymlinks === false ? 'never' : 'inside',
    atomicUploads: settings.atomicUploads ?? true,
    fsyncOnClose: settings.fsyncOnClose ?? false,
  });
}

/** The `sftp` subsystem (draft-ietf-secsh-filexfer-02) over each user's jailed file system. */
export function createSftpSubsystem(settings: FileTransferSettings): SubsystemHandler {
  const vfsFor = settings.vfsFor ?? ((user: AuthenticatedUser) => jailedHomeVfs(user, settings));
  return {
    name: 'sftp',
    requires: 'sftp',
    async start(io, ctx) {
      const vfs = await vfsFor(ctx.user);
      await startSftpSession(
        { input: io.stdin, output: io.stdout, outputCopies: copiesBeforeCallback(io.stdout) },
        {
          vfs,
          clientVersion: ctx.connection.clientVersion,
          serverVersion: settings.serverVersion,
          username: ctx.user.name,
          log: ctx.log,
          signal: io.signal,
          ...(settings.limits ? { limits: settings.limits } : {}),
          ...(settings.onOperation
            ? { onOperation: (e: SftpOperationEvent) => settings.onOperation!(ctx.user, e) }
            : {}),
        },
      );
      return 0;
    },
  };
}

/**
 * Legacy `scp -O` served in-process inside the same jail: an exec handler that takes commands
 * starting with `scp` and never hands them to a shell. Anything else is declined.
 */
export function createScpHandler(settings: FileTransferSettings): ShellHandler {
  const vfsFor = settings.vfsFor ?? ((user: AuthenticatedUser) => jailedHomeVfs(user, settings));
  return {
    name: 'scp',
    serves: ['exec'],
    requires: 'sftp',
    accept(command, ctx) {
      // A malformed scp command is still ours: runScp answers it with scp's usage error.
      if (command.kind !== 'exec' || !/^\s*scp(\s|$)/.test(command.command)) return { kind: 'decline' };
      return {
        kind: 'run',
        async run(io) {
          const vfs = await vfsFor(ctx.user);
          return runScp(command.command, { input: io.stdin, output: io.stdout, stderr: io.stderr }, vfs, {
            username: ctx.user.name,
            log: ctx.log,
          });
        },
      };
    },
  };
}

/** Registers SFTP and in-process scp on a server's session registries. */
export function registerFileTransfer(
  registries: {
    readonly subsystems: HandlerRegistry<SubsystemHandler>;
    readonly shells: HandlerRegistry<ShellHandler>;
  },
  settings: FileTransferSettings,
  owner = 'core',
): void {
  registries.subsystems.add(createSftpSubsystem(settings), owner);
  registries.shells.add(createScpHandler(settings), owner);
}
