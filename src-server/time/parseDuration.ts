import ms from 'ms';
import { LatchkeyError } from '../errors/LatchkeyError.ts';

/**
 * Reads a human duration ("90d", "24h", "1 year") for the field `field`, within bounds.
 * Bounds are part of the error so the user learns the allowed range from one mistake.
 *
 * @example parseDuration('30d', { field: 'expires_in', min: 3600_000, max: 365 * 86_400_000 })
 */
export function parseDuration(value: string, bounds: { field: string; min: number; max: number }): number {
  let parsed: number | undefined;
  try {
    parsed = ms(value as ms.StringValue);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
    throw new LatchkeyError('invalid_duration', `${bounds.field}: "${value}" is not a duration; use e.g. 30d, 24h or 90m.`, 400, { field: bounds.field });
  }
  if (parsed < bounds.min || parsed > bounds.max) {
    throw new LatchkeyError('duration_out_of_range',
      `${bounds.field}: ${value} is outside the allowed range ${ms(bounds.min, { long: true })} to ${ms(bounds.max, { long: true })}.`, 400, { field: bounds.field });
  }
  return parsed;
}
