import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The software security-key provider's source (test/interop/sk-provider/sk_soft.c). */
export const SK_PROVIDER_SOURCE = join(import.meta.dirname, '..', 'interop', 'sk-provider', 'sk_soft.c');

/**
 * Compiles sk_soft.c, our software FIDO "security key" for OpenSSH's SecurityKeyProvider
 * (ssh -o SecurityKeyProvider=, ssh-keygen -w, SSH_SK_PROVIDER), into `dir`/sk_soft.so with
 * the system's cc and libcrypto, and returns the library's path. Throws with cc's output if
 * the build fails. Its behaviour switches (SK_SOFT_FLAGS, SK_SOFT_COUNTER, SK_SOFT_COUNTER_FILE,
 * SK_SOFT_BAD_SIGNATURE) are read from the environment of the OpenSSH process that signs.
 */
export function buildSkProvider(dir: string): string {
  const out = join(dir, 'sk_soft.so');
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', out, SK_PROVIDER_SOURCE, '-lcrypto'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (cc.error) throw cc.error;
  if (cc.status !== 0) {
    throw new Error(`cc failed to build ${SK_PROVIDER_SOURCE} (${cc.status ?? cc.signal}):\n${cc.stderr}`);
  }
  return out;
}
