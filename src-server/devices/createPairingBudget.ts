import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { LatchkeyError } from '../errors/LatchkeyError.ts';
import type { PendingRegistry } from './createPendingRegistry.ts';

const WINDOW_S = 600;

/**
 * How many pairing requests one client (IP, as the gate sees it) may make in 10 minutes, so a
 * stranger cannot keep the computer's notifications busy. Checked before the browser is asked
 * to make a passkey (register/options), so a refused pairing leaves no dead passkey on the
 * phone; spent when a request is made. A request the device cancels itself, or one denied
 * because the wrong code was picked on the computer (the owner's slip, not the stranger's),
 * is given back. A plain Deny and an expiry still count: those are what the limit is for.
 */
export function createPairingBudget(pending: PendingRegistry, perWindow: number) {
  const limiter = new RateLimiterMemory({ keyPrefix: 'pairing', points: perWindow, duration: WINDOW_S });
  // Which requests were paid for, and by whom: only those can be given back.
  const spent = new Map<string, string>();

  const refund = (requestId: string) => {
    const ip = spent.get(requestId);
    if (ip === undefined) return;
    spent.delete(requestId);
    void limiter.reward(ip, 1);
  };
  pending.events.on('resolved', ({ id, outcome, reason }: { id: string; outcome: string; reason?: string }) => {
    if (outcome === 'cancelled' || reason === 'code_mismatch') refund(id);
    else spent.delete(id);
  });

  const refusal = (res: RateLimiterRes | null) => {
    const retryS = Math.max(60, Math.ceil((res?.msBeforeNext ?? WINDOW_S * 1000) / 1000));
    const minutes = Math.ceil(retryS / 60);
    return new LatchkeyError('too_many_pairings',
      `This device asked to pair ${perWindow} times in 10 minutes, the most Latchkey allows, so a stranger cannot flood the computer with requests. ` +
      `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}. A request you cancelled, or one denied because the wrong code was picked, does not count.`,
      429, { retry_after_s: retryS }, { 'retry-after': String(retryS) });
  };

  return {
    /** Throws 429 `too_many_pairings` when this client has no pairing left in the window. */
    async assertRoom(ip: string) {
      const res = await limiter.get(ip);
      if (res && res.consumedPoints >= perWindow) throw refusal(res);
    },
    /** Pays for one request; throws like assertRoom when another request took the last one meanwhile. */
    async spend(ip: string) {
      try {
        await limiter.consume(ip, 1);
      } catch (err) {
        throw refusal(err as RateLimiterRes);
      }
    },
    /** Records that `requestId` was paid for by `ip`, so its cancel or wrong-code denial can give it back. */
    paidFor(requestId: string, ip: string) {
      spent.set(requestId, ip);
    },
  };
}

export type PairingBudget = ReturnType<typeof createPairingBudget>;
