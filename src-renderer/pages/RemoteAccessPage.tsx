import { useState } from 'react';
import { api } from '../api.ts';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { PhoneAddress } from '../components/PhoneAddress.tsx';
import { ReachCheck } from '../components/ReachCheck.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { When } from '../components/When.tsx';
import { useApi } from '../useApi.ts';

export interface TunnelStatus {
  running: boolean;
  tunnel: { tool: string; mode: string; url: string; admin_url: string | null; admin_problem: string | null; started_at: string; added_origin: boolean; qr: string } | null;
  last_end: string | null;
  tools: Record<'tailscale' | 'cloudflared', { installed: boolean; version?: string }>;
  remote_port: number;
}

/**
 * Remote access, phone first: the address to open on the phone with its QR code and Copy;
 * then the addresses Latchkey answers for, as a list to edit; then the tunnel tools, the
 * missing ones folded under "Set up …". On the computer only.
 */
export function RemoteAccessPage() {
  const tunnel = useApi<TunnelStatus>('/api/tunnel');
  const origins = useApi<{ origins: string[] }>('/api/origins');
  const [newOrigin, setNewOrigin] = useState('');
  const [name, setName] = useState('');
  const [hostname, setHostname] = useState('');
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const t = tunnel.data;
  const phoneUrl = t?.tunnel?.url ?? origins.data?.origins[0] ?? null;
  const tunnelAction = (path: string, body?: Record<string, unknown>) => tunnel.run(async () => {
    const r = await api(path, { method: 'POST', body });
    await origins.reload();
    return r;
  }, (r) => (r.url ? `Tunnel up at ${r.url}.` : `Stopped ${r.stopped}.`));

  const tools = t?.tools;

  return (
    <>
      <section className="card" aria-labelledby="phone-address">
        <h2 id="phone-address">Open this on your phone</h2>
        {phoneUrl ? (
          <div data-testid="tunnel">
            <PhoneAddress url={phoneUrl} qr={t?.tunnel?.url === phoneUrl ? t.tunnel.qr : undefined} />
            <ReachCheck origin={phoneUrl} />
            <p className="muted small">Scan it with the phone's camera, then pair the phone there.
              {t?.tunnel && <> Through {t.tunnel.tool} ({t.tunnel.mode}) since <When iso={t.tunnel.started_at} />.</>}</p>
            {t?.tunnel?.mode === 'quick' && (
              <p className="warning small" data-testid="quick-tunnel-warning">This quick tunnel&apos;s address changes when it restarts, and phones paired here will have to pair again then. For a fixed address, use a named tunnel or <code>auth_origin</code>.</p>
            )}
            {t?.tunnel?.admin_url && <p className="small" data-testid="admin-url">Settings from a phone: <strong>{t.tunnel.admin_url}</strong> (no app is served there, so no app&apos;s script can act as you).</p>}
            {t?.tunnel?.admin_problem && <p className="error small">No settings address for phones: {t.tunnel.admin_problem}</p>}
            {t?.tunnel && <button className="danger" disabled={tunnel.busy} onClick={() => void tunnelAction('/api/tunnel/stop')}>Stop tunnel</button>}
          </div>
        ) : (
          <p className="muted">No address yet: start a tunnel below, or add the address of one you run yourself.</p>
        )}
        {t?.last_end && <p className="error">The last tunnel ended: {t.last_end}</p>}
        <StatusMessage status={tunnel.status} />
      </section>

      <section className="card" aria-labelledby="allowed">
        <h2 id="allowed">Allowed addresses</h2>
        <p className="muted small">Latchkey answers only for these https addresses on the remote listener (port {t?.remote_port ?? '…'}).</p>
        <ul className="origin-list">
          {origins.data?.origins.map((o) => (
            <li key={o}>
              <span className="origin">{o}</span>
              <button className="secondary" aria-label={`Remove ${o}`} onClick={() => setConfirm({
                title: `Stop answering for ${o}?`, body: 'Phones that use this address are refused until it is added again.', confirm: 'Remove',
                onConfirm: () => void origins.run(() => api('/api/origins/remove', { method: 'POST', body: { origin: o } }), () => `Removed ${o}.`),
              })}>Remove</button>
            </li>
          ))}
          {origins.data?.origins.length === 0 && <li className="muted">None yet.</li>}
        </ul>
        <form onSubmit={(e) => {
          e.preventDefault();
          void origins.run(() => api('/api/origins', { method: 'POST', body: { origin: newOrigin.trim() } }), () => `Added ${newOrigin.trim()}.`).then((r) => r && setNewOrigin(''));
        }}>
          <label htmlFor="new-origin">Add an address</label>
          <input id="new-origin" value={newOrigin} maxLength={300} placeholder="https://box.example.ts.net" onChange={(e) => setNewOrigin(e.target.value)} />
          <button type="submit" disabled={!newOrigin.trim() || origins.busy}>Add</button>
        </form>
        <StatusMessage status={origins.status} />
      </section>

      {t && !t.tunnel && (
        <section className="card" aria-labelledby="tools">
          <h2 id="tools">Start a tunnel</h2>
          {tools?.tailscale.installed ? (
            <div className="tool">
              <h3>Tailscale <span className="muted small">{tools.tailscale.version}</span></h3>
              <button disabled={tunnel.busy} onClick={() => void tunnelAction('/api/tunnel/start', { tool: 'tailscale' })}>Start Tailscale Serve (your tailnet)</button>{' '}
              <button className="secondary" disabled={tunnel.busy} onClick={() => void tunnelAction('/api/tunnel/start', { tool: 'tailscale', funnel: true })}>Start Tailscale Funnel (internet)</button>
            </div>
          ) : (
            <details className="tool">
              <summary>Set up Tailscale</summary>
              <p>Install it from <a href="https://tailscale.com/download">tailscale.com/download</a>, run <code>tailscale up</code>, then come back here.</p>
            </details>
          )}
          {tools?.cloudflared.installed ? (
            <div className="tool">
              <h3>cloudflared <span className="muted small">{tools.cloudflared.version}</span></h3>
              <button disabled={tunnel.busy} onClick={() => void tunnelAction('/api/tunnel/start', { tool: 'cloudflared' })}>Start a quick tunnel</button>
              <p className="muted small">A quick tunnel gets a new random address at every start, and a passkey made on one address works only there. For an address that stays, start a named tunnel below, or set <code>auth_origin</code> to a fixed one.</p>
              <label htmlFor="cf-name">Named tunnel</label>
              <input id="cf-name" value={name} maxLength={100} placeholder="latchkey" onChange={(e) => setName(e.target.value)} />
              <label htmlFor="cf-host">Its hostname</label>
              <input id="cf-host" value={hostname} maxLength={300} placeholder="https://latchkey.example.com" onChange={(e) => setHostname(e.target.value)} />
              <button className="secondary" disabled={tunnel.busy || !name || !hostname} onClick={() => void tunnelAction('/api/tunnel/start', { tool: 'cloudflared', name, hostname })}>Start named tunnel</button>
            </div>
          ) : (
            <details className="tool">
              <summary>Set up cloudflared</summary>
              <p>Install <a href="https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/">cloudflared</a>, then come back here.</p>
            </details>
          )}
          {!tools?.tailscale.installed && !tools?.cloudflared.installed && (
            <p className="muted small" data-testid="no-tools">Any other tunnel works too: point it at <code>http://127.0.0.1:{t.remote_port}</code> and add its address above.</p>
          )}
        </section>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
