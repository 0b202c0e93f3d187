import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Agent, request } from 'node:http';
const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/helpers/memoryServer.ts', 'http://127.0.0.1:9'], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const server = JSON.parse((await lines.next()).value as string);
for (const [label, headers, ka] of [['plain', {}, false], ['evil origin', { origin: 'https://evil.example' }, false], ['plain ka', {}, true]] as const) {
  const agent = new Agent({ keepAlive: ka, maxSockets: 20 });
  let errs = 0; const codes = new Map();
  let n = 0;
  await Promise.all(Array.from({ length: 20 }, async () => { while (n++ < 3000) await new Promise<void>((res) => {
    const req = request({ agent, host: '127.0.0.1', port: new URL(server.local).port, path: '/.latchkey/', headers }, (r) => { r.resume(); r.on('end', () => { codes.set(r.statusCode, (codes.get(r.statusCode) ?? 0) + 1); res(); }); });
    req.on('error', (e: any) => { errs++; codes.set(e.code, (codes.get(e.code) ?? 0) + 1); res(); }); req.end();
  }); }));
  console.log(label, errs, [...codes]);
}
child.kill();
