import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAuditLog } from '../../src-server/audit/createAuditLog.ts';
import { readAuditAfter, readAuditPage } from '../../src-server/audit/readAudit.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { tempHome } from '../helpers/startServer.ts';

const allPages = (home: string, filter: Parameters<typeof readAuditPage>[1] extends infer Q ? Omit<Q & object, 'limit' | 'before'> : never, limit = 97) => {
  const seqs: number[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = readAuditPage(home, { ...filter, limit, before });
    seqs.push(...page.events.map((e) => e.seq));
    if (page.next_before === null) return seqs;
    before = page.next_before;
  }
  throw new Error('paging did not end');
};

describe('audit log: sequence numbers, rotation, paging, torn lines', () => {
  it('rotates by size keeping N files; paging newest-first spans them with every event exactly once', () => {
    const home = tempHome();
    const clock = createManualClock(Date.parse('2026-11-23T00:00:00Z'));
    const log = createAuditLog(home, clock, { maxBytes: 10_000, keep: 3 });
    for (let i = 1; i <= 600; i++) {
      clock.advance(1000);
      log.record({ outcome: i % 3 === 0 ? 'failure' : 'success', method: i % 2 ? 'passkey-login' : 'fallback-totp', ip: `10.0.0.${i % 7}`, device_id: `dev_${i % 5}` });
    }
    const files = readdirSync(home).filter((f) => f.startsWith('audit')).sort();
    assert.deepEqual(files, ['audit.1.jsonl', 'audit.2.jsonl', 'audit.3.jsonl', 'audit.jsonl']);
    for (const f of files) assert.ok(statSync(join(home, f)).size <= 10_000, f);
    const seqs = allPages(home, {});
    // The oldest files were deleted by rotation; what is kept is contiguous and ends at 600.
    assert.equal(seqs[0], 600);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => 600 - i));
    assert.ok(seqs.length > 200 && seqs.length < 600, String(seqs.length));

    const failures = allPages(home, { outcome: 'failure', method: 'fallback' }, 10);
    assert.ok(failures.length > 10 && failures.every((s) => s % 6 === 0), 'failure and a fallback method: multiples of 6');
    const since = Date.parse('2026-11-23T00:09:00Z');
    const recent = allPages(home, { since });
    assert.deepEqual(recent, Array.from({ length: 61 }, (_, i) => 600 - i), 'the last 61 seconds, and the reader stopped there');
    const device = readAuditPage(home, { device: 'dev_3', limit: 5 });
    assert.deepEqual(device.events.map((e) => e.seq), [598, 593, 588, 583, 578]);

    assert.deepEqual(readAuditAfter(home, 590, 100).map((e) => e.seq), [591, 592, 593, 594, 595, 596, 597, 598, 599, 600]);
    const span = readAuditAfter(home, seqs.at(-1)!, 1000);
    assert.deepEqual(span.map((e) => e.seq), [...seqs].reverse().slice(1), 'forward reading spans the rotated files too');
  });

  it('numbers continue after a restart; a torn last line is closed off, skipped and counted', () => {
    const home = tempHome();
    const clock = createManualClock();
    const first = createAuditLog(home, clock);
    first.record({ outcome: 'info', method: 'approve' });
    first.record({ outcome: 'info', method: 'revoke' });
    appendFileSync(join(home, 'audit.jsonl'), '{"seq":3,"time":"2026-11-23T00:00:00.000Z","outco');
    const second = createAuditLog(home, clock);
    second.record({ outcome: 'info', method: 'deny' });
    const text = readFileSync(join(home, 'audit.jsonl'), 'utf8');
    assert.match(text, /"outco\n\{"seq":3,/, 'the torn line ends where it broke; the next event starts on its own line, numbered after the last whole one');
    const page = readAuditPage(home, { limit: 10 });
    assert.deepEqual(page.events.map((e) => [e.seq, e.method]), [[3, 'deny'], [2, 'revoke'], [1, 'approve']]);
    assert.equal(page.skipped_lines, 1);
  });

  it('a file from before sequence numbers is numbered once at start, keeping every line', () => {
    const home = tempHome();
    writeFileSync(join(home, 'audit.jsonl'), '{"time":"2026-11-01T00:00:00.000Z","outcome":"success","method":"passkey-login"}\n{"time":"2026-11-02T00:00:00.000Z","outcome":"info","method":"approve"}\n', { mode: 0o600 });
    const log = createAuditLog(home, createManualClock());
    log.record({ outcome: 'info', method: 'revoke' });
    assert.deepEqual(readAuditPage(home, { limit: 10 }).events.map((e) => [e.seq, e.method]), [[3, 'revoke'], [2, 'approve'], [1, 'passkey-login']]);
  });

  it('every written line is emitted for live views, token uses included', async () => {
    const home = tempHome();
    const log = createAuditLog(home, createManualClock());
    const seen: number[] = [];
    log.events.on('line', (l) => seen.push(l.seq));
    log.record({ outcome: 'info', method: 'approve' });
    log.recordUse({ token_id: 'tok_1', device_id: null, origin: 'x', ip: '1', http: 'GET /', status: 200 });
    log.recordUse({ token_id: 'tok_1', device_id: null, origin: 'x', ip: '1', http: 'GET /', status: 200 });
    log.flush();
    assert.deepEqual(seen, [1, 2]);
    assert.equal(readAuditPage(home, { limit: 1 }).events[0]!.count, 2);
  });
});
