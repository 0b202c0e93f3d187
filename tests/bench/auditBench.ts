// npm run bench, fourth part: paging the audit trail. 1,000,000 events across rotated files;
// a page (50 events, newest first, from the top, from the middle, and filtered) read with
// the product's reader, against the same page read by a plain full scan of every file, in
// the same run. Target: each page under 100 ms.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditPage } from '../../src-server/audit/readAudit.ts';
import { auditFiles } from '../../src-server/audit/auditFiles.ts';
import { readFileSync } from 'node:fs';
import { tempHome } from '../helpers/startServer.ts';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const FILES = 8;
const home = tempHome();
const start = Date.parse('2026-01-01T00:00:00Z');
const methods = ['passkey-login', 'token', 'fallback-totp', 'session', 'approve'];
const perFile = Math.ceil(EVENTS / FILES);
for (let f = 0; f < FILES; f++) {
  const lines: string[] = [];
  for (let seq = f * perFile + 1; seq <= Math.min(EVENTS, (f + 1) * perFile); seq++) {
    lines.push(JSON.stringify({
      seq, time: new Date(start + seq * 1000).toISOString(), outcome: seq % 10 === 0 ? 'failure' : 'success',
      method: methods[seq % methods.length], device_id: `dev_${seq % 40}`, origin: 'https://box.alice.ts.net', ip: `100.64.${seq % 250}.${seq % 200}`,
    }));
  }
  // Oldest first: audit.8.jsonl … audit.1.jsonl, then the live file.
  writeFileSync(join(home, f === FILES - 1 ? 'audit.jsonl' : `audit.${FILES - 1 - f}.jsonl`), `${lines.join('\n')}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => unknown, runs: number) => {
  const ts: number[] = [];
  let result: unknown;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    ts.push(performance.now() - t);
  }
  return { ms: median(ts), result };
};

/** The plain way: read every file, parse every line, filter, sort, slice. */
function fullScan(q: { before?: number; outcome?: string; limit: number }) {
  const all: Array<{ seq: number; outcome: string }> = [];
  for (const path of auditFiles(home)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line);
      if ((q.before === undefined || e.seq < q.before) && (!q.outcome || e.outcome === q.outcome)) all.push(e);
    }
  }
  return all.sort((a, b) => b.seq - a.seq).slice(0, q.limit);
}

const pages = {
  'newest page': { limit: 50 },
  'page from the middle': { limit: 50, before: Math.floor(EVENTS / 2) },
  'filtered page (failures)': { limit: 50, outcome: 'failure', before: Math.floor(EVENTS / 3) },
};
console.log(`\nAudit paging: ${EVENTS.toLocaleString('en')} events in ${FILES} files, 50 per page, median of runs`);
let worst = 0;
for (const [name, q] of Object.entries(pages)) {
  const ours = time(() => readAuditPage(home, q), 7);
  const plain = time(() => fullScan(q), 3);
  const a = (ours.result as ReturnType<typeof readAuditPage>).events.map((e) => e.seq);
  const b = (plain.result as Array<{ seq: number }>).map((e) => e.seq);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${name}: the reader and the full scan disagree`);
  worst = Math.max(worst, ours.ms);
  console.log(`${name.padEnd(26)} reader ${ours.ms.toFixed(1).padStart(7)} ms   full scan ${plain.ms.toFixed(0).padStart(6)} ms   ratio ${(ours.ms / plain.ms).toFixed(4)}`);
}
const met = worst < 100;
console.log(`${met ? 'met   ' : 'MISSED'} every page under 100 ms: slowest ${worst.toFixed(1)} ms`);
if (!met) process.exitCode = 1;
