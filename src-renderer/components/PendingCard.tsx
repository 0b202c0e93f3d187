import { FALLBACK_LABELS, type FallbackMethod } from '../../src-server/fallbacks/fallbackMethods.ts';
import { when, type Pending } from '../api.ts';
import { mmss, useCountdown } from '../useCountdown.ts';


/**
 * One request, as the person approving must weigh it: the origin first (the fact that catches
 * phishing), what the device calls itself next to what it is, and the time left. Approving
 * means picking, out of three, the code the device shows: a person who is not looking at
 * their own phone cannot rubber-stamp it, and a wrong pick denies it.
 */
export function PendingCard({ p, busy, onPick, onDeny }: { p: Pending; busy: boolean; onPick: (p: Pending, code: string) => void; onDeny: (p: Pending) => void }) {
  const left = useCountdown(p.expires_in_s, p.id);
  const host = new URL(p.origin).host;
  return (
    <article className="request card" data-request-id={p.id} aria-labelledby={`req-${p.id}`}>
      <h2 id={`req-${p.id}`} className="request-origin"><strong>{host}</strong> wants access</h2>
      <p className="request-who">
        {p.kind === 'browser' ? 'A browser' : 'A device'} that calls itself <span className="claimed-name">“{p.name}”</span>, detected as <strong>{[p.device_type, p.browser, p.os].filter(Boolean).join(' · ')}</strong>
      </p>
      <dl className="facts">
        <dt>Address</dt><dd>{p.origin}</dd>
        <dt>From IP</dt><dd>{p.ip}</dd>
        <dt>Asked</dt><dd>{when(p.created_at)}</dd>
        {p.kind === 'browser'
          ? <><dt>Signed in with</dt><dd>{FALLBACK_LABELS[p.method as FallbackMethod] ?? p.method} (no passkey: this browser will be trusted as it is)</dd></>
          : <><dt>Passkey fingerprint</dt><dd><code>{p.fingerprint}</code></dd></>}
      </dl>
      <p className="countdown" aria-live="off">{left > 0 ? <>Expires in <span data-testid="countdown">{mmss(left)}</span></> : 'Expired'}</p>
      <fieldset className="pick" disabled={busy || left === 0}>
        <legend>To approve, pick the code the device shows</legend>
        <div className="choices">
          {p.choices.map((c) => <button key={c} type="button" className="choice" onClick={() => onPick(p, c)} aria-label={`Approve: the device shows ${c}`}>{c}</button>)}
        </div>
      </fieldset>
      <p className="muted small">No code on your device, or not your device? Deny it.</p>
      <button type="button" className="danger" disabled={busy} onClick={() => onDeny(p)}>Deny</button>
    </article>
  );
}
