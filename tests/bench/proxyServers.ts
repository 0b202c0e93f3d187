// The Latchkey servers the proxy rows measure, in their own process: the same app behind a
// server with the gate off and one with the gate on (loopback bypass off, a session cookie).
// Prints one JSON line, then runs until its parent closes stdin.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { startServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const upstream = process.argv[2]!;
const apps = [{ name: 'bench', upstream }];
const off = await startServer({ config: { require_auth: false, apps } });
const gated = await startServer({ config: { loopback_auth_bypass: false, apps } });
await gated.lk.services.store.add(testPasskey('dev_bench', { origin: gated.local, rp_id: 'localhost', enrolled_via: 'local' }));
const cookie = `lk_session=${await gated.lk.services.sessions.issue('dev_bench', gated.local)}`;
// A reference, not a product: the least a Node proxy can do (node:http + undici, no gate, no header work), as
// PERFORMANCE.md measures it, so the rows above can be read against what Node itself costs on this machine.
const pool = new Pool(upstream, { connections: 128 });
const bare = createServer((req, res) => {
  void pool.stream({ method: 'GET', path: req.url!, headers: { host: new URL(upstream).host } }, ({ statusCode, headers }) => {
    res.writeHead(statusCode, headers as Record<string, string>);
    return res;
  }).catch(() => res.destroy());
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ off: off.local, gated: gated.local, bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, cookie, pid: process.pid })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  bare.close();
  await Promise.all([off.close(), gated.close(), pool.close()]);
  process.exit(0);
});
