import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';

export type Status = { text: string; tone: 'ok' | 'bad' | 'info' } | null;

/**
 * The one way a page loads from the API and reports what happened: `data` once loaded,
 * `status` for the last outcome (an error's message, or what an action did), `reload`, and
 * `run` for an action that reports its own success text and then reloads.
 */
export function useApi<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    if (path === null) return;
    try {
      setData(await api<T>(path));
    } catch (err) {
      setStatus({ text: (err as Error).message, tone: 'bad' });
    }
  }, [path]);
  useEffect(() => void reload(), [reload]);

  /** Runs an action; its result's text (or the error's message) becomes the status, then the data reloads. */
  const run = useCallback(async <R,>(action: () => Promise<R>, done: (r: R) => string) => {
    setBusy(true);
    try {
      const r = await action();
      await reload();
      setStatus({ text: done(r), tone: 'ok' });
      return r;
    } catch (err) {
      setStatus({ text: (err as Error).message, tone: 'bad' });
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [reload]);

  return { data, setData, status, setStatus, busy, reload, run };
}
