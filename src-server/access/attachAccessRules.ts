import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Limits } from '../app/Services.ts';
import { authorize, type AccessDeps } from './authorize.ts';
import { ruleFor, type RouteLimit } from './routeRules.ts';

/** The per-route limits of the table, in @fastify/rate-limit's terms (per client, as the gate sees it). */
function rateLimitOf(limit: RouteLimit, limits: Limits) {
  switch (limit) {
    case 'ceremony': return { max: limits.ceremoniesPerMinute, timeWindow: '1 minute' };
    // A CLI polls the token endpoint every few seconds while its login waits, so it gets more room.
    case 'token_exchange': return { max: Math.max(120, limits.ceremoniesPerMinute), timeWindow: '1 minute' };
  }
}

/**
 * The one hook that enforces the access table (routeRules) on Latchkey's own routes. Added
 * as an `onRoute` hook before any route (and before @fastify/rate-limit, which then finds
 * each row's limit in the route's config): every route gets its row and one `onRequest`
 * check with the row baked in, so nothing is looked up per request. A route without a row
 * stops the start-up: who may call it must be decided before it exists.
 */
export function attachAccessRules(app: FastifyInstance, deps: AccessDeps, limits: Limits) {
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat().map(String);
    const rule = ruleFor(methods[0]!, route.url);
    if (!rule || methods.some((m) => ruleFor(m, route.url) !== rule)) {
      throw new Error(`${methods.join(',')} ${route.url} has no row in the access table (src-server/access/routeRules.ts)`);
    }
    route.config = { ...route.config, access: rule, ...(rule.limit ? { rateLimit: rateLimitOf(rule.limit, limits) } : {}) };
    // Callback style on purpose: this runs on every request to Latchkey's routes, and a refusal is the rare case.
    const check = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
      try {
        authorize(request, rule, deps);
      } catch (err) {
        return done(err as Error);
      }
      done();
    };
    route.onRequest = [check, ...(route.onRequest ? [route.onRequest].flat() : [])] as RouteOptions['onRequest'];
  });
}
