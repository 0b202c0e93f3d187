import { fastifyCookie } from '@fastify/cookie';
import type { GateReply } from '../gate/RequestContext.ts';
import { sessionCookieName, sessionTtlFor } from './createSessionService.ts';

/**
 * Every cookie name Latchkey sets, on https (`__Host-`) and http. The app proxy strips these,
 * and anything that reads as one of them (isLatchkeyCookie), before a request reaches an app.
 */
export const LATCHKEY_COOKIE_BASES = ['lk_session', 'lk_pairing', 'lk_device', 'lk_link', 'lk_ended', 'lk_share'] as const;

/**
 * Whether a cookie name is, or could be read as, one of Latchkey's: any `lk_` name, with or
 * without a `__Host-`/`__Secure-` prefix, in any case. Servers differ in how they fold cookie
 * names, so the test is generous: an app's own cookie starting `lk_` is dropped too (README).
 */
export function isLatchkeyCookie(name: string): boolean {
  const n = name.toLowerCase().replace(/^__(?:host|secure)-/, '');
  return n.startsWith('lk_') || n.startsWith('lk-');
}

const baseOptions = (origin: string) => ({
  path: '/',
  httpOnly: true,
  secure: origin.startsWith('https://'),
  sameSite: 'lax' as const,
});

// Written as plain Set-Cookie headers, so the gate can set them on a Fastify reply and on a proxied app response alike.
const set = (reply: GateReply, name: string, value: string, options: Parameters<typeof fastifyCookie.serialize>[2]) =>
  reply.header('set-cookie', fastifyCookie.serialize(name, value, options));

export function setSessionCookie(reply: GateReply, origin: string, token: string, fallback = false) {
  set(reply, sessionCookieName(origin), token, { ...baseOptions(origin), maxAge: sessionTtlFor(origin, fallback) });
}

export function clearSessionCookie(reply: GateReply, origin: string) {
  set(reply, sessionCookieName(origin), '', { ...baseOptions(origin), maxAge: 0, expires: new Date(0) });
}

/** The pairing cookie lets only the browser that asked learn the outcome of its request. */
export const pairingCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_pairing' : 'lk_pairing');

export function setPairingCookie(reply: GateReply, origin: string, secret: string, maxAgeS: number) {
  set(reply, pairingCookieName(origin), secret, { ...baseOptions(origin), sameSite: 'strict', maxAge: maxAgeS });
}

/**
 * The device cookie names a browser trusted without a passkey. It lives as long as browsers
 * allow (400 days); only its SHA-256 is stored, and it opens nothing by itself: the browser
 * still signs in with a fallback, and revoking the device makes the cookie worthless.
 */
export const deviceCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_device' : 'lk_device');

export function setDeviceCookie(reply: GateReply, origin: string, secret: string) {
  set(reply, deviceCookieName(origin), secret, { ...baseOptions(origin), sameSite: 'strict', maxAge: 400 * 86_400 });
}

/**
 * Binds an emailed sign-in link to the browser that asked for it. Lax, not Strict: the link
 * is opened from a mail app, and the confirm page's own requests must still carry it.
 */
export const linkCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_link' : 'lk_link');

export function setLinkCookie(reply: GateReply, origin: string, secret: string) {
  set(reply, linkCookieName(origin), secret, { ...baseOptions(origin), maxAge: 10 * 60 });
}

export function clearPairingCookie(reply: GateReply, origin: string) {
  set(reply, pairingCookieName(origin), '', { ...baseOptions(origin), sameSite: 'strict', maxAge: 0, expires: new Date(0) });
}

/**
 * Set when a session is refused because its device was removed, so the page can say so
 * plainly ("This phone was removed…") instead of showing Sign in as if nothing happened.
 * It holds the removed device's id, which names nothing once the device is gone.
 */
export const endedCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_ended' : 'lk_ended');

export function setEndedCookie(reply: GateReply, origin: string, deviceId: string) {
  set(reply, endedCookieName(origin), deviceId, { ...baseOptions(origin), maxAge: 7 * 86_400 });
}

export function clearEndedCookie(reply: GateReply, origin: string) {
  set(reply, endedCookieName(origin), '', { ...baseOptions(origin), maxAge: 0, expires: new Date(0) });
}

/**
 * Binds a share's invitation link to the browser that paired with it, so a denied or expired
 * pairing can be tried again there, and nowhere else. Its SHA-256 is kept with the link.
 */
export const shareCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_share' : 'lk_share');

export function setShareCookie(reply: GateReply, origin: string, secret: string) {
  set(reply, shareCookieName(origin), secret, { ...baseOptions(origin), sameSite: 'strict', maxAge: 86_400 });
}
