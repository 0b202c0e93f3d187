import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';
const QUICK = 'https://quick.example.test';

/** Review finding 7: slow bodies are cut, and one client's flood neither fills the remote listener nor touches the local one. */
describe('slow bodies and connection floods', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX] }, limits: { requestTimeoutMs: 2_000, inFlightPerClient: 4, ceremoniesPerMinute: 1000, pairingsPer10Minutes: 1000, remotePerMinute: 100_000 } });
  });
  after(() => s.close());

  /** A POST whose body trickles in a byte every 400 ms; resolves with what the server answered and when. */
  function slowPost(ip: string) {
    const started = Date.now();
    return new Promise<{ status: number | null; ms: number }>((resolve) => {
      const socket: Socket = connect(s.remotePort, '127.0.0.1');
      let text = '';
      let drip: NodeJS.Timeout | undefined;
      const finish = () => {
        clearInterval(drip);
        const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
        resolve({ status: m ? Number(m[1]) : null, ms: Date.now() - started });
      };
      socket.on('data', (c) => { text += c; });
      socket.on('close', finish);
      socket.on('error', () => {});
      socket.write(`POST /.latchkey/auth/register/options HTTP/1.1\r\nhost: box.alice.ts.net\r\norigin: ${BOX}\r\nx-forwarded-for: ${ip}\r\n` +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{');
      drip = setInterval(() => socket.write(' '), 400);
      // Bounded whatever the server does: no socket outlives 8 s.
      setTimeout(() => socket.destroy(), 8_000).unref();
    });
  }

  it('12 slow clients from one address: 4 held then cut with 408 by the request timeout, the rest refused at once; others are served throughout', async () => {
    const slow = Array.from({ length: 12 }, () => slowPost('203.0.113.50'));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const local = await rawRequest(s.localPort, { path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}` } });
    assert.equal(local.status, 200, 'the local listener answers');
    const other = await rawRequest(s.remotePort, { path: '/.latchkey/auth/state', headers: { host: 'box.alice.ts.net', 'x-forwarded-for': '198.51.100.3' } });
    assert.equal(other.status, 200, 'another client on the remote listener is served');
    assert.ok(Date.now() - t0 < 1_500, 'without waiting for the flood');
    const results = await Promise.all(slow);
    const refused = results.filter((r) => r.status === 429);
    const cut = results.filter((r) => r.status === 408);
    assert.equal(refused.length, 8, JSON.stringify(results));
    assert.ok(refused.every((r) => r.ms < 1_500), 'refused at once');
    assert.equal(cut.length, 4, JSON.stringify(results));
    assert.ok(cut.every((r) => r.ms >= 1_900 && r.ms < 4_500), `cut by the 2 s request timeout: ${cut.map((r) => r.ms)}`);
    const again = await rawRequest(s.remotePort, { path: '/.latchkey/auth/state', headers: { host: 'box.alice.ts.net', 'x-forwarded-for': '203.0.113.50' } });
    assert.equal(again.status, 200, 'the flooding client\'s slots are free again');
  });
});

/** Review finding 8: a bad `return` on a handoff link is refused before the token is used, and paths in headers are encoded. */
describe('handoff return paths', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX, QUICK], auth_origin: BOX } });
    await s.lk.services.store.add(testPasskey('dev_h'));
  });
  after(() => s.close());

  const land = (token: string, ret: string) => rawRequest(s.remotePort, {
    path: `/.latchkey/auth/handoff?token=${encodeURIComponent(token)}&return=${ret}`, headers: { host: 'quick.example.test' },
  });

  it('return=/x%01, /x%7F or a bidi override is a 400 page that leaves the token usable; /%C4%80 is kept, encoded', async () => {
    const { token } = await s.lk.services.handoff.mint({ deviceId: 'dev_h', authOrigin: BOX, target: QUICK, tunnelSession: s.lk.services.origins.tunnelSession(QUICK) });
    for (const bad of ['/x%01', '/x%7F', '/x%E2%80%AE', '//evil.example']) {
      const r = await land(token, bad);
      assert.equal(r.status, 400, bad);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.text, /return to after sign-in is not a plain path/);
      assert.equal(r.headers['set-cookie'], undefined);
    }
    const ok = await land(token, '/%C4%80');
    assert.equal(ok.status, 302, ok.text);
    assert.equal(ok.headers.location, '/%C4%80');
    assert.match(String(ok.headers['set-cookie']), /__Host-lk_session=/);
    assert.equal((await land(token, '/')).status, 400, 'and then it is used up');
  });

  it('the start of a handoff refuses a bad return too, and a 127.0.0.1 page redirect encodes its path', async () => {
    const r = await rawRequest(s.remotePort, { path: `/.latchkey/auth/handoff/start?target=${encodeURIComponent(QUICK)}&return=/x%01`, headers: { host: 'box.alice.ts.net' } });
    assert.equal(r.status, 400);
    const local = await rawRequest(s.localPort, { path: '/.latchkey/pair?x=%C4%80', headers: { host: `127.0.0.1:${s.localPort}` } });
    assert.equal(local.status, 302);
    assert.equal(local.headers.location, `http://localhost:${s.localPort}/.latchkey/pair?x=%C4%80`);
  });
});

/** Review finding 10, and the localhost cookie decision: one rule for the person at the computer. */
describe('the person at the computer', () => {
  const SECRET = 'd'.repeat(43);
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX], loopback_auth_bypass: false }, desktopSecret: SECRET });
  });
  after(() => s.close());

  it('the desktop app\'s own enrolment is trusted at once, even with every remote slot full', async () => {
    for (let i = 1; i <= 5; i++) assert.equal((await softBrowser(s.remotePort, { ip: `203.0.113.${i}` }).pair(`stranger ${i}`)).body.status, 'pending');
    assert.equal((await softBrowser(s.remotePort, { ip: '203.0.113.9' }).pair('sixth')).status, 429);
    const app = softBrowser(s.localPort, { local: true, headers: { 'x-latchkey-desktop': SECRET } });
    const state = await app.send('GET', '/.latchkey/auth/state');
    assert.deepEqual([state.body.via, state.body.person_at_computer], ['desktop', true]);
    const r = await app.pair('Desk');
    assert.deepEqual([r.status, r.body.status], [200, 'trusted']);
  });

  it('without the secret or the bypass, a local browser is not the person at the computer: it waits in the local queue', async () => {
    const browser = softBrowser(s.localPort, { local: true });
    assert.equal((await browser.send('GET', '/.latchkey/auth/state')).body.person_at_computer, false);
    const r = await browser.pair('Local browser');
    assert.deepEqual([r.status, r.body.status], [200, 'pending'], 'its own room: the five remote requests do not block it');
  });

  it('a localhost session lasts 15 minutes and is never silently refreshed', async () => {
    await s.lk.services.store.add(testPasskey('dev_local', { credential_id: 'cred_local', origin: s.local, rp_id: 'localhost' }));
    const cookie = `lk_session=${await s.lk.services.sessions.issue('dev_local', s.local)}`;
    const who = () => rawRequest(s.localPort, { path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}`, cookie } });
    s.clock.advance(14 * 60_000);
    const early = await who();
    assert.equal(early.status, 200);
    assert.equal(early.headers['set-cookie'], undefined, 'no refresh');
    s.clock.advance(2 * 60_000);
    const late = await who();
    assert.deepEqual([late.status, late.body.reason], [401, 'session_expired']);
  });
});
