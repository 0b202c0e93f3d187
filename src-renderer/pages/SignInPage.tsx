import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { api, ApiError, describeError, type AuthState } from '../api.ts';
import { forgetPasskey, keepOnlyPasskey } from '../signalPasskeys.ts';
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
  const [unknownPasskey, setUnknownPasskey] = useState(false);
  const [busy, setBusy] = useState(false);

  async function signIn() {
    if (!ready) return;
    setBusy(true);
    setError(null);
    setUnknownPasskey(false);
    const rpId = ready.options.rpId ?? window.location.hostname;
    let credentialId: string | null = null;
    try {
      const response = await startAuthentication({ optionsJSON: ready.options });
      credentialId = response.id;
      await api('/auth/login/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, response } });
      if (response.response.userHandle) await keepOnlyPasskey(rpId, response.response.userHandle, response.id);
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unknown_credential' && credentialId) {
        // A passkey Latchkey does not know (never approved, or removed): the phone may drop it, and this is a new device to pair.
        void forgetPasskey(rpId, credentialId);
        setUnknownPasskey(true);
      } else if ((err as { name?: string }).name === 'NotAllowedError') {
        // The browser says the same when the prompt was dismissed and when this device has no passkey here.
        setError('No passkey was used: the prompt was closed, or this device has no passkey for this site. If it is new here, pair it.');
      } else setError(describeError(err));
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
      {passkeys && !another && (
        <>
          {/* Two equal choices: a phone that has no passkey here yet must not be steered to the one that cannot work. */}
          <div className="equal-choices">
            <button disabled={!ready || busy} onClick={signIn}>Sign in with passkey</button>
            <a className="button secondary" href={lk('/pair')}>This is a new device: pair it</a>
          </div>
          {unknownPasskey && (
            <p className="error" role="alert">
              This device has no passkey Latchkey trusts (it was never approved, or it was removed). Pair it: <a href={lk('/pair')}>pair this device</a>.
            </p>
          )}
          {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
        </>
      )}
      {fallbacks && passkeys && !another && (
        <p><button className="secondary" onClick={() => setAnother(true)}>Use another way</button></p>
      )}
      {/* Another way replaces the passkey button rather than sitting under it: a waiting fallback is its own step. */}
      {fallbacks && another && <FallbackSignIn state={state} onSignedIn={onSignedIn} />}
      {fallbacks && another && passkeys && <p><button className="secondary" onClick={() => setAnother(false)}>Sign in with a passkey instead</button></p>}
      {webauthn && !passkeys && <p><a className="button secondary" href={lk('/pair')}>Pair a new device</a></p>}
    </section>
  );
}
