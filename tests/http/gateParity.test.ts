import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';

/**
 * Latchkey's own routes (Fastify) and the apps (the lean path) run the same gate functions;
 * this proves they refuse the same requests with the same answer, and the app saw none of them.
 */
describe('both paths refuse the same requests', () => {
  let s: TestServer;
  let app: RecordingApp;
  const cookies: Record<string, string> = {};
  before(async () => {
    app = await startRecordingApp();
    s = await startServer({ config: { public_origins: [BOX], apps: [{ name: 'rec', upstream: app.url }] }, desktopSecret: 'd'.repeat(43) });
    await s.lk.services.store.add(testPasskey('dev_ok'));
    await s.lk.services.store.add(testPasskey('dev_gone', { credential_id: 'cred_gone' }));
    cookies.ok = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_ok', BOX)}`;
    cookies.gone = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_gone', BOX)}`;
    cookies.other = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_ok', 'https://other.example.test')}`;
    await s.lk.services.store.remove('dev_gone', new Date().toISOString());
  });
  after(async () => {
    await s.close();
    await app.close();
  });

  const cases: Array<[string, { method?: string; headers: Record<string, string> }]> = [
    ['unknown Host', { headers: { host: 'evil.example' } }],
    ['no credentials', { headers: { host: 'box.alice.ts.net' } }],
    ['forged session cookie', { headers: { host: 'box.alice.ts.net', cookie: '__Host-lk_session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZXZfb2sifQ.' } }],
    ['session for another origin', { headers: { host: 'box.alice.ts.net', cookie: '' } }],
    ['revoked device', { headers: { host: 'box.alice.ts.net', cookie: '' } }],
    ['unknown bearer token', { headers: { host: 'box.alice.ts.net', authorization: 'Bearer lk_sk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }],
    ['desktop secret on the remote listener', { headers: { host: 'box.alice.ts.net', 'x-latchkey-desktop': 'd'.repeat(43) } }],
    ['cross-site POST with a session', { method: 'POST', headers: { host: 'box.alice.ts.net', cookie: '', origin: 'https://evil.example' } }],
    ['POST with a session and no Origin', { method: 'POST', headers: { host: 'box.alice.ts.net', cookie: '' } }],
    ['Sec-Fetch-Site cross-site', { method: 'POST', headers: { host: 'box.alice.ts.net', cookie: '', 'sec-fetch-site': 'cross-site' } }],
  ];

  it('the same status and error code on /.latchkey/api/whoami and on an app path', async () => {
    const before = app.seen.length;
    for (const [name, c] of cases) {
      const headers = { ...c.headers };
      if (headers.cookie === '') headers.cookie = name === 'session for another origin' ? cookies.other! : name === 'revoked device' ? cookies.gone! : cookies.ok!;
      const own = await rawRequest(s.remotePort, { method: c.method, path: '/.latchkey/api/whoami', headers, body: c.method === 'POST' ? '' : undefined });
      const proxied = await rawRequest(s.remotePort, { method: c.method, path: '/echo', headers, body: c.method === 'POST' ? '' : undefined });
      assert.ok(own.status >= 400, `${name}: refused on Latchkey's route (${own.status})`);
      assert.deepEqual([proxied.status, proxied.body?.error, proxied.body?.reason], [own.status, own.body?.error, own.body?.reason], name);
    }
    assert.equal(app.seen.length, before, 'none reached the app');
    const fine = await rawRequest(s.remotePort, { path: '/echo', headers: { host: 'box.alice.ts.net', cookie: cookies.ok! } });
    assert.equal(fine.status, 200, 'and a good session passes both');
    // The one deliberate difference: on an app's paths, an Authorization that is not a Latchkey token is the app's own.
    const basic = { host: 'box.alice.ts.net', authorization: 'Basic YTpi' };
    assert.equal((await rawRequest(s.remotePort, { path: '/.latchkey/api/whoami', headers: basic })).body.error, 'malformed_authorization');
    assert.equal((await rawRequest(s.remotePort, { path: '/echo', headers: basic })).body.error, 'auth_required', 'still needs sign-in');
  });
});
