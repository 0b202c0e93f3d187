import { createStepUps } from '../access/createStepUps.ts';
import { adminOrigins } from '../access/adminOrigins.ts';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { createAppRegistry } from '../apps/createAppRegistry.ts';
import { createAssertionSigner } from '../apps/createAssertionSigner.ts';
import { createAuditLog } from '../audit/createAuditLog.ts';
import { createLoginRequests } from '../cli-login/createLoginRequests.ts';
import { loadConfig, type LatchkeyConfig } from '../config/loadConfig.ts';
import { parseApps, type AppConfig } from '../apps/parseApp.ts';
import { ConfigError } from '../errors/LatchkeyError.ts';
import { createPairingBudget } from '../devices/createPairingBudget.ts';
import { createReachCheck, type ReachCheckOptions } from '../tunnels/createReachCheck.ts';
import { createPendingRegistry, MAX_PENDING, MAX_PENDING_PER_CLIENT, PENDING_TTL_MS } from '../devices/createPendingRegistry.ts';
import { createOriginRegistry } from '../origins/createOriginRegistry.ts';
import { createSessionService } from '../sessions/createSessionService.ts';
import { openSigningKeys } from '../sessions/openSigningKeys.ts';
import { openPasskeyStore } from '../store/openPasskeyStore.ts';
import { createTokenService } from '../tokens/createTokenService.ts';
import { createHandoffService } from '../handoff/createHandoffService.ts';
import { createTunnelManager, TUNNEL_URL_TIMEOUT_MS } from '../tunnels/createTunnelManager.ts';
import { systemClock, type Clock } from '../time/Clock.ts';
import { buildRenderer, readRendererBundle, type RendererBundle } from '../web/buildRenderer.ts';
import { createChallengeStore } from '../webauthn/createChallengeStore.ts';
import { createEmailLinks } from '../fallbacks/createEmailLinks.ts';
import { alertsFromConfig } from '../alerts/alertsFromConfig.ts';
import { createAlertService } from '../alerts/createAlertService.ts';
import { openAlertStore } from '../alerts/openAlertStore.ts';
import { auditRotationFromConfig } from '../audit/auditRotationFromConfig.ts';
import { createFallbackService } from '../fallbacks/createFallbackService.ts';
import { createFallbackThrottle } from '../fallbacks/createFallbackThrottle.ts';
import { openFallbackStore } from '../fallbacks/openFallbackStore.ts';
import { createShareService } from '../shares/createShareService.ts';
import { openShareStore } from '../shares/openShareStore.ts';
import { buildListener } from './buildListener.ts';
import { openAgentStore } from '../agents/openAgentStore.ts';
import { createOAuthServer } from '../agents/createOAuthServer.ts';
import { resourceOf } from '../agents/mcpGate.ts';
import { manageAtFor } from '../access/adminOrigins.ts';
import { LATCHKEY_PREFIX } from '../web/latchkeyPaths.ts';
import { createLazyValidators } from './createLazyValidators.ts';
import { acquireHomeLock, prepareHome } from './prepareHome.ts';
import { DEFAULT_LIMITS, limitsFromConfig, type Limits, type Services } from './Services.ts';

export interface LatchkeyOptions {
  home: string;
  localPort?: number;
  remotePort?: number;
  clock?: Clock;
  limits?: Partial<Limits>;
  pending?: { max?: number; perClient?: number; ttlMs?: number };
  /** RFC 8628 polling interval handed to `auth login --no-browser` (tests shorten it). */
  cliLoginIntervalSeconds?: number;
  /** Where start-up warnings go (stderr for the CLI). */
  warn?: (message: string) => void;
  logger?: boolean;
  /**
   * Set by the desktop app: a random secret made at each launch, which its windows send as
   * `X-Latchkey-Desktop` so they are signed in whether or not the loopback bypass is on.
   */
  desktopSecret?: string;
  /** The environment tunnel tools run in (tests put stand-ins first on PATH). */
  toolEnv?: NodeJS.ProcessEnv;
  /** How long a tunnel tool may take to print its URL. */
  tunnelTimeoutMs?: number;
  /** `latchkey serve --upstream URL`: one app at /, for this run only (not written to config.json). */
  upstream?: string;
  /** A folder with a prebuilt app.js and app.css (packaged app); else the renderer is bundled at start. */
  rendererDir?: string;
  /** How the tunnel check dials the public address (tests map host names to loopback and trust their certificate). */
  reachCheck?: ReachCheckOptions;
  /** How the OAuth server fetches an agent's client metadata document (tests map names to loopback and trust their certificate). */
  agentFetch?: typeof fetch;
  /** Webhook retry timing (tests shorten it). */
  webhook?: { retryMs?: number[]; giveUpAfterMs?: number };
}

let bundleOnce: Promise<RendererBundle> | undefined;

/**
 * The composition root: validates config, opens the stores, builds both listeners.
 * Everything that runs the server (the CLI's `serve`, the Electron main process, tests)
 * goes through here, so there is one way the pieces are wired.
 *
 * @example
 *   const lk = await createLatchkey({ home: '/tmp/lk', localPort: 0, remotePort: 0 });
 *   const { local, remote } = await lk.listen();
 */
export async function createLatchkey(options: LatchkeyOptions) {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`latchkey: ${m}\n`));
  const clock = options.clock ?? systemClock;
  prepareHome(options.home, warn);
  const config = loadConfig(options.home);
  const lock = acquireHomeLock(options.home);
  try {
    const keys = await openSigningKeys(options.home, clock);
    const store = await openPasskeyStore(options.home, warn);
    const fallbackStore = await openFallbackStore(options.home, warn);
    const shares = createShareService(await openShareStore(options.home, warn), clock, store);
    await shares.prune();
    const alertSettings = alertsFromConfig(config.alerts, config.file);
    const audit = createAuditLog(options.home, clock, auditRotationFromConfig(config.audit, config.file));
    const limits = { ...DEFAULT_LIMITS, ...limitsFromConfig(config.limits), ...options.limits };
    const pending = createPendingRegistry(clock, {
      max: options.pending?.max ?? MAX_PENDING, perClient: options.pending?.perClient ?? MAX_PENDING_PER_CLIENT, ttlMs: options.pending?.ttlMs ?? PENDING_TTL_MS,
    });
    const services: Services = {
      config,
      origins: createOriginRegistry(config),
      store,
      shares,
      sessions: createSessionService(keys, clock),
      handoff: createHandoffService(keys, clock),
      tokens: await createTokenService(options.home, clock, (id) => store.get(id) !== undefined, warn),
      challenges: createChallengeStore(clock),
      fallbacks: createFallbackService(fallbackStore, clock, {
        emailAvailable: config.smtp !== undefined,
        // The account name an authenticator app shows: the stable public name, else this computer's.
        host: () => (config.auth_origin && config.auth_origin !== 'localhost' ? new URL(config.auth_origin).host : config.public_origins[0] ? new URL(config.public_origins[0]).host : hostname()),
      }),
      fallbackThrottle: createFallbackThrottle({ perClient: limits.fallbackFailuresPerClient, global: limits.fallbackFailuresTotal, windowS: 600 }),
      emailLinks: createEmailLinks(clock),
      alerts: null as unknown as Services['alerts'],
      agents: null as unknown as Services['agents'],
      pending,
      pairingBudget: createPairingBudget(pending, limits.pairingsPer10Minutes),
      reach: createReachCheck(() => Number(new URL(services.urls.remote || 'http://x:0').port), options.reachCheck),
      logins: createLoginRequests(clock, { intervalSeconds: options.cliLoginIntervalSeconds }),
      audit,
      clock,
      limits,
      stepUps: createStepUps(clock),
      desktopSecret: options.desktopSecret ? Buffer.from(options.desktopSecret) : null,
      urls: { local: '', remote: '' },
      tunnels: null as unknown as Services['tunnels'],
      apps: await createAppRegistry(config, { appTimeoutMs: limits.appTimeoutMs, flagApps: flagApps(options.upstream, config) }),
      signer: await createAssertionSigner(clock),
    };
    services.agents = createOAuthServer({
      store: await openAgentStore(options.home, clock, warn), clock, audit, fetch: options.agentFetch,
      appForResource: (origin, resource) => {
        const app = services.apps.list().find((a) => a.mcp && resourceOf(origin, a) === resource && services.apps.match(origin, 'remote', a.path || '/') === a);
        return app ? { name: app.name, resource } : null;
      },
      // Consent is given where no app's script runs: this origin if it serves none, else where Latchkey is managed, else the computer.
      consentBase: (origin, listener) => {
        if (!services.apps.servesAny(origin, listener)) return origin;
        const at = manageAtFor(services)({ listener, origin });
        return at ? at.slice(0, -`${LATCHKEY_PREFIX}/`.length) : services.urls.local;
      },
    });
    services.alerts = createAlertService({
      settings: alertSettings, store: await openAlertStore(options.home, warn), audit, tokens: services.tokens, fallbacks: services.fallbacks,
      config, now: clock.now, deviceName: (id) => store.get(id)?.name, webhookOpts: options.webhook,
    });
    void services.alerts.checkExpiringKeys();
    services.tunnels = createTunnelManager(services, { env: options.toolEnv ?? process.env, timeoutMs: options.tunnelTimeoutMs ?? TUNNEL_URL_TIMEOUT_MS });
    const bundle = options.rendererDir ? readRendererBundle(options.rendererDir) : await (bundleOnce ??= buildRenderer());
    let ipv6: Server | null = null;
    const shared = { bundle, buildValidator: createLazyValidators(), logger: options.logger ?? false };
    const local = await buildListener(services, 'local', shared);
    const remote = await buildListener(services, 'remote', shared);

    return {
      services,
      local,
      remote,
      /** Starts both listeners; resolves with the URLs to print. */
      async listen() {
        await local.listen({ host: '127.0.0.1', port: options.localPort ?? 8787 });
        ipv6 = await bridgeIpv6Loopback(local, portOf(local), warn);
        await remote.listen({ host: '127.0.0.1', port: options.remotePort ?? 8788 });
        const urls = { local: `http://localhost:${portOf(local)}`, remote: `http://127.0.0.1:${portOf(remote)}` };
        Object.assign(services.urls, urls);
        lock.update(urls);
        return urls;
      },
      async close() {
        await services.tunnels.close();
        await services.reach.close();
        services.pending.close();
        await services.alerts.close();
        ipv6?.close();
        await Promise.allSettled([local.close(), remote.close()]);
        await services.tokens.close();
        await services.agents.flush();
        await services.apps.close();
        services.audit.flush();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * `localhost` may resolve to 127.0.0.1 or to ::1 depending on the system, so the local
 * listener also accepts on [::1]:PORT, handing each connection to the same HTTP server.
 * Systems without IPv6 loopback simply skip it.
 */
async function bridgeIpv6Loopback(app: FastifyInstance, port: number, warn: (m: string) => void): Promise<Server | null> {
  const server = createServer((socket) => app.server.emit('connection', socket));
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') warn(`[::1]:${port} is taken by another program; the local UI answers on 127.0.0.1 only.`);
      resolve(null);
    });
    server.listen({ host: '::1', port, ipv6Only: true }, () => resolve(server));
  });
}

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** The app `--upstream` names, checked like one in config.json; a bad URL stops the start naming the flag. */
function flagApps(upstream: string | undefined, config: LatchkeyConfig): AppConfig[] {
  if (upstream === undefined) return [];
  const app: AppConfig = { name: 'app', upstream };
  try {
    parseApps([app, ...config.apps], config.public_origins, adminOrigins(config));
  } catch (err) {
    throw new ConfigError(`--upstream: ${(err as Error).message.replace(/^"apps\[0\]": /, '')}`);
  }
  return [app];
}

export type Latchkey = Awaited<ReturnType<typeof createLatchkey>>;
