import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx, startSocat } from '../helpers/tunnel.ts';

const BOX = 'https://box.alice.ts.net';

describe('listeners and the gate', () => {
  let s: TestServer;
  before(async () => { s = await startServer({ config: { public_origins: [BOX] } }); });
  after(() => s.close());

  const local = (headers: Record<string, string> = {}, path = '/.latchkey/api/whoami') =>
    rawRequest(s.localPort, { path, headers: { host: `localhost:${s.localPort}`, ...headers } });
  const remote = (headers: Record<string, string> = {}, path = '/.latchkey/api/whoami') =>
    rawRequest(s.remotePort, { path, headers: { host: 'box.alice.ts.net', ...headers } });

  it('grants the loopback bypass on the local listener, for localhost, 127.0.0.1 and [::1]', async () => {
    for (const host of [`localhost:${s.localPort}`, `127.0.0.1:${s.localPort}`, `[::1]:${s.localPort}`]) {
      const r = await local({ host });
      assert.equal(r.status, 200, host);
      assert.deepEqual(r.body, { authenticated: true, via: 'loopback', device: null, token: null });
    }
  });

  it('accepts connections on ::1 too, so localhost works whichever address it resolves to', async () => {
    const r = await rawRequest(s.localPort, { host: '::1', path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body.via, 'loopback');
  });

  it('cancels the bypass when any forwarding header is present, whatever its value', async () => {
    for (const [name, value] of [['x-forwarded-for', '127.0.0.1'], ['forwarded', 'for=127.0.0.1'], ['x-real-ip', '127.0.0.1'],
      ['x-forwarded-host', 'localhost'], ['x-forwarded-proto', 'http'],
      // What other proxies, CDNs and tunnel daemons set, and an underscore spelling some servers fold to a dash.
      ['via', '1.1 nginx'], ['cf-connecting-ip', '127.0.0.1'], ['true-client-ip', '127.0.0.1'], ['tailscale-user-login', 'alice@example.com'],
      ['x_forwarded_for', '127.0.0.1'], ['x_real_ip', '127.0.0.1'], ['cf-ray', '8f00-LHR'], ['fastly-client-ip', '127.0.0.1']]) {
      const r = await local({ [name!]: value! });
      assert.equal(r.status, 401, name);
      assert.equal(r.body.error, 'auth_required');
      assert.equal(typeof r.body.message, 'string');
    }
  });

  it('refuses a non-loopback Host on the local listener (DNS rebinding) with 421', async () => {
    const r = await local({ host: `evil.example:${s.localPort}` });
    assert.equal(r.status, 421);
    assert.equal(r.body.error, 'unknown_host');
  });

  it('never grants the bypass on the remote listener, though the peer is 127.0.0.1 with no headers', async () => {
    const r = await remote();
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'auth_required');
    const st = await remote({}, '/.latchkey/auth/state');
    assert.equal(st.body.authenticated, false);
    assert.equal(st.body.via, null);
  });

  it('refuses an unknown Host on the remote listener with 421 saying how to add it', async () => {
    const r = await remote({ host: 'attacker.example' });
    assert.equal(r.status, 421);
    assert.equal(r.body.error, 'unknown_host');
    assert.match(r.body.message, /latchkey origins add https:\/\/attacker\.example/);
  });

  it('gates every /.latchkey/api path, known or not, with 401 JSON', async () => {
    for (const path of ['/.latchkey/api/devices', '/.latchkey/api/devices/pending', '/.latchkey/api/origins', '/.latchkey/api/nope', '/.latchkey/api']) {
      const r = await remote({}, path);
      assert.equal(r.status, 401, path);
      assert.equal(r.body.error, 'auth_required');
    }
  });

  it('keeps approval and origin management on the computer', async () => {
    // Even an authenticated remote caller (here: open grace) may not approve devices.
    const g = await startServer({ config: { public_origins: [BOX], grace: 'open' } });
    try {
      const r = await rawRequest(g.remotePort, { path: '/.latchkey/api/devices/pending', headers: { host: 'box.alice.ts.net' } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error, 'local_only');
    } finally {
      await g.close();
    }
  });

  it('in open grace lets a fresh origin through (via grace) until a passkey is enrolled on it', async () => {
    const g = await startServer({ config: { public_origins: [BOX, 'https://other.example.test'], grace: 'open' } });
    try {
      const r = await rawRequest(g.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net' } });
      assert.equal(r.status, 200);
      assert.equal(r.body.via, 'grace');
      // Enrol a passkey on box (recorded as the store would after an approval): box closes, other stays in grace.
      await g.lk.services.store.add({
        id: 'dev_test', credential_id: 'cred', public_key: 'pk', name: 'x', device_type: 'iPhone', origin: BOX,
        rp_id: 'alice.ts.net', fingerprint: '0000 0000 0000 0000', created_at: new Date().toISOString(), last_used_at: null,
        counter: 0, backup_eligible: false, backup_state: false, transports: [], aaguid: '', enrolled_via: 'remote',
      });
      const closed = await rawRequest(g.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net' } });
      assert.equal(closed.status, 401);
      const still = await rawRequest(g.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'other.example.test' } });
      assert.equal(still.body.via, 'grace');
    } finally {
      await g.close();
    }
  });

  it('keeps open grace shut after a corrupt store was moved aside (a reset must not open the door)', async () => {
    const home = tempHome({ public_origins: [BOX], grace: 'open' });
    writeFileSync(join(home, 'trusted-passkeys.json'), 'garbage', { mode: 0o600 });
    const g = await startServer({ home });
    try {
      assert.match(g.warnings.join('\n'), /is corrupt/);
      const r = await rawRequest(g.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net' } });
      assert.equal(r.status, 401);
    } finally {
      await g.close();
    }
  });

  it('with require_auth false the gate is off (via open) and the server says so', async () => {
    const g = await startServer({ config: { require_auth: false, public_origins: [BOX] } });
    try {
      const r = await rawRequest(g.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net' } });
      assert.equal(r.body.via, 'open');
    } finally {
      await g.close();
    }
  });

  it('takes the client IP from the right-most untrusted X-Forwarded-For hop, never the left-most', async () => {
    await rawRequest(s.remotePort, {
      method: 'POST', path: '/.latchkey/auth/login/verify',
      headers: { host: 'box.alice.ts.net', origin: BOX, 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6, 203.0.113.9' },
      body: JSON.stringify({ ceremony_id: 'nope', response: { id: 'a', rawId: 'a', type: 'public-key', response: {} } }),
    });
    const lines = readFileSync(join(s.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.at(-1);
    assert.equal(last.reason, 'challenge_unknown');
    assert.equal(last.ip, '203.0.113.9');
  });

  it('ignores X-Forwarded-Host from a peer that is not a trusted proxy', async () => {
    const g = await startServer({ config: { public_origins: [BOX], trusted_proxies: ['10.9.9.9'] } });
    try {
      const r = await rawRequest(g.remotePort, { path: '/.latchkey/auth/state', headers: { host: 'attacker.example', 'x-forwarded-host': 'box.alice.ts.net' } });
      assert.equal(r.status, 421);
    } finally {
      await g.close();
    }
  });

  it('sets the security headers on pages', async () => {
    const root = await rawRequest(s.remotePort, { path: '/', headers: { host: 'box.alice.ts.net' } });
    assert.deepEqual([root.status, root.headers.location], [302, '/.latchkey/'], 'with no app, / is Latchkey\'s home');
    const r = await rawRequest(s.remotePort, { path: '/.latchkey/', headers: { host: 'box.alice.ts.net' } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  it('redirects the local UI from 127.0.0.1 to localhost, since an IP cannot be an RP ID', async () => {
    const r = await local({ host: `127.0.0.1:${s.localPort}` }, '/.latchkey/devices');
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `http://localhost:${s.localPort}/.latchkey/devices`);
  });
});

describe('tunnels in front of the listeners (real nginx and socat)', () => {
  let s: TestServer;
  const tls = makeTlsFixture();
  before(async () => { s = await startServer({ config: { public_origins: [BOX] } }); });
  after(() => s.close());

  it('a reverse proxy pointed at the local port by mistake gets no bypass (forwarding headers present)', async () => {
    const port = await freePort();
    const nginx = await startNginx(tls, s.localPort, port);
    try {
      // Through nginx the Host is still localhost and the peer 127.0.0.1: only the headers give it away.
      const r = await rawRequest(port, {
        path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}` },
        tls: { ca: readFileSync(tls.cert, 'utf8'), servername: 'box.alice.ts.net' },
      });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'auth_required');
      // The same request straight to the local listener is let in: the proxy is what made the difference.
      const direct = await rawRequest(s.localPort, { path: '/.latchkey/api/whoami', headers: { host: `localhost:${s.localPort}` } });
      assert.equal(direct.status, 200);
    } finally {
      await nginx.stop();
    }
  });

  it('a raw TCP forward to the remote listener gets no bypass either', async () => {
    const socat = await startSocat(s.remotePort);
    try {
      const r = await rawRequest(socat.port, { path: '/.latchkey/api/whoami', headers: { host: 'box.alice.ts.net' } });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'auth_required');
    } finally {
      await socat.stop();
    }
  });
});
