import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { FallbackMethod } from './fallbackMethods.ts';

export interface ThrottleLimits {
  /** Failures of one method from one client before that method is locked for that client. */
  perClient: number;
  /** Failures of one method from everyone before it is locked for everyone (a distributed guesser). */
  global: number;
  /** The window the failures are counted in, and how long a lock lasts. */
  windowS: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perClient: 5, global: 30, windowS: 600 };

export type FallbackThrottle = ReturnType<typeof createFallbackThrottle>;

/**
 * Counts failed fallback attempts per method: 5 from one client within 10 minutes lock that
 * method for that client for 10 minutes; the global count stops many clients sharing out
 * the guesses. An attempt is counted (reserved) before the slow check (argon2 takes 10–100 ms),
 * and given back only if it succeeds, so N parallel guesses count N (SECURITY.md §9); the
 * client's own budget is charged before everyone's, so one client cannot spend the rest's.
 */
export function createFallbackThrottle(limits: ThrottleLimits = DEFAULT_THROTTLE) {
  const perClient = new RateLimiterMemory({ keyPrefix: 'fb-client', points: limits.perClient, duration: limits.windowS, blockDuration: limits.windowS });
  const global = new RateLimiterMemory({ keyPrefix: 'fb-global', points: limits.global, duration: limits.windowS, blockDuration: limits.windowS });
  const clientKey = (method: FallbackMethod, ip: string) => `${method}|${ip}`;
  const lockedFor = (res: RateLimiterRes | null, points: number) => (res && res.consumedPoints >= points ? res.msBeforeNext : 0);

  function locked(ms: number, scope: 'client' | 'global') {
    const retryAfter = Math.max(1, Math.ceil(ms / 1000));
    const minutes = Math.ceil(retryAfter / 60);
    return new LatchkeyError('fallback_locked', scope === 'client'
      ? `Too many wrong attempts from this network address. This method is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}.`
      : `Too many wrong attempts from many addresses. This method is locked for everyone for ${minutes} more minute${minutes === 1 ? '' : 's'}.`,
    429, { retry_after_s: retryAfter, scope }, { 'retry-after': String(retryAfter) });
  }

  return {
    /** Throws 429 `fallback_locked` (with the time left) when this method is locked for this client or for everyone; counts nothing. */
    async assertOpen(method: FallbackMethod, ip: string) {
      const [mine, all] = await Promise.all([perClient.get(clientKey(method, ip)), global.get(method)]);
      const clientMs = lockedFor(mine, limits.perClient);
      const globalMs = lockedFor(all, limits.global);
      if (clientMs > 0) throw locked(clientMs, 'client');
      if (globalMs > 0) throw locked(globalMs, 'global');
    },

    /**
     * Counts an attempt before it is checked: 429 `fallback_locked` when this client, then
     * everyone, has no attempt left. A refusal by the global budget gives the client its point back.
     */
    async reserve(method: FallbackMethod, ip: string) {
      const key = clientKey(method, ip);
      try {
        await perClient.consume(key);
      } catch (res) {
        throw locked((res as RateLimiterRes).msBeforeNext, 'client');
      }
      try {
        await global.consume(method);
      } catch (res) {
        await perClient.reward(key, 1);
        throw locked((res as RateLimiterRes).msBeforeNext, 'global');
      }
    },

    /** Gives back a reserved attempt that did not fail (it succeeded, or never reached the check). */
    async release(method: FallbackMethod, ip: string) {
      await Promise.all([perClient.reward(clientKey(method, ip), 1), global.reward(method, 1)]);
    },

    /** Counts a failure that was not reserved first (email links: the check is fast). */
    async fail(method: FallbackMethod, ip: string) {
      // consume() rejects once the points are gone; the lock is what matters, not the rejection.
      await Promise.allSettled([perClient.consume(clientKey(method, ip)), global.consume(method)]);
    },

    /** A success clears this client's count for the method (its earlier typos are forgiven). */
    async succeed(method: FallbackMethod, ip: string) {
      await perClient.delete(clientKey(method, ip));
    },
  };
}
