import type { Browser, BrowserContext, Page } from 'playwright-core';
import { API_KEY_DEFAULT_LIFETIME_MS } from '../../src-server/tokens/createTokenService.ts';
import { addAuthenticator, IPHONE_UA } from './browser.ts';
import { startServer } from './startServer.ts';
import { testPasskey } from './testPasskey.ts';
import { freePort, makeTlsFixture, startNginx } from './tunnel.ts';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/**
 * A Latchkey with what a person's would hold after a week: devices (a long name among them),
 * an app behind the gate, an allowed tunnel address, an API key and an activity trail. The
 * accessibility, overflow and screenshot runs all look at this one.
 */
export async function startUiServer() {
  const tls = makeTlsFixture();
  const port = await freePort();
  // Phones come through a real TLS front, as through a tunnel: on the local listener they would be the person at the computer.
  const box = `https://box.alice.ts.net:${port}`;
  const server = await startServer({
    // Two apps, so Home is the phone's launcher (with one, a phone that just paired goes straight into it).
    config: { public_origins: [box], apps: [{ name: 'vite', upstream: 'http://127.0.0.1:5173', path: '/' }, { name: 'jupyter', upstream: 'http://127.0.0.1:8888', path: '/jupyter/' }] },
  });
  const nginx = await startNginx(tls, server.remotePort, port);
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  await server.lk.services.store.add(testPasskey('dev_phone', {
    name: 'Alice iPhone', device_type: 'iPhone', browser: 'Mobile Safari 17', os: 'iOS 17.4', origin: box,
    fingerprint: '3f9a 1c07 88b2 e41d', created_at: iso(6 * 86_400_000), last_used_at: iso(30_000),
  }));
  await server.lk.services.store.add(testPasskey('dev_ipad', {
    name: 'Kitchen iPad with a rather long name that has to wrap on a phone', device_type: 'iPad', browser: 'Mobile Safari 17', os: 'iPadOS 17.4',
    origin: box, fingerprint: 'a0b1 c2d3 e4f5 0617', created_at: iso(3 * 86_400_000), last_used_at: iso(5 * 3600_000),
  }));
  await server.lk.services.store.add({
    kind: 'browser', id: 'dev_laptop', method: 'password', cookie_hash: '0'.repeat(64), name: 'Work laptop', device_type: 'Linux PC',
    browser: 'Chrome 131', os: 'Linux', origin: box, rp_id: 'alice.ts.net', fingerprint: '7777 0000 1212 3434',
    created_at: iso(86_400_000), last_used_at: null, enrolled_via: 'remote',
  });
  await server.lk.services.tokens.create({ kind: 'api_key', name: 'backup script', scopes: ['api:read'], lifetimeMs: API_KEY_DEFAULT_LIFETIME_MS, deviceId: null });
  server.lk.services.audit.record({ outcome: 'success', method: 'passkey-login', device_id: 'dev_phone', origin: box, ip: '100.64.0.7' });
  server.lk.services.audit.record({ outcome: 'failure', method: 'passkey-login', origin: box, ip: '203.0.113.9', reason: 'unknown_credential' });
  return { server, box, tls, nginx };
}

/** A phone (iPhone User-Agent, 390 px, a virtual authenticator) that pressed Set up passkey on `origin` and waits. */
export async function phoneAsking(browser: Browser, origin: string, opts: { colorScheme?: 'light' | 'dark'; name?: string } = {}) {
  const context = await browser.newContext({ userAgent: IPHONE_UA, viewport: PHONE, colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  await addAuthenticator(page);
  await page.goto(`${origin}/.latchkey/pair`);
  if (opts.name) await page.getByLabel('Device name').fill(opts.name);
  await page.getByRole('button', { name: 'Set up passkey' }).click();
  await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
  const code = await page.getByTestId('match-code').innerText();
  return { context, page, code };
}

/** A page on the computer (loopback: the person at the computer), at a size and in a colour scheme. */
export async function deskPage(browser: Browser, viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, colorScheme });
  return { context, page: await context.newPage() };
}
