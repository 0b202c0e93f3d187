import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../app/Services.ts';
import { startSession } from '../sessions/startSession.ts';
import { authOriginOf, handoffStartUrl, parseReturnPath } from './authOriginOf.ts';
import type { HandoffProblem } from './createHandoffService.ts';
import { messagePage } from './messagePage.ts';
import { lk } from '../web/latchkeyPaths.ts';

const BAD_RETURN = 'The address to return to after sign-in is not a plain path on this site. Open the page you wanted directly and sign in from there.';

const REFUSALS: Record<HandoffProblem | 'device_revoked' | 'handoff_missing', string> = {
  handoff_invalid: 'This sign-in link is not valid: it was altered, or it is not from this Latchkey.',
  handoff_expired: 'This sign-in link has expired (they last two minutes).',
  handoff_wrong_origin: 'This sign-in link was made for another address.',
  handoff_wrong_issuer: 'This sign-in link was made by a different auth origin than the one configured.',
  handoff_wrong_tunnel_session: 'This sign-in link was made before the tunnel restarted.',
  handoff_reused: 'This sign-in link was already used; each one works once.',
  device_revoked: 'The device this sign-in link was made for has been revoked on the computer.',
  handoff_missing: 'This address expects a sign-in link, and none was given.',
};

/**
 * The cross-origin handoff: a browser on an origin whose hostname changes (a cloudflared
 * quick tunnel) signs in with its passkey at the one stable auth origin and comes back
 * with a single-use, two-minute token for exactly this origin and tunnel session.
 * Pages on this path are top-level navigations: they answer with redirects or a plain page,
 * never cache, and send no Referer (helmet sets no-referrer on every response).
 */
export function handoffRoutes(app: FastifyInstance, s: Services) {
  const page = (reply: FastifyReply, status: number, title: string, message: string, link?: { href: string; text: string }) =>
    reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(messagePage(title, message, link));

  app.get('/auth/handoff/start', async (request, reply) => {
    const ctx = request.lk;
    const q = request.query as { target?: string; return?: string };
    const auth = authOriginOf(s);
    if (!auth) return page(reply, 404, 'Handoff is off', 'No auth_origin is configured, so every address signs in on its own.');
    if (ctx.origin !== auth) return page(reply, 400, 'Wrong address', `Sign-in handoffs start at ${auth}.`);
    const target = typeof q.target === 'string' ? q.target : '';
    if (target === auth || !s.origins.list().includes(target)) {
      return page(reply, 400, 'Unknown address', `"${target || '(none)'}" is not one of this Latchkey's allowed origins.`);
    }
    const returnTo = q.return === undefined ? '/' : parseReturnPath(q.return);
    if (returnTo === null) return page(reply, 400, 'Bad return address', BAD_RETURN);
    if (ctx.via !== 'session' || !ctx.device) {
      // Sign in here first with the passkey; the sign-in page comes back to this same URL.
      const next = `${lk('/auth/handoff/start')}?${new URLSearchParams({ target, return: returnTo })}`;
      return reply.header('cache-control', 'no-store').redirect(`${lk('/signin')}?${new URLSearchParams({ next })}`);
    }
    const { token, jti } = await s.handoff.mint({ deviceId: ctx.device.id, authOrigin: auth, target, tunnelSession: s.origins.tunnelSession(target) });
    s.audit.record({ outcome: 'info', method: 'handoff-mint', device_id: ctx.device.id, origin: ctx.origin, ip: ctx.ip, target, jti });
    return reply.header('cache-control', 'no-store').redirect(`${target}${lk('/auth/handoff')}?${new URLSearchParams({ token, return: returnTo })}`);
  });

  app.get('/auth/handoff', async (request, reply) => {
    const ctx = request.lk;
    const q = request.query as { token?: string; return?: string };
    const auth = authOriginOf(s);
    if (!auth) return page(reply, 404, 'Handoff is off', 'No auth_origin is configured, so every address signs in on its own.');
    // Checked before the token is looked at, so a link with a bad return address does not use the token up.
    const returnTo = q.return === undefined ? '/' : parseReturnPath(q.return);
    if (returnTo === null) return page(reply, 400, 'Sign-in refused', BAD_RETURN);
    const again = handoffStartUrl(s, ctx.origin, returnTo);
    const link = again ? { href: again, text: 'Sign in again' } : undefined;
    if (typeof q.token !== 'string' || q.token.length === 0 || q.token.length > 4096) {
      return page(reply, 400, 'Sign-in refused', REFUSALS.handoff_missing, link);
    }
    const check = await s.handoff.verify(q.token, { target: ctx.origin, tunnelSession: s.origins.tunnelSession(ctx.origin), authOrigin: auth });
    const device = check.ok ? s.store.get(check.deviceId) : undefined;
    if (!check.ok || !device) {
      const reason = check.ok ? 'device_revoked' : check.reason;
      s.audit.record({ outcome: 'failure', method: 'handoff', device_id: check.ok ? check.deviceId : null, origin: ctx.origin, ip: ctx.ip, reason, jti: check.jti });
      return page(reply, reason === 'device_revoked' ? 401 : 400, 'Sign-in refused', REFUSALS[reason], link);
    }
    await startSession(s, reply, device, ctx.origin);
    s.audit.record({ outcome: 'success', method: 'handoff', device_id: device.id, origin: ctx.origin, ip: ctx.ip, jti: check.jti, auth_origin: auth });
    // The token leaves the address bar at once: the redirect replaces this URL in history.
    return reply.header('cache-control', 'no-store').redirect(returnTo);
  });
}
