import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { missingScope, type ScopeNeed } from '../tokens/scopes.ts';
import { pathOf } from './authenticate.ts';
import type { ClientAddress } from './createClientAddress.ts';
import type { RequestContext } from './RequestContext.ts';
import { LATCHKEY_PREFIX } from '../web/latchkeyPaths.ts';
import type { Listener } from './resolveOrigin.ts';
import { runGate } from './runGate.ts';
import { isPersonAtComputer } from './isPersonAtComputer.ts';

/**
 * Runs the gate (runGate) on every request of a listener, before routing decides anything.
 * The API guards themselves are `requireAuth` and, per route, `attachScopeCheck`, registered on the API scope.
 * Every bearer-token request is audited when its response is sent, with its status.
 */
export function gatePlugin(app: FastifyInstance, s: Services, listener: Listener, client: ClientAddress) {

  app.decorateRequest('lk', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => runGate(request, reply, s, listener, client));
  // Callback style on purpose: this runs on every response, and most are not token requests.
  app.addHook('onResponse', (request, reply, done) => {
    const ctx = request.lk;
    if (ctx?.via === 'token' && ctx.token) {
      s.audit.recordUse({
        token_id: ctx.token.id, device_id: ctx.token.device_id, origin: ctx.origin, ip: ctx.ip,
        http: `${request.method} ${pathOf(request)}`, status: reply.statusCode,
      });
    }
    done();
  });
}

const TOKEN_MESSAGES: Record<string, string> = {
  token_unknown: 'This token is not known here: it may be mistyped, or belong to another Latchkey server.',
  token_expired: 'This token has expired. Create a new one (latchkey keys create) or sign in again (latchkey auth login).',
  token_revoked: 'This token was revoked.',
  device_revoked: 'The device that approved this token was revoked on the computer, and its tokens with it.',
};

/** The guard on everything under /api: unauthenticated requests get 401 `auth_required` (or `invalid_token`). */
export async function requireAuth(request: { lk: RequestContext }) {
  if (request.lk.via) return;
  const tokenProblem = request.lk.tokenProblem;
  if (tokenProblem === 'malformed_authorization') {
    throw new LatchkeyError('malformed_authorization',
      'The Authorization header must be "Bearer <token>" with a Latchkey token (lk_sk_… or lk_at_…).', 400, {},
      { 'www-authenticate': 'Bearer error="invalid_request"' });
  }
  if (tokenProblem) {
    throw new LatchkeyError('invalid_token', TOKEN_MESSAGES[tokenProblem] ?? 'This token is not valid.', 401, { reason: tokenProblem },
      { 'www-authenticate': `Bearer error="invalid_token", error_description="${tokenProblem}"` });
  }
  const reason = request.lk.sessionProblem;
  const message = reason === 'desktop_secret_invalid'
    ? 'The desktop app\'s credentials are not valid here. Restart the Latchkey app.'
    : reason === 'device_revoked'
    ? 'This device was revoked on the computer. Pair it again to get back in.'
    : reason === 'session_expired'
      ? 'Your session has expired. Sign in with your passkey again.'
      : reason
        ? 'Your session is not valid here. Sign in with your passkey again.'
        : 'Sign in with a passkey first.';
  throw new LatchkeyError('auth_required', message, 401, reason ? { reason } : {});
}

/**
 * Scopes are checked on every bearer-token request (sessions and loopback carry every scope).
 * Registered as an `onRoute` hook on the /api scope: each route gets its own check with its
 * declared scope baked in, so nothing is looked up per request.
 */
export function attachScopeCheck(route: RouteOptions) {
  const declared = route.config?.scope;
  const feature: ScopeNeed['feature'] = declared === undefined ? 'api' : declared;
  const write = !['GET', 'HEAD'].includes(String(route.method));
  const check = async (request: FastifyRequest) => requireScope(request, feature, write);
  route.onRequest = [...(route.onRequest ? [route.onRequest].flat() : []), check] as RouteOptions['onRequest'];
}

function requireScope(request: FastifyRequest, feature: ScopeNeed['feature'], write: boolean) {
  const token = request.lk.token;
  if (request.lk.via !== 'token' || !token) return;
  // Scopes name API paths as `path:/api/…`, below Latchkey's prefix.
  const path = pathOf(request).slice(LATCHKEY_PREFIX.length);
  const missing = missingScope(token.scopes, { feature, write, path });
  if (!missing) return;
  const message = missing.startsWith('path:')
    ? `This token is limited to ${token.scopes.filter((x) => x.startsWith('path:')).map((x) => x.slice(5)).join(', ')}; ${path} is outside.`
    : `This token lacks the "${missing}" scope (it has: ${token.scopes.join(', ')}).`;
  throw new LatchkeyError('insufficient_scope', message, 403, { required_scope: missing },
    { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing}"` });
}

/** Approving devices and editing origins happen on the computer itself, never over the tunnel. */
export async function requireLocal(request: { lk: RequestContext }) {
  if (request.lk.listener !== 'local') {
    throw new LatchkeyError('local_only', 'This can only be done on the computer running Latchkey.', 403);
  }
}

/**
 * The guard for what only the computer's owner may do (approve devices, change sign-in
 * fallbacks): on the local listener, the person at the computer (isPersonAtComputer), or a
 * script there with a token; with `tokenScope`, only a token that names that scope itself
 * (a broad `api:write` is not enough for what hands out a way in).
 */
export function requireOwner(action: string, tokenScope?: string) {
  return async (request: { lk: RequestContext }) => {
    await requireLocal(request);
    const token = request.lk.token;
    if (isPersonAtComputer(request) || (token && (!tokenScope || token.scopes.includes(tokenScope)))) return;
    if (token) {
      throw new LatchkeyError('insufficient_scope', `To ${action}, a token needs the "${tokenScope}" scope itself.`, 403, { required_scope: tokenScope });
    }
    throw new LatchkeyError('owner_only',
      `Only the person at the computer (the desktop app, the CLI on this computer, or a passkey sign-in on localhost) can ${action}.`, 403);
  };
}
