import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readAuditAfter, readAuditPage } from '../../src-server/audit/readAudit.ts';
import { tempHome } from '../helpers/startServer.ts';
import { writeThenKill } from '../helpers/writeThenKill.ts';

describe('audit.jsonl under kill -9, across rotations', () => {
  it('the reader always recovers, skips only torn lines, and every acknowledged event is there, over 25 kills', async () => {
    const home = tempHome();
    const acknowledged: string[] = [];
    let torn = 0;
    for (let round = 0; round < 25; round++) {
      acknowledged.push(...await writeThenKill('tests/store/auditWriter.ts', home, `r${round}`, 20 + (round % 5) * 40, 20));
      // Power lost mid-line (what kill -9 alone cannot do on a local disk): half a line at the end.
      if (round % 5 === 4) {
        appendFileSync(join(home, 'audit.jsonl'), '{"seq":999999999,"time":"2026-11-23T00:00:00.000Z","outcome":"in');
        torn++;
      }
      const all = readAuditAfter(home, 0, 1_000_000);
      const seqs = all.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
      assert.equal(new Set(seqs).size, seqs.length, 'no number twice');
      const markers = new Set(all.map((e) => String(e.device_id).slice(4)));
      for (const m of acknowledged) assert.ok(markers.has(m), `acknowledged ${m} missing after round ${round}`);
    }
    // Paging newest-first over every file finds the same events and names the torn lines it passed.
    let before: number | undefined;
    let paged = 0;
    let skipped = 0;
    for (;;) {
      const page = readAuditPage(home, { limit: 500, before });
      paged += page.events.length;
      skipped += page.skipped_lines;
      if (page.next_before === null) break;
      before = page.next_before;
    }
    assert.equal(paged, readAuditAfter(home, 0, 1_000_000).length);
    // kill -9 can tear a line too (Linux stops a multi-page write at a page boundary for a fatal signal), so
    // the torn lines are counted in the files themselves: at least the injected ones, each named once.
    const tornInFiles = readdirSync(home).filter((f) => /^audit(\.\d+)?\.jsonl$/.test(f))
      .flatMap((f) => readFileSync(join(home, f), 'utf8').split('\n'))
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          return typeof JSON.parse(line).seq !== 'number';
        } catch {
          return true;
        }
      }).length;
    assert.ok(tornInFiles >= torn, `the ${torn} injected torn lines are in the files (${tornInFiles})`);
    assert.equal(skipped, tornInFiles, 'each torn line is named once');
    assert.ok(readdirSync(home).filter((f) => /^audit\.\d+\.jsonl$/.test(f)).length > 3, 'it rotated along the way');
  });
});
