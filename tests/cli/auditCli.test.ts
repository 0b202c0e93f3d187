import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { readAuditAfter } from '../../src-server/audit/readAudit.ts';
import { spawnCli } from '../helpers/spawnCli.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const run = async (args: string[]) => {
  const cli = spawnCli(args, { LATCHKEY_API_TOKEN: '' });
  return { code: await cli.exit, stdout: cli.stdout(), stderr: cli.stderr() };
};

describe('latchkey audit and latchkey alerts', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'], audit: { max_file_size: '64KB', keep_files: 50 } } });
  });
  after(() => s.close());

  it('prints events newest first in plain words, folds repeated failures, filters, and hints at the next page', async () => {
    const audit = s.lk.services.audit;
    audit.record({ outcome: 'info', method: 'approve', device_id: 'dev_gone' });
    for (let i = 0; i < 3; i++) audit.record({ outcome: 'failure', method: 'fallback-backup-code', ip: '5.6.7.8', origin: 'https://box.alice.ts.net', reason: 'wrong_code' });
    const r = await run(['audit', '--limit', '4', '--base-url', s.local]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^\S+Z {2}failure {2}3× Failed sign-in with a backup code \(wrong code\) from 5\.6\.7\.8 via box\.alice\.ts\.net$/);
    assert.match(lines[1]!, /^\S+Z {2}info {5}device dev_gone was approved$/);
    assert.match(lines.at(-1)!, /^\(more: latchkey audit --before \d+\)$/);
    const failures = await run(['audit', '--outcome', 'failure', '--since', '1h', '--json', '--base-url', s.local]);
    const page = JSON.parse(failures.stdout);
    assert.deepEqual(page.events.map((e: any) => e.reason), ['wrong_code', 'wrong_code', 'wrong_code']);
    const bad = await run(['audit', '--limit', '9000', '--base-url', s.local]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--limit <n>' argument '9000' is invalid\. must be a number from 1 to 500/);
    const since = await run(['audit', '--since', 'last tuesday', '--base-url', s.local]);
    assert.deepEqual([since.code, since.stderr], [1, 'latchkey: since: "last tuesday" is not a duration; use e.g. 30d, 24h or 90m.\n']);
  });

  it('--follow in another process sees every event exactly once while the log rotates under load, and Ctrl-C ends it', async () => {
    const follower = spawnCli(['audit', '--follow', '--json', '--limit', '1', '--base-url', s.local], { LATCHKEY_API_TOKEN: '' });
    // The last existing event first: then it is following.
    await new Promise<void>((resolve) => {
      const check = () => (follower.stdout().includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    });
    await new Promise((r) => setTimeout(r, 300));
    const start = JSON.parse(follower.stdout().split('\n')[0]!).seq as number;
    const filesBefore = readdirSync(s.home).filter((f) => /^audit\.\d+\.jsonl$/.test(f)).length;
    const total = 3000;
    for (let i = 0; i < total; i++) {
      s.lk.services.audit.record({ outcome: 'info', method: 'revoke', device_id: `dev_load_${i}`, note: 'x'.repeat(150) });
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 20_000;
    const seen = () => follower.stdout().trim().split('\n').map((l) => JSON.parse(l).seq as number);
    while (seen().length < total + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const seqs = seen();
    assert.equal(seqs.length, total + 1, 'every event, once');
    assert.deepEqual(seqs, Array.from({ length: total + 1 }, (_, i) => start + i), 'in order, no gap, no repeat');
    const rotated = readdirSync(s.home).filter((f) => /^audit\.\d+\.jsonl$/.test(f)).length;
    assert.ok(rotated - filesBefore >= 5, `the log rotated ${rotated - filesBefore} times meanwhile`);
    assert.deepEqual(readAuditAfter(s.home, start, 100_000).map((e) => e.seq), seqs.slice(1), 'the files hold the same events');
    follower.child.kill('SIGINT');
    assert.equal(await follower.exit, 0);
  });

  it('alerts lists thresholds and says when no webhook is set; alerts test says how to set one, in one line', async () => {
    const list = await run(['alerts', 'list', '--base-url', s.local]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'No alerts.\nthresholds: 10 failures from one client or 30 in all within 5 min\nwebhook: not configured\n');
    const test = await run(['alerts', 'test', '--base-url', s.local]);
    assert.equal(test.code, 1);
    assert.match(test.stderr, /^latchkey: No webhook is set: add "alerts": \{ "webhook": \{ "url": "https:\/\/…", "secret": "whsec_…" \} \} to config\.json and restart Latchkey\.\n$/);
  });
});
