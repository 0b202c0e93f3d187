import type { AppRegistry } from '../apps/createAppRegistry.ts';
import type { AssertionSigner } from '../apps/createAssertionSigner.ts';
import type { AuditLog } from '../audit/createAuditLog.ts';
import type { LoginRequests } from '../cli-login/createLoginRequests.ts';
import type { LatchkeyConfig } from '../config/loadConfig.ts';
import type { PendingRegistry } from '../devices/createPendingRegistry.ts';
import type { OriginRegistry } from '../origins/createOriginRegistry.ts';
import type { SessionService } from '../sessions/createSessionService.ts';
import type { TokenService } from '../tokens/createTokenService.ts';
import type { HandoffService } from '../handoff/createHandoffService.ts';
import type { PasskeyStore } from '../store/openPasskeyStore.ts';
import type { TunnelManager } from '../tunnels/createTunnelManager.ts';
import type { Clock } from '../time/Clock.ts';
import { parseDuration } from '../time/parseDuration.ts';
import type { ChallengeStore } from '../webauthn/createChallengeStore.ts';
import type { EmailLinks } from '../fallbacks/createEmailLinks.ts';
import type { FallbackService } from '../fallbacks/createFallbackService.ts';
import type { FallbackThrottle } from '../fallbacks/createFallbackThrottle.ts';
import type { StepUps } from '../access/createStepUps.ts';
import type { AlertService } from '../alerts/createAlertService.ts';
import type { PairingBudget } from '../devices/createPairingBudget.ts';
import type { ReachCheck } from '../tunnels/createReachCheck.ts';
import type { ShareService } from '../shares/createShareService.ts';
import type { OAuthServer } from '../agents/createOAuthServer.ts';

/** Request-rate limits per client IP. Tests lower or raise them; users get the defaults. */
export interface Limits {
  /** Option and verify calls of passkey ceremonies, per IP per minute. */
  ceremoniesPerMinute: number;
  /** Pairing requests per IP per 10 minutes (a cancelled one, or one denied for a wrong pick, is given back). */
  pairingsPer10Minutes: number;
  /** Every request on the remote listener, per IP per minute. */
  remotePerMinute: number;
  /** Requests one client may have open at once on the remote listener (slow-body floods). */
  inFlightPerClient: number;
  /** Time to receive a whole request to Latchkey's own routes, headers and body; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** App traffic that is unauthenticated (public paths included) or refused, per client per minute. Signed-in traffic is never limited. */
  unauthenticatedPerMinute: number;
  /** How long an app may take to send its response headers before the browser gets 504. */
  appTimeoutMs: number;
  /** Failed attempts of one fallback method from one client, per 10 minutes, before it is locked for that client. */
  fallbackFailuresPerClient: number;
  /** Failed attempts of one fallback method from all clients, per 10 minutes, before it is locked for everyone. */
  fallbackFailuresTotal: number;
}

export const DEFAULT_LIMITS: Limits = {
  ceremoniesPerMinute: 30, pairingsPer10Minutes: 5, remotePerMinute: 600, inFlightPerClient: 64, requestTimeoutMs: 30_000,
  unauthenticatedPerMinute: 120, appTimeoutMs: 60_000, fallbackFailuresPerClient: 5, fallbackFailuresTotal: 30,
};

/** The `limits` of config.json, over the defaults (already validated by loadConfig). */
export function limitsFromConfig(config: LatchkeyConfig['limits']): Partial<Limits> {
  if (!config) return {};
  const duration = (value: string | undefined) => (value === undefined ? undefined : parseDuration(value, { field: 'limits', min: 1000, max: 3600_000 }));
  const picked: Partial<Limits> = {
    remotePerMinute: config.requests_per_minute,
    unauthenticatedPerMinute: config.unauthenticated_per_minute,
    ceremoniesPerMinute: config.ceremonies_per_minute,
    pairingsPer10Minutes: config.pairings_per_10_minutes,
    inFlightPerClient: config.requests_in_flight_per_client,
    requestTimeoutMs: duration(config.request_timeout),
    appTimeoutMs: duration(config.app_timeout),
    fallbackFailuresPerClient: config.fallback_failures_per_client,
    fallbackFailuresTotal: config.fallback_failures_total,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

/** Everything the listeners share; built once by the composition root (createLatchkey). */
export interface Services {
  config: LatchkeyConfig;
  origins: OriginRegistry;
  store: PasskeyStore;
  sessions: SessionService;
  tokens: TokenService;
  handoff: HandoffService;
  tunnels: TunnelManager;
  /** Apps shared with guests, one app each (shares/). */
  shares: ShareService;
  /** Latchkey's OAuth server for its MCP apps, and the agents the owner allowed (agents/). */
  agents: OAuthServer;
  /** The local apps behind the gate, and the key that signs what they are told about each request. */
  apps: AppRegistry;
  signer: AssertionSigner;
  challenges: ChallengeStore;
  /** Sign-in fallbacks: their credentials, the per-method throttle, and emailed links. */
  fallbacks: FallbackService;
  fallbackThrottle: FallbackThrottle;
  /** Failure spikes, webhook deliveries and key-expiry notices, from the audit stream. */
  alerts: AlertService;
  emailLinks: EmailLinks;
  pending: PendingRegistry;
  /** Pairing requests per client per 10 minutes, checked before a passkey is made (createPairingBudget). */
  pairingBudget: PairingBudget;
  /** "Does my tunnel reach Latchkey?" (createReachCheck). */
  reach: ReachCheck;
  logins: LoginRequests;
  audit: AuditLog;
  clock: Clock;
  limits: Limits;
  /** Fresh passkey assertions (step-up) that dangerous actions from a phone ask for. */
  stepUps: StepUps;
  /** The per-launch secret the desktop app's windows present (see authenticate); null for `latchkey serve`. */
  desktopSecret: Buffer | null;
  /** The listeners' URLs, known once they listen (the `localhost` auth origin needs the local one). */
  urls: { local: string; remote: string };
}
