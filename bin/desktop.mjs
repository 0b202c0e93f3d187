#!/usr/bin/env node
// npm start / npm run dist: runs Electron or electron-builder on the build `npm ci` made
// (bin/build.mjs: main process, preload, renderer), building first when it is missing or
// older than the sources. Where Electron cannot be had, it says so in one
// line and exits 1, never with a stack trace.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, isBuildFresh } from './build.mjs';
import { electronBinary, electronPackage, MISSING_ELECTRON } from './electronBinary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const fail = (message) => {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(1);
};

const command = process.argv[2];
if (!['start', 'build', 'dist'].includes(command)) fail('usage: desktop.mjs start|build|dist');
try {
  if (command === 'build' || !isBuildFresh()) await buildAll();
} catch (err) {
  fail(`could not build the desktop app: ${err.message.split('\n')[0]}`);
}
if (command === 'build') process.exit(0);

const binary = electronBinary();
if (command === 'start') {
  if (!binary) fail(`cannot start the desktop app: ${MISSING_ELECTRON}. The same server runs headless with: npx latchkey serve`);
  const child = spawn(binary, [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!binary) fail(`cannot build installers: ${MISSING_ELECTRON}`);
  mkdirSync(join(root, 'release'), { recursive: true });
  const log = join(root, 'release', 'builder.log');
  const builder = spawn(process.execPath, [join(root, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'electron-builder.yml',
    `--config.electronDist=${join(electronPackage, 'dist')}`, ...process.argv.slice(3)], { cwd: root });
  let output = '';
  builder.stdout.on('data', (c) => { output += c; process.stdout.write(c); });
  builder.stderr.on('data', (c) => { output += c; });
  builder.on('exit', (code) => {
    writeFileSync(log, output);
    if (code === 0) process.exit(0);
    // electron-builder prints stacks; the user gets its first error line and where the rest is.
    const line = output.split('\n').find((l) => /error|cannot|failed|ENOTFOUND|EAI_AGAIN/i.test(l))?.trim() ?? `exit code ${code}`;
    fail(`electron-builder failed: ${line.replace(/^[⨯•\s]+/, '')} (full log: release/builder.log)`);
  });
}
