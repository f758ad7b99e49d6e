/**
 * Serves the SFTP engine (or in-process scp) on stdin/stdout over a jailed local root, so the real
 * OpenSSH clients can drive it without SSH:
 *
 *   sftp -D 'node --import tsx stdio-server.ts'          (SFTP over stdio)
 *   scp -S <wrapper running this file> ...                (we stand in for ssh: the last argument is
 *                                                          the remote command, `-s ... sftp` asks for
 *                                                          the subsystem)
 *
 * Settings come from the environment: SFTP_TEST_ROOT (required), SFTP_TEST_CLIENT_VERSION,
 * SFTP_TEST_READONLY=1, SFTP_TEST_LOG=<file> (JSON lines).
 */
import fs from 'node:fs';
import { startSftpSession } from '../../../src/sftp/session.js';
import { runScp } from '../../../src/sftp/scp/run.js';
import type { SftpLogger } from '../../../src/sftp/options.js';
import { createLocalVfs } from '../../../src/sftp/vfs/local/local-fs.js';

const root = process.env.SFTP_TEST_ROOT;
if (!root) {
  process.stderr.write('SFTP_TEST_ROOT is not set\n');
  process.exit(2);
}
const logFile = process.env.SFTP_TEST_LOG;
const write = (level: string) => (obj: object, msg?: string) => {
  if (logFile)
    fs.appendFileSync(
      logFile,
      JSON.stringify({ level, msg, ...obj }, (_k, v) => (v instanceof Error ? v.message : v)) + '\n',
    );
};
const log: SftpLogger = {
  trace: write('trace'),
  debug: write('debug'),
  info: write('info'),
  warn: write('warn'),
  error: write('error'),
};
const vfs = createLocalVfs({ root, readOnly: process.env.SFTP_TEST_READONLY === '1' });
const streams = { input: process.stdin, output: process.stdout };

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const command = args[args.length - 1];
  const wantsSubsystem = args.includes('-s');
  if (args.length === 0 || (wantsSubsystem && command === 'sftp')) {
    await startSftpSession(streams, {
      vfs,
      clientVersion: process.env.SFTP_TEST_CLIENT_VERSION ?? 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6',
      username: 'tester',
      log,
    });
    return 0;
  }
  return runScp(command ?? '', { ...streams, stderr: process.stderr }, vfs, { log, username: 'tester' });
}

main().then(
  (code) => {
    process.exitCode = code;
    process.stdout.end();
  },
  (err: unknown) => {
    process.stderr.write(`stdio-server: ${String(err)}\n`);
    process.exit(1);
  },
);
