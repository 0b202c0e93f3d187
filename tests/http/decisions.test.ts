import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const BOX = 'https://box.alice.ts.net';

const auditOf = (s: TestServer) => readFileSync(join(s.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** Review finding 3: every decide-once path is atomic; the first decision wins and everyone agrees on it. */
describe('decisions are atomic: Approve and Deny race, parallel approvals, parallel code exchanges', () => {
  let s: TestServer;
  let clients = 0;
  before(async () => { s = await startServer({ config: { public_origins: [BOX] } }); });
  after(() => s.close());

  const pairedPhone = async () => {
    const phone = softBrowser(s.remotePort, { ip: `203.0.113.${++clients}` });
    const r = await phone.pair('Racing phone');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { phone, id: r.body.request.id as string };
  };

  it('Approve, then Deny while the approval is being written: Deny gets 409 already_decided (approved); audit, phone and store all say approved', async () => {
    const { phone, id } = await pairedPhone();
    const approve = s.api('POST', `/.latchkey/api/devices/${id}/approve`, { code: s.lk.services.pending.codeOf(id) });
    // The moment the Approve has claimed the request (it leaves the list), and not a fixed delay:
    // two HTTP requests on two connections are not guaranteed to be read in the order they were sent.
    while (s.lk.services.pending.list().some((p) => p.id === id)) await new Promise((r) => setImmediate(r));
    const deny = s.api('POST', `/.latchkey/api/devices/${id}/deny`);
    const [a, d] = await Promise.all([approve, deny]);
    assert.equal(a.status, 200);
    assert.deepEqual([d.status, d.body.error, d.body.outcome], [409, 'already_decided', 'approved']);
    const lines = auditOf(s).filter((e) => e.request_id === id);
    assert.deepEqual(lines.map((e) => e.method), ['passkey-register', 'approve'], 'no deny line');
    const status = await phone.send('GET', '/.latchkey/auth/pairing/status');
    assert.equal(status.body.status, 'approved');
    assert.equal((await phone.signIn()).body.status, 'signed_in');
  });

  it('Deny then Approve: Approve gets 409 already_decided (denied), nothing is stored, the phone is told denied', async () => {
    const { phone, id } = await pairedPhone();
    const before = readFileSync(join(s.home, 'trusted-passkeys.json'), 'utf8');
    const [d, a] = await Promise.all([s.api('POST', `/.latchkey/api/devices/${id}/deny`), s.api('POST', `/.latchkey/api/devices/${id}/approve`, { code: s.lk.services.pending.codeOf(id) })]);
    assert.equal(d.status, 200);
    assert.deepEqual([a.status, a.body.error, a.body.outcome], [409, 'already_decided', 'denied']);
    assert.equal(readFileSync(join(s.home, 'trusted-passkeys.json'), 'utf8'), before);
    assert.equal((await phone.send('GET', '/.latchkey/auth/pairing/status')).body.status, 'denied');
    assert.equal((await phone.signIn()).body.error, 'unknown_credential');
  });

  it('50 parallel Approves: one succeeds, 49 get already_decided, the phone is told approved and one device is stored', async () => {
    const { phone, id } = await pairedPhone();
    const devicesBefore = s.lk.services.store.list().length;
    const results = await Promise.all(Array.from({ length: 50 }, () => s.api('POST', `/.latchkey/api/devices/${id}/approve`, { code: s.lk.services.pending.codeOf(id) })));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 409 && r.body.error === 'already_decided' && r.body.outcome === 'approved'));
    assert.equal(s.lk.services.store.list().length, devicesBefore + 1);
    assert.equal((await phone.send('GET', '/.latchkey/auth/pairing/status')).body.status, 'approved');
    assert.equal(auditOf(s).filter((e) => e.request_id === id && e.method === 'approve').length, 1);
  });

  it('a login code exchanged twice in parallel: the token it bought is revoked, whichever request minted it', async () => {
    // The owner's passkey, trusted at once on the computer.
    const owner = softBrowser(s.localPort, { local: true });
    assert.equal((await owner.pair('Laptop')).body.status, 'trusted');
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = 'http://127.0.0.1:5999/callback';
    const start = await fetch(`${s.local}/.latchkey/auth/cli/authorize`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uri: redirectUri, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 'state-race', client_host: 'laptop' }),
    }).then((r) => r.json() as Promise<any>);
    const options = await owner.send('POST', '/.latchkey/auth/cli/approve/options', { request_id: start.request_id });
    const response = owner.passkey.assert({ origin: owner.origin, rpId: owner.rpId, challenge: options.body.options.challenge });
    const allowed = await owner.send('POST', '/.latchkey/auth/cli/approve/verify', { request_id: start.request_id, ceremony_id: options.body.ceremony_id, response });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    const code = new URL(allowed.body.redirect).searchParams.get('code')!;
    const exchange = () => fetch(`${s.local}/.latchkey/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri }),
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    const results = await Promise.all([exchange(), exchange(), exchange()]);
    assert.ok(results.some((r) => r.status === 400 && r.body.error === 'invalid_grant'), 'the replay is refused');
    for (const r of results.filter((x) => x.status === 200)) {
      const me = await fetch(`${s.local}/.latchkey/api/whoami`, { headers: { authorization: `Bearer ${r.body.access_token}` } });
      assert.equal(me.status, 401, 'a token bought by a replayed code does not work');
    }
    const minted = JSON.parse(readFileSync(join(s.home, 'tokens.json'), 'utf8')).tokens.filter((t: any) => t.kind === 'cli');
    assert.equal(minted.length, 1, 'one token was minted');
    assert.equal(minted[0].revoked_reason, 'code_replayed');
  });
});

/** Review finding 4: nothing a client writes decides an audit reason, least of all the cloned-key alarm. */
describe('ceremony refusals are classified from our own checks, never from client text', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: [BOX] } }); });
  after(() => s.close());

  it('a registration whose challenge or origin says "counter" is refused as challenge_mismatch / origin_mismatch, never counter_regression', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ clientChallenge: 'Response counter value 1 was lower than expected 5' }, 'challenge_mismatch'],
      [{ clientOrigin: 'https://counter.value.example' }, 'origin_mismatch'],
      [{ type: 'webauthn.get' }, 'wrong_ceremony_type'],
      [{ rpId: 'evil.example' }, 'rp_id_mismatch'],
    ];
    for (const [tamper, code] of cases) {
      const phone = softBrowser(s.remotePort, { ip: '198.51.100.7' });
      const r = await phone.pair('Phone', () => tamper);
      assert.deepEqual([r.status, r.body.error], [400, code], JSON.stringify(tamper));
      assert.ok(!r.body.message.includes('counter'), 'the message is ours, not an echo');
    }
    const phone = softBrowser(s.remotePort, { ip: '198.51.100.8' });
    assert.equal((await phone.pair('Phone', () => ({ userVerified: false } as never))).body.error, 'user_verification_required');
    const reasons = auditOf(s).filter((e) => e.method === 'passkey-register' && e.outcome === 'failure').map((e) => e.reason);
    assert.deepEqual(reasons, ['challenge_mismatch', 'origin_mismatch', 'wrong_ceremony_type', 'rp_id_mismatch', 'user_verification_required']);
  });

  it('a forged assertion with a low counter is signature_invalid; only a validly signed backwards counter is counter_regression', async () => {
    const phone = softBrowser(s.remotePort, { ip: '198.51.100.9' });
    const paired = await phone.pair('Counting phone');
    assert.equal((await s.api('POST', `/.latchkey/api/devices/${paired.body.request.id}/approve`, { code: s.lk.services.pending.codeOf(paired.body.request.id) })).status, 200);
    assert.equal((await phone.signIn({ counter: 10 })).body.status, 'signed_in');
    const forged = await phone.signIn({ counter: 3, forgeSignature: true });
    assert.deepEqual([forged.status, forged.body.error], [400, 'signature_invalid']);
    const cloned = await phone.signIn({ counter: 5 });
    assert.deepEqual([cloned.status, cloned.body.error], [401, 'counter_regression']);
    const reasons = auditOf(s).filter((e) => e.method === 'passkey-login' && e.outcome === 'failure').map((e) => e.reason);
    assert.deepEqual(reasons, ['signature_invalid', 'counter_regression']);
    assert.equal((await phone.signIn({ counter: 11 })).body.status, 'signed_in', 'the stored counter was not moved by the refusals');
  });
});

/** Review finding 6: per-client caps under the global ones; the computer is never locked out; Deny needs proof. */
describe('caps per client and per listener; denying a CLI login needs a trusted passkey', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: [BOX] } }); });
  after(() => s.close());

  it('one stranger fills at most 2 pending slots; the owner\'s phone still pairs', async () => {
    const stranger = () => softBrowser(s.remotePort, { ip: '203.0.113.66' });
    assert.equal((await stranger().pair('s1')).status, 200);
    assert.equal((await stranger().pair('s2')).status, 200);
    const third = await stranger().pair('s3');
    assert.deepEqual([third.status, third.body.error], [429, 'too_many_pending_from_client']);
    const options = await stranger().send('POST', '/.latchkey/auth/register/options', {});
    assert.equal(options.status, 429, 'refused before the passkey prompt');
    const owner = await softBrowser(s.remotePort, { ip: '198.51.100.1' }).pair('Owner phone');
    assert.equal(owner.status, 200);
    assert.equal(owner.body.status, 'pending');
  });

  it('strangers filling the remote login room never lock out auth login on the computer', async () => {
    const remote = (ip: string) => softBrowser(s.remotePort, { ip }).send('POST', '/.latchkey/auth/device/code', { client_host: 'flood' });
    const perClient = await Promise.all(Array.from({ length: 6 }, () => remote('203.0.113.10')));
    assert.equal(perClient.filter((r) => r.status === 200).length, 5);
    assert.equal(perClient.find((r) => r.status === 429)?.body.error, 'too_many_logins_from_client');
    let refused = null;
    for (let i = 11; i < 40 && !refused; i++) {
      for (let j = 0; j < 5 && !refused; j++) {
        const r = await remote(`203.0.113.${i}`);
        if (r.status !== 200) refused = r;
      }
    }
    assert.deepEqual([refused?.status, refused?.body.error], [429, 'too_many_logins'], 'the remote room is bounded');
    const local = await fetch(`${s.local}/.latchkey/auth/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_host: 'my laptop' }) });
    assert.equal(local.status, 200, 'the computer still gets a login');
  });

  it('Deny needs the same proof as Allow: a code alone or an untrusted passkey is refused, the owner\'s passkey denies', async () => {
    const start = await fetch(`${s.local}/.latchkey/auth/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_host: 'laptop' }) })
      .then((r) => r.json() as Promise<any>);
    const info = await fetch(`${s.local}/.latchkey/auth/cli/request?user_code=${start.user_code}`).then((r) => r.json() as Promise<any>);
    const loginId = info.login.id as string;

    const bare = await softBrowser(s.remotePort, { ip: '203.0.113.77' }).send('POST', '/.latchkey/auth/cli/deny', { request_id: loginId });
    assert.deepEqual([bare.status, bare.body.error], [400, 'invalid_request'], 'the user code alone is not enough');

    const stranger = softBrowser(s.remotePort, { ip: '203.0.113.78' });
    const so = await stranger.send('POST', '/.latchkey/auth/cli/approve/options', { request_id: loginId });
    const sr = stranger.passkey.assert({ origin: stranger.origin, rpId: stranger.rpId, challenge: so.body.options.challenge });
    const strangerDeny = await stranger.send('POST', '/.latchkey/auth/cli/deny', { request_id: loginId, ceremony_id: so.body.ceremony_id, response: sr });
    assert.deepEqual([strangerDeny.status, strangerDeny.body.error], [401, 'unknown_credential']);
    assert.equal((await fetch(`${s.local}/.latchkey/auth/cli/request?id=${loginId}`).then((r) => r.json() as Promise<any>)).login.status, 'pending');

    const owner = softBrowser(s.localPort, { local: true });
    assert.equal((await owner.pair('Laptop')).body.status, 'trusted');
    const oo = await owner.send('POST', '/.latchkey/auth/cli/approve/options', { request_id: loginId });
    const or = owner.passkey.assert({ origin: owner.origin, rpId: owner.rpId, challenge: oo.body.options.challenge });
    const denied = await owner.send('POST', '/.latchkey/auth/cli/deny', { request_id: loginId, ceremony_id: oo.body.ceremony_id, response: or });
    assert.deepEqual([denied.status, denied.body.status], [200, 'denied']);
    const poll = await fetch(`${s.local}/.latchkey/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: start.device_code }),
    }).then((r) => r.json() as Promise<any>);
    assert.equal(poll.error, 'access_denied');
    assert.ok(auditOf(s).some((e) => e.method === 'cli-login-deny' && e.outcome === 'failure' && e.reason === 'unknown_credential'));
  });
});
