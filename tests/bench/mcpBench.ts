// npm run bench, MCP row: tools/call round trips from the official SDK's client, straight to the
// SDK's MCP server and through Latchkey's gate with an agent's OAuth token (its audience checked,
// the JSON-RPC body read for the tool's name and Activity, the SSE answer streamed back), in
// interleaved rounds, the ratio taken per round against the direct calls of the same round.
// Target (issue 24): through the gate ≥ 0.80× direct.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CLIENTS = 8;
// The same arrangement as the proxy rows: load generator and MCP server on core 0, Latchkey on core 1.
const PIN = process.env.BENCH_PIN !== '0' && existsSync('/usr/bin/taskset') && availableParallelism() >= 2;
if (PIN) spawnSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

async function child(args: string[], core: number) {
  const argv = [process.execPath, '--import', 'tsx', new URL('./mcpServers.ts', import.meta.url).pathname, ...args];
  const proc = PIN ? spawn('taskset', ['-c', String(core), ...argv], { stdio: ['pipe', 'pipe', 'inherit'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(proc.stdout!, 'data') as [Buffer];
  return { proc, info: JSON.parse(line.toString()) as { url: string; token?: string } };
}

const upstream = await child(['upstream'], 0);
const gate = await child(['gate', upstream.info.url.replace(/\/mcp$/, '')], 1);

async function connect(url: string, token?: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}
const direct = await Promise.all(Array.from({ length: CLIENTS }, () => connect(upstream.info.url)));
const gated = await Promise.all(Array.from({ length: CLIENTS }, () => connect(gate.info.url, gate.info.token)));

/** Calls per second: each client calls tools/call one after another for SECONDS. */
async function rate(clients: Client[]) {
  const until = performance.now() + SECONDS * 1000;
  let calls = 0;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < until) {
      const r = await c.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
      if ((r.content as Array<{ text: string }>)[0]?.text !== '42') throw new Error('a wrong answer');
      calls++;
    }
  }));
  return calls / SECONDS;
}
await rate(direct);
await rate(gated);
const rows = { direct: [] as number[], gated: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  rows.direct.push(await rate(direct));
  rows.gated.push(await rate(gated));
}
for (const c of [...direct, ...gated]) await c.close();
for (const c of [upstream.proc, gate.proc]) c.stdin!.end();
await Promise.all([once(upstream.proc, 'exit'), once(gate.proc, 'exit')]);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ratio = median(rows.gated.map((g, i) => g / rows.direct[i]!));
console.log(`\nMCP: tools/call round trips (SDK client → SDK server, SSE answers), ${CLIENTS} clients, ${ROUNDS} interleaved rounds of ${SECONDS}s`);
console.log(PIN ? 'pinned: load generator and MCP server on core 0, Latchkey on core 1' : 'unpinned (BENCH_PIN=0 or no taskset): every process on any core');
console.log(`${'direct'.padEnd(34)} ${median(rows.direct).toFixed(0).padStart(6)} calls/s`);
console.log(`${'through the gate, OAuth token'.padEnd(34)} ${median(rows.gated).toFixed(0).padStart(6)} calls/s   ratio ${ratio.toFixed(2)}`);
const met = ratio >= 0.8;
console.log(`${met ? 'met   ' : 'MISSED'} MCP tools/call through the gate ≥ 0.80× direct: ${ratio.toFixed(2)}`);
process.exitCode = met ? 0 : 1;
