import { useState } from 'react';
import { api } from '../api.ts';
import { mmss, useCountdown } from '../useCountdown.ts';

/**
 * The screen a waiting browser shows: its code, which the person picks on the computer out of
 * three, where to do that, the time left, and Cancel. It continues by itself once decided.
 */
export function WaitingForApproval({ code, expiresInS, onCancelled }: { code: string; expiresInS?: number; onCancelled?: () => void }) {
  const left = useCountdown(expiresInS, code);
  const [error, setError] = useState<string | null>(null);
  async function cancel() {
    try {
      await api('/auth/pairing/cancel', { method: 'POST' });
      onCancelled?.();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <section className="card waiting" aria-live="polite">
      <h1>Waiting for approval</h1>
      <p>On the computer running Latchkey, open the request (its notification, or Latchkey → Pending) and pick this code:</p>
      <p className="match-code" data-testid="match-code">{code}</p>
      {expiresInS !== undefined && <p className="countdown">{left > 0 ? <>Expires in <span data-testid="countdown">{mmss(left)}</span></> : 'Expired'}</p>}
      <p className="muted">This page continues by itself once you approve.</p>
      {onCancelled && <button type="button" className="secondary" onClick={cancel}>Cancel</button>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
