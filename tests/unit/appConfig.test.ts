import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPublicPath } from '../../src-server/apps/isPublicPath.ts';
import { parseApps, parseUpstream } from '../../src-server/apps/parseApp.ts';
import { suggestAppName } from '../../src-server/apps/appName.ts';
import { checkConfig } from '../../src-server/config/loadConfig.ts';

describe('apps in config.json are checked at start-up, naming the bad key', () => {
  const bad = (apps: unknown, message: RegExp, extra: Record<string, unknown> = {}) =>
    assert.throws(() => checkConfig({ apps, ...extra }), message, JSON.stringify(apps));

  it('refuses unknown fields, bad names, upstreams, paths, origins, public paths and collisions', () => {
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', port: 3 }], /"port" is not a known setting/);
    bad([{ name: 'a' }], /"apps\.0" must have required property 'upstream'/);
    bad([{ name: 'A!', upstream: 'http://127.0.0.1:1' }], /"apps\[0\]": "name" must be/);
    bad([{ name: 'a', upstream: 'http://8.8.8.8' }], /"apps\[0\]": "upstream" 8\.8\.8\.8 is not a loopback or private address/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', path: 'no-slash' }], /"path" must be a plain path/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', path: '/.latchkey/x' }], /reserved for Latchkey/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', origins: ['https://nowhere.example'] }], /"origins" entry "https:\/\/nowhere\.example" is neither/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', path: '/a', public_paths: ['/b'] }], /outside the app's path/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', public_paths: ['/x/../y'] }], /must be a plain path/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', path: '/a', public_upgrades: ['/b/socket'] }], /"public_upgrades" entry "\/b\/socket" is outside the app's path/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1', host_header: 'mine' }], /"apps\.0\.host_header" must be "upstream" or "public"/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1' }, { name: 'a', upstream: 'http://127.0.0.1:2', path: '/b' }], /the name "a" is used twice/);
    bad([{ name: 'a', upstream: 'http://127.0.0.1:1' }, { name: 'b', upstream: 'http://127.0.0.1:2' }], /both mounted at \//);
    bad({}, /"apps" must be array/);
    assert.throws(() => checkConfig({ limits: { app_timeout: 'soon' } }), /limits\.app_timeout: "soon" is not a duration/);
    assert.throws(() => checkConfig({ limits: { burst: 1 } }), /"burst" is not a known setting/);
  });

  it('refuses link-local upstreams (the cloud metadata address among them) and any IPv4-mapped form of a refused address', () => {
    for (const raw of ['http://169.254.169.254', 'http://169.254.1.2:8080', 'http://[fe80::1]', 'http://[febf::1]:3000', 'http://[::ffff:169.254.169.254]', 'http://[::ffff:a9fe:a9fe]']) {
      const r = parseUpstream(raw);
      assert.ok('problem' in r && /link-local/.test(r.problem), `${raw}: ${JSON.stringify(r)}`);
    }
    for (const raw of ['http://[::ffff:8.8.8.8]', 'http://[::ffff:808:808]']) {
      const r = parseUpstream(raw);
      assert.ok('problem' in r && /not a loopback or private address/.test(r.problem), `${raw}: ${JSON.stringify(r)}`);
    }
    bad([{ name: 'meta', upstream: 'http://169.254.169.254' }], /"apps\[0\]": "upstream" 169\.254\.169\.254 is a link-local address/);
    // A mapped address judged as what it carries: loopback and private stay fine.
    assert.deepEqual(parseUpstream('http://[::ffff:127.0.0.1]:5173'), { origin: 'http://[::ffff:7f00:1]:5173' });
    assert.deepEqual(parseUpstream('http://[::ffff:10.0.0.5]'), { origin: 'http://[::ffff:a00:5]' });
  });

  it('accepts and normalises good apps; two apps may share a path on different origins', () => {
    const specs = parseApps([
      { name: 'vite', upstream: 'http://localhost:5173/' },
      { name: 'lab', upstream: 'http://[::1]:8888', path: '/lab/', origins: ['localhost'], public_paths: ['/lab/static/', '/lab/healthz'], host_header: 'public' },
      { name: 'tailnet', upstream: 'https://100.101.102.103:8443', path: '/lab', origins: ['https://box.alice.ts.net'] },
    ], ['https://box.alice.ts.net']);
    assert.deepEqual(specs.map((a) => [a.name, a.upstream, a.path]), [['vite', 'http://localhost:5173', ''], ['lab', 'http://[::1]:8888', '/lab'], ['tailnet', 'https://100.101.102.103:8443', '/lab']]);
    assert.equal(specs[1]!.hostHeader, 'public');
    assert.deepEqual('problem' in parseUpstream('http://192.168.1.20:8123') ? null : parseUpstream('http://192.168.1.20:8123'), { origin: 'http://192.168.1.20:8123' }, 'Home Assistant on the LAN');
  });
});

describe('public paths are matched on the normalised path', () => {
  const pub = ['/manifest.json', '/static/'];
  it('exact paths and prefixes ending in "/"', () => {
    for (const ok of ['/manifest.json', '/static/a.js', '/static/', '/static/caf%C3%A9.png']) assert.equal(isPublicPath(pub, ok), true, ok);
    for (const no of ['/manifest.json/', '/manifest.jsonx', '/static', '/staticx/a', '/']) assert.equal(isPublicPath(pub, no), false, no);
  });
  it('anything an upstream could resolve elsewhere is not public', () => {
    for (const trick of ['/static/../admin', '/static/%2e%2e/admin', '/static/%2E%2E/admin', '/static%2f..%2fadmin', '/static/..%5cadmin', '/static/;/../admin',
      '/static/%00', '/static/\u0000', '/static/%25', '/static//x', '/static/./x', '/static/x\\..\\..\\admin', '/static/%zz']) {
      assert.equal(isPublicPath(pub, trick), false, trick);
    }
    assert.equal(isPublicPath([], '/static/a.js'), false);
  });

  it('a refused name or upstream says what was probably meant', () => {
    assert.deepEqual(['My Vite', 'Jupyter Lab!', 'Zoë’s app', '---', 'ok-name'].map(suggestAppName), ['my-vite', 'jupyter-lab', 'zoe-s-app', null, 'ok-name']);
    assert.throws(() => parseApps([{ name: 'My Vite', upstream: 'http://127.0.0.1:5173' }], []), /"name" must be 1–32 lower-case letters, digits, - or _ \(got "My Vite"\); "my-vite" would do/);
    assert.deepEqual(parseUpstream('localhost:5173'), { problem: 'needs its scheme: "localhost:5173" is not a URL; did you mean http://localhost:5173?' });
    assert.deepEqual(parseUpstream('127.0.0.1:8888'), { problem: 'needs its scheme: "127.0.0.1:8888" is not a URL; did you mean http://127.0.0.1:8888?' });
  });
});
