import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { displayText } from '../text/displayText.ts';
import { parseDuration } from '../time/parseDuration.ts';
import { API_KEY_DEFAULT_LIFETIME_MS, API_KEY_MAX_LIFETIME_MS, ROTATION_MAX_GRACE_MS, type StoredToken } from './createTokenService.ts';
import { assertCanGrant, assertManagesKey, REMOTE_KEY_MAX_LIFETIME_MS } from '../access/keyRules.ts';
import { parseScopes } from '../access/scopes.ts';
import { tokenView } from './tokenView.ts';

const HOUR = 3600_000;
const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const createBody = Type.Object({
  // Printable text only: names are shown in lists and audit lines.
  name: displayText(64),
  scopes: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 20 })),
  expires_in: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
}, { additionalProperties: false });
const rotateBody = Type.Object({
  grace: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
}, { additionalProperties: false });

/** The least a new key gets unless asked: reading, never changing. */
export const DEFAULT_KEY_SCOPES = ['api:read'];

/**
 * API keys (Settings → API keys, `latchkey keys …`) and the caller's own token.
 * A secret is returned exactly once, with `Cache-Control: no-store`; the server keeps only its hash.
 */
export function tokenRoutes(api: FastifyInstance, s: Services) {
  const view = (t: StoredToken) => tokenView(t, s.tokens, s.clock.now(), t.device_id ? s.store.get(t.device_id)?.name : null);
  const audit = (request: FastifyRequest, event: string, t: StoredToken, extra: Record<string, unknown> = {}) => s.audit.record({
    outcome: 'info', method: event, token_id: t.id, device_id: request.lk.device?.id ?? null, origin: request.lk.origin,
    ip: request.lk.ip, by: request.lk.via, by_token: request.lk.token?.id, ...extra,
  });

  api.get('/api/keys', async (request) => {
    const all = (request.query as { all?: string }).all === '1';
    const list = s.tokens.list().filter((t) => all || !['revoked', 'expired'].includes(s.tokens.statusOf(t)));
    return { keys: list.map(view) };
  });

  api.post('/api/keys', { schema: { body: createBody } }, async (request, reply) => {
    const body = request.body as { name: string; scopes?: string[]; expires_in?: string };
    const scopes = parseScopes(body.scopes ?? DEFAULT_KEY_SCOPES);
    assertCanGrant(request.lk, scopes);
    // A key made from a phone (its session, or a token it approved) outlives a lost phone for at most 30 days.
    const fromDevice = request.lk.device !== null && request.lk.principal !== 'computer';
    const maxMs = fromDevice ? REMOTE_KEY_MAX_LIFETIME_MS : API_KEY_MAX_LIFETIME_MS;
    const lifetimeMs = body.expires_in === undefined
      ? Math.min(API_KEY_DEFAULT_LIFETIME_MS, maxMs)
      : parseDuration(body.expires_in, { field: 'expires_in', min: HOUR, max: maxMs });
    const { record, token } = await s.tokens.create({
      kind: 'api_key', name: body.name.trim(), scopes, lifetimeMs,
      // Keys made from a phone belong to that phone: revoking it revokes them.
      deviceId: request.lk.device?.id ?? null,
    });
    audit(request, 'key-create', record, { scopes, expires_at: record.expires_at });
    reply.header('cache-control', 'no-store');
    return { key: view(record), secret: token, shown_once: true };
  });

  api.post('/api/keys/:id/rotate', { schema: { params: idParams, body: Type.Optional(rotateBody) } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as { grace?: string };
    const graceMs = body.grace === undefined ? 24 * HOUR : parseDuration(body.grace, { field: 'grace', min: 0, max: ROTATION_MAX_GRACE_MS });
    const existing = s.tokens.get(id);
    if (existing.kind !== 'api_key') throw new LatchkeyError('not_an_api_key', `${id} is a CLI login; sign in again with latchkey auth login instead of rotating it.`, 409);
    assertManagesKey(request.lk, existing);
    // Rotation hands out a working secret for the key's scopes: the same rule as creating one.
    assertCanGrant(request.lk, existing.scopes);
    const { record, token, previousValidUntil } = await s.tokens.rotate(id, graceMs);
    audit(request, 'key-rotate', record, { previous_valid_until: previousValidUntil, expires_at: record.expires_at });
    reply.header('cache-control', 'no-store');
    return { key: view(record), secret: token, shown_once: true, previous_valid_until: previousValidUntil };
  });

  api.delete('/api/keys/:id', { schema: { params: idParams } }, async (request) => {
    const { id } = request.params as { id: string };
    const before = s.tokens.get(id);
    assertManagesKey(request.lk, before);
    if (before.revoked_at) return { revoked: id, already: true };
    const record = await s.tokens.revoke(id, 'revoked_by_owner');
    audit(request, 'key-revoke', record);
    return { revoked: id };
  });

  // Any valid token may end itself (`latchkey auth logout`), whatever its scopes.
  api.delete('/api/tokens/current', async (request) => {
    const t = request.lk.token;
    if (!t) throw new LatchkeyError('not_a_token', 'This request was not made with a bearer token, so there is no token to revoke.', 400);
    await s.tokens.revoke(t.id, 'logout');
    audit(request, 'token-logout', t);
    return { revoked: t.id };
  });
}
