import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfig } from '../../src-server/config/loadConfig.ts';
import { createPendingRegistry } from '../../src-server/devices/createPendingRegistry.ts';
import { describeUserAgent } from '../../src-server/devices/describeUserAgent.ts';
import { createSessionService } from '../../src-server/sessions/createSessionService.ts';
import { openSigningKeys } from '../../src-server/sessions/openSigningKeys.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import { createChallengeStore } from '../../src-server/webauthn/createChallengeStore.ts';
import { rpIdForHost } from '../../src-server/webauthn/rpIdForHost.ts';
import { tempHome } from '../helpers/startServer.ts';

describe('rpIdForHost', () => {
  it('collapses *.ts.net node names to the tailnet, keeps other hosts, and serves loopback as localhost', () => {
    assert.equal(rpIdForHost('box.alice.ts.net'), 'alice.ts.net');
    assert.equal(rpIdForHost('BOX.Alice.ts.net'), 'alice.ts.net');
    assert.equal(rpIdForHost('alice.ts.net'), 'alice.ts.net');
    assert.equal(rpIdForHost('latchkey.example.com'), 'latchkey.example.com');
    assert.equal(rpIdForHost('latchkey.example.com', 'example.com'), 'example.com');
    for (const h of ['localhost', '127.0.0.1', '[::1]']) assert.equal(rpIdForHost(h), 'localhost');
    assert.throws(() => rpIdForHost('192.168.1.4'), /cannot be an RP ID/);
  });
});

describe('checkConfig', () => {
  it('fills in the safe defaults', () => {
    assert.deepEqual(checkConfig({}), {
      require_auth: true, loopback_auth_bypass: true, grace: 'pair-only', public_origins: [], trusted_proxies: ['loopback'], apps: [], approve_from_devices: false, approve_new_agents: 'from_phone',
    });
  });
  it('normalises origins and accepts proxies as addresses, CIDRs and names', () => {
    const c = checkConfig({ public_origins: ['https://Box.Alice.ts.net/', 'https://box.alice.ts.net'], trusted_proxies: ['10.0.0.0/8', '::1', 'loopback'] });
    assert.deepEqual(c.public_origins, ['https://box.alice.ts.net']);
  });
  it('names the key it refuses', () => {
    assert.throws(() => checkConfig({ grace: 'everyone' }), /"grace" must be "pair-only" or "open"/);
    assert.throws(() => checkConfig({ loopback_auth_bypass: 1 }), /"loopback_auth_bypass"/);
    assert.throws(() => checkConfig({ public_origins: ['https://1.2.3.4'] }), /"public_origins\[0\]" .*IP address/);
    assert.throws(() => checkConfig({ trusted_proxies: ['10.0.0.0/33'] }), /"trusted_proxies\[0\]"/);
    assert.throws(() => checkConfig({ rp_id: '1.2.3.4' }), /"rp_id"/);
    assert.throws(() => checkConfig([]), /must hold a JSON object/);
  });
});

describe('pending registry', () => {
  const input = (name: string) => ({
    name, device_type: 'iPhone', browser: 'Safari 17', os: 'iOS 17.4', origin: 'https://box.alice.ts.net', rp_id: 'alice.ts.net',
    fingerprint: '0000 0000 0000 0000', ip: '203.0.113.1', device: {} as never,
  });

  const from = (ip: string, listener: 'local' | 'remote' = 'remote') => ({ ip, listener });

  it('gives distinct two-digit match codes that the approver\'s view never carries (it is typed off the device), caps at 5 per listener and 2 per client, and frees room when one expires', () => {
    const clock = createManualClock();
    const reg = createPendingRegistry(clock);
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { request, code } = reg.create(input(`p${i}`), from(`203.0.113.${i}`));
      codes.add(code);
      assert.ok(!('code' in request) && !('choices' in request), 'the approver\'s view carries neither the code nor a hint of it');
      assert.ok(!JSON.stringify(request).includes(`"${code}"`));
      assert.equal(reg.idForCode(code), request.id);
    }
    assert.equal(codes.size, 5);
    for (const code of codes) assert.match(code, /^\d{2}$/);
    assert.deepEqual(reg.list().map((p) => p.expires_in_s), [300, 300, 300, 300, 300], 'time left, on the server\'s clock');
    clock.advance(61_000);
    assert.equal(reg.list()[0]!.expires_in_s, 239);
    assert.throws(() => reg.create(input('sixth'), from('203.0.113.99')), (e: { code?: string; statusCode?: number }) => e.code === 'too_many_pending' && e.statusCode === 429);
    assert.ok(reg.create(input('at the computer'), from('127.0.0.1', 'local')).request.id, 'the local listener has its own room');
    clock.advance(5 * 60_000);
    assert.equal(reg.list().length, 0);
    reg.create(input('a'), from('198.51.100.1'));
    reg.create(input('b'), from('198.51.100.1'));
    assert.throws(() => reg.create(input('c'), from('198.51.100.1')), (e: { code?: string; statusCode?: number }) => e.code === 'too_many_pending_from_client' && e.statusCode === 429);
    assert.ok(reg.create(input('owner'), from('198.51.100.2')).request.id, 'another client still pairs');
  });

  it('tells only the requesting browser the outcome, and hands out an approval once', () => {
    const reg = createPendingRegistry(createManualClock());
    const events: string[] = [];
    reg.events.on('added', () => events.push('added'));
    reg.events.on('resolved', (e: { outcome: string }) => events.push(e.outcome));
    const { request, secret } = reg.create(input('phone'), from('203.0.113.1'));
    assert.equal(reg.statusFor('wrong-secret'), null);
    assert.equal(reg.statusFor(secret)?.status, 'pending');
    reg.claim(request.id, 'approved');
    assert.equal(reg.statusFor(secret)?.status, 'pending', 'still pending to the phone while the approval is written');
    reg.settle(request.id, 'dev_1');
    assert.deepEqual(reg.statusFor(secret), { status: 'approved', id: request.id, deviceId: 'dev_1' });
    assert.equal(reg.statusFor(secret), null, 'single use');
    assert.deepEqual(events, ['added', 'approved']);
    assert.ok(!('passkey' in reg.create(input('x'), from('203.0.113.1')).request), 'views never carry the key');
  });

  it('a decision is claimed once: later claims get 409 already_decided naming the winner, even before it settles', () => {
    const clock = createManualClock();
    const reg = createPendingRegistry(clock);
    const { request } = reg.create(input('phone'), from('203.0.113.1'));
    reg.claim(request.id, 'approved');
    assert.equal(reg.list().length, 0, 'no longer offered for a decision');
    const second = (d: 'approved' | 'denied') => assert.throws(() => reg.claim(request.id, d),
      (e: { code?: string; statusCode?: number; extra?: { outcome?: string } }) => e.code === 'already_decided' && e.statusCode === 409 && e.extra?.outcome === 'approved');
    second('denied');
    clock.advance(10 * 60_000);
    second('approved');
    reg.settle(request.id, 'dev_1');
    second('denied');
    assert.throws(() => reg.claim('req_unknown', 'denied'), (e: { code?: string }) => e.code === 'pending_not_found');
    const other = reg.create(input('other'), from('203.0.113.2')).request;
    reg.claim(other.id, 'approved');
    reg.release(other.id);
    assert.equal(reg.list().length, 1, 'a released claim waits again');
    assert.doesNotThrow(() => reg.claim(other.id, 'denied'));
  });
});

describe('challenge store', () => {
  it('is single-use, bound to kind and origin, and expires after 5 minutes', () => {
    const clock = createManualClock();
    const store = createChallengeStore(clock);
    const o = 'https://box.alice.ts.net';
    const id = store.put({ kind: 'register', challenge: 'c', origin: o, rpId: 'alice.ts.net' });
    assert.deepEqual(store.take(id, 'register', o).ok, true);
    assert.deepEqual(store.take(id, 'register', o), { ok: false, reason: 'challenge_unknown' });
    const other = store.put({ kind: 'register', challenge: 'c', origin: o, rpId: 'alice.ts.net' });
    assert.equal(store.take(other, 'login', o).ok, false);
    const late = store.put({ kind: 'login', challenge: 'c', origin: o, rpId: 'alice.ts.net' });
    clock.advance(5 * 60_000 + 1);
    assert.deepEqual(store.take(late, 'login', o), { ok: false, reason: 'challenge_expired' });
  });
});

describe('session keys', () => {
  it('a rotation logs nobody out; a second one retires the old key', async () => {
    const clock = createManualClock();
    const keys = await openSigningKeys(tempHome(), clock);
    const sessions = createSessionService(keys, clock);
    const o = 'https://box.alice.ts.net';
    const token = await sessions.issue('dev_1', o);
    await keys.rotate();
    sessions.clearCache();
    assert.equal((await sessions.check(token, o)).ok, true, 'previous key still verifies');
    await keys.rotate();
    sessions.clearCache();
    assert.deepEqual(await sessions.check(token, o), { ok: false, reason: 'session_invalid' });
  });
});

describe('describeUserAgent', () => {
  it('guesses the default device names', () => {
    const cases: Array<[string, string]> = [
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'iPhone'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Mac'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', 'Windows PC'],
      ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36', 'Android phone'],
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', 'Linux PC'],
    ];
    for (const [ua, expected] of cases) assert.equal(describeUserAgent(ua).device_type, expected, ua);
    assert.equal(describeUserAgent(cases[0]![0]).browser, 'Mobile Safari 17');
  });
});
