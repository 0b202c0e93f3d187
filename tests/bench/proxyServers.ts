// The Latchkey servers the proxy rows measure, in their own process: the same app behind a
// server with the gate off and one with the gate on (a phone's session cookie), on the remote listener.
// Prints one JSON line, then runs until its parent closes stdin.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { startServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const upstream = process.argv[2]!;
const apps = [{ name: 'bench', upstream }];
// App traffic as a tunnel delivers it: to the remote listener, for the public origin, with a phone's session.
// The per-client request limit is lifted: the load generator is one client, and that limit is not what is measured.
const BOX = 'https://box.alice.ts.net';
const config = (extra: Record<string, unknown>) => ({ config: { public_origins: [BOX], apps, ...extra }, limits: { remotePerMinute: 1e9 } });
const off = await startServer(config({ require_auth: false }));
const gated = await startServer(config({ loopback_auth_bypass: false }));
await gated.lk.services.store.add(testPasskey('dev_bench'));
const cookie = `__Host-lk_session=${await gated.lk.services.sessions.issue('dev_bench', BOX)}`;
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
process.stdout.write(`${JSON.stringify({ off: off.remote, gated: gated.remote, host: 'box.alice.ts.net', origin: BOX, bare: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, cookie, pid: process.pid })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  bare.close();
  await Promise.all([off.close(), gated.close(), pool.close()]);
  process.exit(0);
});
