import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addAuthenticator, type Authenticator } from '../helpers/browser.ts';
import { startBehindTunnel } from '../helpers/startBehindTunnel.ts';
import type { TestServer } from '../helpers/startServer.ts';

/**
 * A phone's passkey list holds only passkeys Latchkey knows: every pairing that ends without
 * approval (cancelled, denied, expired) and every sign-in with a passkey removed on the computer
 * tells the phone to drop it (WebAuthn's Signal API), in real Chromium with its virtual authenticator.
 */
describe('no dead passkeys on the phone (real Chromium, Signal API)', () => {
  let server: TestServer;
  let browser: Browser;
  let box: string;
  let front: Awaited<ReturnType<typeof startBehindTunnel>>;
  before(async () => {
    front = await startBehindTunnel((origin) => ({ config: { public_origins: [origin] } }));
    ({ server, browser, box } = front);
  });
  after(async () => front?.close());

  /** The ids of the phone's credentials that Latchkey does not hold as a trusted passkey. */
  const unknownTo = async (authenticator: Authenticator) => {
    const known = new Set(server.lk.services.store.list().flatMap((d) => (d.kind === 'passkey' ? [d.credential_id] : [])));
    return (await authenticator.credentials()).map((c) => Buffer.from(c.credentialId, 'base64').toString('base64url')).filter((id) => !known.has(id));
  };
  const setUp = async (page: Page, name: string) => {
    await page.goto(`${box}/.latchkey/pair`);
    await page.getByLabel('Device name').fill(name);
    await page.getByRole('button', { name: 'Set up passkey' }).click();
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    return page.getByTestId('match-code').innerText();
  };
  const pendingId = (name: string) => server.lk.services.pending.list().find((p) => p.name === name)!.id;

  it('after a cancelled, a denied and an expired pairing, then a sign-in with a removed passkey, the phone holds no passkey Latchkey does not know', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const authenticator = await addAuthenticator(page);
    try {
      await setUp(page, 'Cancelling');
      assert.equal((await authenticator.credentials()).length, 1, 'the pairing made a passkey on the phone');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Set up passkey' }).waitFor();
      assert.deepEqual(await waitForNone(authenticator, unknownTo), [], 'cancelled');

      await setUp(page, 'Denied');
      assert.equal((await server.api('POST', `/.latchkey/api/devices/${pendingId('Denied')}/deny`)).status, 200);
      await page.getByText('The request was denied on the computer.').waitFor();
      assert.deepEqual(await waitForNone(authenticator, unknownTo), [], 'denied');

      await page.getByRole('button', { name: 'Try again' }).click();
      await setUp(page, 'Expired');
      server.clock.advance(5 * 60_000 + 1);
      server.lk.services.pending.list();
      await page.getByText('The request expired before it was approved. Try again.').waitFor();
      assert.deepEqual(await waitForNone(authenticator, unknownTo), [], 'expired');

      // Approved, then removed on the computer: the next sign-in finds it unknown, the phone drops it and is offered pairing.
      await page.getByRole('button', { name: 'Try again' }).click();
      const code = await setUp(page, 'Approved');
      assert.equal((await server.api('POST', '/.latchkey/api/devices/pending/approve', { code })).status, 200);
      await page.getByTestId('signed-in-as').waitFor();
      assert.deepEqual(await unknownTo(authenticator), [], 'the approved passkey is known');
      const device = server.lk.services.store.list().find((d) => d.name === 'Approved')!;
      assert.equal((await server.api('DELETE', `/.latchkey/api/devices/${device.id}`)).status, 200);
      // Another passkey on this origin, so the phone is offered Sign in first.
      await server.lk.services.store.add({ ...device, id: 'dev_other', credential_id: 'b3RoZXI', name: 'Other phone' } as never);
      await context.clearCookies();
      await page.goto(`${box}/.latchkey/signin`);
      await page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await page.getByText('This device has no passkey Latchkey trusts').waitFor();
      assert.deepEqual(await waitForNone(authenticator, unknownTo), [], 'removed on the computer');
      assert.equal((await authenticator.credentials()).length, 0);
    } finally {
      await context.close();
    }
  });
});

/** The signal is sent without waiting on it: poll briefly until the authenticator has acted on it. */
async function waitForNone(authenticator: Authenticator, unknownTo: (a: Authenticator) => Promise<string[]>): Promise<string[]> {
  let left = await unknownTo(authenticator);
  for (let i = 0; i < 40 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = await unknownTo(authenticator);
  }
  return left;
}
