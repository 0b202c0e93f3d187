import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { loadWebAuthn } from '../webauthn/loadWebAuthn.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { displayText } from '../text/displayText.ts';
import { CLI_TOKEN_LIFETIME_MS } from '../tokens/createTokenService.ts';
import { parseScopes } from '../access/scopes.ts';
import { credentialBody, requireRpId, takeCeremony, TIMEOUT_MS } from '../webauthn/ceremonyRoutes.ts';
import { verifyPasskeyAssertion } from '../webauthn/verifyPasskeyAssertion.ts';
import { type LoginRequest } from './createLoginRequests.ts';
import { lk } from '../web/latchkeyPaths.ts';
import { manageAtFor } from '../access/adminOrigins.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** What a CLI login may do unless it asks for less: everything the person could do from the CLI. */
export const DEFAULT_CLI_SCOPES = ['api:write'];

const scopesField = Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 20 }));
const authorizeBody = Type.Object({
  redirect_uri: Type.String({ minLength: 1, maxLength: 200 }),
  code_challenge: Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
  code_challenge_method: Type.String({ minLength: 1, maxLength: 16 }),
  state: Type.String({ minLength: 8, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$' }),
  client_host: displayText(100),
  scopes: scopesField,
}, { additionalProperties: false });
const deviceBody = Type.Object({
  client_host: displayText(100),
  scopes: scopesField,
  // RFC 6749 §3.3 spelling: one space-delimited string, as form-encoding clients send it.
  scope: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
}, { additionalProperties: false });
const requestIdBody = Type.Object({ request_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });
const tokenBody = Type.Object({
  grant_type: Type.String({ minLength: 1, maxLength: 100 }),
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  code_verifier: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  redirect_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  device_code: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  client_id: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });

/**
 * RFC 8252 §7.3: the redirect goes to an IP loopback literal over http with a port the CLI
 * chose; `localhost` is refused (§8.3: it can resolve elsewhere), as is any other host.
 */
function checkRedirectUri(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LatchkeyError('invalid_redirect_uri', `redirect_uri "${raw}" is not a URL.`, 400);
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', '[::1]'].includes(url.hostname) || !url.port || url.username || url.password || url.hash) {
    throw new LatchkeyError('invalid_redirect_uri',
      `redirect_uri must be http://127.0.0.1:PORT/… or http://[::1]:PORT/… (RFC 8252 §7.3); got "${raw}".`, 400);
  }
  return url.href;
}

const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * The CLI login ("latchkey auth login"), both ways:
 * - loopback redirect + PKCE (RFC 8252, RFC 7636): /auth/cli/authorize, then the browser
 *   page, then /auth/token with grant_type=authorization_code;
 * - device authorization (RFC 8628): /auth/device/code, then the page (user code), then
 *   /auth/token polling with the device_code grant.
 * The login is registered by the CLI itself (as a pushed request, RFC 9126), so the page only
 * ever holds an opaque id; allowing it needs a trusted passkey and an explicit Allow.
 */
export function cliLoginRoutes(app: FastifyInstance, s: Services) {

  const view = (r: LoginRequest) => ({
    id: r.id, flow: r.flow, user_code: formatUserCode(r.user_code), client_host: r.client_host, client_ip: r.client_ip,
    origin: r.origin, scopes: r.scopes, created_at: new Date(r.created_at).toISOString(),
    // Where the request came from is a fact the page states; the host name is only the client's claim (RFC 8628 §5.4).
    via_tunnel: r.listener === 'remote',
    expires_at: new Date(r.expires_at).toISOString(), status: s.logins.isExpired(r) && r.status === 'pending' ? 'expired' : r.status,
  });
  const auditStart = (request: FastifyRequest, r: LoginRequest) => s.audit.record({
    outcome: 'info', method: 'cli-login-start', flow: r.flow, login_id: r.id, client_host: r.client_host, origin: request.lk.origin, ip: request.lk.ip, scopes: r.scopes,
  });

  // Allowing a login hands out a token, so its page is never on an origin where an app runs (routeRules): send the person where Latchkey's settings are.
  const manageAt = manageAtFor(s);
  const pageOrigin = (request: FastifyRequest): string => {
    const at = request.lk.servesApps ? manageAt(request.lk) : null;
    return at ? new URL(at).origin : request.lk.origin;
  };

  /** The pending login a page acts on, or the exact reason it cannot be acted on. */
  function pendingLogin(id: string): LoginRequest {
    const r = s.logins.get(id);
    if (!r) throw new LatchkeyError('login_not_found', 'No login request matches. Run latchkey auth login again.', 404);
    if (r.status === 'pending' && s.logins.isExpired(r)) {
      throw new LatchkeyError('login_expired', 'This login request has expired. Run latchkey auth login again.', 410);
    }
    if (r.status !== 'pending') {
      const outcome = r.status === 'denied' ? 'denied' : 'approved';
      throw new LatchkeyError('already_decided', `This login request was already ${outcome === 'denied' ? 'denied' : 'allowed'}.`, 409, { outcome });
    }
    return r;
  }

  app.post('/auth/cli/authorize', { schema: { body: authorizeBody } }, async (request) => {
    const body = request.body as { redirect_uri: string; code_challenge: string; code_challenge_method: string; state: string; client_host: string; scopes?: string[] };
    // RFC 7636 §4.2: "plain" gives no protection against a stolen code; only S256 is accepted.
    if (body.code_challenge_method !== 'S256') {
      throw new LatchkeyError('invalid_request', 'code_challenge_method must be S256.', 400);
    }
    const r = s.logins.startLoopback({
      redirect_uri: checkRedirectUri(body.redirect_uri), state: body.state, code_challenge: body.code_challenge,
      client_host: body.client_host.trim(), client_ip: request.lk.ip, listener: request.lk.listener, origin: request.lk.origin,
      scopes: parseScopes(body.scopes ?? DEFAULT_CLI_SCOPES),
    });
    auditStart(request, r);
    return {
      request_id: r.id, user_code: formatUserCode(r.user_code), expires_in: Math.round((r.expires_at - s.clock.now()) / 1000),
      verification_uri_complete: `${pageOrigin(request)}${lk('/cli-login')}?request=${r.id}`,
    };
  });

  app.get('/auth/cli/request', async (request) => {
    const q = request.query as { id?: string; user_code?: string };
    const r = typeof q.id === 'string' ? s.logins.get(q.id) : typeof q.user_code === 'string' ? s.logins.getByUserCode(q.user_code) : undefined;
    if (!r) {
      throw new LatchkeyError('login_not_found', q.user_code
        ? 'No login request has this code. Check the code in your terminal, or run latchkey auth login again.'
        : 'No login request matches this link. Run latchkey auth login again.', 404);
    }
    if (r.status === 'pending' && s.logins.isExpired(r)) {
      throw new LatchkeyError('login_expired', 'This login request has expired. Run latchkey auth login again.', 410);
    }
    return { login: view(r) };
  });

  app.post('/auth/cli/approve/options', { schema: { body: requestIdBody } }, async (request) => {
    const rpId = requireRpId(request);
    const r = pendingLogin((request.body as { request_id: string }).request_id);
    const options = await (await loadWebAuthn()).generateAuthenticationOptions({ rpID: rpId, userVerification: 'required', timeout: TIMEOUT_MS });
    const ceremonyId = s.challenges.put({ kind: 'cli-login', challenge: options.challenge, origin: request.lk.origin, rpId, subject: r.id });
    return { ceremony_id: ceremonyId, options };
  });

  /**
   * Allow and Deny need the same proof: a trusted passkey's assertion for this very login
   * (the ceremony names it as its subject). Otherwise anyone who reads the code over a
   * shoulder could end the owner's login, and a stranger's "Deny" would look like the owner's.
   */
  async function proveDecider(request: FastifyRequest, body: { request_id: string; ceremony_id: string; response: AuthenticationResponseJSON }, method: string) {
    requireRpId(request);
    const ceremony = takeCeremony(s, request, body.ceremony_id, 'cli-login');
    if (ceremony.subject !== body.request_id) {
      throw new LatchkeyError('challenge_unknown', 'This passkey request belongs to another login. Try again.', 400);
    }
    pendingLogin(body.request_id);
    const passkey = await verifyPasskeyAssertion(s, request, ceremony, body.response, method);
    // Checked again after the (slow, human) passkey prompt; from here to the decision nothing awaits.
    return { passkey, r: pendingLogin(body.request_id) };
  }
  const decideBody = { body: Type.Composite([credentialBody, requestIdBody]) };

  app.post('/auth/cli/approve/verify', { schema: decideBody }, async (request) => {
    const { passkey, r } = await proveDecider(request, request.body as never, 'cli-login-approve');
    const code = s.logins.approve(r, passkey.id);
    s.audit.record({
      outcome: 'success', method: 'cli-login-approve', flow: r.flow, login_id: r.id, device_id: passkey.id,
      client_host: r.client_host, client_ip: r.client_ip, origin: request.lk.origin, ip: request.lk.ip, scopes: r.scopes,
    });
    if (!code) return { status: 'approved' };
    const redirect = new URL(r.redirect_uri!);
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', r.state!);
    return { status: 'approved', redirect: redirect.href };
  });

  app.post('/auth/cli/deny', { schema: decideBody }, async (request) => {
    const { passkey, r } = await proveDecider(request, request.body as never, 'cli-login-deny');
    s.logins.deny(r);
    s.audit.record({
      outcome: 'failure', method: 'cli-login-deny', flow: r.flow, login_id: r.id, device_id: passkey.id, client_host: r.client_host,
      origin: request.lk.origin, ip: request.lk.ip, reason: 'denied_in_browser',
    });
    if (r.flow !== 'loopback') return { status: 'denied' };
    const redirect = new URL(r.redirect_uri!);
    redirect.searchParams.set('error', 'access_denied');
    redirect.searchParams.set('state', r.state!);
    return { status: 'denied', redirect: redirect.href };
  });

  // The two endpoints a CLI calls with OAuth's usual form encoding (RFC 6749 §4.1.3, RFC 8628 §3.1) also take JSON.
  void app.register(async (oauth) => {
    await oauth.register(formbody, { bodyLimit: 8 * 1024 });

    oauth.post('/auth/device/code', { schema: { body: deviceBody } }, async (request) => {
      const body = request.body as { client_host: string; scopes?: string[]; scope?: string };
      const scopes = body.scopes ?? body.scope?.split(/\s+/).filter(Boolean);
      const started = s.logins.startDevice({
        client_host: body.client_host.trim(), client_ip: request.lk.ip, listener: request.lk.listener, origin: request.lk.origin,
        scopes: parseScopes(scopes ?? DEFAULT_CLI_SCOPES),
      });
      const { request: r, deviceCode } = started;
      auditStart(request, r);
      const page = pageOrigin(request);
      const pageOrigins = [page, ...s.origins.list().filter((o) => o !== page && !s.apps.servesAny(o, 'remote'))];
      return {
        device_code: deviceCode,
        user_code: formatUserCode(r.user_code),
        verification_uri: `${page}${lk('/cli-login')}`,
        verification_uri_complete: `${page}${lk('/cli-login')}?user_code=${formatUserCode(r.user_code)}`,
        // Where else the page can be opened, e.g. the tunnel URL when this CLI talked to the local listener over SSH.
        other_verification_uris: pageOrigins.slice(1).map((o) => `${o}${lk('/cli-login')}`),
        expires_in: Math.round((r.expires_at - s.clock.now()) / 1000),
        interval: r.interval_s,
      };
    });

    oauth.post('/auth/token', { schema: { body: tokenBody } },
      async (request, reply) => {
        const body = request.body as { grant_type: string; code?: string; code_verifier?: string; redirect_uri?: string; device_code?: string };
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const oauthError = (error: string, message: string, extra: Record<string, unknown> = {}) =>
          new LatchkeyError(error, message, 400, { error_description: message, ...extra });

        let r: LoginRequest;
        if (body.grant_type === 'authorization_code') {
          if (!body.code || !body.code_verifier || !body.redirect_uri) {
            throw oauthError('invalid_request', 'authorization_code needs code, code_verifier and redirect_uri.');
          }
          const result = s.logins.exchange(body.code, body.code_verifier, body.redirect_uri);
          if (!result.ok) {
            if (result.replayOf?.token_id) await s.tokens.revoke(result.replayOf.token_id, 'code_replayed');
            s.audit.record({ outcome: 'failure', method: 'cli-login-token', flow: 'loopback', login_id: result.replayOf?.id, token_id: result.replayOf?.token_id ?? undefined, ip: request.lk.ip, reason: result.replayOf ? 'code_replayed' : 'invalid_grant' });
            throw oauthError(result.error, result.message);
          }
          r = result.request;
        } else if (body.grant_type === DEVICE_GRANT) {
          if (!body.device_code) throw oauthError('invalid_request', 'The device_code grant needs device_code.');
          const result = s.logins.poll(body.device_code);
          if (!result.ok) {
            if (result.error !== 'authorization_pending' && result.error !== 'slow_down') {
              s.audit.record({ outcome: 'failure', method: 'cli-login-token', flow: 'device', ip: request.lk.ip, reason: result.error });
            }
            throw oauthError(result.error, result.message, result.interval ? { interval: result.interval } : {});
          }
          r = result.request;
        } else {
          throw oauthError('unsupported_grant_type', `grant_type must be authorization_code or ${DEVICE_GRANT}.`);
        }
        return issueToken(s, request, r);
      });
  });
}

/** The token a successful login buys: tied to the passkey that allowed it. */
async function issueToken(s: Services, request: FastifyRequest, r: LoginRequest) {
  const device = r.device_id ? s.store.get(r.device_id) : undefined;
  if (!device) {
    // Revoked between Allow and the exchange: it may no longer mint anything.
    throw new LatchkeyError('access_denied', 'The device that allowed this login has since been revoked.', 400);
  }
  const { record, token } = await s.tokens.create({
    kind: 'cli', name: `CLI on ${r.client_host}`, scopes: r.scopes, lifetimeMs: CLI_TOKEN_LIFETIME_MS, deviceId: device.id,
  });
  s.logins.markIssued(r, record.id);
  if (r.replayed) {
    // The code was presented again while this token was being minted: someone else holds it (RFC 6749 §4.1.2).
    await s.tokens.revoke(record.id, 'code_replayed');
    s.audit.record({ outcome: 'failure', method: 'cli-login-token', flow: r.flow, login_id: r.id, token_id: record.id, ip: request.lk.ip, reason: 'code_replayed' });
    throw new LatchkeyError('invalid_grant', 'This login code was used twice; the token it bought is revoked. Run latchkey auth login again.', 400,
      { error_description: 'This login code was used twice; the token it bought is revoked.' });
  }
  s.audit.record({ outcome: 'success', method: 'cli-login-token', flow: r.flow, login_id: r.id, token_id: record.id, device_id: device.id, ip: request.lk.ip, expires_at: record.expires_at });
  return {
    access_token: token, token_type: 'Bearer', expires_in: Math.round(CLI_TOKEN_LIFETIME_MS / 1000), scope: record.scopes.join(' '),
    token_id: record.id, expires_at: record.expires_at, device: { id: device.id, name: device.name },
  };
}
