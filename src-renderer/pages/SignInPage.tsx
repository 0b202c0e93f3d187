import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { api, describeError, type AuthState } from '../api.ts';
import { FallbackSignIn } from '../components/FallbackSignIn.tsx';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/**
 * Sign in: with a passkey, or "Use another way" (the fallbacks the computer has turned on).
 * A browser without WebAuthn goes straight to the fallbacks and is told why.
 */
export function SignInPage({ state, onSignedIn }: { state: AuthState; onSignedIn: () => void }) {
  const webauthn = browserSupportsWebAuthn();
  const passkeys = webauthn && state.has_passkeys;
  const fallbacks = state.fallbacks.methods.length > 0;
  const [another, setAnother] = useState(!passkeys);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/login/options', passkeys);
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
      {!webauthn && (
        <p className="warning" role="note">
          This browser cannot use passkeys{fallbacks ? ', so choose another way to sign in.' : ', and no other way to sign in is turned on. Use a browser that supports passkeys, or turn on a sign-in fallback on the computer.'}
        </p>
      )}
      {passkeys && (
        <>
          <button disabled={!ready || busy} onClick={signIn}>Sign in with passkey</button>
          {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
        </>
      )}
      {fallbacks && passkeys && !another && (
        <p><button className="secondary" onClick={() => setAnother(true)}>Use another way</button></p>
      )}
      {fallbacks && another && <FallbackSignIn state={state} onSignedIn={onSignedIn} />}
      {webauthn && <p><a href={lk('/pair')}>Pair a new device</a></p>}
    </section>
  );
}
