import { useState } from 'react';
import { ConfirmDialog, type ConfirmRequest } from '../components/ConfirmDialog.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { api, type AuthState } from '../api.ts';
import { AppList } from '../components/AppList.tsx';
import { SharePanel } from '../components/SharePanel.tsx';
import { APP_NAME, suggestAppName } from '../../src-server/apps/appName.ts';
import { useApps, type AppEntry } from '../useApps.ts';

/**
 * Settings → Apps: the local web apps behind the gate, with the server's health check.
 * Adding and removing happen on the computer only (the server refuses them elsewhere).
 */
export function AppsPage({ state }: { state: AuthState }) {
  const { apps, status, run } = useApps();
  const [name, setName] = useState('');
  // "My Vite" is offered as "my-vite" rather than refused.
  const offer = name.trim() && !APP_NAME.test(name.trim()) ? suggestAppName(name) : null;
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [upstream, setUpstream] = useState('http://127.0.0.1:');
  const [path, setPath] = useState('/');
  const local = state.person_at_computer;

  function add(event: React.FormEvent) {
    event.preventDefault();
    void run(async () => {
      const { app } = await api<{ app: AppEntry }>('/api/apps', { method: 'POST', body: { name: name.trim(), upstream: upstream.trim(), path: path.trim() || '/' } });
      setName('');
      return app;
    }, (app) => `Added ${app.name}${app.health === 'up' ? '' : ': it is not answering yet, so start it'}.`);
  }

  const remove = (app: AppEntry) => setConfirm({
    title: `Remove "${app.name}" from Latchkey?`, body: 'Its address stops working through Latchkey (nothing is made public); the app itself keeps running.', confirm: 'Remove from Latchkey',
    onConfirm: () => void run(() => api(`/api/apps/${encodeURIComponent(app.name)}`, { method: 'DELETE' }), () => `Removed ${app.name}.`),
  });

  return (
    <>
    <section className="card">
      <p className="muted">Local web apps behind the gate: a phone reaches them through your tunnel after pairing, the computer at this address.</p>
      {apps && apps.length === 0 && <p>No apps yet.</p>}
      {apps && apps.length > 0 && <AppList apps={apps} onRemove={local ? remove : undefined} />}
      {local && (
        <form onSubmit={add} aria-label="Add an app">
          <h2>Add an app</h2>
          <label htmlFor="app-name">Name</label>
          <input id="app-name" value={name} maxLength={32} placeholder="vite" onChange={(e) => setName(e.target.value)} />
          {offer && (
            <p className="small" data-testid="name-offer">Names are lower-case letters, digits, - and _.{' '}
              <button type="button" className="secondary" onClick={() => setName(offer)}>Use “{offer}”</button></p>
          )}
          <label htmlFor="app-upstream">Where it listens on this computer or your network</label>
          <input id="app-upstream" value={upstream} maxLength={2048} onChange={(e) => setUpstream(e.target.value)} />
          <label htmlFor="app-path">Path (optional; the longest prefix wins)</label>
          <input id="app-path" value={path} maxLength={256} onChange={(e) => setPath(e.target.value)} />
          <button type="submit" disabled={!name.trim()}>Add app</button>
        </form>
      )}
      <StatusMessage status={status} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
    {apps && apps.length > 0 && <SharePanel apps={apps.map((a) => a.name)} canCreate={local} />}
    </>
  );
}
