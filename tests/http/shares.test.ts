import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import type { ApprovedFromDevice } from '../../src-server/devices/decidePending.ts';

const BOX = 'https://box.alice.ts.net';
const ADMIN = 'https://admin.alice.ts.net';
const HOUR = 3600_000;
let clients = 0;

/** Shares over HTTP with software passkeys: the link's rules, the guest's reach, expiry, limits, and approvals from a phone. */
describe('sharing one app with a guest, and approving from a passkey device', () => {
  let s: TestServer;
  let rec: RecordingApp;
  let other: RecordingApp;
  before(async () => {
    rec = await startRecordingApp();
    other = await startRecordingApp();
    s = await startServer({
      config: {
        public_origins: [BOX, ADMIN], admin_origin: ADMIN, approve_from_devices: true,
        apps: [{ name: 'rec', upstream: rec.url, path: '/rec' }, { name: 'other', upstream: other.url, path: '/other' }, { name: 'vault', upstream: other.url, path: '/vault', shareable: false }],
      },
    });
  });
  after(async () => {
    await s?.close();
    await rec?.close();
    await other?.close();
  });

  const share = async (body: Record<string, unknown> = {}) => {
    const r = await s.api('POST', '/.latchkey/api/shares', { app: 'rec', name: 'Bob', from: 'Alice', ...body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { id: r.body.share.id as string, token: (r.body.link as string).split('#')[1]!, link: r.body.link as string };
  };
  /** A browser on the share's origin that pairs with the invitation's secret; returns the request and its code. */
  const guestPairs = async (token: string, guest = softBrowser(s.remotePort, { ip: `198.51.100.${++clients}` })) => {
    const options = await guest.send('POST', '/.latchkey/auth/register/options', {});
    const response = guest.passkey.register({ origin: guest.origin, rpId: guest.rpId, challenge: options.body.options.challenge });
    const r = await guest.send('POST', '/.latchkey/auth/register/verify', { ceremony_id: options.body.ceremony_id, name: 'Bob phone', response, share_token: token });
    return { guest, r };
  };
  const approveAtComputer = async (requestId: string) => {
    const r = await s.api('POST', `/.latchkey/api/devices/${requestId}/approve`, { code: s.lk.services.pending.codeOf(requestId) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.device.id as string;
  };

  it('bad input to a share is refused with a code, and nothing is stored', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ app: 'nope', name: 'Bob' }, 404, 'app_not_found'],
      [{ app: 'vault', name: 'Bob' }, 403, 'app_not_shareable'],
      [{ app: 'rec', name: 'Bob', expires_in: '1m' }, 400, 'duration_out_of_range'],
      [{ app: 'rec', name: 'Bob', expires_in: 'soon' }, 400, 'invalid_duration'],
      [{ app: 'rec', name: 'Bob\u0007' }, 400, 'invalid_text'],
      [{ app: 'rec', name: 'Bob', admin: true }, 400, 'invalid_request'],
      [{ app: 'REC!', name: 'Bob' }, 400, 'invalid_request'],
    ];
    for (const [body, status, error] of cases) {
      const r = await s.api('POST', '/.latchkey/api/shares', body);
      assert.deepEqual([r.status, r.body.error], [status, error], JSON.stringify(body));
    }
    // A token hands out only what it holds: shares:write without app:rec cannot share rec.
    const { token } = await s.lk.services.tokens.create({ kind: 'api_key', name: 't', scopes: ['shares:write'], lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: null });
    const res = await fetch(`${s.local}/.latchkey/api/shares`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ app: 'rec', name: 'Bob' }) });
    assert.deepEqual([res.status, (await res.json() as any).required_scope], [403, 'app:rec']);
    assert.equal(s.lk.services.shares.list().length, 0);
    // Unknown ids and malformed invitation secrets.
    assert.equal((await s.api('DELETE', '/.latchkey/api/shares/shr_nothing')).body.error, 'share_not_found');
    const stranger = softBrowser(s.remotePort, { ip: '198.51.100.250' });
    assert.equal((await stranger.send('POST', '/.latchkey/auth/share/inspect', { token: 'x'.repeat(43) })).body.error, 'share_link_unknown');
    assert.equal((await stranger.send('POST', '/.latchkey/auth/share/inspect', { token: 'short' })).status, 400);
  });

  it('the link pairs one browser: another browser, and the link once used, are refused; the guest reaches its app only', async () => {
    const { id, token, link } = await share({ expires_in: '2h' });
    assert.ok(link.startsWith(`${BOX}/.latchkey/share#`), 'the link opens on the app\'s origin, never the admin one');
    const peek = softBrowser(s.remotePort, { ip: '198.51.100.200' });
    const seen = await peek.send('POST', '/.latchkey/auth/share/inspect', { token });
    assert.deepEqual([seen.status, seen.body.app, seen.body.from, seen.body.name], [200, 'rec', 'Alice', 'Bob']);
    const onAdmin = softBrowser(s.remotePort, { host: 'admin.alice.ts.net' });
    assert.equal((await onAdmin.send('POST', '/.latchkey/auth/share/inspect', { token })).body.error, 'share_wrong_origin');

    const { guest, r } = await guestPairs(token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const pending = s.lk.services.pending.list().find((p) => p.id === r.body.request.id)!;
    assert.deepEqual(pending.guest, { share_id: id, app: 'rec', invited_as: 'Bob', from: 'Alice' });

    // The same link in a second browser: bound to the first, before and at pairing.
    assert.equal((await peek.send('POST', '/.latchkey/auth/share/inspect', { token })).body.error, 'share_link_used');
    const second = await guestPairs(token);
    assert.deepEqual([second.r.status, second.r.body.error], [409, 'share_link_used']);

    const deviceId = await approveAtComputer(r.body.request.id);
    assert.equal((await guest.send('GET', '/.latchkey/auth/pairing/status')).body.status, 'approved');
    assert.equal((await guest.send('POST', '/.latchkey/auth/share/inspect', { token })).body.error, 'share_link_used', 'spent once approved');

    const inApp = await guest.send('GET', '/rec/hello', undefined, { accept: 'application/json' });
    assert.equal(inApp.status, 200);
    const claims = decodeJwt(inApp.body.headers['latchkey-assertion']);
    assert.deepEqual([claims.sub, claims.role, claims.share, claims.aud], [deviceId, 'guest', id, 'rec']);
    const elsewhere = await guest.send('GET', '/other/', undefined, { accept: 'application/json' });
    assert.deepEqual([elsewhere.status, elsewhere.body.error], [403, 'guest_other_app']);
    assert.equal(other.seen.length, 0);
    const state = await guest.send('GET', '/.latchkey/auth/state');
    assert.deepEqual([state.body.principal, state.body.guest.app, state.body.guest.url], ['guest', 'rec', `${BOX}/rec`]);
    assert.deepEqual((await guest.send('GET', '/.latchkey/api/apps')).body.apps.map((a: any) => a.name), ['rec']);
    // Its passkey signs the guest in, and can never approve anything, even on the admin origin.
    const onAdminAsGuest = softBrowser(s.remotePort, { host: 'admin.alice.ts.net', passkey: guest.passkey, ip: '198.51.100.202' });
    assert.equal((await onAdminAsGuest.signIn()).status, 200);
    assert.equal((await onAdminAsGuest.send('GET', '/.latchkey/api/devices/pending')).body.error, 'local_only');
  });

  it('expiry and revocation: the next request is refused, a new sign-in too, and the page says the share ended', async () => {
    const a = await share({ expires_in: '1h' });
    const pa = await guestPairs(a.token);
    await approveAtComputer(pa.r.body.request.id);
    await pa.guest.send('GET', '/.latchkey/auth/pairing/status');
    assert.equal((await pa.guest.send('GET', '/rec/', undefined, { accept: 'application/json' })).status, 200);
    const b = await share({ expires_in: '1d' });
    const pb = await guestPairs(b.token);
    await approveAtComputer(pb.r.body.request.id);
    await pb.guest.send('GET', '/.latchkey/auth/pairing/status');

    // Revoked: refused at once.
    assert.equal((await s.api('DELETE', `/.latchkey/api/shares/${b.id}`)).status, 200);
    const revoked = await pb.guest.send('GET', '/rec/', undefined, { accept: 'application/json' });
    assert.deepEqual([revoked.status, revoked.body.reason], [401, 'share_ended']);
    const endedB = await pb.guest.send('GET', '/.latchkey/auth/state');
    assert.deepEqual([endedB.body.ended.reason, endedB.body.ended.status, endedB.body.ended.app], ['share_ended', 'revoked', 'rec']);

    // Expired: refused from the moment it ends, and signing in again does not bring it back.
    s.clock.advance(HOUR + 1000);
    const expired = await pa.guest.send('GET', '/rec/', undefined, { accept: 'text/html' });
    assert.equal(expired.status, 302);
    assert.match(String(expired.headers.location), /^\/\.latchkey\/signin/);
    assert.equal((await pa.guest.send('GET', '/.latchkey/auth/state')).body.ended.status, 'expired');
    const again = await pa.guest.signIn();
    assert.deepEqual([again.status, again.body.error], [410, 'share_ended']);
    const list = (await s.api('GET', '/.latchkey/api/shares')).body.shares;
    assert.deepEqual(list.filter((x: any) => [a.id, b.id].includes(x.id)).map((x: any) => x.status).sort(), ['expired', 'revoked']);
  });

  it('limits: an unused link expires in 24 hours, a guest pairs at most 2 devices, at most 20 shares are live', async () => {
    const unused = await share({ expires_in: '7d' });
    s.clock.advance(24 * HOUR + 1000);
    const peek = softBrowser(s.remotePort, { ip: '198.51.100.201' });
    assert.equal((await peek.send('POST', '/.latchkey/auth/share/inspect', { token: unused.token })).body.error, 'share_link_expired');

    const two = await share({ expires_in: '7d' });
    const first = await guestPairs(two.token);
    await approveAtComputer(first.r.body.request.id);
    const relinked = (await s.api('POST', `/.latchkey/api/shares/${two.id}/link`)).body;
    const secondLink = relinked.link.split('#')[1];
    assert.equal((await peek.send('POST', '/.latchkey/auth/share/inspect', { token: two.token })).body.error, 'share_link_unknown', 'the old link stops working');
    const second = await guestPairs(secondLink);
    await approveAtComputer(second.r.body.request.id);
    const third = await s.api('POST', `/.latchkey/api/shares/${two.id}/link`);
    assert.deepEqual([third.status, third.body.error], [409, 'guest_device_limit']);

    for (const x of s.lk.services.shares.list()) await s.api('DELETE', `/.latchkey/api/shares/${x.id}`);
    for (let i = 0; i < 20; i++) await share({ name: `Guest ${i}` });
    const over = await s.api('POST', '/.latchkey/api/shares', { app: 'rec', name: 'One more' });
    assert.deepEqual([over.status, over.body.error], [409, 'too_many_shares']);
    for (const x of s.lk.services.shares.list()) await s.api('DELETE', `/.latchkey/api/shares/${x.id}`);
  });

  it('approving from the owner\'s phone: the setting, a wrong code, a stale or foreign assertion, a fallback session; the computer is told', async () => {
    const phone = softBrowser(s.remotePort, { host: 'admin.alice.ts.net', ip: '198.51.100.210' });
    const paired = await phone.pair('Pixel 8');
    const phoneId = await approveAtComputer(paired.body.request.id);
    await phone.send('GET', '/.latchkey/auth/pairing/status');
    const waiting = async () => {
      const device = softBrowser(s.remotePort, { ip: `198.51.100.${++clients}` });
      const r = await device.pair('iPad');
      return r.body.request.id as string;
    };
    const assertionFor = async (requestId: string) => {
      const options = await phone.send('POST', '/.latchkey/auth/approve/options', { request_id: requestId });
      assert.equal(options.status, 200, JSON.stringify(options.body));
      return { ceremony_id: options.body.ceremony_id, response: phone.passkey.assert({ origin: phone.origin, rpId: phone.rpId, challenge: options.body.options.challenge }) };
    };
    const approve = (requestId: string, body: Record<string, unknown>) => phone.send('POST', `/.latchkey/api/devices/${requestId}/approve`, body);

    // Off: the phone is told approvals happen on the computer.
    s.lk.services.config.approve_from_devices = false;
    const off = await waiting();
    assert.deepEqual([(await approve(off, { code: '00' })).body.error, (await phone.send('GET', '/.latchkey/api/devices/pending')).body.error], ['local_only', 'local_only']);
    s.lk.services.config.approve_from_devices = true;
    assert.ok((await phone.send('GET', '/.latchkey/api/devices/pending')).body.pending.some((p: any) => p.id === off), 'on: the phone lists pending requests');

    // No assertion, then a wrong code with a good assertion (denies, stores nothing).
    assert.equal((await approve(off, { code: s.lk.services.pending.codeOf(off) })).body.error, 'approval_assertion_required');
    const code = s.lk.services.pending.codeOf(off)!;
    const wrong = await approve(off, { code: code === '11' ? '12' : '11', assertion: await assertionFor(off) });
    assert.deepEqual([wrong.status, wrong.body.error], [409, 'code_mismatch']);
    assert.equal(s.lk.services.store.list().some((d) => d.name === 'iPad'), false);

    // Stale: an assertion already used; foreign: made for another request; expired: older than its 5 minutes.
    const r2 = await waiting();
    const used = await assertionFor(r2);
    const r3 = await waiting();
    assert.equal((await approve(r2, { code: s.lk.services.pending.codeOf(r2), assertion: await assertionFor(r3) })).body.error, 'assertion_for_other_request');
    const ok = await approve(r2, { code: s.lk.services.pending.codeOf(r2), assertion: used });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await approve(r3, { code: s.lk.services.pending.codeOf(r3), assertion: used })).body.error, 'challenge_unknown', 'an assertion approves once');

    // A fallback session on the admin origin may never approve.
    await s.lk.services.store.add({
      kind: 'browser', id: 'dev_laptop', method: 'password', cookie_hash: '0'.repeat(64), name: 'Laptop', device_type: 'Linux PC',
      browser: 'Chrome', os: 'Linux', origin: ADMIN, rp_id: 'alice.ts.net', fingerprint: '0', created_at: new Date().toISOString(), last_used_at: null, enrolled_via: 'remote',
    });
    const laptop = softBrowser(s.remotePort, { host: 'admin.alice.ts.net', headers: { cookie: `__Host-lk_session=${await s.lk.services.sessions.issue('dev_laptop', ADMIN, { fallback: true })}` } });
    assert.deepEqual([(await laptop.send('POST', `/.latchkey/api/devices/${r3}/approve`, { code: '00' })).body.error, (await laptop.send('POST', '/.latchkey/auth/approve/options', { request_id: r3 })).body.error],
      ['fallback_limited', 'fallback_limited']);

    // The approval names the phone: on the device, in Activity, and to the computer.
    const told: ApprovedFromDevice[] = [];
    s.lk.services.pending.events.on('approved_from_device', (e: ApprovedFromDevice) => told.push(e));
    const late = await assertionFor(r3);
    assert.equal((await approve(r3, { code: s.lk.services.pending.codeOf(r3), assertion: late })).status, 200);
    assert.deepEqual(told.map((e) => e.approver.name), ['Pixel 8']);
    const approved = s.lk.services.store.list().filter((d) => d.approved_from?.id === phoneId);
    assert.equal(approved.length, 2);

    // An expired assertion.
    const r4 = await waiting();
    const stale = await assertionFor(r4);
    s.clock.advance(5 * 60_000 + 1000);
    assert.equal((await approve(r4, { code: '00', assertion: stale })).body.error, 'challenge_expired');

    // Revoking the phone leaves what it approved, and names those devices for review.
    const revoked = await s.api('DELETE', `/.latchkey/api/devices/${phoneId}`);
    assert.deepEqual(revoked.body.had_approved.map((d: any) => d.id).sort(), approved.map((d) => d.id).sort());
    assert.equal(s.lk.services.store.list().filter((d) => d.approved_from?.id === phoneId).length, 2);
  });
});
