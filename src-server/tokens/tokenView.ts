import { appsOfScopes } from '../access/scopes.ts';
import type { StoredToken, TokenService } from './createTokenService.ts';

/** What clients see of a token record: everything but the hashes. */
export function tokenView(t: StoredToken, tokens: TokenService, now: number, deviceName?: string | null) {
  const status = tokens.statusOf(t);
  return {
    id: t.id,
    kind: t.kind,
    name: t.name,
    scopes: t.scopes,
    /** The apps the key opens ("*" = all); empty for a key with no app scope, which opens none. */
    apps: appsOfScopes(t.scopes),
    device_id: t.device_id,
    device_name: deviceName ?? null,
    created_at: t.created_at,
    expires_at: t.expires_at,
    expires_in_days: Math.max(0, Math.ceil((Date.parse(t.expires_at) - now) / 86_400_000)),
    last_used_at: tokens.lastUsedOf(t),
    rotated_at: t.rotated_at,
    previous_valid_until: t.previous_valid_until && Date.parse(t.previous_valid_until) > now ? t.previous_valid_until : null,
    revoked_at: t.revoked_at,
    revoked_reason: t.revoked_reason,
    status,
  };
}

export type TokenView = ReturnType<typeof tokenView>;
