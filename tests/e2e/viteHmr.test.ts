import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { addAuthenticator, IPHONE_UA, newDevice } from '../helpers/browser.ts';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import { spawnUntil } from '../helpers/spawnUntil.ts';
import type { TestServer } from '../helpers/startServer.ts';
import { freePort } from '../helpers/tunnel.ts';

/** A stock Vite dev server on a free port, serving a page that links one CSS file. */
async function startVite() {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-vite-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><link rel="stylesheet" href="/style.css"><title>My app</title></head>' +
    '<body><h1 id="title">Hello from Vite</h1><script type="module" src="/main.js"></script></body></html>');
  writeFileSync(join(dir, 'main.js'), 'document.body.dataset.ready = "yes";\n');
  writeFileSync(join(dir, 'style.css'), '#title { color: rgb(255, 0, 0); }\n');
  const port = await freePort();
  // As `npm run dev` starts it (no --host), and behind the gate at the address it prints: README, "Apps that work".
  const vite = await spawnUntil(process.execPath, ['node_modules/vite/bin/vite.js', dir, '--port', String(port), '--strictPort'], /Local:\s+http:\/\/\S+/, { what: 'vite' });
  const url = /Local:\s+(http:\/\/[^/\s]+)/.exec(vite.output)![1]!;
  return { dir, port, url, stop: vite.stop };
}

describe('a stock Vite dev server behind the gate, through a TLS tunnel, HMR included (real Chromium)', () => {
  let vite: Awaited<ReturnType<typeof startVite>>;
  let server: TestServer;
  let browser: Browser;
  let box: string;
  let front: Awaited<ReturnType<typeof startBehindTunnel>>;
  before(async () => {
    vite = await startVite();
    front = await startBehindTunnel((origin) => ({ config: { public_origins: [origin] }, upstream: vite.url }));
    ({ server, browser, box } = front);
  });
  after(async () => {
    await front?.close();
    await vite?.stop();
  });

  it('an unpaired phone is sent to Pair, is approved on the computer, lands on the app it asked for, and a CSS edit applies without a reload', async () => {
    const { context, page } = await newDevice(browser, IPHONE_UA);
    try {
      await addAuthenticator(page);
      await page.goto(`${box}/`);
      assert.equal(new URL(page.url()).pathname, '/.latchkey/signin');
      await page.getByRole('heading', { name: 'Pair' }).waitFor();
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
      const [pending] = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
      assert.equal((await server.api('POST', `/.latchkey/api/devices/${pending.id}/approve`, { code: server.lk.services.pending.codeOf(pending.id) })).status, 200);

      // Back on the page it asked for: the Vite app itself, served through nginx → Latchkey → Vite.
      await page.waitForURL(`${box}/`);
      await page.locator('#title').getByText('Hello from Vite').waitFor();
      await page.waitForFunction(() => document.body.dataset.ready === 'yes');
      const colour = () => page.evaluate(() => getComputedStyle(document.getElementById('title')!).color);
      assert.equal(await colour(), 'rgb(255, 0, 0)');
      // Vite's client has its HMR WebSocket open through the gate before we edit.
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/@vite/client')));
      await new Promise((r) => setTimeout(r, 500));

      let navigations = 0;
      page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations++; });
      writeFileSync(join(vite.dir, 'style.css'), '#title { color: rgb(0, 0, 255); }\n');
      await page.waitForFunction(() => getComputedStyle(document.getElementById('title')!).color === 'rgb(0, 0, 255)', undefined, { timeout: 15_000 });
      assert.equal(navigations, 0, 'a hot update, not a reload');
    } finally {
      await context.close();
    }
  });
});
