#!/usr/bin/env node
// Runs the build that `npm ci` made (bin/build.mjs, through `prepare`). Where there is none, or
// a source is newer than it (someone is editing), it runs the TypeScript sources through tsx
// instead, so what runs is always what the sources say. `npm run build` refreshes the build.
import { fileURLToPath } from 'node:url';
import { isBuildFresh } from './build.mjs';

if (isBuildFresh()) {
  const { runCli } = await import('../dist-cli/main.js');
  await runCli(process.argv, { rendererDir: fileURLToPath(new URL('../dist-renderer', import.meta.url)) });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli } = await import('../src-cli/main.ts');
  await runCli(process.argv);
}
