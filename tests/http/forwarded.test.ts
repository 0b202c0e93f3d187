import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { softBrowser } from '../helpers/softBrowser.ts';

const UNKNOWN = `Bearer lk_sk_000000000000_${'A'.repeat(43)}`;

describe('forwarded headers on the remote listener (RFC 7239 Forwarded and X-Forwarded-*)', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] } }); });
  after(() => s.close());

  /**
   * The client IP and origin the gate settled on, as the audit trail heard of the refused token:
   * its line, or (a repeat from the same client within a minute, which the trail folds) its `folded` event.
   */
  async function seenAs(headers: Record<string, string>, port = s.remotePort, server = s) {
    const heard: Array<{ ip: string; origin: string }> = [];
    const hear = (e: { method: string; ip: string; origin: string }) => { if (e.method === 'token') heard.push(e); };
    server.lk.services.audit.events.on('line', hear).on('folded', hear);
    try {
      const r = await rawRequest(port, { path: '/.latchkey/api/whoami', headers: { authorization: UNKNOWN, ...headers } });
      assert.equal(heard.length, 1, 'each refused token is heard of once');
      return { status: r.status, ip: heard[0]!.ip, origin: heard[0]!.origin };
    } finally {
      server.lk.services.audit.events.off('line', hear).off('folded', hear);
    }
  }

  it('a proxy that sends only Forwarded is believed like X-Forwarded-*: right-most untrusted for=, right-most host=', async () => {
    const base = { host: '127.0.0.1' };
    assert.deepEqual(await seenAs({ ...base, forwarded: 'for=203.0.113.7;host=box.alice.ts.net;proto=https' }),
      { status: 401, ip: '203.0.113.7', origin: 'https://box.alice.ts.net' });
    assert.equal((await seenAs({ ...base, forwarded: 'for=198.51.100.1, for=203.0.113.7;host=box.alice.ts.net' })).ip, '203.0.113.7', 'a forged left-most value is ignored');
    assert.equal((await seenAs({ ...base, forwarded: 'for=203.0.113.7, for=127.0.0.1;host=box.alice.ts.net' })).ip, '203.0.113.7', 'trusted loopback hops are skipped');
    assert.equal((await seenAs({ ...base, forwarded: 'for="[2001:db8:cafe::17]:4711";host=box.alice.ts.net' })).ip, '2001:db8:cafe::17');
    assert.equal((await seenAs({ host: 'box.alice.ts.net', forwarded: 'for=203.0.113.9', 'x-forwarded-for': '198.51.100.20' })).ip, '198.51.100.20', 'X-Forwarded-For wins when both are sent');
  });

  it('what a trusted hop passes on that is not an IP address is "unknown", never shown as given (not on an approval card either)', async () => {
    for (const forged of ['this computer (192.168.1.10)', 'localhost', '<b>me</b>', '999.1.1.1']) {
      assert.equal((await seenAs({ host: 'box.alice.ts.net', 'x-forwarded-for': forged })).ip, 'unknown', forged);
    }
    assert.equal((await seenAs({ host: '127.0.0.1', forwarded: 'for="this computer";host=box.alice.ts.net' })).ip, 'unknown');
    const phone = softBrowser(s.remotePort, { ip: 'this computer (192.168.1.10)' });
    assert.equal((await phone.pair('Phone')).status, 200);
    const [card] = s.lk.services.pending.list();
    assert.equal(card!.ip, 'unknown', 'the approval card never reads the forged text');
    assert.equal((await seenAs({ host: 'box.alice.ts.net', 'x-forwarded-for': '203.0.113.7' })).ip, '203.0.113.7', 'a real address still passes');
  });

  it('a malformed Forwarded header is ignored, and an unknown host= still gets 421', async () => {
    assert.deepEqual(await seenAs({ host: 'box.alice.ts.net', forwarded: 'for=;;;host' }), { status: 401, ip: '127.0.0.1', origin: 'https://box.alice.ts.net' });
    const r = await rawRequest(s.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net', forwarded: 'for=203.0.113.7;host=evil.example' } });
    assert.equal(r.status, 421);
  });

  it('Tailscale identity headers are not authentication', async () => {
    const r = await rawRequest(s.remotePort, {
      path: '/.latchkey/api/whoami',
      headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', 'tailscale-user-login': 'alice@example.com', 'tailscale-user-name': 'Alice', 'tailscale-user-profile-pic': 'https://x/y.png' },
    });
    assert.deepEqual([r.status, r.body.error], [401, 'auth_required']);
    const local = await rawRequest(s.localPort, { path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}`, 'tailscale-user-login': 'alice@example.com', 'x-forwarded-for': '100.64.0.9' } });
    assert.equal(local.status, 401, 'a tunnel pointed at the local port by mistake gets no bypass, identity header or not');
  });

  it('from an untrusted peer every forwarding header is ignored; rate limits count per client behind a trusted proxy', async () => {
    const strict = await startServer({ config: { public_origins: ['https://box.alice.ts.net'], trusted_proxies: ['10.0.0.0/8'] } });
    try {
      assert.deepEqual(await seenAs({ host: 'box.alice.ts.net', forwarded: 'for=203.0.113.7;host=evil.example' }, strict.remotePort, strict),
        { status: 401, ip: '127.0.0.1', origin: 'https://box.alice.ts.net' });
    } finally {
      await strict.close();
    }
    const limited = await startServer({ config: { public_origins: ['https://box.alice.ts.net'] }, limits: { remotePerMinute: 3 } });
    try {
      const hit = (who: string) => rawRequest(limited.remotePort, { path: '/.latchkey/auth/state', headers: { host: '127.0.0.1', forwarded: `for=${who};host=box.alice.ts.net` } });
      for (let i = 0; i < 3; i++) assert.equal((await hit('203.0.113.1')).status, 200);
      assert.equal((await hit('203.0.113.1')).status, 429);
      assert.equal((await hit('203.0.113.2')).status, 200, 'another client behind the same proxy has its own budget');
      // Refused requests count too, before the gate reads the credential or writes an audit line.
      const lines = () => readFileSync(limited.lk.services.audit.file, 'utf8').trim().split('\n').filter(Boolean).length;
      limited.lk.services.audit.flush();
      const before = lines();
      const bad = (who: string) => rawRequest(limited.remotePort, { path: '/.latchkey/api/whoami', headers: { host: '127.0.0.1', forwarded: `for=${who};host=box.alice.ts.net`, authorization: UNKNOWN } });
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push((await bad('203.0.113.3')).status);
      assert.deepEqual(answers, [401, 401, 401, ...Array(7).fill(429)]);
      const limitedAnswer = await bad('203.0.113.3');
      assert.equal(limitedAnswer.body.error, 'rate_limited');
      assert.ok(Number(limitedAnswer.headers['retry-after']) > 0);
      limited.lk.services.audit.flush();
      const written = readFileSync(limited.lk.services.audit.file, 'utf8').trim().split('\n').slice(before).map((l) => JSON.parse(l));
      assert.equal(written.reduce((n, e) => n + (e.count ?? 1), 0), 3, 'only the three that reached the gate were audited');
      assert.equal(written.length, 2, 'the first at once, the repeats folded into one line with a count');
    } finally {
      await limited.close();
    }
  });
});
