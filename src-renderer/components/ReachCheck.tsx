import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { ReachResult } from '../../src-server/tunnels/createReachCheck.ts';

/** "Does the tunnel reach Latchkey?", asked at once for the phone's address and again on demand. */
export function ReachCheck({ origin }: { origin: string }) {
  const [result, setResult] = useState<ReachResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const check = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api<ReachResult>('/api/tunnel/check', { method: 'POST', body: { origin } }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, [origin]);
  useEffect(() => void check(), [check]);
  return (
    <div className="reach" data-testid="reach-check" aria-live="polite">
      {busy && !result && <p className="muted small">Checking that {new URL(origin).host} reaches Latchkey…</p>}
      {result && <p className={result.reaches ? 'ok small' : 'error small'}>{result.reaches ? '✓ ' : ''}{result.message}</p>}
      {error && <p className="error small" role="alert">{error}</p>}
      {result && <button type="button" className="secondary" disabled={busy} onClick={() => void check()}>Check again</button>}
    </div>
  );
}
