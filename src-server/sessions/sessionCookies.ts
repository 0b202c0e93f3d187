import { fastifyCookie } from '@fastify/cookie';
import type { GateReply } from '../gate/RequestContext.ts';
import { sessionCookieName, sessionTtlFor } from './createSessionService.ts';

const baseOptions = (origin: string) => ({
  path: '/',
  httpOnly: true,
  secure: origin.startsWith('https://'),
  sameSite: 'lax' as const,
});

// Written as plain Set-Cookie headers, so the gate can set them on a Fastify reply and on a proxied app response alike.
const set = (reply: GateReply, name: string, value: string, options: Parameters<typeof fastifyCookie.serialize>[2]) =>
  reply.header('set-cookie', fastifyCookie.serialize(name, value, options));

export function setSessionCookie(reply: GateReply, origin: string, token: string) {
  set(reply, sessionCookieName(origin), token, { ...baseOptions(origin), maxAge: sessionTtlFor(origin) });
}

export function clearSessionCookie(reply: GateReply, origin: string) {
  set(reply, sessionCookieName(origin), '', { ...baseOptions(origin), maxAge: 0, expires: new Date(0) });
}

/** The pairing cookie lets only the browser that asked learn the outcome of its request. */
export const pairingCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_pairing' : 'lk_pairing');

export function setPairingCookie(reply: GateReply, origin: string, secret: string, maxAgeS: number) {
  set(reply, pairingCookieName(origin), secret, { ...baseOptions(origin), sameSite: 'strict', maxAge: maxAgeS });
}

export function clearPairingCookie(reply: GateReply, origin: string) {
  set(reply, pairingCookieName(origin), '', { ...baseOptions(origin), sameSite: 'strict', maxAge: 0, expires: new Date(0) });
}
