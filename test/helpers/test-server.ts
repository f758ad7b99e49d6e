import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { SshServer, type SshServerOptions } from '../../src/server/server.js';
import { createUserAuthBackend, type UserAuthBackendOptions } from '../../src/server/user-auth-backend.js';
import { parseAuthorizedKeyLine } from '../../src/users/authorized-keys.js';
import { hashPassword } from '../../src/users/password-hash.js';
import { SqliteUserStore } from '../../src/users/sqlite-store.js';
import type { NewUser } from '../../src/users/user-store.js';

/** A user to create in the test server's store. */
export interface TestUser extends Omit<NewUser, 'passwordHash' | 'authorizedKeys'> {
  readonly password?: string;
  readonly keys?: readonly PrivateKey[];
}

/** A running server on 127.0.0.1 with its own data directory, removed by {@link TestServer.close}. */
export interface TestServer {
  readonly server: SshServer;
  readonly port: number;
  readonly dataDir: string;
  readonly store: SqliteUserStore;
  readonly hostKeys: readonly PrivateKey[];
  close(): Promise<void>;
}

/** Host keys are expensive to make (RSA): one set per test process. */
let cachedHostKeys: Promise<PrivateKey[]> | undefined;
export function testHostKeys(): Promise<PrivateKey[]> {
  cachedHostKeys ??= Promise.all([
    generatePrivateKey('ed25519', { comment: 'test-host' }),
    generatePrivateKey('ecdsa', { bits: 256, comment: 'test-host' }),
    generatePrivateKey('rsa', { bits: 2048, comment: 'test-host' }),
  ]);
  return cachedHostKeys;
}

/** Cheap scrypt parameters for tests (the real defaults cost ~100 ms per hash). */
const TEST_SCRYPT = { ln: 10, r: 8, p: 1 } as const;

/** Starts a server on an ephemeral port with the given users. */
export async function startTestServer(
  options: {
    users?: readonly TestUser[];
    server?: Partial<SshServerOptions>;
    log?: Logger;
    setup?(server: SshServer, dataDir: string): void | Promise<void>;
    /** Where the data directory (and so the users' homes) is made; default the temporary directory. */
    dataParent?: string;
    /** Certificate trust, revocation and security-key terms (config trustedUserCAKeys, revokedKeys, pubkeyAuthOptions). */
    backend?: Pick<UserAuthBackendOptions, 'trustedUserCAKeys' | 'revokedKeys' | 'securityKeys'>;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(options.dataParent ?? tmpdir(), 'sshd-kit-test-'));
  const store = SqliteUserStore.open(dataDir);
  for (const u of options.users ?? []) {
    const { password, keys, ...rest } = u;
    await store.add({
      ...rest,
      ...(password === undefined ? {} : { passwordHash: await hashPassword(password, TEST_SCRYPT) }),
      authorizedKeys: (keys ?? []).map((k) =>
        parseAuthorizedKeyLine(formatPublicKeyLine(k.publicKey, 'test')),
      ),
    });
  }
  const hostKeys = await testHostKeys();
  const log = options.log;
  const server = new SshServer({
    hostKeys,
    authBackend: createUserAuthBackend({ store, dataDir, log: log ?? silentLogger, ...options.backend }),
    ...(log ? { log } : {}),
    ...options.server,
  });
  await options.setup?.(server, dataDir);
  const address = await server.listen(0, '127.0.0.1');
  return {
    server,
    port: address.port,
    dataDir,
    store,
    hostKeys,
    async close() {
      await server.close(0);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
