import { PendingCard } from '../components/PendingCard.tsx';
import { StatusMessage } from '../components/StatusMessage.tsx';
import { usePending } from '../PendingContext.tsx';
import { useDecide } from '../useDecide.ts';

/**
 * Requests waiting for approval, newest pushed in as they arrive: on the computer, and on a
 * passkey device when the owner allows it (`fromDevice`: each approval then asks for its passkey).
 */
export function PendingPage({ fromDevice }: { fromDevice: boolean }) {
  const { pending, reload } = usePending();
  const { status, busy, pick, deny } = useDecide(reload, fromDevice);
  return (
    <>
      <StatusMessage status={status} />
      {pending.length === 0 && <section className="card"><p className="muted">No device is waiting for approval.</p></section>}
      {pending.map((p) => <PendingCard key={p.id} p={p} busy={busy} onPick={pick} onDeny={deny} />)}
    </>
  );
}
