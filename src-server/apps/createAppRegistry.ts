import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Pool } from 'undici';
import { adminOrigins } from '../access/adminOrigins.ts';
import { servesComputer } from './localAppUrl.ts';
import type { LatchkeyConfig } from '../config/loadConfig.ts';
import { writeConfigKey } from '../config/writeConfigKey.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { Listener } from '../gate/resolveOrigin.ts';
import { parseApps, type AppConfig, type AppSpec } from './parseApp.ts';

export interface App extends AppSpec {
  /** `config` apps live in config.json; a `flag` app came from `latchkey serve --upstream` and lasts this run only. */
  source: 'config' | 'flag';
  /** Keep-alive connections to the upstream (undici), shared by every request to it. */
  pool: Pool;
  upstreamUrl: URL;
}

const HEALTH_TIMEOUT_MS = 1_000;

export type AppRegistry = Awaited<ReturnType<typeof createAppRegistry>>;

/**
 * The apps behind the gate, from config.json's `apps`. Requests find theirs by origin and
 * longest mount prefix; `add` and `remove` change a running server and write config.json
 * back (keeping every other key), like `origins add`.
 */
export async function createAppRegistry(config: LatchkeyConfig, opts: { appTimeoutMs: number; flagApps?: AppConfig[] }) {
  const flagApps = opts.flagApps ?? [];
  let apps: App[] = [];
  // Which origins serve any app, per listener: asked on every request, so a Map read, rebuilt when the apps change.
  const served = { local: new Map<string, boolean>(), remote: new Map<string, boolean>() };
  const forgetServed = () => {
    served.local.clear();
    served.remote.clear();
  };
  // `changed` after an add or remove, so the tray can list the apps without polling.
  const events = new EventEmitter();
  const pools = new Map<string, Pool>();

  /** Every app, config.json's and this run's, checked together (names and mounts must not collide). */
  // Read each time: `latchkey tunnel start` may set admin_origin while the server runs.
  const check = (saved: AppConfig[]) => parseApps([...flagApps, ...saved], config.public_origins, adminOrigins(config));

  // undici is loaded with the first app (at start when config.json has one), so a Latchkey
  // with no apps never pays for it, and a proxied request never waits for it.
  let PoolClass: typeof Pool | undefined;
  const loadUndici = async (specs: AppSpec[]) => {
    if (specs.length > 0) PoolClass ??= (await import('undici')).Pool;
  };

  function adopt(specs: AppSpec[]) {
    const next = specs.map((spec, i) => {
      let pool = pools.get(spec.upstream);
      if (!pool) {
        const Pool = PoolClass!;
        // headersTimeout is the app's time to answer (then 504); a body may stream for as long as it likes (SSE, downloads).
        pool = new Pool(spec.upstream, { connections: 128, keepAliveTimeout: 30_000, headersTimeout: opts.appTimeoutMs, bodyTimeout: 0 });
        pools.set(spec.upstream, pool);
      }
      return { ...spec, pool, upstreamUrl: new URL(spec.upstream), source: i < flagApps.length ? 'flag' as const : 'config' as const };
    });
    for (const [upstream, pool] of pools) {
      if (!next.some((a) => a.upstream === upstream)) {
        pools.delete(upstream);
        void pool.close();
      }
    }
    // Longest prefix first, so the first match is the most specific one.
    apps = next.sort((a, b) => b.path.length - a.path.length);
    forgetServed();
  }
  const initial = check(config.apps);
  await loadUndici(initial);
  adopt(initial);

  async function persist(next: AppConfig[]) {
    let specs: AppSpec[];
    try {
      specs = check(next);
    } catch (err) {
      throw new LatchkeyError('invalid_app', (err as Error).message.replace(/^"apps\[\d+\]": /, ''), 400);
    }
    await loadUndici(specs);
    await writeConfigKey(config, 'apps', next);
    config.apps = next;
    adopt(specs);
    events.emit('changed');
  }

  /**
   * Where an app runs. On the local listener apps live on the IP origin (http://127.0.0.1:PORT)
   * and Latchkey's own pages on http://localhost:PORT, so an app's scripts never share an origin
   * with the loopback bypass's admin rights (an IP cannot hold passkeys either, so nothing
   * there can enrol one). On the remote listener an app without `origins` serves every public
   * origin but the ones kept for Latchkey (adminOrigins).
   */
  const servesOrigin = (app: App, origin: string, listener: Listener) => {
    if (listener === 'local') return !origin.startsWith('http://localhost:') && servesComputer(app);
    return app.origins === null ? !adminOrigins(config).includes(origin) : app.origins.includes(origin);
  };

  return {
    events,
    /** Whether any app is configured (with none, every path is Latchkey's). */
    any: () => apps.length > 0,
    list: (): readonly App[] => apps,

    /** The app for this origin and path: the longest mount prefix that contains the path. */
    match(origin: string, listener: Listener, path: string): App | null {
      for (const app of apps) {
        if (!servesOrigin(app, origin, listener)) continue;
        if (app.path === '' || path === app.path || path.startsWith(`${app.path}/`)) return app;
      }
      return null;
    },

    /** Whether any app runs on this origin of this listener (then Latchkey's admin is not served there). */
    servesAny(origin: string, listener: Listener): boolean {
      const known = served[listener];
      let hit = known.get(origin);
      if (hit === undefined) {
        hit = apps.some((a) => servesOrigin(a, origin, listener));
        // Origins come from the allowlist or the local listener's three names: this stays small.
        if (known.size < 1000) known.set(origin, hit);
      }
      return hit;
    },

    /** The origins kept for Latchkey changed (admin_origin was set or cleared): forget which origins serve apps. */
    originsChanged: forgetServed,

    /** Apps this origin can open, for the launcher and the tray. */
    forOrigin: (origin: string, listener: Listener) => apps.filter((a) => servesOrigin(a, origin, listener)),

    async add(app: AppConfig): Promise<{ app: AppConfig; added: boolean }> {
      if ([...flagApps, ...config.apps].some((a) => a.name === app.name)) {
        throw new LatchkeyError('app_exists', `An app named "${app.name}" exists already; remove it first (latchkey apps remove ${app.name}).`, 409);
      }
      await persist([...config.apps, app]);
      return { app, added: true };
    },

    async remove(name: string): Promise<{ removed: string }> {
      if (flagApps.some((a) => a.name === name)) {
        throw new LatchkeyError('app_from_flag', `"${name}" came from latchkey serve --upstream; restart the server without the flag to remove it.`, 409);
      }
      if (!config.apps.some((a) => a.name === name)) {
        throw new LatchkeyError('app_not_found', `No app is named "${name}". See: latchkey apps list`, 404);
      }
      await persist(config.apps.filter((a) => a.name !== name));
      return { removed: name };
    },

    /** Whether the app accepts connections right now (a TCP connect, at most a second). */
    health(app: App): Promise<'up' | 'down'> {
      const port = Number(app.upstreamUrl.port || (app.upstreamUrl.protocol === 'https:' ? 443 : 80));
      return new Promise((resolve) => {
        const socket = connect({ host: app.upstreamUrl.hostname.replace(/^\[|\]$/g, ''), port, timeout: HEALTH_TIMEOUT_MS });
        const done = (state: 'up' | 'down') => {
          socket.destroy();
          resolve(state);
        };
        socket.once('connect', () => done('up'));
        socket.once('timeout', () => done('down'));
        socket.once('error', () => done('down'));
      });
    },

    async close() {
      await Promise.allSettled([...pools.values()].map((p) => p.close()));
      pools.clear();
    },
  };
}
