import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../app/Services.ts';
import { describeUserAgent } from '../devices/describeUserAgent.ts';
import { deviceView } from '../devices/deviceView.ts';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { isPersonAtComputer } from '../access/isPersonAtComputer.ts';
import { tokenView } from '../tokens/tokenView.ts';
import { handoffStartUrl } from '../handoff/authOriginOf.ts';
import { clearPairingCookie, clearSessionCookie, endedCookieName, pairingCookieName } from './sessionCookies.ts';
import { startSession } from './startSession.ts';
import { manageAtFor } from '../access/adminOrigins.ts';
import { trustedBrowserOf } from '../fallbacks/completeFallbackSignIn.ts';

/** Where a browser stands, as the page needs it to choose between Pair, Sign in and the app. */
function authStateOf(s: Services, request: FastifyRequest) {
  const ctx = request.lk;
  return {
    listener: ctx.listener,
    origin: ctx.origin,
    rp_id: ctx.rpId,
    authenticated: ctx.via !== null,
    via: ctx.via,
    person_at_computer: isPersonAtComputer(request),
    principal: ctx.principal,
    // Where Latchkey's settings are: here, unless an app runs on this origin (access/routeRules: origin "admin").
    admin: { here: !ctx.servesApps, manage_at: ctx.servesApps ? manageAtFor(s)(ctx) : null },
    device: ctx.device ? deviceView(ctx.device) : null,
    has_passkeys: s.store.hasPasskeysFor(ctx.origin),
    grace: { mode: s.config.grace, active: !s.store.hasDevicesFor(ctx.origin) },
    // Which fallbacks the Sign in page offers (Use another way), and whether this browser is already trusted through one.
    fallbacks: { methods: s.fallbacks.methodsOn(), password_needs_totp: s.fallbacks.passwordNeedsTotp(), trusted_browser: trustedBrowserOf(s, request) !== undefined },
    require_auth: s.config.require_auth,
    // Where the person at the computer opens Latchkey (its real port), for pages that must send them there.
    local_url: s.urls.local || null,
    suggested_name: describeUserAgent(request.headers['user-agent']).device_type,
    // Set when this origin signs in through the stable auth origin (auth_origin) instead of here.
    handoff_url: handoffStartUrl(s, ctx.origin),
    ended: ctx.via === null ? endedSession(s, ctx.endedDevice ?? request.cookies[endedCookieName(ctx.origin)]) : null,
    // A guest's page names its one app and until when; nothing else of the computer is shown to it.
    guest: guestOf(s, request),
    // Whether this passkey device may approve pending devices here (approve_from_devices, on an admin origin).
    approve_from_devices: s.config.approve_from_devices,
    // Whether an agent allowed from a phone waits for the computer's typed code (approve_new_agents).
    approve_new_agents: s.config.approve_new_agents,
    can_approve: isPersonAtComputer(request) || (ctx.principal === 'owner_device' && s.config.approve_from_devices && !ctx.servesApps),
  };
}

/** `GET /.latchkey/auth/state`; the renderer reads this type. */
export type AuthStateView = ReturnType<typeof authStateOf>;

/** For a guest: the app shared with it, by whom, until when, and where to open it. */
function guestOf(s: Services, request: FastifyRequest) {
  const ctx = request.lk;
  const share = ctx.principal === 'guest' && ctx.device?.share_id ? s.shares.live(ctx.device.share_id) : null;
  if (!share) return null;
  const app = s.apps.list().find((a) => a.name === share.app);
  return { app: share.app, from: share.from, name: share.name, expires_at: share.expires_at, url: app ? `${ctx.origin}${app.path || '/'}` : null };
}

/** Routes that tell a browser where it stands; none of them grants anything by itself. */
export function sessionRoutes(app: FastifyInstance, s: Services) {
  // Ungated on purpose: the page needs it to choose between Pair, Sign in and the app.
  app.get('/auth/state', async (request) => authStateOf(s, request));

  app.get('/auth/pairing/status', async (request, reply) => {
    const ctx = request.lk;
    const secret = request.cookies[pairingCookieName(ctx.origin)];
    const status = secret ? s.pending.statusFor(secret) : null;
    if (!status) {
      throw new LatchkeyError('pairing_not_found', 'This browser has no pairing request waiting. Start again from the Pair screen.', 404);
    }
    if (status.status === 'pending') {
      return { status: 'pending', code: status.code, expires_at: status.request.expires_at, expires_in_s: status.request.expires_in_s };
    }
    clearPairingCookie(reply, ctx.origin);
    const device = status.deviceId ? s.store.get(status.deviceId) : undefined;
    if (status.status === 'approved' && device) {
      await startSession(s, reply, device, ctx.origin);
      s.audit.record({ outcome: 'success', method: 'pairing', device_id: device.id, origin: ctx.origin, ip: ctx.ip });
      return { status: 'approved', device: deviceView(device) };
    }
    return { status: status.status === 'approved' ? 'denied' : status.status, ...('reason' in status && status.reason ? { reason: status.reason } : {}) };
  });

  // Cancel on the waiting phone: the request leaves the computer's list and notification at once.
  app.post('/auth/pairing/cancel', async (request, reply) => {
    const ctx = request.lk;
    const secret = request.cookies[pairingCookieName(ctx.origin)];
    const withdrawn = secret ? s.pending.cancel(secret) : null;
    if (!withdrawn) {
      throw new LatchkeyError('pairing_not_found', 'This browser has no request waiting to cancel: it was already decided, or it expired.', 404);
    }
    clearPairingCookie(reply, ctx.origin);
    s.audit.record({ outcome: 'info', method: 'pairing-cancel', name: withdrawn.name, origin: ctx.origin, ip: ctx.ip, request_id: withdrawn.id });
    return { cancelled: withdrawn.id };
  });

  app.post('/auth/logout', async (request, reply) => {
    clearSessionCookie(reply, request.lk.origin);
    return { signed_out: true };
  });
}

/** Gated routes about the caller itself. */
export function whoamiRoutes(api: FastifyInstance, s: Services) {
  // Every valid token may ask who it is, whatever its scopes (`latchkey auth whoami`).
  api.get('/api/whoami', async (request) => ({
    authenticated: true,
    via: request.lk.via,
    device: request.lk.device ? deviceView(request.lk.device) : null,
    token: request.lk.token ? tokenView(request.lk.token, s.tokens, s.clock.now(), request.lk.device?.name) : null,
  }));
}

/**
 * Why this browser's session ended, when its device was removed, and when (known for removals
 * since the server started). Two Map lookups: the cookie is the browser's to forge, so it
 * must never buy a scan of the audit trail on this unauthenticated route.
 */
function endedSession(s: Services, deviceId: string | undefined):
  { reason: 'device_removed'; removed_at: string | null; name: string | null } | { reason: 'share_ended'; app: string; from: string; ended_at: string; status: string } | null {
  if (!deviceId) return null;
  const device = s.store.get(deviceId);
  const share = device?.share_id ? s.shares.get(device.share_id) : undefined;
  if (share && !s.shares.live(share.id)) {
    return { reason: 'share_ended', app: share.app, from: share.from, ended_at: share.revoked_at ?? share.expires_at, status: s.shares.statusOf(share) };
  }
  if (device) return null;
  // The name it had (the device's own, chosen when it paired): the browser's User-Agent today may say otherwise.
  return { reason: 'device_removed', removed_at: s.store.removedAt(deviceId), name: s.store.removedName(deviceId) };
}
