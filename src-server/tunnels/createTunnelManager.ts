import type { AppRegistry } from '../apps/createAppRegistry.ts';
import type { AuditLog } from '../audit/createAuditLog.ts';
import type { LatchkeyConfig } from '../config/loadConfig.ts';
import type { OriginRegistry } from '../origins/createOriginRegistry.ts';
import type { Clock } from '../time/Clock.ts';
import { manageAtFor } from '../access/adminOrigins.ts';
import { writeConfigKey } from '../config/writeConfigKey.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { createCloudflaredAdapter } from './createCloudflaredAdapter.ts';
import { createTailscaleAdapter } from './createTailscaleAdapter.ts';
import type { StartRequest, TunnelAdapter, TunnelHandle } from './TunnelAdapter.ts';

export const TUNNEL_URL_TIMEOUT_MS = 30_000;

/** Tailscale Serve's second HTTPS port, for Latchkey's admin origin (one of the three Funnel also allows). */
export const ADMIN_HTTPS_PORT = 8443;

/** A second tunnel to the same listener, kept for Latchkey's settings while apps are served (access/adminOrigins.ts). */
interface AdminSide {
  url: string;
  added_origin: boolean;
  /** Whether Latchkey wrote admin_origin into config.json (and so removes it on stop). */
  set_config: boolean;
  handle: TunnelHandle;
}

interface Running {
  tool: TunnelAdapter['tool'];
  mode: 'serve' | 'funnel' | 'quick' | 'named';
  url: string;
  started_at: string;
  /** Whether Latchkey added the URL to public_origins (and so removes it on stop). */
  added_origin: boolean;
  handle: TunnelHandle;
  admin: AdminSide | null;
  /** Why no admin origin was set up, when one was wanted. */
  admin_problem: string | null;
}

export type TunnelManager = ReturnType<typeof createTunnelManager>;

/**
 * One tunnel at a time, pointed at the remote listener. Starting adds its URL to
 * public_origins; stopping undoes exactly what starting did. `env` is the environment the
 * tools run in (tests put stand-ins first on its PATH).
 */
/** What the tunnel manager uses, and nothing more (fastify/demo's small dependency bags). */
export interface TunnelDeps {
  config: LatchkeyConfig;
  origins: OriginRegistry;
  apps: AppRegistry;
  audit: AuditLog;
  clock: Clock;
  /** The listeners' URLs, known once they listen. */
  urls: { local: string; remote: string };
}

export function createTunnelManager(s: TunnelDeps, opts: { env: NodeJS.ProcessEnv; timeoutMs: number }) {
  const adapters: Record<TunnelAdapter['tool'], TunnelAdapter> = {
    tailscale: createTailscaleAdapter(opts.env),
    cloudflared: createCloudflaredAdapter(opts.env, opts.timeoutMs),
  };
  let running: Running | null = null;
  let lastEnd: string | null = null;

  async function removeOrigin(url: string) {
    try {
      await s.origins.remove(url);
    } catch {
      // Already removed by hand, or it became the auth_origin: leave it as the user set it.
    }
  }

  async function undo(r: Running) {
    if (r.admin) await undoAdmin(r.admin);
    if (r.added_origin) await removeOrigin(r.url);
  }

  async function undoAdmin(a: AdminSide) {
    await a.handle.stop().catch(() => {});
    if (a.set_config && s.config.admin_origin === a.url) {
      await writeConfigKey(s.config, 'admin_origin', undefined).catch(() => {});
      s.config.admin_origin = undefined;
      s.apps.originsChanged();
    }
    if (a.added_origin) await removeOrigin(a.url);
  }

  /**
   * With apps behind the gate, Latchkey's settings are never served on their origin
   * (SECURITY.md §8), so a phone needs a second origin to manage Latchkey from. Tailscale Serve
   * gives one on a second HTTPS port of the same name, tailnet only even when the apps go out
   * through Funnel. Not for cloudflared (a quick tunnel's name changes each run; a named one
   * needs a second hostname routed by hand), nor when an admin origin exists already.
   */
  async function startAdmin(tool: TunnelAdapter['tool'], port: number, appOrigin: string): Promise<{ admin: AdminSide | null; problem: string | null }> {
    if (tool !== 'tailscale' || !s.apps.any() || manageAtFor(s)({ listener: 'remote', origin: appOrigin })) return { admin: null, problem: null };
    let handle: TunnelHandle;
    try {
      handle = await adapters.tailscale.start({ port, funnel: false, httpsPort: ADMIN_HTTPS_PORT });
    } catch (err) {
      return { admin: null, problem: (err as Error).message };
    }
    const { origin, added } = await s.origins.add(handle.url);
    const setConfig = !s.config.admin_origin;
    if (setConfig) {
      await writeConfigKey(s.config, 'admin_origin', origin);
      s.config.admin_origin = origin;
      s.apps.originsChanged();
    }
    return { admin: { url: origin, added_origin: added, set_config: setConfig, handle }, problem: null };
  }

  return {
    async status() {
      const [tailscale, cloudflared] = await Promise.all([adapters.tailscale.detect(), adapters.cloudflared.detect()]);
      const r = running;
      return {
        running: r !== null,
        tunnel: r ? { tool: r.tool, mode: r.mode, url: r.url, admin_url: r.admin?.url ?? null, admin_problem: r.admin_problem, started_at: r.started_at, added_origin: r.added_origin, qr: await (await import('qrcode')).default.toDataURL(r.url, { margin: 2, width: 256 }) } : null,
        last_end: lastEnd,
        tools: { tailscale, cloudflared },
        remote_port: Number(new URL(s.urls.remote || 'http://127.0.0.1:0').port),
      };
    },

    async start(tool: TunnelAdapter['tool'], request: Omit<StartRequest, 'port'>) {
      if (running) throw new LatchkeyError('tunnel_already_running', `A ${running.tool} tunnel is already running at ${running.url}; stop it first.`, 409);
      const port = Number(new URL(s.urls.remote).port);
      const handle = await adapters[tool].start({ ...request, port });
      const { origin, added } = await s.origins.add(handle.url);
      const mode = tool === 'tailscale' ? (request.funnel ? 'funnel' : 'serve') : request.name ? 'named' : 'quick';
      const { admin, problem } = await startAdmin(tool, port, origin);
      const r: Running = { tool, mode, url: origin, started_at: new Date(s.clock.now()).toISOString(), added_origin: added, handle, admin, admin_problem: problem };
      running = r;
      lastEnd = null;
      handle.onEnd((reason) => {
        if (running !== r) return;
        running = null;
        lastEnd = reason;
        s.audit.record({ outcome: 'failure', method: 'tunnel-ended', origin: r.url, reason });
        void undo(r);
      });
      s.audit.record({ outcome: 'info', method: 'tunnel-start', origin, tool, mode, added_origin: added, admin_origin: admin?.url ?? null });
      return { tool, mode, url: origin, added_origin: added, ...(admin || problem ? { admin_url: admin?.url ?? null, admin_problem: problem } : {}) };
    },

    async stop() {
      const r = running;
      if (!r) throw new LatchkeyError('tunnel_not_running', 'No tunnel started by Latchkey is running.', 404);
      running = null;
      await r.handle.stop();
      await undo(r);
      s.audit.record({ outcome: 'info', method: 'tunnel-stop', origin: r.url, tool: r.tool });
      return { stopped: r.url, removed_origin: r.added_origin, ...(r.admin ? { stopped_admin: r.admin.url } : {}) };
    },

    /** On server shutdown: a tunnel must not outlive the listener it points at. */
    async close() {
      if (running) await this.stop().catch(() => {});
    },
  };
}
