import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyCipherAlgorithms } from '../../src/algorithms/cipher/legacy.js';
import { legacySignatureAlgorithms } from '../../src/algorithms/hostkey/legacy.js';
import { legacyKexAlgorithms } from '../../src/algorithms/kex/legacy.js';
import { legacyMacAlgorithms } from '../../src/algorithms/mac/legacy.js';
import type { AuthBackend, AuthenticatedUser } from '../../src/auth/types.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { parsePrivateKey, type PublicKey } from '../../src/keys/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { createUserAuthBackend } from '../../src/server/user-auth-backend.js';
import { authenticatedWith, ssh, writeClientKey } from '../helpers/openssh.js';
import { startTestServer, testHostKeys, type TestServer } from '../helpers/test-server.js';
import { echoSession } from '../helpers/echo-session.js';

// The seed's legacy algorithms (issue 8) with the installed OpenSSH client: every legacy cipher,
// MAC, key exchange and signature algorithm that `ssh -Q` lists, data moved under each, and
// compression (`ssh -C`) round-tripping 100 MiB. With the default configuration none is offered.

const query = (what: string) =>
  new Set(execFileSync('ssh', ['-Q', what], { encoding: 'utf8' }).trim().split('\n'));
const names = (entries: readonly { algorithm: { name: string } }[]) => entries.map((e) => e.algorithm.name);
const clientCiphers = query('cipher');
const clientMacs = query('mac');
const clientKex = query('kex');
const clientSigs = query('key-sig');
const ciphers = names(legacyCipherAlgorithms).filter((n) => clientCiphers.has(n));
const macs = names(legacyMacAlgorithms).filter((n) => clientMacs.has(n));
const kexes = names(legacyKexAlgorithms).filter((n) => clientKex.has(n));
const sigs = names(legacySignatureAlgorithms).filter((n) => clientSigs.has(n));
const LEGACY = new Set([
  ...names(legacyCipherAlgorithms),
  ...names(legacyMacAlgorithms),
  ...names(legacyKexAlgorithms),
  ...names(legacySignatureAlgorithms),
  'zlib',
  'zlib@openssh.com',
]);

const dsaFixture = fileURLToPath(new URL('../fixtures/keys/dsa', import.meta.url));

/**
 * The store's authorized_keys parser refuses `ssh-dss` lines, so DSA user keys are authorized by
 * this wrapper around the store's backend: it accepts `dsaKey` for alice and logs her in as the
 * store would with no key options.
 */
function withDsaUserKey(
  inner: () => AuthBackend<AuthenticatedUser>,
  dsaKey: () => PublicKey,
): AuthBackend<AuthenticatedUser> {
  const isDsa = (key: PublicKey | undefined) =>
    key !== undefined && Buffer.from(key.blob).equals(Buffer.from(dsaKey().blob));
  return {
    progress: (user, completed, ctx) => inner().progress(user, completed, ctx),
    verifyPassword: (user, password, ctx) => inner().verifyPassword(user, password, ctx),
    acceptsPublicKey: async (user, key, ctx) =>
      (user === 'alice' && isDsa(key)) || inner().acceptsPublicKey(user, key, ctx),
    login: (user, proof, ctx) =>
      inner().login(user, isDsa(proof.publicKey) ? { methods: proof.methods } : proof, ctx),
  };
}

interface Negotiated {
  kex?: string;
  hostKey?: string;
  cipher?: string;
  mac?: string;
  compression?: string;
}

function negotiatedFrom(stderr: string): Negotiated {
  const line = /kex: server->client cipher: (\S+) MAC: (\S+) compression: (\S+)/.exec(stderr);
  return {
    kex: /kex: algorithm: (\S+)/.exec(stderr)?.[1],
    hostKey: /kex: host key algorithm: (\S+)/.exec(stderr)?.[1],
    cipher: line?.[1],
    mac: line?.[2],
    compression: line?.[3],
  };
}

/** Data that compresses part-way, like real traffic: text, runs and random stretches. */
function mixedData(size: number): Buffer {
  const out = Buffer.alloc(size);
  const text = Buffer.from(
    'sshd-kit legacy interop: the quick brown fox jumps over the lazy dog 0123456789\n',
  );
  for (let at = 0; at < size;) {
    const kind = (at >> 16) % 3;
    const n = Math.min(size - at, 4096 + ((at * 7) % 8192));
    if (kind === 0) for (let i = 0; i < n; i++) out[at + i] = text[(at + i) % text.length]!;
    else if (kind === 1) out.fill(at & 0xff, at, at + n);
    else randomBytes(n).copy(out, at);
    at += n;
  }
  return out;
}

describe('OpenSSH client × legacy algorithms (opted in by name)', () => {
  let server: TestServer;
  let dir: string;
  let ed25519File: string;
  let rsaFile: string;
  let dsaFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-legacy-'));
    const ed25519 = await generatePrivateKey('ed25519');
    const rsa = await generatePrivateKey('rsa', { bits: 2048 });
    const dsa = parsePrivateKey(readFileSync(dsaFixture, 'utf8'));
    ed25519File = await writeClientKey(dir, 'id_ed25519', ed25519);
    rsaFile = await writeClientKey(dir, 'id_rsa', rsa);
    // Our key writer does not write DSA keys (ssh-keygen's own file is used as is).
    dsaFile = join(dir, 'id_dsa');
    copyFileSync(dsaFixture, dsaFile);
    chmodSync(dsaFile, 0o600);
    const store: { backend?: AuthBackend<AuthenticatedUser> } = {};
    server = await startTestServer({
      users: [{ name: 'alice', keys: [ed25519, rsa] }],
      server: {
        authBackend: withDsaUserKey(
          () => store.backend!,
          () => dsa.publicKey,
        ),
        hostKeys: [...(await testHostKeys()), dsa],
        algorithms: {
          kexAlgorithms: `+${names(legacyKexAlgorithms).join(',')}`,
          hostKeyAlgorithms: `+${names(legacySignatureAlgorithms).join(',')}`,
          ciphers: `+${names(legacyCipherAlgorithms).join(',')}`,
          macs: `+${names(legacyMacAlgorithms).join(',')}`,
          compression: ['none', 'zlib@openssh.com', 'zlib'],
          pubkeyAcceptedAlgorithms: `+${names(legacySignatureAlgorithms).join(',')}`,
        },
      },
      setup: (s) => s.channelTypes.add(echoSession, 'test', { replace: true }),
    });
    store.backend = createUserAuthBackend({
      store: server.store,
      dataDir: server.dataDir,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Logs in as alice with `key`, runs `cat` over `input` and returns what ssh reported. */
  async function session(options: string[], input: Buffer, key = ed25519File) {
    const r = await ssh(server.port, ['-vv', ...options, '-i', key, 'alice@127.0.0.1', 'cat'], {
      input,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout.equals(input)).toBe(true);
    return { negotiated: negotiatedFrom(r.stderr), stderr: r.stderr };
  }

  it('covers what the installed client still speaks', () => {
    expect(ciphers).toEqual(expect.arrayContaining(['aes128-cbc', 'aes256-cbc', '3des-cbc']));
    expect(macs).toEqual(expect.arrayContaining(['hmac-sha1-96', 'hmac-md5', 'hmac-md5-96-etm@openssh.com']));
    expect(kexes).toEqual(expect.arrayContaining(['diffie-hellman-group14-sha1']));
    expect(sigs).toEqual(expect.arrayContaining(['ssh-rsa']));
    expect(server.server.legacyAlgorithms).toEqual(expect.arrayContaining([...ciphers, ...macs, ...kexes]));
  });

  for (const cipher of ciphers) {
    it(`cipher ${cipher} moves 256 KiB both ways`, async () => {
      const { negotiated } = await session(['-o', `Ciphers=${cipher}`], randomBytes(256 * 1024));
      expect(negotiated.cipher).toBe(cipher);
    });
  }

  for (const mac of macs) {
    it(`mac ${mac} with aes128-cbc`, async () => {
      const { negotiated } = await session(
        ['-o', 'Ciphers=aes128-cbc', '-o', `MACs=${mac}`],
        randomBytes(64 * 1024),
      );
      expect(negotiated).toMatchObject({ cipher: 'aes128-cbc', mac });
    });
  }

  for (const kex of kexes) {
    it(`kex ${kex} with each legacy host key algorithm`, async () => {
      for (const hostKey of sigs) {
        const { negotiated } = await session(
          ['-o', `KexAlgorithms=${kex}`, '-o', `HostKeyAlgorithms=${hostKey}`],
          Buffer.from(`${kex} ${hostKey}\n`),
        );
        expect(negotiated).toMatchObject({ kex, hostKey });
      }
    }, 120_000);
  }

  for (const sig of sigs) {
    it(`user key signed with ${sig}`, async () => {
      const key = sig === 'ssh-dss' ? dsaFile : rsaFile;
      const { stderr } = await session(
        ['-o', `PubkeyAcceptedAlgorithms=${sig}`],
        Buffer.from('signed\n'),
        key,
      );
      expect(authenticatedWith(stderr)).toBe('publickey');
      expect(stderr).toMatch(new RegExp(`Server accepts key: .* ${sig === 'ssh-dss' ? 'DSA' : 'RSA'} `));
    });
  }

  it('ssh -C (zlib@openssh.com, delayed) round-trips 100 MiB', async () => {
    const data = mixedData(100 * 1024 * 1024);
    const { negotiated, stderr } = await session(['-C'], data);
    expect(negotiated.compression).toBe('zlib@openssh.com');
    expect(stderr).toMatch(/Enabling compression at level 6/);
  }, 180_000);

  it('-o Compression=yes with a legacy cipher and MAC round-trips 8 MiB', async () => {
    const data = mixedData(8 * 1024 * 1024);
    const { negotiated } = await session(
      ['-o', 'Compression=yes', '-o', 'Ciphers=aes256-cbc', '-o', 'MACs=hmac-sha1-96'],
      data,
    );
    expect(negotiated).toMatchObject({
      cipher: 'aes256-cbc',
      mac: 'hmac-sha1-96',
      compression: 'zlib@openssh.com',
    });
  }, 120_000);

  it('survives rekeys under 3des-cbc + hmac-md5 + compression (RekeyLimit)', async () => {
    const data = mixedData(3 * 1024 * 1024);
    const { negotiated, stderr } = await session(
      ['-C', '-o', 'Ciphers=3des-cbc', '-o', 'MACs=hmac-md5', '-o', 'RekeyLimit=1M'],
      data,
    );
    expect(negotiated).toMatchObject({
      cipher: '3des-cbc',
      mac: 'hmac-md5',
      compression: 'zlib@openssh.com',
    });
    expect(stderr).toMatch(/SSH2_MSG_KEXINIT sent[\s\S]*SSH2_MSG_KEXINIT sent/);
  }, 120_000);
});

describe('OpenSSH client × pre-auth zlib', () => {
  let server: TestServer;
  let dir: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-zlib-'));
    const key = await generatePrivateKey('ed25519');
    keyFile = await writeClientKey(dir, 'id_ed25519', key);
    server = await startTestServer({
      users: [{ name: 'alice', keys: [key] }],
      server: { algorithms: { compression: ['zlib'] } },
      setup: (s) => s.channelTypes.add(echoSession, 'test', { replace: true }),
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('-o Compression=yes negotiates zlib (RFC 4253 §6.2) and round-trips 8 MiB', async () => {
    const data = mixedData(8 * 1024 * 1024);
    const r = await ssh(
      server.port,
      ['-vv', '-o', 'Compression=yes', '-i', keyFile, 'alice@127.0.0.1', 'cat'],
      {
        input: data,
        timeoutMs: 120_000,
      },
    );
    expect(negotiatedFrom(r.stderr).compression).toBe('zlib');
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
  }, 120_000);
});

describe('default configuration', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('offers no legacy algorithm in its KEXINIT', async () => {
    const r = await ssh(server.port, [
      '-vv',
      '-o',
      'PreferredAuthentications=none',
      'probe@127.0.0.1',
      'true',
    ]);
    const proposal = r.stderr.split('peer server KEXINIT proposal')[1]!;
    const lists = [
      ...proposal.matchAll(
        /debug2: (KEX algorithms|host key algorithms|ciphers ctos|ciphers stoc|MACs ctos|MACs stoc|compression ctos|compression stoc): (\S*)/g,
      ),
    ]
      .slice(0, 8)
      .map((m) => [m[1], m[2]!.split(',')] as const);
    expect(lists).toHaveLength(8);
    for (const [, offered] of lists) for (const name of offered) expect(LEGACY.has(name), name).toBe(false);
    expect(server.server.legacyAlgorithms).toEqual([]);
  });

  it('refuses a client that insists on a legacy cipher', async () => {
    const r = await ssh(server.port, ['-v', '-o', 'Ciphers=aes128-cbc', 'probe@127.0.0.1', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no matching cipher found/);
    expect(r.stderr).not.toMatch(/Authenticated to/);
  });
});
