import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HERMETIC_SSH_OPTIONS, run, type RunResult } from './openssh.js';

/** Where `.ci/setup-openssh10` puts the Debian 13 tree holding OpenSSH 10's client. */
export const OPENSSH10_ROOT = process.env.SSHD_KIT_OPENSSH10_ROOT ?? '/var/cache/sshd-kit/trixie';

/** Throws a one-line explanation when the OpenSSH 10 tree is missing. */
export function requireOpenSsh10(): void {
  if (!existsSync(join(OPENSSH10_ROOT, 'usr/bin/ssh'))) {
    throw new Error(
      `OpenSSH 10 client not found under ${OPENSSH10_ROOT}: run .ci/setup-openssh10 (root, debootstrap)`,
    );
  }
}

/** Runs OpenSSH 10's `ssh` (chrooted into the trixie tree) against 127.0.0.1:`port`. */
export function ssh10(
  port: number,
  extra: readonly string[],
  options: Parameters<typeof run>[2] = {},
): Promise<RunResult> {
  return run(
    'chroot',
    [OPENSSH10_ROOT, 'ssh', ...HERMETIC_SSH_OPTIONS, '-o', 'BatchMode=yes', '-p', String(port), ...extra],
    options,
  );
}

/** `ssh -Q what` of OpenSSH 10. */
export async function query10(what: string): Promise<string[]> {
  const r = await run('chroot', [OPENSSH10_ROOT, 'ssh', '-Q', what]);
  return r.stdout.toString().trim().split('\n');
}
