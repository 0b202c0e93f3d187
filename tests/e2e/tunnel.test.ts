import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addAuthenticator, IPHONE_UA, launchChromium, newDevice, phoneWaiting as phoneWaitingAt, typeCodeAndApprove } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const run = promisify(execFile);
const cli = async (...args: string[]) => (await run(process.execPath, ['bin/latchkey.mjs', ...args])).stdout;

describe('pairing a phone through a TLS tunnel (nginx → remote listener)', () => {
  let browser: Browser;
  let server: TestServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let box: string;
  let other: string;
  const tls = makeTlsFixture();

  before(async () => {
    const port = await freePort();
    box = `https://box.alice.ts.net:${port}`;
    other = `https://other.example.test:${port}`;
    // Every phone here reaches nginx from 127.0.0.1, so they share one client address; the per-client cap has its own test.
    server = await startServer({ config: { public_origins: [box, other] }, pending: { perClient: 5 } });
    nginx = await startNginx(tls, server.remotePort, port);
    browser = await launchChromium(tls.chromiumArgs);
  });
  after(async () => {
    await browser.close();
    await nginx.stop();
    await server.close();
  });

  const audit = () => readFileSync(join(server.home, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const storedPasskeys = () => JSON.parse(readFileSync(join(server.home, 'trusted-passkeys.json'), 'utf8')).passkeys as any[];

  const phoneWaiting = (origin: string, name?: string) => phoneWaitingAt(browser, origin, name);

  /** The request the phone showing `code` made, as the computer lists it (the list never names the code itself). */
  async function pendingFor(code: string) {
    const { body } = await server.api('GET', '/.latchkey/api/devices/pending');
    return body.pending.find((p: any) => p.id === server.lk.services.pending.idForCode(code));
  }

  const whoami = (page: Page) => page.evaluate(async () => {
    const res = await fetch('/.latchkey/api/whoami');
    return { status: res.status, body: await res.json() };
  });

  it('enrol → pending → listed by the CLI → approved with the CLI → the phone continues signed in; RP ID collapses to the tailnet', async () => {
    const { context, page, auth, code } = await phoneWaiting(box);
    try {
      assert.match(code, /^\d{2}$/);
      assert.equal((await page.getByLabel('Device name').count()), 0);

      const pending = JSON.parse(await cli('devices', 'pending', '--json', '--base-url', server.local));
      assert.equal(pending.length, 1);
      const p = pending[0];
      for (const key of ['id', 'name', 'origin', 'device_type', 'fingerprint', 'ip', 'created_at', 'expires_at']) assert.ok(p[key], `pending.${key}`);
      assert.ok(!('choices' in p) && !('code' in p), 'the code is typed off the phone: the CLI is given no hint of it');
      assert.equal(p.name, 'iPhone', 'default name guessed from the User-Agent');
      assert.equal(p.device_type, 'iPhone');
      assert.equal(p.origin, box);
      assert.equal(p.code, undefined, 'the computer never lists the code: the person reads it off the phone');
      const table = await cli('devices', 'pending', '--base-url', server.local);
      assert.match(table, /expires/);
      assert.match(table, /\d+ min \d+ s/);
      assert.equal(p.ip, '127.0.0.1');
      assert.equal(storedPasskeys().length, 0, 'nothing is trusted before approval');
      assert.equal((await whoami(page)).status, 401, 'a pending device has no access');

      // The code read off the phone picks the request: no id needed.
      const approved = await cli('devices', 'approve', '--code', code, '--base-url', server.local);
      assert.match(approved, new RegExp(`approved ${p.id}`));

      await page.getByTestId('signed-in-as').getByText('iPhone').waitFor();
      const me = await whoami(page);
      assert.equal(me.status, 200);
      assert.equal(me.body.via, 'session');
      assert.equal(me.body.device.origin, box);

      const creds = await auth.credentials();
      assert.equal(creds[0]!.rpId, 'alice.ts.net', 'box.alice.ts.net collapses to its tailnet');
      const stored = storedPasskeys();
      assert.equal(stored.length, 1);
      assert.equal(stored[0].rp_id, 'alice.ts.net');
      assert.equal(stored[0].enrolled_via, 'remote');
      assert.equal(stored[0].fingerprint, p.fingerprint);

      const cookie = (await context.cookies()).find((c) => c.name === '__Host-lk_session');
      assert.ok(cookie, '__Host- cookie on https');
      assert.equal(cookie.secure, true);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.path, '/');

      const list = JSON.parse(await cli('devices', 'list', '--json', '--base-url', server.local));
      for (const key of ['id', 'name', 'origin', 'rp_id', 'device_type', 'fingerprint', 'created_at', 'last_used_at']) assert.ok(key in list[0], `devices.${key}`);
      assert.ok(!('public_key' in list[0]));
    } finally {
      await context.close();
    }
  });

  it('a later visit signs in with the passkey; revoking it refuses the very next request of the live session', async () => {
    // A new device on an origin that has passkeys is offered Sign in, with a way to pair instead.
    const stranger = await newDevice(browser, IPHONE_UA);
    try {
      await stranger.page.goto(`${box}/`);
      await stranger.page.getByRole('button', { name: 'Sign in with passkey' }).waitFor();
      // Pairing is an equal choice beside it, as tall as the Sign in button.
      const pair = stranger.page.getByRole('link', { name: 'This is a new device: pair it' });
      const [signInBox, pairBox] = [await stranger.page.getByRole('button', { name: 'Sign in with passkey' }).boundingBox(), await pair.boundingBox()];
      assert.ok(pairBox && signInBox && pairBox.height >= 44 && Math.abs(pairBox.height - signInBox.height) < 1, `${JSON.stringify(pairBox)} vs ${JSON.stringify(signInBox)}`);
    } finally {
      await stranger.context.close();
    }

    const phone = await phoneWaiting(box, 'Alice phone');
    try {
      const p = await pendingFor(phone.code);
      await server.api('POST', `/.latchkey/api/devices/${p.id}/approve`, { code: server.lk.services.pending.codeOf(p.id) });
      await phone.page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();

      await phone.context.clearCookies();
      await phone.page.goto(`${box}/`);
      await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await phone.page.getByTestId('signed-in-as').getByText('Alice phone').waitFor();
      assert.equal((await whoami(phone.page)).body.via, 'session');
      const deviceId = storedPasskeys().find((d) => d.name === 'Alice phone').id;
      assert.ok(storedPasskeys().find((d) => d.id === deviceId).last_used_at, 'last_used_at recorded');

      const revoked = await cli('devices', 'revoke', deviceId, '--base-url', server.local);
      assert.match(revoked, /revoked/);
      const after = await whoami(phone.page);
      assert.equal(after.status, 401);
      assert.equal(after.body.error, 'auth_required');
      assert.equal(after.body.reason, 'device_revoked');
      assert.ok(audit().some((e) => e.method === 'session' && e.reason === 'device_revoked' && e.device_id === deviceId));

      // The phone is told plainly, and its passkey no longer signs in either.
      await phone.page.goto(`${box}/`);
      await phone.page.getByRole('heading', { name: /^Removed from box\.alice\.ts\.net/ }).waitFor();
      await phone.page.goto(`${box}/.latchkey/signin`);
      await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await phone.page.getByRole('alert').getByText('This device has no passkey Latchkey trusts').waitFor();
    } finally {
      await phone.context.close();
    }
  });

  it('deny leaves no credential behind and tells the phone without a reload', async () => {
    const before = storedPasskeys().length;
    const phone = await phoneWaiting(box, 'Stranger');
    try {
      const p = await pendingFor(phone.code);
      const denied = await cli('devices', 'deny', p.id, '--base-url', server.local);
      assert.match(denied, /denied/);
      await phone.page.getByText('The request was denied on the computer.').waitFor();
      assert.equal(storedPasskeys().length, before);
      assert.ok(!readFileSync(join(server.home, 'trusted-passkeys.json'), 'utf8').includes('Stranger'));
      assert.equal((await server.api('GET', '/.latchkey/api/devices/pending')).body.pending.length, 0);
      assert.equal((await whoami(phone.page)).status, 401);
      // A second decision on the same request is refused clearly.
      const again = await server.api('POST', `/.latchkey/api/devices/${p.id}/approve`, { code: phone.code });
      assert.deepEqual([again.status, again.body.error, again.body.outcome], [409, 'already_decided', 'denied']);
    } finally {
      await phone.context.close();
    }
  });

  it('a pending request expires after 5 minutes and can no longer be approved', async () => {
    const before = storedPasskeys().length;
    const phone = await phoneWaiting(box, 'Slow phone');
    try {
      const p = await pendingFor(phone.code);
      server.clock.advance(5 * 60_000 + 1000);
      await phone.page.getByText('The request expired before it was approved.').waitFor();
      const late = await server.api('POST', `/.latchkey/api/devices/${p.id}/approve`, { code: phone.code });
      assert.deepEqual([late.status, late.body.error], [410, 'pending_expired']);
      assert.equal(storedPasskeys().length, before);
    } finally {
      await phone.context.close();
    }
  });

  it('grace is per origin: a fresh origin lands on Pair with /.latchkey/api closed while the enrolled one offers Sign in', async () => {
    const { context, page } = await newDevice(browser, IPHONE_UA);
    try {
      await page.goto(`${other}/`);
      await page.getByRole('button', { name: 'Set up passkey' }).waitFor();
      const fresh = await whoami(page);
      assert.equal(fresh.status, 401);
      assert.equal(fresh.body.error, 'auth_required');
      await page.goto(`${box}/`);
      await page.getByRole('button', { name: 'Sign in with passkey' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('at most 5 requests wait at once; the sixth is refused before the passkey prompt, with nothing stored', async () => {
    const phones = [];
    try {
      for (let i = 0; i < 5; i++) phones.push(await phoneWaiting(box, `Phone ${i}`));
      assert.equal((await server.api('GET', '/.latchkey/api/devices/pending')).body.pending.length, 5);
      const { context, page } = await newDevice(browser, IPHONE_UA);
      phones.push({ context } as any);
      const auth = await addAuthenticator(page);
      await page.goto(`${box}/.latchkey/pair`);
      await page.getByRole('alert').getByText('5 devices are already waiting').waitFor();
      assert.equal((await auth.credentials()).length, 0, 'no passkey was even created');
      assert.equal((await server.api('GET', '/.latchkey/api/devices/pending')).body.pending.length, 5);
    } finally {
      for (const p of phones) await p.context.close();
      for (const p of (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending) await server.api('POST', `/.latchkey/api/devices/${p.id}/deny`);
    }
  });

  it('refuses a registration without user verification', async () => {
    const { context, page } = await newDevice(browser, IPHONE_UA);
    try {
      // An authenticator without UV, and options rewritten in flight so the browser does not insist on it:
      // the server's own requirement is what must refuse.
      await addAuthenticator(page, { hasUserVerification: false, isUserVerified: false });
      await page.addInitScript(() => {
        const original = window.fetch.bind(window);
        window.fetch = async (input, init) => {
          const res = await original(input, init);
          if (!String(input).endsWith('/.latchkey/auth/register/options')) return res;
          const json = await res.json();
          json.options.authenticatorSelection.userVerification = 'discouraged';
          return new Response(JSON.stringify(json), { status: res.status, headers: res.headers });
        };
      });
      await page.goto(`${box}/.latchkey/pair`);
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByRole('alert').getByText('did not verify you').waitFor();
      assert.equal((await server.api('GET', '/.latchkey/api/devices/pending')).body.pending.length, 0);
      assert.ok(audit().some((e) => e.method === 'passkey-register' && e.reason === 'user_verification_required'));
    } finally {
      await context.close();
    }
  });

  it('refuses a replayed registration, an expired challenge, and a response made for another origin', async () => {
    const { context, page } = await newDevice(browser, IPHONE_UA);
    try {
      await addAuthenticator(page);
      let captured: any;
      page.on('request', (r) => { if (r.url().endsWith('/.latchkey/auth/register/verify')) captured = r.postDataJSON(); });
      await page.goto(`${box}/.latchkey/pair`);
      await page.getByLabel('Device name').fill('Replay');
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
      assert.ok(captured);

      const post = (body: unknown) => page.evaluate(async (b) => {
        const res = await fetch('/.latchkey/auth/register/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
        return { status: res.status, body: await res.json() };
      }, body);
      const replay = await post(captured);
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, 'challenge_unknown');

      // An expired challenge: options fetched, then more than 5 minutes pass.
      const opts = await page.evaluate(async () => (await fetch('/.latchkey/auth/register/options', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json());
      server.clock.advance(5 * 60_000 + 1000);
      const expired = await post({ ...captured, ceremony_id: opts.ceremony_id });
      assert.equal(expired.status, 400);
      assert.equal(expired.body.error, 'challenge_expired');

      // A real response signed for https://evil.example.test, answering our challenge.
      const fresh = await page.evaluate(async () => (await fetch('/.latchkey/auth/register/options', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json());
      const evil = await context.newPage();
      await addAuthenticator(evil);
      await evil.goto(`https://evil.example.test:${new URL(box).port}/static-probe`);
      // Passed as a string: tsx would otherwise inject helpers the page does not have.
      const forged = await evil.evaluate(`(async (challenge) => {
        const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
        const bin = atob(challenge.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(challenge.length / 4) * 4, '='));
        const cred = await navigator.credentials.create({ publicKey: {
          challenge: Uint8Array.from(bin, (c) => c.charCodeAt(0)), rp: { id: 'evil.example.test', name: 'x' },
          user: { id: new Uint8Array(8), name: 'x', displayName: 'x' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }], authenticatorSelection: { userVerification: 'required' },
        } });
        return { id: cred.id, rawId: b64(cred.rawId), type: 'public-key', clientExtensionResults: {},
          response: { clientDataJSON: b64(cred.response.clientDataJSON), attestationObject: b64(cred.response.attestationObject), transports: ['internal'] } };
      })(${JSON.stringify(fresh.options.challenge)})`);
      const wrongOrigin = await post({ ceremony_id: fresh.ceremony_id, name: 'Evil', response: forged });
      assert.equal(wrongOrigin.status, 400);
      assert.equal(wrongOrigin.body.error, 'origin_mismatch');
      assert.ok(!JSON.stringify(storedPasskeys()).includes('Evil'));
      const pending = (await server.api('GET', '/.latchkey/api/devices/pending')).body.pending;
      // 'Replay' expired when the clock moved 5 minutes; the forged response must not have created one.
      assert.ok(!pending.some((p: any) => p.name === 'Evil'));
      assert.ok(audit().some((e) => e.method === 'passkey-register' && e.reason === 'origin_mismatch'));
      for (const p of pending) await server.api('POST', `/.latchkey/api/devices/${p.id}/deny`);
    } finally {
      await context.close();
    }
  });

  it('the desktop web UI shows the request with its facts, picking the phone\'s code signs the phone in, and Remove in Devices ends its session', async () => {
    const phone = await phoneWaiting(box, 'Kitchen iPad');
    const desk = await newDevice(browser);
    try {
      await desk.page.goto(`${server.local}/.latchkey/pending`);
      const card = desk.page.locator('article', { hasText: 'Kitchen iPad' });
      await card.waitFor();
      const text = await card.innerText();
      assert.match(text, new RegExp(`^${new URL(box).host.replace(/\./g, '\\.')} wants access`));
      for (const fact of [box, '127.0.0.1', 'iPhone', 'Mobile Safari', 'iOS']) assert.ok(text.includes(fact), `shows ${fact}`);
      const pending = await pendingFor(phone.code);
      assert.ok(text.includes(pending.fingerprint), 'shows the passkey fingerprint');

      await typeCodeAndApprove(card, phone.code);
      await desk.page.getByText('Approved Kitchen iPad.').waitFor();
      await phone.page.getByTestId('signed-in-as').getByText('Kitchen iPad').waitFor();
      assert.equal((await whoami(phone.page)).status, 200);

      await desk.page.goto(`${server.local}/.latchkey/devices`);
      const row = desk.page.locator('li.device', { hasText: 'Kitchen iPad' });
      await row.getByRole('button', { name: 'Remove Kitchen iPad' }).click();
      await desk.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await desk.page.getByText('Removed Kitchen iPad.').waitFor();
      await row.waitFor({ state: 'detached', timeout: 5000 });
      const after = await whoami(phone.page);
      assert.equal(after.status, 401);
      assert.equal(after.body.reason, 'device_revoked');
    } finally {
      await desk.context.close();
      await phone.context.close();
    }
  });

  it('the desktop Deny button refuses the request and the phone is told', async () => {
    const phone = await phoneWaiting(box, 'Unknown tablet');
    const desk = await newDevice(browser);
    try {
      await desk.page.goto(`${server.local}/.latchkey/approvals`);
      const card = desk.page.locator('article', { hasText: 'Unknown tablet' });
      await card.getByRole('button', { name: 'Deny' }).click();
      await desk.page.getByText('Denied Unknown tablet.').waitFor();
      await phone.page.getByText('The request was denied on the computer.').waitFor();
      assert.ok(!storedPasskeys().some((d) => d.name === 'Unknown tablet'));
    } finally {
      await desk.context.close();
      await phone.context.close();
    }
  });

  it('refuses and audits a cloned passkey whose signature counter goes backwards', async () => {
    const phone = await phoneWaiting(box, 'Original');
    try {
      await server.api('POST', `/.latchkey/api/devices/${(await pendingFor(phone.code)).id}/approve`, { code: server.lk.services.pending.codeOf((await pendingFor(phone.code)).id) });
      await phone.page.getByTestId('signed-in-as').getByText('Original').waitFor();
      await phone.context.clearCookies();
      await phone.page.goto(`${box}/`);
      await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
      await phone.page.getByTestId('signed-in-as').getByText('Original').waitFor();
      const [original] = await phone.auth.credentials();
      assert.ok(original!.signCount >= 1);

      const clone = await newDevice(browser, IPHONE_UA);
      try {
        const cloneAuth = await addAuthenticator(clone.page);
        await cloneAuth.cdp.send('WebAuthn.addCredential', {
          authenticatorId: cloneAuth.id,
          credential: { ...original!, signCount: 0 } as any,
        });
        await clone.page.goto(`${box}/`);
        await clone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
        await clone.page.getByRole('alert').getByText('cloned key').waitFor();
        assert.equal((await whoami(clone.page)).status, 401);
        const deviceId = storedPasskeys().find((d) => d.name === 'Original').id;
        assert.ok(audit().some((e) => e.method === 'passkey-login' && e.reason === 'counter_regression' && e.device_id === deviceId));
      } finally {
        await clone.context.close();
      }
    } finally {
      await phone.context.close();
    }
  });
});
