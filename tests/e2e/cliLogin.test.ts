import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addAuthenticator, IPHONE_UA, launchChromium, newDevice, phoneWaiting } from '../helpers/browser.ts';
import { fakeBrowserCommand, spawnCli } from '../helpers/spawnCli.ts';
import { startServer, tempHome, type TestServer } from '../helpers/startServer.ts';
import { freePort, makeTlsFixture, startNginx } from '../helpers/tunnel.ts';

const bearerWhoami = (base: string, token: string) =>
  fetch(`${base}/.latchkey/api/whoami`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

describe('latchkey auth login in real Chromium with a virtual authenticator', () => {
  let browser: Browser;
  const tls = makeTlsFixture();
  before(async () => { browser = await launchChromium(tls.chromiumArgs); });
  after(async () => { await browser.close(); });

  it('loopback redirect + PKCE: opens the browser, shows host and code, Allow + passkey, saves a 0600 token that works with the bypass off; a replayed code revokes it', async () => {
    const home = tempHome();
    let server = await startServer({ home });
    const { context, page } = await newDevice(browser);
    await addAuthenticator(page);
    const xdg = tempHome();
    const opener = fakeBrowserCommand();
    const env = { XDG_CONFIG_HOME: xdg, BROWSER: opener.command, LATCHKEY_API_TOKEN: '' };
    try {
      await page.goto(`${server.local}/.latchkey/devices`);
      await page.getByLabel('Device name').fill('Desk');
      await page.getByRole('button', { name: 'Set up passkey' }).click();
      await page.getByText('Passkey "Desk" is set up.').waitFor();
      const port = server.localPort;
      await server.close();
      writeFileSync(join(home, 'config.json'), JSON.stringify({ loopback_auth_bypass: false }));
      server = await startServer({ home, localPort: port });

      const refused = spawnCli(['devices', 'list', '--base-url', server.local], env);
      assert.equal(await refused.exit, 1, 'with the bypass off and no token the CLI is refused');
      assert.match(refused.stderr(), /^latchkey: Sign in with a passkey first\.\n$/);

      const login = spawnCli(['auth', 'login', '--base-url', server.local], env);
      const userCode = (await login.waitForStderr(/the code ([B-Z]{4}-[B-Z]{4})/))[1]!;
      const url = await opener.nextUrl();
      assert.match(url, new RegExp(`^${server.local}/\\.latchkey/cli-login\\?request=[A-Za-z0-9_-]{22}$`));

      await page.goto(url);
      assert.equal(await page.getByTestId('client-host').innerText(), hostname());
      assert.equal(await page.getByTestId('user-code').innerText(), userCode, 'the page shows the code the terminal printed');
      assert.equal(await page.getByTestId('scopes').innerText(), 'api:write');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Signed in' }).waitFor();
      const callback = new URL(page.url());
      assert.equal(callback.hostname, '127.0.0.1', 'the browser came back to the CLI on loopback');
      assert.ok(callback.searchParams.get('code'));

      assert.equal(await login.exit, 0, login.stderr());
      assert.match(login.stdout(), /^Signed in as Desk \(dev_[\w-]+\) with token cli_[0-9a-f]{12}, scopes api:write, expires \S+\.\nToken saved to /);
      const file = join(xdg, 'latchkey', 'cli.token');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(join(xdg, 'latchkey')).mode & 0o777, 0o700);
      const token = readFileSync(file, 'utf8').trim();
      assert.match(token, /^lk_at_/);

      // The saved token is used by every command, with the loopback bypass off.
      const list = spawnCli(['devices', 'list', '--base-url', server.local], env);
      assert.equal(await list.exit, 0, list.stderr());
      assert.match(list.stdout(), /Desk/);
      const who = spawnCli(['auth', 'whoami', '--base-url', server.local], env);
      assert.equal(await who.exit, 0);
      assert.match(who.stdout(), /^Desk \(dev_[\w-]+\) via token cli_[0-9a-f]{12} \(CLI login\)\nscopes: api:write\nexpires: /);
      // …and by curl-style scripts.
      const me = await bearerWhoami(server.local, token);
      assert.equal(me.status, 200);
      assert.equal(me.body.via, 'token');
      assert.equal(me.body.device.name, 'Desk');
      assert.equal(me.body.token.kind, 'cli');

      // RFC 6749 §4.1.2: a code used twice means it leaked; the token it bought is revoked.
      const replay = await fetch(`${server.local}/.latchkey/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, code_verifier: 'x'.repeat(43), redirect_uri: `${callback.origin}/callback` }),
      });
      const replayBody = await replay.json() as any;
      assert.deepEqual([replay.status, replayBody.error], [400, 'invalid_grant']);
      const after = await bearerWhoami(server.local, token);
      assert.deepEqual([after.status, after.body.reason], [401, 'token_revoked']);
      const audit = readFileSync(join(home, 'audit.jsonl'), 'utf8');
      assert.match(audit, /"method":"cli-login-approve"/);
      assert.match(audit, /"reason":"code_replayed"/);
      assert.ok(!audit.includes(token.slice(-43)) && !audit.includes(callback.searchParams.get('code')!), 'neither the token nor the code is in the audit');
    } finally {
      await context.close();
      await server.close();
    }
  });

  describe('through a TLS tunnel (nginx) to a paired phone', () => {
    let server: TestServer;
    let nginx: Awaited<ReturnType<typeof startNginx>>;
    let box: string;
    before(async () => {
      const port = await freePort();
      box = `https://box.alice.ts.net:${port}`;
      server = await startServer({ config: { public_origins: [box] }, cliLoginIntervalSeconds: 1 });
      nginx = await startNginx(tls, server.remotePort, port);
    });
    after(async () => {
      await nginx.stop();
      await server.close();
    });

    /** A phone that has pressed Set up passkey on the tunnel origin; approved on the computer unless told otherwise. */
    async function phone(name: string, approve = true) {
      const { context, page, code } = await phoneWaiting(browser, box, name);
      if (approve) {
        // The person reads the code off the phone and picks it on the computer.
        assert.equal((await server.api('POST', '/.latchkey/api/devices/pending/approve', { code })).status, 200);
        await page.getByTestId('signed-in-as').getByText(name).waitFor();
      }
      return { context, page };
    }

    const enterCode = async (page: Page, code: string) => {
      await page.goto(`${box}/.latchkey/cli-login`);
      await page.getByLabel('Code shown in your terminal').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByTestId('user-code').waitFor();
    };

    it('--no-browser (device grant over SSH): URL and code printed, typed on the phone, Allow + passkey; token tied to the phone; logout revokes it and removes the file', async () => {
      const xdg = tempHome();
      const env = { XDG_CONFIG_HOME: xdg, LATCHKEY_API_TOKEN: '' };
      const alice = await phone('Alice phone');
      try {
        const login = spawnCli(['auth', 'login', '--no-browser', '--base-url', server.local], env);
        const [, shown, code] = await login.waitForStderr(/open (\S+) in a browser and enter the code: ([B-Z]{4}-[B-Z]{4})/);
        assert.equal(shown, `${server.local}/.latchkey/cli-login`);
        await login.waitForStderr(new RegExp(`\\(or open ${box.replace(/\./g, '\\.')}/\\.latchkey/cli-login\\)`));

        // Typed the way people type: lower case, no dash.
        await enterCode(alice.page, code!.replace('-', '').toLowerCase());
        assert.equal(await alice.page.getByTestId('user-code').innerText(), code);
        assert.equal(await alice.page.getByTestId('client-host').innerText(), hostname());
        await alice.page.getByRole('button', { name: 'Allow' }).click();
        await alice.page.getByText('Allowed. Go back to your terminal').waitFor();

        assert.equal(await login.exit, 0, login.stderr());
        assert.match(login.stdout(), /^Signed in as Alice phone/);
        const file = join(xdg, 'latchkey', 'cli.token');
        const token = readFileSync(file, 'utf8').trim();
        const me = await bearerWhoami(server.local, token);
        assert.equal(me.body.device.name, 'Alice phone', 'the token belongs to the device that allowed it');

        const out = spawnCli(['auth', 'logout', '--base-url', server.local], env);
        assert.equal(await out.exit, 0, out.stderr());
        assert.match(out.stdout(), new RegExp(`^revoked token ${me.body.token.id} on the server; removed ${file.replace(/\./g, '\\.')}\\n$`));
        assert.equal(existsSync(file), false);
        const after = await bearerWhoami(server.local, token);
        assert.deepEqual([after.status, after.body.reason], [401, 'token_revoked']);
      } finally {
        await alice.context.close();
      }
    });

    it('revoking the phone revokes the CLI token it approved', async () => {
      const xdg = tempHome();
      const bob = await phone('Bob phone');
      try {
        const login = spawnCli(['auth', 'login', '--no-browser', '--scopes', 'devices:read', '--base-url', server.local], { XDG_CONFIG_HOME: xdg, LATCHKEY_API_TOKEN: '' });
        const [, , code] = await login.waitForStderr(/open (\S+) in a browser and enter the code: ([B-Z]{4}-[B-Z]{4})/);
        await enterCode(bob.page, code!);
        assert.equal(await bob.page.getByTestId('scopes').innerText(), 'devices:read', 'the page shows what is asked for');
        await bob.page.getByRole('button', { name: 'Allow' }).click();
        assert.equal(await login.exit, 0, login.stderr());
        const token = readFileSync(join(xdg, 'latchkey', 'cli.token'), 'utf8').trim();
        const me = await bearerWhoami(server.local, token);
        assert.deepEqual(me.body.token.scopes, ['devices:read']);
        assert.equal((await server.api('DELETE', `/.latchkey/api/devices/${me.body.device.id}`)).status, 200);
        const after = await bearerWhoami(server.local, token);
        assert.deepEqual([after.status, after.body.reason], [401, 'device_revoked']);
      } finally {
        await bob.context.close();
      }
    });

    it('a stranger who opens the login page cannot allow it: an untrusted passkey is refused; Deny stops the CLI with nothing minted', async () => {
      const xdg = tempHome();
      const stranger = await phone('Stranger', false);
      try {
        const before = JSON.parse(readFileSync(join(server.home, 'tokens.json'), 'utf8')).tokens.length;
        const login = spawnCli(['auth', 'login', '--no-browser', '--base-url', server.local], { XDG_CONFIG_HOME: xdg, LATCHKEY_API_TOKEN: '' });
        const [, , code] = await login.waitForStderr(/open (\S+) in a browser and enter the code: ([B-Z]{4}-[B-Z]{4})/);
        await stranger.page.goto(`${box}/.latchkey/cli-login?user_code=${code}`);
        await stranger.page.getByRole('button', { name: 'Allow' }).click();
        await stranger.page.getByRole('alert').getByText('This passkey is not trusted here').waitFor();
        // Deny needs the same proof as Allow: the stranger cannot end the owner's login either.
        await stranger.page.getByRole('button', { name: 'Deny' }).click();
        await stranger.page.getByRole('alert').getByText('This passkey is not trusted here').waitFor();
        const info = await fetch(`${server.local}/.latchkey/auth/cli/request?user_code=${code}`).then((r) => r.json() as Promise<any>);
        assert.equal(info.login.status, 'pending');
        const owner = await phone('Owner phone');
        try {
          await enterCode(owner.page, code!);
          await owner.page.getByRole('button', { name: 'Deny' }).click();
          await owner.page.getByText('Denied. Nothing was signed in.').waitFor();
        } finally {
          await owner.context.close();
        }
        assert.equal(await login.exit, 1);
        assert.equal(login.stderr().trim().split('\n').at(-1), 'latchkey: the login was denied in the browser');
        assert.equal(existsSync(join(xdg, 'latchkey', 'cli.token')), false);
        assert.equal(JSON.parse(readFileSync(join(server.home, 'tokens.json'), 'utf8')).tokens.length, before);
      } finally {
        await stranger.context.close();
      }
    });

    it('a login page opened after its code expired says so, and the CLI gets expired_token', async () => {
      const start = await fetch(`${server.local}/.latchkey/auth/device/code`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_host: 'old-laptop' }),
      }).then((r) => r.json() as Promise<any>);
      server.clock.advance(11 * 60_000);
      const { context, page } = await newDevice(browser, IPHONE_UA);
      try {
        await page.goto(start.verification_uri_complete.replace(server.local, box));
        await page.getByRole('alert').getByText('This login request has expired. Run latchkey auth login again.').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Allow' }).count(), 0);
      } finally {
        await context.close();
      }
      const poll = await fetch(`${server.local}/.latchkey/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: start.device_code }),
      });
      assert.deepEqual([poll.status, (await poll.json() as any).error], [400, 'expired_token']);
    });
  });
});
