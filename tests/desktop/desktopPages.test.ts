import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, phoneWaiting, typeCodeAndApprove } from '../helpers/browser.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const SECRET = 'per-launch-secret-0123456789abcdefghijklmno';

describe('the desktop app\'s per-launch secret and its pages, in real Chromium against a running server', () => {
  let s: TestServer;
  let browser: Browser;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let box: string;
  const tls = makeTlsFixture();

  before(async () => {
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    // Bypass off: the desktop user must still get in, with the secret alone.
    s = await startServer({ config: { public_origins: [box], loopback_auth_bypass: false }, desktopSecret: SECRET });
    nginx = await startNginx(tls, s.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser.close();
    await nginx.stop();
    await s.close();
  });

  const local = (headers: Record<string, string>) =>
    rawRequest(s.localPort, { path: '/.latchkey/api/devices/pending', headers: { host: `localhost:${s.localPort}`, ...headers } });

  it('the secret signs the app in on the local listener only, with the bypass off; a wrong one is refused and audited', async () => {
    assert.equal((await local({})).status, 401, 'bypass off, no secret');
    const ok = await local({ 'x-latchkey-desktop': SECRET });
    assert.equal(ok.status, 200);
    const wrong = await local({ 'x-latchkey-desktop': `${SECRET.slice(0, -1)}x` });
    assert.deepEqual([wrong.status, wrong.body.reason], [401, 'desktop_secret_invalid']);
    const forwarded = await local({ 'x-latchkey-desktop': SECRET, 'x-forwarded-for': '203.0.113.9' });
    assert.equal(forwarded.status, 401, 'a proxied request never counts as the desktop app');
    const remote = await rawRequest(s.remotePort, { path: '/.latchkey/api/whoami', headers: { host: new URL(box).host, 'x-forwarded-proto': 'https', 'x-latchkey-desktop': SECRET } });
    assert.deepEqual([remote.status, remote.body.reason], [401, 'desktop_secret_invalid'], 'never over the tunnel');
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(s.lk.services.audit.file, 'utf8'), /"method":"desktop".*"reason":"desktop_secret_invalid"/);
    assert.ok(!readFileSync(s.lk.services.audit.file, 'utf8').includes(SECRET));
  });

  it('approval window shows the facts and approves by picking the phone\'s code; Devices lists the phone; Remove asks in a dialog, then refuses it at once; it can pair again', async () => {
    const phone = await phoneWaiting(browser, box, 'Alice phone');
    const code = phone.code;
    // The Electron main process adds this header to its windows' requests; here Chromium does.
    const desk = await browser.newContext({ extraHTTPHeaders: { 'x-latchkey-desktop': SECRET } });
    const win = await desk.newPage();
    try {
      const [pending] = s.lk.services.pending.list();

      await win.goto(`${s.local}/.latchkey/approve?request=${pending!.id}`);
      await win.getByRole('heading', { name: `${new URL(box).host} wants access` }).waitFor();
      const card = win.locator(`[data-request-id="${pending!.id}"]`);
      assert.match(await card.innerText(), new RegExp(`calls itself .Alice phone., detected as iPhone · Mobile Safari[\\s\\S]*${box.replace(/\./g, '\\.')}[\\s\\S]*${pending!.fingerprint}`));
      assert.ok(!(await card.innerText()).includes(`code ${code}`), 'the right code is not labelled: the person picks it');
      await typeCodeAndApprove(card, code);
      await win.getByText('Approved Alice phone. It is signed in now.').waitFor();
      await phone.page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();

      await win.goto(`${s.local}/.latchkey/approve?request=${pending!.id}`);
      await win.getByText('This request is no longer waiting').waitFor();

      // The old name still lands on Devices.
      await win.goto(`${s.local}/.latchkey/settings/security`);
      await win.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
      const row = win.locator('li.device', { hasText: 'Alice phone' });
      await row.waitFor();
      assert.match(await row.innerText(), /iPhone · Mobile Safari 17[\s\S]*Passkey|Passkey[\s\S]*iPhone · Mobile Safari/);
      await row.getByRole('button', { name: 'Remove Alice phone' }).click();
      const dialog = win.getByRole('dialog', { name: 'Remove Alice phone?' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(s.lk.services.store.list().length, 1, 'cancelled: nothing removed');
      await row.getByRole('button', { name: 'Remove Alice phone' }).click();
      await dialog.getByRole('button', { name: 'Remove' }).click();
      await win.getByText('Removed Alice phone.').waitFor();
      assert.equal(await row.count(), 0);
      assert.equal(await phone.page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).status), 401);

      // A removed device can pair again later.
      await phone.page.goto(`${box}/.latchkey/pair`);
      await phone.page.getByRole('button', { name: 'Set up passkey' }).click();
      await phone.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
      assert.equal(s.lk.services.pending.list().length, 1);
    } finally {
      await desk.close();
      await phone.context.close();
    }
  });
});
