import type { Status } from '../useApi.ts';

/** The outcome line under an action: green only for success, red for a refusal, plain otherwise. */
export function StatusMessage({ status }: { status: Status }) {
  if (!status) return null;
  const cls = status.tone === 'ok' ? 'ok' : status.tone === 'bad' ? 'error' : 'muted';
  return <p className={`status ${cls}`} role={status.tone === 'bad' ? 'alert' : 'status'}>{status.text}</p>;
}
