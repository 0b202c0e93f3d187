import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { Clock } from '../time/Clock.ts';

/** How long an assertion is valid; the app sees a fresh one on every request anyway. */
export const ASSERTION_TTL_S = 300;
// Re-signed once this old, so every assertion an app receives has at least 4 minutes left.
const REUSE_S = 60;
const CACHE_MAX = 10_000;

export interface AssertionSubject {
  /** The public origin the request came in on (becomes `iss`). */
  origin: string;
  /** The app's name (becomes `aud`). */
  app: string;
  /** Device id, or who else was let in ("computer", "token:key_…"). */
  sub: string;
  /** How the gate let the request in: session, token, loopback, desktop. */
  method: string;
  name: string | null;
  /** For a guest: `role: "guest"` and the share that let it in (shares/). */
  role?: 'guest';
  share?: string;
}

export type AssertionSigner = Awaited<ReturnType<typeof createAssertionSigner>>;

/**
 * Signs `Latchkey-Assertion`, the identity an app behind the gate can verify (like Cloudflare
 * Access's Cf-Access-Jwt-Assertion and Pomerium's X-Pomerium-Jwt-Assertion): ES256, `iss` =
 * the public origin, `aud` = the app, `sub` = the device, at most 5 minutes. The key pair is
 * made at each start and never written to disk; its public half is at /.latchkey/jwks.json
 * under a new `kid`, so apps that cache keys fetch them again on an unknown kid.
 * Signing costs far more than proxying a small response, so a token is reused for a minute
 * per (origin, app, subject): one Map lookup per request.
 */
export async function createAssertionSigner(clock: Clock) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomBytes(9).toString('base64url');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const cache = new Map<string, { token: string; signedAt: number }>();
  const nowS = () => Math.floor(clock.now() / 1000);

  async function sign(key: string, subject: AssertionSubject, now: number) {
    const token = await new SignJWT({
      method: subject.method, ...(subject.name ? { name: subject.name } : {}), ...(subject.role ? { role: subject.role, share: subject.share } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(subject.origin)
      .setAudience(subject.app)
      .setSubject(subject.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_TTL_S)
      // No jti or nbf: the same assertion is reused for a minute, so a jti would promise a uniqueness it does not have,
      // and every byte is parsed by the app on every request.
      .sign(privateKey);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { token, signedAt: now });
    return token;
  }

  return {
    jwks: () => ({ keys: [jwk] }),

    /** The assertion for this subject, from the cache when it has one fresh enough (the hot path: no promise), else signed anew. */
    assertionFor(subject: AssertionSubject): string | Promise<string> {
      const key = `${subject.origin}\u0000${subject.app}\u0000${subject.sub}\u0000${subject.method}`;
      const now = nowS();
      const hit = cache.get(key);
      if (hit && now - hit.signedAt < REUSE_S && hit.signedAt <= now) return hit.token;
      return sign(key, subject, now);
    },
  };
}
