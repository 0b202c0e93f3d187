import { timingSafeEqual } from 'node:crypto';
import type { GateReply, GateRequest } from './RequestContext.ts';
import type { Services } from '../app/Services.ts';
import type { AuditEvent } from '../audit/createAuditLog.ts';
import { sessionCookieName } from '../sessions/createSessionService.ts';
import { clearSessionCookie, setEndedCookie } from '../sessions/sessionCookies.ts';
import { startSession } from '../sessions/startSession.ts';
import { looksLikeToken } from '../tokens/tokenFormat.ts';
import { isLoopbackRequest } from './isLoopbackRequest.ts';

const BEARER = /^Bearer +(\S+) *$/i;

export const DESKTOP_HEADER = 'x-latchkey-desktop';

/**
 * A refused credential goes to the audit trail folded per client (recordFailure), or, when the
 * caller decides a limit first (the app proxy), is held in `deferred` until it has.
 */
function refused(s: Services, ctx: GateRequest['lk'], event: AuditEvent) {
  if (ctx.deferred) ctx.deferred.push(event);
  else s.audit.recordFailure(event);
}

/**
 * Decides how (if at all) a request is authenticated, in a fixed order:
 * gate off → desktop app secret (local only) → bearer token → session cookie → loopback bypass (local only) → open grace (remote only).
 * A presented credential that fails ends the decision: a script with a revoked token is
 * told so, never quietly let in by the loopback bypass. Every step is O(1).
 */
export async function authenticate(request: GateRequest, reply: GateReply, s: Services, opts: { forApp?: boolean } = {}) {
  const ctx = request.lk;
  if (!s.config.require_auth) {
    ctx.via = 'open';
    return;
  }

  const desktop = request.headers[DESKTOP_HEADER];
  if (desktop !== undefined) {
    authenticateDesktop(request, s, desktop);
    return;
  }

  const authorization = request.headers.authorization;
  // On an app's paths, an Authorization header that is not a Latchkey token is the app's own (Basic, its API token): it passes through.
  if (authorization !== undefined && !(opts.forApp && !isLatchkeyBearer(authorization))) {
    authenticateBearer(request, reply, s, authorization);
    return;
  }

  const token = request.cookies[sessionCookieName(ctx.origin)];
  if (token) {
    const check = await s.sessions.check(token, ctx.origin);
    // A revoked device's sessions end on its very next request: the store is the source of truth.
    const device = check.ok ? s.store.get(check.deviceId) : undefined;
    // A guest's device opens nothing once its share has ended (expired or revoked): one Map read.
    const shareEnded = device?.share_id !== undefined && s.shares.live(device.share_id) === null;
    if (check.ok && device && !shareEnded) {
      ctx.via = 'session';
      ctx.device = device;
      s.store.touch(device.id, s.clock.now());
      if (check.refresh) await startSession(s, reply, device, ctx.origin);
      return;
    }
    ctx.sessionProblem = shareEnded ? 'share_ended' : check.ok ? 'device_revoked' : check.reason;
    refused(s, ctx, {
      outcome: 'failure', method: 'session', device_id: check.ok ? check.deviceId : null,
      origin: ctx.origin, ip: ctx.ip, reason: ctx.sessionProblem,
    });
    clearSessionCookie(reply, ctx.origin);
    if (check.ok) {
      setEndedCookie(reply, ctx.origin, check.deviceId);
      ctx.endedDevice = check.deviceId;
    }
  }

  if (ctx.listener === 'local' && s.config.loopback_auth_bypass && isLoopbackRequest(request)) {
    ctx.via = 'loopback';
    return;
  }
  if (ctx.listener === 'remote' && s.config.grace === 'open' && !s.store.recoveredFrom() && !s.store.hasDevicesFor(ctx.origin)) {
    ctx.via = 'grace';
  }
}

/**
 * The desktop app's own windows: the main process adds the per-launch secret to their
 * requests, so the person at the computer is never locked out of the app by turning the
 * loopback bypass off. Honoured only on the local listener, for a direct loopback request.
 */
function authenticateDesktop(request: GateRequest, s: Services, presented: string | string[]) {
  const ctx = request.lk;
  const expected = s.desktopSecret;
  const given = Buffer.from(Array.isArray(presented) ? '' : presented);
  const ok = expected !== null && ctx.listener === 'local' && isLoopbackRequest(request) &&
    given.length === expected.length && timingSafeEqual(given, expected);
  if (ok) {
    ctx.via = 'desktop';
    return;
  }
  ctx.sessionProblem = 'desktop_secret_invalid';
  refused(s, ctx, { outcome: 'failure', method: 'desktop', origin: ctx.origin, ip: ctx.ip, reason: 'desktop_secret_invalid', listener: ctx.listener });
}

function authenticateBearer(request: GateRequest, reply: GateReply, s: Services, authorization: string) {
  const ctx = request.lk;
  const presented = BEARER.exec(authorization)?.[1];
  if (!presented || !looksLikeToken(presented)) {
    // An agent's OAuth token is bound to its MCP app (RFC 8707): here it is no Latchkey token, and is told so by name.
    const agent = presented ? s.agents.checkToken(presented) !== null : false;
    ctx.tokenProblem = agent ? 'agent_token' : 'malformed_authorization';
    refused(s, ctx, { outcome: 'failure', method: 'token', origin: ctx.origin, ip: ctx.ip, reason: ctx.tokenProblem, path: pathOf(request) });
    return;
  }
  const check = s.tokens.check(presented);
  if (!check.ok) {
    ctx.tokenProblem = check.reason;
    refused(s, ctx, { outcome: 'failure', method: 'token', token_id: check.tokenId, origin: ctx.origin, ip: ctx.ip, reason: check.reason, path: pathOf(request) });
    return;
  }
  ctx.via = 'token';
  ctx.token = check.token;
  ctx.device = check.token.device_id ? s.store.get(check.token.device_id) ?? null : null;
  s.tokens.touch(check.token.id);
  if (check.expiresSoon) {
    const days = Math.max(0, Math.ceil((Date.parse(check.token.expires_at) - s.clock.now()) / 86_400_000));
    // RFC 9111 retired Warning for caches, but 299 "miscellaneous persistent warning" is still what HTTP clients surface.
    const fix = check.token.kind === 'cli' ? 'sign in again: latchkey auth login' : `rotate it: latchkey keys rotate ${check.token.id}`;
    reply.header('warning', `299 latchkey "${check.token.id} expires in ${days} day${days === 1 ? '' : 's'} (${check.token.expires_at}); ${fix}"`);
    reply.header('latchkey-token-expires', check.token.expires_at);
  }
}

/** `Bearer lk_…`: a Latchkey token, as opposed to an app's own Authorization scheme. */
export const isLatchkeyBearer = (authorization: string) => looksLikeToken(BEARER.exec(authorization)?.[1] ?? '');

export const pathOf = (request: GateRequest): string => request.url.split('?')[0] ?? '';
