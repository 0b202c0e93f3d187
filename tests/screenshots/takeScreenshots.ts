// npm run screenshots: the README's pictures, taken in real Chromium against a running server
// (the same populated server the accessibility test checks), on a phone and a desktop, light
// and dark. Writes assets/screenshots/*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, typeCodeAndApprove } from '../helpers/browser.ts';
import { startServer } from '../helpers/startServer.ts';
import { DESKTOP, deskPage, PHONE, phoneAsking, startUiServer } from '../helpers/uiFixture.ts';

const out = fileURLToPath(new URL('../../assets/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

const ui = await startUiServer();
const { server, box } = ui;
const browser = await launchChromium(ui.tls.chromiumArgs);
const shots: string[] = [];
const shoot = async (page: Page, name: string) => {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(out, `${name}.png`) });
  shots.push(`${name}.png`);
};

try {
  for (const scheme of ['light', 'dark'] as const) {
    // A phone asking to pair, and the computer's view of it.
    const phone = await phoneAsking(browser, box, { colorScheme: scheme, name: 'Alice Pixel' });
    await shoot(phone.page, `phone-waiting-${scheme}`);
    const desk = await deskPage(browser, DESKTOP, scheme);
    for (const [path, name] of [['/', 'home'], ['/pending', 'pending'], ['/devices', 'devices'], ['/remote', 'remote-access']] as const) {
      await desk.page.goto(`${server.local}/.latchkey${path}`);
      await desk.page.getByRole('heading', { level: 1 }).first().waitFor();
      if (path === '/pending') {
        // Typed approval: the code half typed, as a person reads it off the phone.
        await desk.page.getByLabel('Code on the device').first().fill(phone.code.slice(0, 1));
      }
      await shoot(desk.page, `desktop-${name}-${scheme}`);
    }
    // Approved by picking its code: the phone's success screen, then its home.
    await desk.page.goto(`${server.local}/.latchkey/pending`);
    await typeCodeAndApprove(desk.page.locator('article').first(), phone.code);
    await phone.page.getByTestId('approved').waitFor();
    await shoot(phone.page, `phone-approved-${scheme}`);
    await phone.page.getByTestId('signed-in-as').waitFor();
    await shoot(phone.page, `phone-home-${scheme}`);
    await phone.page.getByRole('button', { name: /^Menu/ }).click();
    await shoot(phone.page, `phone-menu-${scheme}`);
    // The keys page at a phone's width (on the computer: the phone's own origin serves apps, so no settings there).
    const narrow = await deskPage(browser, PHONE, scheme);
    await narrow.page.goto(`${server.local}/.latchkey/keys`);
    await narrow.page.locator('table.keys tr', { hasText: 'backup script' }).waitFor();
    await shoot(narrow.page, `phone-keys-${scheme}`);
    await narrow.context.close();
    await desk.context.close();
    await phone.context.close();
  }
  // The first screen of a fresh install: no phone, no address, no app yet.
  const fresh = await startServer({ toolEnv: { PATH: '/nonexistent' } });
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const desk = await deskPage(browser, DESKTOP, scheme);
      await desk.page.goto(`${fresh.local}/.latchkey/`);
      await desk.page.getByRole('heading', { name: 'Connect your phone' }).waitFor();
      await shoot(desk.page, `desktop-first-run-${scheme}`);
      await desk.context.close();
    }
  } finally {
    await fresh.close();
  }
  console.log(`wrote ${shots.length} screenshots to assets/screenshots/: ${shots.join(', ')}`);
} finally {
  await browser.close();
  await ui.nginx.stop();
  await server.close();
}
