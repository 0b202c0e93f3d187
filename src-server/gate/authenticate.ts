import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { sessionCookieName } from '../sessions/createSessionService.ts';
import { clearSessionCookie, setSessionCookie } from '../sessions/sessionCookies.ts';
import { isLoopbackRequest } from './isLoopbackRequest.ts';

/**
 * Decides how (if at all) a request is authenticated, in a fixed order:
 * gate off → session cookie → loopback bypass (local listener only) → open grace (remote only).
 * Every step is O(1): a cached JWT check and Map lookups.
 */
export async function authenticate(request: FastifyRequest, reply: FastifyReply, s: Services) {
  const ctx = request.lk;
  if (!s.config.require_auth) {
    ctx.via = 'open';
    return;
  }

  const token = request.cookies[sessionCookieName(ctx.origin)];
  if (token) {
    const check = await s.sessions.check(token, ctx.origin);
    // A revoked device's sessions end on its very next request: the store is the source of truth.
    const device = check.ok ? s.store.get(check.deviceId) : undefined;
    if (check.ok && device) {
      ctx.via = 'session';
      ctx.device = device;
      if (check.refresh) setSessionCookie(reply, ctx.origin, await s.sessions.issue(device.id, ctx.origin));
      return;
    }
    ctx.sessionProblem = check.ok ? 'device_revoked' : check.reason;
    s.audit.record({
      outcome: 'failure', method: 'session', device_id: check.ok ? check.deviceId : null,
      origin: ctx.origin, ip: ctx.ip, reason: ctx.sessionProblem,
    });
    clearSessionCookie(reply, ctx.origin);
  }

  if (ctx.listener === 'local' && s.config.loopback_auth_bypass && isLoopbackRequest(request)) {
    ctx.via = 'loopback';
    return;
  }
  if (ctx.listener === 'remote' && s.config.grace === 'open' && !s.store.recoveredFrom() && !s.store.hasPasskeysFor(ctx.origin)) {
    ctx.via = 'grace';
  }
}
