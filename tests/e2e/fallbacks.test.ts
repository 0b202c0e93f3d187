import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src-server/fallbacks/totp.ts';
import { launchChromium, newDevice, typeCodeAndApprove } from '../helpers/browser.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startMailbox } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const PASSWORD = 'violet staple orbit 1987';

/**
 * The fallbacks end to end: real Chromium on a TLS hostname through nginx, the settings
 * page on the computer's own localhost, real mail. "A person whose phone lost its passkey
 * can get back in": with a password and authenticator code, approved on the computer; or
 * with a backup code when the computer is out of reach.
 */
describe('sign-in fallbacks in real Chromium through the nginx TLS front, with real mail', () => {
  let browser: Browser;
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let box: string;
  let desk: { context: BrowserContext; page: Page };
  const tls = makeTlsFixture();

  before(async () => {
    mailbox = await startMailbox();
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    server = await startServer({ config: { public_origins: [box], smtp: { url: `smtp://127.0.0.1:${mailbox.port}`, from: 'Latchkey <latchkey@box.test>' } } });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
    // The person at the computer: Latchkey's own localhost UI, in through the loopback bypass.
    desk = await newDevice(browser);
    await desk.page.goto(`${server.local}/.latchkey/security`);
    await desk.page.getByRole('heading', { name: 'Sign-in fallbacks' }).waitFor();
  });
  after(async () => {
    await browser.close();
    await nginx.stop();
    await server.close();
    await mailbox.close();
  });

  const audit = () => readFileSync(server.lk.services.audit.file, 'utf8');
  const section = (method: string) => desk.page.locator(`.fallback[data-method="${method}"]`);
  const whoami = (page: Page) => page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).status);

  it('on the computer: set a password and an authenticator app in Settings → Security (the app is on only once a code is confirmed)', async () => {
    const page = desk.page;
    await page.getByLabel('Password (12 characters or more)').fill('short');
    await page.getByLabel('Repeat it').fill('short');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').getByText('The password must be at least 12 characters (it has 5).').waitFor();
    await page.getByLabel('Password (12 characters or more)').fill(PASSWORD);
    await page.getByLabel('Repeat it').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').getByText('The password is set.').waitFor();
    assert.equal(await section('password').locator('h3 strong').innerText(), 'On');

    await section('totp').getByRole('button', { name: 'Set up' }).click();
    const secret = await page.getByTestId('totp-secret').innerText();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.ok(await page.locator('img.qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR code renders');
    assert.equal(await section('totp').locator('h3 strong').innerText(), 'Off', 'not on before a code is confirmed');
    await page.getByLabel('Code the app shows now').fill(await totpCode(secret, server.clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('status').getByText('The authenticator app is on.').waitFor();
    assert.equal(await section('totp').locator('h3 strong').innerText(), 'On');
    assert.match(await section('password').innerText(), /asks for an authenticator code too/);
  });

  it('from a new browser, password and authenticator code make a pending request; approved on the computer it is in, and later needs no approval; removed, it is refused', async () => {
    const laptop = await newDevice(browser);
    const page = laptop.page;
    await page.goto(`${box}/.latchkey/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('button', { name: 'Password' }).click();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    server.clock.advance(30_000); // past the step spent confirming
    const secret = JSON.parse(readFileSync(`${server.home}/fallbacks.json`, 'utf8')).totp.secret;
    await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret, server.clock.now()));
    await page.getByLabel('Name this device').fill('Hotel laptop');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const code = await page.getByTestId('match-code').innerText();
    assert.equal(await whoami(page), 401, 'nothing granted before approval');

    // Approve on the computer, where the card says how the browser proved itself.
    await desk.page.goto(`${server.local}/.latchkey/pending`);
    const card = desk.page.locator('.request', { hasText: 'Hotel laptop' });
    await card.waitFor();
    assert.match(await card.innerText(), /A browser that calls itself .Hotel laptop.[\s\S]*Signed in with\s+a password \(no passkey/);
    await typeCodeAndApprove(card, code);

    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await page.getByText('This browser is signed in without a passkey, for up to 12 hours.').waitFor();
    assert.ok(await page.getByRole('link', { name: 'Set up a passkey' }).isVisible(), 'a passkey is offered');
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByTestId('signed-in-as').getByText('Hotel laptop').waitFor();
    const session = (await laptop.context.cookies()).find((c) => c.name === '__Host-lk_session')!;
    assert.ok(session.expires - Date.now() / 1000 <= 12 * 3600 + 5, 'a fallback session lasts at most 12 hours');
    assert.ok((await laptop.context.cookies()).some((c) => c.name === '__Host-lk_device' && c.httpOnly && c.secure && c.sameSite === 'Strict'));

    // The session ends; the same browser signs in again with the fallback alone, no approval.
    await laptop.context.clearCookies({ name: '__Host-lk_session' });
    await page.goto(`${box}/.latchkey/`);
    await page.getByRole('button', { name: 'Password' }).click();
    assert.equal(await page.getByLabel('Name this device').count(), 0, 'a trusted browser is not asked to name itself');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    server.clock.advance(30_000);
    await page.getByLabel('Code from your authenticator app').fill(await totpCode(secret, server.clock.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    assert.equal(server.lk.services.pending.list().length, 0, 'no new request');

    // Devices lists it as a browser without a passkey; Remove refuses it on its next request.
    await desk.page.goto(`${server.local}/.latchkey/devices`);
    const row = desk.page.locator('li.device', { hasText: 'Hotel laptop' });
    assert.match(await row.innerText(), /No passkey · password/);
    await row.getByRole('button', { name: 'Remove Hotel laptop' }).click();
    await desk.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await desk.page.getByText('Removed Hotel laptop.').waitFor();
    assert.equal(await whoami(page), 401);
    await page.reload();
    await page.getByRole('heading', { name: /^Removed from box\.alice\.ts\.net/ }).waitFor();
    await laptop.context.close();
  });

  it('authenticator code alone (the only method left on) goes straight to its form and also waits for approval', async () => {
    await desk.page.goto(`${server.local}/.latchkey/security`);
    await section('password').getByRole('button', { name: 'Turn off' }).click();
    await desk.page.getByRole('dialog', { name: 'Turn off the password?' }).getByRole('button', { name: 'Turn off' }).click();
    await desk.page.getByRole('status').getByText('The password is off.').waitFor();
    const other = await newDevice(browser);
    await other.page.goto(`${box}/.latchkey/`);
    server.clock.advance(30_000);
    const secret = JSON.parse(readFileSync(`${server.home}/fallbacks.json`, 'utf8')).totp.secret;
    await other.page.getByLabel('Code from your authenticator app').fill(await totpCode(secret, server.clock.now()));
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const [pending] = server.lk.services.pending.list();
    assert.deepEqual([pending!.kind, pending!.method], ['browser', 'totp']);
    await server.api('POST', `/.latchkey/api/devices/${pending!.id}/deny`);
    await other.page.getByText('The request was denied on the computer.').waitFor();
    assert.equal(await whoami(other.page), 401);
    await other.context.close();
  });

  it('a browser without WebAuthn goes straight to the fallbacks and says why; a backup code lets it in at once, and the desktop is told', async () => {
    await desk.page.goto(`${server.local}/.latchkey/security`);
    await section('backup-code').getByRole('button', { name: 'Make backup codes' }).click();
    await desk.page.getByLabel('New backup codes').locator('code').first().waitFor();
    const codes = await desk.page.getByLabel('New backup codes').locator('code').allInnerTexts();
    assert.equal(codes.length, 10);
    assert.match(await desk.page.getByRole('link', { name: 'Download' }).getAttribute('href') ?? '', /^data:text\/plain;charset=utf-8,Latchkey%20backup%20codes/);
    await desk.page.getByRole('button', { name: 'I saved them' }).click();
    const told: unknown[] = [];
    server.lk.services.fallbacks.events.on('backup-code-used', (u) => told.push(u));

    const old = await browser.newContext();
    await old.addInitScript(() => { delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential; });
    const page = await old.newPage();
    await page.goto(`${box}/.latchkey/`);
    await page.getByText('This browser cannot use passkeys, so choose another way to sign in.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in with passkey' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Pair a new device' }).count(), 0, 'pairing needs WebAuthn');
    await page.getByRole('button', { name: 'Backup code' }).click();
    await page.getByLabel('Backup code').fill(codes[2]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await page.getByText('9 backup codes left.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Set up a passkey' }).count(), 0, 'no passkey offer where WebAuthn is missing');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    assert.equal(told.length, 1, 'the desktop notification event fired');
    assert.match(audit(), /"method":"fallback-backup-code".*"reason":"trusted_by_backup_code".*"codes_left":9/);
    await old.close();
  });

  it('email link: sent by real mail; a scanner\'s GET and another browser change nothing; the asking browser confirms, waits for approval, and the link then works no more', async () => {
    await desk.page.goto(`${server.local}/.latchkey/security`);
    await desk.page.getByLabel('Send sign-in links to').fill('alice@example.com');
    await desk.page.getByRole('button', { name: 'Save address' }).click();
    await desk.page.getByRole('status').getByText('Sign-in links will go to alice@example.com.').waitFor();

    const asker = await newDevice(browser);
    await asker.page.goto(`${box}/.latchkey/`);
    await asker.page.getByRole('button', { name: 'Email me a link' }).click();
    await asker.page.getByLabel('Name this device').fill('Library PC');
    await asker.page.getByRole('button', { name: 'Send link' }).click();
    await asker.page.getByRole('heading', { name: 'Check your mail' }).waitFor();
    await asker.page.getByText('a•••@example.com').waitFor();
    const mail = await mailbox.next(1);
    assert.equal(mail.to, 'alice@example.com');
    assert.equal(mail.subject, `Sign in to Latchkey on ${new URL(box).host}`);
    const link = /https:\/\/\S+#t=[A-Za-z0-9_-]{43}/.exec(mail.text)![0];
    assert.ok(link.startsWith(`${box}/.latchkey/fallback/email#t=`));
    assert.ok(!audit().includes(link.split('#t=')[1]!), 'the link token never reaches the audit');

    // A mail scanner fetches the link: a plain GET with no cookies (the fragment is never sent).
    const scanned = (await rawRequest(nginx.port, {
      path: new URL(link).pathname, headers: { host: new URL(box).host, 'user-agent': 'MailScanner/1.0' },
      tls: { ca: readFileSync(tls.cert, 'utf8'), servername: 'box.alice.ts.net' },
    })).status;
    assert.equal(scanned, 200);

    // Another browser: told plainly, and nothing is used up.
    const stranger = await newDevice(browser);
    await stranger.page.goto(link);
    await stranger.page.getByText(/This link only works in the browser that asked for it/).waitFor();
    assert.equal(await stranger.page.getByRole('button', { name: 'Sign in' }).count(), 0);
    assert.ok(!stranger.page.url().includes('#t='), 'the token leaves the address bar at once');
    await stranger.context.close();

    // The asking browser: a confirm page; only its button uses the link.
    await asker.page.goto(link);
    await asker.page.getByText(`Sign in to ${new URL(box).host} in this browser?`).waitFor();
    assert.equal(asker.page.url(), `${box}/.latchkey/fallback/email`);
    await asker.page.getByRole('button', { name: 'Sign in' }).click();
    await asker.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const [pending] = server.lk.services.pending.list();
    assert.deepEqual([pending!.name, pending!.method], ['Library PC', 'email']);
    await server.api('POST', `/.latchkey/api/devices/${pending!.id}/approve`, { code: server.lk.services.pending.codeOf(pending!.id) });
    await asker.page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await asker.page.getByRole('button', { name: 'Not now' }).click();
    await asker.page.getByTestId('signed-in-as').getByText('Library PC').waitFor();

    // Twice: the link is spent.
    await asker.page.goto(link);
    await asker.page.getByText('This sign-in link was already used. Ask for a new one.').waitFor();

    // A fresh link, opened after 10 minutes: expired.
    await asker.context.clearCookies({ name: '__Host-lk_session' });
    await asker.page.goto(`${box}/.latchkey/`);
    await asker.page.getByRole('button', { name: 'Email me a link' }).click();
    await asker.page.getByRole('button', { name: 'Send link' }).click();
    const second = /https:\/\/\S+#t=[A-Za-z0-9_-]{43}/.exec((await mailbox.next(2)).text)![0];
    server.clock.advance(10 * 60_000 + 1000);
    await asker.page.goto(second);
    await asker.page.getByText('This sign-in link expired (links last 10 minutes). Ask for a new one.').waitFor();
    const reasons = audit().trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.method === 'fallback-email').map((e) => e.reason);
    assert.deepEqual(reasons, ['link_sent', 'link_wrong_browser', 'pending_approval', 'link_used', 'link_sent', 'link_expired']);
    await asker.context.close();
  });
});
