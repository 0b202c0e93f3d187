import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30 s steps, a 20-byte secret. */
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
// One step either side absorbs a phone clock that is a little off, and the seconds it takes to type.
const WINDOW = 1;

const totpFor = (secretBase32: string, label = 'Latchkey') =>
  new TOTP({ issuer: 'Latchkey', label, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secretBase32) });

/** A fresh 20-byte secret (base32), and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, label).toString() };
}

/**
 * The time step a code belongs to, if it is valid now (±1 step), else null. The caller
 * refuses a step at or below the last one used, so each code works once.
 */
export function totpStep(secretBase32: string, code: string, nowMs: number): number | null {
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_S) + delta;
}

/** The code for a moment (tests, and the RFC 6238 vectors with 8 digits). */
export const totpCode = (secretBase32: string, nowMs: number, digits = DIGITS, algorithm = 'SHA1') =>
  TOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm, digits, period: TOTP_PERIOD_S, timestamp: nowMs });
