// npm run bench: what the gate costs. Throughput of GET /.latchkey/api/devices through the gate, as a
// ratio of the same server with the gate off, measured in one run with rounds interleaved so
// machine noise hits every row alike. The servers run in a child process (benchServers.ts),
// so autocannon never competes with them for one event loop, and every server holds the same
// device, so every row sends the same response body: the difference is the gate alone.
// One row per principal (access/Principal.ts): a phone's session through the remote listener
// (against the remote listener with the gate off), the computer by its localhost passkey
// session and by the loopback bypass, a bearer token, and a fallback browser, which may read
// only who it is (GET /api/whoami, against the same route with the gate off). The gated server
// has every sign-in fallback on. Target: each gated row >= 0.90 of its own baseline.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PATH = '/.latchkey/api/devices';

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./benchServers.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const [line] = await once(child.stdout, 'data') as [Buffer];
const servers = JSON.parse(line.toString()) as {
  ungated: string; gated: string; bypass: string; ungatedRemote: string; gatedRemote: string;
  cookie: string; phoneCookie: string; fallbackCookie: string; authorization: string;
};
const WHOAMI = '/.latchkey/api/whoami';
const remote = { host: 'box.alice.ts.net' };

async function measure(url: string, headers: Record<string, string> = {}, path = PATH): Promise<number> {
  const result = await autocannon({ url: `${url}${path}`, connections: 20, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const runs = {
  'gate off (baseline)': () => measure(servers.ungated),
  'gated: computer, session': () => measure(servers.gated, { cookie: servers.cookie }),
  'gated: computer, bypass': () => measure(servers.bypass),
  'gated: token': () => measure(servers.gated, { authorization: servers.authorization }),
  'gate off, remote (baseline)': () => measure(servers.ungatedRemote, remote),
  'gated: phone (remote)': () => measure(servers.gatedRemote, { ...remote, cookie: servers.phoneCookie }),
  'gate off, whoami (baseline)': () => measure(servers.ungated, {}, WHOAMI),
  'gated: fallback browser': () => measure(servers.gated, { cookie: servers.fallbackCookie }, WHOAMI),
};
// Each row against the baseline of its own listener and route.
const baseOf = (name: string) => (name === 'gated: phone (remote)' ? 'gate off, remote (baseline)' : name === 'gated: fallback browser' ? 'gate off, whoami (baseline)' : 'gate off (baseline)');
const rows = new Map(Object.keys(runs).map((name) => [name, [] as number[]]));
for (const run of Object.values(runs)) await run(); // warm-up: JIT, the session and token caches
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(runs)) rows.get(name)!.push(await run());
}
child.stdin.end();
await once(child, 'exit');

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
// Each round's row is divided by the same round's baseline, so a slow stretch of the machine
// lowers both; the median of those ratios ignores the odd disturbed round.
const ratios = new Map([...rows].map(([name, xs]) => [name, median(xs.map((x, i) => x / rows.get(baseOf(name))![i]!))]));
console.log(`GET ${PATH} (the fallback browser: ${WHOAMI}), ${ROUNDS} interleaved rounds of ${SECONDS}s, 20 connections, servers in a separate process`);
for (const [name, xs] of rows) {
  const said = name.includes('baseline') ? '(a baseline)' : `ratio ${ratios.get(name)!.toFixed(2)} to ${baseOf(name)} (median of per-round ratios)`;
  console.log(`${name.padEnd(30)} ${median(xs).toFixed(0).padStart(7)} req/s   ${said}`);
}
const worst = Math.min(...[...ratios].filter(([name]) => !name.includes('baseline')).map(([, r]) => r));
console.log(`lowest gated/ungated ratio: ${worst.toFixed(2)} (target >= 0.90)`);
process.exitCode = worst >= 0.9 ? 0 : 1;
