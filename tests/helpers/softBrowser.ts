import { rpIdForHost } from '../../src-server/webauthn/rpIdForHost.ts';
import { rawRequest } from './rawRequest.ts';
import { createSoftPasskey, type SoftPasskey } from './softPasskey.ts';

/**
 * A "browser" with its own cookie jar and a software passkey. On a public origin (default)
 * it reaches the remote listener the way a tunnel delivers it (Host, X-Forwarded-For from a
 * trusted loopback proxy); with `local` it is a browser on the computer at http://localhost.
 * For floods and races; the same flows run in real Chromium elsewhere.
 */
export function softBrowser(port: number, opts: { host?: string; ip?: string; passkey?: SoftPasskey; local?: boolean; headers?: Record<string, string> } = {}) {
  const host = opts.local ? `localhost:${port}` : opts.host ?? 'box.alice.ts.net';
  const origin = `${opts.local ? 'http' : 'https'}://${host}`;
  const rpId = rpIdForHost(opts.local ? 'localhost' : host);
  const jar = new Map<string, string>();
  const passkey = opts.passkey ?? createSoftPasskey();

  async function send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = {
      host, origin, 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      ...(opts.local ? {} : { 'x-forwarded-proto': 'https', 'x-forwarded-host': host }),
      ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
      ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
      ...extra,
    };
    const r = await rawRequest(port, { method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const cookies = r.headers['set-cookie'];
    for (const c of Array.isArray(cookies) ? cookies : cookies ? [cookies] : []) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    return r;
  }

  return {
    host, origin, rpId, passkey, jar, send,
    /** Runs the pairing ceremony; `tamper` may change the response before it is sent. */
    async pair(name = 'Phone', tamper: (input: { challenge: string }) => Partial<Parameters<SoftPasskey['register']>[0]> = () => ({})) {
      const options = await send('POST', '/.latchkey/auth/register/options', {});
      if (options.status !== 200) return options;
      const challenge = options.body.options.challenge as string;
      const response = passkey.register({ origin, rpId, challenge, ...tamper({ challenge }) });
      return send('POST', '/.latchkey/auth/register/verify', { ceremony_id: options.body.ceremony_id, name, response });
    },
    /** Signs in with the passkey (it must be trusted already). */
    async signIn(tamper: Partial<Parameters<SoftPasskey['assert']>[0]> = {}) {
      const options = await send('POST', '/.latchkey/auth/login/options', {});
      if (options.status !== 200) return options;
      const response = passkey.assert({ origin, rpId, challenge: options.body.options.challenge, ...tamper });
      return send('POST', '/.latchkey/auth/login/verify', { ceremony_id: options.body.ceremony_id, response });
    },
  };
}
