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
 * the guesses. The check comes before any verification, so a locked client cannot keep
 * guessing; only failures are counted, so the owner's own sign-ins never lock anything.
 */
export function createFallbackThrottle(limits: ThrottleLimits = DEFAULT_THROTTLE) {
  const perClient = new RateLimiterMemory({ keyPrefix: 'fb-client', points: limits.perClient, duration: limits.windowS, blockDuration: limits.windowS });
  const global = new RateLimiterMemory({ keyPrefix: 'fb-global', points: limits.global, duration: limits.windowS, blockDuration: limits.windowS });
  const clientKey = (method: FallbackMethod, ip: string) => `${method}|${ip}`;
  const lockedFor = (res: RateLimiterRes | null, points: number) => (res && res.consumedPoints >= points ? res.msBeforeNext : 0);

  return {
    /** Throws 429 `fallback_locked` (with the time left) when this method is locked for this client or for everyone. */
    async assertOpen(method: FallbackMethod, ip: string) {
      const [mine, all] = await Promise.all([perClient.get(clientKey(method, ip)), global.get(method)]);
      const clientMs = lockedFor(mine, limits.perClient);
      const globalMs = lockedFor(all, limits.global);
      const ms = Math.max(clientMs, globalMs);
      if (ms <= 0) return;
      const retryAfter = Math.ceil(ms / 1000);
      const minutes = Math.ceil(retryAfter / 60);
      throw new LatchkeyError('fallback_locked', clientMs > 0
        ? `Too many wrong attempts from this network address. This method is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}.`
        : `Too many wrong attempts from many addresses. This method is locked for everyone for ${minutes} more minute${minutes === 1 ? '' : 's'}.`,
      429, { retry_after_s: retryAfter, scope: clientMs > 0 ? 'client' : 'global' }, { 'retry-after': String(retryAfter) });
    },

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
