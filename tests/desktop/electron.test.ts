// End-to-end through the real Electron app with Playwright's _electron launcher, as Signal's
// and Actual's suites drive theirs. It runs wherever an Electron binary is installed; elsewhere
// it is skipped with one line saying why, unless LATCHKEY_REQUIRE_ELECTRON=1 (the desktop
// workflow), where a missing binary fails it instead.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { _electron, type Browser, type ElectronApplication, type Page } from 'playwright-core';
// @ts-expect-error: a plain .mjs helper shared with bin/desktop.mjs
import { electronBinary, MISSING_ELECTRON } from '../../bin/electronBinary.mjs';
import { launchChromium, phoneWaiting, typeCodeAndApprove } from '../helpers/browser.ts';
import { tempHome } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const binary: string | null = electronBinary();
const required = process.env.LATCHKEY_REQUIRE_ELECTRON === '1';

/** What the main process shows under LATCHKEY_E2E=1 (src-main/main.ts): the tray as drawn, the notifications as shown. */
type Tray = { badge: string; items: Array<{ label: string }> };
type Note = { title: string; body: string };

describe('the desktop app (Electron)', { skip: binary || required ? false : `skipped: ${MISSING_ELECTRON}` }, () => {
  let app: ElectronApplication;
  let browser: Browser;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let notes: Server;
  let urls: { local: string; remote: string };
  let box: string;
  const home = tempHome();
  const tls = makeTlsFixture();
  const launch = (extraEnv: Record<string, string> = {}) => _electron.launch({
    executablePath: binary!, args: ['.'],
    env: { ...process.env, LATCHKEY_HOME: home, LATCHKEY_E2E: '1', ...extraEnv } as Record<string, string>,
  });
  /** The system browser, stubbed: what the app asked it to open. */
  const opened = () => app.evaluate(() => (globalThis as unknown as { opened: string[] }).opened);
  const windowCount = () => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length);
  // These functions run in the app's main process (Playwright serialises them there).
  const trayState = () => app.evaluate(() => (globalThis as any).latchkeyE2E.tray()) as Promise<Tray>;
  const notifications = () => app.evaluate(() => (globalThis as any).latchkeyE2E.notifications()) as Promise<Note[]>;
  const runTray = (label: string) => app.evaluate((_e, l) => (globalThis as any).latchkeyE2E.run(l), label) as Promise<boolean>;

  before(async () => {
    if (!binary) throw new Error(`LATCHKEY_REQUIRE_ELECTRON=1 but ${MISSING_ELECTRON}`);
    await promisify(execFile)(process.execPath, ['bin/desktop.mjs', 'build']);
    notes = createServer((_req, res) => res.end('<!doctype html><title>notes</title><h1>notes</h1>'));
    await new Promise<void>((resolve) => notes.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    // A fresh home; bypass off, so the app's windows must get in with the per-launch secret alone; one app behind the gate.
    writeFileSync(join(home, 'config.json'), JSON.stringify({
      public_origins: [box], loopback_auth_bypass: false, apps: [{ name: 'notes', upstream: `http://127.0.0.1:${(notes.address() as AddressInfo).port}`, path: '/notes/' }],
    }));
    app = await launch();
    // A Playwright trace of the whole run: CI uploads test-results/ when a step fails.
    await app.context().tracing.start({ screenshots: true, snapshots: true });
    urls = await new Promise((resolve) => {
      let out = '';
      app.process().stdout!.on('data', (c) => {
        out += c;
        const line = out.split('\n').find((l) => l.startsWith('{"ready":true'));
        if (line) resolve(JSON.parse(line));
      });
    });
    // The system browser is stubbed: links the app sends out are recorded, not opened.
    await app.evaluate(({ shell }) => {
      const log: string[] = [];
      Object.assign(globalThis, { opened: log });
      shell.openExternal = async (url: string) => { log.push(url); };
    });
    nginx = await startNginx(tls, Number(new URL(urls.remote).port), port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser?.close();
    if (app && app.process().exitCode === null) {
      await app.context().tracing.stop({ path: 'test-results/electron-trace.zip' });
      await app.close();
    }
    await nginx?.stop();
    notes?.close();
  });

  it('starts on a fresh home folder and runs the server itself; a second launch only brings the first forward', async () => {
    const lock = JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8'));
    assert.equal(lock.pid, app.process().pid, 'the app runs the server itself');
    assert.equal(lock.local, urls.local);
    const before = await windowCount();
    const second = spawn(binary!, ['.'], { env: { ...process.env, LATCHKEY_HOME: home, LATCHKEY_E2E: '1' }, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(code, 0, 'the second launch exits at once');
    await app.waitForEvent('window');
    assert.equal(await windowCount(), before + 1, 'the first one opened its window');
    assert.equal(JSON.parse(readFileSync(join(home, 'server.lock'), 'utf8')).pid, app.process().pid, 'still one server');
  });

  it('a phone pairs → the notification and the tray badge → the approval window approves by picking the phone\'s code → Devices removes the phone, which is refused', async () => {
    const { context, page, code } = await phoneWaiting(browser, box, 'Alice phone');

    const tray = await trayState();
    assert.equal(tray.badge, '1');
    assert.ok(tray.items.some((i) => i.label.startsWith('Alice phone · ')), 'the tray menu lists the request');
    assert.ok(!tray.items.some((i) => i.label.includes(code)), 'the code is never on the computer\'s screen');
    const note = (await notifications()).at(-1)!;
    assert.equal(note.title, `${new URL(box).host} wants access`);
    assert.match(note.body, /Alice phone \(iPhone\) · Mobile Safari/);

    const approvalWindow = app.waitForEvent('window');
    assert.ok(await runTray('Alice phone · '), 'the tray item opens the approval window');
    const approval = await approvalWindow;
    await typeCodeAndApprove(approval, code);
    // Approved, with one app behind the gate: the phone says so, then goes straight into the app.
    await page.getByTestId('approved').waitFor();
    await page.getByRole('heading', { name: 'notes' }).waitFor();
    assert.equal((await trayState()).badge, '');

    const settingsWindow = app.waitForEvent('window');
    await runTray('Devices…');
    const settings = await settingsWindow;
    const row = settings.locator('li.device', { hasText: 'Alice phone' });
    await row.getByRole('button', { name: 'Remove Alice phone' }).click();
    await settings.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await settings.getByText('Removed Alice phone.').waitFor();
    const after = await page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).status);
    assert.equal(after, 401, 'the removed phone is refused on its next request');
    await context.close();
  });

  it('the tray lists the apps behind the gate and opens one in the system browser', async () => {
    const tray = await trayState();
    assert.ok(tray.items.some((i) => i.label === 'Open notes'), 'the tray lists the app');
    assert.ok(await runTray('Open notes'));
    // On the local app origin, never Latchkey's own localhost (whose windows carry the desktop secret).
    assert.equal((await opened()).at(-1), `http://127.0.0.1:${new URL(urls.local).port}/notes/`);
  });

  it('an app window cannot be navigated to another origin; https links go to the system browser', async () => {
    const win: Page = app.windows().find((w) => w.url().startsWith(new URL(urls.local).origin))!;
    const where = win.url();
    await win.evaluate(() => { window.location.href = 'http://evil.example.test/'; });
    await win.waitForTimeout(300);
    assert.equal(win.url(), where, 'a foreign http origin is refused');
    await win.evaluate(() => { window.location.href = 'https://docs.example.test/guide'; });
    await win.waitForTimeout(300);
    assert.equal(win.url(), where, 'the window stays on the app');
    assert.ok((await opened()).includes('https://docs.example.test/guide'), 'the https link went to the system browser');
    // An app never loads in a Latchkey window, on Latchkey's origin or the app origin: it goes to the system browser.
    for (const app of [`${new URL(urls.local).origin}/notes/`, `http://127.0.0.1:${new URL(urls.local).port}/notes/`]) {
      await win.evaluate((href) => { window.location.href = href; }, app);
      await win.waitForTimeout(300);
      assert.equal(win.url(), where, `${app} did not load in the window`);
      assert.ok((await opened()).includes(app), `${app} went to the system browser`);
    }
    const popup = await win.evaluate(() => window.open('https://docs.example.test/popup') === null);
    assert.ok(popup, 'no new app window for a link');
  });

  it('quitting leaves no server running and no lock behind', async () => {
    const port = Number(new URL(urls.local).port);
    await app.context().tracing.stop({ path: 'test-results/electron-trace.zip' });
    await app.close();
    assert.ok(!existsSync(join(home, 'server.lock')), 'the lock is released');
    const refused = await fetch(`http://127.0.0.1:${port}/.latchkey/auth/state`).then(() => false, () => true);
    assert.ok(refused, 'nothing answers on the local port');
  });
});
