import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Clock } from '../time/Clock.ts';
import { FALLBACK_SESSION_TTL_S } from '../fallbacks/fallbackMethods.ts';
import type { SigningKeys } from './openSigningKeys.ts';

export const SESSION_TTL_S = 24 * 3600;
/**
 * Sessions on http://localhost last 15 minutes and are never refreshed. Browsers share
 * cookies across every port of localhost, so any other local web app the person opens
 * receives this cookie; a short, fixed life bounds what it could do with one. (With the
 * loopback bypass on, any local process gets in anyway; the desktop app uses its per-launch
 * secret instead of a cookie.)
 */
export const LOCAL_SESSION_TTL_S = 15 * 60;
// Re-issue the cookie once it is an hour old, so an active user never hits the 24 h edge.
const REFRESH_AFTER_S = 3600;

/**
 * How long a session for `origin` lasts: plain-http origins are the computer's own localhost.
 * A session opened with a fallback (a browser trusted without a passkey) lasts at most 12 hours.
 */
export const sessionTtlFor = (origin: string, fallback = false) => {
  const ttl = origin.startsWith('https://') ? SESSION_TTL_S : LOCAL_SESSION_TTL_S;
  return fallback ? Math.min(ttl, FALLBACK_SESSION_TTL_S) : ttl;
};
const CACHE_LIMIT = 10_000;
const ISSUER = 'latchkey';

interface Claims {
  deviceId: string;
  audience: string;
  iat: number;
  exp: number;
  /** Opened with a fallback: never refreshed, so it ends at most 12 hours after sign-in. */
  fallback: boolean;
}

export type SessionCheck =
  | { ok: true; deviceId: string; refresh: boolean }
  | { ok: false; reason: 'session_expired' | 'session_invalid' | 'session_wrong_origin' };

/** The cookie name for an origin: `__Host-` on https binds it to exactly this host, path and Secure. */
export function sessionCookieName(origin: string): string {
  return origin.startsWith('https://') ? '__Host-lk_session' : 'lk_session';
}

export type SessionService = ReturnType<typeof createSessionService>;

/**
 * Sessions are jose-signed HS256 JWTs in a cookie, bound to one origin by `aud`.
 * Verifying a JWT costs far more than serving /api/whoami, so a verified token is cached
 * by its exact string: a hit is one Map lookup and two comparisons. Revocation is not
 * the cache's concern: the gate looks the device up in the store on every request.
 */
export function createSessionService(keys: SigningKeys, clock: Clock) {
  const cache = new Map<string, Claims>();
  const nowS = () => Math.floor(clock.now() / 1000);

  function remember(token: string, claims: Claims) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(token, claims);
  }

  return {
    async issue(deviceId: string, audience: string, opts: { fallback?: boolean } = {}): Promise<string> {
      const { kid, key } = keys.current();
      const iat = nowS();
      return new SignJWT(opts.fallback ? { lk_fb: true } : {})
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
        .setSubject(deviceId)
        .setAudience(audience)
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(iat + sessionTtlFor(audience, opts.fallback))
        .setJti(randomBytes(12).toString('base64url'))
        .sign(key);
    },

    async check(token: string, audience: string): Promise<SessionCheck> {
      let claims = cache.get(token);
      if (!claims) {
        try {
          const { payload } = await jwtVerify(token, (header) => {
            const key = keys.byKid(header.kid);
            if (!key) throw new joseErrors.JWSSignatureVerificationFailed('unknown key id');
            return key;
          }, {
            algorithms: ['HS256'],
            // Explicit typing: a handoff token (typ lk-handoff+jwt) signed with the same key is not a session.
            typ: 'JWT',
            issuer: ISSUER,
            currentDate: new Date(clock.now()),
            requiredClaims: ['sub', 'aud', 'exp', 'iat'],
          });
          claims = { deviceId: payload.sub!, audience: String(payload.aud), iat: payload.iat!, exp: payload.exp!, fallback: payload.lk_fb === true };
          remember(token, claims);
        } catch (err) {
          return { ok: false, reason: err instanceof joseErrors.JWTExpired ? 'session_expired' : 'session_invalid' };
        }
      }
      const now = nowS();
      if (claims.exp <= now) {
        cache.delete(token);
        return { ok: false, reason: 'session_expired' };
      }
      if (claims.audience !== audience) return { ok: false, reason: 'session_wrong_origin' };
      return { ok: true, deviceId: claims.deviceId, refresh: !claims.fallback && audience.startsWith('https://') && now - claims.iat > REFRESH_AFTER_S };
    },

    /** After a key rotation drops a key, tokens it signed must be verified again. */
    clearCache: () => cache.clear(),
  };
}
