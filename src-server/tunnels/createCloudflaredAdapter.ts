import { spawn } from 'node:child_process';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { firstMessage, runTool } from './runTool.ts';
import type { TunnelAdapter } from './TunnelAdapter.ts';

// The URL sits in the framed box cloudflared prints ("|  https://calm-river-….trycloudflare.com  |"); matching the
// frame keeps other trycloudflare.com addresses in its log (api.trycloudflare.com in an error) from being taken for it.
const QUICK_URL = /\|\s+(https:\/\/[a-z0-9-]+\.trycloudflare\.com)\s/;
const CONNECTED = /Registered tunnel connection/;

/**
 * cloudflared through its documented CLI: a quick tunnel (`cloudflared tunnel --url
 * http://127.0.0.1:PORT`, which prints a random https://….trycloudflare.com URL in a box on
 * stderr), or a named tunnel the user created (`cloudflared tunnel run --url … NAME`, served
 * on the hostname the user routed to it). The process is the tunnel: stopping it is SIGTERM.
 */
export function createCloudflaredAdapter(env: NodeJS.ProcessEnv, timeoutMs: number): TunnelAdapter {
  return {
    tool: 'cloudflared',
    async detect() {
      const r = await runTool('cloudflared', ['--version'], env);
      return r && r.code === 0 ? { installed: true, version: r.stdout.trim().split('\n')[0] } : { installed: r !== null };
    },
    start({ port, name, hostname }) {
      if (name && !hostname) {
        return Promise.reject(new LatchkeyError('invalid_request', 'A named cloudflared tunnel needs the https hostname routed to it (--hostname).', 400));
      }
      const args = name
        ? ['tunnel', '--no-autoupdate', 'run', '--url', `http://127.0.0.1:${port}`, name]
        : ['tunnel', '--no-autoupdate', '--url', `http://127.0.0.1:${port}`];
      const child = spawn('cloudflared', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let ready = false;
      let stopping = false;
      const endListeners: Array<(reason: string) => void> = [];

      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGTERM');
          reject(new LatchkeyError('tunnel_timeout',
            `cloudflared printed no ${name ? 'connection' : 'tunnel URL'} within ${Math.round(timeoutMs / 1000)} s; last words: ${lastError(output)}`, 409));
        }, timeoutMs);
        const onData = (chunk: Buffer) => {
          output += chunk;
          if (ready) return;
          const url = name ? (CONNECTED.test(output) ? hostname : undefined) : QUICK_URL.exec(output)?.[1];
          if (!url) return;
          ready = true;
          clearTimeout(timer);
          resolve({
            url: url.replace(/\/$/, ''),
            stop: () => new Promise<void>((done) => {
              stopping = true;
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
            onEnd: (listener) => endListeners.push(listener),
          });
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(err.code === 'ENOENT'
            ? new LatchkeyError('tunnel_tool_missing', 'cloudflared is not installed. Install it from https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/ and try again.', 409)
            : new LatchkeyError('tunnel_failed', `cloudflared could not start: ${err.message}`, 409));
        });
        child.once('exit', (code) => {
          if (ready) {
            if (!stopping) for (const l of endListeners) l(`cloudflared exited (code ${code}): ${lastError(output)}`);
            return;
          }
          clearTimeout(timer);
          reject(classify(output, code));
        });
      });
    },
  };
}

function lastError(output: string): string {
  const errors = output.split('\n').filter((l) => /\bERR\b|error|failed/i.test(l));
  return firstMessage(errors.at(-1) ?? output.split('\n').filter(Boolean).at(-1) ?? '');
}

function classify(output: string, code: number | null): LatchkeyError {
  if (/cert\.pem|origin certificate|tunnel login/i.test(output)) {
    return new LatchkeyError('tunnel_not_logged_in', `cloudflared is not logged in for named tunnels: run "cloudflared tunnel login" (${lastError(output)})`, 409);
  }
  if (/address already in use/i.test(output)) return new LatchkeyError('tunnel_port_busy', `cloudflared: ${lastError(output)}`, 409);
  return new LatchkeyError('tunnel_exited', `cloudflared exited (code ${code}) before the tunnel was up: ${lastError(output)}`, 409);
}
