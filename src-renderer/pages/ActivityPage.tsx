import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type AuthState, type Device } from '../api.ts';
import { foldFailures } from '../../src-server/audit/foldFailures.ts';
import { lk } from '../../src-server/web/latchkeyPaths.ts';
import { When } from '../components/When.tsx';
import { AlertList, type AlertsView } from '../components/AlertList.tsx';

export interface AuditEvent {
  seq: number;
  time: string;
  outcome: 'success' | 'failure' | 'info';
  method: string;
  ip?: string;
  reason?: string;
  device_id?: string;
  origin?: string;
  text: string;
}

interface Filters { outcome: string; method: string; device: string; origin: string; since: string }
const NO_FILTERS: Filters = { outcome: '', method: '', device: '', origin: '', since: '' };
// The filter's words; the values are the trail's own names, which the API filters on.
const METHODS: ReadonlyArray<readonly [string, string]> = [
  ['passkey-login', 'passkey sign-ins'], ['passkey-register', 'pairing requests'], ['pairing', 'pairings finished'], ['approve', 'approvals'],
  ['deny', 'denials'], ['revoke', 'devices removed'], ['session', 'refused sessions'], ['token', 'API key use'], ['fallback', 'fallback sign-ins'],
  ['cli-login', 'command-line logins'], ['key', 'API key changes'], ['handoff', 'hand-overs between addresses'],
];
const OUTCOMES: ReadonlyArray<readonly [string, string]> = [['success', 'succeeded'], ['failure', 'failed or refused'], ['info', 'for information']];

const matches = (e: AuditEvent, f: Filters) => (!f.outcome || e.outcome === f.outcome) && (!f.device || e.device_id === f.device) &&
  (!f.origin || e.origin === f.origin) && (!f.method || e.method === f.method || e.method.startsWith(`${f.method}-`));

/**
 * Settings → Activity: every audit event, newest first, in plain words; filters; paging
 * through the whole history; new events arriving live. Read-only, on the computer and on a
 * signed-in phone. Every name in it may come from a stranger: it is only ever rendered as text.
 */
export function ActivityPage({ state }: { state: AuthState }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [skipped, setSkipped] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [alerts, setAlerts] = useState<AlertsView | null>(null);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  const query = (f: Filters, before?: number) => {
    const params = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
    if (before) params.set('before', String(before));
    return `/api/audit?${params}`;
  };
  const load = useCallback(async (f: Filters) => {
    try {
      const page = await api<{ events: AuditEvent[]; next_before: number | null; skipped_lines: number }>(query(f));
      setEvents(page.events);
      setNext(page.next_before);
      setSkipped(page.skipped_lines);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  const loadAlerts = useCallback(() => api<AlertsView>('/api/alerts').then(setAlerts, () => {}), []);

  useEffect(() => void load(filters), [filters, load]);
  useEffect(() => {
    void loadAlerts();
    api<{ devices: Device[] }>('/api/devices').then((r) => setDevices(r.devices), () => {});
    // New events as they are written; those matching the filters go on top.
    const stream = new EventSource(lk('/api/audit/stream'));
    stream.addEventListener('audit', (m) => {
      const e = JSON.parse((m as MessageEvent).data) as AuditEvent;
      if (matches(e, filtersRef.current) && !filtersRef.current.since) setEvents((list) => (list.some((x) => x.seq === e.seq) ? list : [e, ...list]));
      if (e.outcome === 'failure' || e.method === 'alert-ack') void loadAlerts();
    });
    stream.addEventListener('alerts', () => void loadAlerts());
    return () => stream.close();
  }, [loadAlerts]);

  async function older() {
    if (!next) return;
    try {
      const page = await api<{ events: AuditEvent[]; next_before: number | null; skipped_lines: number }>(query(filters, next));
      setEvents((list) => [...list, ...page.events]);
      setNext(page.next_before);
      setSkipped((n) => n + page.skipped_lines);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const set = (key: keyof Filters) => (e: React.ChangeEvent<HTMLSelectElement | HTMLInputElement>) => setFilters({ ...filters, [key]: e.target.value });
  const rows = foldFailures(events);
  const wide = typeof window !== 'undefined' && window.matchMedia?.('(min-width: 42rem)').matches !== false;
  return (
    <section className="card">
      {alerts && <AlertList view={alerts} onChange={loadAlerts} canAck={state.person_at_computer} />}
      {/* Folded on a phone, so the events come first; open at once where there is room. */}
      <details className="filters-fold" open={wide}>
      <summary>Filters</summary>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="inline">Outcome{' '}
          <select value={filters.outcome} onChange={set('outcome')}>
            <option value="">all</option>{OUTCOMES.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          </select>
        </label>
        <label className="inline">Kind{' '}
          <select value={filters.method} onChange={set('method')}>
            <option value="">all</option>{METHODS.map(([m, label]) => <option key={m} value={m}>{label}</option>)}
          </select>
        </label>
        <label className="inline">Device{' '}
          <select value={filters.device} onChange={set('device')}>
            <option value="">all</option>{devices.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </label>
        <label className="inline">Since{' '}
          <select value={filters.since} onChange={set('since')}>
            <option value="">ever</option><option value="1h">1 hour</option><option value="24h">24 hours</option><option value="7d">7 days</option><option value="30d">30 days</option>
          </select>
        </label>
        <label className="inline">Origin{' '}
          <input value={filters.origin} placeholder="https://box.alice.ts.net" onChange={set('origin')} />
        </label>
      </form>
      </details>
      {error && <p className="error" role="alert">{error}</p>}
      {rows.length === 0 && !error && <p className="muted">No events.</p>}
      <ol className="activity" aria-label="Events">
        {rows.map((e) => (
          <li key={e.seq} className={`event ${e.outcome}`} data-seq={e.seq}>
            <span className="outcome">{e.outcome}</span>{' '}
            <span className="text">{e.repeat > 1 ? `${e.repeat}× ` : ''}{e.text}</span>
            <div className="muted small"><When iso={e.time} /> · #{e.seq}</div>
          </li>
        ))}
      </ol>
      {skipped > 0 && <p className="muted small">{skipped} damaged line{skipped === 1 ? '' : 's'} skipped (a crash cut {skipped === 1 ? 'it' : 'them'} short).</p>}
      {next && <button className="secondary" onClick={older}>Older</button>}
    </section>
  );
}
