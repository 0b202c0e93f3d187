import { FALLBACK_LABELS, type FallbackMethod } from '../../src-server/fallbacks/fallbackMethods.ts';
import type { Pending } from '../api.ts';
import { useState } from 'react';
import { When } from './When.tsx';
import { mmss, useCountdown } from '../useCountdown.ts';


/**
 * One request, as the person approving must weigh it: the origin first (the fact that catches
 * phishing), what the device calls itself next to what it is, and the time left. Approving
 * means typing the code the device shows (as Microsoft Authenticator moved to, from picking one
 * of three: a picker still lets a rubber-stamping approver in one time in three); a wrong code
 * denies the request.
 */
export function PendingCard({ p, busy, onPick, onDeny }: { p: Pending; busy: boolean; onPick: (p: Pending, code: string) => void; onDeny: (p: Pending) => void }) {
  const left = useCountdown(p.expires_in_s, p.id);
  const host = new URL(p.origin).host;
  const [code, setCode] = useState('');
  const complete = /^\d{2}$/.test(code);
  return (
    <article className="request card" data-request-id={p.id} aria-labelledby={`req-${p.id}`}>
      <h2 id={`req-${p.id}`} className="request-origin"><strong>{host}</strong> wants access</h2>
      {p.guest && <p className="tag guest" data-testid="guest-of">Guest of {p.guest.app}, invited as {p.guest.invited_as}</p>}
      <p className="request-who">
        {p.kind === 'browser' ? 'A browser' : 'A device'} that calls itself <span className="claimed-name">“{p.name}”</span>, detected as <strong>{[p.device_type, p.browser, p.os].filter(Boolean).join(' · ')}</strong>
      </p>
      <dl className="facts">
        <dt>Address</dt><dd>{p.origin}</dd>
        <dt>From IP</dt><dd>{p.ip}</dd>
        <dt>Asked</dt><dd><When iso={p.created_at} /></dd>
        {p.kind === 'browser'
          ? <><dt>Signed in with</dt><dd>{FALLBACK_LABELS[p.method as FallbackMethod] ?? p.method} (no passkey: this browser will be trusted as it is)</dd></>
          : <><dt>Passkey fingerprint</dt><dd><code>{p.fingerprint}</code></dd></>}
      </dl>
      <p className="countdown" aria-live="off">{left > 0 ? <>Expires in <span data-testid="countdown">{mmss(left)}</span></> : 'Expired'}</p>
      <form className="pick" onSubmit={(e) => { e.preventDefault(); if (complete) onPick(p, code); }}>
        <fieldset disabled={busy || left === 0}>
          <legend>To approve, type the code the device shows</legend>
          <label htmlFor={`code-${p.id}`}>Code on the device</label>
          <div className="code-row">
            <input id={`code-${p.id}`} className="code-input" inputMode="numeric" pattern="[0-9]{2}" maxLength={2} autoComplete="off"
              value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 2))} />
            <button type="submit" disabled={!complete}>Approve</button>
          </div>
        </fieldset>
      </form>
      <p className="muted small">No code on your device, or not your device? Deny it.</p>
      <button type="button" className="danger" disabled={busy} onClick={() => onDeny(p)}>Deny</button>
    </article>
  );
}
