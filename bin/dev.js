#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Runs the CLI from the TypeScript sources (tsx compiles on import) with no build step: the root
// plugin is pointed at src/, where there is no manifest, so commands are discovered in
// src/commands rather than read from dist/ and oclif.manifest.json.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core';

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './commands';

await execute({
  development: true,
  dir: import.meta.url,
  loadOptions: { root: fileURLToPath(new URL('../src', import.meta.url)), pjson },
});
