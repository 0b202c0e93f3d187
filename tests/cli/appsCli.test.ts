import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { spawnCli } from '../helpers/spawnCli.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';
import { startMcpServer } from '../helpers/startMcpServer.ts';
import { agentToken } from '../helpers/agentToken.ts';

const run = async (args: string[]) => {
  const cli = spawnCli(args, { LATCHKEY_API_TOKEN: '' });
  return { code: await cli.exit, stdout: cli.stdout(), stderr: cli.stderr() };
};

describe('latchkey apps add | list | remove change a running server', () => {
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    app = await startRecordingApp();
    s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'], trusted_proxies: ['loopback'] } });
  });
  after(async () => {
    await s.close();
    await app.close();
  });

  it('add puts the app behind the gate at once and writes config.json; list shows it up; remove takes it away', async () => {
    assert.equal((await rawRequest(s.localPort, { path: '/echo', headers: { host: `localhost:${s.localPort}` } })).status, 404);
    const added = await run(['apps', 'add', 'notes', app.url, '--base-url', s.local]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, `added notes: / → ${app.url} (up)\n`);
    assert.deepEqual(JSON.parse(readFileSync(join(s.home, 'config.json'), 'utf8')).apps, [{ name: 'notes', upstream: app.url }]);
    // On the computer an app opens on the IP origin; http://localhost:PORT stays Latchkey's own.
    const through = await rawRequest(s.localPort, { path: '/echo', headers: { host: `127.0.0.1:${s.localPort}` } });
    assert.equal(through.status, 200);
    assert.equal((await rawRequest(s.localPort, { path: '/echo', headers: { host: `localhost:${s.localPort}`, accept: 'application/json' } })).status, 404);

    const list = await run(['apps', 'list', '--json', '--base-url', s.local]);
    const [row] = JSON.parse(list.stdout);
    assert.deepEqual([row.name, row.path, row.upstream, row.health], ['notes', '/', app.url, 'up']);
    const table = await run(['apps', 'list', '--base-url', s.local]);
    assert.match(table.stdout, /^name\s+path\s+upstream\s+health\s+origins\nnotes\s+\/\s+http:\/\/127\.0\.0\.1:\d+\s+up\s+all\n$/);

    const removed = await run(['apps', 'remove', 'notes', '--base-url', s.local]);
    assert.equal(removed.stdout, 'removed notes\n');
    assert.deepEqual(JSON.parse(readFileSync(join(s.home, 'config.json'), 'utf8')).apps, []);
    assert.equal((await rawRequest(s.localPort, { path: '/', headers: { host: `localhost:${s.localPort}` } })).headers.location, '/.latchkey/');
  });

  it('refuses what it cannot serve safely in one line, naming why, and changes nothing', async () => {
    const before = readFileSync(join(s.home, 'config.json'), 'utf8');
    const cases: Array<[string[], RegExp]> = [
      [['apps', 'add', 'web', 'http://93.184.216.34:80'], /is not a loopback or private address/],
      [['apps', 'add', 'web', 'http://example.com:8080'], /must name an IP address or localhost/],
      [['apps', 'add', 'web', 'ftp://127.0.0.1:21'], /must be http:\/\/ or https:\/\//],
      [['apps', 'add', 'web', 'http://127.0.0.1:3000/app'], /must be an origin only/],
      [['apps', 'add', 'Web!', 'http://127.0.0.1:3000'], /"name" must be/],
      [['apps', 'add', 'web', 'http://127.0.0.1:3000', '--path', '/.latchkey'], /reserved for Latchkey/],
      [['apps', 'add', 'web', 'http://127.0.0.1:3000', '--path', '/a/../b'], /"path" must be a plain path/],
      [['apps', 'remove', 'nothing'], /No app is named "nothing"/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...args, '--base-url', s.local]);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.equal(readFileSync(join(s.home, 'config.json'), 'utf8'), before);
  });

  it('adding an app is local-only: a phone\'s session on the tunnel is refused', async () => {
    const r = await rawRequest(s.remotePort, {
      method: 'POST', path: '/.latchkey/api/apps', body: JSON.stringify({ name: 'x', upstream: app.url }),
      headers: { host: 'box.alice.ts.net', 'content-type': 'application/json', authorization: `Bearer ${(await s.api('POST', '/.latchkey/api/keys', { name: 'k', scopes: ['api:write'] })).body.secret}` },
    });
    assert.deepEqual([r.status, r.body.error], [403, 'local_only']);
  });
});

describe('latchkey serve --upstream', () => {
  it('puts one app at / for this run; a bad URL stops the start in one line', async () => {
    const app = await startRecordingApp();
    const home = tempHome();
    const serve = spawnCli(['serve', '--home', home, '--local-port', '0', '--remote-port', '0', '--upstream', app.url]);
    try {
      const [, local] = await new Promise<RegExpExecArray>((resolve, reject) => {
        const poll = setInterval(() => {
          const m = /^local: (http:\/\/localhost:\d+)$/m.exec(serve.stdout());
          if (m && /^app: /m.test(serve.stdout())) { clearInterval(poll); resolve(m); }
          if (serve.child.exitCode !== null) { clearInterval(poll); reject(new Error(serve.stderr())); }
        }, 50);
      });
      const appUrl = local!.replace('localhost', '127.0.0.1');
      assert.match(serve.stdout(), new RegExp(`^app: app at ${appUrl.replace(/\./g, '\\.')}/ → ${app.url.replace(/\./g, '\\.')}$`, 'm'));
      const r = await fetch(`${appUrl}/echo`);
      assert.equal(r.status, 200);
      assert.equal(app.last('/echo')!.headers['x-latchkey-auth-method'], 'loopback');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exit;
      await app.close();
    }
    const bad = spawnCli(['serve', '--home', tempHome(), '--local-port', '0', '--remote-port', '0', '--upstream', 'https://example.com']);
    assert.equal(await bad.exit, 1);
    assert.equal(bad.stderr().trim(), 'latchkey: --upstream: "upstream" must name an IP address or localhost, not "example.com": a host name could resolve to anywhere');
  });
});

describe('latchkey share APP | list | link | revoke, and devices approvers', () => {
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    app = await startRecordingApp();
    s = await startServer({ config: { public_origins: ['https://box.alice.ts.net'], apps: [{ name: 'vite', upstream: app.url }, { name: 'vault', upstream: app.url, path: '/vault', shareable: false }] } });
  });
  after(async () => {
    await s.close();
    await app.close();
  });

  it('share prints the link and its QR code; list shows it; link replaces it; revoke ends it; mistakes are one line and exit 1', async () => {
    const made = await run(['share', 'vite', '--name', 'Bob', '--from', 'Alice', '--expires', '2h', '--base-url', s.local]);
    assert.equal(made.code, 0, made.stderr);
    const link = /^https:\/\/box\.alice\.ts\.net\/\.latchkey\/share#[A-Za-z0-9_-]{43}$/m.exec(made.stdout)?.[0];
    assert.ok(link, made.stdout);
    assert.match(made.stdout, /^shared vite with Bob until .* \(shr_[A-Za-z0-9_-]+\)$/m);
    assert.match(made.stdout, /█/, 'a QR code is drawn');
    const [row] = JSON.parse((await run(['share', 'list', '--json', '--base-url', s.local])).stdout);
    assert.deepEqual([row.app, row.name, row.from, row.status, row.link.state], ['vite', 'Bob', 'Alice', 'active', 'unused']);
    const relinked = await run(['share', 'link', row.id, '--json', '--base-url', s.local]);
    assert.notEqual(JSON.parse(relinked.stdout).link, link);
    const revoked = await run(['share', 'revoke', row.id, '--base-url', s.local]);
    assert.equal(revoked.stdout, `revoked ${row.id}: Bob no longer reaches vite\n`);
    assert.equal(JSON.parse((await run(['share', 'list', '--json', '--base-url', s.local])).stdout)[0].status, 'revoked');

    for (const [args, message] of [
      [['share', 'vault', '--name', 'Bob'], /refuses sharing/],
      [['share', 'vite'], /say who it is for/],
      [['share', 'vite', '--name', 'Bob', '--expires', '90d'], /outside the allowed range/],
      [['share', 'revoke', 'shr_nothing'], /No share has id shr_nothing/],
    ] as const) {
      const r = await run([...args, '--base-url', s.local]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.equal(s.lk.services.shares.list().length, 1, 'nothing stored by a mistake');

    assert.equal((await run(['devices', 'approvers', 'on', '--base-url', s.local])).code, 0);
    assert.equal(JSON.parse(readFileSync(join(s.home, 'config.json'), 'utf8')).approve_from_devices, true);
    assert.equal(s.lk.services.config.approve_from_devices, true);
    const bad = await run(['devices', 'approvers', 'maybe', '--base-url', s.local]);
    assert.notEqual(bad.code, 0);
  });
});

describe('latchkey clients list | approval | approve | revoke', () => {
  let s: TestServer;
  let mcp: Awaited<ReturnType<typeof startMcpServer>>;
  before(async () => {
    mcp = await startMcpServer();
    s = await startServer({ config: { apps: [{ name: 'tools', upstream: mcp.url, path: '/mcp', mcp: true }] } });
  });
  after(async () => {
    await s.close();
    await mcp.close();
  });

  it('list shows an agent allowed on the computer with what it reaches; revoke ends it; approval writes the setting; mistakes are one line and exit 1', async () => {
    assert.match((await run(['clients', 'list', '--base-url', s.local])).stdout, /No agents\./);
    const issuer = `http://127.0.0.1:${s.localPort}`;
    const { clientId } = await agentToken(issuer, `${issuer}/mcp`, s.api);
    const listed = JSON.parse((await run(['clients', 'list', '--json', '--base-url', s.local])).stdout);
    assert.deepEqual(listed.clients.map((c: { id: string; name: string; resources: string[]; granted_by: string[]; redirect_hosts: string[] }) => [c.id, c.name, c.resources, c.granted_by, c.redirect_hosts]),
      [[clientId, 'Bench agent', [`${issuer}/mcp`], ['computer'], ['127.0.0.1:49152']]]);
    assert.deepEqual(listed.waiting, []);
    const table = (await run(['clients', 'list', '--base-url', s.local])).stdout;
    assert.match(table, new RegExp(`${clientId}.*Bench agent.*127\\.0\\.0\\.1:49152`));
    assert.equal((await run(['clients', 'revoke', clientId, '--base-url', s.local])).stdout, `revoked ${clientId}\n`);
    assert.deepEqual(JSON.parse((await run(['clients', 'list', '--json', '--base-url', s.local])).stdout).clients, []);

    assert.equal((await run(['clients', 'approval', 'off', '--base-url', s.local])).code, 0);
    assert.equal(JSON.parse(readFileSync(join(s.home, 'config.json'), 'utf8')).approve_new_agents, 'never');
    assert.equal(s.lk.services.config.approve_new_agents, 'never');
    for (const [args, message] of [
      [['clients', 'revoke', clientId], /No agent is registered under/],
      [['clients', 'approve', 'nope', '--code', '42'], /No agent waits for approval/],
      [['clients', 'approve', 'nope', '--code', '4'], /two-digit code/],
      [['clients', 'approval', 'maybe'], /on, off/],
    ] as const) {
      const r = await run([...args, '--base-url', s.local]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});
