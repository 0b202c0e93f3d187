import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { rawRequest } from '../helpers/rawRequest.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';
const DEVICE = testPasskey('dev_known');

describe('bad input gets a clear 4xx, and nothing is stored', () => {
  let s: TestServer;
  let storeBefore: string;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX] } });
    await s.lk.services.store.add(DEVICE);
    storeBefore = readFileSync(join(s.home, 'trusted-passkeys.json'), 'utf8');
  });
  after(async () => {
    try {
      // Whatever the tests threw at it, the trusted store is what it was, except when the device was last
      // used: one test signs in with a valid session, and that use is recorded, as it should be.
      const withoutUse = (text: string) => text.replace(/"last_used_at": (null|"[^"]*")/g, '"last_used_at": …');
      assert.equal(withoutUse(readFileSync(join(s.home, 'trusted-passkeys.json'), 'utf8')), withoutUse(storeBefore));
      assert.equal(JSON.parse(readFileSync(join(s.home, 'trusted-passkeys.json'), 'utf8')).passkeys.length, 1);
    } finally {
      await s.close();
    }
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) => rawRequest(s.remotePort, {
    method: 'POST', path, body,
    headers: { host: 'box.alice.ts.net', origin: BOX, 'content-type': 'application/json', ...headers },
  });
  const whoamiWith = (cookie: string) => rawRequest(s.remotePort, {
    path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net', cookie: `__Host-lk_session=${cookie}` },
  });
  const expectError = (r: { status: number; body: any }, status: number, code: string) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.error, code);
    assert.equal(typeof r.body.message, 'string');
    assert.ok(!/at .*\.ts:\d+/.test(JSON.stringify(r.body)), 'no stack trace');
  };

  it('malformed JSON', async () => expectError(await post('/.latchkey/auth/register/verify', '{"ceremony_id":'), 400, 'malformed_json'));
  it('an oversized body', async () => expectError(await post('/.latchkey/auth/register/verify', JSON.stringify({ x: 'a'.repeat(100_000) })), 413, 'body_too_large'));
  it('a body that is not JSON', async () => expectError(await post('/.latchkey/auth/register/verify', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'));
  it('missing fields', async () => expectError(await post('/.latchkey/auth/register/verify', '{}'), 400, 'invalid_request'));
  it('a device name with control, C1, bidi, zero-width or separator characters is refused naming the field', async () => {
    // Review finding 5: each of these can hide or reorder what the approval card shows.
    for (const name of ['evil\u001b[31m', 'phone\u009b31m', 'code \u202e74', 'a\u2066b\u2069', 'in\u200bvisible', '\u200e', 'line\u2028break', 'bom\ufeff', 'x\u061c']) {
      const body = { ceremony_id: 'x', name, response: { id: 'a', rawId: 'a', type: 'public-key', response: {} } };
      const r = await post('/.latchkey/auth/register/verify', JSON.stringify(body));
      expectError(r, 400, 'invalid_text');
      assert.equal(r.body.field, 'name', JSON.stringify(name));
    }
    const fine = { ceremony_id: 'never-issued', name: 'Zoë’s iPhone — 日本語 ✓', response: { id: 'a', rawId: 'a', type: 'public-key', response: {} } };
    expectError(await post('/.latchkey/auth/register/verify', JSON.stringify(fine)), 400, 'challenge_unknown');
  });
  it('a ceremony id that was never issued', async () => {
    const body = { ceremony_id: 'never-issued', name: 'x', response: { id: 'a', rawId: 'a', type: 'public-key', response: {} } };
    expectError(await post('/.latchkey/auth/register/verify', JSON.stringify(body)), 400, 'challenge_unknown');
  });
  it('a garbage WebAuthn response to a real challenge', async () => {
    const opts = await post('/.latchkey/auth/register/options', '{}');
    assert.equal(opts.status, 200);
    const body = { ceremony_id: opts.body.ceremony_id, name: 'x', response: { id: 'a', rawId: 'a', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'AA' } } };
    const r = await post('/.latchkey/auth/register/verify', JSON.stringify(body));
    assert.equal(r.status, 400);
    assert.equal((await s.api('GET', '/.latchkey/api/devices/pending')).body.pending.length, 0);
  });
  it('a cross-site POST', async () => expectError(await post('/.latchkey/auth/register/options', '{}', { origin: 'https://evil.example' }), 403, 'origin_mismatch'));
  it('a POST marked cross-site by the browser', async () => expectError(await post('/.latchkey/auth/login/options', '{}', { 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request'));
  it('a ceremony POST with no Origin', async () => {
    const r = await rawRequest(s.remotePort, { method: 'POST', path: '/.latchkey/auth/login/options', body: '{}', headers: { host: 'box.alice.ts.net', 'content-type': 'application/json' } });
    expectError(r, 403, 'origin_required');
  });
  it('a forged session cookie', async () => {
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'x' }).setSubject(DEVICE.id).setAudience(BOX)
      .setIssuer('latchkey').setIssuedAt().setExpirationTime('1h').sign(new Uint8Array(32));
    const r = await whoamiWith(forged);
    expectError(r, 401, 'auth_required');
    assert.equal(r.body.reason, 'session_invalid');
    assert.match(String(r.headers['set-cookie']), /__Host-lk_session=;/, 'the bad cookie is cleared');
  });
  it('an unsigned (alg none) session cookie', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: DEVICE.id, aud: BOX, iss: 'latchkey', iat: 1, exp: 9e9 })).toString('base64url');
    expectError(await whoamiWith(`${header}.${payload}.`), 401, 'auth_required');
  });
  it('a session cookie for another origin', async () => {
    const token = await s.lk.services.sessions.issue(DEVICE.id, 'https://other.example.test');
    const r = await whoamiWith(token);
    expectError(r, 401, 'auth_required');
    assert.equal(r.body.reason, 'session_wrong_origin');
  });
  it('an expired session cookie, while a fresh one works and is refreshed after an hour', async () => {
    const token = await s.lk.services.sessions.issue(DEVICE.id, BOX);
    const ok = await whoamiWith(token);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.device.id, DEVICE.id);
    assert.equal(ok.headers['set-cookie'], undefined, 'no refresh needed yet');
    s.clock.advance(2 * 3600_000);
    const refreshed = await whoamiWith(token);
    assert.equal(refreshed.status, 200);
    assert.match(String(refreshed.headers['set-cookie']), /__Host-lk_session=ey.*Max-Age=86400.*HttpOnly.*Secure.*SameSite=Lax/);
    s.clock.advance(23 * 3600_000);
    const r = await whoamiWith(token);
    expectError(r, 401, 'auth_required');
    assert.equal(r.body.reason, 'session_expired');
  });
  it('unknown ids and bad origins on the local API', async () => {
    expectError(await s.api('POST', '/.latchkey/api/devices/req_nope/approve', { code: '47' }), 404, 'pending_not_found');
    expectError(await s.api('POST', '/.latchkey/api/devices/req_nope/approve'), 400, 'invalid_request');
    expectError(await s.api('POST', '/.latchkey/api/devices/req_nope/approve', { code: '4' }), 400, 'invalid_request');
    expectError(await s.api('POST', '/.latchkey/api/devices/pending/approve', { code: '47' }), 404, 'no_pending_with_code');
    expectError(await s.api('POST', '/.latchkey/api/devices/req_nope/deny'), 404, 'pending_not_found');
    expectError(await s.api('DELETE', '/.latchkey/api/devices/dev_nope'), 404, 'device_not_found');
    expectError(await s.api('POST', '/.latchkey/api/devices/..%2F..%2Fetc/approve', { code: '47' }), 400, 'invalid_request');
    expectError(await s.api('POST', '/.latchkey/api/origins', { origin: 'http://box.example' }), 400, 'invalid_origin');
    expectError(await s.api('POST', '/.latchkey/api/origins', { origin: 'https://10.0.0.1' }), 400, 'invalid_origin');
    expectError(await s.api('POST', '/.latchkey/api/origins', { origin: 'https://box.example/path' }), 400, 'invalid_origin');
    expectError(await s.api('POST', '/.latchkey/api/origins/remove', { origin: 'https://never.example' }), 404, 'origin_not_found');
  });
  it('an unknown path', async () => expectError(await rawRequest(s.remotePort, { path: '/nope', headers: { host: 'box.alice.ts.net' } }), 404, 'not_found'));
});

describe('rate limits', () => {
  it('limits passkey ceremony attempts per client IP, and says so clearly', async () => {
    const s = await startServer({ config: { public_origins: [BOX] }, limits: { ceremoniesPerMinute: 5, pairingsPer10Minutes: 1000, remotePerMinute: 1000 } });
    try {
      const attempt = (ip: string) => rawRequest(s.remotePort, {
        method: 'POST', path: '/.latchkey/auth/register/verify',
        headers: { host: 'box.alice.ts.net', origin: BOX, 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ ceremony_id: 'x', name: 'x', response: { id: 'a', rawId: 'a', type: 'public-key', response: {} } }),
      });
      for (let i = 0; i < 5; i++) assert.equal((await attempt('203.0.113.5')).status, 400);
      const limited = await attempt('203.0.113.5');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error, 'rate_limited');
      // Another client is not affected.
      assert.equal((await attempt('203.0.113.6')).status, 400);
    } finally {
      await s.close();
    }
  });

  it('pairing requests: checked before a passkey is made, a cancel or a wrong pick gives one back, a deny does not; the refusal names the minutes and why, and is in Activity', async () => {
    const s = await startServer({ config: { public_origins: [BOX] }, limits: { ceremoniesPerMinute: 1000, pairingsPer10Minutes: 2, remotePerMinute: 1000 } });
    try {
      const phone = softBrowser(s.remotePort, { ip: '203.0.113.5' });
      const ask = async () => {
        const r = await phone.pair('Pixel 8');
        assert.deepEqual([r.status, r.body.status], [200, 'pending'], JSON.stringify(r.body));
        return r.body.request as { id: string; code: string };
      };
      // Cancelled by the phone itself, five times over: never counted.
      for (let i = 0; i < 5; i++) {
        await ask();
        assert.equal((await phone.send('POST', '/.latchkey/auth/pairing/cancel')).status, 200);
      }
      // A wrong pick on the computer denies, and gives the pairing back.
      for (let i = 0; i < 3; i++) {
        const req = await ask();
        const wrong = req.code === '10' ? '11' : '10';
        assert.equal((await s.api('POST', `/.latchkey/api/devices/${req.id}/approve`, { code: wrong })).status, 409);
      }
      // Two plain denials use the budget up.
      for (let i = 0; i < 2; i++) assert.equal((await s.api('POST', `/.latchkey/api/devices/${(await ask()).id}/deny`)).status, 200);
      // The next one is refused at options: before the browser is asked to make a passkey.
      const refused = await phone.send('POST', '/.latchkey/auth/register/options', {});
      assert.deepEqual([refused.status, refused.body.error], [429, 'too_many_pairings']);
      assert.match(refused.body.message, /^This device asked to pair 2 times in 10 minutes, .* Try again in (9|10) minutes\. A request you cancelled, or one denied because the wrong code was picked, does not count\.$/);
      assert.ok(Number(refused.headers['retry-after']) > 500);
      const audit = readFileSync(join(s.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(audit.some((e) => e.reason === 'too_many_pairings' && e.ip === '203.0.113.5'), 'the refusal is in Activity');
      // Another client is not affected.
      assert.equal((await softBrowser(s.remotePort, { ip: '203.0.113.6' }).pair('Other')).body.status, 'pending');
    } finally {
      await s.close();
    }
  });
});

