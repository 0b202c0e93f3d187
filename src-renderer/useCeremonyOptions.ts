import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';

/**
 * Fetches ceremony options before the user clicks, and refreshes them before the server's
 * 5-minute challenge expiry: Safari only allows a passkey prompt started directly from the
 * gesture, not after an awaited fetch.
 */
export function useCeremonyOptions(path: string, enabled = true, body: Record<string, unknown> = {}) {
  const [ready, setReady] = useState<{ ceremony_id: string; options: any } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const bodyRef = useRef(body);
  bodyRef.current = body;

  const refresh = useCallback(async () => {
    window.clearTimeout(timer.current);
    try {
      setReady(await api(path, { method: 'POST', body: bodyRef.current }));
      setError(null);
      timer.current = window.setTimeout(refresh, 4 * 60_000);
    } catch (err) {
      setReady(null);
      setError((err as Error).message);
    }
  }, [path]);

  useEffect(() => {
    if (enabled) void refresh();
    return () => window.clearTimeout(timer.current);
  }, [enabled, refresh]);

  return { ready, error, refresh };
}
