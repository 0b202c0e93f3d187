/** The ways in besides a passkey, as the API, CLI and audit name them. */
export const FALLBACK_METHODS = ['backup-code', 'totp', 'password', 'email'] as const;
export type FallbackMethod = (typeof FALLBACK_METHODS)[number];

export const FALLBACK_LABELS: Record<FallbackMethod, string> = {
  'backup-code': 'a backup code',
  totp: 'an authenticator code',
  password: 'a password',
  email: 'an email link',
};

/**
 * A session from a fallback lasts at most 12 hours and is never refreshed: a password or a
 * code is easier to steal than a passkey, so what it opens closes sooner.
 */
export const FALLBACK_SESSION_TTL_S = 12 * 3600;
