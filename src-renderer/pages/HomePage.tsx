import { useCallback, useEffect, useState } from 'react';
import { api, managesHere, type AuthState } from '../api.ts';
import type { AlertsView } from '../components/AlertList.tsx';
import { AppTiles } from '../components/AppTiles.tsx';
import { ConnectPhone } from '../components/ConnectPhone.tsx';
import { useApps } from '../useApps.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';
import { Link } from 'wouter';
import { usePending } from '../PendingContext.tsx';
import type { WaitingAgentView } from '../../src-server/client/createLatchkeyClient.ts';

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
  // Alerts are the owner's, and only where Latchkey's settings are served.
  const owner = managesHere(state);
  const loadAlerts = useCallback(() => (owner ? api<AlertsView>('/api/alerts').then(setAlerts, () => {}) : Promise.resolve()), [owner]);
  useEffect(() => void loadAlerts(), [loadAlerts]);
  const open = alerts?.alerts.filter((a) => !a.acknowledged_at) ?? [];
  const { pending, notifications } = usePending();
  // Agents a phone allowed, waiting for this computer to type the phone's code (looked at every 5 s while Home is open).
  const [agentsWaiting, setAgentsWaiting] = useState<WaitingAgentView[]>([]);
  useEffect(() => {
    if (!state.person_at_computer) return;
    const load = () => void api<{ waiting: WaitingAgentView[] }>('/api/agents/waiting').then((r) => setAgentsWaiting(r.waiting), () => {});
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [state.person_at_computer]);
  const withoutPasskey = !state.device && (state.person_at_computer || state.via === 'open' || state.via === 'grace');
  return (
    <>
      {/* What to do next leads: a device waiting, then connecting the first phone; the passkey nag comes after both. */}
      {pending.length > 0 && (
        <aside className="card prompt" aria-label="Pending requests">
          <p><strong>{pending.length} device{pending.length === 1 ? '' : 's'} waiting for approval.</strong></p>
          <Link href="/pending" className="button">Review</Link>
        </aside>
      )}
      {agentsWaiting.length > 0 && (
        <aside className="card prompt" aria-label="Agents waiting">
          <p><strong>{agentsWaiting.map((w) => `${w.client_name} (allowed on ${w.device_name} for ${w.app})`).join(', ')} {agentsWaiting.length === 1 ? 'waits' : 'wait'} for the code the phone shows.</strong></p>
          <Link href="/devices" className="button">Review</Link>
        </aside>
      )}
      {state.person_at_computer && <ConnectPhone />}
      {notifications?.offer && (
        <aside className="card prompt" aria-label="Notifications">
          <p>Get a notification on this computer when a device asks to pair, while a Latchkey page is open.</p>
          <button onClick={() => void notifications.ask()}>Turn on notifications</button>{' '}
          <button className="secondary" onClick={notifications.dismiss}>Not now</button>
        </aside>
      )}
      {open.length > 0 && (
        <aside className="card alert-banner" role="alert" aria-label="Alerts">
          {open.slice(0, 3).map((a) => <p key={a.id}><strong>Alert:</strong> {a.text}</p>)}
          <Link className="button" href="/activity">Review activity</Link>{' '}
          {state.person_at_computer
            ? <button className="secondary" onClick={() => void Promise.all(open.map((a) => api(`/api/alerts/${encodeURIComponent(a.id)}/ack`, { method: 'POST' }))).then(loadAlerts)}>Acknowledge</button>
            : <p className="small muted">Acknowledge it on the computer running Latchkey.</p>}
        </aside>
      )}
      {withoutPasskey && !hidden && owner && (
        <aside className="card prompt" aria-label="Pair prompt">
          <p>
            You got in without a passkey ({state.person_at_computer ? 'on this computer' : 'the gate is open'}).
            Set up a passkey so this device can sign in when that changes.
          </p>
          <Link className="button" href="/devices">Set up passkey</Link>{' '}
          <button className="secondary" onClick={() => { pairPrompt.dismiss(); setHidden(true); }}>Dismiss</button>
        </aside>
      )}
      {apps && apps.length === 0 && (
        <section className="card" aria-labelledby="no-apps">
          <h2 id="no-apps">No apps yet</h2>
          <p>Put a web app on this computer behind the gate, and it shows up here{state.person_at_computer ? '' : ' on the phone'}. On the computer, in a terminal:</p>
          <pre className="command">latchkey apps add vite http://localhost:5173</pre>
          <p className="muted small">Use the name you like and the address the app prints when it starts{state.person_at_computer ? <>, or add it in <Link href="/apps">Apps</Link></> : null}.</p>
        </section>
      )}
      {apps && apps.length > 0 && (
        <section className="card">
          <h2>Your apps</h2>
          <AppTiles apps={apps} />
        </section>
      )}
      <section className="card" aria-labelledby="this-device">
        <h2 id="this-device">This device</h2>
        <p data-testid="signed-in-as">
          {state.device ? <>Signed in as <strong>{state.device.name}</strong></> : <>Signed in ({state.via})</>}
        </p>
        {state.device && <p className="muted small">{state.device.kind === 'browser' ? 'A browser trusted without a passkey' : 'Signs in with a passkey'} · {state.origin}</p>}
        {state.via === 'session' && <button className="secondary" onClick={() => void api('/auth/logout', { method: 'POST' }).then(() => window.location.assign(lk('/signin')))}>Sign out</button>}
      </section>
    </>
  );
}
