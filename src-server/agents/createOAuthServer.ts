import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type Provider from 'oidc-provider';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { AuditLog } from '../audit/createAuditLog.ts';
import type { Clock } from '../time/Clock.ts';
import type { AgentStore } from './openAgentStore.ts';
import { checkRedirectUris } from './checkRedirectUris.ts';

/** Where the OAuth endpoints live on every origin (issuer = the origin itself, so MCP clients find `/.well-known/oauth-authorization-server`). */
export const OAUTH_PREFIX = '/.latchkey/oauth';
export const ACCESS_TOKEN_TTL_S = 3600;
// An agent unused for 30 days must be allowed again; one in use keeps rotating its refresh token, up to the
// grant's year (oidc-provider also stops rotating after a year of total lifetime).
const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;
const GRANT_TTL_S = 365 * 24 * 3600;
const INTERACTION_TTL_S = 600;
/** The one scope an agent's token carries: it opens the MCP server the token is bound to (its audience), nothing else. */
export const MCP_SCOPE = 'mcp';

/** An MCP app as the OAuth server sees it: where it lives on an origin. */
export interface McpAppRef {
  name: string;
  /** The resource indicator (RFC 8707) that names it on `origin`: the origin plus the app's path. */
  resource: string;
}

export interface OAuthDeps {
  store: AgentStore;
  clock: Clock;
  audit: AuditLog;
  /** The MCP app a resource indicator names on an origin, or null. */
  appForResource: (origin: string, resource: string) => McpAppRef | null;
  /** Where the consent page for an origin lives (an origin that serves no app: the admin origin, or the computer's). */
  consentBase: (origin: string, listener: 'local' | 'remote') => string;
  /**
   * How a client's metadata document is fetched. Unset: oidc-provider's own fetch, which refuses
   * special-use addresses (loopback, private, link-local) at connect time, waits 2.5 s at most and
   * bounds the body. Tests give one that maps names to loopback and trusts their certificate.
   */
  fetch?: typeof fetch;
}

/** An agent's access token, as the gate reads it: one hash and a Map read. */
export interface AgentGrant {
  clientId: string;
  clientName: string;
  /** The resource (app on an origin) the token is bound to. */
  resource: string;
  /** The device (or "computer") that allowed the client. */
  grantedBy: string;
}

/** A consent a phone gave, waiting for the computer to type its code (approve_new_agents). */
interface Waiting {
  uid: string;
  code: string;
  deviceId: string;
  deviceName: string;
  clientId: string;
  clientName: string;
  redirectHost: string;
  app: string;
  resource: string;
  origin: string;
  expiresAt: number;
  returnTo: string | null;
  outcome: 'waiting' | 'approved' | 'denied';
}

const hostOf = (uri: string) => {
  try {
    return new URL(uri).host || new URL(uri).protocol.replace(/:$/, '');
  } catch {
    return uri;
  }
};

/** An agent waiting for the computer, as the computer sees it: never its code. */
const viewOfWaiting = (w: Waiting, now: number) => ({
  uid: w.uid, client_name: w.clientName, client_id: w.clientId, redirect_host: w.redirectHost, app: w.app, origin: w.origin,
  device_id: w.deviceId, device_name: w.deviceName, expires_in_s: Math.round((w.expiresAt - now) / 1000),
});

export type OAuthServer = ReturnType<typeof createOAuthServer>;

/**
 * Latchkey as the OAuth 2.1 authorization server for its MCP apps (the MCP authorization spec),
 * built on panva's oidc-provider: RFC 8414 metadata, authorization code with PKCE S256 only,
 * dynamic client registration (RFC 7591) for public clients, exact redirect matching (loopback
 * ports aside, RFC 8252 §7.3), resource indicators (RFC 8707) so each token is bound to one app,
 * access tokens of one hour, and rotating refresh tokens whose reuse revokes the grant.
 * One provider per origin (the issuer is the origin the client found the app on); they share one store.
 * Sign-in and consent are Latchkey's own page, on an origin that serves no app.
 */
export function createOAuthServer(deps: OAuthDeps) {
  const { store, clock, audit } = deps;
  const providers = new Map<string, Provider>();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const waiting = new Map<string, Waiting>();
  // `waiting`: an agent a phone allowed waits for the computer (the terminal and the pages are told).
  const events = new EventEmitter();
  // oidc-provider (and Koa under it) is loaded with the first OAuth request, so a Latchkey whose
  // agents use static keys, or that has none, never pays for it at start-up.
  let loaded: Promise<{ Provider: typeof Provider; errors: typeof import('oidc-provider').errors; jwk: Record<string, unknown> }> | undefined;
  const load = () => (loaded ??= (async () => {
    const lib = await import('oidc-provider');
    // Signs nothing a client relies on (no ID tokens are asked for), but oidc-provider needs a key; made per start, never written.
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('base64url'), alg: 'ES256', use: 'sig' };
    return { Provider: lib.default, errors: lib.errors, jwk };
  })());

  async function providerFor(origin: string, listener: 'local' | 'remote'): Promise<Provider> {
    const known = providers.get(origin);
    if (known) return known;
    const { Provider, errors, jwk } = await load();
    const raced = providers.get(origin);
    if (raced) return raced;
    const provider = new Provider(origin, {
      adapter: store.Adapter as never,
      jwks: { keys: [jwk as never] },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      scopes: ['openid', 'offline_access', MCP_SCOPE],
      responseTypes: ['code'],
      // Every client, confidential or not, uses PKCE; oidc-provider accepts only S256.
      pkce: { required: () => true },
      clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'ES256' },
      ...(deps.fetch ? { fetch: deps.fetch as never } : {}),
      features: {
        devInteractions: { enabled: false },
        registration: { enabled: true },
        // Client ID Metadata Documents (what the MCP spec recommends first): a client_id that is an https URL,
        // fetched by oidc-provider (SSRF-checked, cached), its redirect URIs judged like a registration's.
        clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
        revocation: { enabled: true },
        userinfo: { enabled: false },
        resourceIndicators: {
          enabled: true,
          // No resource asked for: the only one the client's request can mean is refused, never guessed.
          defaultResource: async (_ctx, _client, oneOf) => oneOf,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resource) => {
            const app = deps.appForResource(origin, resource);
            if (!app) throw new errors.InvalidTarget(`${resource} is not an MCP app on ${origin}`);
            return { scope: MCP_SCOPE, audience: app.resource, accessTokenTTL: ACCESS_TOKEN_TTL_S, accessTokenFormat: 'opaque' };
          },
        },
      },
      extraClientMetadata: {
        properties: ['latchkey_checked'],
        // Called for each extra property with the whole client: the place to judge its redirect URIs.
        validator: (_ctx, key, _value, metadata) => {
          if (key !== 'latchkey_checked') return;
          const problem = checkRedirectUris(metadata.redirect_uris as string[] | undefined, metadata.token_endpoint_auth_method as string | undefined);
          if (problem) throw new errors.InvalidClientMetadata(problem);
        },
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      ttl: {
        AccessToken: ACCESS_TOKEN_TTL_S, AuthorizationCode: 60, RefreshToken: REFRESH_TOKEN_TTL_S,
        Grant: GRANT_TTL_S, Interaction: INTERACTION_TTL_S, Session: INTERACTION_TTL_S, IdToken: 300,
      },
      interactions: {
        url: async (_ctx, interaction) => `${deps.consentBase(origin, listener)}/.latchkey/agents/allow?uid=${encodeURIComponent(interaction.uid)}`,
      },
      // Latchkey's cookie names and paths: under /.latchkey/ and named lk_…, so no app ever receives them.
      cookies: {
        names: { session: 'lk_oauth_session', interaction: 'lk_oauth_interaction', resume: 'lk_oauth_resume' },
        long: { httpOnly: true, sameSite: 'lax', path: OAUTH_PREFIX },
        short: { httpOnly: true, sameSite: 'lax', path: OAUTH_PREFIX },
        keys: cookieKeys,
      },
      routes: {
        authorization: `${OAUTH_PREFIX}/authorize`, token: `${OAUTH_PREFIX}/token`, registration: `${OAUTH_PREFIX}/register`,
        revocation: `${OAUTH_PREFIX}/revoke`, jwks: `${OAUTH_PREFIX}/jwks`, end_session: `${OAUTH_PREFIX}/end`,
        introspection: `${OAUTH_PREFIX}/introspect`, pushed_authorization_request: `${OAUTH_PREFIX}/par`,
        code_verification: `${OAUTH_PREFIX}/device`, device_authorization: `${OAUTH_PREFIX}/device/auth`,
        backchannel_authentication: `${OAUTH_PREFIX}/backchannel`, userinfo: `${OAUTH_PREFIX}/me`, challenge: `${OAUTH_PREFIX}/challenge`,
      },
      renderError: async (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(out);
      },
    });
    // The gate decided the scheme (X-Forwarded-Proto is set by Latchkey from the origin it resolved, never taken from the client).
    provider.proxy = true;
    // Not in @types/oidc-provider's event list, but emitted by lib/actions/registration.js.
    (provider as unknown as NodeJS.EventEmitter).on('registration_create.success', (_ctx: unknown, client: { clientId: string; clientName?: string; redirectUris: string[] }) => {
      audit.record({ outcome: 'info', method: 'agent-register', origin, client_id: client.clientId, name: client.clientName ?? null, redirect_hosts: client.redirectUris.map(hostOf) });
    });
    // oidc-provider revokes a grant when a refresh token or a code is used twice (a sign of theft), and when the
    // agent revokes its own token; which one, only the route tells.
    provider.on('grant.revoked', (ctx: { oidc?: { route?: string } }, grantId: string) => {
      const route = ctx.oidc?.route;
      audit.record({ outcome: route === 'revocation' ? 'info' : 'failure', method: 'agent-grant-revoked', origin, grant_id: grantId, reason: route === 'revocation' ? 'revoked_by_agent' : 'token_reused' });
    });
    providers.set(origin, provider);
    return provider;
  }

  async function interactionOf(uid: string) {
    for (const provider of providers.values()) {
      const interaction = await provider.Interaction.find(uid);
      if (interaction) return { provider, interaction };
    }
    return null;
  }

  /** What the consent page shows: the client's claims beside the facts (its redirect host), and the app. */
  async function describe(uid: string) {
    const found = await interactionOf(uid);
    if (!found) throw new LatchkeyError('agent_request_unknown', 'This request to allow an agent has ended or was never made; start again from the agent.', 404);
    const { provider, interaction } = found;
    const params = interaction.params as Record<string, string | undefined>;
    const client = await provider.Client.find(String(params.client_id));
    if (!client) throw new LatchkeyError('agent_request_unknown', 'The agent that asked is no longer registered; start again from the agent.', 404);
    const resource = params.resource;
    const app = resource ? deps.appForResource(provider.issuer, resource) : null;
    if (!app) throw new LatchkeyError('agent_resource_unknown', `The agent asked for ${resource ? `"${resource}"` : 'no app'}, which is not an MCP app here.`, 400);
    const wait = waiting.get(uid);
    return {
      provider, interaction, client, app,
      view: {
        uid, client_id: client.clientId, client_name: (client.clientName as string | undefined) ?? null, logo_uri: (client.logoUri as string | undefined) ?? null,
        redirect_host: hostOf(String(params.redirect_uri)), app: app.name, resource: app.resource, origin: provider.issuer,
        expires_in_s: Math.max(0, interaction.exp - Math.floor(clock.now() / 1000)),
        waiting: wait ? { outcome: wait.outcome, expires_in_s: Math.max(0, Math.round((wait.expiresAt - clock.now()) / 1000)), return_to: wait.returnTo } : null,
      },
    };
  }

  /** The owner allows: a grant for exactly the app asked for, and the flow resumes in the agent's browser. */
  async function finish(uid: string, accountId: string): Promise<string> {
    const { provider, interaction, client, app } = await describe(uid);
    const params = interaction.params as Record<string, string | undefined>;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addResourceScope(app.resource, MCP_SCOPE);
    // The scopes a client may ask for are oidc-provider's "static" ones too: granted here, or it would ask for consent again.
    const oidcScopes = String(params.scope ?? '').split(' ').filter((x) => x === 'openid' || x === 'offline_access' || x === MCP_SCOPE);
    if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
    const grantId = await grant.save();
    // A client known by its metadata document (its id is an https URL; a registered one's never is) is in no
    // registration: keep what the owner allowed, for the lists.
    if (/^https:\/\//.test(client.clientId)) {
      await store.rememberMetadataClient(client.clientId, {
        client_id: client.clientId, client_name: client.clientName ?? null, redirect_uris: client.redirectUris,
        client_id_issued_at: Math.floor(clock.now() / 1000), metadata_document: true,
      });
    }
    interaction.result = { login: { accountId, remember: false }, consent: { grantId } };
    await interaction.save(Math.max(1, interaction.exp - Math.floor(clock.now() / 1000)));
    return interaction.returnTo;
  }

  return {
    events,
    describe: async (uid: string) => (await describe(uid)).view,

    /**
     * The owner's answer on the consent page. From the computer, the agent goes on at once; from a
     * phone, when `approve_new_agents` asks for it, the computer must type the code the phone shows.
     */
    async allow(uid: string, by: { deviceId: string; deviceName: string; needsComputer: boolean }) {
      const { view } = await describe(uid);
      if (!by.needsComputer) {
        const returnTo = await finish(uid, by.deviceId);
        audit.record({ outcome: 'success', method: 'agent-allow', client_id: view.client_id, name: view.client_name, app: view.app, device_id: by.deviceId === 'computer' ? null : by.deviceId, redirect_host: view.redirect_host });
        return { return_to: returnTo, waiting: null };
      }
      const prior = waiting.get(uid);
      if (prior) return { return_to: null, waiting: { code: prior.code, expires_in_s: view.expires_in_s } };
      const wait: Waiting = {
        uid, code: String(randomInt(10, 100)), deviceId: by.deviceId, deviceName: by.deviceName, clientId: view.client_id, clientName: view.client_name ?? view.client_id,
        redirectHost: view.redirect_host, app: view.app, resource: view.resource, origin: view.origin,
        expiresAt: clock.now() + view.expires_in_s * 1000, returnTo: null, outcome: 'waiting',
      };
      waiting.set(uid, wait);
      events.emit('waiting', viewOfWaiting(wait, clock.now()));
      audit.record({ outcome: 'info', method: 'agent-waiting', client_id: view.client_id, name: view.client_name, app: view.app, device_id: by.deviceId });
      return { return_to: null, waiting: { code: wait.code, expires_in_s: view.expires_in_s } };
    },

    async deny(uid: string, deviceId: string) {
      const { interaction, view } = await describe(uid);
      interaction.result = { error: 'access_denied', error_description: 'The owner did not allow this agent.' };
      await interaction.save(Math.max(1, interaction.exp - Math.floor(clock.now() / 1000)));
      const wait = waiting.get(uid);
      if (wait) wait.outcome = 'denied';
      audit.record({ outcome: 'info', method: 'agent-deny', client_id: view.client_id, name: view.client_name, app: view.app, device_id: deviceId === 'computer' ? null : deviceId });
      return { return_to: interaction.returnTo };
    },

    /** Consents from phones that wait for the computer (never their codes). */
    waitingList() {
      const now = clock.now();
      // A decided one stays until its consent expires: the phone that asked still has to read the outcome.
      for (const [uid, w] of waiting) if (w.expiresAt <= now) waiting.delete(uid);
      return [...waiting.values()].filter((w) => w.outcome === 'waiting').map((w) => viewOfWaiting(w, now));
    },

    /** The computer types the code the phone shows; a wrong one denies (number matching, as for devices). */
    async approveWaiting(uid: string, code: string) {
      const w = waiting.get(uid);
      if (!w || w.outcome !== 'waiting' || w.expiresAt <= clock.now()) {
        throw new LatchkeyError('agent_request_unknown', 'No agent waits for approval under this id (it was decided, or it expired).', 404);
      }
      if (code !== w.code) {
        w.outcome = 'denied';
        await this.deny(uid, 'computer');
        throw new LatchkeyError('wrong_code', `Code ${code} is not the one the phone shows, so the agent was not allowed.`, 400);
      }
      w.returnTo = await finish(uid, w.deviceId);
      w.outcome = 'approved';
      audit.record({ outcome: 'success', method: 'agent-allow', client_id: w.clientId, name: w.clientName, app: w.app, device_id: w.deviceId, approved_on_computer: true, redirect_host: w.redirectHost });
      return { approved: true };
    },

    /**
     * An agent's access token as the app path checks it: O(1), no I/O. Null for anything that
     * is not a live token of ours; a revoked client's tokens are gone from the store.
     */
    checkToken(token: string): AgentGrant | null {
      const payload = store.accessToken(token);
      if (!payload) return null;
      const clientId = String(payload.clientId);
      const name = store.client(clientId)?.client_name;
      return { clientId, clientName: typeof name === 'string' ? name : clientId, resource: String(payload.aud ?? ''), grantedBy: String(payload.accountId) };
    },

    /** The clients the owner allowed, with what each may reach and who allowed it. */
    clients() {
      const grants = store.all('Grant');
      return [...store.all('Client'), ...store.all('MetadataClient')].map((c) => {
        const id = String(c.client_id);
        const mine = grants.filter((g) => g.clientId === id);
        return {
          id, name: (c.client_name as string | undefined) ?? null, redirect_hosts: ((c.redirect_uris as string[] | undefined) ?? []).map(hostOf),
          registered_at: typeof c.client_id_issued_at === 'number' ? new Date(c.client_id_issued_at * 1000).toISOString() : null,
          allowed: mine.length > 0,
          resources: [...new Set(mine.flatMap((g) => Object.keys((g.resources as Record<string, string> | undefined) ?? {})))],
          granted_by: [...new Set(mine.map((g) => String(g.accountId)))],
        };
      });
    },

    /** Ends a client: its grants and tokens go at once, so its next request is refused. */
    async revoke(clientId: string, why: { device_id?: string | null; reason: string }) {
      const existed = await store.removeClient(clientId);
      if (!existed) throw new LatchkeyError('agent_unknown', `No agent is registered under "${clientId}" (latchkey clients list shows them).`, 404);
      audit.record({ outcome: 'info', method: 'agent-revoke', client_id: clientId, device_id: why.device_id ?? null, reason: why.reason });
    },

    /** A device was removed: every client it allowed goes with it. */
    async revokeGrantedBy(deviceId: string) {
      const ids = new Set(store.all('Grant').filter((g) => g.accountId === deviceId).map((g) => String(g.clientId)));
      for (const id of ids) await this.revoke(id, { device_id: deviceId, reason: 'granting_device_removed' });
      return [...ids];
    },

    /** Hands one request to the origin's provider (the gate has run; the scheme comes from the resolved origin). */
    async handle(req: IncomingMessage, res: ServerResponse, origin: string, listener: 'local' | 'remote') {
      const provider = await providerFor(origin, listener);
      for (const name of Object.keys(req.headers)) if (name.startsWith('x-forwarded-') || name === 'forwarded') delete req.headers[name];
      req.headers['x-forwarded-proto'] = new URL(origin).protocol.replace(/:$/, '');
      req.headers['x-forwarded-host'] = new URL(origin).host;
      return provider.callback()(req, res);
    },
    flush: () => store.flush(),
  };
}
