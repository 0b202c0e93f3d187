import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import type { TestServer } from '../helpers/startServer.ts';
import { toLoopback } from '../helpers/tunnel.ts';
import { DESKTOP, deskPage, PHONE, phoneAsking } from '../helpers/uiFixture.ts';

/** The first screen on the computer leads somewhere: connect the phone, then the request, then the rest (real Chromium). */
describe('the first hour: Home on the computer says what to do next', () => {
  let server: TestServer;
  let browser: Browser;
  let box: string;
  let front: Awaited<ReturnType<typeof startBehindTunnel>>;
  before(async () => {
    // No tunnel tool on PATH, no address yet, no device, no app: a fresh install. The tunnel check dials
    // box.alice.ts.net as the phone would: mapped to loopback (nginx), trusting the test certificate.
    front = await startBehindTunnel((_origin, tls) => ({ toolEnv: { PATH: '/nonexistent' }, reachCheck: { lookup: toLoopback, ca: readFileSync(tls.cert, 'utf8'), timeoutMs: 3_000 } }));
    ({ server, browser, box } = front);
  });
  after(async () => front?.close());

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
      await card.getByText(`${new URL(box).host} reaches this Latchkey through the tunnel.`).waitFor();
      await card.getByRole('img', { name: `QR code for ${box}` }).waitFor();
      // The check is real: an address nobody answers on says so, and only an allowed address is ever dialled.
      assert.equal((await server.api('POST', '/.latchkey/api/origins', { origin: 'https://dead.alice.ts.net' })).status, 200);
      const dead = await server.api('POST', '/.latchkey/api/tunnel/check', { origin: 'https://dead.alice.ts.net' });
      assert.deepEqual([dead.status, dead.body.reaches, dead.body.code], [200, false, 'tunnel_unreachable']);
      assert.match(dead.body.message, /^dead\.alice\.ts\.net did not answer \(ECONNREFUSED\)\. Is the tunnel running/);
      assert.equal((await server.api('POST', '/.latchkey/api/origins/remove', { origin: 'https://dead.alice.ts.net' })).status, 200);
      const stranger = await server.api('POST', '/.latchkey/api/tunnel/check', { origin: 'https://example.com' });
      assert.deepEqual([stranger.status, stranger.body.error], [400, 'origin_not_allowed']);
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

  it('an open page on the computer asks once for notification permission, then notifies each new waiting device, without its code', async () => {
    const { context, page } = await deskPage(browser, DESKTOP);
    // Chromium's own prompt cannot be answered headless: this stands in for the browser's Notification API only, and records what the page shows.
    await page.addInitScript(() => {
      const shown: Array<{ title: string; body: string }> = [];
      (window as any).shownNotes = shown;
      (window as any).Notification = class {
        static permission = localStorage.getItem('test.granted') ? 'granted' : 'default';
        static async requestPermission() { localStorage.setItem('test.granted', '1'); (this as any).permission = 'granted'; return 'granted'; }
        onclick: (() => void) | null = null;
        constructor(title: string, options: { body: string }) { shown.push({ title, body: options.body }); }
      };
    });
    try {
      await page.goto(`${server.local}/.latchkey/`);
      await page.getByRole('button', { name: 'Turn on notifications' }).click();
      await page.getByRole('button', { name: 'Turn on notifications' }).waitFor({ state: 'detached' });
      const phone = await phoneAsking(browser, box, { name: 'Second phone' });
      try {
        await page.waitForFunction(() => (window as any).shownNotes.length === 1);
        const [note] = await page.evaluate(() => (window as any).shownNotes);
        assert.equal(note.title, `${new URL(box).host} wants access`);
        assert.match(note.body, /^A new device: Second phone \(iPhone\)\. Type the code it shows to approve\.$/);
        assert.ok(!note.body.includes(phone.code), 'never the code');
      } finally {
        await phone.page.getByRole('button', { name: 'Cancel' }).click();
        await phone.context.close();
      }
      await page.reload();
      await page.getByTestId('signed-in-as').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Turn on notifications' }).count(), 0, 'asked once');
    } finally {
      await context.close();
    }
  });
});
