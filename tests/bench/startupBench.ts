// npm run bench, start-up and memory: `latchkey serve` as a user runs it (the build npm ci
// made, a fresh home folder) against a bare Fastify server from the same node_modules, both
// started the same way (node, a script, ready when it prints its URL), interleaved in one
// run. Ready is the time from spawn to that line; idle RSS is read 2 s later from the OS.
// Median of 3 each. Targets: ready within 2.5x the bare server's time, RSS within 2x; and a
// client command (`devices list`) against the running server in under 0.4 s end to end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs module shared with bin/latchkey.mjs
import { buildAll, isBuildFresh } from '../../bin/build.mjs';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 3);
const IDLE_MS = 2_000;
const root = fileURLToPath(new URL('../..', import.meta.url));

if (!isBuildFresh()) {
  console.log('the build is older than the sources: building first (npm run build)');
  await buildAll();
}

/** RSS in MB of a running process, from /proc where there is one, else from ps. */
function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
  }
}

/** How long a client command takes end to end against a running server (it loads no server code). */
async function clientCommandMs(localUrl: string): Promise<number> {
  const started = performance.now();
  execFileSync(process.execPath, ['bin/latchkey.mjs', 'devices', 'list', '--json', '--base-url', localUrl], { cwd: root, stdio: 'ignore', env: { ...process.env, LATCHKEY_API_TOKEN: '' } });
  return performance.now() - started;
}
const cliRuns: number[] = [];

async function startOnce(args: string[]): Promise<{ readyMs: number; rssMb: number }> {
  const home = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, LATCHKEY_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  try {
    let out = '';
    const readyMs = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before it was ready: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const rss = rssMb(child.pid!);
    if (out.startsWith('{')) cliRuns.push(await clientCommandMs((JSON.parse(out) as { local: string }).local));
    return { readyMs, rssMb: rss };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

const runs = {
  'bare Fastify (baseline)': ['tests/bench/bareFastify.mjs'],
  'latchkey serve': ['bin/latchkey.mjs', 'serve', '--local-port', '0', '--remote-port', '0', '--json'],
};
const rows = new Map(Object.keys(runs).map((name) => [name, [] as Array<{ readyMs: number; rssMb: number }>]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, args] of Object.entries(runs)) rows.get(name)!.push(await startOnce(args));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [base, lk] = [...rows.values()].map((xs) => ({ readyMs: median(xs.map((x) => x.readyMs)), rssMb: median(xs.map((x) => x.rssMb)) }));
console.log(`start-up and idle memory, median of ${ROUNDS} interleaved starts, fresh home each time`);
for (const [name, xs] of rows) {
  const m = name === 'latchkey serve' ? lk! : base!;
  console.log(`${name.padEnd(26)} ready ${m.readyMs.toFixed(0).padStart(5)} ms   idle RSS ${m.rssMb.toFixed(0).padStart(4)} MB   (runs: ${xs.map((x) => `${x.readyMs.toFixed(0)} ms/${x.rssMb.toFixed(0)} MB`).join(', ')})`);
}
const readyRatio = lk!.readyMs / base!.readyMs;
const rssRatio = lk!.rssMb / base!.rssMb;
console.log(`start-up ratio ${readyRatio.toFixed(2)} (target <= 2.5), idle memory ratio ${rssRatio.toFixed(2)} (target <= 2.0)`);
const cliMs = median(cliRuns);
console.log(`latchkey devices list against the running server: ${cliMs.toFixed(0)} ms end to end, median of ${cliRuns.length} (target < 400 ms)`);
process.exitCode = readyRatio <= 2.5 && rssRatio <= 2 && cliMs < 400 ? 0 : 1;
