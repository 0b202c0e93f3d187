import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { createCloudflaredAdapter } from './createCloudflaredAdapter.ts';
import { createTailscaleAdapter } from './createTailscaleAdapter.ts';
import type { StartRequest, TunnelAdapter, TunnelHandle } from './TunnelAdapter.ts';

export const TUNNEL_URL_TIMEOUT_MS = 30_000;

interface Running {
  tool: TunnelAdapter['tool'];
  mode: 'serve' | 'funnel' | 'quick' | 'named';
  url: string;
  started_at: string;
  /** Whether Latchkey added the URL to public_origins (and so removes it on stop). */
  added_origin: boolean;
  handle: TunnelHandle;
}

export type TunnelManager = ReturnType<typeof createTunnelManager>;

/**
 * One tunnel at a time, pointed at the remote listener. Starting adds its URL to
 * public_origins; stopping undoes exactly what starting did. `env` is the environment the
 * tools run in (tests put stand-ins first on its PATH).
 */
export function createTunnelManager(s: Services, opts: { env: NodeJS.ProcessEnv; timeoutMs: number }) {
  const adapters: Record<TunnelAdapter['tool'], TunnelAdapter> = {
    tailscale: createTailscaleAdapter(opts.env),
    cloudflared: createCloudflaredAdapter(opts.env, opts.timeoutMs),
  };
  let running: Running | null = null;
  let lastEnd: string | null = null;

  async function undo(r: Running) {
    if (!r.added_origin) return;
    try {
      await s.origins.remove(r.url);
    } catch {
      // Already removed by hand, or it became the auth_origin: leave it as the user set it.
    }
  }

  return {
    async status() {
      const [tailscale, cloudflared] = await Promise.all([adapters.tailscale.detect(), adapters.cloudflared.detect()]);
      const r = running;
      return {
        running: r !== null,
        tunnel: r ? { tool: r.tool, mode: r.mode, url: r.url, started_at: r.started_at, added_origin: r.added_origin, qr: await (await import('qrcode')).default.toDataURL(r.url, { margin: 2, width: 256 }) } : null,
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
      const r: Running = { tool, mode, url: origin, started_at: new Date(s.clock.now()).toISOString(), added_origin: added, handle };
      running = r;
      lastEnd = null;
      handle.onEnd((reason) => {
        if (running !== r) return;
        running = null;
        lastEnd = reason;
        s.audit.record({ outcome: 'failure', method: 'tunnel-ended', origin: r.url, reason });
        void undo(r);
      });
      s.audit.record({ outcome: 'info', method: 'tunnel-start', origin, tool, mode, added_origin: added });
      return { tool, mode, url: origin, added_origin: added };
    },

    async stop() {
      const r = running;
      if (!r) throw new LatchkeyError('tunnel_not_running', 'No tunnel started by Latchkey is running.', 404);
      running = null;
      await r.handle.stop();
      await undo(r);
      s.audit.record({ outcome: 'info', method: 'tunnel-stop', origin: r.url, tool: r.tool });
      return { stopped: r.url, removed_origin: r.added_origin };
    },

    /** On server shutdown: a tunnel must not outlive the listener it points at. */
    async close() {
      if (running) await this.stop().catch(() => {});
    },
  };
}
