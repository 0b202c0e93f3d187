import { appendFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../time/Clock.ts';

export interface AuditEvent {
  outcome: 'success' | 'failure' | 'info';
  /** What was attempted: passkey-register, passkey-login, session, approve, deny, revoke, … */
  method: string;
  device_id?: string | null;
  origin?: string | null;
  ip?: string | null;
  reason?: string;
  [key: string]: unknown;
}

// Keys that must never reach the file, whatever a caller passes (SECURITY.md §4: no secret, challenge or token).
const FORBIDDEN = /token|secret|challenge|cookie|password|public_key/i;

export type AuditLog = ReturnType<typeof createAuditLog>;

/**
 * Appends one JSON object per line to `audit.jsonl`. Written synchronously: auth events
 * are rare next to ordinary requests (the remote listener is rate-limited), and a line
 * that is acknowledged should be on disk.
 */
export function createAuditLog(home: string, clock: Clock) {
  const file = join(home, 'audit.jsonl');
  if (!existsSync(file)) appendFileSync(file, '', { mode: 0o600 });
  chmodSync(file, 0o600);
  return {
    file,
    record(event: AuditEvent) {
      const clean: Record<string, unknown> = { time: new Date(clock.now()).toISOString() };
      for (const [key, value] of Object.entries(event)) {
        if (!FORBIDDEN.test(key) && value !== undefined) clean[key] = value;
      }
      appendFileSync(file, `${JSON.stringify(clean)}\n`);
    },
  };
}
