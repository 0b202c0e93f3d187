import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forRequester } from '../devices/createPendingRegistry.ts';
import type { Services } from '../app/Services.ts';
import { describeUserAgent } from '../devices/describeUserAgent.ts';
import { deviceView } from '../devices/deviceView.ts';
import { deviceCookieName, setDeviceCookie, setPairingCookie } from '../sessions/sessionCookies.ts';
import { startSession } from '../sessions/startSession.ts';
import type { TrustedBrowser } from '../store/openPasskeyStore.ts';
import type { FallbackMethod } from './fallbackMethods.ts';
import { fingerprintOf } from '../webauthn/ceremonyRoutes.ts';

const sha256hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** The browser (no passkey) this request's device cookie names, if it is trusted for this origin. */
export function trustedBrowserOf(s: Services, request: FastifyRequest): TrustedBrowser | undefined {
  const secret = request.cookies[deviceCookieName(request.lk.origin)];
  if (!secret || secret.length > 128) return undefined;
  const device = s.store.getByCookieHash(sha256hex(secret));
  return device?.origin === request.lk.origin ? device : undefined;
}

export const pendingSourceOf = (request: FastifyRequest) => ({ listener: request.lk.listener, ip: request.lk.ip });

/**
 * What happens once a fallback credential has been checked. A fallback proves who the person
 * is; it does not make a browser trusted (SECURITY.md §6):
 * - a browser already trusted through a fallback (its device cookie) is signed in;
 * - a backup code, the break-glass case, trusts this browser at once and tells the desktop;
 * - any other new browser becomes a pending request, approved on the computer like pairing.
 * The caller has already checked there is room for a pending request, before using up the credential.
 */
export async function completeFallbackSignIn(
  s: Services, request: FastifyRequest, reply: FastifyReply,
  method: FallbackMethod, opts: { name?: string; backupCodesLeft?: number } = {},
) {
  const ctx = request.lk;
  const audit = { method: `fallback-${method}`, origin: ctx.origin, ip: ctx.ip };
  const offerPasskey = ctx.rpId !== null;
  const known = trustedBrowserOf(s, request);
  if (known) {
    await s.store.recordUse(known.id, { last_used_at: new Date(s.clock.now()).toISOString() });
    await startSession(s, reply, known, ctx.origin);
    s.audit.record({ ...audit, outcome: 'success', device_id: known.id, reason: 'trusted_browser' });
    announceBackupCode(s, method, known, ctx.ip, opts.backupCodesLeft);
    return { status: 'signed_in' as const, device: deviceView(known), offer_passkey: offerPasskey, backup_codes_left: opts.backupCodesLeft };
  }

  const ua = describeUserAgent(request.headers['user-agent']);
  const cookieSecret = randomBytes(32).toString('base64url');
  const cookieHash = sha256hex(cookieSecret);
  const device: TrustedBrowser = {
    kind: 'browser',
    id: `dev_${randomBytes(6).toString('base64url')}`,
    method,
    cookie_hash: cookieHash,
    name: opts.name?.trim() || ua.device_type,
    device_type: ua.device_type,
    browser: ua.browser,
    os: ua.os,
    origin: ctx.origin,
    rp_id: ctx.rpId ?? new URL(ctx.origin).hostname,
    // What both screens can compare, in the passkeys' format: here, of the device cookie's hash.
    fingerprint: fingerprintOf(Buffer.from(cookieHash, 'hex')),
    created_at: new Date(s.clock.now()).toISOString(),
    last_used_at: null,
    enrolled_via: ctx.listener,
  };

  if (method === 'backup-code') {
    await s.store.add({ ...device, last_used_at: device.created_at });
    setDeviceCookie(reply, ctx.origin, cookieSecret);
    await startSession(s, reply, device, ctx.origin);
    s.audit.record({ ...audit, outcome: 'success', device_id: device.id, reason: 'trusted_by_backup_code', codes_left: opts.backupCodesLeft });
    announceBackupCode(s, method, device, ctx.ip, opts.backupCodesLeft);
    return { status: 'signed_in' as const, device: deviceView(device), offer_passkey: offerPasskey, backup_codes_left: opts.backupCodesLeft };
  }

  const { request: pending, code, secret } = s.pending.create({
    name: device.name, device_type: device.device_type, browser: device.browser, os: device.os,
    origin: ctx.origin, rp_id: device.rp_id, fingerprint: device.fingerprint, ip: ctx.ip, device,
  }, pendingSourceOf(request));
  // The device cookie is set now, but opens nothing until the computer approves this request.
  setDeviceCookie(reply, ctx.origin, cookieSecret);
  setPairingCookie(reply, ctx.origin, secret, 10 * 60);
  s.audit.record({ ...audit, outcome: 'info', reason: 'pending_approval', request_id: pending.id });
  return { status: 'pending' as const, request: forRequester(pending, code) };
}

/** Every backup-code sign-in is told to the desktop: the computer's owner should know the glass was broken. */
export interface BackupCodeUse {
  device: { id: string; name: string; browser: string; os: string };
  ip: string;
  left: number;
}

function announceBackupCode(s: Services, method: FallbackMethod, device: TrustedBrowser, ip: string, left: number | undefined) {
  if (method !== 'backup-code') return;
  const use: BackupCodeUse = { device: { id: device.id, name: device.name, browser: device.browser, os: device.os }, ip, left: left ?? 0 };
  s.fallbacks.events.emit('backup-code-used', use);
}
