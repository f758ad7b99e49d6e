import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log/logger.js';
import { createPinoLogger } from '../../../src/log/pino-logger.js';
import { HostKeyLoadError, loadServeHostKeys } from '../../../src/server/serve-host-keys.js';

const FIXTURES = new URL('../../fixtures/keys/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sshd-kit-hostkeys-'));
  dirs.push(d);
  return d;
};

/** The real JSON logger, writing to a temporary file that `lines()` reads back. */
function recorder(): { log: Logger; lines: () => { level: number; msg: string; [k: string]: unknown }[] } {
  const file = join(tmp(), 'log.json');
  const log = createPinoLogger({ level: 'info', format: 'json', destination: { file } });
  const lines = () =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
  return { log, lines };
}

const base = { passphrase: async () => undefined, profile: 'default' as const };

describe('loadServeHostKeys', () => {
  it('generates the missing default kinds once, even when two servers start together', async () => {
    const dir = tmp();
    const r1 = recorder();
    const r2 = recorder();
    const [a, b] = await Promise.all([
      loadServeHostKeys({ ...base, dataDir: dir, paths: undefined, log: r1.log }),
      loadServeHostKeys({ ...base, dataDir: dir, paths: undefined, log: r2.log }),
    ]);
    expect(a.map((k) => k.key.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect(b.map((k) => k.fingerprint)).toEqual(a.map((k) => k.fingerprint));
    const generated = [...r1.lines(), ...r2.lines()].filter((l) => l.msg === 'generated host key');
    expect(generated).toHaveLength(3);
    const again = await loadServeHostKeys({ ...base, dataDir: dir, paths: undefined, log: recorder().log });
    expect(again.every((k) => !k.generated)).toBe(true);
  });

  it('loads explicit hostKeys, unlocking encrypted ones through the provider', async () => {
    const { log } = recorder();
    const keys = await loadServeHostKeys({
      ...base,
      dataDir: tmp(),
      paths: [join(FIXTURES, 'ed25519'), join(FIXTURES, 'ecdsa-256-enc')],
      passphrase: async (file) => (file.encrypted ? 'fixture passphrase' : undefined),
      log,
    });
    expect(keys.map((k) => k.key.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    await expect(
      loadServeHostKeys({ ...base, dataDir: tmp(), paths: [join(FIXTURES, 'ecdsa-256-enc')], log }),
    ).rejects.toThrow(/ecdsa-256-enc is encrypted: give its passphrase with --host-key-passphrase-stdin/);
    await expect(
      loadServeHostKeys({
        ...base,
        dataDir: tmp(),
        paths: [join(FIXTURES, 'ecdsa-256-enc')],
        passphrase: async () => 'wrong',
        log,
      }),
    ).rejects.toThrow(HostKeyLoadError);
    await expect(
      loadServeHostKeys({ ...base, dataDir: tmp(), paths: [join(FIXTURES, 'no-such-key')], log }),
    ).rejects.toThrow(/cannot read host key .*no-such-key \(ENOENT\)/);
  });

  it('the hardened profile skips RSA host keys under 3072 bits, with a warning', async () => {
    const dir = tmp();
    for (const [from, to] of [
      ['ed25519', 'ssh_host_ed25519_key'],
      ['ecdsa-256', 'ssh_host_ecdsa_key'],
      ['rsa-2048', 'ssh_host_rsa_key'],
    ]) {
      copyFileSync(join(FIXTURES, from!), join(dir, to!));
      copyFileSync(join(FIXTURES, `${from}.pub`), join(dir, `${to}.pub`));
    }
    const { log, lines } = recorder();
    const keys = await loadServeHostKeys({
      ...base,
      profile: 'hardened',
      dataDir: dir,
      paths: undefined,
      log,
    });
    expect(keys.map((k) => k.key.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(lines().find((l) => l.level === 40)).toMatchObject({
      bits: 2048,
      path: join(dir, 'ssh_host_rsa_key'),
    });
    await expect(
      loadServeHostKeys({
        ...base,
        profile: 'hardened',
        dataDir: tmp(),
        paths: [join(FIXTURES, 'rsa-2048')],
        log,
      }),
    ).rejects.toThrow(/no usable host key among hostKeys/);
  });
});
