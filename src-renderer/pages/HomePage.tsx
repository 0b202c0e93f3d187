import { useCallback, useEffect, useState } from 'react';
import { api, type AuthState } from '../api.ts';
import type { AlertsView } from '../components/AlertList.tsx';
import { AppList } from '../components/AppList.tsx';
import { useApps } from '../useApps.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

const DISMISSED = 'latchkey.pairPromptDismissed';

/** Whether this browser has hidden the Pair prompt; kept per device, in localStorage. */
export const pairPrompt = {
  dismissed: () => localStorage.getItem(DISMISSED) === '1',
  dismiss: () => localStorage.setItem(DISMISSED, '1'),
  restore: () => localStorage.removeItem(DISMISSED),
};

/**
 * The signed-in landing page: the apps first (a phone's launcher), then Latchkey's own pages.
 * Devices that got in without a passkey are nudged to make one.
 */
export function HomePage({ state }: { state: AuthState }) {
  const [hidden, setHidden] = useState(pairPrompt.dismissed());
  const { apps } = useApps();
  const [alerts, setAlerts] = useState<AlertsView | null>(null);
  const loadAlerts = useCallback(() => api<AlertsView>('/api/alerts').then(setAlerts, () => {}), []);
  useEffect(() => void loadAlerts(), [loadAlerts]);
  const open = alerts?.alerts.filter((a) => !a.acknowledged_at) ?? [];
  const withoutPasskey = !state.device && (state.person_at_computer || state.via === 'open' || state.via === 'grace');
  return (
    <>
      {open.length > 0 && (
        <aside className="card alert-banner" role="alert" aria-label="Alerts">
          {open.slice(0, 3).map((a) => <p key={a.id}><strong>Alert:</strong> {a.text}</p>)}
          <a className="button" href={lk('/settings/activity')}>Review activity</a>{' '}
          {state.person_at_computer
            ? <button className="secondary" onClick={() => void Promise.all(open.map((a) => api(`/api/alerts/${encodeURIComponent(a.id)}/ack`, { method: 'POST' }))).then(loadAlerts)}>Acknowledge</button>
            : <p className="small muted">Acknowledge it on the computer running Latchkey.</p>}
        </aside>
      )}
      {withoutPasskey && !hidden && (
        <aside className="card prompt" aria-label="Pair prompt">
          <p>
            You got in without a passkey ({state.person_at_computer ? 'on this computer' : 'the gate is open'}).
            Set up a passkey so this device can sign in when that changes.
          </p>
          <a className="button" href={lk('/settings/privacy')}>Set up passkey</a>{' '}
          <button className="secondary" onClick={() => { pairPrompt.dismiss(); setHidden(true); }}>Dismiss</button>
        </aside>
      )}
      {apps && apps.length > 0 && (
        <section className="card">
          <h1>Your apps</h1>
          <AppList apps={apps} />
        </section>
      )}
      <section className="card">
        <h1>Latchkey</h1>
        <p data-testid="signed-in-as">
          {state.device ? <>Signed in as <strong>{state.device.name}</strong></> : <>Signed in ({state.via})</>}
        </p>
        <ul className="links">
          <li><a href={lk('/settings/privacy')}>Settings → Privacy</a></li>
          <li><a href={lk('/settings/keys')}>Settings → API keys</a></li>
          <li><a href={lk('/settings/apps')}>Settings → Apps</a></li>
          <li><a href={lk('/settings/activity')}>Settings → Activity</a></li>
          {state.person_at_computer && <li><a href={lk('/settings/remote')}>Settings → Remote access</a></li>}
          {state.person_at_computer && <li><a href={lk('/approvals')}>Pending approvals</a></li>}
        </ul>
      </section>
    </>
  );
}
