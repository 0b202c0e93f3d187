import type { FastifyReply } from 'fastify';
import { sessionCookieName, sessionTtlFor } from './createSessionService.ts';

const baseOptions = (origin: string) => ({
  path: '/',
  httpOnly: true,
  secure: origin.startsWith('https://'),
  sameSite: 'lax' as const,
});

export function setSessionCookie(reply: FastifyReply, origin: string, token: string) {
  reply.setCookie(sessionCookieName(origin), token, { ...baseOptions(origin), maxAge: sessionTtlFor(origin) });
}

export function clearSessionCookie(reply: FastifyReply, origin: string) {
  reply.clearCookie(sessionCookieName(origin), baseOptions(origin));
}

/** The pairing cookie lets only the browser that asked learn the outcome of its request. */
export const pairingCookieName = (origin: string) => (origin.startsWith('https://') ? '__Host-lk_pairing' : 'lk_pairing');

export function setPairingCookie(reply: FastifyReply, origin: string, secret: string, maxAgeS: number) {
  reply.setCookie(pairingCookieName(origin), secret, { ...baseOptions(origin), sameSite: 'strict', maxAge: maxAgeS });
}

export function clearPairingCookie(reply: FastifyReply, origin: string) {
  reply.clearCookie(pairingCookieName(origin), { ...baseOptions(origin), sameSite: 'strict' });
}
