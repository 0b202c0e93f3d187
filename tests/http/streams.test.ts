import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { rawHandshake } from '../helpers/rawHandshake.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';

const handshake = (port: number, headers: Record<string, string>, path = '/.latchkey/api/whoami') => rawHandshake(port, headers, path);

/** Opens an event stream and resolves with the first `event:` block, or the status when it is refused. */
function stream(port: number, headers: Record<string, string>): Promise<{ status: number; type?: string; first?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/.latchkey/api/events', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ status: res.statusCode! });
      }
      let text = '';
      res.on('data', (c) => {
        text += c;
        if (text.includes('\n\n')) {
          req.destroy();
          resolve({ status: 200, type: String(res.headers['content-type']), first: text.split('\n\n')[0] });
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket and SSE requests are gated like HTTP and check Origin', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => {
    s = await startServer({ config: { public_origins: [BOX] } });
    await s.lk.services.store.add(testPasskey('dev_ws'));
    cookie = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_ws', BOX)}`;
  });
  after(() => s.close());

  const remote = { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https' };

  it('WebSocket handshakes on the remote listener: unknown Host 421, no session 401 (never a loopback bypass), foreign or missing Origin 403', async () => {
    assert.match(await handshake(s.remotePort, { host: 'evil.example', 'x-forwarded-proto': 'https' }), / 421 /);
    assert.match(await handshake(s.remotePort, { ...remote, origin: BOX }), / 401 /);
    assert.match(await handshake(s.remotePort, { ...remote, cookie, origin: 'https://evil.example' }), / 403 /);
    assert.match(await handshake(s.remotePort, { ...remote, cookie }), / 403 /, 'a browser always sends Origin on a handshake');
    assert.match(await handshake(s.remotePort, { ...remote, cookie, origin: BOX }), / 404 /, 'same origin with a session passes the gate (Latchkey\'s own paths hold no WebSocket)');
  });

  it('event streams: the gate, then Origin, then the route; a local approvals stream opens with the pending list', async () => {
    assert.equal((await stream(s.remotePort, remote)).status, 401);
    assert.equal((await stream(s.remotePort, { ...remote, cookie, origin: 'https://evil.example' })).status, 403);
    assert.equal((await stream(s.remotePort, { ...remote, cookie, 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await stream(s.remotePort, { ...remote, cookie })).status, 403, 'approvals are on the computer only (local_only)');
    assert.equal((await stream(s.localPort, { host: `localhost:${s.localPort}`, origin: 'https://evil.example' })).status, 403);

    const local = await stream(s.localPort, { host: `localhost:${s.localPort}` });
    assert.equal(local.status, 200);
    assert.match(local.type!, /^text\/event-stream/);
    assert.equal(local.first, 'event: pending\ndata: {"pending":[]}');
  });
});

describe('the phone learns the pairing outcome from a stream', () => {
  it('no pairing cookie: 404; a waiting phone gets `outcome` the moment the computer approves', async () => {
    const s = await startServer({ config: { public_origins: [BOX] } });
    try {
      const headers = { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', accept: 'text/event-stream' };
      const none = await new Promise<number>((resolve) => httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/.latchkey/auth/pairing/events', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).end());
      assert.equal(none, 404);

      const device = testPasskey('dev_pair');
      const { request: pending, secret } = s.lk.services.pending.create({
        name: 'Phone', device_type: 'iPhone', browser: 'Safari', os: 'iOS', origin: BOX, rp_id: 'alice.ts.net', fingerprint: device.fingerprint, ip: '127.0.0.1', device,
      }, { listener: 'remote', ip: '127.0.0.1' });
      const received = new Promise<string>((resolve) => httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/.latchkey/auth/pairing/events', headers: { ...headers, cookie: `__Host-lk_pairing=${secret}` } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(text));
      }).end());
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await s.api('POST', `/.latchkey/api/devices/${pending.id}/approve`, { code: s.lk.services.pending.codeOf(pending.id) })).status, 200);
      assert.equal(await received, 'event: outcome\ndata: {"status":"approved"}\n\n', 'the stream ends with the outcome');
    } finally {
      await s.close();
    }
  });
});

describe('the pairing stream and the outcome it announces', () => {
  it('announcing an approval does not use it up: the page still collects its session afterwards; expiry is pushed too', async () => {
    const s = await startServer({ config: { public_origins: [BOX] } });
    try {
      const headers = { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', accept: 'text/event-stream' };
      const create = (id: string) => s.lk.services.pending.create({
        name: 'Phone', device_type: 'iPhone', browser: 'Safari', os: 'iOS', origin: BOX, rp_id: 'alice.ts.net', fingerprint: '0000', ip: '127.0.0.1', device: testPasskey(id),
      }, { listener: 'remote', ip: `203.0.113.${id.length}` });
      const listen = (secret: string) => new Promise<string>((resolve) => httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/.latchkey/auth/pairing/events', headers: { ...headers, cookie: `__Host-lk_pairing=${secret}` } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(text));
      }).end());

      const a = create('dev_a');
      await s.api('POST', `/.latchkey/api/devices/${a.request.id}/approve`, { code: s.lk.services.pending.codeOf(a.request.id) });
      assert.equal(await listen(a.secret), 'event: outcome\ndata: {"status":"approved"}\n\n', 'already decided: announced at once');
      const status = await new Promise<{ code: number; cookie: string }>((resolve) => httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/.latchkey/auth/pairing/status', headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', cookie: `__Host-lk_pairing=${a.secret}` } }, (res) => {
        res.resume();
        resolve({ code: res.statusCode!, cookie: String(res.headers['set-cookie'] ?? '') });
      }).end());
      assert.equal(status.code, 200);
      assert.match(status.cookie, /__Host-lk_session=/, 'the session is still there to collect');

      const b = create('dev_b');
      const heard = listen(b.secret);
      s.clock.advance(5 * 60_000 + 1000);
      assert.equal(await heard, 'event: outcome\ndata: {"status":"expired"}\n\n');
    } finally {
      await s.close();
    }
  });
});
