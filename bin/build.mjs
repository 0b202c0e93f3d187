#!/usr/bin/env node
// Compiles Latchkey once, at install: npm runs the root package's `prepare` script on
// `npm ci` (it blocks only dependencies' scripts), so `npm ci && npx latchkey serve` starts
// from JavaScript and a prebuilt renderer, with no transpiler or bundler at run time.
//
//   dist-cli/       the CLI and the server it starts (code-split: `serve` loads the server
//                   chunk, client commands do not; which libraries are bundled: BUNDLED below)
//   dist-main/      the Electron main process (ESM) and its sandboxed preload (CommonJS)
//   dist-renderer/  the React pages: app.js and app.css
//
// The stamp is written last, so a build that stopped half-way is never taken as fresh.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const STAMP = join(root, 'dist-cli', '.build-stamp');
const SOURCES = ['src-server', 'src-cli', 'src-renderer', 'src-main', 'package.json'];

/** Newest modification time (ms) among the sources the build reads. */
function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const s of SOURCES) visit(join(root, s));
  return newest;
}

/**
 * True when a complete build exists and no source is newer than it. A checkout without
 * sources (a packed install) counts as fresh; an edited source makes it stale, and
 * bin/latchkey.mjs then runs the sources through tsx instead (see README, "Building").
 */
export function isBuildFresh() {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  return stamp !== undefined && newestSource() <= stamp.mtimeMs;
}

// Libraries are bundled in: resolving and loading their module graphs file by file (and
// Node's scan of each CommonJS file for its exports) was half of the time to ready. Left in
// node_modules, loaded as published: native addons, packages that find files next to their
// own code (open's xdg-open, write-file-atomic, pino's workers), what only tests or the
// build use, and the lazily loaded heavy ones, which then cost nothing until first use.
const BUNDLED = new Set(['@sinclair/typebox', 'jose', 'fastify', '@fastify/cookie', '@fastify/formbody', '@fastify/helmet', '@fastify/rate-limit', '@fastify/ajv-compiler', 'ajv', 'ua-parser-js', 'rate-limiter-flexible', 'proxy-addr', 'forwarded-parse', 'ms', 'lowdb', 'commander', 'fastify-plugin']);

function externals() {
  const { dependencies, devDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return [...Object.keys({ ...dependencies, ...devDependencies }).filter((name) => !BUNDLED.has(name)), 'pino']
    .flatMap((name) => [name, `${name}/*`]);
}

export async function buildAll() {
  const { build } = await import('esbuild');
  // CommonJS libraries bundled into ESM still call require() for Node's built-ins: give them the real one.
  const banner = { js: "import { createRequire as __lkRequire } from 'node:module'; const require = __lkRequire(import.meta.url);" };
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', external: externals(), banner, logLevel: 'warning', absWorkingDir: root };
  rmSync(STAMP, { force: true });
  rmSync(join(root, 'dist-cli'), { recursive: true, force: true });
  await build({ ...common, entryPoints: ['src-cli/main.ts'], outdir: 'dist-cli', splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  await build({ ...common, entryPoints: ['src-main/main.ts'], outfile: 'dist-main/main.mjs' });
  await build({ ...common, entryPoints: ['src-main/preload.ts'], outfile: 'dist-main/preload.cjs', format: 'cjs', external: ['electron'], banner: undefined });
  // The renderer's one build recipe lives with the server, which also uses it in development.
  const { register } = await import('tsx/esm/api');
  const unregister = register();
  const { buildRenderer } = await import('../src-server/web/buildRenderer.ts');
  await buildRenderer(join(root, 'dist-renderer'));
  await unregister();
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  try {
    await buildAll();
    process.stdout.write(`latchkey: built dist-cli/, dist-main/ and dist-renderer/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`latchkey: build failed: ${String(err.message).split('\n')[0]}\n`);
    process.exit(1);
  }
}
