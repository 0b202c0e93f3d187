import type { Feature } from './scopes.ts';
import type { Principal } from './Principal.ts';
import { PAGE_ALIASES, PAGE_TABLE } from '../web/pagePaths.ts';
import { LATCHKEY_PREFIX, lk } from '../web/latchkeyPaths.ts';

/** The per-route request limits, per client; their numbers come from `limits` (Services.ts). */
export type RouteLimit = 'ceremony' | 'token_exchange';

/**
 * One row of the access table: who may call a route of Latchkey's, and where.
 * - `who`: the principals let in (a principal not named gets 401 if anonymous, else 403);
 * - `scope`: for tokens, the scope family (a feature, `api`, or null = any valid token);
 *   GET/HEAD need `:read`, other methods `:write`. `tokenScope` instead demands that exact scope;
 * - `listener`: `local` = the computer's own listener only (never through a tunnel);
 * - `origin`: `admin` = never on an origin that serves an app, for any credential a browser
 *   holds (a token is not one); `any` = also there (what a visitor needs);
 * - `stepUp`: a remote owner device needs a fresh passkey assertion with user verification;
 * - `own`: for a device session, the target must be the caller's own device (or key),
 *   unless `stepUp` is satisfied (devices) or the caller is the computer;
 * - `limit`: the per-client request limit on top of the listener's;
 * - `noOrigin`: a command-line client may call it without an Origin header (it holds no cookie);
 * - `approver`: a `local` row that a passkey device may also use through the tunnel, on an admin
 *   origin, when the owner turned `approve_from_devices` on (approving also needs a fresh assertion).
 */
export interface RouteRule {
  who: readonly Principal[];
  scope?: Feature | 'api' | null;
  tokenScope?: string;
  listener: 'any' | 'local';
  origin: 'any' | 'admin';
  stepUp?: true;
  own?: 'device' | 'key';
  limit?: RouteLimit;
  noOrigin?: true;
  approver?: true;
  /**
   * A protocol endpoint any site may call (OAuth's token, registration and metadata, for web
   * agents too): it reads no cookie of Latchkey's, so there is no ambient credential to forge with.
   */
  anySite?: true;
  /** One line for the README's table: what the rule is for, when the row alone does not say it. */
  note?: string;
}

const ANYONE: readonly Principal[] = ['computer', 'owner_device', 'fallback_browser', 'guest', 'token', 'agent', 'open', 'anonymous'];
const SIGNED_IN: readonly Principal[] = ['computer', 'owner_device', 'fallback_browser', 'guest', 'token', 'open'];
/** Owners: the computer and its passkey devices (and the gate-off/open-grace principal, which stands for "nobody checks"). */
const OWNERS: readonly Principal[] = ['computer', 'owner_device', 'token', 'open'];
const COMPUTER: readonly Principal[] = ['computer', 'token'];

const OAUTH_ALL = lk('/oauth/*');
const visitor = (extra: Partial<RouteRule> = {}): RouteRule => ({ who: ANYONE, scope: null, listener: 'any', origin: 'any', ...extra });
const read = (scope: Feature): RouteRule => ({ who: OWNERS, scope, listener: 'any', origin: 'admin' });
const onComputer = (scope: Feature, extra: Partial<RouteRule> = {}): RouteRule => ({ who: COMPUTER, scope, listener: 'local', origin: 'admin', ...extra });
/** On the computer, and from a passkey device when approve_from_devices is on. */
const approving = (extra: Partial<RouteRule> = {}): RouteRule => ({ who: [...COMPUTER, 'owner_device'], scope: 'devices', listener: 'local', origin: 'admin', approver: true, ...extra });

const OAUTH_RULE = visitor({ limit: 'ceremony', anySite: true, note: 'the OAuth server (oidc-provider): authorize, token, register, revoke, metadata' });

/**
 * Every route Latchkey serves, as `METHOD /path` (Fastify's spelling of parameters). A route
 * that is not here cannot be registered (attachAccessRule throws at start-up), so a new
 * feature cannot forget to say who may use it. HEAD follows GET.
 */
export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  // What a visitor needs, on every origin: the site root, the WebAuthn origins list, the assertion keys.
  'GET /': visitor(),
  'GET /.well-known/webauthn': visitor(),
  [`GET ${lk('/jwks.json')}`]: visitor(),
  [`GET ${lk('/reach')}`]: visitor({ note: 'the tunnel check\'s probe arrives here' }),
  [`GET ${lk('/assets/app.js')}`]: visitor(),
  [`GET ${lk('/assets/app.css')}`]: visitor(),
  [`GET ${lk('/assets/icon.png')}`]: visitor(),
  [`GET ${lk('/manifest.webmanifest')}`]: visitor(),
  ...pageRules(),

  // Signing in, pairing, waiting and signing out.
  [`GET ${lk('/auth/state')}`]: visitor(),
  [`POST ${lk('/auth/register/options')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/register/verify')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/login/options')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/login/verify')}`]: visitor({ limit: 'ceremony' }),
  [`GET ${lk('/auth/pairing/status')}`]: visitor(),
  [`GET ${lk('/auth/pairing/events')}`]: visitor(),
  [`POST ${lk('/auth/pairing/cancel')}`]: visitor(),
  [`POST ${lk('/auth/logout')}`]: visitor(),
  [`POST ${lk('/auth/fallback/signin')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/fallback/email/send')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/fallback/email/check')}`]: visitor({ limit: 'ceremony' }),
  [`POST ${lk('/auth/fallback/email/confirm')}`]: visitor({ limit: 'ceremony' }),
  [`GET ${lk('/auth/handoff/start')}`]: visitor(),
  [`GET ${lk('/auth/handoff')}`]: visitor(),
  // The fresh passkey assertion that dangerous actions from a phone ask for.
  [`POST ${lk('/auth/step-up/options')}`]: { who: ['owner_device'], listener: 'any', origin: 'admin', limit: 'ceremony', note: 'a passkey device proves itself again (step-up), for 5 minutes' },
  [`POST ${lk('/auth/step-up/verify')}`]: { who: ['owner_device'], listener: 'any', origin: 'admin', limit: 'ceremony' },
  // The assertion one approval from a phone needs, bound to that request (approve_from_devices).
  [`POST ${lk('/auth/approve/options')}`]: { who: ['owner_device'], listener: 'any', origin: 'admin', limit: 'ceremony', note: 'the passkey check for one approval from a phone' },
  // A guest's invitation page asks what its link shares, before using it.
  [`POST ${lk('/auth/share/inspect')}`]: visitor({ limit: 'ceremony' }),

  // `latchkey auth login`: the CLI's own calls take no cookie; allowing one hands out a token, so only on an admin origin.
  [`POST ${lk('/auth/cli/authorize')}`]: visitor({ limit: 'ceremony', noOrigin: true }),
  [`POST ${lk('/auth/device/code')}`]: visitor({ limit: 'ceremony', noOrigin: true }),
  [`POST ${lk('/auth/token')}`]: visitor({ limit: 'token_exchange', noOrigin: true }),
  [`GET ${lk('/auth/cli/request')}`]: visitor({ limit: 'ceremony', origin: 'admin' }),
  [`POST ${lk('/auth/cli/approve/options')}`]: visitor({ limit: 'ceremony', origin: 'admin' }),
  [`POST ${lk('/auth/cli/approve/verify')}`]: visitor({ limit: 'ceremony', origin: 'admin', note: 'needs a trusted passkey assertion' }),
  [`POST ${lk('/auth/cli/deny')}`]: visitor({ limit: 'ceremony', origin: 'admin' }),

  // About the caller itself.
  // Agents (MCP clients): the OAuth server's endpoints and metadata, for any client from any site;
  // allowing one is the owner's, on an admin origin (from a phone after a step-up); the list is the owner's.
  [`GET ${OAUTH_ALL}`]: OAUTH_RULE,
  [`POST ${OAUTH_ALL}`]: OAUTH_RULE,
  [`OPTIONS ${OAUTH_ALL}`]: OAUTH_RULE,
  'GET /.well-known/oauth-authorization-server': OAUTH_RULE,
  'OPTIONS /.well-known/oauth-authorization-server': OAUTH_RULE,
  'GET /.well-known/oauth-protected-resource': visitor({ anySite: true }),
  'GET /.well-known/oauth-protected-resource/*': visitor({ anySite: true, note: 'an MCP app\'s resource metadata (RFC 9728)' }),
  [`GET ${lk('/api/agents/requests/:uid')}`]: { who: ['computer', 'owner_device'], listener: 'any', origin: 'admin' },
  [`POST ${lk('/api/agents/requests/:uid/allow')}`]: { who: ['computer', 'owner_device'], listener: 'any', origin: 'admin', stepUp: true, note: 'then the computer types the phone\'s code (approve_new_agents)' },
  [`POST ${lk('/api/agents/requests/:uid/deny')}`]: { who: ['computer', 'owner_device'], listener: 'any', origin: 'admin' },
  [`GET ${lk('/api/agents/waiting')}`]: { who: ['computer'], listener: 'local', origin: 'admin' },
  [`POST ${lk('/api/agents/waiting/:uid/approve')}`]: { who: ['computer'], listener: 'local', origin: 'admin', note: 'typed code of an agent allowed from a phone' },
  [`PUT ${lk('/api/settings/approve-new-agents')}`]: onComputer('agents', { note: 'agents allowed from a phone also need the computer\'s typed code (on by default)' }),
  [`GET ${lk('/api/clients')}`]: read('agents'),
  [`DELETE ${lk('/api/clients/:id')}`]: { who: OWNERS, scope: 'agents', listener: 'any', origin: 'admin' },

  [`GET ${lk('/api/whoami')}`]: { who: SIGNED_IN, scope: null, listener: 'any', origin: 'any' },
  // Anyone signed in may ask; the handler tells a caller without a token that there is none to end (400 not_a_token).
  [`DELETE ${lk('/api/tokens/current')}`]: { who: SIGNED_IN, scope: null, listener: 'any', origin: 'any', note: 'a token ends itself' },
  // The launcher: the apps this origin opens (the computer sees them all).
  [`GET ${lk('/api/apps')}`]: { who: SIGNED_IN, scope: 'apps', listener: 'any', origin: 'any' },

  // Devices. Approvals are made on the computer (or, when the owner allows it, from a passkey device);
  // a device may remove itself, another only after a step-up.
  [`GET ${lk('/api/devices')}`]: read('devices'),
  [`DELETE ${lk('/api/devices/:id')}`]: { who: ['computer', 'owner_device', 'fallback_browser', 'token', 'open'], scope: 'devices', listener: 'any', origin: 'admin', own: 'device', stepUp: true, note: 'itself; another device: the computer, or a phone after a step-up' },
  [`GET ${lk('/api/devices/pending')}`]: approving(),
  [`GET ${lk('/api/events')}`]: approving({ note: 'pending requests as they come' }),
  [`POST ${lk('/api/devices/:id/approve')}`]: approving({ note: 'typed code; from a phone also a passkey assertion for this request' }),
  [`POST ${lk('/api/devices/pending/approve')}`]: onComputer('devices'),
  [`POST ${lk('/api/devices/:id/deny')}`]: approving(),
  [`PUT ${lk('/api/settings/approve-from-devices')}`]: onComputer('devices', { note: 'lets passkey devices approve (off by default)' }),

  // Shares: one app for one guest. Made on the computer (a token also needs the app's scope); a phone may list and end them.
  [`GET ${lk('/api/shares')}`]: read('shares'),
  [`POST ${lk('/api/shares')}`]: onComputer('shares', { note: 'a token also needs app:NAME' }),
  [`POST ${lk('/api/shares/:id/link')}`]: onComputer('shares', { note: 'a new link, for the guest\'s second device' }),
  [`DELETE ${lk('/api/shares/:id')}`]: { who: OWNERS, scope: 'shares', listener: 'any', origin: 'admin' },

  // API keys: a phone makes and rotates keys after a step-up, and manages only its own.
  [`GET ${lk('/api/keys')}`]: read('keys'),
  [`POST ${lk('/api/keys')}`]: { who: OWNERS, scope: 'keys', listener: 'any', origin: 'admin', stepUp: true, note: 'no broader than the caller; from a phone: at most 30 days' },
  [`POST ${lk('/api/keys/:id/rotate')}`]: { who: OWNERS, scope: 'keys', listener: 'any', origin: 'admin', stepUp: true, own: 'key' },
  [`DELETE ${lk('/api/keys/:id')}`]: { who: OWNERS, scope: 'keys', listener: 'any', origin: 'admin', own: 'key' },

  // What is reachable, and how: on the computer only.
  [`GET ${lk('/api/origins')}`]: onComputer('origins'),
  [`GET ${lk('/api/origins/qr')}`]: onComputer('origins'),
  [`POST ${lk('/api/origins')}`]: onComputer('origins'),
  [`POST ${lk('/api/origins/remove')}`]: onComputer('origins'),
  [`GET ${lk('/api/tunnel')}`]: onComputer('origins'),
  [`POST ${lk('/api/tunnel/start')}`]: onComputer('origins'),
  [`POST ${lk('/api/tunnel/stop')}`]: onComputer('origins'),
  [`POST ${lk('/api/tunnel/check')}`]: onComputer('origins', { note: 'asks an allowed address whether it reaches this server' }),
  [`POST ${lk('/api/apps')}`]: onComputer('apps'),
  [`DELETE ${lk('/api/apps/:name')}`]: onComputer('apps'),

  // Sign-in fallbacks hand out a way in: changed on the computer, by a token only with fallbacks:write itself.
  [`GET ${lk('/api/fallbacks')}`]: read('fallbacks'),
  [`POST ${lk('/api/fallbacks/backup-codes')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),
  [`POST ${lk('/api/fallbacks/totp')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),
  [`POST ${lk('/api/fallbacks/totp/confirm')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),
  [`PUT ${lk('/api/fallbacks/password')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),
  [`PUT ${lk('/api/fallbacks/email')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),
  [`DELETE ${lk('/api/fallbacks/:method')}`]: onComputer('fallbacks', { tokenScope: 'fallbacks:write' }),

  // Activity and alerts: read from any owner device; silenced on the computer only.
  [`GET ${lk('/api/audit')}`]: read('audit'),
  [`GET ${lk('/api/audit/stream')}`]: read('audit'),
  [`GET ${lk('/api/alerts')}`]: read('audit'),
  [`POST ${lk('/api/alerts/:id/ack')}`]: onComputer('audit'),
  [`POST ${lk('/api/alerts/test')}`]: onComputer('audit'),
};

/**
 * The page shells: they hold no data (the API behind them does), but an admin page is still
 * never served on an origin where an app's scripts run. Visitor pages (bare ones, and Home,
 * which is the launcher there) are served everywhere.
 */
function pageRules(): Record<string, RouteRule> {
  const rules: Record<string, RouteRule> = {};
  for (const page of PAGE_TABLE) {
    const admin = !page.bare && page.path !== '/';
    rules[`GET ${lk(page.path)}`] = visitor(admin ? { origin: 'admin' } : {});
  }
  // Fastify serves a prefixed "/" at the bare prefix too.
  rules[`GET ${LATCHKEY_PREFIX}`] = rules[`GET ${lk('/')}`]!;
  for (const old of Object.keys(PAGE_ALIASES)) rules[`GET ${lk(old)}`] = visitor({ note: 'redirects to its page' });
  return rules;
}

/** The row for a registered route, or undefined (HEAD is answered by GET's row). */
export function ruleFor(method: string, url: string): RouteRule | undefined {
  return ROUTE_RULES[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
