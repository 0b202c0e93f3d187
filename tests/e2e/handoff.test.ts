import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addAuthenticator, launchChromium, newDevice, phoneWaiting } from '../helpers/browser.ts';
import { rawRequest } from '../helpers/rawRequest.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

describe('cross-origin handoff through the stable auth origin (real Chromium, TLS hostnames, nginx)', () => {
  let browser: Browser;
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let box: string; // the auth origin (a tailnet name)
  let quick: string; // a tunnel whose hostname changes each run (a cloudflared quick tunnel)
  let other: string;
  let phone: { page: Page; close(): Promise<void>; deviceId: string };
  let usedLink = '';
  const tls = makeTlsFixture();

  before(async () => {
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    quick = `https://quick.example.test:${port}`;
    other = `https://other.example.test:${port}`;
    server = await startServer({ config: { public_origins: [box, quick, other], auth_origin: box } });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);

    // The phone pairs once, at the auth origin.
    const { context, page } = await phoneWaiting(browser, box, 'Alice phone');
    const [pending] = server.lk.services.pending.list();
    await server.api('POST', `/.latchkey/api/devices/${pending!.id}/approve`, { code: server.lk.services.pending.codeOf(pending!.id) });
    await page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();
    phone = { page, close: () => context.close(), deviceId: server.lk.services.store.list()[0]!.id };
  });
  after(async () => {
    await phone.close();
    await browser.close();
    await nginx.stop();
    await server.close();
  });

  const audit = () => readFileSync(server.lk.services.audit.file, 'utf8');
  const whoami = (page: Page) => page.evaluate(async () => {
    const r = await fetch('/.latchkey/api/whoami');
    return { status: r.status, body: await r.json() };
  });

  it('a browser on another origin goes to the auth origin, and comes back signed in with its own session; the token leaves the URL at once', async () => {
    const page = phone.page;
    const links: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/.latchkey/auth/handoff?')) links.push(r.url()); });
    await page.goto(`${quick}/.latchkey/devices`);
    await page.getByRole('link', { name: `Sign in at ${new URL(box).host}` }).click();
    await page.getByRole('heading', { name: 'Devices', exact: true, level: 1 }).waitFor();
    assert.equal(page.url(), `${quick}/.latchkey/devices`, 'back where it started, with no token in the address');
    const me = await whoami(page);
    assert.equal(me.status, 200);
    assert.deepEqual([me.body.via, me.body.device.name], ['session', 'Alice phone']);
    const cookie = (await page.context().cookies(quick)).find((c) => c.name === '__Host-lk_session');
    assert.ok(cookie?.secure && cookie.httpOnly, 'its own __Host- session cookie, for quick');

    usedLink = links[0]!;
    const token = new URL(usedLink).searchParams.get('token')!;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    assert.equal(claims.aud, quick);
    assert.equal(claims.sub, phone.deviceId);
    assert.ok(claims.exp - claims.iat <= 120, 'lives at most two minutes');
    assert.ok(claims.jti && claims.tsid);
    assert.match(audit(), new RegExp(`"method":"handoff","device_id":"${phone.deviceId}".*"jti":"${claims.jti}"`));
    assert.ok(!audit().includes(token), 'the token never reaches the audit file');
  });

  it('without a session at the auth origin, it signs in there with the passkey first, then comes back', async () => {
    const page = phone.page;
    await page.context().clearCookies();
    await page.goto(`${quick}/`);
    await page.getByRole('link', { name: /^Sign in at box\.alice\.ts\.net/ }).click();
    await page.getByRole('button', { name: 'Sign in with passkey' }).click();
    await page.waitForURL(`${quick}/.latchkey/`);
    await page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();
  });

  it('refuses a reused, misdirected, pre-restart, expired, altered or revoked-device token with a clear page', async () => {
    const { context, page } = await newDevice(browser);
    const services = server.lk.services;
    const mint = async (target: string) => (await services.handoff.mint({
      deviceId: phone.deviceId, authOrigin: box, target, tunnelSession: services.origins.tunnelSession(target),
    })).token;
    const refused = async (url: string, status: number, text: string) => {
      const res = await page.goto(url);
      assert.equal(res!.status(), status, url.slice(0, 80));
      assert.equal(res!.headers()['referrer-policy'], 'no-referrer');
      assert.equal(res!.headers()['cache-control'], 'no-store');
      await page.getByRole('alert').getByText(text).waitFor();
      const again = await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href');
      assert.ok(again?.startsWith(`${box}/.latchkey/auth/handoff/start?target=${encodeURIComponent(new URL(url).origin)}&return=`), again ?? '');
      assert.equal((await context.cookies()).length, 0, 'no session set');
    };
    try {
      await refused(usedLink, 400, 'This sign-in link was already used');
      await refused(`${other}/.latchkey/auth/handoff?token=${await mint(quick)}`, 400, 'This sign-in link was made for another address.');
      const altered = await mint(quick);
      await refused(`${quick}/.latchkey/auth/handoff?token=${altered.slice(0, -2)}${altered.endsWith('AA') ? 'BB' : 'AA'}`, 400, 'This sign-in link is not valid');
      await refused(`${quick}/.latchkey/auth/handoff?token=${await server.lk.services.sessions.issue(phone.deviceId, quick)}`, 400, 'This sign-in link is not valid');
      await refused(`${quick}/.latchkey/auth/handoff`, 400, 'none was given');

      const beforeRestart = await mint(quick);
      // A tunnel restart re-registers its URL (what `tunnel stop` / `tunnel start` do).
      assert.equal((await server.api('POST', '/.latchkey/api/origins/remove', { origin: quick })).status, 200);
      assert.equal((await server.api('POST', '/.latchkey/api/origins', { origin: quick })).status, 200);
      await refused(`${quick}/.latchkey/auth/handoff?token=${beforeRestart}`, 400, 'made before the tunnel restarted');

      const late = await mint(quick);
      server.clock.advance(121_000);
      await refused(`${quick}/.latchkey/auth/handoff?token=${late}`, 400, 'This sign-in link has expired');

      const revokedLater = await mint(quick);
      assert.equal((await server.api('DELETE', `/.latchkey/api/devices/${phone.deviceId}`)).status, 200);
      await refused(`${quick}/.latchkey/auth/handoff?token=${revokedLater}`, 401, 'has been revoked on the computer');
      assert.match(audit(), /"reason":"handoff_reused"/);
      assert.match(audit(), /"reason":"handoff_wrong_tunnel_session"/);
    } finally {
      await context.close();
    }
  });

  it('the auth origin lists the allowed origins at /.well-known/webauthn; start refuses unknown targets and open redirects', async () => {
    const on = (origin: string, path: string) => rawRequest(server.remotePort, { path, headers: { host: new URL(origin).host, 'x-forwarded-proto': 'https' } });
    const res = await on(box, '/.well-known/webauthn');
    assert.equal(res.status, 200);
    assert.equal(res.body.origins[0], box);
    assert.deepEqual([...res.body.origins].sort(), [box, quick, other].sort());
    assert.equal((await on(quick, '/.well-known/webauthn')).status, 404);

    assert.equal((await on(box, `/.latchkey/auth/handoff/start?target=${encodeURIComponent('https://evil.example.test')}`)).status, 400);
    assert.equal((await on(box, `/.latchkey/auth/handoff/start?target=${encodeURIComponent(box)}`)).status, 400, 'never to itself');
    assert.equal((await on(quick, `/.latchkey/auth/handoff/start?target=${encodeURIComponent(other)}`)).status, 400, 'only the auth origin starts handoffs');
    const redirect = await on(box, `/.latchkey/auth/handoff/start?target=${encodeURIComponent(quick)}&return=${encodeURIComponent('//evil.example.test/x')}`);
    assert.equal(redirect.status, 400, 'an open redirect is refused, not followed');
    assert.match(redirect.text, /not a plain path/);
    const plain = await on(box, `/.latchkey/auth/handoff/start?target=${encodeURIComponent(quick)}`);
    assert.equal(new URLSearchParams(new URL(String(plain.headers.location), box).search).get('next'),
      `/.latchkey/auth/handoff/start?target=${encodeURIComponent(quick)}&return=%2F`, 'no return means /');
  });
});

describe('auth_origin "localhost": a browser on the computer signs in on the local listener and hands off', () => {
  it('quick → Sign in at localhost (passkey, even with the loopback bypass on) → back on quick, signed in', async () => {
    const tls = makeTlsFixture();
    const port = await freePort();
    const quick = `https://quick.example.test:${port}`;
    const server = await startServer({ config: { public_origins: [quick], auth_origin: 'localhost' } });
    const nginx = await startNginx(tls, server.remotePort, port);
    const browser = await launchChromium(tls.chromiumArgs);
    try {
      const { page } = await newDevice(browser);
      await addAuthenticator(page);
      await page.goto(`${server.local}/.latchkey/devices`);
      await page.getByLabel('Device name').fill('Desk');
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByText('Passkey "Desk" is set up.').waitFor();
      await page.context().clearCookies();

      await page.goto(`${quick}/`);
      await page.getByRole('link', { name: `Sign in at localhost:${server.localPort}` }).click();
      await page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await page.waitForURL(`${quick}/.latchkey/`);
      await page.getByTestId('signed-in-as').getByText('Desk').waitFor();
      const me = await page.evaluate(async () => (await fetch('/.latchkey/api/whoami')).json());
      assert.deepEqual([me.via, me.device.name], ['session', 'Desk']);
    } finally {
      await browser.close();
      await nginx.stop();
      await server.close();
    }
  });
});
