import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';
import { rawRequest } from '../helpers/rawRequest.ts';

const DAY = 86_400_000;
const BOX = 'https://box.alice.ts.net';

/** Review findings 1, 2 and 11: no key operation hands a caller more than it holds or owns. */
describe('key rotation and revocation obey the same rules as creation', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX] } });
    await s.lk.services.store.add(testPasskey('dev_phone'));
    await s.lk.services.store.add(testPasskey('dev_other', { credential_id: 'cred_other' }));
    // Both phones confirmed with their passkeys just now: these tests are about whose key it is (the step-up has its own).
    s.lk.services.stepUps.mark('dev_phone');
    s.lk.services.stepUps.mark('dev_other');
  });
  after(() => s.close());

  // A phone's session comes through the tunnel (the remote listener); a token is used on the computer.
  const call = (auth: { bearer?: string; cookie?: string }, method: string, path: string, body?: unknown) => rawRequest(auth.cookie ? s.remotePort : s.localPort, {
    method, path,
    headers: {
      host: auth.cookie ? 'box.alice.ts.net' : `localhost:${s.localPort}`,
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie, origin: BOX } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const createKey = async (body: Record<string, unknown>, auth: { bearer?: string; cookie?: string } = {}) => {
    const r = auth.bearer || auth.cookie ? await call(auth, 'POST', '/.latchkey/api/keys', body) : await s.api('POST', '/.latchkey/api/keys', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { key: any; secret: string };
  };
  const phoneCookie = async (id = 'dev_phone') => `__Host-lk_session=${await s.lk.services.sessions.issue(id, BOX)}`;
  const tokensFile = () => readFileSync(join(s.home, 'tokens.json'), 'utf8');

  it('a keys:write key cannot rotate an api:write key to obtain its secret (403 insufficient_scope naming the scope)', async () => {
    const broad = await createKey({ name: 'deploy', scopes: ['api:write'] });
    const narrow = await createKey({ name: 'key admin', scopes: ['keys:write'] });
    const before = tokensFile();
    const r = await call({ bearer: narrow.secret }, 'POST', `/.latchkey/api/keys/${broad.key.id}/rotate`, { grace: '0' });
    assert.deepEqual([r.status, r.body.error, r.body.required_scope], [403, 'insufficient_scope', 'api:write']);
    assert.equal(r.body.secret, undefined);
    assert.equal(tokensFile(), before, 'nothing changed: the broad key keeps its secret');
    assert.equal((await call({ bearer: broad.secret }, 'GET', '/.latchkey/api/whoami')).status, 200);
  });

  it('a key narrowed to path:/api/keys cannot rotate an unnarrowed key either', async () => {
    const broad = await createKey({ name: 'reader', scopes: ['api:read'] });
    const pathOnly = await createKey({ name: 'keys path', scopes: ['api:write', 'path:/api/keys'] });
    const r = await call({ bearer: pathOnly.secret }, 'POST', `/.latchkey/api/keys/${broad.key.id}/rotate`, {});
    assert.deepEqual([r.status, r.body.error, r.body.required_scope], [403, 'insufficient_scope', 'path:/api/keys']);
    // Within its own reach it still works: a key it could have created itself.
    const own = await call({ bearer: pathOnly.secret }, 'POST', '/.latchkey/api/keys', { name: 'sub', scopes: ['keys:read', 'path:/api/keys'] });
    assert.equal(own.status, 200);
    assert.equal((await call({ bearer: pathOnly.secret }, 'POST', `/.latchkey/api/keys/${own.body.key.id}/rotate`, {})).status, 200);
  });

  it('a phone cannot rotate or revoke a key made on the computer, by session or by its own token', async () => {
    const computerKey = await createKey({ name: 'on the computer', scopes: ['api:read'] });
    const cookie = await phoneCookie();
    const before = tokensFile();
    const rotate = await call({ cookie }, 'POST', `/.latchkey/api/keys/${computerKey.key.id}/rotate`, { grace: '30d' });
    assert.deepEqual([rotate.status, rotate.body.error], [403, 'not_your_key']);
    assert.match(rotate.body.message, /made on the computer/);
    const revoke = await call({ cookie }, 'DELETE', `/.latchkey/api/keys/${computerKey.key.id}`);
    assert.deepEqual([revoke.status, revoke.body.error], [403, 'not_your_key']);
    assert.equal(tokensFile(), before, 'the refusals changed nothing');

    const phoneToken = await createKey({ name: 'phone script', scopes: ['api:write'] }, { cookie });
    assert.equal(phoneToken.key.device_id, 'dev_phone');
    const byToken = await call({ bearer: phoneToken.secret }, 'POST', `/.latchkey/api/keys/${computerKey.key.id}/rotate`, {});
    assert.deepEqual([byToken.status, byToken.body.error], [403, 'not_your_key']);
    assert.equal(JSON.parse(tokensFile()).tokens.find((t: any) => t.id === computerKey.key.id).rotated_at, null, 'the computer key was never rotated');
  });

  it('another device\'s key is off limits; a phone manages its own, and revoking the phone ends what it rotated', async () => {
    const otherKey = await createKey({ name: 'other phone', scopes: ['api:read'] }, { cookie: await phoneCookie('dev_other') });
    const cookie = await phoneCookie();
    const r = await call({ cookie }, 'POST', `/.latchkey/api/keys/${otherKey.key.id}/rotate`, {});
    assert.deepEqual([r.status, r.body.error], [403, 'not_your_key']);

    const own = await createKey({ name: 'mine', scopes: ['api:read'] }, { cookie });
    const rotated = await call({ cookie }, 'POST', `/.latchkey/api/keys/${own.key.id}/rotate`, { grace: '30d' });
    assert.equal(rotated.status, 200);
    assert.equal((await call({ bearer: rotated.body.secret }, 'GET', '/.latchkey/api/whoami')).status, 200);
    assert.equal((await s.api('DELETE', '/.latchkey/api/devices/dev_phone')).status, 200);
    const after = await call({ bearer: rotated.body.secret }, 'GET', '/.latchkey/api/whoami');
    assert.deepEqual([after.status, after.body.reason], [401, 'device_revoked']);
    assert.equal((await call({ bearer: own.secret }, 'GET', '/.latchkey/api/whoami')).status, 401, 'the grace secret too');
  });

  it('the computer may still rotate and revoke any key', async () => {
    const otherKey = await createKey({ name: 'other phone 2', scopes: ['api:read'] }, { cookie: await phoneCookie('dev_other') });
    assert.equal((await s.api('POST', `/.latchkey/api/keys/${otherKey.key.id}/rotate`, {})).status, 200);
    assert.equal((await s.api('DELETE', `/.latchkey/api/keys/${otherKey.key.id}`)).status, 200);
  });

  it('rotation never pushes a key\'s expiry past the one-year maximum', async () => {
    const { key } = await createKey({ name: 'long', scopes: ['api:read'] });
    // A record whose lifetime was stretched by hand (or by an older version) is still capped.
    s.lk.services.tokens.get(key.id).lifetime_ms = 10 * 365 * DAY;
    const r = await s.api('POST', `/.latchkey/api/keys/${key.id}/rotate`, {});
    assert.equal(r.status, 200);
    const life = Date.parse(r.body.key.expires_at) - s.clock.now();
    assert.ok(life <= 365.25 * DAY, `expires ${life / DAY} days out`);
    assert.ok(life >= 365 * DAY);
  });

  it('path: scopes with "." or ".." segments or encoded slashes are refused at creation', async () => {
    const before = tokensFile();
    for (const bad of ['path:/api/..', 'path:/api/keys/../devices', 'path:/api/./keys', 'path:/api/keys%2F..', 'path:/api/%2e%2e', 'path:/api//keys']) {
      const r = await s.api('POST', '/.latchkey/api/keys', { name: 'x', scopes: ['api:read', bad] });
      assert.equal(r.status, 400, bad);
      assert.ok(['invalid_path_scope'].includes(r.body.error), `${bad}: ${r.body.error}`);
      assert.equal(r.body.scope, bad);
    }
    assert.equal(tokensFile(), before);
    assert.equal((await s.api('POST', '/.latchkey/api/keys', { name: 'dotted ok', scopes: ['api:read', 'path:/api/v1.2'] })).status, 200, 'dots inside a segment are fine');
  });
});
