import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import WebSocket from 'ws';
import { rawHandshake } from '../helpers/rawHandshake.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import { DECLINED_BODY, startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const BOX = 'https://box.alice.ts.net';
const OTHER = 'https://other.example.test';
const SECRET = 'k'.repeat(43);

/** Streams `mb` megabytes of the byte `fill` as a request body, with backpressure, then ends it. */
function sendMegabytes(req: import('node:http').ClientRequest, mb: number, fill: number) {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  let left = mb;
  const pump = () => {
    while (left > 0) {
      left--;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
    req.end();
  };
  pump();
}

/** Writes one request by hand and reads every byte until the server closes: framing is what is tested. */
function exchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(`${head}\r\n\r\n`));
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (c) => { out += c; });
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('apps behind the gate: what gets through, and what the app receives', () => {
  let s: TestServer;
  let app: RecordingApp;
  let jupyter: RecordingApp;
  let cookie: string;
  let token: string;
  before(async () => {
    app = await startRecordingApp();
    jupyter = await startRecordingApp();
    s = await startServer({
      config: {
        public_origins: [BOX, OTHER],
        apps: [
          { name: 'rec', upstream: app.url, public_paths: ['/healthz', '/public/'] },
          { name: 'jupyter', upstream: jupyter.url, path: '/jupyter', origins: [BOX], host_header: 'public' },
        ],
      },
      desktopSecret: SECRET,
      limits: { ceremoniesPerMinute: 1000, pairingsPer10Minutes: 1000, remotePerMinute: 100_000, unauthenticatedPerMinute: 1000, appTimeoutMs: 1_000 },
    });
    await s.lk.services.store.add(testPasskey('dev_phone', { name: 'Zoë’s phone' }));
    cookie = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_phone', BOX)}`;
    // A key opens an app only when it names it (access/scopes.ts): this one names both apps.
    token = (await s.api('POST', '/.latchkey/api/keys', { name: 'script', scopes: ['api:read', 'app:rec', 'app:jupyter'] })).body.secret;
  });
  after(async () => {
    await s.close();
    await app.close();
    await jupyter.close();
  });

  const remote = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
    rawRequest(s.remotePort, { method, path, body, headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', ...headers } });
  const seenCount = () => app.seen.length + jupyter.seen.length;

  it('an unauthenticated request never reaches the app: a navigation goes to sign in with a safe return, anything else gets 401 JSON', async () => {
    const before = seenCount();
    const nav = await remote('/notes/today?x=1', { accept: 'text/html,application/xhtml+xml' });
    assert.equal(nav.status, 302);
    assert.equal(nav.headers.location, `/.latchkey/signin?next=${encodeURIComponent('/notes/today?x=1')}`);
    const xhr = await remote('/api/data', { accept: 'application/json' });
    assert.deepEqual([xhr.status, xhr.body.error], [401, 'auth_required']);
    const post = await remote('/upload', { 'content-type': 'text/plain', origin: BOX }, 'POST', 'x'.repeat(1000));
    assert.equal(post.status, 401);
    const sneaky = await remote('//evil.example/x', { accept: 'text/html' });
    assert.equal(new URLSearchParams(String(sneaky.headers.location).split('?')[1]).get('next'), '/', 'never an open redirect');
    assert.equal(seenCount(), before, 'the apps saw nothing');
    // The redirect is in the trail, once per client per 10 minutes however many pages it asks for.
    const redirects = readFileSync(join(s.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.method === 'app-signin-redirect');
    assert.deepEqual(redirects.map((e) => [e.outcome, e.path, e.origin]), [['info', '/notes/today?x=1', BOX]]);
  });

  it('public paths are served without sign-in, matched on the normalised path; every trick needs sign-in instead', async () => {
    assert.equal((await remote('/healthz')).status, 200);
    assert.equal((await remote('/public/app.webmanifest')).status, 200);
    assert.equal(app.last('/healthz')!.headers['x-latchkey-auth-method'], 'none');
    assert.equal(app.last('/healthz')!.headers['latchkey-assertion'], undefined);
    const before = seenCount();
    for (const trick of ['/public/../admin', '/public/%2e%2e/admin', '/public%2F..%2Fadmin', '/public/..%2Fadmin', '/public/.%2e/admin',
      '/public/;x/../admin', '/public/%00', '/public/%252e%252e/admin', '/healthz/..', '/healthz;x', '/public\\..\\admin', '/public//admin', '/HEALTHZ', '/healthz/']) {
      const r = await remote(trick);
      assert.equal(r.status, 401, trick);
    }
    assert.equal(seenCount(), before, 'none of them reached the app');
  });

  it('a signed-in phone reaches the app; the app never receives Latchkey credentials or a forged identity', async () => {
    const r = await remote('/echo', {
      cookie: `theme=dark; ${cookie}; app_session=xyz`,
      'x-latchkey-device-id': 'dev_forged', x_latchkey_device_id: 'dev_forged2', 'X-Latchkey-Device-Name': 'Mallory',
      'latchkey-assertion': 'forged', 'x-latchkey-auth-method': 'forged', 'x-latchkey-desktop': 'nope',
      'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6',
    });
    // X-Latchkey-Desktop is refused on the remote listener itself, before any app: the forged one ends the request.
    assert.equal(r.status, 401);
    const ok = await remote('/echo', {
      cookie: `theme=dark; ${cookie}; app_session=xyz`,
      'x-latchkey-device-id': 'dev_forged', x_latchkey_device_id: 'dev_forged2', 'X-Latchkey-Device-Name': 'Mallory',
      'latchkey-assertion': 'forged', 'x-latchkey-auth-method': 'forged', 'x-real-ip': '6.6.6.6', 'x-forwarded-host': 'box.alice.ts.net',
    });
    assert.equal(ok.status, 200);
    const h = app.last('/echo')!.headers;
    assert.equal(h.cookie, 'theme=dark; app_session=xyz', 'the session cookie is removed, the app\'s own cookies pass');
    assert.equal(h['x-latchkey-device-id'], 'dev_phone');
    assert.equal(h['x-latchkey-device-name'], encodeURIComponent('Zoë’s phone'));
    assert.equal(h['x-latchkey-auth-method'], 'session');
    assert.equal(h.x_latchkey_device_id, undefined);
    assert.equal(h['x-real-ip'], undefined);
    // host_header "upstream" (the default): as if the browser talked to the app directly, so no forwarding header at all.
    assert.equal(h.host, `127.0.0.1:${app.port}`);
    for (const name of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']) assert.equal(h[name], undefined, `${name} is not sent`);
    assert.equal(h['x-latchkey-client-ip'], '127.0.0.1', 'the gate\'s own view of the client');
    assert.equal(h['x-latchkey-public-origin'], BOX);

    const jwks = (await rawRequest(s.remotePort, { path: '/.latchkey/jwks.json', headers: { host: 'box.alice.ts.net' } })).body;
    const { payload, protectedHeader } = await jwtVerify(String(h['latchkey-assertion']), createLocalJWKSet(jwks), { issuer: BOX, audience: 'rec', algorithms: ['ES256'] });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, 'dev_phone');
    assert.ok(payload.exp! - payload.iat! <= 300, 'at most 5 minutes');
    await assert.rejects(jwtVerify(String(h['latchkey-assertion']), createLocalJWKSet(jwks), { issuer: BOX, audience: 'jupyter' }), 'bound to one app');
  });

  it('one model of where a request came from: by default every header names the app\'s own address; with host_header "public", every header names the public origin', async () => {
    const upstream = app.url;
    const sent = { cookie, origin: BOX, referer: `${BOX}/notes/1?tab=2#top`, 'content-type': 'text/plain' };
    assert.equal((await remote('/upload', sent, 'POST', 'x')).status, 200);
    let h = app.last('/upload')!.headers;
    assert.deepEqual([h.host, h.origin, h.referer], [`127.0.0.1:${app.port}`, upstream, `${upstream}/notes/1?tab=2#top`], 'Host, Origin and Referer agree');
    // Only the public origin this request came through is translated; any other site is shown as it is.
    for (const referer of ['https://evil.example/x', `${BOX}.evil.example/x`, `${OTHER}/x`]) {
      assert.equal((await remote('/echo', { cookie, referer })).status, 200);
      assert.equal(app.last('/echo')!.headers.referer, referer);
    }
    assert.equal((await remote('/echo', { cookie, origin: 'https://evil.example', referer: BOX })).status, 200);
    h = app.last('/echo')!.headers;
    assert.deepEqual([h.origin, h.referer], ['https://evil.example', `${upstream}/`], 'a cross-site GET keeps its foreign Origin; a bare origin Referer gains its /');

    assert.equal((await remote('/jupyter/api/contents', { ...sent, referer: `${BOX}/jupyter/tree` }, 'POST', 'x')).status, 200);
    h = jupyter.last('/jupyter/api/contents')!.headers;
    assert.deepEqual(
      [h.host, h.origin, h.referer, h['x-forwarded-host'], h['x-forwarded-proto'], h['x-forwarded-for'], h.forwarded, h['x-latchkey-public-origin']],
      ['box.alice.ts.net', BOX, `${BOX}/jupyter/tree`, 'box.alice.ts.net', 'https', '127.0.0.1', 'for=127.0.0.1;proto=https;host="box.alice.ts.net"', BOX],
    );
  });

  it('Expect: 100-continue: a signed-in upload of 64 MB is let in, then streams; a refused one is answered before its body is sent; the app never sees Expect', async () => {
    const upload = (headers: Record<string, string>) => new Promise<{ status: number; continued: boolean; body: any }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest({ host: '127.0.0.1', port: s.remotePort, method: 'POST', path: '/upload', headers: {
        host: 'box.alice.ts.net', origin: BOX, 'content-type': 'application/octet-stream', 'content-length': String(64 * 1024 * 1024), expect: '100-continue', ...headers,
      } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, continued, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.on('continue', () => {
        continued = true;
        sendMegabytes(req, 64, 5);
      });
      req.flushHeaders();
    });
    const before = seenCount();
    const refused = await upload({});
    assert.deepEqual([refused.status, refused.continued, refused.body.error], [401, false, 'auth_required']);
    assert.equal(seenCount(), before, 'the app was never contacted');
    const up = await upload({ cookie });
    assert.deepEqual([up.status, up.continued, up.body.bytes], [200, true, 64 * 1024 * 1024]);
    const expected = createHash('sha256');
    for (let i = 0; i < 64; i++) expected.update(Buffer.alloc(1024 * 1024, 5));
    assert.equal(up.body.sha256, expected.digest('hex'));
    assert.equal(app.last('/upload')!.headers.expect, undefined);
  });

  it('a WebSocket handshake the app declines is relayed as one well-formed response, even when the app chunked it', async () => {
    const bytes = await exchange(s.remotePort, ['GET /decline HTTP/1.1', 'Host: box.alice.ts.net', `Origin: ${BOX}`, `Cookie: ${cookie}`,
      'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='].join('\r\n'));
    const [head, ...rest] = bytes.split('\r\n\r\n');
    const lines = head!.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 400 Bad Request');
    assert.ok(!lines.some((l) => /^transfer-encoding:/i.test(l)), 'no chunked framing over a body that is no longer chunked');
    assert.ok(lines.some((l) => /^connection: close$/i.test(l)), 'the body ends where the connection does');
    assert.equal(rest.join('\r\n\r\n'), DECLINED_BODY, 'the body exactly as the app meant it');
  });

  it('a Latchkey bearer token works for scripts and is removed; an app\'s own Authorization passes', async () => {
    const r = await remote('/echo', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 200);
    assert.equal(app.last('/echo')!.headers.authorization, undefined);
    assert.equal(app.last('/echo')!.headers['x-latchkey-auth-method'], 'token');
    const basic = await remote('/echo', { cookie, authorization: 'Basic YWxpY2U6cHc=' });
    assert.equal(basic.status, 200);
    assert.equal(app.last('/echo')!.headers.authorization, 'Basic YWxpY2U6cHc=');
  });

  it('the longest mount prefix wins, origins limit an app, and host_header "public" sends the public Host', async () => {
    assert.equal((await remote('/jupyter/lab', { cookie })).status, 200);
    assert.equal(jupyter.last('/jupyter/lab')!.headers.host, 'box.alice.ts.net');
    assert.equal((await remote('/jupyterx', { cookie })).status, 200);
    assert.equal(app.last('/jupyterx')!.url, '/jupyterx', 'a whole-segment prefix only');
    const otherCookie = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_phone', OTHER)}`;
    const onOther = await rawRequest(s.remotePort, { path: '/jupyter/lab', headers: { host: 'other.example.test', cookie: otherCookie } });
    assert.equal(onOther.status, 200);
    assert.equal(app.last('/jupyter/lab')!.url, '/jupyter/lab', 'on other.example.test, /jupyter belongs to the root app');
  });

  it('the launcher: a phone lists the apps its origin can open; the computer lists all', async () => {
    const onBox = await remote('/.latchkey/api/apps', { cookie });
    assert.deepEqual(onBox.body.apps.map((a: any) => a.name).sort(), ['jupyter', 'rec']);
    assert.deepEqual(onBox.body.apps.map((a: any) => a.upstream), [null, null], 'a phone is never told where an app really listens');
    assert.ok(!JSON.stringify(onBox.body).includes('127.0.0.1'));
    const otherCookie = `__Host-lk_session=${await s.lk.services.sessions.issue('dev_phone', OTHER)}`;
    const onOther = await rawRequest(s.remotePort, { path: '/.latchkey/api/apps', headers: { host: 'other.example.test', cookie: otherCookie } });
    assert.deepEqual(onOther.body.apps.map((a: any) => [a.name, a.health]), [['rec', 'up']]);
    assert.deepEqual((await s.api('GET', '/.latchkey/api/apps')).body.apps.map((a: any) => a.name).sort(), ['jupyter', 'rec']);
    assert.equal((await remote('/.latchkey/api/apps')).status, 401);
  });

  it('Origin is checked on state changes and WebSocket handshakes to the app', async () => {
    const before = seenCount();
    const cross = await remote('/upload', { cookie, origin: 'https://evil.example', 'content-type': 'text/plain' }, 'POST', 'x');
    assert.deepEqual([cross.status, cross.body.error], [403, 'origin_mismatch']);
    assert.equal((await remote('/upload', { cookie, 'sec-fetch-site': 'cross-site' }, 'POST', 'x')).status, 403);
    assert.equal((await remote('/upload', { cookie }, 'POST', 'x')).status, 403, 'a browser always sends Origin with a cookie POST');
    assert.equal(seenCount(), before);
    const same = await remote('/upload', { cookie, origin: BOX, 'content-type': 'text/plain' }, 'POST', 'hello');
    assert.deepEqual(same.body, { bytes: 5, sha256: createHash('sha256').update('hello').digest('hex') });
  });

  it('redirects that name the upstream are rewritten to the public origin', async () => {
    const r = await remote('/redirect', { cookie });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `${BOX}/echo?from=redirect`);
    assert.doesNotMatch(String(r.headers['set-cookie'] ?? ''), /lk_session|lk_pairing/, 'no Latchkey cookie is invented');
  });

  it('server-sent events reach the browser as the app writes them', async () => {
    const events: string[] = [];
    let endedBeforeFirst = true;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/sse?n=5', headers: { host: 'box.alice.ts.net', cookie, accept: 'text/event-stream', origin: BOX } }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (events.length === 0) endedBeforeFirst = false;
          events.push(c);
        });
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(endedBeforeFirst, false);
    assert.ok(events.length >= 3, `arrived in ${events.length} pieces, not one buffered block`);
    assert.equal(events.join(''), [5, 4, 3, 2, 1].map((n) => `data: tick ${n}\n\n`).join(''));
  });

  it('64 MB up and down stream through without being held in memory', async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    try {
      const down = await new Promise<{ bytes: number; hash: string }>((resolve, reject) => {
        const hash = createHash('sha256');
        let bytes = 0;
        httpRequest({ host: '127.0.0.1', port: s.remotePort, path: '/download?mb=64', headers: { host: 'box.alice.ts.net', cookie } }, (res) => {
          res.on('data', (c: Buffer) => { bytes += c.length; hash.update(c); });
          res.on('end', () => resolve({ bytes, hash: hash.digest('hex') }));
        }).on('error', reject).end();
      });
      assert.equal(down.bytes, 64 * 1024 * 1024);
      const expected = createHash('sha256');
      for (let i = 0; i < 64; i++) expected.update(Buffer.alloc(1024 * 1024, 7));
      assert.equal(down.hash, expected.digest('hex'));
      const up = await new Promise<any>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: s.remotePort, method: 'POST', path: '/upload', headers: { host: 'box.alice.ts.net', cookie, origin: BOX, 'content-type': 'application/octet-stream' } }, (res) => {
          let text = '';
          res.on('data', (c) => { text += c; });
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        sendMegabytes(req, 64, 3);
      });
      assert.equal(up.bytes, 64 * 1024 * 1024);
    } finally {
      clearInterval(sample);
    }
    assert.ok(peak - rssBefore < 48 * 1024 * 1024, `RSS grew ${Math.round((peak - rssBefore) / 1e6)} MB for 64 MB each way`);
  });

  it('WebSocket: refused before the app is contacted without a session; with one, subprotocol, binary, ping and close codes pass', async () => {
    const before = app.seen.filter((r) => r.method === 'UPGRADE').length;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s.remotePort}/ws`, { headers: { host: 'box.alice.ts.net', origin: BOX } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => {});
    });
    assert.equal(refused, 401);
    const crossSite = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s.remotePort}/ws`, { headers: { host: 'box.alice.ts.net', origin: 'https://evil.example', cookie } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => {});
    });
    assert.equal(crossSite, 403, 'a cross-site handshake carrying the cookie is refused');
    assert.equal(app.seen.filter((r) => r.method === 'UPGRADE').length, before, 'the app never saw those handshakes');

    const ws = new WebSocket(`ws://127.0.0.1:${s.remotePort}/ws?room=1`, ['chat'], { headers: { host: 'box.alice.ts.net', origin: BOX, cookie } });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    assert.equal(ws.protocol, 'chat');
    const next = () => new Promise<{ data: Buffer; binary: boolean }>((resolve) => ws.once('message', (data, binary) => resolve({ data: data as Buffer, binary })));
    ws.send('hi');
    assert.equal(String((await next()).data), 'echo:hi');
    ws.send(Buffer.from([1, 2, 3]));
    const bin = await next();
    assert.deepEqual([...bin.data], [1, 2, 3]);
    assert.equal(bin.binary, true);
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping();
    await pong;
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('close:4001');
    assert.equal(await closed, 4001);
    const upgrade = app.seen.findLast((r) => r.method === 'UPGRADE')!;
    assert.equal(upgrade.headers['x-latchkey-device-id'], 'dev_phone');
    assert.equal(upgrade.headers.cookie, undefined);
    assert.equal(upgrade.headers.origin, app.url, 'Origin is translated for the upstream host');
  });

  it('Firefox\'s "Connection: keep-alive, Upgrade" is recognised as a WebSocket handshake', async () => {
    const status = await rawHandshake(s.remotePort, { Host: 'box.alice.ts.net', Origin: BOX, Cookie: cookie }, '/ws', 'keep-alive, Upgrade');
    assert.equal(status, 'HTTP/1.1 101 Switching Protocols');
  });

  it('a public path serves its page without sign-in, but never opens a WebSocket without one (public_upgrades names those)', async () => {
    const before = app.seen.length;
    assert.equal((await remote('/public/page')).status, 200, 'the page itself is public');
    const anonymous = await rawHandshake(s.remotePort, { Host: 'box.alice.ts.net', Origin: BOX }, '/public/socket');
    assert.match(anonymous, /^HTTP\/1\.1 401/, 'a live channel needs sign-in');
    assert.equal(app.seen.filter((r) => r.method === 'UPGRADE').length, app.seen.slice(0, before).filter((r) => r.method === 'UPGRADE').length, 'the app saw no handshake');
    assert.equal(await rawHandshake(s.remotePort, { Host: 'box.alice.ts.net', Origin: BOX, Cookie: cookie }, '/public/socket'), 'HTTP/1.1 101 Switching Protocols');
    const named = await startServer({ config: { public_origins: [BOX], apps: [{ name: 'rec', upstream: app.url, public_paths: ['/public/'], public_upgrades: ['/public/socket'] }] } });
    try {
      assert.equal(await rawHandshake(named.remotePort, { Host: 'box.alice.ts.net', Origin: BOX }, '/public/socket'), 'HTTP/1.1 101 Switching Protocols', 'named, it opens');
      assert.match(await rawHandshake(named.remotePort, { Host: 'box.alice.ts.net', Origin: BOX }, '/public/other'), /^HTTP\/1\.1 401/);
    } finally {
      await named.close();
    }
  });

  it('a signed-in browser loading hundreds of modules never sees a 429', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => remote(`/echo?module=${i}`, { cookie })));
    assert.ok(results.every((r) => r.status === 200), 'no 429 for a signed-in browser');
  });
});

describe('when the app is down, slow or dies', () => {
  let s: TestServer;
  let app: RecordingApp;
  let deadPort: number;
  before(async () => {
    app = await startRecordingApp();
    const dead = await startRecordingApp();
    deadPort = dead.port;
    await dead.close();
    s = await startServer({
      config: { apps: [{ name: 'rec', upstream: app.url, path: '/rec' }, { name: 'vite', upstream: `http://127.0.0.1:${deadPort}` }] },
      limits: { appTimeoutMs: 1_000, unauthenticatedPerMinute: 5 },
    });
  });
  after(async () => {
    await s.close();
    await app.close();
  });
  // On the computer, apps live on the IP origin (http://localhost:PORT is Latchkey's own).
  const local = (path: string, headers: Record<string, string> = {}) => rawRequest(s.localPort, { path, headers: { host: `127.0.0.1:${s.localPort}`, ...headers } });

  it('app not running: a clear 502 naming the app and its upstream, HTML for a navigation, JSON otherwise; never a 500', async () => {
    const json = await local('/index.html');
    assert.equal(json.status, 502);
    assert.equal(json.body.error, 'app_unreachable');
    assert.equal(json.body.app, 'vite');
    assert.equal(json.body.upstream, `http://127.0.0.1:${deadPort}`);
    assert.match(json.body.message, new RegExp(`Start it on the computer so that it listens on port ${deadPort}, then reload`), 'no npm run dev for an app that may be anything');
    const page = await local('/', { accept: 'text/html' });
    assert.equal(page.status, 502);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.text, /not answering at http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(page.text, /at .*\.ts:\d+/);
  });

  it('an app that is up but does not speak HTTP gets its own 502, for a request and for a handshake: never "not running"', async () => {
    const json = await local('/rec/garbage');
    assert.deepEqual([json.status, json.body.error, json.body.app], [502, 'app_bad_response', 'rec']);
    assert.match(json.body.message, /is up, but did not answer with HTTP/);
    const page = await local('/rec/garbage', { accept: 'text/html' });
    assert.match(page.text, /<h1>The app answered, but not with HTTP<\/h1>/);
    assert.doesNotMatch(page.text, /not running/);
    const handshake = await rawHandshake(s.localPort, { host: `127.0.0.1:${s.localPort}` }, '/rec/garbage');
    assert.equal(handshake, 'HTTP/1.1 502 app_bad_response');
    assert.equal(await rawHandshake(s.localPort, { host: `127.0.0.1:${s.localPort}` }, '/index.html'), 'HTTP/1.1 502 app_unreachable');
  });

  it('an app that takes too long gets 504; one that dies mid-response ends the response early; the server keeps serving', async () => {
    const slow = await local('/rec/slow');
    assert.deepEqual([slow.status, slow.body.error], [504, 'app_timeout']);
    const died = await new Promise<string>((resolve) => {
      httpRequest({ host: '127.0.0.1', port: s.localPort, path: '/rec/die', headers: { host: `127.0.0.1:${s.localPort}` } }, (res) => {
        res.on('error', () => resolve('aborted'));
        res.on('aborted', () => resolve('aborted'));
        res.on('end', () => resolve('ended'));
        res.resume();
      }).on('error', () => resolve('aborted')).end();
    });
    assert.equal(died, 'aborted', 'the browser learns the body is incomplete');
    assert.equal((await local('/rec/echo')).status, 200);
    assert.equal((await local('/.latchkey/api/whoami')).status, 200);
  });

  it('malformed and oversized requests get a 4xx from the listener itself, and it keeps serving', async () => {
    const raw = (text: string) => new Promise<string>((resolve) => {
      const sock = connect(s.localPort, '127.0.0.1', () => sock.write(text));
      let out = '';
      sock.on('data', (c) => { out += c; });
      sock.on('close', () => resolve(out.split('\r\n')[0]!));
      sock.on('error', () => resolve(out.split('\r\n')[0]!));
      setTimeout(() => sock.destroy(), 3000).unref();
    });
    assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw(`GET /rec/echo HTTP/1.1\r\nHost: 127.0.0.1:${s.localPort}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431/);
    assert.match(await raw(`GET /rec/echo HTTP/1.1\r\nHost: 127.0.0.1:${s.localPort}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`), /^HTTP\/1\.1 400/, 'no request smuggling');
    assert.equal((await local('/rec/echo')).status, 200);
  });

  it('unauthenticated app traffic is rate-limited per client', async () => {
    const s2 = await startServer({
      config: { public_origins: [BOX], apps: [{ name: 'rec', upstream: app.url, public_paths: ['/healthz'] }] },
      limits: { unauthenticatedPerMinute: 5 },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 8; i++) {
        statuses.push((await rawRequest(s2.remotePort, { path: '/healthz', headers: { host: 'box.alice.ts.net', 'x-forwarded-for': '203.0.113.5' } })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      const other = await rawRequest(s2.remotePort, { path: '/healthz', headers: { host: 'box.alice.ts.net', 'x-forwarded-for': '203.0.113.6' } });
      assert.equal(other.status, 200, 'another client is not affected');
    } finally {
      await s2.close();
    }
  });
});
