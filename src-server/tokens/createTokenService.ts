import { join } from 'node:path';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import { openJsonStore } from '../store/openJsonStore.ts';
import type { Clock } from '../time/Clock.ts';
import { mintToken, newTokenId, tokenIdOf, tokenMatches, type TokenKind } from './tokenFormat.ts';

const DAY = 24 * 3600_000;
export const API_KEY_DEFAULT_LIFETIME_MS = 365 * DAY;
// "1y" in ms() is 365.25 days; allowing it keeps the natural spelling of the default valid.
export const API_KEY_MAX_LIFETIME_MS = 365.25 * DAY;
export const CLI_TOKEN_LIFETIME_MS = 90 * DAY;
export const ROTATION_MAX_GRACE_MS = 30 * DAY;
/** How long before expiry a key's user is warned (app, `keys list`, response header). */
export const EXPIRY_WARNING_MS = 25 * DAY;
// last_used_at is bookkeeping, not security state: it is batched so a busy script costs no disk write per request.
const LAST_USED_FLUSH_MS = 60_000;
const CACHE_MAX = 10_000;

/** One token record in `tokens.json`. Only hashes are kept; the secret is shown once and forgotten. */
export interface StoredToken {
  id: string;
  kind: TokenKind;
  name: string;
  hash: string;
  /** After a rotation, the old secret keeps working until `previous_valid_until`. */
  previous_hash: string | null;
  previous_valid_until: string | null;
  scopes: string[];
  /** The passkey that created or approved this token; revoking that device revokes it. Null = made on the computer. */
  device_id: string | null;
  created_at: string;
  expires_at: string;
  lifetime_ms: number;
  rotated_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
}

interface TokenFile {
  version: 1;
  tokens: StoredToken[];
}

const isTokenFile = (data: unknown): data is TokenFile => {
  const d = data as Partial<TokenFile> | null;
  return typeof d === 'object' && d !== null && d.version === 1 && Array.isArray(d.tokens) &&
    d.tokens.every((t) => typeof t?.id === 'string' && typeof t.hash === 'string' && Array.isArray(t.scopes) && typeof t.expires_at === 'string');
};

export type TokenProblem = 'token_unknown' | 'token_expired' | 'token_revoked' | 'device_revoked';
export type TokenCheck =
  | { ok: true; token: StoredToken; expiresSoon: boolean }
  | { ok: false; reason: TokenProblem; tokenId: string | null };

export type TokenStatus = 'active' | 'expiring' | 'expired' | 'revoked';

export type TokenService = Awaited<ReturnType<typeof createTokenService>>;

/**
 * Bearer tokens and API keys: minting, O(1) verification with a cache, rotation with a
 * grace period, revocation (also by device), and batched last-used bookkeeping.
 * `deviceExists` is the passkey store's lookup: a token outlives nothing its device does.
 */
export async function createTokenService(home: string, clock: Clock, deviceExists: (id: string) => boolean, warn: (m: string) => void) {
  const db = await openJsonStore<TokenFile>({
    file: join(home, 'tokens.json'), isValid: isTokenFile, warn,
    empty: () => ({ version: 1, tokens: [] }),
    recover: () => ({ version: 1, tokens: [] }),
    consequence: 'every API key and CLI login stops working until you create new ones.',
  });
  let byId = new Map(db.data.tokens.map((t) => [t.id, t]));
  // Parsed once per change, not per request: the hot path compares numbers.
  const timesOf = (t: StoredToken) => ({ expires: Date.parse(t.expires_at), previousUntil: t.previous_valid_until ? Date.parse(t.previous_valid_until) : 0 });
  let times = new Map(db.data.tokens.map((t) => [t.id, timesOf(t)]));
  // Presented string → which of the record's secrets it matched. Misses go through a constant-time hash comparison.
  const verified = new Map<string, { id: string; previous: boolean }>();
  const lastUsed = new Map<string, number>();
  let flushTimer: NodeJS.Timeout | null = null;

  const iso = (ms: number) => new Date(ms).toISOString();
  const now = () => clock.now();

  async function commit(change: () => void) {
    const before = structuredClone(db.data.tokens);
    change();
    try {
      await db.write();
    } catch (err) {
      db.data.tokens = before;
      throw err;
    } finally {
      byId = new Map(db.data.tokens.map((t) => [t.id, t]));
      times = new Map(db.data.tokens.map((t) => [t.id, timesOf(t)]));
      // Any lifecycle change may end a secret's validity; the next request re-verifies from the record.
      verified.clear();
    }
  }

  function statusOf(t: StoredToken): TokenStatus {
    if (t.revoked_at) return 'revoked';
    const expires = Date.parse(t.expires_at);
    if (expires <= now()) return 'expired';
    return expires - now() <= EXPIRY_WARNING_MS ? 'expiring' : 'active';
  }

  function check(presented: string): TokenCheck {
    let hit = verified.get(presented);
    const tokenId = hit?.id ?? tokenIdOf(presented);
    const t = tokenId ? byId.get(tokenId) : undefined;
    if (!t) return { ok: false, reason: 'token_unknown', tokenId };
    if (!hit) {
      if (tokenMatches(presented, t.hash)) hit = { id: t.id, previous: false };
      else if (tokenMatches(presented, t.previous_hash)) hit = { id: t.id, previous: true };
      else return { ok: false, reason: 'token_unknown', tokenId };
      if (verified.size >= CACHE_MAX) verified.clear();
      verified.set(presented, hit);
    }
    if (t.revoked_at) return { ok: false, reason: t.revoked_reason === 'device_revoked' ? 'device_revoked' : 'token_revoked', tokenId };
    if (t.device_id && !deviceExists(t.device_id)) return { ok: false, reason: 'device_revoked', tokenId };
    const at = now();
    const { expires, previousUntil } = times.get(t.id)!;
    if (expires <= at || (hit.previous && previousUntil <= at)) return { ok: false, reason: 'token_expired', tokenId };
    return { ok: true, token: t, expiresSoon: expires - at <= EXPIRY_WARNING_MS };
  }

  function touch(id: string) {
    lastUsed.set(id, now());
    flushTimer ??= setTimeout(() => void flushLastUsed(), LAST_USED_FLUSH_MS).unref();
  }

  async function flushLastUsed() {
    flushTimer = null;
    if (lastUsed.size === 0) return;
    const updates = new Map(lastUsed);
    lastUsed.clear();
    await commit(() => {
      for (const [id, at] of updates) {
        const t = byId.get(id);
        if (t) t.last_used_at = iso(at);
      }
    }).catch((err) => warn(`could not record token last-used times: ${(err as Error).message}`));
  }

  const lastUsedOf = (t: StoredToken) => {
    const at = lastUsed.get(t.id);
    return at === undefined ? t.last_used_at : iso(at);
  };

  function get(id: string): StoredToken {
    const t = byId.get(id);
    if (!t) throw new LatchkeyError('token_not_found', `No API key or token has id ${id}. See: latchkey keys list --all`, 404);
    return t;
  }

  return {
    check,
    touch,
    statusOf,
    lastUsedOf,
    get,
    /** The record for an id, or undefined (for views that name tokens; `get` is for routes, and throws 404). */
    find: (id: string): StoredToken | undefined => byId.get(id),
    list: (): readonly StoredToken[] => db.data.tokens,

    async create(opts: { kind: TokenKind; name: string; scopes: string[]; lifetimeMs: number; deviceId: string | null }) {
      const id = newTokenId(opts.kind);
      const minted = mintToken(opts.kind, id);
      const record: StoredToken = {
        id, kind: opts.kind, name: opts.name, hash: minted.hash, previous_hash: null, previous_valid_until: null,
        scopes: opts.scopes, device_id: opts.deviceId, created_at: iso(now()), expires_at: iso(now() + opts.lifetimeMs),
        lifetime_ms: opts.lifetimeMs, rotated_at: null, last_used_at: null, revoked_at: null, revoked_reason: null,
      };
      await commit(() => db.data.tokens.push(record));
      return { record, token: minted.token };
    },

    /** New secret with a fresh lifetime; the old secret stays valid for `graceMs` (never past its own expiry). */
    async rotate(id: string, graceMs: number) {
      const t = get(id);
      const status = statusOf(t);
      if (status === 'revoked' || status === 'expired') {
        throw new LatchkeyError(`token_${status}`, `${id} is ${status}; create a new key instead.`, 409);
      }
      const minted = mintToken(t.kind, id);
      const oldUntil = Math.min(now() + graceMs, Date.parse(t.expires_at));
      await commit(() => {
        const r = byId.get(id)!;
        r.previous_hash = graceMs > 0 ? r.hash : null;
        r.previous_valid_until = graceMs > 0 ? iso(oldUntil) : null;
        r.hash = minted.hash;
        r.rotated_at = iso(now());
        // A fresh lifetime, never longer than the one-year maximum, whatever the record says.
        r.expires_at = iso(now() + Math.min(r.lifetime_ms, API_KEY_MAX_LIFETIME_MS));
      });
      return { record: byId.get(id)!, token: minted.token, previousValidUntil: graceMs > 0 ? iso(oldUntil) : null };
    },

    async revoke(id: string, reason: string) {
      const t = get(id);
      if (t.revoked_at) return t;
      await commit(() => {
        const r = byId.get(id)!;
        r.revoked_at = iso(now());
        r.revoked_reason = reason;
      });
      return byId.get(id)!;
    },

    /** Revokes every live token the device made or approved; returns their ids. */
    async revokeForDevice(deviceId: string): Promise<string[]> {
      const ids = db.data.tokens.filter((t) => t.device_id === deviceId && !t.revoked_at).map((t) => t.id);
      if (ids.length === 0) return ids;
      await commit(() => {
        for (const id of ids) Object.assign(byId.get(id)!, { revoked_at: iso(now()), revoked_reason: 'device_revoked' });
      });
      return ids;
    },

    async close() {
      if (flushTimer) clearTimeout(flushTimer);
      await flushLastUsed();
    },
  };
}
