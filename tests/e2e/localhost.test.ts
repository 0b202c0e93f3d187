import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { addAuthenticator, launchChromium, newDevice } from '../helpers/browser.ts';
import { startServer, tempHome } from '../helpers/startServer.ts';

describe('passkeys on http://localhost (local listener)', () => {
  let browser: Browser;
  const home = tempHome();
  before(async () => { browser = await launchChromium(); });
  after(async () => { await browser.close(); });

  it('a loopback visitor sees the Pair prompt, sets up a passkey that is trusted at once, then signs in with it when bypass is off', async () => {
    let server = await startServer({ home });
    const { context, page } = await newDevice(browser);
    const auth = await addAuthenticator(page);
    try {
      await page.goto(`${server.local}/`);
      await page.getByText('Signed in (loopback)').waitFor();
      const prompt = page.getByRole('complementary', { name: 'Pair prompt' });
      await prompt.waitFor();

      // Dismissing sticks across reloads; Security → Show pair prompt again restores it.
      await prompt.getByRole('button', { name: 'Dismiss' }).click();
      await page.reload();
      await page.getByText('Signed in (loopback)').waitFor();
      assert.equal(await prompt.count(), 0);

      await page.goto(`${server.local}/.latchkey/security`);
      await page.getByRole('button', { name: 'Show pair prompt again' }).click();
      await page.goto(`${server.local}/.latchkey/devices`);
      await page.getByLabel('Device name').fill('Desk');
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByText('Passkey "Desk" is set up.').waitFor();
      await page.locator('li.device', { hasText: 'Desk' }).getByRole('button', { name: 'Remove Desk' }).waitFor();

      const creds = await auth.credentials();
      assert.equal(creds.length, 1);
      assert.equal(creds[0]!.rpId, 'localhost');
      assert.equal(creds[0]!.isResidentCredential, true, 'resident keys are preferred');

      const file = join(home, 'trusted-passkeys.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const stored = JSON.parse(readFileSync(file, 'utf8')).passkeys;
      assert.equal(stored.length, 1);
      assert.equal(stored[0].name, 'Desk');
      assert.equal(stored[0].enrolled_via, 'local');
      assert.equal(stored[0].rp_id, 'localhost');
      assert.equal(stored[0].origin, server.local);
      assert.match(stored[0].fingerprint, /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
      assert.equal(typeof stored[0].backup_eligible, 'boolean');
      assert.deepEqual(stored[0].transports, ['internal']);
      assert.match(stored[0].aaguid, /^[0-9a-f-]{36}$/);
      assert.ok(!JSON.stringify(stored).match(/private|secret|challenge/i));

      // Enrolling signed this browser in with the new passkey, so the prompt has nothing left to suggest.
      await page.goto(`${server.local}/`);
      await page.getByTestId('signed-in-as').getByText('Desk').waitFor();
      assert.equal(await prompt.count(), 0);
      await context.clearCookies();
      await page.reload();
      await prompt.waitFor();
      await server.close();

      // Same home, same port, bypass off: the page must now offer Sign in, and the passkey must work.
      const port = server.localPort;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(home, 'config.json'), JSON.stringify({ loopback_auth_bypass: false }));
      server = await startServer({ home, localPort: port });
      await context.clearCookies();
      await page.goto(`${server.local}/`);
      await page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await page.getByTestId('signed-in-as').getByText('Desk').waitFor();
      const whoami = await page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).json());
      assert.equal(whoami.via, 'session');
      assert.equal(whoami.device.name, 'Desk');
      assert.ok((await auth.credentials())[0]!.signCount >= 1);

      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'lk_session');
      assert.ok(session, 'session cookie set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      const life = session.expires - Date.now() / 1000;
      assert.ok(life > 14 * 60 && life <= 15 * 60 + 5, `a localhost session lasts 15 minutes (cookies are shared by every localhost port), got ${life} s`);

      const audit = readFileSync(join(home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const login = audit.find((e) => e.method === 'passkey-login' && e.outcome === 'success');
      assert.ok(login, 'sign-in audited');
      assert.equal(login.device_id, stored[0].id);
      assert.ok(login.time && login.origin && login.ip);
    } finally {
      await context.close();
      await server.close();
    }
  });
});
