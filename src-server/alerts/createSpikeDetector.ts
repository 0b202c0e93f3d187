import { randomBytes } from 'node:crypto';
import type { AuditLine } from '../audit/createAuditLog.ts';
import type { SpikeAlert } from './openAlertStore.ts';

/**
 * Whether an audit line is a failed attempt to get in: a bad passkey, pairing, token, CLI
 * login, handoff or fallback. Not a denial by the owner, not an expired session (that is
 * time passing), and not a signed-in script's 4xx (its uses carry an HTTP status).
 */
export function isSignInFailure(e: AuditLine): boolean {
  // A folded line sums repeats the detector already saw one by one (the audit's `folded` events).
  if (e.outcome !== 'failure' || e.status !== undefined || e.folded === true) return false;
  if (e.method === 'session') return e.reason === 'session_invalid' || e.reason === 'session_wrong_origin';
  return ['passkey-login', 'passkey-register', 'token', 'cli-login', 'cli-login-token', 'handoff', 'desktop'].includes(e.method) ||
    e.method.startsWith('fallback-');
}

// Clients remembered at once; beyond this the oldest are forgotten (a flood of addresses cannot grow memory).
const MAX_CLIENTS = 10_000;

/**
 * Counts sign-in failures in a sliding window, per client and in total. Crossing either
 * threshold opens one alert for the window; further failures in that window only count
 * (`updated`, O(1) each: the summary is made when asked for, by `snapshot`), never raising
 * another (`opened`).
 */
export function createSpikeDetector(settings: { failuresPerClient: number; failuresTotal: number; windowMs: number }, hooks: {
  opened(alert: SpikeAlert): void;
  updated(): void;
}) {
  const perClient = new Map<string, number[]>();
  let total: number[] = [];
  let current: { alert: SpikeAlert; until: number; failures: number; counts: Map<string, number>; origins: Set<string> } | null = null;

  /** The open alert with its counts as of now (the 20 busiest clients), or null. */
  function snapshot(): SpikeAlert | null {
    if (!current) return null;
    const clients = [...current.counts].map(([ip, failures]) => ({ ip, failures })).sort((a, b) => b.failures - a.failures).slice(0, 20);
    return { ...current.alert, failures: current.failures, clients, origins: [...current.origins] };
  }

  const trim = (times: number[], from: number) => {
    let i = 0;
    while (i < times.length && times[i]! < from) i++;
    return i ? times.slice(i) : times;
  };

  return {
    see(e: AuditLine) {
      if (!isSignInFailure(e)) return;
      const at = Date.parse(e.time);
      const from = at - settings.windowMs;
      const ip = String(e.ip ?? 'unknown');
      const origin = typeof e.origin === 'string' ? e.origin : null;

      if (current && at < current.until) {
        current.failures++;
        // A flood from ever new addresses is counted in the total, but remembers at most MAX_CLIENTS of them.
        if (current.counts.has(ip) || current.counts.size < MAX_CLIENTS) current.counts.set(ip, (current.counts.get(ip) ?? 0) + 1);
        if (origin && current.origins.size < 10) current.origins.add(origin);
        hooks.updated();
        return;
      }
      // Past the window: `current` stays (its last counts may still be written) until a new alert replaces it.
      const mine = trim(perClient.get(ip) ?? [], from);
      mine.push(at);
      perClient.delete(ip);
      perClient.set(ip, mine);
      if (perClient.size > MAX_CLIENTS) perClient.delete(perClient.keys().next().value!);
      total = trim(total, from);
      total.push(at);
      if (mine.length < settings.failuresPerClient && total.length < settings.failuresTotal) return;

      // The window that crossed the line: counts per client from what is remembered.
      const counts = new Map<string, number>();
      for (const [client, times] of perClient) {
        const n = trim(times, from).length;
        if (n > 0) counts.set(client, n);
      }
      const first = total[0]!;
      current = {
        alert: {
          id: `alert_${randomBytes(6).toString('base64url')}`,
          started_at: new Date(first).toISOString(),
          ends_at: new Date(first + settings.windowMs).toISOString(),
          failures: 0, clients: [], origins: [], acknowledged_at: null,
        },
        until: first + settings.windowMs,
        failures: [...counts.values()].reduce((a, b) => a + b, 0),
        counts,
        origins: new Set(origin ? [origin] : []),
      };
      perClient.clear();
      total = [];
      hooks.opened(snapshot()!);
    },

    snapshot,
  };
}

/** "12 failed sign-ins in 5 minutes from 203.0.113.7 on box.alice.ts.net" */
export function describeAlert(alert: SpikeAlert, windowMs: number): string {
  const minutes = Math.round(windowMs / 60_000);
  const top = alert.clients[0];
  const from = alert.clients.length === 1 ? `from ${top!.ip}` : `from ${alert.clients.length} addresses (most: ${top?.ip}, ${top?.failures})`;
  const on = alert.origins.length ? ` on ${alert.origins.map((o) => o.replace(/^https?:\/\//, '')).join(', ')}` : '';
  return `${alert.failures} failed sign-ins in ${minutes} minute${minutes === 1 ? '' : 's'} ${from}${on}`;
}
