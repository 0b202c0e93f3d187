import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './tunnel.ts';
import { spawnUntil } from './spawnUntil.ts';

export const NEXT_FIXTURE = fileURLToPath(new URL('../fixtures/next-app/', import.meta.url));
const BLOCK_NETWORK = fileURLToPath(new URL('./blockNetwork.mjs', import.meta.url));

/** Why the Next.js fixture cannot run here (its own node_modules are missing), or null. */
export function nextMissing(): string | null {
  return existsSync(join(NEXT_FIXTURE, 'node_modules', 'next', 'package.json')) ? null : `npm ci --prefix ${NEXT_FIXTURE} has not been run`;
}

/**
 * The Next.js fixture (app router: a client component and a Server Action) as `npm run dev`
 * starts it: `next dev --port N`, no --hostname. It runs from a copy in a folder inside the
 * fixture, so node_modules and Turbopack's root are the fixture's, and a test may edit its
 * pages. Its outbound connections are refused (tests/helpers/blockNetwork.mjs) and listed.
 */
export async function startNext() {
  const dir = mkdtempSync(join(NEXT_FIXTURE, '.run-'));
  for (const name of ['app', 'next.config.mjs', 'package.json']) cpSync(join(NEXT_FIXTURE, name), join(dir, name), { recursive: true });
  const blockedLog = join(dir, 'blocked.log');
  const port = await freePort();
  const next = await spawnUntil(process.execPath, [join(NEXT_FIXTURE, 'node_modules/next/dist/bin/next'), 'dev', '--port', String(port)], /Ready in/, {
    what: 'next dev', cwd: dir, timeoutMs: 90_000,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_FIXTURE_ROOT: NEXT_FIXTURE, LATCHKEY_BLOCKED_LOG: blockedLog, NODE_OPTIONS: `--import ${BLOCK_NETWORK}` },
  });
  // The address it prints ("Local: http://localhost:N") is the one it accepts requests for.
  const url = /Local:\s+(http:\/\/[^/\s]+)/.exec(next.output)?.[1];
  if (!url) throw new Error(`next dev printed no Local address:\n${next.output}`);
  return {
    dir, url,
    log: next.log,
    blocked: () => (existsSync(blockedLog) ? readFileSync(blockedLog, 'utf8').trim().split('\n').filter(Boolean) : []),
    async stop() {
      await next.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
