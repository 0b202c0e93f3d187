import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';
import { DESKTOP, deskPage, PHONE, phoneAsking } from '../helpers/uiFixture.ts';

/** The first screen on the computer leads somewhere: connect the phone, then the request, then the rest (real Chromium). */
describe('the first hour: Home on the computer says what to do next', () => {
  const tls = makeTlsFixture();
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let browser: Browser;
  let box: string;
  before(async () => {
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    // No tunnel tool on PATH, no address yet, no device, no app: a fresh install.
    server = await startServer({ toolEnv: { PATH: '/nonexistent' } });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await server?.close();
  });

  it('no phone yet: "Connect your phone" leads, with what to install, then the address and QR once there is one; a request waiting comes first; a paired phone with no apps is told how to add one; the card goes once a phone is paired', async () => {
    const { context, page } = await deskPage(browser, DESKTOP);
    try {
      await page.goto(`${server.local}/.latchkey/`);
      const card = page.locator('section', { has: page.getByRole('heading', { name: 'Connect your phone' }) });
      await card.waitFor();
      await card.getByText(`point any tunnel at 127.0.0.1:${server.remotePort}`).waitFor();
      assert.equal(await page.getByRole('heading', { level: 2 }).first().innerText(), 'Connect your phone', 'it leads the page');

      assert.equal((await server.api('POST', '/.latchkey/api/origins', { origin: box })).status, 200);
      await page.reload();
      await card.getByText(`A tunnel reaches this computer at ${new URL(box).host}.`).waitFor();
      await card.getByRole('img', { name: `QR code for ${box}` }).waitFor();
      await card.getByRole('button', { name: 'Copy' }).waitFor();

      const phone = await phoneAsking(browser, box, { name: 'First phone' });
      try {
        await page.reload();
        await page.getByText('1 device waiting for approval.').waitFor();
        const first = await page.locator('main section, main aside').first().innerText();
        assert.match(first, /1 device waiting for approval/, 'a request waiting comes before everything else');
        assert.equal((await server.api('POST', '/.latchkey/api/devices/pending/approve', { code: phone.code })).status, 200);
        await phone.page.getByTestId('signed-in-as').waitFor();
        await phone.page.setViewportSize(PHONE);
        await phone.page.getByRole('heading', { name: 'No apps yet' }).waitFor();
        await phone.page.getByText('latchkey apps add vite http://localhost:5173').waitFor();
      } finally {
        await phone.context.close();
      }
      await page.reload();
      await page.getByTestId('signed-in-as').waitFor();
      await page.getByRole('heading', { name: 'No apps yet' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Connect your phone' }).count(), 0, 'gone once a phone is paired');
    } finally {
      await context.close();
    }
  });
});
