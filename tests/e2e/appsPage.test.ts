import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, newDevice } from '../helpers/browser.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

describe('Settings → Apps and the launcher in real Chromium', () => {
  let browser: Browser;
  let s: TestServer;
  let app: RecordingApp;
  before(async () => {
    browser = await launchChromium();
    app = await startRecordingApp();
    s = await startServer({ config: { apps: [{ name: 'docs', upstream: 'http://127.0.0.1:9', path: '/docs' }] } });
  });
  after(async () => {
    await browser.close();
    await s.close();
    await app.close();
  });

  it('on the computer: add an app with its health, open it from home, remove it after confirming', async () => {
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`${s.local}/.latchkey/settings/apps`);
      await page.getByRole('heading', { name: 'Apps' }).waitFor();
      assert.equal(await page.getByTestId('health-docs').innerText(), 'not running', 'an app that is down says so');
      await page.getByLabel('Name').fill('notes');
      await page.getByLabel('Where it listens').fill(app.url);
      await page.getByRole('button', { name: 'Add app' }).click();
      await page.getByRole('status').getByText('Added notes.').waitFor();
      assert.equal(await page.getByTestId('health-notes').innerText(), 'up');
      assert.deepEqual(JSON.parse(readFileSync(join(s.home, 'config.json'), 'utf8')).apps.map((a: any) => a.name), ['docs', 'notes']);

      await page.getByLabel('Name').fill('evil');
      await page.getByLabel('Where it listens').fill('http://93.184.216.34');
      await page.getByRole('button', { name: 'Add app' }).click();
      await page.getByRole('alert').getByText(/not a loopback or private address/).waitFor();

      await page.goto(`${s.local}/.latchkey/`);
      await page.getByRole('heading', { name: 'Your apps' }).waitFor();
      await page.getByRole('link', { name: 'notes' }).click();
      // The app opens on the computer's app origin, never on Latchkey's own http://localhost:PORT.
      await page.waitForURL(`http://127.0.0.1:${s.localPort}/`);
      assert.match(await page.locator('body').innerText(), /"x-latchkey-auth-method":"loopback"/);

      await page.goto(`${s.local}/.latchkey/settings/apps`);
      await page.locator('li', { hasText: 'notes' }).getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await page.getByTestId('health-notes').count(), 1, 'cancelling keeps it');
      await page.locator('li', { hasText: 'notes' }).getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('status').getByText('Removed notes.').waitFor();
      assert.equal(await page.getByTestId('health-notes').count(), 0);
    } finally {
      await context.close();
    }
  });
});
