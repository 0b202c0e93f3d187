import { useEffect, useState } from 'react';
import { api, type Pending } from '../api.ts';
import { PendingCard } from '../components/PendingCard.tsx';
import { desktop } from '../desktop.ts';

/**
 * The desktop app's approval window for one request (`/approve?request=ID`), opened from the
 * notification or the tray: the same facts and buttons as Pending approvals.
 */
export function ApprovalWindowPage() {
  const id = new URLSearchParams(window.location.search).get('request') ?? '';
  const [pending, setPending] = useState<Pending | null | undefined>(undefined);
  const [outcome, setOutcome] = useState<{ text: string; bad?: boolean } | null>(null);

  useEffect(() => {
    api<{ pending: Pending[] }>('/api/devices/pending').then(
      (r) => setPending(r.pending.find((p) => p.id === id) ?? null),
      (err) => setOutcome({ text: (err as Error).message, bad: true }),
    );
  }, [id]);

  async function decide(p: Pending, action: 'approve' | 'deny') {
    try {
      await api(`/api/devices/${encodeURIComponent(p.id)}/${action}`, { method: 'POST' });
      setOutcome({ text: action === 'approve' ? `Approved ${p.name}. It is signed in now.` : `Denied ${p.name}. Nothing was stored.` });
      setPending(null);
      // Leave the outcome readable for a moment, then close the window (desktop app only).
      window.setTimeout(() => void desktop()?.closeWindow(), 1500);
    } catch (err) {
      setOutcome({ text: (err as Error).message, bad: true });
    }
  }

  return (
    <section className="card">
      <h1>New device wants access</h1>
      {pending === undefined && !outcome && <p className="muted">Loading…</p>}
      {pending === null && !outcome && <p className="muted" role="status">This request is no longer waiting: it was approved, denied, or it expired.</p>}
      {pending && <PendingCard p={pending} onDecide={decide} />}
      {outcome && <p className={outcome.bad ? 'error' : 'ok'} role="status">{outcome.text}</p>}
    </section>
  );
}
