import { statSync } from 'node:fs';
import type { AuditLine } from './createAuditLog.ts';
import { auditFiles, eachLineBackward, eachLineForward, firstSeq, lastSeq, offsetOfSeq } from './auditFiles.ts';

export interface AuditFilter {
  outcome?: string;
  /** An exact method, or a family: `fallback` matches fallback-password, fallback-totp, … */
  method?: string;
  device?: string;
  origin?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  until?: number;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditLine[];
  /** Pass as `before` for the next (older) page; null when the history has no more. */
  next_before: number | null;
  /** Torn lines (a crash mid-write) passed over on this page. */
  skipped_lines: number;
}

// A page reads at most this many lines, matching or not, so a filter that matches nothing
// costs a bounded amount; the cursor then says where to go on.
const SCAN_BUDGET = 50_000;

const parse = (line: string): AuditLine | null => {
  try {
    const e = JSON.parse(line) as AuditLine;
    return typeof e.seq === 'number' ? e : null;
  } catch {
    return null;
  }
};

function matches(e: AuditLine, f: AuditFilter): boolean {
  if (f.outcome && e.outcome !== f.outcome) return false;
  if (f.method && e.method !== f.method && !e.method.startsWith(`${f.method}-`)) return false;
  if (f.device && e.device_id !== f.device) return false;
  if (f.origin && e.origin !== f.origin) return false;
  const t = Date.parse(e.time);
  if (f.until !== undefined && t > f.until) return false;
  return true;
}

/**
 * One page of the audit history, newest first, older than `before` (a sequence number).
 * Only what the page needs is read: the files are walked newest first, the start is found by
 * binary search (auditFiles.offsetOfSeq), and lines are read backwards a chunk at a time,
 * so paging 1,000,000 events costs a page, not the history.
 */
export function readAuditPage(home: string, query: AuditFilter & { before?: number; limit: number }): AuditPage {
  const events: AuditLine[] = [];
  let skipped = 0;
  let scanned = 0;
  let lastScanned: number | null = null;
  let done = false;
  let exhausted = true;
  for (const path of auditFiles(home).reverse()) {
    if (done) break;
    if (query.before !== undefined) {
      const first = firstSeq(path);
      if (first !== null && first >= query.before) continue;
    }
    const end = query.before === undefined ? statSync(path).size : offsetOfSeq(path, query.before);
    eachLineBackward(path, end, (line) => {
      const e = parse(line);
      if (!e) {
        if (line.trim()) skipped++;
        return true;
      }
      if (query.before !== undefined && e.seq >= query.before) return true;
      lastScanned = e.seq;
      // Lines are in time order: past `since`, nothing older can match.
      if (query.since !== undefined && Date.parse(e.time) < query.since) {
        done = true;
        return false;
      }
      if (matches(e, query)) events.push(e);
      if (events.length >= query.limit || ++scanned >= SCAN_BUDGET) {
        done = true;
        exhausted = false;
        return false;
      }
      return true;
    });
  }
  const next = exhausted ? null : events.length >= query.limit ? events.at(-1)!.seq : lastScanned;
  return { events, next_before: next, skipped_lines: skipped };
}

/** Events after `after` (a sequence number), oldest first, up to `limit`: for a live view catching up. */
export function readAuditAfter(home: string, after: number, limit: number): AuditLine[] {
  const out: AuditLine[] = [];
  for (const path of auditFiles(home)) {
    if (out.length >= limit) break;
    const last = lastSeq(path);
    if (last === null || last <= after) continue;
    eachLineForward(path, offsetOfSeq(path, after + 1), (line) => {
      const e = parse(line);
      if (e && e.seq > after) out.push(e);
      return out.length < limit;
    });
  }
  return out;
}
