// The Latchkey servers the proxy rows measure, in their own process: the same app behind a
// server with the gate off and one with the gate on (loopback bypass off, a session cookie).
// Prints one JSON line, then runs until its parent closes stdin.
import { startServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const upstream = process.argv[2]!;
const apps = [{ name: 'bench', upstream }];
const off = await startServer({ config: { require_auth: false, apps } });
const gated = await startServer({ config: { loopback_auth_bypass: false, apps } });
await gated.lk.services.store.add(testPasskey('dev_bench', { origin: gated.local, rp_id: 'localhost', enrolled_via: 'local' }));
const cookie = `lk_session=${await gated.lk.services.sessions.issue('dev_bench', gated.local)}`;
process.stdout.write(`${JSON.stringify({ off: off.local, gated: gated.local, cookie, pid: process.pid })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([off.close(), gated.close()]);
  process.exit(0);
});
