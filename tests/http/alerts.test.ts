import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { rawRequest } from '../helpers/rawRequest.ts';
import { softBrowser } from '../helpers/softBrowser.ts';
import { startMailbox } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const SECRET = `whsec_${Buffer.from('latchkey-test-webhook-secret-32b').toString('base64')}`;

/** A real webhook receiver: verifies every delivery with the standardwebhooks library (signature and timestamp), answers from a script. */
async function startReceiver() {
  const verifier = new Webhook(SECRET);
  const got: Array<{ id: string; type: string; data: any; body: string }> = [];
  const answers: number[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      try {
        const payload = verifier.verify(body, req.headers as Record<string, string>) as { type: string; data: unknown };
        got.push({ id: String(req.headers['webhook-id']), type: payload.type, data: payload.data, body });
      } catch (err) {
        got.push({ id: 'INVALID', type: `invalid: ${(err as Error).message}`, data: null, body });
      }
      res.writeHead(answers.shift() ?? 200).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/hooks/latchkey`, got, answers,
    async waitFor(count: number) {
      const deadline = Date.now() + 10_000;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${got.length} of ${count}`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('spike alerts and webhooks: bad sign-ins through the real nginx TLS front reach a real receiver, signed, once per window', () => {
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let box: string;
  let port: number;
  const tls = makeTlsFixture();

  before(async () => {
    receiver = await startReceiver();
    port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    server = await startServer({
      config: { public_origins: [box], alerts: { webhook: { url: receiver.url, secret: SECRET }, failures_per_client: 10, failures_total: 30, window: '5m' } },
      webhook: { retryMs: [150, 150, 150], giveUpAfterMs: 60_000 },
    });
    nginx = await startNginx(tls, server.remotePort, port);
    await server.api('POST', '/.latchkey/api/fallbacks/backup-codes');
  });
  after(async () => {
    await nginx.stop();
    await server.close();
    await receiver.close();
  });

  /** A request from `client` to the public origin, through nginx (which appends the hop it saw). */
  const front = (client: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => rawRequest(nginx.port, {
    method, path, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { host: new URL(box).host, origin: box, 'x-forwarded-for': client, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    tls: { ca: readFileSync(tls.cert, 'utf8'), servername: 'box.alice.ts.net' },
  });
  const badAssertion = async (client: string) => {
    const options = await front(client, 'POST', '/.latchkey/auth/login/options', {});
    const fake = { id: 'AAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' } };
    return front(client, 'POST', '/.latchkey/auth/login/verify', { ceremony_id: options.body.ceremony_id, response: fake });
  };
  const badToken = (client: string) => front(client, 'GET', '/.latchkey/api/whoami', undefined, { authorization: `Bearer lk_sk_0123456789ab_${'A'.repeat(43)}` });
  const badCode = (client: string) => front(client, 'POST', '/.latchkey/auth/fallback/signin', { method: 'backup-code', code: 'aaaaa-bbbbb' });

  it('10 failures from one client (bad assertions, tokens and backup codes) raise one alert; the webhook is retried after failing twice, same id, valid signature each time', async () => {
    receiver.answers.push(500, 500);
    for (let i = 0; i < 4; i++) { const r = await badAssertion('203.0.113.7'); assert.equal(r.status, 401, JSON.stringify(r.body)); }
    for (let i = 0; i < 3; i++) { const r = await badToken('203.0.113.7'); assert.equal(r.status, 401, JSON.stringify(r.body)); }
    for (let i = 0; i < 3; i++) { const r = await badCode('203.0.113.7'); assert.equal(r.status, 401, JSON.stringify(r.body)); }
    await receiver.waitFor(3);
    assert.deepEqual(receiver.got.map((g) => g.type), ['alert.spike', 'alert.spike', 'alert.spike'], 'two failures, then delivered');
    assert.equal(new Set(receiver.got.map((g) => g.id)).size, 1, 'one event, retried under the same webhook-id');
    const { data } = receiver.got[2]!;
    assert.equal(data.failures, 10);
    assert.deepEqual(data.clients, [{ ip: '203.0.113.7', failures: 10 }]);
    assert.equal(data.text, `10 failed sign-ins in 5 minutes from 203.0.113.7 on box.alice.ts.net:${port}`);
    assert.ok(!receiver.got[2]!.body.includes('aaaaa-bbbbb') && !receiver.got[2]!.body.includes('lk_sk_'), 'no code or token in the body');

    // More failures in the same window update the alert, and raise nothing new.
    for (let i = 0; i < 5; i++) await badCode('203.0.113.8');
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(receiver.got.length, 3, 'one alert per window');
    const view = (await server.api('GET', '/.latchkey/api/alerts')).body;
    assert.equal(view.alerts.length, 1);
    assert.deepEqual([view.alerts[0].failures, view.unacknowledged], [15, 1]);
    assert.deepEqual(view.alerts[0].clients, [{ ip: '203.0.113.7', failures: 10 }, { ip: '203.0.113.8', failures: 5 }]);
    assert.deepEqual(view.deliveries[0].attempts.map((a: any) => a.status), [500, 500, 200]);
    assert.equal(view.deliveries[0].state, 'delivered');
    assert.equal(view.webhook.url, new URL(receiver.url).origin, 'the hook\'s path (often a secret of its own) is never shown');
  });

  it('the home banner\'s alert is acknowledged once; alerts test sends a signed test event', async () => {
    const [alert] = (await server.api('GET', '/.latchkey/api/alerts')).body.alerts;
    assert.equal((await server.api('POST', `/.latchkey/api/alerts/${alert.id}/ack`)).status, 200);
    assert.equal((await server.api('GET', '/.latchkey/api/alerts')).body.unacknowledged, 0);
    assert.deepEqual((await server.api('POST', '/.latchkey/api/alerts/nope/ack')).body.error, 'alert_not_found');
    const test = await server.api('POST', '/.latchkey/api/alerts/test');
    assert.deepEqual([test.status, test.body.status, test.body.delivered], [200, 200, true]);
    assert.equal(receiver.got.at(-1)!.type, 'test');
    const remote = await softBrowser(server.remotePort, { host: new URL(box).host }).send('POST', '/.latchkey/api/alerts/test');
    assert.equal(remote.status, 401, 'strangers get nothing');
  });

  it('the next window\'s spike is a new alert; a receiver answering 410 disables the hook for good', async () => {
    server.clock.advance(5 * 60_000 + 1000);
    receiver.answers.push(410);
    const before = receiver.got.length;
    for (let i = 0; i < 10; i++) await badToken('198.51.100.9');
    await receiver.waitFor(before + 1);
    assert.equal(receiver.got.at(-1)!.type, 'alert.spike');
    await new Promise((r) => setTimeout(r, 300));
    const view = (await server.api('GET', '/.latchkey/api/alerts')).body;
    assert.equal(view.alerts.length, 2);
    assert.equal(view.webhook.disabled, true);
    assert.equal(view.deliveries[0].state, 'disabled');
    // A device event (device.pending) after that goes nowhere.
    await server.api('PUT', '/.latchkey/api/fallbacks/password', { password: 'violet staple orbit 1987' });
    const pending = await front('192.0.2.44', 'POST', '/.latchkey/auth/fallback/signin', { method: 'password', password: 'violet staple orbit 1987' });
    assert.equal(pending.body.status, 'pending', JSON.stringify(pending.body));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(receiver.got.length, before + 1, 'nothing after 410');
  });

  it('alerts and deliveries survive a restart', async () => {
    const home = server.home;
    await nginx.stop();
    await server.close();
    server = await startServer({ home, config: undefined });
    const view = (await server.api('GET', '/.latchkey/api/alerts')).body;
    assert.equal(view.alerts.length, 2);
    assert.ok(view.deliveries.length >= 3);
    nginx = await startNginx(tls, server.remotePort, port);
  });
});

describe('the audit API: scope audit:read, filters, plain words; last used is true for a phone in use', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] } }); });
  after(() => s.close());

  it('a token needs audit:read; pages are newest first with text, filtered server-side; a phone in use shows when it was last used', async () => {
    const phone = softBrowser(s.remotePort, { ip: '203.0.113.20' });
    const paired = await phone.pair('Alice phone');
    await s.api('POST', `/.latchkey/api/devices/${paired.body.request.id}/approve`, { code: s.lk.services.pending.codeOf(paired.body.request.id) });
    await phone.send('GET', '/.latchkey/auth/pairing/status');
    const id = s.lk.services.store.list()[0]!.id;
    assert.equal(s.lk.services.store.get(id)!.last_used_at, null);
    s.clock.advance(5000);
    assert.equal((await phone.send('GET', '/.latchkey/api/whoami')).status, 200);
    assert.equal(s.lk.services.store.get(id)!.last_used_at, new Date(s.clock.now()).toISOString(), 'a session request counts as use');
    const listed = (await s.api('GET', '/.latchkey/api/devices')).body.devices[0];
    assert.equal(listed.last_used_at, new Date(s.clock.now()).toISOString());

    const narrow = await s.api('POST', '/.latchkey/api/keys', { name: 'reader', scopes: ['devices:read'] });
    const reader = await s.api('POST', '/.latchkey/api/keys', { name: 'auditor', scopes: ['audit:read'] });
    const get = (token: string, q = '') => fetch(`${s.local}/.latchkey/api/audit${q}`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await get(narrow.body.secret);
    assert.deepEqual([refused.status, ((await refused.json()) as any).required_scope], [403, 'audit:read']);
    const page = await (await get(reader.body.secret, '?limit=3')).json() as any;
    assert.equal(page.events.length, 3);
    assert.ok(page.events[0].seq > page.events[1].seq, 'newest first');
    assert.ok(page.next_before);

    const mine = (await s.api('GET', `/.latchkey/api/audit?device=${id}&method=pairing`)).body.events;
    assert.deepEqual(mine.map((e: any) => e.text), ['Alice phone finished pairing and signed in from 203.0.113.20 via box.alice.ts.net']);
    const approvals = (await s.api('GET', '/.latchkey/api/audit?method=approve&since=1h')).body.events;
    assert.equal(approvals[0].text, 'Alice phone was approved');
    for (const [q, code] of [['?limit=0', 'invalid_request'], ['?outcome=maybe', 'invalid_request'], ['?since=yesterdayish', 'invalid_duration'], ['?since=2026-13-45T00:00', 'invalid_time'], ['?color=red', 'invalid_request']]) {
      const r = await s.api('GET', `/.latchkey/api/audit${q}`);
      assert.deepEqual([r.status, r.body.error], [400, code], q);
    }
  });
});

describe('key expiry mail: one per key, to the fallback address, never again after a restart', () => {
  it('an API key 25 days from expiry gets exactly one mail', async () => {
    const mailbox = await startMailbox();
    const config = { public_origins: ['https://box.alice.ts.net'], smtp: { url: `smtp://127.0.0.1:${mailbox.port}`, from: 'latchkey@box.test' } };
    let s = await startServer({ config });
    try {
      await s.api('PUT', '/.latchkey/api/fallbacks/email', { address: 'alice@example.com' });
      const soon = await s.api('POST', '/.latchkey/api/keys', { name: 'ci-agent', scopes: ['api:read'], expires_in: '20d' });
      await s.api('POST', '/.latchkey/api/keys', { name: 'far-off', scopes: ['api:read'], expires_in: '300d' });
      await s.lk.services.alerts.checkExpiringKeys();
      const mail = await mailbox.next(1);
      assert.equal(mail.to, 'alice@example.com');
      assert.equal(mail.subject, 'Latchkey: API key "ci-agent" expires in 20 days');
      assert.match(mail.text, new RegExp(`latchkey keys rotate ${soon.body.key.id}`));
      assert.ok(!mail.text.includes(soon.body.secret), 'never the secret');
      await s.lk.services.alerts.checkExpiringKeys();
      const home = s.home;
      await s.close();
      s = await startServer({ home, config: undefined });
      await s.lk.services.alerts.checkExpiringKeys();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mailbox.mails.length, 1, 'once per key, across a restart');
    } finally {
      await s.close();
      await mailbox.close();
    }
  });
});
