import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { api, describeError } from '../api.ts';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/** Sign in with an already-approved passkey. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/login/options');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function signIn() {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const response = await startAuthentication({ optionsJSON: ready.options });
      await api('/auth/login/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, response } });
      onSignedIn();
    } catch (err) {
      setError(describeError(err));
      void refresh();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <h1>Sign in</h1>
      <button disabled={!ready || busy} onClick={signIn}>Sign in with passkey</button>
      {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
      <p><a href={lk('/pair')}>Pair a new device</a></p>
    </section>
  );
}
