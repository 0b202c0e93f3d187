import { startRegistration } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { api, describeError, type AuthState } from '../api.ts';
import { useCeremonyOptions } from '../useCeremonyOptions.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';
import { useApprovalWait } from '../useApprovalWait.ts';
import { WaitingForApproval } from '../components/WaitingForApproval.tsx';
import { forgetPasskey } from '../signalPasskeys.ts';
import { InviteLine, type Invitation } from './SharePage.tsx';

type Phase =
  | { kind: 'form' }
  | { kind: 'waiting'; code: string; expiresInS: number }
  | { kind: 'approved' }
  | { kind: 'done'; message: string; tone: 'ok' | 'bad' };

/**
 * The Pair screen: name the device, make a passkey, then wait for approval on the computer.
 * With `invite`, the same for a guest of one shared app (SharePage): the link's secret goes with the new passkey.
 */
export function PairPage({ state, onSignedIn, invite }: { state: AuthState; onSignedIn: () => void; invite?: Invitation }) {
  const [name, setName] = useState(state.suggested_name);
  const [phase, setPhase] = useState<Phase>({ kind: 'form' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { ready, error: optionsError, refresh } = useCeremonyOptions('/auth/register/options');

  const outcome = useApprovalWait(phase.kind === 'waiting');
  // The passkey this page made: until the computer approves it, Latchkey does not know it.
  const made = useRef<{ rpId: string; credentialId: string } | null>(null);
  const forgetMade = () => {
    if (made.current) void forgetPasskey(made.current.rpId, made.current.credentialId);
    made.current = null;
  };
  const backToForm = () => {
    forgetMade();
    setPhase({ kind: 'form' });
    void refresh();
  };
  useEffect(() => {
    if (outcome?.kind === 'approved') {
      made.current = null;
      setPhase({ kind: 'approved' });
    } else if (outcome?.kind === 'cancelled') backToForm();
    else if (outcome?.kind === 'ended') {
      // Denied or expired: the passkey on the phone opens nothing, so it should not stay in its list.
      forgetMade();
      setPhase({ kind: 'done', tone: 'bad', message: outcome.message });
    }
  }, [outcome]);

  async function setUp() {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const response = await startRegistration({ optionsJSON: ready.options });
      made.current = { rpId: ready.options.rp.id ?? window.location.hostname, credentialId: response.id };
      const result = await api('/auth/register/verify', { method: 'POST', body: { ceremony_id: ready.ceremony_id, name, response, ...(invite ? { share_token: invite.token } : {}) } });
      if (result.status === 'trusted') {
        made.current = null;
        onSignedIn();
      } else setPhase({ kind: 'waiting', code: result.request.code, expiresInS: result.request.expires_in_s });
    } catch (err) {
      // Refused after the passkey was made (or never made): none is left behind.
      forgetMade();
      setError(describeError(err));
      void refresh();
    } finally {
      setBusy(false);
    }
  }

  if (phase.kind === 'waiting') {
    return <WaitingForApproval code={phase.code} expiresInS={phase.expiresInS} onCancelled={backToForm} />;
  }
  if (phase.kind === 'approved') return <Approved device={name} host={invite ? invite.app : new URL(state.origin).host} onContinue={onSignedIn} />;
  if (phase.kind === 'done') {
    return (
      <section className="card">
        <h1>Pair</h1>
        <p className={phase.tone === 'bad' ? 'error' : ''} role={phase.tone === 'bad' ? 'alert' : 'status'}>{phase.message}</p>
        <button onClick={() => { setPhase({ kind: 'form' }); void refresh(); }}>Try again</button>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>{invite ? `${invite.app}, shared with you` : 'Pair'}</h1>
      {invite ? <><InviteLine invite={invite} /><p>Set up a passkey on this device. {invite.from} then approves it on their computer.</p></>
        : <p>Set up a passkey on this device. The computer running Latchkey must then approve it.</p>}
      <label htmlFor="device-name">Device name</label>
      <input id="device-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      <button disabled={!ready || busy || !name.trim()} onClick={setUp}>Set up passkey</button>
      {(error ?? optionsError) && <p className="error" role="alert">{error ?? optionsError}</p>}
      {state.has_passkeys && !invite && <p><a className="button secondary" href={lk('/signin')}>Sign in with a passkey instead</a></p>}
    </section>
  );
}

/** The moment of success on the phone, then on to what it came for (the app, or the launcher). */
function Approved({ device, host, onContinue }: { device: string; host: string; onContinue: () => void }) {
  useEffect(() => {
    const id = window.setTimeout(onContinue, 2000);
    return () => window.clearTimeout(id);
  }, [onContinue]);
  return (
    <section className="card success" aria-live="polite">
      <h1>Approved</h1>
      <p data-testid="approved">This {device} can now reach <strong>{host}</strong>.</p>
      <button onClick={onContinue}>Continue</button>
    </section>
  );
}
