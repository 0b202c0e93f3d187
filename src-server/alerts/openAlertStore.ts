import { join } from 'node:path';
import { openJsonStore } from '../store/openJsonStore.ts';

export interface SpikeAlert {
  id: string;
  /** When the window opened (the first failure counted) and when it closes. */
  started_at: string;
  ends_at: string;
  failures: number;
  clients: Array<{ ip: string; failures: number }>;
  origins: string[];
  acknowledged_at: string | null;
}

export interface Attempt {
  at: string;
  status?: number;
  error?: string;
}

export interface Delivery {
  id: string;
  type: string;
  created_at: string;
  /** The exact body sent (and re-sent), so every retry carries the same signed payload. */
  body: string;
  attempts: Attempt[];
  state: 'pending' | 'delivered' | 'failed' | 'gave_up' | 'disabled';
  next_at: string | null;
}

export interface AlertFile {
  version: 1;
  alerts: SpikeAlert[];
  deliveries: Delivery[];
  /** Set when a receiver answered 410 Gone: no more deliveries to that URL until it changes. */
  webhook_disabled: { url: string; at: string } | null;
  /** API keys whose coming expiry was already mailed and sent to the webhook (once per key). */
  expiry_notified: Record<string, string>;
}

const empty = (): AlertFile => ({ version: 1, alerts: [], deliveries: [], webhook_disabled: null, expiry_notified: {} });
const isAlertFile = (d: unknown): d is AlertFile => {
  const f = d as Partial<AlertFile>;
  return typeof d === 'object' && d !== null && f.version === 1 && Array.isArray(f.alerts) && Array.isArray(f.deliveries) &&
    typeof f.expiry_notified === 'object' && f.expiry_notified !== null;
};

// Kept on disk: enough to show the recent history; older entries drop off.
export const MAX_ALERTS = 100;
export const MAX_DELIVERIES = 200;

export type AlertStore = Awaited<ReturnType<typeof openAlertStore>>;

/** `alerts.json`: alerts, webhook deliveries and their retry state, so all of it survives a restart. */
export async function openAlertStore(home: string, warn: (m: string) => void) {
  const db = await openJsonStore<AlertFile>({
    file: join(home, 'alerts.json'), isValid: isAlertFile, warn, empty, recover: empty,
    consequence: 'Latchkey starts with no alert history; pending webhook deliveries from before are lost.',
  });
  // Writes are queued: the state is small, and every change must reach the disk in order.
  let chain: Promise<void> = Promise.resolve();
  return {
    data: (): Readonly<AlertFile> => db.data,
    change(fn: (data: AlertFile) => void): Promise<void> {
      fn(db.data);
      db.data.alerts = db.data.alerts.slice(-MAX_ALERTS);
      db.data.deliveries = db.data.deliveries.slice(-MAX_DELIVERIES);
      chain = chain.then(() => db.write()).catch((err) => warn(`alerts.json could not be written: ${(err as Error).message}`));
      return chain;
    },
    settled: () => chain,
  };
}
