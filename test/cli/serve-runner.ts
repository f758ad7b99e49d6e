// Runs `sshd-kit serve` from the TypeScript sources, the way bin/run.js runs the built command:
//   node --import tsx test/cli/serve-runner.ts serve --data-dir DIR …
// (for quick manual runs; the serve tests use the built bin through helpers.ts).
import { handle } from '@oclif/core';

const [id, ...argv] = process.argv.slice(2);
const root = new URL('../../', import.meta.url).pathname;
try {
  const mod = (await import(`../../src/commands/${id!.replaceAll(':', '/')}.ts`)) as {
    default: { run(argv: string[], root: string): Promise<unknown> };
  };
  await mod.default.run(argv, root);
} catch (err) {
  await handle(err as Error);
}
