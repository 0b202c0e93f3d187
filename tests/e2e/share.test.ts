import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { decodeJwt } from 'jose';
import type { BrowserContext } from 'playwright-core';
import { addAuthenticator, IPHONE_UA, newDevice, phoneWaiting } from '../helpers/browser.ts';
import { startRecordingApp, type RecordingApp } from '../helpers/recordingApp.ts';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import type { ApprovedFromDevice } from '../../src-server/devices/decidePending.ts';

/** Serious and critical axe violations on the page as it is now. */
async function axeProblems(page: import('playwright-core').Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length} nodes`);
}

/**
 * Sharing one app with another person, and approving their device from the owner's phone, in
 * real Chromium through the nginx TLS front: two browser contexts (the owner's phone on the
 * admin origin, the guest on the app's origin), each with its own virtual authenticator.
 */
describe('share one app with a guest, approved from the owner\'s phone', () => {
  let vite: RecordingApp;
  let notes: RecordingApp;
  let t: Awaited<ReturnType<typeof startBehindTunnel>>;
  let admin: string;
  const contexts: BrowserContext[] = [];
  before(async () => {
    vite = await startRecordingApp();
    notes = await startRecordingApp();
    t = await startBehindTunnel((box) => {
      admin = box.replace('://box.', '://admin.');
      return {
        config: {
          public_origins: [box, admin], admin_origin: admin, approve_from_devices: true,
          apps: [{ name: 'vite', upstream: vite.url, path: '/vite' }, { name: 'notes', upstream: notes.url, path: '/notes' }],
        },
      };
    });
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await t?.close();
    await vite?.close();
    await notes?.close();
  });

  it('invite, pair, a wrong code then the right one from the phone, use of vite only, and revocation on the next request', async () => {
    const { server, box, browser } = t;
    const told: ApprovedFromDevice[] = [];
    server.lk.services.pending.events.on('approved_from_device', (e: ApprovedFromDevice) => told.push(e));

    // The owner's phone, paired and approved at the computer, on the admin origin.
    const owner = await phoneWaiting(browser, admin, 'Pixel 8');
    contexts.push(owner.context);
    const [first] = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
    assert.equal((await server.api('POST', `/.latchkey/api/devices/${first.id}/approve`, { code: owner.code })).status, 200);
    await owner.page.getByTestId('approved').waitFor();

    // On the computer: share vite with Bob for two hours.
    const made = await server.api('POST', '/.latchkey/api/shares', { app: 'vite', name: 'Bob', from: 'Alice', expires_in: '2h' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.ok(made.body.link.startsWith(`${box}/.latchkey/share#`), made.body.link);

    // Bob opens it on his own phone and sets up a passkey.
    const guest = await newDevice(browser, IPHONE_UA);
    contexts.push(guest.context);
    await addAuthenticator(guest.page);
    await guest.page.goto(made.body.link);
    await guest.page.getByTestId('invite-line').waitFor();
    assert.match(await guest.page.getByTestId('invite-line').innerText(), /^Alice shares vite with you, until /);
    assert.deepEqual(await axeProblems(guest.page), [], 'the invitation page');
    await guest.page.getByLabel('Device name').fill('Bob\'s iPhone');
    await guest.page.getByRole('button', { name: 'Set up passkey' }).click();
    await guest.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const wrongCode = await guest.page.getByTestId('match-code').innerText();

    // The same link in another browser: it was bound to Bob's when he paired with it.
    const other = await newDevice(browser, IPHONE_UA);
    contexts.push(other.context);
    await other.page.goto(made.body.link);
    assert.match(await other.page.getByTestId('invite-error').innerText(), /opened in another browser/);

    // Alice approves from her phone, first typing a code that is not Bob's: the request is denied, and Bob is told.
    await owner.page.goto(`${admin}/.latchkey/pending`);
    const card = owner.page.locator('article.request');
    await card.getByTestId('guest-of').waitFor();
    assert.equal(await card.getByTestId('guest-of').innerText(), 'Guest of vite, invited as Bob');
    await card.getByLabel('Code on the device').fill(wrongCode === '11' ? '12' : '11');
    await card.getByRole('button', { name: 'Approve' }).click();
    await owner.page.getByText(/is not the one the requesting device shows/).waitFor();
    await guest.page.getByText(/did not match/).waitFor();
    assert.equal(server.lk.services.store.list().some((d) => d.name === 'Bob\'s iPhone'), false, 'nothing stored for a wrong code');

    // Bob tries again from the same browser (the link still works there), and Alice types the right code.
    await guest.page.getByRole('button', { name: 'Try again' }).click();
    await guest.page.getByRole('button', { name: 'Set up passkey' }).click();
    await guest.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const code = await guest.page.getByTestId('match-code').innerText();
    await owner.page.reload();
    await owner.page.locator('article.request').getByLabel('Code on the device').fill(code);
    await owner.page.locator('article.request').getByRole('button', { name: 'Approve' }).click();
    await owner.page.getByText(/Approved Bob's iPhone/).waitFor();

    // Bob lands in vite, which is told who he is: a guest, with his share.
    await guest.page.waitForURL(`${box}/vite`);
    const seen = JSON.parse(await guest.page.locator('body').innerText());
    const claims = decodeJwt(seen.headers['latchkey-assertion']);
    const device = server.lk.services.store.list().find((d) => d.name === 'Bob\'s iPhone')!;
    assert.equal(claims.sub, device.id);
    assert.equal(claims.role, 'guest');
    assert.equal(claims.share, made.body.share.id);
    assert.equal(claims.aud, 'vite');

    // Only vite: not notes, not the launcher's other entries, not Latchkey's admin.
    const probes = await guest.page.evaluate(`(async () => {
      const out = {};
      for (const path of ['/notes/', '/.latchkey/api/devices', '/.latchkey/api/audit', '/.latchkey/api/shares', '/.latchkey/api/apps']) {
        const r = await fetch(path, { headers: { accept: 'application/json' } });
        out[path] = r.status + ' ' + (path.endsWith('/apps') ? (await r.json()).apps.map((a) => a.name).join(',') : ((await r.json().catch(() => ({}))).error ?? ''));
      }
      return out;
    })()`) as Record<string, string>;
    assert.deepEqual(probes, {
      '/notes/': '403 guest_other_app', '/.latchkey/api/devices': '403 guest_limited', '/.latchkey/api/audit': '403 guest_limited',
      '/.latchkey/api/shares': '403 guest_limited', '/.latchkey/api/apps': '200 vite',
    });
    assert.equal(notes.seen.length, 0, 'notes never saw a guest request');
    // Latchkey's home, for a guest: its one app and Sign out, no menu.
    await guest.page.goto(`${box}/.latchkey/`);
    await guest.page.getByRole('link', { name: 'Open vite' }).waitFor();
    assert.equal(await guest.page.getByRole('navigation').count(), 0);
    assert.deepEqual(await axeProblems(guest.page), [], 'the guest\'s home');

    // The computer was told of the approval made from the phone, and Activity names the phone.
    assert.deepEqual(told.map((e) => [e.device.name, e.approver.name, e.request.guest?.app]), [['Bob\'s iPhone', 'Pixel 8', 'vite']]);
    server.lk.services.audit.flush();
    const { events } = (await server.api('GET', '/.latchkey/api/audit?limit=50')).body;
    assert.ok(events.some((e: any) => e.method === 'approve' && e.approver_name === 'Pixel 8' && e.share_id === made.body.share.id), 'audited as approved from Pixel 8');

    // Alice revokes the share; Bob's next request is refused and his page says the share ended.
    assert.equal((await server.api('DELETE', `/.latchkey/api/shares/${made.body.share.id}`)).status, 200);
    await guest.page.goto(`${box}/vite/`);
    await guest.page.getByTestId('share-ended').waitFor();
    assert.match(await guest.page.getByTestId('share-ended').innerText(), /Alice stopped sharing vite with you/);
    assert.deepEqual(await axeProblems(guest.page), [], 'the share-ended page');
    const before = vite.seen.length;
    const after = await guest.page.evaluate(`fetch('/vite/x', { headers: { accept: 'application/json' } }).then((r) => r.status)`);
    assert.equal(after, 401);
    assert.equal(vite.seen.length, before, 'vite saw nothing after the revocation');
  });
});
