import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const DAY = 86_400_000;
const BOX = 'https://box.alice.ts.net';

describe('bearer tokens and API keys against running listeners', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX] } });
  });
  after(() => s.close());

  /** A request as a script sends it: no cookie, no Origin, just the bearer header. */
  const bearer = (token: string, path = '/.latchkey/api/whoami', method = 'GET', body?: unknown) => fetch(`${s.local}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() as any }));
  const createKey = async (body: Record<string, unknown>) => {
    const r = await s.api('POST', '/.latchkey/api/keys', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { key: any; secret: string };
  };
  const tokensFile = () => readFileSync(join(s.home, 'tokens.json'), 'utf8');
  const audit = () => readFileSync(join(s.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

  it('a key is shown once, stored only as a SHA-256 hash in a 0600 file, and works on both listeners without Origin', async () => {
    const { key, secret } = await createKey({ name: 'backup script', scopes: ['api:read'] });
    assert.match(secret, /^lk_sk_/);
    assert.equal(key.scopes.join(), 'api:read');
    assert.equal(key.status, 'active');
    assert.equal(Math.round((Date.parse(key.expires_at) - Date.parse(key.created_at)) / DAY), 365, 'default life is one year');
    assert.ok(!tokensFile().includes(secret), 'the secret is not on disk');
    assert.ok(!tokensFile().includes(secret.slice(-43)), 'not even its random part');
    assert.equal(statSync(join(s.home, 'tokens.json')).mode & 0o777, 0o600);
    assert.equal((await s.api('GET', '/.latchkey/api/keys')).body.keys.find((k: any) => k.id === key.id).secret, undefined, 'never listed again');

    const me = await bearer(secret);
    assert.equal(me.status, 200);
    assert.equal(me.body.via, 'token');
    assert.equal(me.body.token.id, key.id);

    const remote = await rawRequest(s.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', authorization: `Bearer ${secret}` } });
    assert.equal(remote.status, 200, 'the tunnel side accepts the bearer token too');
    assert.equal(remote.body.token.id, key.id);
    const noToken = await rawRequest(s.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https' } });
    assert.equal(noToken.status, 401);
  });

  it('scopes are checked on every request; a 403 names the missing scope; path: narrows', async () => {
    const { secret } = await createKey({ name: 'reader', scopes: ['devices:read'] });
    assert.equal((await bearer(secret, '/.latchkey/api/devices')).status, 200);
    const write = await bearer(secret, '/.latchkey/api/devices/dev_x', 'DELETE');
    assert.equal(write.status, 403);
    assert.equal(write.body.error, 'insufficient_scope');
    assert.equal(write.body.required_scope, 'devices:write');
    assert.match(write.headers.get('www-authenticate')!, /insufficient_scope.*devices:write/);
    const keys = await bearer(secret, '/.latchkey/api/keys');
    assert.deepEqual([keys.status, keys.body.required_scope], [403, 'keys:read']);

    const narrowed = await createKey({ name: 'devices only', scopes: ['api:read', 'path:/api/devices'] });
    assert.equal((await bearer(narrowed.secret, '/.latchkey/api/devices')).status, 200);
    assert.equal((await bearer(narrowed.secret, '/.latchkey/api/devices/pending')).status, 200);
    const outside = await bearer(narrowed.secret, '/.latchkey/api/keys');
    assert.deepEqual([outside.status, outside.body.required_scope], [403, 'path:/api/keys']);
    assert.equal((await bearer(narrowed.secret, '/.latchkey/api/whoami')).status, 200, 'whoami answers any valid token');
  });

  it('a token cannot mint a key broader than itself', async () => {
    const { secret } = await createKey({ name: 'key admin', scopes: ['keys:write'] });
    const broader = await bearer(secret, '/.latchkey/api/keys', 'POST', { name: 'escalate', scopes: ['api:write'] });
    assert.deepEqual([broader.status, broader.body.error, broader.body.required_scope], [403, 'insufficient_scope', 'api:write']);
    const same = await bearer(secret, '/.latchkey/api/keys', 'POST', { name: 'sibling', scopes: ['keys:read'] });
    assert.equal(same.status, 200);
  });

  it('expiry: no warning at first, a Warning header 25 days before, then 401 token_expired; keys list marks it', async () => {
    const { key, secret } = await createKey({ name: 'monthly', scopes: ['api:read'], expires_in: '30d' });
    const fresh = await bearer(secret);
    assert.equal(fresh.headers.get('warning'), null);
    s.clock.advance(6 * DAY);
    const soon = await bearer(secret);
    assert.equal(soon.status, 200);
    assert.match(soon.headers.get('warning')!, new RegExp(`^299 latchkey ".*${key.id} expires in 24 days.*latchkey keys rotate ${key.id}"$`));
    assert.equal(soon.headers.get('latchkey-token-expires'), key.expires_at);
    assert.equal((await s.api('GET', '/.latchkey/api/keys')).body.keys.find((k: any) => k.id === key.id).status, 'expiring');
    s.clock.advance(25 * DAY);
    const expired = await bearer(secret);
    assert.deepEqual([expired.status, expired.body.error, expired.body.reason], [401, 'invalid_token', 'token_expired']);
    assert.equal((await s.api('GET', '/.latchkey/api/keys')).body.keys.find((k: any) => k.id === key.id), undefined, 'expired keys leave the default list');
    assert.equal((await s.api('GET', '/.latchkey/api/keys?all=1')).body.keys.find((k: any) => k.id === key.id).status, 'expired');
  });

  it('rotation: new secret at once, the old one for the chosen grace, then refused; grace 0 cuts it at once', async () => {
    const { key, secret: old } = await createKey({ name: 'rotating', scopes: ['api:read'] });
    const rotated = await s.api('POST', `/.latchkey/api/keys/${key.id}/rotate`, { grace: '1h' });
    assert.equal(rotated.status, 200);
    const fresh = rotated.body.secret as string;
    assert.notEqual(fresh, old);
    assert.equal(Date.parse(rotated.body.previous_valid_until) - s.clock.now(), 3600_000);
    assert.equal((await bearer(old)).status, 200, 'old secret inside the grace period');
    assert.equal((await bearer(fresh)).status, 200);
    s.clock.advance(2 * 3600_000);
    const late = await bearer(old);
    assert.deepEqual([late.status, late.body.reason], [401, 'token_expired']);
    assert.equal((await bearer(fresh)).status, 200);

    const again = await s.api('POST', `/.latchkey/api/keys/${key.id}/rotate`, { grace: '0' });
    assert.equal(again.body.previous_valid_until, null);
    assert.equal((await bearer(fresh)).status, 401, 'grace 0: the previous secret stops at once');
    assert.equal((await bearer(again.body.secret)).status, 200);
    assert.equal((await s.api('POST', `/.latchkey/api/keys/${key.id}/rotate`, {})).body.previous_valid_until !== null, true, 'default grace is 24 h');
  });

  it('revocation takes effect on the very next request, including a cached token', async () => {
    const { key, secret } = await createKey({ name: 'doomed', scopes: ['api:read'] });
    assert.equal((await bearer(secret)).status, 200);
    assert.equal((await s.api('DELETE', `/.latchkey/api/keys/${key.id}`)).status, 200);
    const r = await bearer(secret);
    assert.deepEqual([r.status, r.body.reason], [401, 'token_revoked']);
    assert.match(r.headers.get('www-authenticate')!, /invalid_token/);
  });

  it('keys made from a device session belong to it: revoking the device revokes them', async () => {
    await s.lk.services.store.add(testPasskey('dev_phone', { origin: s.local, rp_id: 'localhost', enrolled_via: 'local' }));
    const cookie = `lk_session=${await s.lk.services.sessions.issue('dev_phone', s.local)}`;
    const made = await fetch(`${s.local}/.latchkey/api/keys`, {
      method: 'POST', headers: { cookie, origin: s.local, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from phone' }),
    }).then((r) => r.json() as Promise<any>);
    assert.equal(made.key.device_id, 'dev_phone');
    assert.equal((await bearer(made.secret)).body.device.id, 'dev_phone');
    assert.equal((await s.api('DELETE', '/.latchkey/api/devices/dev_phone')).status, 200);
    const r = await bearer(made.secret);
    assert.deepEqual([r.status, r.body.reason], [401, 'device_revoked']);
    const stored = JSON.parse(tokensFile()).tokens.find((t: any) => t.id === made.key.id);
    assert.equal(stored.revoked_reason, 'device_revoked', 'persisted, so pairing the device again does not revive it');
    assert.ok(audit().some((e) => e.method === 'revoke' && e.device_id === 'dev_phone' && e.token_ids.includes(made.key.id)));
  });

  it('bad Authorization headers and unknown tokens get a coded 4xx, never the loopback bypass, and change nothing', async () => {
    const { secret } = await createKey({ name: 'shape', scopes: ['api:read'] });
    const before = tokensFile();
    const unknown = `${secret.slice(0, 6)}000000000000_${secret.slice(-43)}`;
    const cases: Array<[string, number, string]> = [
      ['Bearer', 400, 'malformed_authorization'],
      ['Bearer ', 400, 'malformed_authorization'],
      ['Basic dXNlcjpwYXNz', 400, 'malformed_authorization'],
      [`Bearer ${secret} extra`, 400, 'malformed_authorization'],
      ['Bearer lk_sk_short', 400, 'malformed_authorization'],
      [`Bearer ${'x'.repeat(5000)}`, 400, 'malformed_authorization'],
      [secret, 400, 'malformed_authorization'],
      [`Bearer ${unknown}`, 401, 'invalid_token'],
      [`Bearer ${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, 401, 'invalid_token'],
    ];
    for (const [header, status, code] of cases) {
      const r = await rawRequest(s.localPort, { path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}`, authorization: header } });
      assert.equal(r.status, status, header.slice(0, 40));
      assert.equal(r.body.error, code, header.slice(0, 40));
      assert.ok(r.body.message.length > 10);
    }
    assert.equal(tokensFile(), before);
    // The first refusal per client per minute is a line of its own; repeats are folded into one line with a count.
    s.lk.services.audit.flush();
    const unknownLines = audit().filter((e) => e.method === 'token' && e.reason === 'token_unknown');
    assert.ok(unknownLines.some((e) => e.token_id === 'key_000000000000') || unknownLines.some((e) => e.folded === true && e.count >= 1), 'the refused id is audited');
    assert.ok(audit().some((e) => e.method === 'token' && e.reason === 'malformed_authorization'));
  });

  it('bad key requests are refused with the field named, and store nothing', async () => {
    const before = tokensFile();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/.latchkey/api/keys', { name: 'x', scopes: ['root'] }, 400, 'unknown_scope'],
      ['POST', '/.latchkey/api/keys', { name: 'x', scopes: ['path:/api/devices'] }, 400, 'scope_grants_nothing'],
      ['POST', '/.latchkey/api/keys', { name: 'x', expires_in: '2y' }, 400, 'duration_out_of_range'],
      ['POST', '/.latchkey/api/keys', { name: 'x', expires_in: '5m' }, 400, 'duration_out_of_range'],
      ['POST', '/.latchkey/api/keys', { name: 'x', expires_in: 'whenever' }, 400, 'invalid_duration'],
      ['POST', '/.latchkey/api/keys', { name: 'bad\u0007name' }, 400, 'invalid_text'],
      ['POST', '/.latchkey/api/keys', { name: 'bad\u2067name' }, 400, 'invalid_text'],
      ['POST', '/.latchkey/api/keys', { name: 'x', admin: true }, 400, 'invalid_request'],
      ['POST', '/.latchkey/api/keys', { scopes: ['api:read'] }, 400, 'invalid_request'],
      ['POST', '/.latchkey/api/keys/key_000000000000/rotate', {}, 404, 'token_not_found'],
      ['DELETE', '/.latchkey/api/keys/key_000000000000', undefined, 404, 'token_not_found'],
      ['DELETE', '/.latchkey/api/keys/..%2F..', undefined, 400, 'invalid_request'],
      ['DELETE', '/.latchkey/api/tokens/current', undefined, 400, 'not_a_token'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await s.api(method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(r.body.error, code, `${method} ${path} ${JSON.stringify(body)}`);
    }
    const { key } = await createKey({ name: 'rotate-me', scopes: ['api:read'] });
    const grace = await s.api('POST', `/.latchkey/api/keys/${key.id}/rotate`, { grace: '31d' });
    assert.deepEqual([grace.status, grace.body.error], [400, 'duration_out_of_range']);
    assert.match(grace.body.message, /^grace:/);
    assert.equal(JSON.parse(tokensFile()).tokens.length, JSON.parse(before).tokens.length + 1, 'only the one good key was added');
  });

  it('every use is audited with the token id and status; no secret or hash ever reaches the audit file', async () => {
    const { key, secret } = await createKey({ name: 'audited', scopes: ['devices:read'] });
    for (let i = 0; i < 7; i++) await bearer(secret, '/.latchkey/api/devices');
    await bearer(secret, '/.latchkey/api/keys');
    s.lk.services.audit.flush();
    const uses = audit().filter((e) => e.token_id === key.id && e.method === 'token');
    // Identical uses inside one 200 ms window share a line with a count; every use is counted.
    const count = (http: string, status: number, outcome: string) => uses
      .filter((e) => e.http === http && e.status === status && e.outcome === outcome && e.ip === '127.0.0.1' && e.origin === s.local)
      .reduce((n, e) => n + e.count, 0);
    assert.equal(count('GET /.latchkey/api/devices', 200, 'success'), 7);
    assert.equal(count('GET /.latchkey/api/keys', 403, 'failure'), 1);
    assert.equal(uses.reduce((n, e) => n + e.count, 0), 8);
    assert.ok(audit().some((e) => e.method === 'key-create' && e.token_id === key.id));
    const raw = readFileSync(join(s.home, 'audit.jsonl'), 'utf8');
    assert.ok(!raw.includes(secret.slice(-43)));
    for (const t of JSON.parse(tokensFile()).tokens) assert.ok(!raw.includes(t.hash), 'no hash in the audit');
  });
});

describe('CLI login endpoints refuse bad input with OAuth error codes', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ cliLoginIntervalSeconds: 5 });
  });
  after(() => s.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${s.local}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
  const good = { redirect_uri: 'http://127.0.0.1:5000/callback', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', state: 'state-123', client_host: 'laptop' };

  it('authorize: only S256 PKCE and an IP-loopback http redirect with a port (RFC 8252 §7.3, §8.3)', async () => {
    assert.equal((await post('/.latchkey/auth/cli/authorize', good)).status, 200);
    assert.equal((await post('/.latchkey/auth/cli/authorize', { ...good, redirect_uri: 'http://[::1]:5000/cb' })).status, 200);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ redirect_uri: 'http://localhost:5000/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'https://127.0.0.1:5000/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'http://127.0.0.1/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'http://evil.example:5000/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'http://user@127.0.0.1:5000/callback' }, 'invalid_redirect_uri'],
      [{ redirect_uri: 'not a url' }, 'invalid_redirect_uri'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ state: 'x' }, 'invalid_request'],
      [{ client_host: 'a\u0000b' }, 'invalid_text'],
      [{ client_host: 'laptop\u202e' }, 'invalid_text'],
      [{ scopes: ['root'] }, 'unknown_scope'],
      [{ extra: 1 }, 'invalid_request'],
    ];
    for (const [change, code] of cases) {
      const r = await post('/.latchkey/auth/cli/authorize', { ...good, ...change });
      assert.equal(r.status, 400, JSON.stringify(change));
      assert.equal(r.body.error, code, JSON.stringify(change));
    }
    const crossSite = await post('/.latchkey/auth/cli/authorize', good, { 'sec-fetch-site': 'cross-site' });
    assert.deepEqual([crossSite.status, crossSite.body.error], [403, 'cross_site_request']);
  });

  it('token endpoint: unsupported grants, missing fields, unknown codes, malformed bodies; form encoding works', async () => {
    const device = 'urn:ietf:params:oauth:grant-type:device_code';
    const cases: Array<[unknown, string]> = [
      [{ grant_type: 'password', code: 'x' }, 'unsupported_grant_type'],
      [{ grant_type: 'authorization_code', code: 'x' }, 'invalid_request'],
      [{ grant_type: 'authorization_code', code: 'x', code_verifier: 'y', redirect_uri: 'http://127.0.0.1:1/' }, 'invalid_grant'],
      [{ grant_type: device }, 'invalid_request'],
      [{ grant_type: device, device_code: 'nope' }, 'invalid_grant'],
      ['{"grant_type":', 'malformed_json'],
      [{}, 'invalid_request'],
    ];
    for (const [body, code] of cases) {
      const r = await post('/.latchkey/auth/token', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, code, JSON.stringify(body));
    }
    const form = await fetch(`${s.local}/.latchkey/auth/device/code`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_host=ssh-box&scope=api%3Aread+devices%3Aread',
    }).then((r) => r.json() as Promise<any>);
    assert.match(form.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(form.interval, 5);
    const first = await post('/.latchkey/auth/token', { grant_type: device, device_code: form.device_code });
    assert.equal(first.body.error, 'authorization_pending');
    const second = await post('/.latchkey/auth/token', { grant_type: device, device_code: form.device_code });
    assert.deepEqual([second.body.error, second.body.interval], ['slow_down', 10], 'RFC 8628 §3.5: +5 s on slow_down');
    const info = await fetch(`${s.local}/.latchkey/auth/cli/request?user_code=${form.user_code}`).then((r) => r.json() as Promise<any>);
    assert.deepEqual(info.login.scopes, ['api:read', 'devices:read']);
    assert.equal(info.login.client_host, 'ssh-box');
    assert.equal(info.login.device_code, undefined, 'the page never sees the device code');

    // Deny needs the owner's trusted passkey, like Allow (decisions.test.ts covers the refusals).
    const owner = softBrowser(s.localPort, { local: true });
    assert.equal((await owner.pair('Laptop')).body.status, 'trusted');
    const denyWithPasskey = async () => {
      const options = await owner.send('POST', '/.latchkey/auth/cli/approve/options', { request_id: info.login.id });
      if (options.status !== 200) return options;
      const response = owner.passkey.assert({ origin: owner.origin, rpId: owner.rpId, challenge: options.body.options.challenge });
      return owner.send('POST', '/.latchkey/auth/cli/deny', { request_id: info.login.id, ceremony_id: options.body.ceremony_id, response });
    };
    assert.equal((await denyWithPasskey()).body.status, 'denied');
    const again = await denyWithPasskey();
    assert.deepEqual([again.status, again.body.error, again.body.outcome], [409, 'already_decided', 'denied']);
    s.clock.advance(10_000);
    assert.equal((await post('/.latchkey/auth/token', { grant_type: device, device_code: form.device_code })).body.error, 'access_denied');
  });

  it('page endpoints: unknown ids and codes are 404, browser calls need Origin, and outstanding logins are bounded', async () => {
    assert.equal((await fetch(`${s.local}/.latchkey/auth/cli/request?id=nope`)).status, 404);
    const byCode = await fetch(`${s.local}/.latchkey/auth/cli/request?user_code=ZZZZ-ZZZZ`).then(async (r) => [r.status, (await r.json() as any).error]);
    assert.deepEqual(byCode, [404, 'login_not_found']);
    const noOrigin = await post('/.latchkey/auth/cli/approve/options', { request_id: 'x' });
    assert.deepEqual([noOrigin.status, noOrigin.body.error], [403, 'origin_required']);
    const unknown = await post('/.latchkey/auth/cli/approve/options', { request_id: 'x' }, { origin: s.local });
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'login_not_found']);

    let refused = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const r = await post('/.latchkey/auth/device/code', { client_host: `flood-${i}` });
      if (r.status !== 200) refused = r;
    }
    assert.deepEqual([refused?.status, refused?.body.error], [429, 'too_many_logins_from_client'], 'one client reaches its own cap first');
  });
});
