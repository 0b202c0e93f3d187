import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Locator, type Page } from 'playwright-core';

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium, else Playwright's own download. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

export interface Authenticator {
  cdp: CDPSession;
  id: string;
  credentials(): Promise<Array<{ credentialId: string; rpId: string; signCount: number; privateKey: string; userHandle?: string; isResidentCredential: boolean }>>;
}

/** Chromium's virtual platform authenticator with user verification, as TESTING.md describes. */
export async function addAuthenticator(page: Page, options: Record<string, unknown> = {}): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, ...options } as any,
  });
  return {
    cdp,
    id: authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as any,
  };
}

/** A page on a fresh context, i.e. a separate device with no cookies. */
export async function newDevice(browser: Browser, userAgent?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  return { context, page };
}

export const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** A phone (own context, iPhone User-Agent, authenticator) that has pressed Set up passkey on `origin` and waits for approval. */
export async function phoneWaiting(browser: Browser, origin: string, name?: string) {
  const { context, page } = await newDevice(browser, IPHONE_UA);
  const auth = await addAuthenticator(page);
  await page.goto(`${origin}/.latchkey/pair`);
  await page.getByRole('heading', { name: 'Pair' }).waitFor();
  if (name) await page.getByLabel('Device name').fill(name);
  await page.getByRole('button', { name: 'Set up passkey' }).click();
  await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
  const code = await page.getByTestId('match-code').innerText();
  return { context, page, auth, code };
}

/** Approves a request on its card (Pending page, approval window) by typing the code its device shows. */
export async function typeCodeAndApprove(card: Locator | Page, code: string): Promise<void> {
  await card.getByLabel('Code on the device').fill(code);
  await card.getByRole('button', { name: 'Approve' }).click();
}
