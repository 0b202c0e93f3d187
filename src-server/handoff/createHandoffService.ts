import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { SigningKeys } from '../sessions/openSigningKeys.ts';
import type { Clock } from '../time/Clock.ts';

/** RFC 9068-style explicit typing (RFC 8725 §3.11): a handoff token is never taken for a session, nor the reverse. */
const TYP = 'lk-handoff+jwt';
const ISSUER = 'latchkey-handoff';
export const HANDOFF_TTL_S = 120;

export type HandoffProblem =
  | 'handoff_invalid' | 'handoff_expired' | 'handoff_wrong_origin' | 'handoff_wrong_tunnel_session'
  | 'handoff_reused' | 'handoff_wrong_issuer';

export type HandoffCheck =
  | { ok: true; deviceId: string; jti: string }
  | { ok: false; reason: HandoffProblem; jti?: string };

export type HandoffService = ReturnType<typeof createHandoffService>;

/**
 * The cross-origin handoff (SECURITY.md §4): the auth origin mints a JWT for exactly one
 * target origin (`aud`) and one tunnel session (`tsid`), for at most two minutes; the target
 * verifies it and burns its `jti`, so each token signs a browser in once.
 */
export function createHandoffService(keys: SigningKeys, clock: Clock) {
  // jti → expiry (s). Entries outlive their token's exp, then are pruned: a burnt id is remembered as long as it could verify.
  const burnt = new Map<string, number>();
  const nowS = () => Math.floor(clock.now() / 1000);

  return {
    async mint(opts: { deviceId: string; authOrigin: string; target: string; tunnelSession: string }): Promise<{ token: string; jti: string }> {
      const { kid, key } = keys.current();
      const iat = nowS();
      const jti = randomBytes(16).toString('base64url');
      const token = await new SignJWT({ tsid: opts.tunnelSession, auth_origin: opts.authOrigin })
        .setProtectedHeader({ alg: 'HS256', kid, typ: TYP })
        .setIssuer(ISSUER)
        .setSubject(opts.deviceId)
        .setAudience(opts.target)
        .setIssuedAt(iat)
        .setExpirationTime(iat + HANDOFF_TTL_S)
        .setJti(jti)
        .sign(key);
      return { token, jti };
    },

    /** Guard clauses in the order a forged, misdirected or replayed token would fail them. */
    async verify(token: string, expected: { target: string; tunnelSession: string; authOrigin: string }): Promise<HandoffCheck> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, (header) => {
          const key = keys.byKid(header.kid);
          if (!key) throw new joseErrors.JWSSignatureVerificationFailed('unknown key id');
          return key;
        }, { algorithms: ['HS256'], typ: TYP, issuer: ISSUER, currentDate: new Date(clock.now()), requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti'] }));
      } catch (err) {
        return { ok: false, reason: err instanceof joseErrors.JWTExpired ? 'handoff_expired' : 'handoff_invalid' };
      }
      const jti = payload.jti!;
      if (payload.aud !== expected.target) return { ok: false, reason: 'handoff_wrong_origin', jti };
      if (payload.auth_origin !== expected.authOrigin) return { ok: false, reason: 'handoff_wrong_issuer', jti };
      if (payload.tsid !== expected.tunnelSession) return { ok: false, reason: 'handoff_wrong_tunnel_session', jti };
      const now = nowS();
      for (const [id, exp] of burnt) if (exp < now) burnt.delete(id);
      if (burnt.has(jti)) return { ok: false, reason: 'handoff_reused', jti };
      burnt.set(jti, payload.exp!);
      return { ok: true, deviceId: payload.sub!, jti };
    },
  };
}
