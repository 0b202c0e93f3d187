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
      await page.getByRole('navigation').getByRole('link', { name: 'Remote access' }).click();
      await page.getByText('No address yet').waitFor();
      await page.getByRole('button', { name: 'Start a quick tunnel' }).click();
      const url = 'https://calm-river-maple-stone.trycloudflare.com';
      assert.equal(await page.getByTestId('tunnel-url').innerText(), url);
      const shot = PNG.sync.read(await page.getByRole('img', { name: `QR code for ${url}` }).screenshot());
      assert.equal(jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data, url, 'the QR code on screen is a real one');
      assert.ok((await s.api('GET', '/.latchkey/api/origins')).body.origins.includes(url));
      assert.match(await page.getByTestId('quick-tunnel-warning').innerText(), /address changes when it restarts, and phones paired here will have to pair again/);
      await page.getByRole('button', { name: 'Stop tunnel' }).click();
      await page.getByRole('status').getByText(`Stopped ${url}.`).waitFor();
      assert.ok(!(await s.api('GET', '/.latchkey/api/origins')).body.origins.includes(url));
    } finally {
      await context.close();
    }
  });

  it('with neither tool installed, each folds under "Set up …", and it says how to point any tunnel at the remote port', async () => {
    const bare = await startServer({ toolEnv: { ...process.env, PATH: '/nonexistent' } });
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`${bare.local}/.latchkey/settings/remote`);
      const help = page.getByTestId('no-tools');
      await help.waitFor();
      assert.match(await help.innerText(), new RegExp(`point it at http://127\\.0\\.0\\.1:${bare.remotePort}`));
      assert.equal(await page.getByRole('button', { name: 'Start a quick tunnel' }).count(), 0, 'no button for a tool that is not there');
      await page.getByText('Set up cloudflared').click();
      await page.getByRole('link', { name: 'cloudflared' }).waitFor();
      assert.ok(await page.getByText('Set up Tailscale').isVisible());
      // An address added by hand is the phone's address, with its QR code.
      await page.getByLabel('Add an address').fill('https://box.example.ts.net');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('status').getByText('Added https://box.example.ts.net.').waitFor();
      assert.equal(await page.getByTestId('tunnel-url').innerText(), 'https://box.example.ts.net');
      const shot = PNG.sync.read(await page.getByRole('img', { name: 'QR code for https://box.example.ts.net' }).screenshot());
      assert.equal(jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data, 'https://box.example.ts.net');
    } finally {
      await context.close();
      await bare.close();
    }
  });
});
