import { useEffect, useRef, type ReactNode } from 'react';

export interface ConfirmRequest {
  title: string;
  body: string;
  confirm: string;
  onConfirm: () => void;
  /** A choice that belongs to the decision (how long a rotated key's old secret keeps working). */
  extra?: ReactNode;
}

/**
 * Asks before a destructive action, in a real modal (<dialog>: focus is trapped, Escape
 * cancels) styled like the rest of the app, instead of the browser's bare confirm().
 */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Where <dialog> has no modal mode (old engines, jsdom) it still opens, just without the backdrop.
    if (request && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    if (!request && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
    }
  }, [request]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="confirm-title" onClose={onClose}>
      {request && (
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); request.onConfirm(); onClose(); }}>
          <h2 id="confirm-title">{request.title}</h2>
          <p>{request.body}</p>
          {request.extra}
          <div className="actions">
            <button type="button" className="secondary" onClick={onClose} autoFocus>Cancel</button>
            <button type="submit" className="danger">{request.confirm}</button>
          </div>
        </form>
      )}
    </dialog>
  );
}
