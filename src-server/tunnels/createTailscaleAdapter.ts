import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { firstMessage, runTool } from './runTool.ts';
import type { TunnelAdapter } from './TunnelAdapter.ts';

const missing = () => new LatchkeyError('tunnel_tool_missing',
  'tailscale is not installed. Install it from https://tailscale.com/download, run "tailscale up", then try again.', 409);

/**
 * Tailscale Serve / Funnel through the documented CLI (tailscale ≥ 1.52):
 * `tailscale status --json` (logged in?), `tailscale serve|funnel --bg --https=443 http://127.0.0.1:PORT`,
 * whose output names the URL, and `tailscale serve|funnel --https=443 off` to undo only that.
 */
export function createTailscaleAdapter(env: NodeJS.ProcessEnv): TunnelAdapter {
  return {
    tool: 'tailscale',
    async detect() {
      const r = await runTool('tailscale', ['version'], env);
      return r && r.code === 0 ? { installed: true, version: r.stdout.split('\n')[0]!.trim() } : { installed: r !== null };
    },
    async start({ port, funnel, httpsPort = 443 }) {
      const status = await runTool('tailscale', ['status', '--json'], env);
      if (!status) throw missing();
      const out = `${status.stdout}\n${status.stderr}`;
      if (status.code !== 0 && /tailscaled|failed to connect/i.test(out)) {
        throw new LatchkeyError('tunnel_not_running', `tailscale: ${firstMessage(status.stderr || status.stdout)}`, 409);
      }
      let state: { BackendState?: string; Self?: { DNSName?: string } };
      try {
        state = JSON.parse(status.stdout);
      } catch {
        throw new LatchkeyError('tunnel_failed', `tailscale status: ${firstMessage(out)}`, 409);
      }
      if (state.BackendState !== 'Running') {
        throw new LatchkeyError('tunnel_not_logged_in', `Tailscale is not connected (state ${state.BackendState ?? 'unknown'}): run "tailscale up" and log in, then try again.`, 409);
      }
      const verb = funnel ? 'funnel' : 'serve';
      const r = (await runTool('tailscale', [verb, '--bg', `--https=${httpsPort}`, `http://127.0.0.1:${port}`], env))!;
      const said = `${r.stdout}\n${r.stderr}`;
      if (r.code !== 0) {
        if (/funnel|not enabled|node attribute|access controls|acl/i.test(said) && /enable|attribute|permission|not available/i.test(said)) {
          throw new LatchkeyError('tunnel_not_permitted', `tailscale ${verb}: ${firstMessage(r.stderr || r.stdout)}`, 409);
        }
        if (/already|in use|conflict/i.test(said)) throw new LatchkeyError('tunnel_port_busy', `tailscale ${verb}: ${firstMessage(r.stderr || r.stdout)}`, 409);
        throw new LatchkeyError('tunnel_failed', `tailscale ${verb} failed: ${firstMessage(r.stderr || r.stdout)}`, 409);
      }
      const printed = /https:\/\/[a-z0-9.-]+(?::\d+)?\/?/i.exec(r.stdout)?.[0];
      const fromStatus = state.Self?.DNSName ? `https://${state.Self.DNSName.replace(/\.$/, '')}${httpsPort === 443 ? '' : `:${httpsPort}`}` : undefined;
      const url = (printed ?? fromStatus)?.replace(/\/$/, '');
      if (!url) throw new LatchkeyError('tunnel_no_url', `tailscale ${verb} started but its URL could not be read: ${firstMessage(r.stdout)}`, 409);
      return {
        url,
        stop: async () => {
          await runTool('tailscale', [verb, `--https=${httpsPort}`, 'off'], env);
        },
        // `--bg` hands the tunnel to tailscaled, which keeps it up; nothing to watch here.
        onEnd: () => {},
      };
    },
  };
}
