import { randomBytes } from 'node:crypto';
import type { Clock } from '../time/Clock.ts';

export const CHALLENGE_TTL_MS = 5 * 60_000;
// A bound on outstanding ceremonies, so option requests cannot grow memory without limit.
const MAX_OUTSTANDING = 2_000;

export interface Ceremony {
  kind: 'register' | 'login' | 'cli-login' | 'step-up' | 'approve';
  /** For `cli-login` and `approve`: the request the assertion approves, so it cannot approve another. */
  subject?: string;
  challenge: string;
  origin: string;
  rpId: string;
  expiresAt: number;
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;

/**
 * Holds each ceremony's challenge under a random id. `take` removes it whatever happens
 * next, so a challenge is single-use even when verification fails (replay protection),
 * and it is only handed back to the same kind of ceremony on the same origin.
 */
export function createChallengeStore(clock: Clock) {
  const pending = new Map<string, Ceremony>();

  const prune = () => {
    const now = clock.now();
    for (const [id, c] of pending) if (c.expiresAt <= now) pending.delete(id);
  };

  return {
    put(ceremony: Omit<Ceremony, 'expiresAt'>): string {
      if (pending.size >= MAX_OUTSTANDING) prune();
      if (pending.size >= MAX_OUTSTANDING) pending.delete(pending.keys().next().value!);
      const id = randomBytes(16).toString('base64url');
      pending.set(id, { ...ceremony, expiresAt: clock.now() + CHALLENGE_TTL_MS });
      return id;
    },
    take(id: string, kind: Ceremony['kind'], origin: string):
      { ok: true; ceremony: Ceremony } | { ok: false; reason: 'challenge_unknown' | 'challenge_expired' } {
      const ceremony = pending.get(id);
      pending.delete(id);
      if (!ceremony || ceremony.kind !== kind || ceremony.origin !== origin) return { ok: false, reason: 'challenge_unknown' };
      if (ceremony.expiresAt <= clock.now()) return { ok: false, reason: 'challenge_expired' };
      return { ok: true, ceremony };
    },
  };
}
