import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { attachAccessRules } from '../../src-server/access/attachAccessRules.ts';
import { createStepUps } from '../../src-server/access/createStepUps.ts';
import type { Principal } from '../../src-server/access/Principal.ts';
import { ROUTE_RULES, type RouteRule } from '../../src-server/access/routeRules.ts';
import { DEFAULT_LIMITS } from '../../src-server/app/Services.ts';
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';
const ADMIN = 'https://admin.alice.ts.net';
const DESKTOP = 'd'.repeat(43);
// What a refusal by the access table answers with; anything else means the request got past it.
const ACCESS_CODES = new Set(['local_only', 'guest_limited', 'admin_not_here', 'auth_required', 'invalid_token', 'fallback_limited', 'owner_only', 'insufficient_scope', 'step_up_required']);

interface Caller {
  name: string;
  principal: Principal;
  listener: 'local' | 'remote';
  /** Whether an app is served on the origin this caller is on. */
  appOrigin: boolean;
  host: string;
  origin: string;
  headers: () => Promise<Record<string, string>>;
  /** For tokens: the scopes it holds. */
  scopes?: string[];
  stepped?: boolean;
  /** The caller's own device, for rows about "itself". */
  deviceId?: string;
}

/**
 * The expected answer, read from the row alone, in the order the README's table states:
 * a sign-in where one is needed, then listener, then origin (for credentials a browser attaches by itself), then who, then scope,
 * then the step-up. The server must agree with it over HTTP for every route and caller.
 */
function expected(rule: RouteRule, method: string, c: Caller, approvers = false): string | 'allowed' {
  if (c.principal === 'anonymous' && !rule.who.includes('anonymous')) return 'auth_required';
  // With approve_from_devices on, an approver row lets passkey devices (and, to refuse them by name, fallback browsers) through the tunnel.
  const approverHere = approvers && rule.approver === true && (c.principal === 'owner_device' || c.principal === 'fallback_browser');
  if (rule.listener === 'local' && c.listener !== 'local' && !approverHere) return 'local_only';
  if (c.principal === 'guest' && !rule.who.includes('guest')) return 'guest_limited';
  const ambient = c.principal !== 'token' && c.principal !== 'anonymous';
  if (rule.origin === 'admin' && c.appOrigin && ambient) return 'admin_not_here';
  if (!rule.who.includes(c.principal)) {
    return c.principal === 'anonymous' ? 'auth_required' : c.principal === 'fallback_browser' ? 'fallback_limited' : 'owner_only';
  }
  if (c.principal === 'token') {
    const scopes = c.scopes!;
    if (rule.tokenScope && !scopes.includes(rule.tokenScope)) return 'insufficient_scope';
    const feature = rule.scope === undefined ? 'api' : rule.scope;
    const write = method !== 'GET';
    const ok = feature === null || scopes.includes('api:write') || scopes.includes(`${feature}:write`) ||
      (!write && (scopes.includes('api:read') || scopes.includes(`${feature}:read`)));
    if (!ok) return 'insufficient_scope';
  }
  if (rule.own === 'device' && c.principal === 'fallback_browser') return 'fallback_limited';
  if (rule.stepUp && c.principal === 'owner_device' && !c.stepped) return 'step_up_required';
  return 'allowed';
}

/** One request that reads at most a little of the answer: event streams never end on their own. */
function call(port: number, method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; error: string | null }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      const done = () => {
        let error: string | null = null;
        try { error = JSON.parse(text).error ?? null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, error });
        res.destroy();
      };
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; if (text.length > 4096) done(); });
      res.on('end', done);
      if (String(res.headers['content-type']).startsWith('text/event-stream')) setTimeout(done, 50);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the access table, route by route, caller by caller, over HTTP', () => {
  let s: TestServer;
  let rec: RecordingApp;
  const callers: Caller[] = [];

  before(async () => {
    rec = await startRecordingApp();
    s = await startServer({
      config: { public_origins: [BOX, ADMIN], admin_origin: ADMIN, apps: [{ name: 'rec', upstream: rec.url, path: '/rec' }] },
      desktopSecret: DESKTOP,
      limits: { ceremoniesPerMinute: 100_000, pairingsPer10Minutes: 100_000, remotePerMinute: 1_000_000, unauthenticatedPerMinute: 1_000_000 },
    });
    const { store, sessions, tokens, stepUps } = s.lk.services;
    await store.add(testPasskey('dev_phone', { origin: ADMIN }));
    await store.add(testPasskey('dev_stepped', { origin: ADMIN, credential_id: 'cred_stepped' }));
    await store.add(testPasskey('dev_desk', { origin: s.local, rp_id: 'localhost', credential_id: 'cred_desk', enrolled_via: 'local' }));
    await store.add({
      kind: 'browser', id: 'dev_laptop', method: 'password', cookie_hash: '0'.repeat(64), name: 'Laptop', device_type: 'Linux PC',
      browser: 'Chrome', os: 'Linux', origin: ADMIN, rp_id: 'alice.ts.net', fingerprint: '0', created_at: new Date().toISOString(), last_used_at: null, enrolled_via: 'remote',
    });
    stepUps.mark('dev_stepped');
    // A guest of the app "rec": its passkey belongs to a live share.
    const { share } = await s.lk.services.shares.create({ app: 'rec', name: 'Bob', from: 'Alice', expiresInMs: 86_400_000, by: { via: 'loopback', deviceId: null } });
    await store.add(testPasskey('dev_guest', { origin: BOX, credential_id: 'cred_guest', share_id: share.id }));
    const session = (device: string, origin: string, fallback = false) => async () => {
      const name = origin.startsWith('https://') ? '__Host-lk_session' : 'lk_session';
      return { cookie: `${name}=${await sessions.issue(device, origin, { fallback })}` };
    };
    const token = (scopes: string[]) => async () => {
      const { token: secret } = await tokens.create({ kind: 'api_key', name: 't', scopes, lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: null });
      return { authorization: `Bearer ${secret}` };
    };
    const none = async () => ({});
    const local = `localhost:${s.localPort}`;
    const localIp = `127.0.0.1:${s.localPort}`;
    const add = (c: Omit<Caller, 'origin'>) => callers.push({ ...c, origin: c.listener === 'local' ? `http://${c.host}` : `https://${c.host}` });
    add({ name: 'anonymous on the app origin', principal: 'anonymous', listener: 'remote', appOrigin: true, host: 'box.alice.ts.net', headers: none });
    add({ name: 'anonymous on the admin origin', principal: 'anonymous', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: none });
    add({ name: 'phone on the admin origin', principal: 'owner_device', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: session('dev_phone', ADMIN), deviceId: 'dev_phone' });
    add({ name: 'phone after a step-up', principal: 'owner_device', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: session('dev_stepped', ADMIN), stepped: true, deviceId: 'dev_stepped' });
    add({ name: 'phone on the app origin', principal: 'owner_device', listener: 'remote', appOrigin: true, host: 'box.alice.ts.net', headers: session('dev_phone', BOX), deviceId: 'dev_phone' });
    add({ name: 'fallback browser on the admin origin', principal: 'fallback_browser', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: session('dev_laptop', ADMIN, true), deviceId: 'dev_laptop' });
    add({ name: 'fallback browser on the app origin', principal: 'fallback_browser', listener: 'remote', appOrigin: true, host: 'box.alice.ts.net', headers: session('dev_laptop', BOX, true), deviceId: 'dev_laptop' });
    add({ name: 'guest on the app origin', principal: 'guest', listener: 'remote', appOrigin: true, host: 'box.alice.ts.net', headers: session('dev_guest', BOX), deviceId: 'dev_guest' });
    add({ name: 'guest on the admin origin', principal: 'guest', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: session('dev_guest', ADMIN), deviceId: 'dev_guest' });
    add({ name: 'full token through the tunnel, on the app origin', principal: 'token', listener: 'remote', appOrigin: true, host: 'box.alice.ts.net', headers: token(['api:write', 'fallbacks:write']), scopes: ['api:write', 'fallbacks:write'] });
    add({ name: 'audit:read token through the tunnel', principal: 'token', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: token(['audit:read']), scopes: ['audit:read'] });
    add({ name: 'desktop secret through the tunnel', principal: 'anonymous', listener: 'remote', appOrigin: false, host: 'admin.alice.ts.net', headers: async () => ({ 'x-latchkey-desktop': DESKTOP }) });
    add({ name: 'the computer (loopback bypass)', principal: 'computer', listener: 'local', appOrigin: false, host: local, headers: none });
    add({ name: 'the computer (desktop secret)', principal: 'computer', listener: 'local', appOrigin: false, host: local, headers: async () => ({ 'x-latchkey-desktop': DESKTOP }) });
    add({ name: 'the computer (passkey session on localhost)', principal: 'computer', listener: 'local', appOrigin: false, host: local, headers: async () => ({ ...(await session('dev_desk', `http://${local}`)()), 'x-forwarded-for': '127.0.0.1' }) });
    add({ name: 'loopback bypass on the local app origin', principal: 'computer', listener: 'local', appOrigin: true, host: localIp, headers: none });
    add({ name: 'anonymous on the computer (a proxy in front)', principal: 'anonymous', listener: 'local', appOrigin: false, host: local, headers: async () => ({ 'x-forwarded-for': '127.0.0.1' }) });
    add({ name: 'full token on the computer', principal: 'token', listener: 'local', appOrigin: false, host: local, headers: token(['api:write', 'fallbacks:write']), scopes: ['api:write', 'fallbacks:write'] });
    add({ name: 'audit:read token on the computer', principal: 'token', listener: 'local', appOrigin: true, host: localIp, headers: token(['audit:read']), scopes: ['audit:read'] });
  });
  after(async () => {
    await s?.close();
    await rec?.close();
  });

  it('every row is a route the server serves, and every route it serves has a row', () => {
    for (const key of Object.keys(ROUTE_RULES)) {
      const [method, url] = key.split(' ') as [string, string];
      for (const listener of [s.lk.local, s.lk.remote]) {
        assert.ok(listener.hasRoute({ method: method as 'GET', url }), `${key} is in the table but not served`);
      }
    }
    // The other half: a route without a row cannot even be registered.
    const bare = Fastify();
    attachAccessRules(bare, { stepUps: createStepUps({ now: Date.now }), manageAt: () => null }, DEFAULT_LIMITS);
    assert.throws(() => bare.get('/.latchkey/api/new-feature', async () => ({})), /GET \/\.latchkey\/api\/new-feature has no row in the access table/);
  });

  for (const approvers of [false, true]) it(`allows and refuses exactly as each row says, for every caller on both listeners${approvers ? ', with approvals from devices on' : ''}`, async () => {
    s.lk.services.config.approve_from_devices = approvers;
    const mismatches: string[] = [];
    let checked = 0;
    let allowed = 0;
    for (const [key, rule] of Object.entries(ROUTE_RULES)) {
      // The second pass is about the rows the setting changes.
      if (approvers && !rule.approver) continue;
      const [method, pattern] = key.split(' ') as [string, string];
      for (const c of callers) {
        // Parameters name nothing real, so an allowed call ends in the handler's own 400 or 404, never a change.
        // (A device removing itself is its own test below: here :id is never the caller's.)
        const path = pattern.replace(/:[a-z]+/g, 'nothing_here');
        const headers: Record<string, string> = { host: c.host, ...(await c.headers()) };
        if (method !== 'GET' && c.principal !== 'token') headers.origin = c.origin;
        const want = expected(rule, method, c, approvers);
        const got = await call(c.listener === 'local' ? s.localPort : s.remotePort, method, path, headers);
        const verdict = got.error && ACCESS_CODES.has(got.error) ? got.error : 'allowed';
        const normalised = verdict === 'invalid_token' ? 'auth_required' : verdict;
        checked++;
        if (want === 'allowed') allowed++;
        if (normalised !== want) mismatches.push(`${key} as ${c.name}: expected ${want}, got ${got.status} ${got.error ?? ''}`);
        if (got.status >= 500) mismatches.push(`${key} as ${c.name}: ${got.status}`);
      }
    }
    assert.deepEqual(mismatches, []);
    // The table is not all-deny nor all-allow: both answers were exercised.
    if (approvers) assert.ok(allowed > 0 && checked - allowed > 0, `${allowed} allowed of ${checked}`);
    else assert.ok(allowed > 100 && checked - allowed > 300, `${allowed} allowed of ${checked}`);
    assert.equal(rec.seen.length, 0, 'no Latchkey route reached the app');
  });
});
