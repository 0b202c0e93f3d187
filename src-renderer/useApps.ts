import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';

export interface AppEntry {
  name: string;
  upstream: string;
  path: string;
  origins: string[] | null;
  health?: 'up' | 'down';
  source?: 'config' | 'flag';
}

/** The apps this browser can open (all of them on the computer), each with the server's health check. */
export function useApps() {
  const [apps, setApps] = useState<AppEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setApps((await api<{ apps: AppEntry[] }>('/api/apps')).apps);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);
  return { apps, error, load };
}
