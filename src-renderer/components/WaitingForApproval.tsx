import { useState } from 'react';
import { api } from '../api.ts';
import { mmss, useCountdown } from '../useCountdown.ts';

/**
 * The screen a waiting browser shows: its code, which the person types on the computer, where
 * to do that, the time left, and Cancel. It continues by itself once decided.
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
      {/* Where the request shows in every mode: the pages, the terminal running latchkey serve, the desktop app's notification. */}
      <p>On the computer running Latchkey, type this code into the request: on its Home or Pending page, in the desktop app&apos;s notification, or in a terminal with <code>latchkey devices approve --code {code}</code>.</p>
      <p className="match-code" data-testid="match-code">{code}</p>
      {expiresInS !== undefined && <p className="countdown">{left > 0 ? <>Expires in <span data-testid="countdown">{mmss(left)}</span></> : 'Expired'}</p>}
      <p className="muted">This page continues by itself once you approve.</p>
      {onCancelled && <button type="button" className="secondary" onClick={cancel}>Cancel</button>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
