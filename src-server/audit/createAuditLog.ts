import { EventEmitter } from 'node:events';
import { appendFileSync, chmodSync, closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../time/Clock.ts';
import { AUDIT_FILE, auditFiles, lastSeq, rotatedName } from './auditFiles.ts';
import { migrateLegacyAudit } from './migrateLegacyAudit.ts';

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
// A refused credential from one client: its first line at once, the rest of the window as one line with a count.
const FOLD_WINDOW_MS = 60_000;
// Clients folded at once; past this the window closes early (the summaries are written), so memory stays bounded.
const FOLD_MAX = 2_000;

export type AuditLog = ReturnType<typeof createAuditLog>;

/** A line as written: its sequence number (stable across rotation, the paging cursor) and time first. */
export type AuditLine = { seq: number; time: string } & AuditEvent;

export interface AuditRotation {
  /** Rotate the live file once it would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept besides the live one; older ones are deleted. */
  keep: number;
}
export const DEFAULT_ROTATION: AuditRotation = { maxBytes: 10 * 1024 * 1024, keep: 5 };

/**
 * Appends one JSON object per line to `audit.jsonl`, each with a sequence number.
 * - `record` writes synchronously: auth and lifecycle events are rare, and a line that is
 *   acknowledged should be in the file before the response is sent.
 * - `recordUse` is for the one high-volume event, a script's routine bearer-token request:
 *   uses are held for up to 200 ms, identical ones folded into one line with a count, so a
 *   busy script costs neither a write nor a line per request. A crash can lose those 200 ms.
 * The live file rotates by size (audit.1.jsonl is the newest rotated one). Every line is one
 * append of a whole line; a crash mid-append leaves at most one torn line, which is closed
 * off with a newline at the next start so the reader can skip it. Every written line is also
 * emitted as `line`, for live views.
 * - `recordFailure` is for the gate's refused credentials (a bad session, token or desktop
 *   secret), the events a stranger can send by the thousand: the first from one client (same
 *   method, reason and origin) within a minute is written at once, the rest of that minute
 *   become one line with a `count` and `folded: true` when it closes (or when 2,000 clients
 *   are folded at once), so one flood cannot rotate earlier evidence away (second review,
 *   finding 3). Each folded repeat is still emitted as `folded`, so the spike alert counts it live.
 */
export function createAuditLog(home: string, clock: Clock, rotation: AuditRotation = DEFAULT_ROTATION) {
  const file = join(home, AUDIT_FILE);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  if (!existsSync(file)) appendFileSync(file, '', { mode: 0o600 });
  chmodSync(file, 0o600);
  migrateLegacyAudit(file);
  closeTornLine(file);
  let size = statSync(file).size;
  let nextSeq = 1;
  // The newest file with a whole line holds the last number; older files need not be read.
  for (const path of auditFiles(home).reverse()) {
    const last = lastSeq(path);
    if (last === null) continue;
    nextSeq = last + 1;
    break;
  }
  // Routine events (token uses, tool calls), each with its outcome already decided, folded per key until the flush.
  const uses = new Map<string, { event: AuditEvent; count: number; first: number; last: number }>();
  let timer: NodeJS.Timeout | null = null;

  const build = (event: AuditEvent, at = clock.now()): AuditLine => {
    const clean: Record<string, unknown> = { seq: nextSeq++, time: new Date(at).toISOString() };
    for (const [key, value] of Object.entries(event)) {
      if (!FORBIDDEN.test(key) && value !== undefined && key !== 'seq' && key !== 'time') clean[key] = value;
    }
    return clean as AuditLine;
  };

  function rotate() {
    rmSync(join(home, rotatedName(rotation.keep)), { force: true });
    for (let n = rotation.keep - 1; n >= 1; n--) {
      const from = join(home, rotatedName(n));
      if (existsSync(from)) renameSync(from, join(home, rotatedName(n + 1)));
    }
    renameSync(file, join(home, rotatedName(1)));
    appendFileSync(file, '', { mode: 0o600 });
    size = 0;
  }

  function write(lines: AuditLine[]) {
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    const bytes = Buffer.byteLength(text);
    if (size > 0 && size + bytes > rotation.maxBytes) rotate();
    appendFileSync(file, text);
    size += bytes;
    for (const l of lines) events.emit('line', l);
  }

  const folded = new Map<string, { event: AuditEvent; count: number; first: number; last: number }>();
  let foldTimer: NodeJS.Timeout | null = null;
  const flushFolded = () => {
    if (foldTimer) clearTimeout(foldTimer);
    foldTimer = null;
    const lines: AuditLine[] = [];
    for (const { event, count, first, last } of folded.values()) {
      if (count > 0) lines.push(build({ ...event, count, folded: true, first_time: new Date(first).toISOString() }, last));
    }
    folded.clear();
    if (lines.length) write(lines);
  };

  const flush = () => {
    flushFolded();
    flushUses();
  };

  const flushUses = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (uses.size === 0) return;
    const lines: AuditLine[] = [];
    for (const { event, count, first, last } of uses.values()) {
      lines.push(build({ ...event, count, ...(count > 1 ? { first_time: new Date(first).toISOString() } : {}) }, last));
    }
    uses.clear();
    write(lines);
  };

  return {
    file,
    home,
    events,
    record(event: AuditEvent) {
      // Keep the file in time order: token uses batched before this go first.
      flushUses();
      write([build(event)]);
    },
    /** A credential the gate refused: written at once the first time per client per minute, then folded. */
    recordFailure(event: AuditEvent) {
      const key = `${event.ip}\u0000${event.method}\u0000${event.reason}\u0000${event.origin}`;
      const seen = folded.get(key);
      const at = clock.now();
      if (seen) {
        seen.count++;
        seen.last = at;
        events.emit('folded', { ...event, seq: 0, time: new Date(at).toISOString() });
        return;
      }
      this.record(event);
      folded.set(key, { event, count: 0, first: at, last: at });
      if (folded.size >= FOLD_MAX) flushFolded();
      else foldTimer ??= setTimeout(flushFolded, FOLD_WINDOW_MS).unref();
    },
    /**
     * One routine bearer-token request. Identical uses (same token, request line, status,
     * origin and ip) within one flush window become one line with a `count`, so a script
     * hammering an endpoint costs a Map increment per request, not a line.
     */
    recordUse(use: TokenUse) {
      const key = `token\u0000${use.token_id}\u0000${use.http}\u0000${use.status}\u0000${use.ip}\u0000${use.origin}`;
      this.recordRoutine(key, () => ({ outcome: use.status < 400 ? 'success' : 'failure', method: 'token', ...use }));
    },
    /**
     * One routine event that a busy client repeats (a tool call through the gate): held for up to
     * 200 ms like token uses, identical ones (same `key`) folded into one line with a `count`, so
     * the request path costs a Map increment, never a disk write.
     */
    recordRoutine(key: string, event: () => AuditEvent) {
      const seen = uses.get(key);
      if (seen) {
        seen.count++;
        seen.last = clock.now();
      } else {
        const at = clock.now();
        uses.set(key, { event: event(), count: 1, first: at, last: at });
        if (uses.size >= USE_BUFFER_MAX) flushUses();
        else timer ??= setTimeout(flushUses, USE_FLUSH_MS).unref();
      }
    },
    flush,
  };
}

/** A crash mid-append leaves a last line without its newline; end it, so the next line starts clean. */
function closeTornLine(file: string) {
  const size = statSync(file).size;
  if (size === 0) return;
  const fd = openSync(file, 'r');
  const last = Buffer.alloc(1);
  try {
    readSync(fd, last, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  if (last[0] !== 0x0a) appendFileSync(file, '\n');
}
