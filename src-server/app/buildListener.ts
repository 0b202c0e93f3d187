import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { cliLoginRoutes } from '../cli-login/cliLoginRoutes.ts';
import { deviceEvents } from '../devices/deviceEvents.ts';
import { deviceRoutes } from '../devices/deviceRoutes.ts';
import { pairingEvents } from '../devices/pairingEvents.ts';
import { handoffRoutes } from '../handoff/handoffRoutes.ts';
import { errorHandler } from '../errors/errorHandler.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { createClientAddress } from '../gate/createClientAddress.ts';
import { attachScopeCheck, gatePlugin, requireAuth } from '../gate/gatePlugin.ts';
import { limitInFlight } from '../gate/limitInFlight.ts';
import type { Listener } from '../gate/resolveOrigin.ts';
import { originRoutes } from '../origins/originRoutes.ts';
import { sessionRoutes, whoamiRoutes } from '../sessions/sessionRoutes.ts';
import type { RendererBundle } from '../web/buildRenderer.ts';
import { tokenRoutes } from '../tokens/tokenRoutes.ts';
import { tunnelRoutes } from '../tunnels/tunnelRoutes.ts';
import { rendererRoutes } from '../web/rendererRoutes.ts';
import { ceremonyRoutes } from '../webauthn/ceremonyRoutes.ts';
import type { Services } from './Services.ts';

/**
 * One Fastify instance per listener, wired in a fixed order: platform plugins, the gate,
 * then feature routes. Which listener a request arrived on is fixed here, by construction;
 * nothing a client sends can change it.
 */
export async function buildListener(s: Services, listener: Listener, bundle: RendererBundle, logger: boolean): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: 'warn' } : false,
    // A request must arrive whole within the limit (a body sent a byte every few seconds is cut
    // with 408); Node checks every second rather than its default 30 s, so the limit is the limit.
    serverFactory: (handler) => createServer({
      requestTimeout: s.limits.requestTimeoutMs,
      headersTimeout: Math.min(s.limits.requestTimeoutMs, 20_000),
      connectionsCheckingInterval: 1_000,
    }, handler),
    bodyLimit: 64 * 1024,
    // Only the remote listener sits behind proxies; proxy-addr then picks the right-most untrusted hop.
    trustProxy: listener === 'remote' ? s.config.trusted_proxies : false,
    return503OnClosing: false,
    // Fastify's default silently drops unknown body fields; a typo such as "expire_in" must be an error, not a default.
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setErrorHandler(errorHandler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"], frameAncestors: ["'none'"], formAction: ["'self'"], baseUri: ["'none'"], objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS belongs to whoever terminates TLS (the tunnel), not to a plain-http loopback listener.
    strictTransportSecurity: false,
  });
  await app.register(cookie);
  // Only the remote listener sits behind proxies; the local one believes no forwarding header.
  const client = createClientAddress(listener === 'remote' ? s.config.trusted_proxies : null);
  await app.register(rateLimit, {
    global: listener === 'remote',
    // Per client, as the gate sees it: the right-most untrusted hop, also behind a Forwarded-only proxy.
    keyGenerator: (request) => client.ipOf(request),
    max: s.limits.remotePerMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_req, ctx) => new LatchkeyError('rate_limited', `Too many requests; try again in ${Math.ceil(ctx.ttl / 1000)} s.`, 429),
  });
  if (listener === 'remote') limitInFlight(app, s.limits.inFlightPerClient, client.ipOf);
  app.setNotFoundHandler(async (request) => {
    // Unknown /api paths answer like known ones to a stranger, so the API cannot be mapped without signing in.
    if (request.url.startsWith('/api') && request.lk) await requireAuth(request);
    throw new LatchkeyError('not_found', `Nothing at ${request.method} ${request.url.split('?')[0]}.`, 404);
  });

  gatePlugin(app, s, listener, client);
  sessionRoutes(app, s);
  pairingEvents(app, s);
  ceremonyRoutes(app, s);
  cliLoginRoutes(app, s);
  handoffRoutes(app, s);
  rendererRoutes(app, bundle);

  await app.register(async (api) => {
    api.addHook('onRequest', requireAuth);
    api.addHook('onRoute', attachScopeCheck);
    whoamiRoutes(api, s);
    deviceRoutes(api, s);
    deviceEvents(api, s);
    originRoutes(api, s);
    tokenRoutes(api, s);
    tunnelRoutes(api, s.tunnels);
  });
  return app;
}
