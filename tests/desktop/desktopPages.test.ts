import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, phoneWaiting } from '../helpers/browser.ts';
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

  it('approval window shows the facts and approves; Trusted Devices lists the phone; Remove asks, then refuses it at once; it can pair again', async () => {
    const phone = await phoneWaiting(browser, box, 'Alice phone');
    const code = phone.code;
    // The Electron main process adds this header to its windows' requests; here Chromium does.
    const desk = await browser.newContext({ extraHTTPHeaders: { 'x-latchkey-desktop': SECRET } });
    const win = await desk.newPage();
    try {
      const [pending] = s.lk.services.pending.list();

      await win.goto(`${s.local}/.latchkey/approve?request=${pending!.id}`);
      await win.getByRole('heading', { name: 'New device wants access' }).waitFor();
      const card = win.locator(`[data-request-id="${pending!.id}"]`);
      assert.match(await card.innerText(), new RegExp(`Alice phone\\s+code ${code}[\\s\\S]*iPhone · Mobile Safari[\\s\\S]*${box.replace(/\./g, '\\.')}[\\s\\S]*${pending!.fingerprint}`));
      await card.getByRole('button', { name: 'Approve' }).click();
      await win.getByText('Approved Alice phone. It is signed in now.').waitFor();
      await phone.page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();

      await win.goto(`${s.local}/.latchkey/approve?request=${pending!.id}`);
      await win.getByText('This request is no longer waiting').waitFor();

      await win.goto(`${s.local}/.latchkey/settings/security`);
      const row = win.locator('tr', { hasText: 'Alice phone' });
      await row.waitFor();
      assert.match(await row.innerText(), /iPhone/);
      let asked = '';
      win.once('dialog', (d) => { asked = d.message(); void d.dismiss(); });
      await row.getByRole('button', { name: 'Remove' }).click();
      assert.match(asked, /^Remove "Alice phone"\?/);
      assert.equal(s.lk.services.store.list().length, 1, 'dismissed: nothing removed');
      win.once('dialog', (d) => void d.accept());
      await row.getByRole('button', { name: 'Remove' }).click();
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
