import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

const FAKES = resolve('tests/fixtures/tunnels/bin');

// jsqr is CommonJS whose types say `export default`; under NodeNext the function is the module itself.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

/** Reads a QR code back from the PNG data URL the server hands the page. */
export function decodeQr(dataUrl: string): string | null {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe('tunnel adapters against stand-in tailscale and cloudflared executables', () => {
  let s: TestServer;
  const log = join(tempHome(), 'tools.log');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${FAKES}:${process.env.PATH}`, FAKE_TOOL_LOG: log };
  before(async () => { s = await startServer({ toolEnv: env, tunnelTimeoutMs: 1500 }); });
  after(() => s.close());
  beforeEach(() => {
    writeFileSync(log, '');
    delete env.FAKE_TAILSCALE;
    delete env.FAKE_CLOUDFLARED;
  });

  const calls = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  const origins = async () => (await s.api('GET', '/.latchkey/api/origins')).body.origins as string[];
  const config = () => readFileSync(join(s.home, 'config.json'), 'utf8');

  it('detects both tools with their versions', async () => {
    const { body } = await s.api('GET', '/.latchkey/api/tunnel');
    assert.deepEqual(body.tools, { tailscale: { installed: true, version: '1.76.1' }, cloudflared: { installed: true, version: 'cloudflared version 2024.8.2 (built 2024-08-20-1234 UTC)' } });
    assert.equal(body.running, false);
    assert.equal(body.remote_port, s.remotePort);
  });

  it('tailscale serve: points at the remote listener, reads the URL back, allows it, shows a real QR code; stop undoes exactly that', async () => {
    const started = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'tailscale' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.deepEqual(started.body, { tool: 'tailscale', mode: 'serve', url: 'https://box.alice.ts.net', added_origin: true });
    assert.deepEqual(calls(), ['tailscale status --json', `tailscale serve --bg --https=443 http://127.0.0.1:${s.remotePort}`]);
    assert.notEqual(s.remotePort, s.localPort);
    assert.ok((await origins()).includes('https://box.alice.ts.net'));

    const status = (await s.api('GET', '/.latchkey/api/tunnel')).body;
    assert.equal(status.running, true);
    assert.equal(decodeQr(status.tunnel.qr), 'https://box.alice.ts.net', 'a decoder reads the URL back from the QR code');

    const again = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared' });
    assert.deepEqual([again.status, again.body.error], [409, 'tunnel_already_running']);

    const stopped = await s.api('POST', '/.latchkey/api/tunnel/stop');
    assert.deepEqual(stopped.body, { stopped: 'https://box.alice.ts.net', removed_origin: true });
    assert.equal(calls().at(-1), 'tailscale serve --https=443 off');
    assert.ok(!(await origins()).includes('https://box.alice.ts.net'));
    assert.deepEqual([(await s.api('POST', '/.latchkey/api/tunnel/stop')).status], [404]);
  });

  it('tailscale funnel, and an origin the user had already allowed stays allowed after stop', async () => {
    await s.api('POST', '/.latchkey/api/origins', { origin: 'https://box.alice.ts.net' });
    const started = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'tailscale', funnel: true });
    assert.deepEqual(started.body, { tool: 'tailscale', mode: 'funnel', url: 'https://box.alice.ts.net', added_origin: false });
    assert.equal(calls().at(-1), `tailscale funnel --bg --https=443 http://127.0.0.1:${s.remotePort}`);
    await s.api('POST', '/.latchkey/api/tunnel/stop');
    assert.equal(calls().at(-1), 'tailscale funnel --https=443 off');
    assert.ok((await origins()).includes('https://box.alice.ts.net'), 'not ours to remove');
    await s.api('POST', '/.latchkey/api/origins/remove', { origin: 'https://box.alice.ts.net' });
  });

  it('tailscale failures are named, and nothing is added', async () => {
    const before = config();
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['logged-out', {}, 'tunnel_not_logged_in', /run "tailscale up"/],
      ['daemon-down', {}, 'tunnel_not_running', /tailscaled/],
      ['funnel-denied', { funnel: true }, 'tunnel_not_permitted', /Funnel is not enabled on your tailnet/],
      ['port-busy', {}, 'tunnel_port_busy', /port 443 is already serving/],
    ];
    for (const [scenario, extra, code, message] of cases) {
      env.FAKE_TAILSCALE = scenario;
      const r = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'tailscale', ...extra });
      assert.equal(r.status, 409, scenario);
      assert.equal(r.body.error, code, scenario);
      assert.match(r.body.message, message, scenario);
    }
    assert.equal(config(), before);
    assert.equal((await s.api('GET', '/.latchkey/api/tunnel')).body.running, false);
  });

  it('cloudflared quick tunnel: the random trycloudflare.com URL is read from its log; stop ends the process and removes the URL', async () => {
    const started = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared' });
    assert.deepEqual(started.body, { tool: 'cloudflared', mode: 'quick', url: 'https://calm-river-maple-stone.trycloudflare.com', added_origin: true });
    assert.equal(calls().at(-1), `cloudflared tunnel --no-autoupdate --url http://127.0.0.1:${s.remotePort}`);
    assert.equal((await s.api('POST', '/.latchkey/api/tunnel/stop')).status, 200);
    assert.ok(!(await origins()).includes('https://calm-river-maple-stone.trycloudflare.com'));
  });

  it('cloudflared named tunnel uses the hostname routed to it', async () => {
    const started = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared', name: 'latchkey', hostname: 'https://latchkey.example.com' });
    assert.deepEqual(started.body, { tool: 'cloudflared', mode: 'named', url: 'https://latchkey.example.com', added_origin: true });
    assert.equal(calls().at(-1), `cloudflared tunnel --no-autoupdate run --url http://127.0.0.1:${s.remotePort} latchkey`);
    await s.api('POST', '/.latchkey/api/tunnel/stop');
  });

  it('cloudflared failures: no network, not logged in, a URL that never appears (timeout), and a tunnel that dies later', async () => {
    env.FAKE_CLOUDFLARED = 'no-network';
    let r = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared' });
    assert.deepEqual([r.status, r.body.error], [409, 'tunnel_exited']);
    assert.match(r.body.message, /failed to request quick Tunnel/);

    env.FAKE_CLOUDFLARED = 'not-logged-in';
    r = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared', name: 'latchkey', hostname: 'https://latchkey.example.com' });
    assert.deepEqual([r.body.error], ['tunnel_not_logged_in']);
    assert.match(r.body.message, /cloudflared tunnel login/);

    env.FAKE_CLOUDFLARED = 'silent';
    r = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared' });
    assert.deepEqual([r.status, r.body.error], [409, 'tunnel_timeout']);
    assert.match(r.body.message, /printed no tunnel URL within 2 s/);

    env.FAKE_CLOUDFLARED = 'dies-later';
    r = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'cloudflared' });
    assert.equal(r.status, 200);
    for (let i = 0; i < 60 && (await s.api('GET', '/.latchkey/api/tunnel')).body.running; i++) await new Promise((x) => setTimeout(x, 100));
    const status = (await s.api('GET', '/.latchkey/api/tunnel')).body;
    assert.equal(status.running, false);
    assert.match(status.last_end, /cloudflared exited \(code 1\): Connection terminated/);
    // The origin is removed just after the exit is noticed (a config write): wait for it, bounded.
    for (let i = 0; i < 50 && (await origins()).includes('https://calm-river-maple-stone.trycloudflare.com'); i++) await new Promise((x) => setTimeout(x, 50));
    assert.ok(!(await origins()).includes('https://calm-river-maple-stone.trycloudflare.com'), 'its URL is no longer allowed');
  });

  it('missing tools and bad requests get clear 4xx errors; the remote listener cannot touch tunnels', async () => {
    const bare = { ...env, PATH: '/nonexistent' };
    const other = await startServer({ toolEnv: bare });
    try {
      assert.deepEqual((await other.api('GET', '/.latchkey/api/tunnel')).body.tools, { tailscale: { installed: false }, cloudflared: { installed: false } });
      for (const tool of ['tailscale', 'cloudflared']) {
        const r = await other.api('POST', '/.latchkey/api/tunnel/start', { tool });
        assert.deepEqual([r.status, r.body.error], [409, 'tunnel_tool_missing'], tool);
        assert.match(r.body.message, /is not installed\. Install it from https:\/\//);
      }
    } finally {
      await other.close();
    }
    await s.api('POST', '/.latchkey/api/origins', { origin: 'https://box.alice.ts.net' });
    const { secret } = (await s.api('POST', '/.latchkey/api/keys', { name: 'remote', scopes: ['api:write'] })).body;
    const remote = await rawRequest(s.remotePort, { method: 'POST', path: '/.latchkey/api/tunnel/start', body: '{"tool":"tailscale"}',
      headers: { host: 'box.alice.ts.net', 'x-forwarded-proto': 'https', authorization: `Bearer ${secret}`, 'content-type': 'application/json' } });
    assert.deepEqual([remote.status, remote.body.error], [403, 'local_only']);
    for (const body of [{ tool: 'ngrok' }, { tool: 'cloudflared', name: 'x' }, { tool: 'cloudflared', name: 'x', hostname: 'http://plain.example' }, { tool: 'tailscale', funnel: 'yes' }, {}]) {
      const r = await s.api('POST', '/.latchkey/api/tunnel/start', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(['invalid_request'].includes(r.body.error), JSON.stringify(r.body));
    }
  });
});

describe('with apps behind the gate, tailscale also serves an admin origin for Latchkey\'s settings', () => {
  it('start adds https://NAME:8443 as admin_origin (tailnet only, even with Funnel); a phone manages Latchkey there, not on the apps\' origin; stop undoes both', async () => {
    const home = tempHome({ apps: [{ name: 'notes', upstream: 'http://127.0.0.1:9' }] });
    const log = join(home, 'tools.log');
    writeFileSync(log, '');
    const s = await startServer({ home, toolEnv: { ...process.env, PATH: `${FAKES}:${process.env.PATH}`, FAKE_TOOL_LOG: log }, tunnelTimeoutMs: 1500 });
    try {
      const started = await s.api('POST', '/.latchkey/api/tunnel/start', { tool: 'tailscale', funnel: true });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.deepEqual(started.body, { tool: 'tailscale', mode: 'funnel', url: 'https://box.alice.ts.net', added_origin: true, admin_url: 'https://box.alice.ts.net:8443', admin_problem: null });
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      assert.deepEqual(calls.slice(-1), [`tailscale serve --bg --https=8443 http://127.0.0.1:${s.remotePort}`], 'the admin origin is Serve, never Funnel');
      const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
      assert.equal(config.admin_origin, 'https://box.alice.ts.net:8443');
      assert.deepEqual(config.public_origins, ['https://box.alice.ts.net', 'https://box.alice.ts.net:8443']);

      await s.lk.services.store.add(testPasskey('dev_phone'));
      const on = async (origin: string) => rawRequest(s.remotePort, {
        path: '/.latchkey/api/devices', headers: { host: new URL(origin).host, cookie: `__Host-lk_session=${await s.lk.services.sessions.issue('dev_phone', origin)}` },
      });
      assert.deepEqual([(await on('https://box.alice.ts.net')).body.manage_at], ['https://box.alice.ts.net:8443/.latchkey/'], 'the apps\' origin points there');
      assert.equal((await on('https://box.alice.ts.net:8443')).status, 200, 'and there the phone manages Latchkey');
      assert.equal((await s.api('GET', '/.latchkey/api/tunnel')).body.tunnel.admin_url, 'https://box.alice.ts.net:8443');

      const stopped = await s.api('POST', '/.latchkey/api/tunnel/stop');
      assert.deepEqual(stopped.body, { stopped: 'https://box.alice.ts.net', removed_origin: true, stopped_admin: 'https://box.alice.ts.net:8443' });
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n').slice(-2).sort(), ['tailscale funnel --https=443 off', 'tailscale serve --https=8443 off']);
      const after = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
      assert.equal(after.admin_origin, undefined, 'what start wrote, stop takes back');
      assert.deepEqual(after.public_origins, []);
    } finally {
      await s.close();
    }
  });
});

describe('latchkey tunnel (spawned CLI)', () => {
  it('start prints the URL and a QR code, status shows it, stop removes it; an unknown tool is one line', async () => {
    const { spawnCli } = await import('../helpers/spawnCli.ts');
    const s = await startServer({ toolEnv: { ...process.env, PATH: `${FAKES}:${process.env.PATH}` } });
    const run = async (...args: string[]) => {
      const p = spawnCli([...args, '--base-url', s.local], { XDG_CONFIG_HOME: tempHome(), LATCHKEY_API_TOKEN: '' });
      return { code: await p.exit, out: p.stdout(), err: p.stderr() };
    };
    try {
      const started = await run('tunnel', 'start', 'cloudflared');
      assert.equal(started.code, 0, started.err);
      assert.match(started.out, /^cloudflared \(quick\) is up: https:\/\/calm-river-maple-stone\.trycloudflare\.com \(added to public_origins\)\n/);
      assert.match(started.out, /[▀▄█]/, 'a QR code drawn in the terminal');
      const status = await run('tunnel', 'status');
      assert.match(status.out, /^running: cloudflared \(quick\) at https:\/\/calm-river-maple-stone\.trycloudflare\.com since /);
      assert.match(status.out, /tailscale: 1\.76\.1/);
      const stopped = await run('tunnel', 'stop');
      assert.equal(stopped.out, 'stopped https://calm-river-maple-stone.trycloudflare.com; removed it from public_origins\n');
      const bad = await run('tunnel', 'start', 'ngrok');
      assert.deepEqual([bad.code, bad.err], [1, 'latchkey: unknown tunnel tool "ngrok": use tailscale or cloudflared\n']);
    } finally {
      await s.close();
    }
  });
});
