import { startRegistration } from '@simplewebauthn/browser';
import { useEffect, useState } from 'react';
import { api, describeError, type AuthState } from '../api.ts';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

type Phase =
  | { kind: 'form' }
  | { kind: 'waiting'; code: string }
  | { kind: 'done'; message: string; tone: 'ok' | 'bad' };

/** The Pair screen: name the device, make a passkey, then wait for approval on the computer. */
export function PairPage({ state, onSignedIn }: { state: AuthState; onSignedIn: () => void }) {
  const [name, setName] = useState(state.suggested_name);
  const [phase, setPhase] = useState<Phase>({ kind: 'form' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/register/options');

  useEffect(() => {
    if (phase.kind !== 'waiting') return;
    // Pushed the moment the computer decides; a slow poll covers a dropped stream.
    const events = new EventSource(lk('/auth/pairing/events'));
    // The stream and the fallback poll can both ask; the first answer that settles it wins,
    // because the server hands an outcome out once (a second ask finds no request).
    let settled = false;
    let asking = false;
    let askAgain = false;
    const check = async () => {
      if (settled) return;
      // One question at a time; a nudge that arrives meanwhile asks again right after.
      if (asking) {
        askAgain = true;
        return;
      }
      asking = true;
      try {
        const s = await api('/auth/pairing/status');
        if (settled) return;
        if (s.status !== 'pending') settled = true;
        if (s.status === 'approved') {
          window.clearInterval(id);
          onSignedIn();
        } else if (s.status === 'denied') {
          setPhase({ kind: 'done', tone: 'bad', message: 'The request was denied on the computer.' });
        } else if (s.status === 'expired') {
          setPhase({ kind: 'done', tone: 'bad', message: 'The request expired before it was approved. Try again.' });
        }
      } catch (err) {
        if (settled) return;
        settled = true;
        setPhase({ kind: 'done', tone: 'bad', message: (err as Error).message });
      } finally {
        asking = false;
        if (askAgain) {
          askAgain = false;
          void check();
        }
      }
    };
    events.addEventListener('outcome', () => {
      events.close();
      void check();
    });
    const id = window.setInterval(check, 10_000);
    return () => {
      events.close();
      window.clearInterval(id);
    };
  }, [phase.kind, onSignedIn]);

  async function setUp() {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const response = await startRegistration({ optionsJSON: ready.options });
      const result = await api('/auth/register/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, name, response } });
      if (result.status === 'trusted') onSignedIn();
      else setPhase({ kind: 'waiting', code: result.request.code });
    } catch (err) {
      setError(describeError(err));
      void refresh();
    } finally {
      setBusy(false);
    }
  }

  if (phase.kind === 'waiting') {
    return (
      <section className="card" aria-live="polite">
        <h1>Waiting for approval</h1>
        <p>On the computer, approve the request showing this code:</p>
        <p className="match-code" data-testid="match-code">{phase.code}</p>
        <p className="muted">This page continues by itself once you approve.</p>
      </section>
    );
  }
  if (phase.kind === 'done') {
    return (
      <section className="card">
        <h1>Pair</h1>
        <p className={phase.tone === 'bad' ? 'error' : ''} role="status">{phase.message}</p>
        <button onClick={() => { setPhase({ kind: 'form' }); void refresh(); }}>Try again</button>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>Pair</h1>
      <p>Set up a passkey on this device. The computer running Latchkey must then approve it.</p>
      <label htmlFor="device-name">Device name</label>
      <input id="device-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      <button disabled={!ready || busy || !name.trim()} onClick={setUp}>Set up passkey</button>
      {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
      {state.has_passkeys && <p><a href={lk('/signin')}>Sign in with passkey</a> instead</p>}
    </section>
  );
}
