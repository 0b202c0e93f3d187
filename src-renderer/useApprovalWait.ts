import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { lk } from '../src-server/web/latchkeyPaths.ts';

/**
 * `cancelled` is its own outcome because this browser's Cancel usually caused it: the pushed
 * outcome can arrive before the cancel request's own answer, and both must lead to the same step.
 */
export type WaitOutcome = { kind: 'approved' } | { kind: 'cancelled' } | { kind: 'ended'; message: string } | null;

/**
 * Waits for the computer to decide on this browser's pending request (a pairing, or a
 * fallback sign-in from a new browser): pushed over the event stream the moment it is
 * decided, with a slow poll for a dropped stream. The server hands an outcome out once,
 * so the first answer that settles it wins.
 */
export function useApprovalWait(waiting: boolean): WaitOutcome {
  const [outcome, setOutcome] = useState<WaitOutcome>(null);
  useEffect(() => {
    // An outcome belongs to one wait: kept after it, a page re-rendering for any reason would
    // apply it again (a cancelled wait, back on its form, jumping to "ended").
    setOutcome(null);
    if (!waiting) return;
    const events = new EventSource(lk('/auth/pairing/events'));
    let settled = false;
    let asking = false;
    let askAgain = false;
    const check = async () => {
      if (settled) return;
      // One question at a time; a nudge that arrives meanwhile asks again right after.
      if (asking) {
        askAgain = true;
        return;
      }
      asking = true;
      try {
        const s = await api('/auth/pairing/status');
        if (settled) return;
        if (s.status !== 'pending') settled = true;
        if (s.status === 'approved') setOutcome({ kind: 'approved' });
        else if (s.status === 'denied' && s.reason === 'code_mismatch') {
          setOutcome({ kind: 'ended', message: 'The code typed on the computer did not match the one this device showed, so the request was denied. Try again, and type the code shown here.' });
        } else if (s.status === 'denied') setOutcome({ kind: 'ended', message: 'The request was denied on the computer.' });
        else if (s.status === 'expired') setOutcome({ kind: 'ended', message: 'The request expired before it was approved. Try again.' });
        else if (s.status === 'cancelled') setOutcome({ kind: 'cancelled' });
      } catch (err) {
        if (settled) return;
        settled = true;
        setOutcome({ kind: 'ended', message: (err as Error).message });
      } finally {
        asking = false;
        if (askAgain) {
          askAgain = false;
          void check();
        }
      }
    };
    events.addEventListener('outcome', () => {
      events.close();
      void check();
    });
    const id = window.setInterval(check, 10_000);
    return () => {
      settled = true;
      events.close();
      window.clearInterval(id);
    };
  }, [waiting]);
  return outcome;
}
