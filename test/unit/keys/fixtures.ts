import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import index from '../../fixtures/keys/index.json' with { type: 'json' };

/** Directory of the key fixtures (made by ssh-keygen and openssl; see index.json). */
export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/keys/', import.meta.url));
/** Passphrase of every encrypted fixture. */
export const FIXTURE_PASSPHRASE = index.passphrase;
/** Every fixture with its expected ssh-keygen output. */
export const fixtures = index.keys;
/** Reads a fixture file as text. */
export const readFixture = (name: string): string => readFileSync(FIXTURE_DIR + name, 'utf8');
