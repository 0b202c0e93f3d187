// What `latchkey` loads, and when: the compiled build (never tsx or esbuild) at start, the
// heavy modules only on first use, and no server code at all for a client command.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs module shared with bin/latchkey.mjs
import { buildAll, isBuildFresh } from '../../bin/build.mjs';
import { spawnCli } from '../helpers/spawnCli.ts';
import { tempHome } from '../helpers/startServer.ts';

const LAZY = ['@simplewebauthn', 'undici', 'qrcode', 'otpauth', '@node-rs/argon2', 'standardwebhooks', 'nodemailer', '@zxcvbn-ts', 'open/'];
const loaded = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8') : '');
const withLog = (dir: string, name: string) => ({ LATCHKEY_IMPORT_LOG: join(dir, name), NODE_OPTIONS: '--import ./tests/helpers/recordImports.mjs' });

describe('start-up: compiled, lazy', () => {
  const dir = tempHome();
  let server: ReturnType<typeof spawnCli>;
  let urls: { local: string; remote: string };

  before(async () => {
    // The suite runs the build npm ci made; after an edit, bring it up to date as `npm run build` would.
    if (!isBuildFresh()) await buildAll();
    server = spawnCli(['serve', '--local-port', '0', '--remote-port', '0', '--json'], { LATCHKEY_HOME: tempHome(), ...withLog(dir, 'serve.log') });
    await server.waitForStdout(/\n/);
    urls = JSON.parse(server.stdout());
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exit;
  });

  it('serve runs the build: no tsx, no esbuild, no TypeScript source, and none of the heavy modules until they are needed', () => {
    const log = loaded(join(dir, 'serve.log'));
    assert.match(log, /dist-cli\/main\.js/);
    assert.match(log, /dist-cli\/chunks\/createLatchkey-/);
    for (const absent of ['/tsx/', '/esbuild/', '/src-server/', '/src-cli/', ...LAZY]) assert.ok(!log.includes(absent), `${absent} was loaded at start`);
  });

  it('the WebAuthn library loads with the first ceremony, and the ceremony works', async () => {
    const res = await fetch(`${urls.local}/.latchkey/auth/login/options`, { method: 'POST', headers: { 'content-type': 'application/json', origin: urls.local }, body: '{}' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(typeof (await res.json() as { options: { challenge: string } }).options.challenge === 'string');
    assert.match(loaded(join(dir, 'serve.log')), /@simplewebauthn\/server/);
  });

  it('the page shell names an icon, a web manifest and a theme colour per scheme, and the build serves them', async () => {
    const page = await (await fetch(`${urls.local}/.latchkey/`)).text();
    assert.match(page, /<meta name="theme-color" media="\(prefers-color-scheme: light\)" content="#[0-9a-f]{6}">/);
    assert.match(page, /<meta name="theme-color" media="\(prefers-color-scheme: dark\)" content="#[0-9a-f]{6}">/);
    assert.match(page, /<link rel="apple-touch-icon" href="\/\.latchkey\/assets\/icon\.png">/);
    const manifest = await (await fetch(`${urls.local}/.latchkey/manifest.webmanifest`)).json() as { name: string; start_url: string; icons: Array<{ src: string; sizes: string }>; shortcuts: Array<{ url: string }> };
    assert.deepEqual([manifest.name, manifest.start_url, manifest.icons[0]!.sizes], ['Latchkey', '/.latchkey/', '512x512']);
    assert.ok(manifest.shortcuts.some((sc) => sc.url === '/.latchkey/'), 'a way back to Latchkey from inside an app');
    const icon = await fetch(`${urls.local}${manifest.icons[0]!.src}`);
    assert.equal(icon.headers.get('content-type'), 'image/png');
    assert.deepEqual([...Buffer.from(await icon.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
  });

  it('a client command loads no server code', async () => {
    const cli = spawnCli(['devices', 'list', '--base-url', urls.local, '--json'], withLog(dir, 'client.log'));
    assert.equal(await cli.exit, 0, cli.stderr());
    assert.ok(Array.isArray(JSON.parse(cli.stdout())));
    const log = loaded(join(dir, 'client.log'));
    assert.match(log, /dist-cli\/main\.js/);
    assert.ok(!log.includes('createLatchkey-'), 'the server chunk was loaded for a client command');
  });
});
