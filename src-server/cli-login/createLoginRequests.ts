import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { Clock } from '../time/Clock.ts';

/** RFC 8628 §6.1: consonants only, so no word can be spelled and no letter mistaken for a digit. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const LOGIN_TTL_MS = 10 * 60_000;
/** RFC 6749 §4.1.2: an authorization code lives briefly; the CLI exchanges it within a second. */
export const AUTH_CODE_TTL_MS = 60_000;
export const DEFAULT_POLL_INTERVAL_S = 5;
// Outstanding requests are bounded per listener, so a stranger cannot grow memory by starting
// logins, and remote traffic never locks the computer's own `latchkey auth login` out.
export const MAX_OUTSTANDING = 50;
// And per client (IP as the gate sees it), so a few strangers cannot fill the remote room either.
export const MAX_OUTSTANDING_PER_CLIENT = 5;
// Finished or expired requests are remembered a while longer, so a late page gets "expired", not "unknown".
const REMEMBER_MS = 60 * 60_000;

export type LoginFlow = 'loopback' | 'device';
export type LoginStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface LoginRequest {
  id: string;
  flow: LoginFlow;
  user_code: string;
  client_host: string;
  client_ip: string;
  /** Which listener the CLI asked on: each has its own room. */
  listener: 'local' | 'remote';
  /** The origin the CLI asked on; shown on the page. */
  origin: string;
  scopes: string[];
  created_at: number;
  expires_at: number;
  status: LoginStatus;
  device_id: string | null;
  token_id: string | null;
  /** Set when the code was presented again before its token was minted: that token is revoked as it is made. */
  replayed: boolean;
  // loopback flow (RFC 8252 + PKCE, RFC 7636)
  redirect_uri?: string;
  state?: string;
  code_challenge?: string;
  auth_code_hash?: string;
  auth_code_expires_at?: number;
  // device flow (RFC 8628)
  device_code_hash?: string;
  interval_s: number;
  last_poll_at: number | null;
}

export type ExchangeResult =
  | { ok: true; request: LoginRequest }
  | { ok: false; error: 'invalid_grant'; message: string; replayOf?: LoginRequest };

export type PollResult =
  | { ok: true; request: LoginRequest }
  | { ok: false; error: 'authorization_pending' | 'slow_down' | 'expired_token' | 'access_denied' | 'invalid_grant'; message: string; interval?: number };

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const s256 = (verifier: string) => sha256(verifier).toString('base64url');
const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Upper-case, strip separators: "bcdf ghjk" and "BCDF-GHJK" name the same request. */
export const normaliseUserCode = (input: string) => input.toUpperCase().replace(/[\s-]/g, '');

export type LoginRequests = ReturnType<typeof createLoginRequests>;

/**
 * In-memory registry of CLI logins waiting for a person to approve them in a browser.
 * Nothing here is persisted: a login that outlives a restart simply starts again.
 * Codes (authorization and device) are kept only as hashes and are single-use.
 */
export function createLoginRequests(clock: Clock, opts: { intervalSeconds?: number } = {}) {
  const byId = new Map<string, LoginRequest>();
  const byUserCode = new Map<string, LoginRequest>();
  const byDeviceCode = new Map<string, LoginRequest>();
  const byAuthCode = new Map<string, LoginRequest>();
  const interval = opts.intervalSeconds ?? DEFAULT_POLL_INTERVAL_S;

  function prune() {
    const now = clock.now();
    for (const r of byId.values()) {
      if (r.expires_at + REMEMBER_MS > now) continue;
      byId.delete(r.id);
      byUserCode.delete(r.user_code);
      for (const map of [byDeviceCode, byAuthCode]) for (const [k, v] of map) if (v === r) map.delete(k);
    }
  }
  const outstanding = () => [...byId.values()].filter((r) => r.status === 'pending' && r.expires_at > clock.now());

  function newUserCode(): string {
    for (;;) {
      let code = '';
      for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
      if (!byUserCode.has(code)) return code;
    }
  }

  function start(fields: Pick<LoginRequest, 'flow' | 'client_host' | 'client_ip' | 'listener' | 'origin' | 'scopes'> & Partial<LoginRequest>) {
    prune();
    const waiting = outstanding().filter((r) => r.listener === fields.listener);
    if (waiting.length >= MAX_OUTSTANDING) {
      throw new LatchkeyError('too_many_logins', 'Too many logins are waiting to be allowed; try again in a few minutes.', 429);
    }
    if (waiting.filter((r) => r.client_ip === fields.client_ip).length >= MAX_OUTSTANDING_PER_CLIENT) {
      throw new LatchkeyError('too_many_logins_from_client',
        `${MAX_OUTSTANDING_PER_CLIENT} logins from this network address are already waiting to be allowed; finish or abandon them first (they expire after 10 minutes).`, 429);
    }
    const now = clock.now();
    const request: LoginRequest = {
      ...fields,
      id: randomBytes(16).toString('base64url'),
      user_code: newUserCode(),
      created_at: now,
      expires_at: now + LOGIN_TTL_MS,
      status: 'pending',
      device_id: null,
      token_id: null,
      replayed: false,
      interval_s: interval,
      last_poll_at: null,
    };
    byId.set(request.id, request);
    byUserCode.set(request.user_code, request);
    return request;
  }

  return {
    /** RFC 8252 loopback redirect with PKCE; the CLI's verifier never leaves it. */
    startLoopback(fields: Pick<LoginRequest, 'client_host' | 'client_ip' | 'listener' | 'origin' | 'scopes' | 'redirect_uri' | 'state' | 'code_challenge'>) {
      return start({ ...fields, flow: 'loopback' });
    },
    /** RFC 8628 device authorization; returns the device code once (only its hash is kept). */
    startDevice(fields: Pick<LoginRequest, 'client_host' | 'client_ip' | 'listener' | 'origin' | 'scopes'>) {
      const request = start({ ...fields, flow: 'device' });
      const deviceCode = randomBytes(32).toString('base64url');
      request.device_code_hash = sha256(deviceCode).toString('hex');
      byDeviceCode.set(request.device_code_hash, request);
      return { request, deviceCode };
    },
    get: (id: string) => byId.get(id),
    getByUserCode: (input: string) => byUserCode.get(normaliseUserCode(input)),
    isExpired: (r: LoginRequest) => r.expires_at <= clock.now(),

    /** A passkey holder allowed it. For the loopback flow, returns the one-time authorization code. */
    approve(r: LoginRequest, deviceId: string): string | null {
      r.status = 'approved';
      r.device_id = deviceId;
      if (r.flow !== 'loopback') return null;
      const code = randomBytes(32).toString('base64url');
      r.auth_code_hash = sha256(code).toString('hex');
      r.auth_code_expires_at = clock.now() + AUTH_CODE_TTL_MS;
      byAuthCode.set(r.auth_code_hash, r);
      return code;
    },
    deny(r: LoginRequest) {
      r.status = 'denied';
    },
    markIssued(r: LoginRequest, tokenId: string) {
      r.status = 'used';
      r.token_id = tokenId;
    },

    /** RFC 6749 §4.1.3 + RFC 7636 §4.6, as guard clauses; a code works once, whatever the outcome. */
    exchange(code: string, verifier: string, redirectUri: string): ExchangeResult {
      const r = byAuthCode.get(sha256(code).toString('hex'));
      if (!r) return { ok: false, error: 'invalid_grant', message: 'This login code is unknown. Run latchkey auth login again.' };
      if (r.status === 'used') {
        // §4.1.2: a code used twice means someone else holds it; the token it bought is revoked,
        // also when that token is still being minted by the first, parallel exchange.
        r.replayed = true;
        return { ok: false, error: 'invalid_grant', message: 'This login code was already used.', replayOf: r };
      }
      if (r.status !== 'approved') return { ok: false, error: 'invalid_grant', message: 'This login code is not valid.' };
      // Burnt before the remaining checks, so a wrong verifier cannot be retried against it.
      r.status = 'used';
      if ((r.auth_code_expires_at ?? 0) <= clock.now()) {
        return { ok: false, error: 'invalid_grant', message: 'This login code expired before it was exchanged. Run latchkey auth login again.' };
      }
      if (r.redirect_uri !== redirectUri) {
        return { ok: false, error: 'invalid_grant', message: `redirect_uri does not match the one this login started with (${r.redirect_uri}).` };
      }
      if (!same(s256(verifier), r.code_challenge ?? '')) {
        return { ok: false, error: 'invalid_grant', message: 'PKCE check failed: code_verifier does not match the code_challenge.' };
      }
      return { ok: true, request: r };
    },

    /** RFC 8628 §3.4–3.5: the answers a polling CLI gets, with the interval it must honour. */
    poll(deviceCode: string): PollResult {
      const r = byDeviceCode.get(sha256(deviceCode).toString('hex'));
      if (!r) return { ok: false, error: 'invalid_grant', message: 'This device code is unknown. Run latchkey auth login --no-browser again.' };
      const now = clock.now();
      if (r.status === 'used') return { ok: false, error: 'invalid_grant', message: 'This device code was already exchanged for a token.' };
      if (r.status === 'denied') return { ok: false, error: 'access_denied', message: 'The login was denied in the browser.' };
      if (r.expires_at <= now) return { ok: false, error: 'expired_token', message: 'The login request expired before it was approved. Run latchkey auth login again.' };
      const tooSoon = r.last_poll_at !== null && now - r.last_poll_at < r.interval_s * 1000;
      r.last_poll_at = now;
      if (tooSoon) {
        r.interval_s += 5;
        return { ok: false, error: 'slow_down', message: `Polling too fast; wait ${r.interval_s} s between requests.`, interval: r.interval_s };
      }
      if (r.status === 'pending') return { ok: false, error: 'authorization_pending', message: 'Waiting for the login to be allowed in the browser.' };
      r.status = 'used';
      return { ok: true, request: r };
    },
  };
}
