import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HOST_KEY_KINDS,
  HostKeyStore,
  kindOfKeyType,
  type HostKeyFile,
} from '../../../src/keys/host-key-store.js';
import {
  KeyFormatError,
  PassphraseRequiredError,
  WrongPassphraseError,
  fingerprintSha256,
} from '../../../src/keys/index.js';
import {
  firstPassphrase,
  fixedPassphrase,
  type PassphraseSource,
} from '../../../src/keys/passphrase-providers.js';
import { readFixture } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'sshd-kit-hks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshStore = () => new HostKeyStore(join(root, `store-${n++}`, 'nested'));

describe('HostKeyStore', () => {
  it('ensure() writes the ssh-keygen -A set once, with the right modes, and list() finds them', async () => {
    const store = freshStore();
    expect(await store.list()).toEqual([]);
    expect(await store.missing()).toEqual(DEFAULT_HOST_KEY_KINDS);
    const written = await store.ensure(DEFAULT_HOST_KEY_KINDS, { comment: 'c' });
    expect(written.map((w) => w.kind)).toEqual(['ed25519', 'ecdsa', 'rsa']);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    for (const w of written) {
      expect(statSync(w.path).mode & 0o777).toBe(0o600);
      expect(statSync(w.publicPath).mode & 0o777).toBe(0o644);
    }
    expect(await store.ensure()).toEqual([]);
    const listed = await store.list();
    expect(listed.map((f) => [f.kind, f.encrypted, f.publicKey?.comment])).toEqual([
      ['ed25519', false, 'c'],
      ['ecdsa', false, 'c'],
      ['rsa', false, 'c'],
    ]);
    const loaded = await store.load();
    expect(loaded.map((l) => fingerprintSha256(l.key.publicKey))).toEqual(
      written.map((w) => fingerprintSha256(w.key.publicKey)),
    );
  });

  it('refuses to overwrite unless told to', async () => {
    const store = freshStore();
    const a = await store.generate('ed25519');
    await expect(store.generate('ed25519')).rejects.toMatchObject({ code: 'EEXIST' });
    const b = await store.generate('ed25519', { overwrite: true });
    expect(fingerprintSha256(b.key.publicKey)).not.toBe(fingerprintSha256(a.key.publicKey));
    expect(readFileSync(b.publicPath, 'utf8')).toContain(
      Buffer.from(b.key.publicKey.blob).toString('base64'),
    );
  });

  it('loads encrypted keys through a passphrase provider and names the file on failure', async () => {
    const store = freshStore();
    await store.generate('ecdsa', { bits: 384, passphrase: 'host key pass' });
    await store.generate('ed25519');
    const asked: string[] = [];
    const sources: PassphraseSource[] = [];
    const provider = firstPassphrase(
      {
        keychain: async () => undefined,
        given: async (f: HostKeyFile) => {
          asked.push(f.kind);
          return 'host key pass';
        },
      },
      (_, s) => sources.push(s),
    );
    const loaded = await store.load({ passphrase: provider });
    expect(loaded.map((l) => l.key.type)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp384']);
    expect(asked).toEqual(['ecdsa']);
    expect(sources).toEqual(['given']);
    await expect(store.load()).rejects.toThrow(PassphraseRequiredError);
    await expect(store.load()).rejects.toThrow(/ssh_host_ecdsa_key: /);
    await expect(store.load({ passphrase: fixedPassphrase('wrong') })).rejects.toThrow(WrongPassphraseError);
  });

  it('reads keys written by ssh-keygen, PEM keys, and rejects a .pub that does not match', async () => {
    const store = freshStore();
    await store.generate('ed25519');
    writeFileSync(store.pathFor('rsa'), readFixture('rsa-2048-pkcs1.pem'), { mode: 0o600 });
    writeFileSync(store.pathFor('ecdsa'), readFixture('ecdsa-256'), { mode: 0o600 });
    const keys = await store.load();
    expect(keys.map((k) => k.file.kind)).toEqual(['ed25519', 'ecdsa', 'rsa']);
    writeFileSync(`${store.pathFor('ecdsa')}.pub`, readFixture('ecdsa-384.pub'));
    await expect(store.list()).rejects.toThrow(KeyFormatError);
    await expect(store.list()).rejects.toThrow(/ssh_host_ecdsa_key\.pub: the \.pub file does not match/);
  });

  it('refuses to write a key under the wrong kind', async () => {
    const store = freshStore();
    const { key } = await store.generate('ed25519');
    await expect(store.write('rsa', key)).rejects.toThrow(RangeError);
    expect(kindOfKeyType('ecdsa-sha2-nistp521')).toBe('ecdsa');
  });
});
