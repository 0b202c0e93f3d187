import { useEffect, useState } from 'react';
import { api, type Pending } from '../api.ts';
import { PendingCard } from '../components/PendingCard.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { desktop } from '../desktop.ts';
import { useDecide } from '../useDecide.ts';

/**
 * The desktop app's approval window for one request (`/approve?request=ID`), opened from the
 * notification or the tray: the same card as the Pending page, alone.
 */
export function ApprovalWindowPage() {
  const id = new URLSearchParams(window.location.search).get('request') ?? '';
  const [pending, setPending] = useState<Pending | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = async () => {
    try {
      setPending((await api<{ pending: Pending[] }>('/api/devices/pending')).pending.find((p) => p.id === id) ?? null);
    } catch (err) {
      setLoadError((err as Error).message);
    }
  };
  useEffect(() => void load(), [id]);
  const { status, busy, pick, deny } = useDecide(load);
  const decided = async (ok: Promise<boolean>) => {
    // Leave the outcome readable for a moment, then close the window (desktop app only).
    if (await ok) window.setTimeout(() => void desktop()?.closeWindow(), 1500);
  };

  return (
    <main className="bare">
      <h1 className="page-title">Approve device</h1>
      {pending === undefined && !loadError && <p className="muted">Loading…</p>}
      {loadError && <p className="error" role="alert">{loadError}</p>}
      {pending === null && !status && <p className="muted" role="status">This request is no longer waiting: it was approved, denied, cancelled, or it expired.</p>}
      {pending && <PendingCard p={pending} busy={busy} onPick={(p, c) => void decided(pick(p, c))} onDeny={(p) => void decided(deny(p))} />}
      <StatusMessage status={status} />
    </main>
  );
}
