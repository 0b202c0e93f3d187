import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { FallbackResult } from '../components/FallbackSignIn.tsx';
import { OfferPasskey } from '../components/OfferPasskey.tsx';
import { useApprovalWait } from '../useApprovalWait.ts';
import { WaitingForApproval } from '../components/WaitingForApproval.tsx';

// Read once, at load, then removed from the address bar (and so from history) at once.
const TOKEN = new URLSearchParams(window.location.hash.slice(1)).get('t');
if (TOKEN) window.history.replaceState(null, '', window.location.pathname);

type Phase =
  | { kind: 'checking' }
  | { kind: 'ready' }
  | { kind: 'waiting'; code: string; expiresInS?: number }
  | { kind: 'signed-in'; offerPasskey: boolean }
  | { kind: 'refused'; message: string };

/**
 * Where an emailed sign-in link lands. Loading it changes nothing: the page checks the link
 * (right browser, not used, not expired) and asks; only the Sign in button uses it up.
 */
export function EmailLinkPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [phase, setPhase] = useState<Phase>(TOKEN ? { kind: 'checking' } : { kind: 'refused', message: 'This address holds no sign-in link. Open the link from the mail again.' });
  const [busy, setBusy] = useState(false);
  const outcome = useApprovalWait(phase.kind === 'waiting');

  useEffect(() => {
    if (!TOKEN) return;
    api('/auth/fallback/email/check', { method: 'POST', body: { token: TOKEN } })
      .then(() => setPhase({ kind: 'ready' }), (err) => setPhase({ kind: 'refused', message: (err as Error).message }));
  }, []);
  const cancelled = () => setPhase({ kind: 'refused', message: 'Cancelled. Ask for a new link from the Sign in page.' });
  useEffect(() => {
    if (outcome?.kind === 'approved') setPhase({ kind: 'signed-in', offerPasskey: true });
    else if (outcome?.kind === 'cancelled') cancelled();
    else if (outcome?.kind === 'ended') setPhase({ kind: 'refused', message: outcome.message });
  }, [outcome]);

  async function confirm() {
    setBusy(true);
    try {
      const r = await api<FallbackResult>('/auth/fallback/email/confirm', { method: 'POST', body: { token: TOKEN } });
      setPhase(r.status === 'pending' ? { kind: 'waiting', code: r.request.code, expiresInS: r.request.expires_in_s } : { kind: 'signed-in', offerPasskey: r.offer_passkey });
    } catch (err) {
      setPhase({ kind: 'refused', message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  if (phase.kind === 'waiting') {
    return <WaitingForApproval code={phase.code} expiresInS={phase.expiresInS} onCancelled={cancelled} />;
  }
  if (phase.kind === 'signed-in') {
    return <OfferPasskey offer={phase.offerPasskey} onContinue={onSignedIn} />;
  }
  return (
    <section className="card" aria-live="polite">
      <h1>Sign in with email link</h1>
      {phase.kind === 'checking' && <p className="muted">Checking the link…</p>}
      {phase.kind === 'ready' && (
        <>
          <p>Sign in to <strong>{window.location.host}</strong> in this browser?</p>
          <button disabled={busy} onClick={confirm}>Sign in</button>
        </>
      )}
      {phase.kind === 'refused' && <p className="error" role="alert">{phase.message}</p>}
    </section>
  );
}
