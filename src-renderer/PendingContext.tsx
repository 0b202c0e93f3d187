import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, type Pending } from './api.ts';
import { lk } from '../src-server/web/latchkeyPaths.ts';
import { usePendingNotifications } from './usePendingNotifications.ts';

interface PendingState {
  pending: Pending[];
  reload: () => Promise<void>;
  notifications: ReturnType<typeof usePendingNotifications> | null;
}

const PendingContext = createContext<PendingState>({ pending: [], reload: async () => {}, notifications: null });

/**
 * The requests waiting for approval, for the menu's badge, the tab title, Home's banner and
 * the Pending page alike: one event stream (pushed the moment a device asks or a request
 * ends) and a slow poll for a dropped stream. Only the person at the computer may list them.
 */
export function PendingProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const [pending, setPending] = useState<Pending[]>([]);
  const reload = useCallback(async () => {
    if (!enabled) return;
    try {
      setPending((await api<{ pending: Pending[] }>('/api/devices/pending')).pending);
    } catch {
      // The badge is a hint; the Pending page reports its own errors.
    }
  }, [enabled]);
  useEffect(() => {
    if (!enabled) return;
    void reload();
    const events = new EventSource(lk('/api/events'));
    events.addEventListener('pending', (e) => setPending(JSON.parse((e as MessageEvent).data).pending));
    const id = window.setInterval(reload, 15_000);
    return () => {
      events.close();
      window.clearInterval(id);
    };
  }, [enabled, reload]);
  const notifications = usePendingNotifications(pending, enabled);
  return <PendingContext.Provider value={{ pending, reload, notifications }}>{children}</PendingContext.Provider>;
}

export const usePending = () => useContext(PendingContext);
