import { appendFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../time/Clock.ts';

export interface AuditEvent {
  outcome: 'success' | 'failure' | 'info';
  /** What was attempted: passkey-register, passkey-login, session, approve, deny, revoke, token, … */
  method: string;
  device_id?: string | null;
  origin?: string | null;
  ip?: string | null;
  reason?: string;
  [key: string]: unknown;
}

/** A routine bearer-token request, as `recordUse` writes it. */
export interface TokenUse {
  token_id: string;
  device_id: string | null;
  origin: string;
  ip: string;
  http: string;
  status: number;
}

// Keys that must never reach the file, whatever a caller passes (SECURITY.md §4: no secret, challenge or token).
// `token_id` names a record, not a secret, and is what the audit is for.
const FORBIDDEN = /^(?!token_ids?$).*(?:token|secret|challenge|cookie|password|public_key|verifier|device_code|auth_code)|^code$/i;
// Routine token uses are batched: at most this long in memory before they reach the disk.
const USE_FLUSH_MS = 200;
// Distinct uses held at once; beyond this they are written at once.
const USE_BUFFER_MAX = 1_000;

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * Appends one JSON object per line to `audit.jsonl`.
 * - `record` writes synchronously: auth and lifecycle events are rare, and a line that is
 *   acknowledged should be on disk.
 * - `recordUse` is for the one high-volume event, a script's routine bearer-token request:
 *   uses are held for up to 200 ms, identical ones folded into one line with a count, so a
 *   busy script costs neither a write nor a line per request. A crash can lose those 200 ms.
 */
export function createAuditLog(home: string, clock: Clock) {
  const file = join(home, 'audit.jsonl');
  if (!existsSync(file)) appendFileSync(file, '', { mode: 0o600 });
  chmodSync(file, 0o600);
  const uses = new Map<string, { use: TokenUse; count: number; first: number; last: number }>();
  let timer: NodeJS.Timeout | null = null;

  const line = (event: AuditEvent, at = clock.now()) => {
    const clean: Record<string, unknown> = { time: new Date(at).toISOString() };
    for (const [key, value] of Object.entries(event)) {
      if (!FORBIDDEN.test(key) && value !== undefined) clean[key] = value;
    }
    return `${JSON.stringify(clean)}\n`;
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (uses.size === 0) return;
    let lines = '';
    for (const { use, count, first, last } of uses.values()) {
      lines += line({
        outcome: use.status < 400 ? 'success' : 'failure', method: 'token', ...use, count,
        ...(count > 1 ? { first_time: new Date(first).toISOString() } : {}),
      }, last);
    }
    uses.clear();
    appendFileSync(file, lines);
  };

  return {
    file,
    record(event: AuditEvent) {
      // Keep the file in time order: anything batched before this goes first.
      flush();
      appendFileSync(file, line(event));
    },
    /**
     * One routine bearer-token request. Identical uses (same token, request line, status,
     * origin and ip) within one flush window become one line with a `count`, so a script
     * hammering an endpoint costs a Map increment per request, not a line.
     */
    recordUse(use: TokenUse) {
      const key = `${use.token_id}\u0000${use.http}\u0000${use.status}\u0000${use.ip}\u0000${use.origin}`;
      const seen = uses.get(key);
      if (seen) {
        seen.count++;
        seen.last = clock.now();
      } else {
        const at = clock.now();
        uses.set(key, { use, count: 1, first: at, last: at });
        if (uses.size >= USE_BUFFER_MAX) flush();
        else timer ??= setTimeout(flush, USE_FLUSH_MS).unref();
      }
    },
    flush,
  };
}
