import { useState } from 'react';
import { api } from '../api.ts';
import { useApi } from '../useApi.ts';
import type { ShareView } from '../../src-server/shares/shareRoutes.ts';
import { When } from './When.tsx';
import { StatusMessage } from './StatusMessage.tsx';

const LENGTHS = [['1h', '1 hour'], ['2h', '2 hours'], ['24h', '24 hours'], ['7d', '7 days']] as const;

/**
 * Apps → Share: one app for one person, until a time. The link is shown once, with its QR code;
 * the guest pairs with it and is approved here by number matching, like any device. Live and
 * ended shares are listed below, each with Revoke (effective on the guest's next request).
 */
export function SharePanel({ apps, canCreate }: { apps: string[]; canCreate: boolean }) {
  const { data, status, run } = useApi<{ shares: ShareView[] }>('/api/shares');
  const [app, setApp] = useState(apps[0] ?? '');
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('2h');
  const [made, setMade] = useState<{ link: string; qr: string; share: ShareView } | null>(null);

  function share(event: React.FormEvent) {
    event.preventDefault();
    void run(async () => {
      const result = await api<{ link: string; qr: string; share: ShareView }>('/api/shares', { method: 'POST', body: { app: app || apps[0], name: name.trim(), expires_in: expires } });
      setMade(result);
      setName('');
      return result;
    }, (r) => `Shared ${r.share.app} with ${r.share.name}. Send them the link; you approve their device here.`);
  }
  const revoke = (s: ShareView) => void run(() => api(`/api/shares/${encodeURIComponent(s.id)}`, { method: 'DELETE' }), () => `Stopped sharing ${s.app} with ${s.name}.`);
  const shares = data?.shares ?? [];
  return (
    <section className="card" aria-labelledby="share-heading">
      <h2 id="share-heading">Share an app</h2>
      <p className="muted">Let someone else use one app until a time you choose. They get that app only: no other app, and nothing of Latchkey.</p>
      {canCreate && apps.length > 0 && (
        <form onSubmit={share} aria-label="Share an app">
          <label htmlFor="share-app">App</label>
          <select id="share-app" value={app} onChange={(e) => setApp(e.target.value)}>
            {apps.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
          <label htmlFor="share-name">Who it is for</label>
          <input id="share-name" value={name} maxLength={64} placeholder="Bob" onChange={(e) => setName(e.target.value)} />
          <label htmlFor="share-expires">For</label>
          <select id="share-expires" value={expires} onChange={(e) => setExpires(e.target.value)}>
            {LENGTHS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          </select>
          <button type="submit" disabled={!name.trim()}>Share</button>
        </form>
      )}
      {made && (
        <div className="share-link" data-testid="share-link">
          <p>Send this link to {made.share.name}. It works once, in one browser, and expires <When iso={made.share.link!.expires_at} /> if unused:</p>
          <p><code className="wrap">{made.link}</code></p>
          <img src={made.qr} alt={`QR code of the invitation link for ${made.share.name}`} width={192} height={192} />
        </div>
      )}
      {shares.length > 0 && (
        <ul className="share-list">
          {shares.map((s) => (
            <li key={s.id} data-share-id={s.id}>
              <strong>{s.app}</strong> with {s.name} · {s.status === 'active' ? <>until <When iso={s.expires_at} /></> : s.status}
              {' '}· {s.devices.length} device{s.devices.length === 1 ? '' : 's'}
              {s.status === 'active' && <button className="danger" aria-label={`Revoke the share of ${s.app} with ${s.name}`} onClick={() => revoke(s)}>Revoke</button>}
            </li>
          ))}
        </ul>
      )}
      <StatusMessage status={status} />
    </section>
  );
}
