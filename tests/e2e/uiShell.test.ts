// The web UI as a person meets it, in real Chromium against a running server: every page
// passes axe (no serious or critical violations) on a phone and a desktop, light and dark;
// nothing scrolls sideways at 390 px; every page is two clicks from Home; approving means
// picking the phone's code; the countdown, Cancel, removal and error pages say what happened.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { PAGE_ALIASES, PAGE_TABLE } from '../../src-server/web/pagePaths.ts';
import { launchChromium } from '../helpers/browser.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import type { TestServer } from '../helpers/startServer.ts';
import { DESKTOP, deskPage, PHONE, phoneAsking, startUiServer } from '../helpers/uiFixture.ts';

const SHELL_PAGES = PAGE_TABLE.filter((p) => p.nav).map((p) => p.path);

/** Serious and critical axe violations on the page as it is now, one line each. */
async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/** Elements wider than the viewport, or a document that scrolls sideways. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide: string[] = [];
    if (document.documentElement.scrollWidth > width) wide.push(`document scrolls: ${document.documentElement.scrollWidth} > ${width}`);
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 1 || r.left < -1)) wide.push(`${el.tagName.toLowerCase()}.${(el as HTMLElement).className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return wide.slice(0, 5);
  });
}

/**
 * Tap targets under 44 px: every button, input, select and summary; every link except one
 * inside a sentence (WCAG 2.5.8 exempts those: the sentence sets its size); and for a checkbox
 * or radio, the label that takes its taps.
 */
async function smallTargets(page: Page): Promise<string[]> {
  // A string, not a function: the test's transpiler would name inner functions with a helper the page does not have.
  return page.evaluate(`(() => {
    const inSentence = (a) => {
      const block = a.parentElement;
      return !!block && (block.textContent || '').trim() !== (a.textContent || '').trim() && getComputedStyle(a).display === 'inline';
    };
    return Array.from(document.querySelectorAll('button, a[href], input, select, summary'))
      .filter((el) => el.offsetParent !== null && !(el.tagName === 'A' && inSentence(el)))
      .map((el) => {
        const box = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') || document.querySelector('label[for="' + el.id + '"]') || el) : el;
        return { el, r: box.getBoundingClientRect() };
      })
      .filter(({ r }) => r.height < 43.5 || r.width < 43.5)
      .map(({ el, r }) => el.tagName.toLowerCase() + ' "' + (el.textContent || el.value || '').trim().slice(0, 24) + '" ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px');
  })()`);
}

describe('the web UI shell (real Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let box: string;
  let nginx: { stop: () => Promise<void> };
  let cert: string;

  before(async () => {
    const ui = await startUiServer();
    ({ server, box, nginx } = ui);
    cert = ui.tls.cert;
    browser = await launchChromium(ui.tls.chromiumArgs);
  });
  after(async () => {
    await browser.close();
    await nginx.stop();
    await server.close();
  });

  it('the server serves exactly the table\'s pages, and the old names redirect to their new pages', async () => {
    for (const p of PAGE_TABLE) {
      const res = await fetch(`${server.local}/.latchkey${p.path}`, { redirect: 'manual' });
      assert.equal(res.status, 200, p.path);
    }
    for (const [old, page] of Object.entries(PAGE_ALIASES)) {
      const res = await fetch(`${server.local}/.latchkey${old}?request=x`, { redirect: 'manual' });
      assert.deepEqual([res.status, res.headers.get('location')], [302, `/.latchkey${page}?request=x`], old);
    }
    assert.equal((await fetch(`${server.local}/.latchkey/settings/nope`)).status, 404);
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      it(`every page, ${label} ${scheme}: no serious axe violation${label === 'phone' ? ', nothing wider than 390 px, tap targets at least 44 px' : ''}`, async () => {
        const phone = label === 'phone' ? await phoneAsking(browser, box, { colorScheme: scheme, name: `Pixel ${scheme}` }) : null;
        const { context, page } = await deskPage(browser, viewport, scheme);
        const problems: string[] = [];
        try {
          // Signed-in pages, with a request waiting so Pending and the badge have content.
          for (const path of [...SHELL_PAGES, '/approve']) {
            const url = path === '/approve' ? `/approve?request=${server.lk.services.pending.list()[0]?.id ?? ''}` : path;
            await page.goto(`${server.local}/.latchkey${url}`);
            await page.getByRole('heading', { level: 1 }).first().waitFor();
            await page.waitForLoadState('networkidle');
            for (const p of await axeProblems(page)) problems.push(`${path}: ${p}`);
            if (label === 'phone') {
              for (const p of await overflow(page)) problems.push(`${path}: overflow ${p}`);
              for (const p of await smallTargets(page)) problems.push(`${path}: small target ${p}`);
            }
          }
          // The phone's own screens: waiting for approval, then the sign-in page of a fresh browser.
          if (phone) {
            for (const p of [...await axeProblems(phone.page), ...(await overflow(phone.page)).map((o) => `overflow ${o}`), ...(await smallTargets(phone.page)).map((t) => `small target ${t}`)]) problems.push(`phone waiting: ${p}`);
            const fresh = await browser.newContext({ viewport: PHONE, colorScheme: scheme });
            const signin = await fresh.newPage();
            await signin.goto(`${box}/.latchkey/`);
            await signin.getByRole('heading', { name: 'Sign in' }).waitFor();
            for (const p of [...await axeProblems(signin), ...(await overflow(signin)).map((o) => `overflow ${o}`), ...(await smallTargets(signin)).map((t) => `small target ${t}`)]) problems.push(`sign in: ${p}`);
            await signin.goto(`${box}/.latchkey/nowhere`);
            await signin.getByRole('heading', { name: 'Nothing here' }).waitFor();
            for (const t of await smallTargets(signin)) problems.push(`404 page: small target ${t}`);
            await fresh.close();
          }
        } finally {
          await context.close();
          if (phone) {
            await phone.page.getByRole('button', { name: 'Cancel' }).click();
            await phone.context.close();
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  }

  it('every page is reachable from Home in at most two clicks, without a full reload, and the tab title counts what waits', async () => {
    const phone = await phoneAsking(browser, box, { name: 'Nav phone' });
    const { context, page } = await deskPage(browser, DESKTOP);
    try {
      await page.goto(`${server.local}/.latchkey/`);
      await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
      await page.waitForFunction(() => document.title === '(1) Latchkey');
      assert.ok(await page.getByRole('navigation').getByText('1', { exact: true }).isVisible(), 'the Pending entry has a count badge');
      await page.evaluate(() => { (window as unknown as { marker: number }).marker = 1; });
      const nav = page.getByRole('navigation', { name: 'Latchkey' });
      for (const p of PAGE_TABLE.filter((x) => x.nav && x.path !== '/')) {
        await page.goto(`${server.local}/.latchkey/`);
        await page.evaluate(() => { (window as unknown as { marker: number }).marker = 1; });
        await nav.getByRole('link', { name: new RegExp(`^${p.title}`) }).click();
        await page.getByRole('heading', { name: p.title, level: 1 }).waitFor();
        assert.equal(new URL(page.url()).pathname, `/.latchkey${p.path}`);
        assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1, `${p.title}: no full reload`);
      }
      // On a phone the menu folds behind one button: still two clicks.
      const small = await deskPage(browser, PHONE);
      await small.page.goto(`${server.local}/.latchkey/`);
      await small.page.getByRole('button', { name: /^Menu/ }).click();
      await small.page.getByRole('navigation', { name: 'Latchkey' }).getByRole('link', { name: /^Devices/ }).click();
      await small.page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
      await small.context.close();
    } finally {
      await context.close();
      await phone.page.getByRole('button', { name: 'Cancel' }).click();
      await phone.context.close();
    }
  });

  it('number matching: a wrong code typed denies and the phone says the code did not match; the right one approves, the phone shows success then its app launcher; both are audited', async () => {
    const { context, page } = await deskPage(browser, DESKTOP);
    const wrongPhone = await phoneAsking(browser, box, { name: 'Guess phone' });
    const rightPhone = await phoneAsking(browser, box, { name: 'Right phone' });
    try {
      await page.goto(`${server.local}/.latchkey/pending`);
      const wrongCard = page.locator('article', { hasText: 'Guess phone' });
      await wrongCard.getByRole('heading', { name: /wants access$/ }).waitFor();
      // Shown, the code would stand as an element's whole text (a label, a choice); digits inside a
      // countdown, an IP or a fingerprint are no hint of it.
      const shownAlone = await page.evaluate((code) => Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.children.length === 0 && el.textContent?.trim() === code).length, wrongPhone.code);
      assert.equal(shownAlone, 0, 'the computer never shows the code');
      assert.equal(await page.getByRole('button', { name: /^\d{2}$/ }).count(), 0, 'nor a list of codes to pick from');
      const wrong = wrongPhone.code === '10' ? '11' : '10';
      await wrongCard.getByLabel('Code on the device').fill(wrong);
      await wrongCard.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('alert').getByText(`Code ${wrong} is not the one the requesting device shows, so the request was denied.`).waitFor();
      const mismatch = wrongPhone.page.getByText('The code typed on the computer did not match the one this device showed, so the request was denied.');
      await mismatch.waitFor();
      assert.equal(await mismatch.evaluate((el) => el.className), 'error');

      const rightCard = page.locator('article', { hasText: 'Right phone' });
      await rightCard.getByLabel('Code on the device').fill(rightPhone.code);
      await rightCard.getByLabel('Code on the device').press('Enter');
      await page.getByText('Approved Right phone. It is signed in now.').waitFor();
      await rightPhone.page.getByTestId('approved').getByText('This Right phone can now reach').waitFor();
      await rightPhone.page.getByTestId('signed-in-as').waitFor();
      const audit = readFileSync(server.lk.services.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(audit.some((e) => e.method === 'deny' && e.reason === 'wrong_code_picked'), 'the wrong pick is audited');
      assert.ok(audit.some((e) => e.method === 'approve' && e.code_matched === true), 'the right pick is audited');
    } finally {
      await context.close();
      await wrongPhone.context.close();
      await rightPhone.context.close();
      // A failure above must not leave requests waiting for the tests after this one.
      for (const p of server.lk.services.pending.list()) await server.api('POST', `/.latchkey/api/devices/${p.id}/deny`);
    }
  });

  it('both screens count down; expiry reaches the phone at once; Cancel on the phone takes the request off the computer', async () => {
    const { context, page } = await deskPage(browser, DESKTOP);
    const phone = await phoneAsking(browser, box, { name: 'Slow phone' });
    try {
      assert.match(await phone.page.getByTestId('countdown').innerText(), /^[45]:\d\d$/);
      await page.goto(`${server.local}/.latchkey/pending`);
      const card = page.locator('article', { hasText: 'Slow phone' });
      const first = await card.getByTestId('countdown').innerText();
      await page.waitForFunction((before) => document.querySelector('[data-testid=countdown]')?.textContent !== before, first);
      // Five minutes pass on the server's clock; the registry's expiry is pushed to the phone.
      server.clock.advance(5 * 60_000 + 1);
      server.lk.services.pending.list();
      await phone.page.getByText('The request expired before it was approved. Try again.').waitFor({ timeout: 10_000 });
      await card.waitFor({ state: 'detached' });

      const again = await phoneAsking(browser, box, { name: 'Cancelling phone' });
      await page.locator('article', { hasText: 'Cancelling phone' }).waitFor();
      // The pushed outcome usually beats Cancel's own answer on a slow machine; hold the answer
      // until the page has read the outcome, so that order is the one tested.
      const outcomeRead = again.page.waitForResponse((r) => r.url().endsWith('/.latchkey/auth/pairing/status'));
      await again.page.route('**/.latchkey/auth/pairing/cancel', async (route) => {
        // Sent by the test through the same TLS front (Playwright's own fetch knows neither Chromium's host mapping nor its trusted key).
        const asked = route.request();
        const url = new URL(asked.url());
        const answer = await rawRequest(Number(url.port), {
          method: 'POST', path: url.pathname, body: asked.postData() ?? '',
          headers: { ...asked.headers(), host: url.host }, tls: { ca: readFileSync(cert, 'utf8'), servername: url.hostname },
        });
        await outcomeRead;
        await route.fulfill({ status: answer.status, contentType: 'application/json', body: answer.text });
      });
      await again.page.getByRole('button', { name: 'Cancel' }).click();
      await again.page.getByRole('button', { name: 'Set up passkey' }).waitFor();
      assert.equal(await again.page.getByRole('alert').count(), 0, 'a cancelled request is not reported as an error');
      await page.locator('article', { hasText: 'Cancelling phone' }).waitFor({ state: 'detached' });
      assert.ok(readFileSync(server.lk.services.audit.file, 'utf8').includes('"method":"pairing-cancel"'));
      await again.context.close();
    } finally {
      await context.close();
      await phone.context.close();
    }
  });

  it('a removed phone gets a full page saying when, and Pair again; a browser gets HTML error pages, a script keeps the JSON', async () => {
    const phone = await phoneAsking(browser, box, { name: 'Lost phone' });
    try {
      const id = server.lk.services.pending.list().find((p) => p.name === 'Lost phone')!.id;
      const approved = await server.api('POST', `/.latchkey/api/devices/${id}/approve`, { code: phone.code });
      assert.equal(approved.status, 200);
      await phone.page.getByTestId('signed-in-as').waitFor();
      assert.equal((await server.api('DELETE', `/.latchkey/api/devices/${approved.body.device.id}`)).status, 200);
      await phone.page.reload();
      await phone.page.getByRole('heading', { name: /^Removed from box\.alice\.ts\.net/ }).waitFor();
      assert.match(await phone.page.locator('.removed').innerText(), /“Lost phone” was removed from box\.alice\.ts\.net:\d+ on \d+ [A-Z][a-z]+\./);
      await phone.page.getByRole('link', { name: 'Pair again' }).click();
      await phone.page.getByRole('heading', { name: 'Pair' }).waitFor();
    } finally {
      await phone.context.close();
    }

    const { context, page } = await deskPage(browser, PHONE);
    try {
      // 421: an address this Latchkey does not answer for, on the remote listener.
      const res = await rawRequest(server.remotePort, { path: '/.latchkey/', headers: { accept: 'text/html', host: 'new.example.ts.net' } });
      assert.equal(res.status, 421);
      assert.match(String(res.headers['content-security-policy']), /script-src 'sha256-/);
      const html = res.text;
      assert.match(html, /<pre id="command">latchkey origins add https:\/\/new\.example\.ts\.net<\/pre>/);
      assert.match(html, /<button type="button" data-copy="command">Copy<\/button>/);
      await page.setContent(html);
      for (const p of await axeProblems(page)) assert.fail(`421 page: ${p}`);
      const json = await rawRequest(server.remotePort, { path: '/.latchkey/api/whoami', headers: { host: 'new.example.ts.net' } });
      assert.deepEqual([json.status, json.body.error, json.body.host], [421, 'unknown_host', 'new.example.ts.net']);
      // 404 on Latchkey's own pages, as a page with the way home.
      await page.goto(`${server.local}/.latchkey/nowhere`);
      await page.getByRole('heading', { name: 'Nothing here' }).waitFor();
      await page.getByRole('link', { name: 'Latchkey home' }).waitFor();
      for (const p of [...await axeProblems(page), ...await overflow(page)]) assert.fail(`404 page: ${p}`);
    } finally {
      await context.close();
    }
  });

  it('with one app behind the gate, a phone that just paired says so, then goes straight into the app', async () => {
    assert.equal((await server.api('DELETE', '/.latchkey/api/apps/jupyter')).status, 200);
    const phone = await phoneAsking(browser, box, { name: 'One-app phone' });
    try {
      assert.equal((await server.api('POST', '/.latchkey/api/devices/pending/approve', { code: phone.code })).status, 200);
      await phone.page.getByTestId('approved').waitFor();
      // The app (not running in this test) is where it lands: its address, and the gate's page for an app that is down.
      await phone.page.waitForURL(`${box}/`);
      await phone.page.getByRole('heading', { name: 'The app is not running' }).waitFor();
    } finally {
      await phone.context.close();
    }
  });
});
