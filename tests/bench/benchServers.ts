// The servers `npm run bench` measures, in their own process so the load generator never
// shares their event loop. Prints one JSON line with their URLs and credentials, then runs
// until its parent closes stdin.
import type { TrustedPasskey } from '../../src-server/store/openPasskeyStore.ts';
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const device = (origin: string): TrustedPasskey => ({
  id: 'dev_bench', credential_id: 'cred_bench', public_key: 'pk', name: 'Bench', device_type: 'Linux PC', origin,
  rp_id: 'localhost', fingerprint: '0000 0000 0000 0000', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null,
  counter: 0, backup_eligible: false, backup_state: false, transports: [], aaguid: '', enrolled_via: 'local',
});

const ungated = await startServer({ config: { require_auth: false } });
const gated = await startServer({ config: { loopback_auth_bypass: false } });
const bypass = await startServer({});
// The same trusted device everywhere, so /api/devices answers every row with the same bytes.
for (const s of [ungated, gated, bypass] as TestServer[]) await s.lk.services.store.add(device(s.local));

const cookie = `lk_session=${await gated.lk.services.sessions.issue('dev_bench', gated.local)}`;
const { token } = await gated.lk.services.tokens.create({ kind: 'api_key', name: 'bench', scopes: ['devices:read'], lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: 'dev_bench' });
process.stdout.write(`${JSON.stringify({ ungated: ungated.local, gated: gated.local, bypass: bypass.local, cookie, authorization: `Bearer ${token}` })}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([ungated.close(), gated.close(), bypass.close()]);
  process.exit(0);
});
