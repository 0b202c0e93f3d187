// A Latchkey server in its own process for the memory test, started with --expose-gc so the
// test can ask for a full collection before it reads RSS: what is left then is what the
// server holds, not garbage not yet collected. Prints one JSON line with its URLs and
// credentials; answers each "rss" line on stdin with its RSS and used heap in bytes after two collections.
import { createInterface } from 'node:readline';
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import { startServer } from './startServer.ts';
import { testPasskey } from './testPasskey.ts';

const upstream = process.argv[2]!;
const s = await startServer({
  config: { loopback_auth_bypass: false, apps: [{ name: 'app', upstream }], public_origins: ['https://box.example.ts.net'] },
  // The fuzz sends thousands of requests from one address: the limits would answer most with 429 before they reached a route.
  limits: { ceremoniesPerMinute: 1_000_000, pairingsPer10Minutes: 1_000_000, remotePerMinute: 1_000_000, unauthenticatedPerMinute: 1_000_000 },
});
await s.lk.services.store.add(testPasskey('dev_mem', { origin: s.local, rp_id: 'localhost', enrolled_via: 'local' }));
const cookie = `lk_session=${await s.lk.services.sessions.issue('dev_mem', s.local)}`;
const { token } = await s.lk.services.tokens.create({ kind: 'api_key', name: 'memory', scopes: ['api:read', 'app:app'], lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: 'dev_mem' });
// On the computer the app is on the IP origin; with the bypass off, a key that names it opens it.
process.stdout.write(`${JSON.stringify({ local: s.local, remote: s.remote, appHost: `127.0.0.1:${s.localPort}`, cookie, authorization: `Bearer ${token}` })}\n`);

const gc = (globalThis as { gc?: () => void }).gc!;
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'rss') continue;
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heapUsed })}\n`);
}
await s.close();
process.exit(0);
