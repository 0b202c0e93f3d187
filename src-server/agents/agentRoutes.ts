import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { writeConfigKey } from '../config/writeConfigKey.ts';
import type { Listener } from '../gate/resolveOrigin.ts';
import { OAUTH_PREFIX, MCP_SCOPE } from './createOAuthServer.ts';
import { PRM_PREFIX, resourceOf } from './mcpGate.ts';

const uidParams = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
// A registered client's id, or a metadata-document client's https URL (sent percent-encoded, as one path segment).
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512, pattern: '^[!-~]+$' }) });
const settingBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
const codeBody = Type.Object({ code: Type.String({ minLength: 2, maxLength: 2, pattern: '^[0-9]{2}$' }) }, { additionalProperties: false });
// Registration names what it registered in Activity; a client registering in a loop meets 429 first.
const REGISTRATIONS_PER_HOUR = 20;

/**
 * The protocol half, outside `/api`: the OAuth endpoints (oidc-provider answers them, with the
 * request body unread by Fastify), the authorization server's metadata (RFC 8414) and each MCP
 * app's protected resource metadata (RFC 9728). Their rows in the access table let anyone call
 * them from any site: they read no cookie of Latchkey's, only what the protocol carries.
 */
export async function oauthRoutes(app: FastifyInstance, s: Services, listener: Listener) {
  const registrations = new RateLimiterMemory({ keyPrefix: 'oauth-register', points: REGISTRATIONS_PER_HOUR, duration: 3600 });

  await app.register(async (raw) => {
    // oidc-provider reads the body itself (bounded at 56 KiB); Fastify must leave the stream alone.
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method === 'POST' && request.url.split('?')[0] === `${OAUTH_PREFIX}/register`) {
        try {
          await registrations.consume(request.lk.ip);
        } catch {
          throw new LatchkeyError('rate_limited', `At most ${REGISTRATIONS_PER_HOUR} agents may register from one address in an hour.`, 429);
        }
      }
      reply.hijack();
      await s.agents.handle(request.raw, reply.raw, request.lk.origin, listener);
    };
    raw.route({ method: ['GET', 'POST', 'OPTIONS'], url: `${OAUTH_PREFIX}/*`, handler: handOver });
    raw.route({ method: ['GET', 'OPTIONS'], url: '/.well-known/oauth-authorization-server', handler: async (request, reply) => {
      // The same document oidc-provider serves as its discovery (RFC 8414 §3 places it here for an issuer without a path).
      request.raw.url = '/.well-known/openid-configuration';
      return handOver(request, reply);
    } });
  });

  const metadata = async (request: FastifyRequest) => {
    const path = request.url.split('?')[0]!.slice(PRM_PREFIX.length) || '/';
    const found = s.apps.match(request.lk.origin, listener, path);
    if (!found?.mcp) throw new LatchkeyError('not_found', `No MCP app is served at ${path} on ${request.lk.origin}.`, 404);
    return {
      resource: resourceOf(request.lk.origin, found), authorization_servers: [request.lk.origin], scopes_supported: [MCP_SCOPE],
      bearer_methods_supported: ['header'], resource_name: found.name,
    };
  };
  app.get(PRM_PREFIX, metadata);
  app.get(`${PRM_PREFIX}/*`, metadata);
}

/** The owner's half, under `/api`: the consent page's questions and answers, and the agents allowed so far. */
export function agentRoutes(api: FastifyInstance, s: Services) {
  const who = (request: FastifyRequest) => {
    const device = request.lk.device;
    return device ? { deviceId: device.id, deviceName: device.name } : { deviceId: 'computer', deviceName: 'this computer' };
  };

  api.get('/api/agents/requests/:uid', { schema: { params: uidParams } }, async (request) =>
    s.agents.describe((request.params as { uid: string }).uid));

  api.post('/api/agents/requests/:uid/allow', { schema: { params: uidParams } }, async (request) => {
    const by = who(request);
    // Allowed from a phone, the computer confirms by typing the phone's code, unless the owner chose otherwise.
    const needsComputer = request.lk.principal === 'owner_device' && s.config.approve_new_agents === 'from_phone';
    return s.agents.allow((request.params as { uid: string }).uid, { ...by, needsComputer });
  });

  api.post('/api/agents/requests/:uid/deny', { schema: { params: uidParams } }, async (request) =>
    s.agents.deny((request.params as { uid: string }).uid, who(request).deviceId));

  api.get('/api/agents/waiting', async () => ({ waiting: s.agents.waitingList() }));

  api.post('/api/agents/waiting/:uid/approve', { schema: { params: uidParams, body: codeBody } }, async (request) =>
    s.agents.approveWaiting((request.params as { uid: string }).uid, (request.body as { code: string }).code));

  // Whether an agent allowed from a phone also needs the computer to type the phone's code (on by default).
  api.put('/api/settings/approve-new-agents', { schema: { body: settingBody } }, async (request) => {
    const { enabled } = request.body as { enabled: boolean };
    const value = enabled ? 'from_phone' as const : 'never' as const;
    await writeConfigKey(s.config, 'approve_new_agents', value);
    s.config.approve_new_agents = value;
    s.audit.record({ outcome: 'info', method: 'setting', setting: 'approve_new_agents', value: enabled, ip: request.lk.ip, by: request.lk.via });
    return { approve_new_agents: value };
  });

  api.get('/api/clients', async () => ({ clients: s.agents.clients() }));

  api.delete('/api/clients/:id', { schema: { params: idParams } }, async (request) => {
    const id = (request.params as { id: string }).id;
    await s.agents.revoke(id, { device_id: request.lk.device?.id ?? null, reason: 'revoked_by_owner' });
    return { revoked: id };
  });
}
