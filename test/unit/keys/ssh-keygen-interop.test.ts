// Keys we write must be read by the real OpenSSH ssh-keygen with the fingerprint we compute, and
// keys it writes (fresh, every type, plain and encrypted) must load here with its fingerprint.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeOpenSshPrivateKey,
  formatFingerprintLine,
  formatPublicKeyLine,
  generatePrivateKey,
  parsePrivateKey,
  parsePublicKeyFile,
  type GeneratedKeyKind,
} from '../../../src/keys/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sshKeygen = (...args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const cases: { kind: GeneratedKeyKind; bits?: number; keygenArgs: string[] }[] = [
  { kind: 'ed25519', keygenArgs: ['-t', 'ed25519'] },
  { kind: 'ecdsa', bits: 256, keygenArgs: ['-t', 'ecdsa', '-b', '256'] },
  { kind: 'ecdsa', bits: 384, keygenArgs: ['-t', 'ecdsa', '-b', '384'] },
  { kind: 'ecdsa', bits: 521, keygenArgs: ['-t', 'ecdsa', '-b', '521'] },
  { kind: 'rsa', bits: 2048, keygenArgs: ['-t', 'rsa', '-b', '2048'] },
];

describe('keys we write, read by ssh-keygen', () => {
  it.each(cases)('$kind $bits: ssh-keygen -l and -y agree, plain and encrypted', async ({ kind, bits }) => {
    const key = await generatePrivateKey(kind, { bits, comment: `ours ${kind}` });
    const ours = formatFingerprintLine(key.publicKey);
    for (const passphrase of ['', 'correct horse']) {
      const file = join(dir, `ours-${kind}-${bits ?? 0}-${passphrase === '' ? 'plain' : 'enc'}`);
      writeFileSync(file, encodeOpenSshPrivateKey(key, { passphrase }), { mode: 0o600 });
      // -l on a private key alone reads the key; an encrypted one only by its clear public part,
      // without the comment (which is encrypted).
      const alone = passphrase === '' ? ours : ours.replace(`ours ${kind}`, 'no comment');
      expect(sshKeygen('-l', '-f', file)).toBe(alone);
      // -y decrypts the key and prints the public key line with the comment.
      expect(sshKeygen('-y', '-P', passphrase, '-f', file)).toBe(formatPublicKeyLine(key.publicKey));
      // With our .pub beside it, -l prints exactly our line.
      writeFileSync(`${file}.pub`, formatPublicKeyLine(key.publicKey) + '\n');
      expect(sshKeygen('-l', '-f', file)).toBe(ours);
    }
  });
});

describe('keys ssh-keygen writes, read by us', () => {
  it.each(cases)('$keygenArgs: plain and encrypted load with its fingerprint', ({ keygenArgs }) => {
    for (const passphrase of ['', 'correct horse']) {
      const file = join(dir, `theirs-${keygenArgs.join('')}-${passphrase === '' ? 'plain' : 'enc'}`);
      sshKeygen('-q', ...keygenArgs, '-N', passphrase, '-C', 'made by ssh-keygen', '-f', file);
      chmodSync(file, 0o600);
      const expected = sshKeygen('-l', '-f', `${file}.pub`);
      const key = parsePrivateKey(readFileSync(file), {
        passphrase: passphrase === '' ? undefined : passphrase,
      });
      expect(formatFingerprintLine(key.publicKey)).toBe(expected);
      expect(formatFingerprintLine(parsePublicKeyFile(readFileSync(`${file}.pub`, 'utf8')))).toBe(expected);
    }
  });
});
