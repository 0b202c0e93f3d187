import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newDevice, phoneWaiting } from '../helpers/browser.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';
import { testPasskey } from '../helpers/testPasskey.ts';

/** What a compromised dependency in the app would try, with the browser's own credentials (same-origin fetch). */
const ATTACKS: Array<[string, string, unknown?]> = [
  ['POST', '/.latchkey/api/keys', { name: 'x', scopes: ['api:write'] }],
  ['GET', '/.latchkey/api/devices'],
  ['GET', '/.latchkey/api/keys'],
  ['DELETE', '/.latchkey/api/devices/dev_x'],
  ['POST', '/.latchkey/api/fallbacks/backup-codes'],
  ['POST', '/.latchkey/api/apps', { name: 'evil', upstream: 'http://127.0.0.1:9' }],
  ['GET', '/.latchkey/api/audit'],
];

/** Runs the attacks from inside the app's page, as its own script would, and reports status and error code of each. */
function attackFrom(page: Page, base = '') {
  return page.evaluate(async ({ attacks, base }) => {
    const out: string[] = [];
    for (const [method, path, body] of attacks) {
      try {
        const r = await fetch(`${base}${path}`, {
          method, credentials: 'include',
          headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
        });
        const data = await r.json().catch(() => ({}));
        out.push(`${method} ${path} ${r.status} ${data.error ?? ''}`);
      } catch (err) {
        out.push(`${method} ${path} blocked ${(err as Error).name}`);
      }
    }
    return out;
  }, { attacks: ATTACKS, base });
}

describe('an app\'s own scripts, in real Chromium, cannot act as the owner on either listener', () => {
  const tls = makeTlsFixture();
  let app: RecordingApp;
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let browser: Browser;
  let box: string;
  let admin: string;
  before(async () => {
    app = await startRecordingApp();
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    admin = `https://admin.alice.ts.net:${port}`;
    server = await startServer({ config: { public_origins: [box, admin], admin_origin: admin }, upstream: app.url });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await server?.close();
    await app?.close();
  });

  it('through the tunnel: a signed-in phone on the app\'s origin; every admin call is refused, and the page says where to manage', async () => {
    const { context, page, code } = await phoneWaiting(browser, box, 'Pixel');
    try {
      const [pending] = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
      assert.equal(code, server.lk.services.pending.codeOf(pending.id));
      assert.equal((await server.api('POST', `/.latchkey/api/devices/${pending.id}/approve`, { code })).status, 200);
      await page.waitForURL(`${box}/`);
      const keys = server.lk.services.tokens.list().length;
      const results = await attackFrom(page);
      for (const line of results) assert.match(line, / 403 (admin_not_here|local_only)$/, line);
      assert.equal(server.lk.services.tokens.list().length, keys, 'no key was minted');
      assert.equal(app.seen.filter((r) => r.url.startsWith('/.latchkey')).length, 0);
      const whoami = await page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).status);
      assert.equal(whoami, 200, 'who am I still answers the phone there');

      // Latchkey's own page on the app's origin offers no settings, and says in one line where they are.
      await page.goto(`${box}/.latchkey/`);
      await page.getByTestId('manage-elsewhere').waitFor();
      assert.match(await page.getByTestId('manage-elsewhere').innerText(), /Manage Latchkey at\s*admin\.alice\.ts\.net/);
      assert.equal(await page.getByRole('link', { name: 'Devices' }).count(), 0);
      await page.goto(`${box}/.latchkey/devices`);
      assert.match(await page.locator('body').innerText(), /Manage Latchkey at/);
    } finally {
      await context.close();
    }
  });

  it('on the computer: the app on http://127.0.0.1:PORT gets the bypass for itself, never for Latchkey\'s API on either local origin', async () => {
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`http://127.0.0.1:${server.localPort}/echo`);
      assert.match(await page.locator('body').innerText(), /"x-latchkey-auth-method":"loopback"/, 'the app opens');
      const keys = server.lk.services.tokens.list().length;
      for (const line of await attackFrom(page)) assert.match(line, / 403 admin_not_here$/, line);
      // Across to Latchkey's own origin, http://localhost:PORT: no CORS, and the Origin check refuses the writes.
      const across = await attackFrom(page, `http://localhost:${server.localPort}`);
      for (const line of across) assert.match(line, / blocked TypeError$/, line);
      assert.equal(server.lk.services.tokens.list().length, keys, 'no key was minted');
      assert.equal(server.lk.services.fallbacks.status().backup_codes.left, 0, 'no backup codes were made');
    } finally {
      await context.close();
    }
  });

  it('on the admin origin the phone manages Latchkey: removing another device and making a key ask for its passkey first', async () => {
    const { context, page, auth, code } = await phoneWaiting(browser, admin, 'Admin phone');
    try {
      const [pending] = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
      assert.equal((await server.api('POST', `/.latchkey/api/devices/${pending.id}/approve`, { code })).status, 200);
      await page.getByTestId('approved').waitFor();
      await server.lk.services.store.add(testPasskey('dev_tablet', { name: 'Old tablet', origin: admin, credential_id: 'cred_tablet' }));
      const signCount = async () => (await auth.credentials())[0]!.signCount;
      const before = await signCount();

      await page.goto(`${admin}/.latchkey/devices`);
      const row = page.locator('li.device', { hasText: 'Old tablet' });
      await row.getByRole('button', { name: 'Remove Old tablet' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByText('Removed Old tablet.').waitFor();
      assert.equal(server.lk.services.store.get('dev_tablet'), undefined);
      assert.ok(await signCount() > before, 'the passkey was asked (a fresh assertion) before the removal');

      await page.goto(`${admin}/.latchkey/keys`);
      await page.getByLabel('Name').fill('phone script');
      assert.deepEqual(await page.locator('#key-lifetime option').allInnerTexts(), ['30 days'], 'a phone offers only 30 days');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('status').getByText('Created "phone script".').waitFor();
      const made = server.lk.services.tokens.list().find((t) => t.name === 'phone script')!;
      assert.ok(Math.abs(Date.parse(made.expires_at) - Date.now() - 30 * 86_400_000) < 86_400_000);
    } finally {
      await context.close();
    }
  });
});
