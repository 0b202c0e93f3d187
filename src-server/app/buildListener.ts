import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { cliLoginRoutes } from '../cli-login/cliLoginRoutes.ts';
import { deviceEvents } from '../devices/deviceEvents.ts';
import { deviceRoutes } from '../devices/deviceRoutes.ts';
import { pairingEvents } from '../devices/pairingEvents.ts';
import { handoffRoutes } from '../handoff/handoffRoutes.ts';
import { wellKnownRoutes } from '../handoff/wellKnownRoutes.ts';
import { errorHandler } from '../errors/errorHandler.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { waitInWords } from '../text/waitInWords.ts';
import { createClientAddress } from '../gate/createClientAddress.ts';
import { gatePlugin, requireAuth } from '../gate/gatePlugin.ts';
import { attachAccessRules } from '../access/attachAccessRules.ts';
import { manageAtFor } from '../access/adminOrigins.ts';
import { shareInviteRoutes, shareRoutes } from '../shares/shareRoutes.ts';
import { createInFlightLimit } from '../gate/createInFlightLimit.ts';
import { createAppProxy } from '../apps/createAppProxy.ts';
import { appRoutes } from '../apps/appRoutes.ts';
import { fallbackRoutes } from '../fallbacks/fallbackRoutes.ts';
import { auditRoutes } from '../audit/auditRoutes.ts';
import { fallbackSettingsRoutes } from '../fallbacks/fallbackSettingsRoutes.ts';
import type { Listener } from '../gate/resolveOrigin.ts';
import { originRoutes } from '../origins/originRoutes.ts';
import { sessionRoutes, whoamiRoutes } from '../sessions/sessionRoutes.ts';
import type { RendererBundle } from '../web/buildRenderer.ts';
import type { createLazyValidators } from './createLazyValidators.ts';
import { tokenRoutes } from '../tokens/tokenRoutes.ts';
import { agentRoutes, oauthRoutes } from '../agents/agentRoutes.ts';
import { tunnelRoutes } from '../tunnels/tunnelRoutes.ts';
import { rendererRoutes } from '../web/rendererRoutes.ts';
import { LATCHKEY_PREFIX, lk } from '../web/latchkeyPaths.ts';
import { ceremonyRoutes } from '../webauthn/ceremonyRoutes.ts';
import type { Services } from './Services.ts';

/**
 * One Fastify instance per listener, wired in a fixed order: platform plugins, the gate,
 * then feature routes. Which listener a request arrived on is fixed here, by construction;
 * nothing a client sends can change it.
 */
export interface ListenerShared {
  bundle: RendererBundle;
  /** One validator pool for both listeners (createLazyValidators). */
  buildValidator: ReturnType<typeof createLazyValidators>;
  logger: boolean;
}

export async function buildListener(s: Services, listener: Listener, shared: ListenerShared): Promise<FastifyInstance> {
  const { bundle, logger } = shared;
  // Only the remote listener sits behind proxies; the local one believes no forwarding header.
  const client = createClientAddress(listener === 'remote' ? s.config.trusted_proxies : null);
  const inFlight = listener === 'remote' ? createInFlightLimit(s.limits.inFlightPerClient) : null;
  const logError = (err: unknown) => app.log.error({ err }, 'app proxy failed');
  const logUpstream = (facts: Record<string, string>, message: string) => app.log.warn(facts, message);
  const proxy = createAppProxy({ s, apps: s.apps, signer: s.signer, listener, client, inFlight, logError, logUpstream });
  // A bug on the proxy path must not take the server down with an unhandled rejection: log it, drop that one connection.
  const failed = (err: unknown, drop: () => void) => {
    logError(err);
    drop();
  };
  const app = Fastify({
    logger: logger ? { level: 'warn' } : false,
    // App traffic takes the lean path (createAppProxy) straight from Node's events; Fastify
    // serves Latchkey's own routes. Headers must arrive within 20 s (slowloris); bodies of
    // Latchkey's own routes have their own deadline below, while an app's upload may take as
    // long as it needs once the gate has let it in.
    serverFactory: (fastifyHandler) => {
      const server = createServer({ requestTimeout: 0, headersTimeout: 20_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
        if (proxy.takes(req)) proxy.handle(req, res).catch((err) => failed(err, () => res.destroy()));
        else fastifyHandler(req, res);
      });
      // Expect: 100-continue is answered once the gate has let the request in (Node would answer it
      // at once): a refused upload is refused before its body is sent, and the app never sees Expect.
      server.on('checkContinue', (req, res) => {
        if (proxy.takes(req)) return void proxy.handle(req, res, true).catch((err) => failed(err, () => res.destroy()));
        res.writeContinue();
        fastifyHandler(req, res);
      });
      server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket as Socket, head).catch((err) => failed(err, () => socket.destroy())));
      return server;
    },
    bodyLimit: 64 * 1024,
    // Only the remote listener sits behind proxies; proxy-addr then picks the right-most untrusted hop.
    trustProxy: listener === 'remote' ? s.config.trusted_proxies : false,
    return503OnClosing: false,
    // Fastify's default silently drops unknown body fields; a typo such as "expire_in" must be an error, not a default.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: shared.buildValidator } },
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
  // Before @fastify/rate-limit: each route's row of the access table names its limit, which that plugin then reads.
  attachAccessRules(app, { stepUps: s.stepUps, manageAt: manageAtFor(s), approveFromDevices: () => s.config.approve_from_devices }, s.limits);
  await app.register(rateLimit, {
    // Only the routes' own limits (the access table); the listener-wide one is the hook below, which runs before the gate.
    global: false,
    // Per client, as the gate sees it: the right-most untrusted hop, also behind a Forwarded-only proxy.
    keyGenerator: (request) => client.ipOf(request),
    errorResponseBuilder: (_req, ctx) => new LatchkeyError('rate_limited', `Too many requests; try again in ${waitInWords(ctx.ttl / 1000)}.`, 429),
  });
  if (listener === 'remote') {
    // Every request through the tunnel is counted first, before the gate reads a credential or writes an
    // audit line, so a flood of refused requests meets 429 like any other (second review, finding 4).
    const perClient = new RateLimiterMemory({ points: s.limits.remotePerMinute, duration: 60 });
    app.addHook('onRequest', (request, _reply, done) => {
      perClient.consume(client.ipOf(request)).then(() => done(), (res: { msBeforeNext?: number }) => {
        const retry = Math.max(1, Math.ceil((res.msBeforeNext ?? 60_000) / 1000));
        done(new LatchkeyError('rate_limited', `Too many requests; try again in ${waitInWords(retry)}.`, 429, { retry_after_s: retry }, { 'retry-after': String(retry) }));
      });
    });
  }
  if (inFlight) {
    app.addHook('onRequest', (request, reply, done) => {
      const busy = inFlight.admit(client.ipOf(request), reply.raw);
      if (busy) reply.header('connection', 'close');
      done(busy ?? undefined);
    });
  }
  app.addHook('onRequest', (request, reply, done) => {
    bodyDeadline(request.raw, reply.raw, s.limits.requestTimeoutMs);
    done();
  });
  app.setNotFoundHandler(async (request) => {
    // Unknown API paths answer like known ones to a stranger, so the API cannot be mapped without signing in.
    if (request.url.startsWith(lk('/api')) && request.lk) await requireAuth(request);
    throw new LatchkeyError('not_found', `Nothing at ${request.method} ${request.url.split('?')[0]}.`, 404);
  });

  gatePlugin(app, s, listener, client);
  wellKnownRoutes(app, s);
  await oauthRoutes(app, s, listener);
  // The public half of the key that signs Latchkey-Assertion, for apps to verify it with.
  app.get(lk('/jwks.json'), async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(s.signer.jwks()));
  // The other half of the tunnel check: a probe that arrives here came through the tunnel to this listener.
  app.get(lk('/reach'), async (request) => {
    if (listener === 'remote') s.reach.saw((request.query as { probe?: unknown }).probe);
    return { latchkey: true };
  });
  // With no app behind the gate, the site root is Latchkey's own home page.
  app.get('/', async (_request, reply) => reply.redirect(lk('/')));

  await app.register(async (own) => {
    sessionRoutes(own, s);
    pairingEvents(own, s);
    ceremonyRoutes(own, s);
    cliLoginRoutes(own, s);
    handoffRoutes(own, s);
    fallbackRoutes(own, s);
    shareInviteRoutes(own, s);
    rendererRoutes(own, bundle);

    await own.register(async (api) => {
      whoamiRoutes(api, s);
      deviceRoutes(api, s);
      deviceEvents(api, s);
      originRoutes(api, s);
      tokenRoutes(api, s);
      tunnelRoutes(api, s);
      appRoutes(api, s);
      shareRoutes(api, s);
      agentRoutes(api, s);
      fallbackSettingsRoutes(api, s);
      auditRoutes(api, s);
    });
  }, { prefix: LATCHKEY_PREFIX });
  return app;
}

/**
 * A request to Latchkey's own routes must arrive whole in time: a body sent a byte every few
 * seconds is answered 408 and its connection closed (Node's own requestTimeout would also cut
 * an app's long upload, so it is off and this takes its place for Fastify's routes).
 */
function bodyDeadline(req: IncomingMessage, res: ServerResponse, ms: number) {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent) return;
    res.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ error: 'request_timeout', message: `The request did not arrive within ${Math.round(ms / 1000)} s.` }), () => req.socket.destroy());
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}
