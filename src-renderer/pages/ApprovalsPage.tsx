import { useCallback, useEffect, useState } from 'react';
import { api, type Pending } from '../api.ts';
import { PendingCard } from '../components/PendingCard.tsx';
import { lk } from '../../src-server/web/latchkeyPaths.ts';

/** Pending approvals, on the computer only: every fact the person needs to spot a phishing attempt. */
export function ApprovalsPage() {
  const [pending, setPending] = useState<Pending[]>([]);
  const [message, setMessage] = useState<{ text: string; bad?: boolean } | null>(null);

  const load = useCallback(async () => {
    try {
      setPending((await api<{ pending: Pending[] }>('/api/devices/pending')).pending);
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
  }, []);
  useEffect(() => {
    void load();
    // Pushed the moment a device asks; the slow poll only covers a dropped stream.
    const events = new EventSource(lk('/api/events'));
    events.addEventListener('pending', (e) => setPending(JSON.parse((e as MessageEvent).data).pending));
    const id = window.setInterval(load, 15_000);
    return () => {
      events.close();
      window.clearInterval(id);
    };
  }, [load]);

  async function decide(p: Pending, action: 'approve' | 'deny') {
    try {
      await api(`/api/devices/${encodeURIComponent(p.id)}/${action}`, { method: 'POST' });
      setMessage({ text: action === 'approve' ? `Approved ${p.name}.` : `Denied ${p.name}.` });
    } catch (err) {
      setMessage({ text: (err as Error).message, bad: true });
    }
    await load();
  }

  return (
    <section className="card">
      <h1>Pending approvals</h1>
      {pending.length === 0 && <p className="muted">No device is waiting for approval.</p>}
      {pending.map((p) => <PendingCard key={p.id} p={p} onDecide={decide} />)}
      {message && <p className={message.bad ? 'error' : 'ok'} role="status">{message.text}</p>}
    </section>
  );
}
