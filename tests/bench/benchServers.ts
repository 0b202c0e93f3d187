// The servers `npm run bench` measures, in their own process so the load generator never
// shares their event loop. Prints one JSON line with their URLs and credentials, then runs
// until its parent closes stdin.
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const device = (origin: string) => testPasskey('dev_bench', { name: 'Bench', device_type: 'Linux PC', origin, rp_id: 'localhost', enrolled_via: 'local' });

// A phone's session comes through the remote listener, so every server also answers for a public origin.
// The per-client request limit is lifted: one load generator is one client, and the limit is not what is measured.
const BOX = 'https://box.alice.ts.net';
const opts = (config: Record<string, unknown>) => ({ config: { public_origins: [BOX], ...config }, limits: { remotePerMinute: 1e9, ceremoniesPerMinute: 1e9 } });
const ungated = await startServer(opts({ require_auth: false }));
const gated = await startServer(opts({ loopback_auth_bypass: false }));
const bypass = await startServer(opts({}));
// The same trusted device everywhere, so /.latchkey/api/devices answers every row with the same bytes.
for (const s of [ungated, gated, bypass] as TestServer[]) {
  await s.lk.services.store.add(device(s.local));
  await s.lk.services.store.add(testPasskey('dev_bench_phone', { name: 'Bench phone', device_type: 'iPhone', origin: BOX, credential_id: 'cred_phone', created_at: '2026-11-23T00:00:00.000Z' }));
}

// Fallbacks on, as a user with every one of them set up would have it: the gate's cost must not change.
await gated.lk.services.fallbacks.setPassword('violet staple orbit 1987');
await gated.lk.services.fallbacks.generateBackupCodes();
// A browser trusted through a fallback, on every server (same bytes in every row), for the fallback-session row.
for (const s of [ungated, gated, bypass] as TestServer[]) {
  await s.lk.services.store.add({
    kind: 'browser', id: 'dev_bench_browser', method: 'password', cookie_hash: '0'.repeat(64), name: 'Bench browser', device_type: 'Linux PC',
    browser: 'Chrome', os: 'Linux', origin: 'http://localhost', rp_id: 'localhost', fingerprint: '0000 0000 0000 0000',
    created_at: '2026-11-23T00:00:00.000Z', last_used_at: null, enrolled_via: 'local',
  });
}
const cookie = `lk_session=${await gated.lk.services.sessions.issue('dev_bench', gated.local)}`;
const phoneCookie = `__Host-lk_session=${await gated.lk.services.sessions.issue('dev_bench_phone', BOX)}`;
const fallbackCookie = `lk_session=${await gated.lk.services.sessions.issue('dev_bench_browser', gated.local, { fallback: true })}`;
const { token } = await gated.lk.services.tokens.create({ kind: 'api_key', name: 'bench', scopes: ['devices:read'], lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: 'dev_bench' });
process.stdout.write(`${JSON.stringify({
  ungated: ungated.local, gated: gated.local, bypass: bypass.local, ungatedRemote: ungated.remote, gatedRemote: gated.remote,
  cookie, phoneCookie, fallbackCookie, authorization: `Bearer ${token}`,
})}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([ungated.close(), gated.close(), bypass.close()]);
  process.exit(0);
});
