// End-to-end through the real Electron app with Playwright's _electron launcher. It runs
// wherever an Electron binary is installed; elsewhere it is skipped with one line saying why.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { _electron, type Browser, type ElectronApplication } from 'playwright-core';
// @ts-expect-error: a plain .mjs helper shared with bin/desktop.mjs
import { electronBinary, MISSING_ELECTRON } from '../../bin/electronBinary.mjs';
import { launchChromium, phoneWaiting } from '../helpers/browser.ts';
import { tempHome } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const binary: string | null = electronBinary();

describe('the desktop app (Electron)', { skip: binary ? false : `skipped: ${MISSING_ELECTRON}` }, () => {
  let app: ElectronApplication;
  let browser: Browser;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let urls: { local: string; remote: string };
  let box: string;
  const home = tempHome();
  const tls = makeTlsFixture();

  before(async () => {
    await promisify(execFile)(process.execPath, ['bin/desktop.mjs', 'build']);
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    const { writeFileSync } = await import('node:fs');
    // Bypass off: the app's windows must get in with the per-launch secret alone.
    writeFileSync(join(home, 'config.json'), JSON.stringify({ public_origins: [box], loopback_auth_bypass: false }));
    app = await _electron.launch({
      executablePath: binary!, args: ['.'],
      env: { ...process.env, LATCHKEY_HOME: home, LATCHKEY_E2E: '1' } as Record<string, string>,
    });
    urls = await new Promise((resolve) => {
      let out = '';
      app.process().stdout!.on('data', (c) => {
        out += c;
        const line = out.split('\n').find((l) => l.startsWith('{"ready":true'));
        if (line) resolve(JSON.parse(line));
      });
    });
    nginx = await startNginx(tls, Number(new URL(urls.remote).port), port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await nginx?.stop();
  });

  it('launch → a phone pairs → the tray lists it → the approval window approves by picking the phone\'s code → it is under Devices → Remove', async () => {
    const lock = JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8'));
    assert.equal(lock.pid, app.process().pid, 'the app runs the server itself');

    const { context, page, code } = await phoneWaiting(browser, box, 'Alice phone');

    const tray = await app.evaluate(() => (globalThis as any).latchkeyE2E.tray());
    assert.equal(tray.badge, '1');
    assert.ok(tray.items.some((i: { label: string }) => i.label.startsWith('Alice phone · ')), 'the tray menu lists the request');
    assert.ok(!tray.items.some((i: { label: string }) => i.label.includes(code)), 'the code is never on the computer\'s screen');

    const approvalWindow = app.waitForEvent('window');
    assert.ok(await app.evaluate(() => (globalThis as any).latchkeyE2E.run('Alice phone · ')), 'the tray item opens the approval window');
    const approval = await approvalWindow;
    await approval.getByRole('button', { name: `Approve: the device shows ${code}` }).click();
    await page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();

    const settingsWindow = app.waitForEvent('window');
    await app.evaluate(() => (globalThis as any).latchkeyE2E.run('Trusted Devices'));
    const settings = await settingsWindow;
    const row = settings.locator('li.device', { hasText: 'Alice phone' });
    await row.getByRole('button', { name: 'Remove Alice phone' }).click();
    await settings.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await settings.getByText('Removed Alice phone.').waitFor();
    const after = await page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).status);
    assert.equal(after, 401, 'the removed phone is refused on its next request');
    await context.close();
  });
});
