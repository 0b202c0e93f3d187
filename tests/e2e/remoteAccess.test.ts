import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import type { Browser } from 'playwright-core';
import { launchChromium, newDevice } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

describe('Settings → Remote access in real Chromium (stand-in cloudflared)', () => {
  let browser: Browser;
  let s: TestServer;
  before(async () => {
    browser = await launchChromium();
    s = await startServer({ toolEnv: { ...process.env, PATH: `${resolve('tests/fixtures/tunnels/bin')}:${process.env.PATH}` } });
  });
  after(async () => {
    await browser.close();
    await s.close();
  });

  it('starts a quick tunnel, shows its URL and a QR code a decoder reads back from the screen, and stops it', async () => {
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`${s.local}/`);
      await page.getByRole('link', { name: 'Settings → Remote access' }).click();
      await page.getByRole('button', { name: 'Start a quick tunnel' }).click();
      const url = 'https://calm-river-maple-stone.trycloudflare.com';
      assert.equal(await page.getByTestId('tunnel-url').innerText(), url);
      const shot = PNG.sync.read(await page.getByRole('img', { name: `QR code for ${url}` }).screenshot());
      assert.equal(jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data, url, 'the QR code on screen is a real one');
      assert.ok((await s.api('GET', '/.latchkey/api/origins')).body.origins.includes(url));
      await page.getByRole('button', { name: 'Stop tunnel' }).click();
      await page.getByRole('status').getByText(`Stopped ${url}.`).waitFor();
      assert.ok(!(await s.api('GET', '/.latchkey/api/origins')).body.origins.includes(url));
    } finally {
      await context.close();
    }
  });

  it('with neither tool installed, it says how to install one and how to point any tunnel at the remote port', async () => {
    const bare = await startServer({ toolEnv: { ...process.env, PATH: '/nonexistent' } });
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`${bare.local}/.latchkey/settings/remote`);
      const help = page.getByTestId('no-tools');
      await help.waitFor();
      assert.match(await help.innerText(), new RegExp(`point it at http://127\\.0\\.0\\.1:${bare.remotePort}`));
      assert.equal(await page.getByRole('button', { name: 'Start a quick tunnel' }).isDisabled(), true);
    } finally {
      await context.close();
      await bare.close();
    }
  });
});
