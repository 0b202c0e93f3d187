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

// Keys that must never reach the file, whatever a caller passes (SECURITY.md §4: no secret, challenge or token).
// `token_id` names a record, not a secret, and is what the audit is for.
const FORBIDDEN = /^(?!token_ids?$).*(?:token|secret|challenge|cookie|password|public_key|verifier|device_code|auth_code)|^code$/i;
// Routine token uses are batched: at most this long in memory before they reach the disk.
const USE_FLUSH_MS = 200;
const USE_BUFFER_MAX = 1_000;

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * Appends one JSON object per line to `audit.jsonl`.
 * - `record` writes synchronously: auth and lifecycle events are rare, and a line that is
 *   acknowledged should be on disk.
 * - `recordUse` is for the one high-volume event, a script's routine bearer-token request:
 *   lines are batched for up to 200 ms so a busy script costs no write per request.
 */
export function createAuditLog(home: string, clock: Clock) {
  const file = join(home, 'audit.jsonl');
  if (!existsSync(file)) appendFileSync(file, '', { mode: 0o600 });
  chmodSync(file, 0o600);
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | null = null;

  const line = (event: AuditEvent) => {
    const clean: Record<string, unknown> = { time: new Date(clock.now()).toISOString() };
    for (const [key, value] of Object.entries(event)) {
      if (!FORBIDDEN.test(key) && value !== undefined) clean[key] = value;
    }
    return `${JSON.stringify(clean)}\n`;
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return;
    const lines = buffer.join('');
    buffer = [];
    appendFileSync(file, lines);
  };

  return {
    file,
    record(event: AuditEvent) {
      // Keep the file in time order: anything batched before this goes first.
      flush();
      appendFileSync(file, line(event));
    },
    recordUse(event: AuditEvent) {
      buffer.push(line(event));
      if (buffer.length >= USE_BUFFER_MAX) flush();
      else timer ??= setTimeout(flush, USE_FLUSH_MS).unref();
    },
    flush,
  };
}
