import { when, type Pending } from '../api.ts';

const METHOD_LABELS: Record<string, string> = { password: 'a password', totp: 'an authenticator code', email: 'an email link', 'backup-code': 'a backup code' };

/** Every fact the person approving needs to tell their own device from an attacker's. */
export function PendingCard({ p, onDecide }: { p: Pending; onDecide: (p: Pending, action: 'approve' | 'deny') => void }) {
  return (
    <article className="request" data-request-id={p.id}>
      <h2>{p.name} <span className="code">code {p.code}</span></h2>
      <dl>
        <dt>Device</dt><dd>{p.device_type} · {p.browser} · {p.os}</dd>
        <dt>Origin</dt><dd>{p.origin}</dd>
        <dt>IP</dt><dd>{p.ip}</dd>
        <dt>Asked</dt><dd>{when(p.created_at)}</dd>
        {p.kind === 'browser'
          ? <><dt>Signed in with</dt><dd>{METHOD_LABELS[p.method] ?? p.method} (no passkey: this browser will be trusted as it is)</dd></>
          : <><dt>Passkey fingerprint</dt><dd><code>{p.fingerprint}</code></dd></>}
      </dl>
      <p className="muted small">Approve only if the code matches the one on your device.</p>
      <button onClick={() => onDecide(p, 'approve')}>Approve</button>{' '}
      <button className="danger" onClick={() => onDecide(p, 'deny')}>Deny</button>
    </article>
  );
}
