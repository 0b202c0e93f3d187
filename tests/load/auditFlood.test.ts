import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const BOX = 'https://box.alice.ts.net';
const BAD = `Bearer lk_sk_000000000000_${'B'.repeat(43)}`;

/** Every line of the trail, the rotated files included (oldest first). */
function trail(s: TestServer): Array<Record<string, unknown>> {
  const files = [5, 4, 3, 2, 1].map((n) => join(s.home, `audit.${n}.jsonl`)).filter(existsSync).concat(join(s.home, 'audit.jsonl'));
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

/** `count` requests with a bad token to an app path through the remote listener, 20 at a time, from the addresses `from` gives. */
async function flood(s: TestServer, count: number, from: (i: number) => string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await new Promise<void>((resolve, reject) => {
        const req = request({ agent, host: '127.0.0.1', port: s.remotePort, path: '/notes', headers: { host: 'box.alice.ts.net', 'x-forwarded-for': from(i), authorization: BAD } }, (res) => {
          statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  agent.destroy();
  return statuses;
}

/** Second review, finding 3: one stranger (or 200) cannot flush the audit trail with refused requests. */
describe('a flood of refused credentials cannot rotate earlier evidence out of the audit trail', () => {
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    app = await startRecordingApp();
    // A small trail (64 KB × 2 rotated files): 20,000 lines would rotate it many times over.
    s = await startServer({
      config: { public_origins: [BOX], apps: [{ name: 'notes', upstream: app.url }], audit: { max_file_size: '64KB', keep_files: 2 } },
      limits: { remotePerMinute: 1_000_000, unauthenticatedPerMinute: 120 },
    });
  });
  after(async () => {
    await s.close();
    await app.close();
  });

  it('20,000 from one client, then 20,000 across 200 addresses: the evidence line survives, the flood is folded, the spike alert fires', async () => {
    // The evidence: a failed token from another address, before the flood.
    await flood(s, 1, () => '198.51.100.99');
    s.lk.services.audit.flush();
    const evidence = trail(s).find((e) => e.ip === '198.51.100.99' && e.reason === 'token_unknown');
    assert.ok(evidence, 'the evidence line is written');

    const one = await flood(s, 20_000, () => '203.0.113.66');
    assert.equal(one.get(401), 120, 'within the budget, refused with 401');
    assert.equal(one.get(429), 19_880, 'past it, 429 before anything is written');
    const many = await flood(s, 20_000, (i) => `192.0.2.${i % 200}`);
    assert.equal((many.get(401) ?? 0) + (many.get(429) ?? 0), 20_000);
    s.lk.services.audit.flush();

    const lines = trail(s);
    assert.ok(lines.some((e) => e.seq === evidence!.seq && e.ip === '198.51.100.99'), 'the earlier line is still in the trail');
    const fromOne = lines.filter((e) => e.ip === '203.0.113.66' && e.method === 'token');
    assert.deepEqual(fromOne.map((e) => e.count ?? 1).reduce((a, b) => Number(a) + Number(b), 0), 120, 'every audited failure is counted');
    assert.ok(fromOne.length <= 2, `one client's flood is at most two lines (got ${fromOne.length})`);
    const fromMany = lines.filter((e) => String(e.ip).startsWith('192.0.2.') && e.method === 'token');
    assert.ok(fromMany.length <= 400, `200 clients: at most two lines each (got ${fromMany.length})`);
    assert.equal(app.seen.length, 0, 'none reached the app');
    const alerts = (await s.api('GET', '/.latchkey/api/alerts')).body.alerts as Array<{ acknowledged_at: string | null }>;
    assert.ok(alerts.length >= 1, 'the spike alert still fired');
  });
});
