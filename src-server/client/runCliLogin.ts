import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientError } from './ClientError.ts';
import type { LatchkeyClient } from './createLatchkeyClient.ts';

export interface TokenResponse {
  access_token: string;
  token_id: string;
  expires_at: string;
  scope: string;
  device: { id: string; name: string };
}

export interface LoginIO {
  /** A line for the person at the terminal (stderr, so stdout stays clean for --json). */
  say: (line: string) => void;
  openUrl: (url: string) => Promise<void>;
  clientHost: string;
  scopes?: string[];
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${title}</title>` +
  `<body style="font-family:system-ui;max-width:32rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * `latchkey auth login`: the loopback redirect with PKCE (RFC 8252 §7.3, RFC 7636).
 * The CLI listens on 127.0.0.1 on a random port, the browser comes back there with a
 * one-time code, and only this process (holding the verifier) can exchange it.
 */
export async function loginWithBrowser(client: LatchkeyClient, io: LoginIO): Promise<TokenResponse> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');

  let onCallback!: (req: IncomingMessage, res: ServerResponse) => void;
  const server = createServer((req, res) => onCallback(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    const started = await client.call<{ user_code: string; verification_uri_complete: string; expires_in: number }>('POST', '/auth/cli/authorize', {
      redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state, client_host: io.clientHost, scopes: io.scopes,
    }, false);
    const url = started.verification_uri_complete;
    io.say(`Opening ${url} in your browser.`);
    io.say(`Check that the page shows the code ${started.user_code}, then choose Allow and use your passkey.`);
    await io.openUrl(url).catch(() => io.say(`Could not open a browser; open the link above yourself.`));

    return await new Promise<TokenResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ClientError('login_timeout',
        `no answer from the browser within ${Math.round(started.expires_in / 60)} minutes; run latchkey auth login again`)), started.expires_in * 1000);
      const finish = (res: ServerResponse, status: number, title: string, text: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end(page(title, text));
      };
      onCallback = (req, res) => {
        const url = new URL(req.url ?? '/', redirectUri);
        // Anything on this port that is not our callback with our state is ignored (RFC 6749 §10.12).
        if (url.pathname !== '/callback' || url.searchParams.get('state') !== state) {
          finish(res, 400, 'Not a Latchkey login', 'This address only accepts the answer to the login the command line started.');
          return;
        }
        clearTimeout(timer);
        if (url.searchParams.get('error')) {
          finish(res, 200, 'Login denied', 'Nothing was signed in. You can close this tab.');
          reject(new ClientError('access_denied', 'the login was denied in the browser'));
          return;
        }
        const code = url.searchParams.get('code') ?? '';
        client.call<TokenResponse>('POST', '/auth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri }, false)
          .then((token) => {
            finish(res, 200, 'Signed in', `The command line on ${io.clientHost} is signed in. You can close this tab.`);
            resolve(token);
          }, (err: Error) => {
            finish(res, 400, 'Login failed', 'The command line could not finish signing in; see the terminal.');
            reject(err);
          });
      };
    });
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

/**
 * `latchkey auth login --no-browser`: the device authorization grant (RFC 8628), for SSH
 * sessions. The user types a short code on any browser; this process polls, honouring the
 * interval and `slow_down`.
 */
export async function loginWithDeviceCode(client: LatchkeyClient, io: Omit<LoginIO, 'openUrl'>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<TokenResponse> {
  const started = await client.call<{
    device_code: string; user_code: string; verification_uri: string; other_verification_uris: string[]; expires_in: number; interval: number;
  }>('POST', '/auth/device/code', { client_host: io.clientHost, scopes: io.scopes }, false);
  io.say(`To sign in, open ${started.verification_uri} in a browser and enter the code: ${started.user_code}`);
  for (const other of started.other_verification_uris) io.say(`  (or open ${other})`);
  io.say(`The code expires in ${Math.round(started.expires_in / 60)} minutes. Waiting…`);

  let interval = started.interval;
  for (;;) {
    await sleep(interval * 1000);
    try {
      return await client.call<TokenResponse>('POST', '/auth/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.device_code,
      }, false);
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      if (err.code === 'authorization_pending') continue;
      if (err.code === 'slow_down') {
        interval = typeof err.body.interval === 'number' ? err.body.interval : interval + 5;
        continue;
      }
      if (err.code === 'expired_token') throw new ClientError(err.code, 'the code expired before it was entered; run latchkey auth login --no-browser again');
      if (err.code === 'access_denied') throw new ClientError(err.code, 'the login was denied in the browser');
      throw err;
    }
  }
}
