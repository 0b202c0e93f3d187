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
import { startMcpServer } from '../helpers/startMcpServer.ts';

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
  // An agent asks to use an MCP app: the consent page on the computer, then Devices → Agents once allowed.
  const mcp = await startMcpServer();
  const agents = await startServer({ config: { apps: [{ name: 'tools', upstream: mcp.url, path: '/mcp', mcp: true }] } });
  try {
    const issuer = `http://127.0.0.1:${agents.localPort}`;
    const registered = await fetch(`${issuer}/.latchkey/oauth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Claude', redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none' }),
    });
    const { client_id: clientId } = await registered.json() as { client_id: string };
    const asked = await fetch(`${issuer}/.latchkey/oauth/authorize?${new URLSearchParams({
      response_type: 'code', scope: 'mcp', client_id: clientId, redirect_uri: 'http://127.0.0.1:33418/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', resource: `${issuer}/mcp`,
    })}`, { redirect: 'manual' });
    const consent = asked.headers.get('location')!;
    for (const scheme of ['light', 'dark'] as const) {
      const desk = await deskPage(browser, DESKTOP, scheme);
      await desk.page.goto(consent);
      await desk.page.getByTestId('agent-ask').waitFor();
      await shoot(desk.page, `desktop-agent-allow-${scheme}`);
      await desk.context.close();
    }
    await agents.api('POST', `/.latchkey/api/agents/requests/${new URL(consent).searchParams.get('uid')}/allow`);
    const desk = await deskPage(browser, DESKTOP, 'light');
    await desk.page.goto(`${agents.local}/.latchkey/devices`);
    await desk.page.locator('[data-client-id]').waitFor();
    await desk.page.locator('#agents-title').scrollIntoViewIfNeeded();
    await shoot(desk.page, 'desktop-agents-light');
    await desk.context.close();
  } finally {
    await agents.close();
    await mcp.close();
  }
  console.log(`wrote ${shots.length} screenshots to assets/screenshots/: ${shots.join(', ')}`);
} finally {
  await browser.close();
  await ui.nginx.stop();
  await server.close();
}
