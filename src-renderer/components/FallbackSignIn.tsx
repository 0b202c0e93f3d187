import { useEffect, useState } from 'react';
import { api, type AuthState, type FallbackMethod } from '../api.ts';
import { useApprovalWait } from '../useApprovalWait.ts';
import { WaitingForApproval } from './WaitingForApproval.tsx';
import { OfferPasskey } from './OfferPasskey.tsx';

const LABELS: Record<FallbackMethod, string> = {
  'backup-code': 'Backup code',
  totp: 'Authenticator code',
  password: 'Password',
  email: 'Email me a link',
};

export type FallbackResult =
  | { status: 'signed_in'; offer_passkey: boolean; backup_codes_left?: number }
  | { status: 'pending'; request: { code: string; expires_in_s: number } };

type Phase =
  | { kind: 'choose' }
  | { kind: 'form'; method: FallbackMethod }
  | { kind: 'mailed'; to: string }
  | { kind: 'waiting'; code: string; expiresInS?: number }
  | { kind: 'signed-in'; offerPasskey: boolean; codesLeft?: number }
  | { kind: 'ended'; message: string };

/**
 * "Use another way": the sign-in fallbacks that are on. A new browser that uses one waits
 * for approval on the computer like a pairing phone; a backup code, or a browser trusted
 * before, is signed in at once. Either way the page then offers to set up a passkey.
 */
export function FallbackSignIn({ state, onSignedIn }: { state: AuthState; onSignedIn: () => void }) {
  const methods = state.fallbacks.methods;
  const [phase, setPhase] = useState<Phase>(methods.length === 1 ? { kind: 'form', method: methods[0]! } : { kind: 'choose' });
  const outcome = useApprovalWait(phase.kind === 'waiting');
  const backToStart = () => setPhase(methods.length === 1 ? { kind: 'form', method: methods[0]! } : { kind: 'choose' });
  useEffect(() => {
    if (outcome?.kind === 'approved') setPhase({ kind: 'signed-in', offerPasskey: state.rp_id !== null });
    else if (outcome?.kind === 'cancelled') backToStart();
    else if (outcome?.kind === 'ended') setPhase({ kind: 'ended', message: outcome.message });
  }, [outcome, state.rp_id]);

  const done = (r: FallbackResult) => setPhase(r.status === 'pending'
    ? { kind: 'waiting', code: r.request.code, expiresInS: r.request.expires_in_s }
    : { kind: 'signed-in', offerPasskey: r.offer_passkey, codesLeft: r.backup_codes_left });

  if (phase.kind === 'waiting') {
    return <WaitingForApproval code={phase.code} expiresInS={phase.expiresInS} onCancelled={backToStart} />;
  }
  if (phase.kind === 'signed-in') return <OfferPasskey offer={phase.offerPasskey} codesLeft={phase.codesLeft} onContinue={onSignedIn} />;
  if (phase.kind === 'ended') {
    return (
      <section className="card">
        <h1>Not signed in</h1>
        <p className="error" role="alert">{phase.message}</p>
        <button onClick={() => setPhase({ kind: 'choose' })}>Try again</button>
      </section>
    );
  }
  if (phase.kind === 'mailed') {
    return (
      <section className="card" aria-live="polite">
        <h1>Check your mail</h1>
        <p>A sign-in link is on its way to <strong>{phase.to}</strong>. Open it <strong>in this browser</strong> within 10 minutes.</p>
        <button className="secondary" onClick={() => setPhase({ kind: 'choose' })}>Use another way</button>
      </section>
    );
  }
  if (phase.kind === 'form') {
    return (
      <FallbackForm state={state} method={phase.method} onDone={done} onMailed={(to) => setPhase({ kind: 'mailed', to })}
        onBack={methods.length > 1 ? () => setPhase({ kind: 'choose' }) : undefined} />
    );
  }
  return (
    <nav aria-label="Other ways to sign in">
      <ul className="choices">
        {methods.map((m) => (
          <li key={m}><button className="secondary" onClick={() => setPhase({ kind: 'form', method: m })}>{LABELS[m]}</button></li>
        ))}
      </ul>
    </nav>
  );
}

function FallbackForm({ state, method, onDone, onMailed, onBack }: {
  state: AuthState; method: FallbackMethod; onDone: (r: FallbackResult) => void; onMailed: (to: string) => void; onBack?: () => void;
}) {
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState(state.suggested_name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const newBrowser = !state.fallbacks.trusted_browser;
  const needsCode = method === 'backup-code' || method === 'totp' || (method === 'password' && state.fallbacks.password_needs_totp);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const named = newBrowser && name.trim() ? { name: name.trim() } : {};
      if (method === 'email') {
        const r = await api('/auth/fallback/email/send', { method: 'POST', body: named });
        onMailed(r.to);
        return;
      }
      const body = method === 'password'
        ? { method, password, ...(needsCode ? { code } : {}), ...named }
        : { method, code, ...named };
      onDone(await api<FallbackResult>('/auth/fallback/signin', { method: 'POST', body }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <h2>{LABELS[method]}</h2>
      {method === 'password' && (
        <>
          <label htmlFor="fb-password">Password</label>
          <input id="fb-password" type="password" autoComplete="current-password" value={password} maxLength={1024} onChange={(e) => setPassword(e.target.value)} />
        </>
      )}
      {needsCode && (
        <>
          <label htmlFor="fb-code">{method === 'backup-code' ? 'Backup code' : 'Code from your authenticator app'}</label>
          <input id="fb-code" value={code} maxLength={32} autoComplete="one-time-code" spellCheck={false}
            inputMode={method === 'backup-code' ? 'text' : 'numeric'} placeholder={method === 'backup-code' ? 'xxxxx-xxxxx' : '123456'}
            onChange={(e) => setCode(e.target.value)} />
        </>
      )}
      {method === 'email' && <p>We will mail a sign-in link to the address set up on the computer. It works in this browser only.</p>}
      {newBrowser && (
        <>
          <label htmlFor="fb-name">Name this device</label>
          <input id="fb-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          <p className="muted small">
            {method === 'backup-code'
              ? 'A backup code lets this browser in at once, and the computer is told.'
              : 'This browser is new here: after this, the computer must approve it.'}
          </p>
        </>
      )}
      <button type="submit" disabled={busy || (needsCode && !code.trim()) || (method === 'password' && !password)}>
        {method === 'email' ? 'Send link' : 'Sign in'}
      </button>{' '}
      {onBack && <button type="button" className="secondary" onClick={onBack}>Another way</button>}
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
