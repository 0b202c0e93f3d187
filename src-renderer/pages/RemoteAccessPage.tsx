import { useCallback, useEffect, useState } from 'react';
import { api, when } from '../api.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

interface TunnelStatus {
  running: boolean;
  tunnel: { tool: string; mode: string; url: string; started_at: string; added_origin: boolean; qr: string } | null;
  last_end: string | null;
  tools: Record<'tailscale' | 'cloudflared', { installed: boolean; version?: string }>;
  remote_port: number;
}

/**
 * Settings → Remote access: start Tailscale Serve/Funnel or a cloudflared tunnel pointed at
 * the remote listener, then scan its URL with the phone. On the computer only.
 */
export function RemoteAccessPage() {
  const [status, setStatus] = useState<TunnelStatus | null>(null);
  const [message, setMessage] = useState<{ text: string; bad?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [hostname, setHostname] = useState('');

  const load = useCallback(async () => {
    try {
      setStatus(await api<TunnelStatus>('/api/tunnel'));
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function act(path: string, body?: Record<string, unknown>) {
    setBusy(true);
    setMessage(null);
    try {
      const r = await api(path, { method: 'POST', body });
      setMessage({ text: r.url ? `Tunnel up at ${r.url}.` : `Stopped ${r.stopped}.` });
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
    setBusy(false);
    await load();
  }

  const t = status?.tools;
  const none = t && !t.tailscale.installed && !t.cloudflared.installed;
  return (
    <section className="card">
      <p className="crumbs">Settings → Remote access · <a href={lk('/settings/security')}>Security</a> · <a href={lk('/settings/privacy')}>Privacy</a></p>
      <h1>Remote access</h1>
      {status?.tunnel ? (
        <div data-testid="tunnel">
          <p>Reach Latchkey from your phone at <strong data-testid="tunnel-url">{status.tunnel.url}</strong> ({status.tunnel.tool}, {status.tunnel.mode}, since {when(status.tunnel.started_at)}).</p>
          <img className="qr" src={status.tunnel.qr} width={256} height={256} alt={`QR code for ${status.tunnel.url}`} />
          <p className="muted small">Scan it with the phone's camera, then pair the phone there.</p>
          <button className="danger" disabled={busy} onClick={() => act('/api/tunnel/stop')}>Stop tunnel</button>
        </div>
      ) : status && (
        <>
          {status.last_end && <p className="error">The last tunnel ended: {status.last_end}</p>}
          <p>Tunnels point at the remote listener, port {status.remote_port}; its URL is allowed while the tunnel runs.</p>
          <h2>Tailscale {t?.tailscale.installed ? <span className="muted small">{t.tailscale.version}</span> : null}</h2>
          <button disabled={busy || !t?.tailscale.installed} onClick={() => act('/api/tunnel/start', { tool: 'tailscale' })}>Start Tailscale Serve (your tailnet)</button>{' '}
          <button className="secondary" disabled={busy || !t?.tailscale.installed} onClick={() => act('/api/tunnel/start', { tool: 'tailscale', funnel: true })}>Start Tailscale Funnel (internet)</button>
          <h2>cloudflared {t?.cloudflared.installed ? <span className="muted small">{t.cloudflared.version}</span> : null}</h2>
          <button disabled={busy || !t?.cloudflared.installed} onClick={() => act('/api/tunnel/start', { tool: 'cloudflared' })}>Start a quick tunnel</button>
          <p className="muted small">A quick tunnel gets a new random address each time; set <code>auth_origin</code> so passkeys keep working.</p>
          <label htmlFor="cf-name">Named tunnel</label>
          <input id="cf-name" value={name} maxLength={100} placeholder="latchkey" onChange={(e) => setName(e.target.value)} />
          <label htmlFor="cf-host">Its hostname</label>
          <input id="cf-host" value={hostname} maxLength={300} placeholder="https://latchkey.example.com" onChange={(e) => setHostname(e.target.value)} />
          <button className="secondary" disabled={busy || !t?.cloudflared.installed || !name || !hostname} onClick={() => act('/api/tunnel/start', { tool: 'cloudflared', name, hostname })}>Start named tunnel</button>
          {none && (
            <div className="warning" data-testid="no-tools">
              <p>Neither tailscale nor cloudflared is installed. Install one: <a href="https://tailscale.com/download">tailscale.com/download</a> (then run <code>tailscale up</code>) or <a href="https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/">cloudflared</a>.</p>
              <p>Any other tunnel works too: point it at <code>http://127.0.0.1:{status.remote_port}</code> and allow its URL with <code>latchkey origins add https://YOUR-HOST</code>.</p>
            </div>
          )}
        </>
      )}
      {message && <p className={message.bad ? 'error' : 'ok'} role="status">{message.text}</p>}
    </section>
  );
}
