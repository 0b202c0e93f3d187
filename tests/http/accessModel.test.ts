import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATCHKEY_COOKIE_BASES } from '../../src-server/sessions/sessionCookies.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const BOX = 'https://box.alice.ts.net';
const ADMIN = 'https://admin.alice.ts.net';

/** Every admin route an app's script would try, with a body that would do harm if it got through. */
const ADMIN_CALLS: Array<[string, string, unknown?]> = [
  ['POST', '/.latchkey/api/keys', { name: 'x', scopes: ['api:write'] }],
  ['GET', '/.latchkey/api/keys'],
  ['GET', '/.latchkey/api/devices'],
  ['DELETE', '/.latchkey/api/devices/dev_other'],
  ['GET', '/.latchkey/api/devices/pending'],
  ['GET', '/.latchkey/api/audit'],
  ['GET', '/.latchkey/api/fallbacks'],
  ['POST', '/.latchkey/api/fallbacks/backup-codes'],
  ['POST', '/.latchkey/api/apps', { name: 'evil', upstream: 'http://127.0.0.1:9' }],
  ['POST', '/.latchkey/api/origins', { origin: 'https://evil.example.test' }],
  ['POST', '/.latchkey/api/tunnel/start', { tool: 'tailscale' }],
  ['GET', '/.latchkey/devices'],
  ['GET', '/.latchkey/keys'],
];

/** Pairs a soft browser and approves it on the computer, as the owner would. */
async function pairPhone(s: TestServer, host: string, name = 'Phone') {
  const phone = softBrowser(s.remotePort, { host });
  const paired = await phone.pair(name);
  assert.equal(paired.status, 200, JSON.stringify(paired.body));
  const id = paired.body.request.id as string;
  const approved = await s.api('POST', `/.latchkey/api/devices/${id}/approve`, { code: s.lk.services.pending.codeOf(id) });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal((await phone.send('GET', '/.latchkey/auth/pairing/status')).body.status, 'approved');
  return { phone, deviceId: approved.body.device.id as string };
}

describe('an app\'s scripts can never act as the owner', () => {
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    app = await startRecordingApp();
    s = await startServer({ config: { public_origins: [BOX, ADMIN], admin_origin: ADMIN, apps: [{ name: 'rec', upstream: app.url }] } });
  });
  after(async () => {
    await s.close();
    await app.close();
  });

  it('remote: a signed-in phone\'s cookie, used by a script on the app origin, opens no admin route', async () => {
    const { phone } = await pairPhone(s, 'box.alice.ts.net');
    const keysBefore = s.lk.services.tokens.list().length;
    // Same origin, so the browser sends the session cookie and Origin: https://box.alice.ts.net, exactly as here.
    for (const [method, path, body] of ADMIN_CALLS) {
      const r = await phone.send(method, path, body);
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
      // What only the computer does is refused through the tunnel first; the rest because an app runs here.
      if (r.body) assert.ok(['admin_not_here', 'local_only'].includes(r.body.error), `${method} ${path}: ${r.body.error}`);
    }
    const told = await phone.send('GET', '/.latchkey/api/devices');
    assert.equal(told.body.manage_at, `${ADMIN}/.latchkey/`, 'the phone is told, in one line, where to manage Latchkey');
    assert.match(told.body.message, /admin\.alice\.ts\.net/);
    assert.equal(s.lk.services.tokens.list().length, keysBefore, 'no key was made');
    // What a visitor needs still works there: who am I, the launcher, the app itself.
    assert.equal((await phone.send('GET', '/.latchkey/api/whoami')).status, 200);
    const launcher = await phone.send('GET', '/.latchkey/api/apps');
    assert.deepEqual(launcher.body.apps.map((a: { name: string; url: string }) => [a.name, a.url]), [['rec', `${BOX}/`]]);
    assert.equal((await phone.send('GET', '/echo')).status, 200);
  });

  it('remote: on the admin origin, where no app runs, the same phone manages Latchkey', async () => {
    const { phone } = await pairPhone(s, 'admin.alice.ts.net', 'Admin phone');
    assert.equal((await phone.send('GET', '/.latchkey/api/devices')).status, 200);
    // No app is served on the admin origin, even one without `origins`.
    const root = await phone.send('GET', '/echo', undefined, { accept: 'application/json' });
    assert.equal(root.status, 404);
    assert.equal(root.body.error, 'no_app_here');
  });

  it('local: the loopback bypass on the app origin (http://127.0.0.1:PORT) opens no admin route, but still the app', async () => {
    const host = `127.0.0.1:${s.localPort}`;
    for (const [method, path, body] of ADMIN_CALLS) {
      const headers: Record<string, string> = { host, origin: `http://${host}`, ...(body ? { 'content-type': 'application/json' } : {}) };
      const r = await rawRequest(s.localPort, { method, path, headers, body: body ? JSON.stringify(body) : undefined });
      assert.equal(r.status, 403, `${method} ${path}: ${r.status}`);
      if (r.body) assert.equal(r.body.error, 'admin_not_here', `${method} ${path}`);
      if (r.body) assert.equal(r.body.manage_at, `http://localhost:${s.localPort}/.latchkey/`);
    }
    const seen = app.seen.length;
    assert.equal((await rawRequest(s.localPort, { path: '/echo', headers: { host } })).status, 200, 'the app opens on the computer');
    assert.equal(app.seen.length, seen + 1);
    assert.equal((await rawRequest(s.localPort, { path: '/echo', headers: { host: `localhost:${s.localPort}`, accept: 'application/json' } })).status, 404,
      'and never on Latchkey\'s own local origin');
  });

  it('local: a page of the app origin cannot post to Latchkey\'s origin (the Origin check is exact)', async () => {
    const local = `localhost:${s.localPort}`;
    const r = await rawRequest(s.localPort, {
      method: 'POST', path: '/.latchkey/api/keys', body: JSON.stringify({ name: 'x' }),
      headers: { host: local, origin: `http://127.0.0.1:${s.localPort}`, 'content-type': 'application/json' },
    });
    assert.deepEqual([r.status, r.body.error], [403, 'origin_mismatch']);
    const fromIpv6 = await rawRequest(s.localPort, { method: 'POST', path: '/.latchkey/api/fallbacks/backup-codes', headers: { host: local, origin: `http://[::1]:${s.localPort}` } });
    assert.deepEqual([fromIpv6.status, fromIpv6.body.error], [403, 'origin_mismatch']);
    // The CLI (no Origin) and Latchkey's own page (its own Origin) still work.
    assert.equal((await s.api('GET', '/.latchkey/api/keys')).status, 200);
    const own = await rawRequest(s.localPort, { method: 'POST', path: '/.latchkey/api/keys', body: JSON.stringify({ name: 'own page' }), headers: { host: local, origin: `http://${local}`, 'content-type': 'application/json' } });
    assert.equal(own.status, 200);
  });

  it('no cookie Latchkey sets reaches an app, under any spelling, after a passkey and after a fallback sign-in', async () => {
    const { phone } = await pairPhone(s, 'box.alice.ts.net', 'Cookie phone');
    assert.ok([...phone.jar.keys()].some((k) => k === '__Host-lk_session'), 'the phone holds a session');
    const spellings = LATCHKEY_COOKIE_BASES.flatMap((b) => [b, `__Host-${b}`, `__Secure-${b}`, `__host-${b}`, b.toUpperCase(), b.replace('_', '-')]);
    const forged = spellings.map((n, i) => `${n}=v${i}`).join('; ');
    const before = app.seen.length;
    assert.equal((await phone.send('GET', '/echo', undefined, { cookie: `${[...phone.jar].map(([k, v]) => `${k}=${v}`).join('; ')}; ${forged}; app_own=kept` })).status, 200);
    const got = String(app.seen[before]!.headers.cookie ?? '');
    assert.equal(got, 'app_own=kept', `the app saw: ${got}`);

    const codes = (await s.api('POST', '/.latchkey/api/fallbacks/backup-codes')).body.codes as string[];
    const laptop = softBrowser(s.remotePort, { host: 'box.alice.ts.net', ip: '203.0.113.40' });
    const signedIn = await laptop.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: codes[0], name: 'Laptop' });
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.ok(laptop.jar.has('__Host-lk_device') && laptop.jar.has('__Host-lk_session'), [...laptop.jar.keys()].join());
    const at = app.seen.length;
    assert.equal((await laptop.send('GET', '/echo')).status, 200);
    assert.equal(app.seen[at]!.headers.cookie, undefined, 'neither the device cookie nor the session reached the app');
  });
});

describe('every credential grants only what it names', () => {
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    app = await startRecordingApp();
    s = await startServer({ config: { public_origins: [BOX, ADMIN], admin_origin: ADMIN, apps: [{ name: 'jupyter', upstream: app.url, path: '/jupyter' }, { name: 'vite', upstream: app.url, path: '/vite' }] } });
  });
  after(async () => {
    await s.close();
    await app.close();
  });
  const key = async (scopes: string[]) => (await s.api('POST', '/.latchkey/api/keys', { name: scopes.join(' '), scopes })).body.secret as string;
  const asKey = (secret: string, method: string, path: string) =>
    rawRequest(s.remotePort, { method, path, headers: { host: 'box.alice.ts.net', authorization: `Bearer ${secret}` }, body: method === 'POST' ? '{}' : undefined });

  it('an audit key reads the audit and opens no app, whatever the method', async () => {
    const audit = await key(['audit:read', 'path:/api/audit']);
    assert.equal((await asKey(audit, 'GET', '/.latchkey/api/audit')).status, 200);
    assert.equal((await asKey(audit, 'GET', '/.latchkey/api/devices')).status, 403);
    const before = app.seen.length;
    for (const [method, path] of [['POST', '/jupyter/api/kernels'], ['GET', '/jupyter/tree'], ['GET', '/vite/']]) {
      const r = await asKey(audit, method!, path!);
      assert.deepEqual([r.status, r.body.error], [403, 'insufficient_scope'], `${method} ${path}`);
      assert.match(r.body.required_scope, /^app:(jupyter|vite)/);
    }
    assert.equal(app.seen.length, before, 'the app saw none of them');
  });

  it('app:NAME opens that app with every method, app:NAME:read only reads it, app:* opens all; none opens the API', async () => {
    const jupyter = await key(['app:jupyter']);
    assert.equal((await asKey(jupyter, 'POST', '/jupyter/api/kernels')).status, 200);
    assert.equal((await asKey(jupyter, 'GET', '/vite/')).status, 403);
    assert.equal((await asKey(jupyter, 'GET', '/.latchkey/api/devices')).status, 403);
    const reader = await key(['app:jupyter:read']);
    assert.equal((await asKey(reader, 'GET', '/jupyter/tree')).status, 200);
    assert.deepEqual([(await asKey(reader, 'POST', '/jupyter/api/kernels')).body.required_scope], ['app:jupyter']);
    const every = await key(['app:*']);
    assert.equal((await asKey(every, 'GET', '/vite/')).status, 200);
    assert.equal((await asKey(every, 'POST', '/jupyter/x')).status, 200);
    const api = await key(['api:write']);
    assert.equal((await asKey(api, 'GET', '/vite/')).status, 403, 'the API scopes open no app');
    // A key cannot mint one that opens more than it does.
    const mint = await rawRequest(s.localPort, { method: 'POST', path: '/.latchkey/api/keys', body: JSON.stringify({ name: 'm', scopes: ['app:vite'] }),
      headers: { host: `localhost:${s.localPort}`, authorization: `Bearer ${api}`, 'content-type': 'application/json' } });
    assert.deepEqual([mint.status, mint.body.required_scope], [403, 'app:vite']);
    const bad = await s.api('POST', '/.latchkey/api/keys', { name: 'b', scopes: ['app:Not A Name'] });
    assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_app_scope']);
  });

  it('keys list says which apps a key opens, and an older key (no app scope) opens none', async () => {
    await key(['api:read']);
    const list = (await s.api('GET', '/.latchkey/api/keys')).body.keys as Array<{ scopes: string[]; apps: string[] }>;
    const old = list.find((k) => k.scopes.join() === 'api:read')!;
    assert.deepEqual(old.apps, []);
    assert.deepEqual(list.find((k) => k.scopes.join() === 'app:jupyter')!.apps, ['jupyter']);
  });

  it('a phone manages what a phone should: itself freely; others and keys after a step-up; keys at most 30 days', async () => {
    const { phone, deviceId } = await pairPhone(s, 'admin.alice.ts.net');
    const { deviceId: tablet } = await pairPhone(s, 'admin.alice.ts.net', 'Tablet');
    const removeTablet = await phone.send('DELETE', `/.latchkey/api/devices/${tablet}`);
    assert.deepEqual([removeTablet.status, removeTablet.body.error], [403, 'step_up_required']);
    const makeKey = await phone.send('POST', '/.latchkey/api/keys', { name: 'from phone' });
    assert.deepEqual([makeKey.status, makeKey.body.error], [403, 'step_up_required']);
    assert.ok(s.lk.services.store.get(tablet), 'the tablet is still there');

    // Step-up: a fresh assertion with user verification, of this device's own passkey.
    const options = await phone.send('POST', '/.latchkey/auth/step-up/options', {});
    assert.equal(options.status, 200);
    assert.deepEqual(options.body.options.allowCredentials.map((c: { id: string }) => c.id), [phone.passkey.id]);
    const noUv = await phone.send('POST', '/.latchkey/auth/step-up/verify', { ceremony_id: options.body.ceremony_id, response: phone.passkey.assert({ origin: ADMIN, rpId: 'alice.ts.net', challenge: options.body.options.challenge, userVerified: false }) });
    assert.equal(noUv.status, 400, 'without user verification it counts for nothing');
    assert.equal((await phone.send('POST', '/.latchkey/api/keys', { name: 'still no' })).body.error, 'step_up_required');
    const again = await phone.send('POST', '/.latchkey/auth/step-up/options', {});
    const ok = await phone.send('POST', '/.latchkey/auth/step-up/verify', { ceremony_id: again.body.ceremony_id, response: phone.passkey.assert({ origin: ADMIN, rpId: 'alice.ts.net', challenge: again.body.options.challenge }) });
    assert.deepEqual([ok.status, ok.body.valid_for_s], [200, 300]);

    const tooLong = await phone.send('POST', '/.latchkey/api/keys', { name: 'long', expires_in: '60d' });
    assert.deepEqual([tooLong.status, tooLong.body.error], [400, 'duration_out_of_range'], tooLong.text);
    const made = await phone.send('POST', '/.latchkey/api/keys', { name: 'from phone' });
    assert.equal(made.status, 200, made.text);
    const days = (Date.parse(made.body.key.expires_at) - s.clock.now()) / 86_400_000;
    assert.ok(Math.abs(days - 30) < 0.01, `a phone's key lives 30 days (got ${days})`);
    assert.equal((await phone.send('DELETE', `/.latchkey/api/devices/${tablet}`)).status, 200);

    // Five minutes later the step-up has lapsed.
    s.clock.advance(5 * 60_000 + 1);
    assert.equal((await phone.send('POST', '/.latchkey/api/keys', { name: 'later' })).body.error, 'step_up_required');
    // Removing itself needs nothing more.
    assert.equal((await phone.send('DELETE', `/.latchkey/api/devices/${deviceId}`)).status, 200);
    assert.equal(s.lk.services.store.get(deviceId), undefined);
  });

  it('a browser let in by a fallback uses the apps and signs itself out, and nothing else', async () => {
    const { deviceId: ownersPhone } = await pairPhone(s, 'admin.alice.ts.net', 'Owner phone');
    const codes = (await s.api('POST', '/.latchkey/api/fallbacks/backup-codes')).body.codes as string[];
    const laptop = softBrowser(s.remotePort, { host: 'admin.alice.ts.net', ip: '203.0.113.50' });
    assert.equal((await laptop.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: codes[1], name: 'Borrowed' })).status, 200);
    const me = (await laptop.send('GET', '/.latchkey/api/whoami')).body.device.id as string;
    for (const [method, path, body] of [['POST', '/.latchkey/api/keys', { name: 'x', scopes: ['api:write'] }], ['DELETE', `/.latchkey/api/devices/${ownersPhone}`], ['GET', '/.latchkey/api/devices'], ['GET', '/.latchkey/api/audit']] as const) {
      const r = await laptop.send(method, path, body);
      assert.deepEqual([r.status, r.body.error], [403, 'fallback_limited'], `${method} ${path}`);
    }
    assert.ok(s.lk.services.store.get(ownersPhone), 'the owner\'s phone is still there');
    const onBox = softBrowser(s.remotePort, { host: 'box.alice.ts.net', ip: '203.0.113.50' });
    assert.equal((await onBox.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: codes[2], name: 'Borrowed 2' })).status, 200);
    assert.equal((await onBox.send('GET', '/jupyter/tree')).status, 200, 'it uses the apps');
    assert.equal((await laptop.send('POST', '/.latchkey/auth/logout', {})).status, 200);
    assert.equal((await laptop.send('GET', '/.latchkey/api/whoami')).status, 401, 'and signs itself out');
    const other = softBrowser(s.remotePort, { host: 'admin.alice.ts.net', ip: '203.0.113.51' });
    assert.equal((await other.send('POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: codes[3], name: 'Borrowed 3' })).status, 200);
    const self = (await other.send('GET', '/.latchkey/api/whoami')).body.device.id as string;
    assert.notEqual(self, me);
    assert.equal((await other.send('DELETE', `/.latchkey/api/devices/${self}`)).status, 200, 'or removes itself');
  });
});
