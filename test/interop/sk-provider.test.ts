import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/openssh.js';
import { buildSkProvider } from '../helpers/sk-provider.js';

// sk_soft.so, our software FIDO security key (test/interop/sk-provider/sk_soft.c), checked
// against the real OpenSSH tools alone, without our server: ssh-keygen enrolls
// ed25519-sk and ecdsa-sk keys through it, signs files with them (ssh-keygen -Y sign) and
// verifies those signatures (ssh-keygen -Y verify), so they are genuine FIDO-format signatures
// over SHA256(application) || flags || counter || SHA256(data). The provider's env switches
// change the flags and counter it reports, or damage the signature.

const KEYS = [
  { type: 'ed25519-sk', name: 'sk-ssh-ed25519@openssh.com', label: 'ED25519-SK' },
  { type: 'ecdsa-sk', name: 'sk-ecdsa-sha2-nistp256@openssh.com', label: 'ECDSA-SK' },
] as const;

type KeyType = (typeof KEYS)[number]['type'];

const PRINCIPAL = 'tester@example.com';

/** Reads SSH wire fields from `blob` in order; throws past its end. */
function wire(blob: Buffer) {
  let o = 0;
  const bytes = (n: number): Buffer => {
    if (o + n > blob.length) throw new Error(`blob ends at ${blob.length}, wanted ${o + n}`);
    o += n;
    return blob.subarray(o - n, o);
  };
  return {
    bytes,
    byte: (): number => bytes(1).readUInt8(0),
    uint32: (): number => bytes(4).readUInt32BE(0),
    string: (): Buffer => bytes(bytes(4).readUInt32BE(0)),
    left: (): number => blob.length - o,
  };
}

/** The binary SSHSIG blob inside an armored `-----BEGIN SSH SIGNATURE-----` file. */
function dearmor(armored: string): Buffer {
  return Buffer.from(
    armored
      .split('\n')
      .filter((l) => !l.startsWith('-----'))
      .join(''),
    'base64',
  );
}

/**
 * The security-key signature inside an SSHSIG blob ("SSHSIG", uint32 version, string public
 * key, string namespace, string reserved, string hash algorithm, string signature), split into
 * its fields: string type, string sig, byte flags, uint32 counter.
 */
function skSignature(blob: Buffer) {
  const outer = wire(blob);
  expect(outer.bytes(6).toString()).toBe('SSHSIG');
  expect(outer.uint32()).toBe(1);
  for (let i = 0; i < 4; i++) outer.string();
  const sig = wire(outer.string());
  expect(outer.left()).toBe(0);
  const fields = {
    type: sig.string().toString(),
    inner: sig.string(),
    flags: sig.byte(),
    counter: sig.uint32(),
  };
  expect(sig.left()).toBe(0);
  return fields;
}

/** The decoded key blob of a `.pub` file. */
function publicKeyBlob(pubFile: string): Buffer {
  const [, b64 = ''] = readFileSync(pubFile, 'utf8').split(' ');
  return Buffer.from(b64, 'base64');
}

/** Armors an SSHSIG blob again, as ssh-keygen writes it. */
function armor(blob: Buffer): string {
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN SSH SIGNATURE-----', ...lines, '-----END SSH SIGNATURE-----', ''].join('\n');
}

describe('software security-key provider (sk_soft.so) with OpenSSH ssh-keygen', () => {
  let dir: string;
  let provider: string;
  let allowedSigners: string;
  const keyFile: Record<KeyType, string> = { 'ed25519-sk': '', 'ecdsa-sk': '' };
  const message = Buffer.from('a file to sign with a security key\n');
  let serial = 0;

  /** Our environment without any outside SK_SOFT_* or SSH_SK_PROVIDER, plus `extra`. */
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(e)) if (k.startsWith('SK_SOFT_') || k === 'SSH_SK_PROVIDER') delete e[k];
    return { ...e, ...extra };
  };

  /** `ssh-keygen -Y sign` of `message` (stdin to stdout); the provider is given with -w unless `viaEnv`. */
  const sign = async (type: KeyType, extra: Record<string, string> = {}, viaEnv = false) => {
    const providerArgs = viaEnv ? [] : ['-w', provider];
    const e = viaEnv ? { ...extra, SSH_SK_PROVIDER: provider } : extra;
    const r = await run('ssh-keygen', ['-Y', 'sign', '-f', keyFile[type], '-n', 'file', ...providerArgs], {
      input: message,
      env: env(e),
    });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.toString();
  };

  /** `ssh-keygen -vv -Y verify` of `message` against `signature`; details are what -vv reports. */
  const verify = async (signature: string, signers = allowedSigners) => {
    const sigFile = join(dir, `sig-${++serial}.sig`);
    writeFileSync(sigFile, signature);
    const r = await run(
      'ssh-keygen',
      ['-vv', '-Y', 'verify', '-f', signers, '-I', PRINCIPAL, '-n', 'file', '-s', sigFile],
      { input: message, env: env() },
    );
    const m = /signature details: counter = (\d+), flags = 0x([0-9a-f]{2})/.exec(r.stderr);
    return {
      ...r,
      out: r.stdout.toString(),
      details: m ? { counter: Number(m[1]), flags: parseInt(m[2] ?? '', 16) } : undefined,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-sk-provider-'));
    provider = buildSkProvider(dir);
    const lines: string[] = [];
    for (const { type } of KEYS) {
      keyFile[type] = join(dir, `id_${type.replace('-', '_')}`);
      const r = await run(
        'ssh-keygen',
        ['-q', '-t', type, '-w', provider, '-N', '', '-C', 'sk-soft', '-f', keyFile[type]],
        { env: env() },
      );
      expect(r.code, r.stderr).toBe(0);
      const [name = '', b64 = ''] = readFileSync(`${keyFile[type]}.pub`, 'utf8').split(' ');
      lines.push(`${PRINCIPAL} ${name} ${b64}`);
    }
    allowedSigners = join(dir, 'allowed_signers');
    writeFileSync(allowedSigners, `${lines.join('\n')}\n`);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ssh-keygen -t ed25519-sk -w enrolls a key: the raw 32-byte Ed25519 public key, application ssh:', () => {
    const line = readFileSync(`${keyFile['ed25519-sk']}.pub`, 'utf8').trim();
    expect(line).toMatch(/^sk-ssh-ed25519@openssh\.com AAAA\S+ sk-soft$/);
    const blob = wire(publicKeyBlob(`${keyFile['ed25519-sk']}.pub`));
    expect(blob.string().toString()).toBe('sk-ssh-ed25519@openssh.com');
    expect(blob.string().length).toBe(32);
    expect(blob.string().toString()).toBe('ssh:');
    expect(blob.left()).toBe(0);
  });

  it('ssh-keygen -t ecdsa-sk -w enrolls a key: nistp256, the uncompressed point, application ssh:', () => {
    const line = readFileSync(`${keyFile['ecdsa-sk']}.pub`, 'utf8').trim();
    expect(line).toMatch(/^sk-ecdsa-sha2-nistp256@openssh\.com AAAA\S+ sk-soft$/);
    const blob = wire(publicKeyBlob(`${keyFile['ecdsa-sk']}.pub`));
    expect(blob.string().toString()).toBe('sk-ecdsa-sha2-nistp256@openssh.com');
    expect(blob.string().toString()).toBe('nistp256');
    const point = blob.string();
    expect(point.length).toBe(65);
    expect(point.readUInt8(0)).toBe(0x04);
    expect(blob.string().toString()).toBe('ssh:');
    expect(blob.left()).toBe(0);
  });

  it.each(KEYS)(
    '$type: ssh-keygen -Y sign -w signs, and -Y verify accepts it (user presence, counter 1)',
    async ({ type, name, label }) => {
      const signature = await sign(type);
      const v = await verify(signature);
      expect(v.code, v.stderr).toBe(0);
      expect(v.out).toContain(`Good "file" signature for ${PRINCIPAL} with ${label} key`);
      expect(v.details).toEqual({ counter: 1, flags: 0x01 });
      const sig = skSignature(dearmor(signature));
      expect(sig).toMatchObject({ type: name, flags: 0x01, counter: 1 });
      if (type === 'ed25519-sk') expect(sig.inner.length).toBe(64);
      else {
        // mpint r, mpint s: at most 33 bytes each (a 0x00 in front of a set high bit).
        const inner = wire(sig.inner);
        expect(inner.string().length).toBeLessThanOrEqual(33);
        expect(inner.string().length).toBeLessThanOrEqual(33);
        expect(inner.left()).toBe(0);
      }
    },
  );

  it('ssh-keygen -Y sign also finds the provider through SSH_SK_PROVIDER', async () => {
    const v = await verify(await sign('ed25519-sk', {}, true));
    expect(v.code, v.stderr).toBe(0);
    expect(v.out).toContain('Good "file" signature');
  });

  it.each(KEYS)(
    '$type: SK_SOFT_BAD_SIGNATURE=1 makes a signature ssh-keygen -Y verify refuses',
    async ({ type }) => {
      const v = await verify(await sign(type, { SK_SOFT_BAD_SIGNATURE: '1' }));
      expect(v.code).not.toBe(0);
      expect(v.stderr).toContain('incorrect signature');
      expect(v.out).not.toContain('Good');
    },
  );

  it.each(KEYS)(
    '$type: SK_SOFT_FLAGS and SK_SOFT_COUNTER are reported, and both are covered by the signature',
    async ({ type }) => {
      const signature = await sign(type, { SK_SOFT_FLAGS: '0x05', SK_SOFT_COUNTER: '0x01020304' });
      const v = await verify(signature);
      expect(v.code, v.stderr).toBe(0);
      expect(v.details).toEqual({ counter: 0x01020304, flags: 0x05 });
      const blob = dearmor(signature);
      expect(skSignature(blob)).toMatchObject({ flags: 0x05, counter: 0x01020304 });
      // The signature is the SSHSIG's last field, so flags and counter are its last five bytes.
      expect(blob.subarray(-5)).toEqual(Buffer.from([0x05, 0x01, 0x02, 0x03, 0x04]));
      // Rewriting the flags byte or the counter in the signature blob breaks it.
      const flags = Buffer.from(blob);
      flags[flags.length - 5] = 0x01;
      const badFlags = await verify(armor(flags));
      expect(badFlags.code).not.toBe(0);
      expect(badFlags.stderr).toContain('incorrect signature');
      const counter = Buffer.from(blob);
      counter.writeUInt32BE(0x01020305, counter.length - 4);
      const badCounter = await verify(armor(counter));
      expect(badCounter.code).not.toBe(0);
      expect(badCounter.stderr).toContain('incorrect signature');
    },
  );

  it('SK_SOFT_FLAGS=0x00 (no touch): ssh-keygen -Y verify still accepts it, and allowed_signers has no no-touch-required', async () => {
    // Unlike sshd, which refuses a signature without user presence unless authorized_keys says
    // no-touch-required, ssh-keygen -Y verify (OpenSSH 9.2, and 10.0) does not look at the flags,
    // and no-touch-required is not an allowed_signers option: the line is skipped as bad.
    const signature = await sign('ed25519-sk', { SK_SOFT_FLAGS: '0x00' });
    const v = await verify(signature);
    expect(v.code, v.stderr).toBe(0);
    expect(v.details).toEqual({ counter: 1, flags: 0x00 });
    const noTouch = join(dir, 'allowed_signers_no_touch');
    writeFileSync(
      noTouch,
      readFileSync(allowedSigners, 'utf8').replaceAll(`${PRINCIPAL} `, `${PRINCIPAL} no-touch-required `),
    );
    const n = await verify(signature, noTouch);
    expect(n.code).not.toBe(0);
    expect(n.stderr).toContain('bad options: unknown key option');
  });

  it('the counter restarts at 1 in each ssh-sk-helper unless SK_SOFT_COUNTER_FILE carries it over', async () => {
    const counters = async (extra: Record<string, string>) => {
      const seen: (number | undefined)[] = [];
      for (let i = 0; i < 3; i++) seen.push((await verify(await sign('ecdsa-sk', extra))).details?.counter);
      return seen;
    };
    expect(await counters({})).toEqual([1, 1, 1]);
    expect(await counters({ SK_SOFT_COUNTER_FILE: join(dir, 'counter') })).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'counter'), 'utf8').trim()).toBe('3');
  });
});
