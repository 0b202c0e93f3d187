// npm run bench, second part: what the app proxy costs. The same small app (700 bytes of JSON)
// reached directly, through nginx proxy_pass (upstream keepalive 64), through a bare node:http + undici
// proxy (a reference for what Node itself costs here), through Latchkey with
// the gate off, and through Latchkey's gate with a session cookie; rounds interleaved, ratios
// against nginx in the same run. Then WebSocket round trips through the gate vs direct, and
// the Latchkey process's RSS across a 64 MB download and upload through the gate.
// Targets: gated ≥ 0.5× nginx; the gate ≤ 10% of the proxy path (gated ≥ 0.90× gate off); RSS flat (< 16 MB over 384 MB moved).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { freePort } from '../helpers/tunnel.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/**
 * The arrangement (TESTING.md, "Fair load tests on two cores"): the load generator (this process)
 * and the upstream app on core 0, the proxy under test (nginx's one worker, Latchkey, the bare
 * Node proxy) on core 1, the same for every row, so no proxy shares a core with the load.
 * BENCH_PIN=0 runs unpinned, as before, to compare the two arrangements.
 */
const PIN = process.env.BENCH_PIN !== '0' && existsSync('/usr/bin/taskset') && (await import('node:os')).availableParallelism() >= 2;
const onCore = (core: number, command: string, args: string[]): [string, string[]] => (PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);
if (PIN) spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

async function child(script: string, args: string[] = [], core = 0) {
  const [command, argv] = onCore(core, process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args]);
  const proc = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(proc.stdout!, 'data') as [Buffer];
  return { proc, info: JSON.parse(line.toString()) };
}

async function startNginx(upstreamPort: number): Promise<{ port: number; proc: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`);
  const [command, argv] = onCore(1, 'nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')]);
  const proc = spawn(command, argv, { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, proc };
}

const upstream = await child('./benchUpstream.ts');
const appUrl = `http://127.0.0.1:${upstream.info.port}`;
const latchkey = await child('./proxyServers.ts', [appUrl], 1);
const viaTunnel = { host: latchkey.info.host as string };
const nginx = await startNginx(upstream.info.port);

async function measure(url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: 50, duration: SECONDS, headers });
  // A connection cut as a round ends is noise; a failing path is not.
  if (r.non2xx > 0 || r.errors > r.requests.total / 1000) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors of ${r.requests.total}`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}
const runs: Record<string, () => Promise<{ rps: number; p99: number }>> = {
  'app direct': () => measure(`${appUrl}/`),
  'nginx proxy_pass': () => measure(`http://127.0.0.1:${nginx.port}/`),
  'bare Node proxy (reference)': () => measure(`${latchkey.info.bare}/`),
  'Latchkey, gate off': () => measure(`${latchkey.info.off}/`, viaTunnel),
  'Latchkey, session cookie': () => measure(`${latchkey.info.gated}/`, { ...viaTunnel, cookie: latchkey.info.cookie }),
};
const rows = new Map(Object.keys(runs).map((k) => [k, [] as Array<{ rps: number; p99: number }>]));
for (const run of Object.values(runs)) await run();
for (let round = 0; round < ROUNDS; round++) for (const [name, run] of Object.entries(runs)) rows.get(name)!.push(await run());

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ratio = (a: string, b: string) => median(rows.get(a)!.map((x, i) => x.rps / rows.get(b)![i]!.rps));

/** Sequential echo round trips over one WebSocket: messages per second. */
async function wsRate(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  await once(ws, 'open');
  const n = 3000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const reply = once(ws, 'message');
    ws.send(`m${i}`);
    await reply;
  }
  const rate = n / ((performance.now() - start) / 1000);
  ws.close();
  return rate;
}
const wsDirect: number[] = [];
const wsGated: number[] = [];
for (let round = 0; round < 3; round++) {
  wsDirect.push(await wsRate(`ws://127.0.0.1:${upstream.info.port}/`));
  wsGated.push(await wsRate(`${latchkey.info.gated.replace('http', 'ws')}/`, { ...viaTunnel, cookie: latchkey.info.cookie, origin: latchkey.info.origin }));
}

const rssOf = (pid: number) => (existsSync(`/proc/${pid}/status`) ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024 : NaN);
const transfer = (method: string, path: string) => new Promise<void>((resolve, reject) => {
  const req = request(`${latchkey.info.gated}${path}`, { method, headers: { ...viaTunnel, cookie: latchkey.info.cookie, origin: latchkey.info.origin } }, (res) => {
    res.resume();
    res.on('end', resolve);
  });
  req.on('error', reject);
  if (method === 'POST') {
    const chunk = Buffer.alloc(1024 * 1024, 3);
    let left = 64;
    const pump = () => {
      while (left-- > 0) if (!req.write(chunk)) return void req.once('drain', pump);
      req.end();
    };
    pump();
  } else req.end();
});
// One pair first, so buffers and the heap reach their working size; then three more pairs (192 MB each way)
// must not raise the peak: memory that does not grow with the bytes moved is flat.
await transfer('GET', '/download');
await transfer('POST', '/upload');
const rssBefore = rssOf(latchkey.info.pid);
let rssPeak = rssBefore;
const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssOf(latchkey.info.pid)); }, 10);
for (let i = 0; i < 3; i++) {
  await transfer('GET', '/download');
  await transfer('POST', '/upload');
}
clearInterval(sampler);

for (const c of [upstream.proc, latchkey.proc]) c.stdin!.end();
nginx.proc.kill('SIGTERM');
await Promise.all([once(upstream.proc, 'exit'), once(latchkey.proc, 'exit')]);

const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;
console.log(`\nApp proxy: GET / (700 bytes of JSON), ${ROUNDS} interleaved rounds of ${SECONDS}s, 50 connections, Latchkey on its remote listener`);
console.log(PIN ? 'pinned: load generator and app on core 0, the proxy under test (nginx, Latchkey, bare Node) on core 1' : 'unpinned (BENCH_PIN=0 or no taskset): every process on any core');
for (const [name, xs] of rows) {
  console.log(`${name.padEnd(26)} ${median(xs.map((x) => x.rps)).toFixed(0).padStart(7)} req/s   p99 ${median(xs.map((x) => x.p99)).toFixed(0).padStart(3)} ms   ratio to nginx ${ratio(name, 'nginx proxy_pass').toFixed(2)}`);
}
const gatedVsNginx = ratio('Latchkey, session cookie', 'nginx proxy_pass');
const gateCost = ratio('Latchkey, session cookie', 'Latchkey, gate off');
const ws = median(wsGated.map((g, i) => g / wsDirect[i]!));
const growth = rssPeak - rssBefore;
console.log(`WebSocket echo round trips: direct ${median(wsDirect).toFixed(0)}/s, through the gate ${median(wsGated).toFixed(0)}/s (ratio ${ws.toFixed(2)})`);
console.log(`Latchkey RSS across 3 × (64 MB down + 64 MB up) through the gate, after one warm-up pair: ${mb(rssBefore)} → peak ${mb(rssPeak)} (+${mb(growth)})`);
const targets = [
  [`gated proxy ≥ 0.50× nginx: ${gatedVsNginx.toFixed(2)}`, gatedVsNginx >= 0.5],
  [`the gate ≤ 10% of the proxy path (gated/gate off ≥ 0.90): ${gateCost.toFixed(2)}`, gateCost >= 0.9],
  [`memory flat across 64 MB transfers (< 16 MB growth over 384 MB moved): +${mb(growth)}`, Number.isNaN(growth) || growth < 16 * 1024 * 1024],
] as const;
for (const [text, ok] of targets) console.log(`${ok ? 'met   ' : 'MISSED'} ${text}`);
process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1;
