import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, newDevice } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';

const DAY = 86_400_000;

describe('Settings → API keys in real Chromium', () => {
  let browser: Browser;
  let s: TestServer;
  before(async () => {
    browser = await launchChromium();
    s = await startServer({});
  });
  after(async () => {
    await browser.close();
    await s.close();
  });

  const whoami = (token: string) => fetch(`${s.local}/.latchkey/api/whoami`, { headers: { authorization: `Bearer ${token}` } })
    .then(async (r) => ({ status: r.status, body: await r.json() as any, warning: r.headers.get('warning') }));

  it('create shows the secret once and it works; rotate shows a new one with the chosen grace; revoke asks first; expiring keys are flagged', async () => {
    const { context, page } = await newDevice(browser);
    try {
      await page.goto(`${s.local}/`);
      await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();

      await page.getByLabel('Name', { exact: true }).fill('grafana');
      await page.getByLabel('devices:read').check();
      await page.getByLabel('api:read').uncheck();
      await page.getByLabel('Only paths under (optional)').fill('/api/devices');
      await page.getByLabel('Expires after').selectOption('30d');
      await page.getByRole('button', { name: 'Create key' }).click();
      const secret = await page.getByTestId('new-secret').innerText();
      assert.match(secret, /^lk_sk_/);
      const row = page.locator('tr', { hasText: 'grafana' });
      await row.waitFor();
      assert.match(await row.innerText(), /devices:read, path:\/api\/devices/);
      const me = await whoami(secret);
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.token.scopes, ['devices:read', 'path:/api/devices']);

      // Shown once: gone after Done and after a reload, and never in the list's data.
      await page.getByRole('button', { name: 'Done' }).click();
      assert.equal(await page.getByTestId('new-secret').count(), 0);
      await page.reload();
      await row.waitFor();
      assert.ok(!(await page.content()).includes(secret));

      // Rotate asks first, and how long the old secret keeps working is chosen in that dialog.
      await row.getByRole('button', { name: 'Rotate' }).click();
      const rotating = page.getByRole('dialog', { name: 'Rotate "grafana"?' });
      await rotating.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await whoami(secret)).status, 200, 'cancelling rotates nothing');
      assert.equal(await page.getByTestId('new-secret').count(), 0);
      await row.getByRole('button', { name: 'Rotate' }).click();
      await rotating.getByLabel('The old secret').selectOption('1h');
      await rotating.getByRole('button', { name: 'Rotate' }).click();
      await page.getByText(/Rotated "grafana"\. The old secret works until/).waitFor();
      const rotated = await page.getByTestId('new-secret').innerText();
      assert.notEqual(rotated, secret);
      assert.equal((await whoami(rotated)).status, 200);
      assert.equal((await whoami(secret)).status, 200, 'inside the 1 h grace');
      s.clock.advance(2 * 3600_000);
      assert.equal((await whoami(secret)).status, 401);

      // 30-day key, 6 days later: inside the 25-day warning window.
      s.clock.advance(6 * DAY);
      await page.reload();
      await page.getByRole('alert').getByText(/“grafana” expires in 2[34] days/).waitFor();
      assert.match((await whoami(rotated)).warning ?? '', /expires in/);

      await row.getByRole('button', { name: 'Revoke' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke "grafana"?' });
      await dialog.getByText('Anything using it is refused on its next request.').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await whoami(rotated)).status, 200, 'cancelling revokes nothing');
      await row.getByRole('button', { name: 'Revoke' }).click();
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Revoked "grafana".').waitFor();
      // The outcome is read at the top of the page, above the list.
      const [statusTop, listTop] = [(await page.getByText('Revoked "grafana".').boundingBox())!.y, (await page.getByRole('heading', { name: 'Create API key' }).boundingBox())!.y];
      assert.ok(statusTop < listTop);
      assert.equal(await row.count(), 0);
      const gone = await whoami(rotated);
      assert.deepEqual([gone.status, gone.body.reason], [401, 'token_revoked']);

      // A key revoked while its new secret is on screen: the secret goes too.
      await page.getByLabel('Name', { exact: true }).fill('short-lived');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByTestId('new-secret').waitFor();
      await page.locator('tr', { hasText: 'short-lived' }).getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('dialog', { name: 'Revoke "short-lived"?' }).getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Revoked "short-lived".').waitFor();
      assert.equal(await page.getByTestId('new-secret').count(), 0, 'a revoked key\'s secret is not left to copy');

      // Bad input shows the server's message and stores nothing.
      await page.getByLabel('Name', { exact: true }).fill('broken');
      await page.getByLabel('Only paths under (optional)').fill('/etc/passwd');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('alert').getByText(/Path scope "path:\/etc\/passwd" must be path:\/api\/PREFIX/).waitFor();
      assert.equal((await s.api('GET', '/.latchkey/api/keys')).body.keys.filter((k: any) => k.name === 'broken').length, 0);
    } finally {
      await context.close();
    }
  });

  it('on a 390 px phone the keys list breaks no word in two, and the form offers every scope the CLI accepts', async () => {
    await s.api('POST', '/.latchkey/api/keys', { name: 'nightly backup to the NAS', scopes: ['api:read', 'devices:read', 'keys:read', 'origins:read', 'audit:read'], expires_in: '90d' });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    try {
      await page.goto(`${s.local}/.latchkey/keys`);
      await page.locator('tr', { hasText: 'nightly backup' }).waitFor();
      // Each word of the list, measured: a word on two lines has boxes at two heights. (A string, so the page needs no transpiler helper.)
      const split: string[] = await page.evaluate(`(() => {
        const out = [];
        const walker = document.createTreeWalker(document.querySelector('table.keys'), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent;
          const re = /\\S+/g;
          for (let m = re.exec(text); m; m = re.exec(text)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
            if (tops.size > 1) out.push(m[0]);
          }
        }
        return out;
      })()`);
      assert.deepEqual(split, [], 'words broken across lines');
      for (const scope of ['apps:read', 'fallbacks:write', 'audit:read']) await page.getByLabel(scope, { exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });
});
