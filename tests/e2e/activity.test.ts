import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newDevice, phoneWaiting } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { testPasskey } from '../helpers/testPasskey.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** Settings → Activity in real Chromium: names from strangers stay text, new events arrive live, alerts show until acknowledged. */
describe('Activity page and alert banner (real Chromium, nginx TLS front)', () => {
  let browser: Browser;
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let box: string;
  let desk: Page;
  let phone: Page;
  const dialogs: string[] = [];
  const tls = makeTlsFixture();

  before(async () => {
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    server = await startServer({ config: { public_origins: [box], alerts: { failures_per_client: 3 } } });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
    // A phone whose owner (or an attacker) named it with markup.
    const waiting = await phoneWaiting(browser, box, HOSTILE);
    await server.api('POST', `/.latchkey/api/devices/${server.lk.services.pending.list()[0]!.id}/approve`, { code: server.lk.services.pending.codeOf(server.lk.services.pending.list()[0]!.id) });
    await waiting.page.getByTestId('signed-in-as').waitFor();
    phone = waiting.page;
    // A name with a right-to-left override, as an older version could have stored it.
    await server.lk.services.store.add(testPasskey('dev_rlo', { name: 'Bob\u202Egnp.exe', origin: box }));
    server.lk.services.audit.record({ outcome: 'info', method: 'approve', device_id: 'dev_rlo' });
    desk = (await newDevice(browser)).page;
    for (const p of [desk, phone]) p.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  });
  after(async () => {
    await browser.close();
    await nginx.stop();
    await server.close();
  });

  it('every event in plain words, newest first; hostile names are text, hidden characters shown as escapes', async () => {
    await desk.goto(`${server.local}/.latchkey/settings/activity`);
    const events = desk.getByRole('list', { name: 'Events' });
    await events.getByText('Bob\\u{202e}gnp.exe was approved').waitFor();
    await events.getByText(`${HOSTILE} finished pairing and signed in from 127.0.0.1 via ${new URL(box).host}`).waitFor();
    assert.equal(await desk.locator('ol.activity img').count(), 0, 'no element came from a name');
    const first = await events.locator('li').first().innerText();
    assert.match(first, /Bob\\u\{202e\}gnp\.exe was approved/, 'newest first');
    assert.deepEqual(dialogs, []);
  });

  it('new events appear live; filters narrow the list; the phone reads the same page', async () => {
    server.lk.services.audit.record({ outcome: 'failure', method: 'token', ip: '203.0.113.77', origin: box, reason: 'token_unknown' });
    await desk.getByRole('list', { name: 'Events' }).getByText('A request with a bad token (token unknown) from 203.0.113.77').waitFor();
    await desk.getByLabel('Outcome').selectOption('failure');
    await desk.waitForFunction(() => [...document.querySelectorAll('ol.activity li')].every((li) => li.classList.contains('failure')));
    assert.ok(await desk.locator('ol.activity li').count() >= 1);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${box}/.latchkey/settings/activity`);
    await phone.getByRole('list', { name: 'Events' }).getByText('A request with a bad token (token unknown) from 203.0.113.77').waitFor();
    // In words, and folded away on a phone so the events come first.
    assert.deepEqual(await desk.getByLabel('Kind').locator('option').allInnerTexts(), ['all', 'passkey sign-ins', 'pairing requests', 'pairings finished', 'approvals', 'denials',
      'devices removed', 'refused sessions', 'API key use', 'fallback sign-ins', 'command-line logins', 'API key changes', 'hand-overs between addresses']);
    assert.equal(await phone.getByLabel('Outcome').isVisible(), false);
    await phone.getByText('Filters', { exact: true }).click();
    await phone.getByLabel('Outcome').waitFor();
  });

  it('a failure spike shows a banner on the home page until it is acknowledged, on the computer only', async () => {
    for (let i = 0; i < 3; i++) server.lk.services.audit.record({ outcome: 'failure', method: 'fallback-backup-code', ip: '198.51.100.3', origin: box, reason: 'wrong_code' });
    await desk.goto(`${server.local}/.latchkey/`);
    const banner = desk.getByRole('alert', { name: 'Alerts' });
    // The bad token from the last test is in the same window: two clients, this one the main one.
    await banner.getByText(`4 failed sign-ins in 5 minutes from 2 addresses (most: 198.51.100.3, 3) on ${new URL(box).host}`).waitFor();
    // Activity, open while the spike grows, follows its count, repeats that are folded into one line included.
    await desk.goto(`${server.local}/.latchkey/activity`);
    await desk.getByText(/^4 failed sign-ins in 5 minutes/).waitFor();
    for (let i = 0; i < 3; i++) server.lk.services.audit.recordFailure({ outcome: 'failure', method: 'fallback-backup-code', ip: '198.51.100.3', origin: box, reason: 'wrong_code' });
    await desk.getByText(/^7 failed sign-ins in 5 minutes/).waitFor({ timeout: 10_000 });
    await desk.goto(`${server.local}/.latchkey/`);
    // The phone sees it too, but cannot silence it.
    await phone.goto(`${box}/.latchkey/`);
    const phoneBanner = phone.getByRole('alert', { name: 'Alerts' });
    await phoneBanner.getByText('Acknowledge it on the computer running Latchkey.').waitFor();
    assert.equal(await phoneBanner.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    const alertId = (await server.api('GET', '/.latchkey/api/alerts')).body.alerts[0].id;
    const refused = await phone.evaluate(async (id) => (await fetch(`/.latchkey/api/alerts/${id}/ack`, { method: 'POST' })).status, alertId);
    assert.equal(refused, 403);
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await banner.waitFor({ state: 'detached' });
    await desk.reload();
    await desk.getByTestId('signed-in-as').waitFor();
    assert.equal(await desk.getByRole('alert', { name: 'Alerts' }).count(), 0, 'gone for good');
    assert.equal((await server.api('GET', '/.latchkey/api/alerts')).body.unacknowledged, 0);
  });
});
