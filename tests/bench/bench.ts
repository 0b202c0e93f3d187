// npm run bench: gated /api/whoami throughput as a ratio of the same server with the gate
// off, measured in one run, with rounds interleaved so machine noise hits both sides alike.
import autocannon from 'autocannon';
import { startServer } from '../helpers/startServer.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const ungated = await startServer({ config: { require_auth: false } });
const gated = await startServer({ config: { loopback_auth_bypass: false } });
const bypass = await startServer({});

await gated.lk.services.store.add({
  id: 'dev_bench', credential_id: 'cred_bench', public_key: 'pk', name: 'Bench', device_type: 'Linux PC', origin: gated.local,
  rp_id: 'localhost', fingerprint: '0000 0000 0000 0000', created_at: new Date().toISOString(), last_used_at: null,
  counter: 0, backup_eligible: false, backup_state: false, transports: [], aaguid: '', enrolled_via: 'local',
});
const token = await gated.lk.services.sessions.issue('dev_bench', gated.local);

async function measure(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url: `${url}/api/whoami`, connections: 20, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const rows = { ungated: [] as number[], session: [] as number[], loopback: [] as number[] };
await measure(ungated.local); // warm-up: JIT and the session cache
await measure(gated.local, { cookie: `lk_session=${token}` });
for (let round = 0; round < ROUNDS; round++) {
  rows.ungated.push(await measure(ungated.local));
  rows.session.push(await measure(gated.local, { cookie: `lk_session=${token}` }));
  rows.loopback.push(await measure(bypass.local));
}
await Promise.all([ungated.close(), gated.close(), bypass.close()]);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = mean(rows.ungated);
const report = [
  ['gate off (baseline)', base],
  ['gated: session cookie', mean(rows.session)],
  ['gated: loopback bypass', mean(rows.loopback)],
] as const;
console.log(`GET /api/whoami, ${ROUNDS} interleaved rounds of ${SECONDS}s, 20 connections`);
for (const [name, rps] of report) console.log(`${name.padEnd(26)} ${rps.toFixed(0).padStart(7)} req/s   ratio ${(rps / base).toFixed(2)}`);
const ratio = mean(rows.session) / base;
console.log(`gated/ungated ratio (session): ${ratio.toFixed(2)} (target >= 0.90)`);
process.exitCode = ratio >= 0.9 ? 0 : 1;
