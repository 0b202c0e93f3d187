import type { Clock } from '../time/Clock.ts';

/** How long a step-up counts: SECURITY.md §8 asks for an assertion at most 5 minutes old. */
export const STEP_UP_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

export type StepUps = ReturnType<typeof createStepUps>;

/**
 * Fresh passkey assertions with user verification, per device: a phone that proved itself
 * again may, for five minutes, do what a stolen session alone must not (remove another
 * device, make or rotate a key). In memory only: a restart asks again, which is the safe side.
 */
export function createStepUps(clock: Clock) {
  const until = new Map<string, number>();
  return {
    mark(deviceId: string) {
      until.delete(deviceId);
      until.set(deviceId, clock.now() + STEP_UP_TTL_MS);
      if (until.size > MAX_ENTRIES) until.delete(until.keys().next().value!);
    },
    fresh(deviceId: string): boolean {
      const at = until.get(deviceId);
      if (at === undefined) return false;
      if (at > clock.now()) return true;
      until.delete(deviceId);
      return false;
    },
    forget(deviceId: string) {
      until.delete(deviceId);
    },
  };
}
