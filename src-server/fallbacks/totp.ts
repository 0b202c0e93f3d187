// otpauth is loaded on first use: only a person with the authenticator-app fallback needs it.
let otpauth: Promise<typeof import('otpauth')> | undefined;
const loadOtpauth = () => (otpauth ??= import('otpauth'));

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30 s steps, a 20-byte secret. */
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
// One step either side absorbs a phone clock that is a little off, and the seconds it takes to type.
const WINDOW = 1;

const totpFor = async (secretBase32: string, label = 'Latchkey') => {
  const { Secret, TOTP } = await loadOtpauth();
  return new TOTP({ issuer: 'Latchkey', label, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secretBase32) });
};

/** A fresh 20-byte secret (base32), and the otpauth:// URI an authenticator app scans. */
export async function newTotpSecret(label: string): Promise<{ secret: string; uri: string }> {
  const secret = new (await loadOtpauth()).Secret({ size: 20 }).base32;
  return { secret, uri: (await totpFor(secret, label)).toString() };
}

/**
 * The time step a code belongs to, if it is valid now (±1 step), else null. The caller
 * refuses a step at or below the last one used, so each code works once.
 */
export async function totpStep(secretBase32: string, code: string, nowMs: number): Promise<number | null> {
  const delta = (await totpFor(secretBase32)).validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_S) + delta;
}

/** The code for a moment (tests, and the RFC 6238 vectors with 8 digits). */
export async function totpCode(secretBase32: string, nowMs: number, digits = DIGITS, algorithm = 'SHA1') {
  const { Secret, TOTP } = await loadOtpauth();
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm, digits, period: TOTP_PERIOD_S, timestamp: nowMs });
}
