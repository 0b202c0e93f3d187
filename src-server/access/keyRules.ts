import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { RequestContext } from '../gate/RequestContext.ts';
import type { StoredToken } from '../tokens/createTokenService.ts';
import { scopesCover } from './scopes.ts';

/** A key made from a remote device lives at most this long (a lost phone's keys do not outlive it by a year). */
export const REMOTE_KEY_MAX_LIFETIME_MS = 30 * 86_400_000;

/**
 * The object half of the keys rows (routeRules: `own: 'key'`), asked once the key is loaded.
 * A token can only hand out what it holds itself, so a narrow key never obtains a broad
 * secret (create and rotate); sessions and the computer hold everything.
 */
export function assertCanGrant(ctx: RequestContext, scopes: readonly string[]) {
  const beyond = scopesCover(ctx.token?.scopes ?? 'all', scopes);
  if (!beyond) return;
  throw new LatchkeyError('insufficient_scope', `You cannot obtain a secret with "${beyond}": the token you are using does not hold it.`, 403,
    { required_scope: beyond }, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${beyond}"` });
}

/**
 * A device manages only its own keys: a phone (its session, or a token it approved) cannot
 * rotate or revoke a key made on the computer or on another device, so revoking that phone
 * really ends what it could reach. The computer manages every key.
 */
export function assertManagesKey(ctx: RequestContext, key: StoredToken) {
  const caller = ctx.principal === 'computer' ? null : ctx.device?.id ?? null;
  if (caller === null || key.device_id === caller) return;
  throw new LatchkeyError('not_your_key', key.device_id === null
    ? `${key.id} was made on the computer; rotate or revoke it there (Latchkey → API keys, or latchkey keys on the computer).`
    : `${key.id} belongs to another device; only that device or the computer can rotate or revoke it.`, 403);
}
