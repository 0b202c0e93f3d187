import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLatchkey, type LatchkeyOptions } from '../../src-server/app/createLatchkey.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { toLoopback } from './tunnel.ts';

export function tempHome(config?: Record<string, unknown>): string {
  const home = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  if (config) writeFileSync(join(home, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return home;
}

/** A real server on free loopback ports with its own home folder and a clock the test can move. */
export async function startServer(opts: { config?: Record<string, unknown>; home?: string } & Partial<LatchkeyOptions> = {}) {
  const home = opts.home ?? tempHome(opts.config);
  const clock = createManualClock();
  const warnings: string[] = [];
  const lk = await createLatchkey({
    localPort: 0, remotePort: 0, clock, warn: (m) => warnings.push(m),
    // Tests run many ceremonies from one IP; the limits themselves have their own test.
    limits: { ceremoniesPerMinute: 1000, pairingsPer10Minutes: 1000, remotePerMinute: 100_000 },
    // The tunnel check never looks a name up or leaves the machine in tests.
    reachCheck: { lookup: toLoopback, timeoutMs: 2_000 },
    ...opts, home,
  });
  const urls = await lk.listen();
  const localPort = Number(new URL(urls.local).port);
  const remotePort = Number(new URL(urls.remote).port);
  return {
    lk, home, clock, warnings, localPort, remotePort, ...urls,
    /** Calls the local listener the way the CLI does (loopback, no Origin); `headers` add to it (the desktop app's secret). */
    async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`${urls.local}${path}`, {
        method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as any };
    },
    close: () => lk.close(),
  };
}

export type TestServer = Awaited<ReturnType<typeof startServer>>;
