import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens look like `lk_sk_<id>_<secret>` (API keys) or `lk_at_<id>_<secret>` (CLI
 * logins). The prefix makes a leaked token recognisable to secret scanners; the id lets the
 * server find the record in O(1) and name it in the audit without ever writing the secret;
 * the secret is 256 random bits, stored only as a SHA-256 hash (SECURITY.md §4).
 */
export type TokenKind = 'api_key' | 'cli';

const PREFIX: Record<TokenKind, string> = { api_key: 'lk_sk_', cli: 'lk_at_' };
const ID_PREFIX: Record<TokenKind, string> = { api_key: 'key_', cli: 'cli_' };
const TOKEN = /^lk_(sk|at)_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface MintedToken {
  id: string;
  token: string;
  hash: string;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function newTokenId(kind: TokenKind): string {
  return `${ID_PREFIX[kind]}${randomBytes(6).toString('hex')}`;
}

/** A fresh secret for the record `id` (a rotation keeps the id and changes only this). */
export function mintToken(kind: TokenKind, id: string): MintedToken {
  const token = `${PREFIX[kind]}${id.slice(ID_PREFIX[kind].length)}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

/** The record id a well-formed token names, or null when the string is not one of ours. */
export function tokenIdOf(token: string): string | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  return `${m[1] === 'sk' ? ID_PREFIX.api_key : ID_PREFIX.cli}${m[2]}`;
}

export const looksLikeToken = (value: string) => TOKEN.test(value);

/** Constant-time comparison of a presented token against a stored hash. */
export function tokenMatches(token: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
