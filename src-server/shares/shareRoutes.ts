import { userInfo } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { assertCanGrant } from '../access/keyRules.ts';
import { adminOrigins } from '../access/adminOrigins.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { displayText } from '../text/displayText.ts';
import { parseDuration } from '../time/parseDuration.ts';
import { lk } from '../web/latchkeyPaths.ts';
import { shareCookieName } from '../sessions/sessionCookies.ts';
import { DEFAULT_SHARE_MS, MAX_SHARE_MS, MIN_SHARE_MS } from './createShareService.ts';
import type { Share } from './openShareStore.ts';

const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const createBody = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
  // Printable text only: both names are shown on the approval card, the guest's page and in Activity.
  name: displayText(64),
  from: Type.Optional(displayText(64)),
  expires_in: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
}, { additionalProperties: false });
// The link's secret: 32 random bytes, base64url.
export const shareTokenSchema = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' });
const inspectBody = Type.Object({ token: shareTokenSchema }, { additionalProperties: false });

/** A share as the owner's list shows it: never the link's secret (it is shown once, when made). */
export function shareView(s: Services, share: Share) {
  const now = s.clock.now();
  const link = share.link;
  return {
    id: share.id, app: share.app, name: share.name, from: share.from, created_at: share.created_at, expires_at: share.expires_at,
    revoked_at: share.revoked_at, status: s.shares.statusOf(share, now),
    devices: share.devices.map((id) => ({ id, name: s.store.get(id)?.name ?? null })),
    link: link ? {
      state: link.used_at ? 'used' as const : Date.parse(link.expires_at) <= now ? 'expired' as const : link.binding_hash ? 'opened' as const : 'unused' as const,
      expires_at: link.expires_at,
    } : null,
  };
}
export type ShareView = ReturnType<typeof shareView>;

/** Who the guest's page says shares: the computer's account name, unless the owner gave one. */
const defaultFrom = () => {
  try {
    const name = userInfo().username;
    return name ? name.charAt(0).toUpperCase() + name.slice(1) : 'The owner';
  } catch {
    return 'The owner';
  }
};

/**
 * The public origin a share's link opens: the first allowed origin that serves the app (its
 * own `origins`, else any public one not kept for Latchkey). A guest pairs there, on the
 * app's origin, never on an admin one.
 */
function linkOriginFor(s: Services, appName: string): string {
  const app = s.apps.list().find((a) => a.name === appName)!;
  const allowed = s.origins.list();
  const kept = adminOrigins(s.config);
  const candidates = app.origins ? app.origins.filter((o) => o !== 'localhost') : allowed.filter((o) => !kept.includes(o));
  const origin = candidates.find((o) => allowed.includes(o));
  if (!origin) {
    throw new LatchkeyError('no_public_origin',
      `"${appName}" has no public address for a guest to open: start a tunnel (latchkey tunnel start) or add one (latchkey origins add URL) first.`, 409, { app: appName });
  }
  return origin;
}

/** The app, when it exists and may be shared; throws why not. */
function shareableApp(s: Services, name: string) {
  const app = s.apps.list().find((a) => a.name === name);
  if (!app) throw new LatchkeyError('app_not_found', `No app is named "${name}". See: latchkey apps list`, 404);
  if (!app.shareable) {
    throw new LatchkeyError('app_not_shareable', `"${name}" refuses sharing ("shareable": false in its config).`, 403, { app: name });
  }
  return app;
}

const linkFor = (s: Services, share: Share, secret: string) => `${linkOriginFor(s, share.app)}${lk('/share')}#${secret}`;

/** A guest pairs on the origin its link names, for an app that still allows sharing; returns the app. */
export function assertInvitationHere(s: Services, share: Share, origin: string) {
  const app = shareableApp(s, share.app);
  const linkOrigin = linkOriginFor(s, share.app);
  if (linkOrigin !== origin) {
    throw new LatchkeyError('share_wrong_origin', `This invitation opens on ${linkOrigin}, not here. Open the link as it was sent.`, 400, { open_at: linkOrigin });
  }
  return app;
}

/** The owner's shares (`latchkey share …`, Apps → Share), and the guest's invitation page. */
export function shareRoutes(api: FastifyInstance, s: Services) {
  const audit = (request: FastifyRequest, method: string, share: Share, extra: Record<string, unknown> = {}) => s.audit.record({
    outcome: 'info', method, share_id: share.id, app: share.app, name: share.name, device_id: request.lk.device?.id ?? null,
    ip: request.lk.ip, by: request.lk.via, by_token: request.lk.token?.id, ...extra,
  });
  const answer = async (share: Share, secret: string) => {
    const link = linkFor(s, share, secret);
    return { share: shareView(s, share), link, qr: await (await import('qrcode')).default.toDataURL(link, { margin: 2, width: 256 }) };
  };

  api.get('/api/shares', async () => ({ shares: s.shares.list().map((share) => shareView(s, share)) }));

  api.post('/api/shares', { schema: { body: createBody } }, async (request, reply) => {
    const body = request.body as { app: string; name: string; from?: string; expires_in?: string };
    shareableApp(s, body.app);
    // A token hands out only what it holds: sharing an app needs that app's scope.
    assertCanGrant(request.lk, [`app:${body.app}`]);
    const expiresInMs = body.expires_in === undefined ? DEFAULT_SHARE_MS : parseDuration(body.expires_in, { field: 'expires_in', min: MIN_SHARE_MS, max: MAX_SHARE_MS });
    // Before anything is stored: a share nobody can open is refused, not kept.
    linkOriginFor(s, body.app);
    const { share, secret } = await s.shares.create({
      app: body.app, name: body.name.trim(), from: body.from?.trim() || defaultFrom(), expiresInMs,
      by: { via: request.lk.via ?? 'none', deviceId: request.lk.device?.id ?? null },
    });
    audit(request, 'share-create', share, { expires_at: share.expires_at });
    reply.header('cache-control', 'no-store');
    return answer(share, secret);
  });

  api.post('/api/shares/:id/link', { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const current = s.shares.get(id);
    if (current) shareableApp(s, current.app);
    const { share, secret } = await s.shares.relink(id);
    audit(request, 'share-link', share);
    reply.header('cache-control', 'no-store');
    return answer(share, secret);
  });

  api.delete('/api/shares/:id', { schema: { params: idParams } }, async (request) => {
    const { share, changed } = await s.shares.revoke((request.params as { id: string }).id);
    if (changed) audit(request, 'share-revoke', share, { device_ids: share.devices });
    return { revoked: share.id, share: shareView(s, share) };
  });
}

/** The invitation page's question, before anything is used: what does this link share, and can this browser take it? */
export function shareInviteRoutes(app: FastifyInstance, s: Services) {
  app.post('/auth/share/inspect', { schema: { body: inspectBody } }, async (request) => {
    const share = s.shares.inspect((request.body as { token: string }).token, request.cookies[shareCookieName(request.lk.origin)]);
    const app = assertInvitationHere(s, share, request.lk.origin);
    return {
      app: share.app, name: share.name, from: share.from, expires_at: share.expires_at,
      expires_in_s: Math.max(0, Math.round((Date.parse(share.expires_at) - s.clock.now()) / 1000)),
      url: `${request.lk.origin}${app.path || '/'}`,
    };
  });
}
